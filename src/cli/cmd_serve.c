/* patron serve: the JSON API and dashboard of SPEC section 14 over the inputs analysed in
 * memory (the profile as of the as-of date and, for movements, a base profile
 * --compare-days earlier). Stops gracefully on SIGTERM or SIGINT. */
#include "cli_report.h"
#include "patron/server.h"
#include "patron/store.h"
#include "patron/trigger.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron serve (--db STORE | INPUTS) --tokens FILE [--listen HOST:PORT]\n"
    "                    [--tls-cert FILE --tls-key FILE] [OPTIONS]\n\n"
    "Serves the JSON API (under /api/v1, described at /api/v1/openapi.json) and the\n"
    "dashboard at /. Requests carry 'Authorization: Bearer TOKEN'; the tokens file lists\n"
    "'sha256(token) role name' per line, roles viewer, analyst, admin.\n\n"
    "  --db STORE           serve the store's latest 4 snapshots, its action log and\n"
    "                       experiments; INPUTS too: their profile, analysed in memory, is\n"
    "                       the latest snapshot\n"
    "  --rules FILE         trigger rules (SPEC 11): GET /rules gives each rule's verdict\n"
    "                       (needs --db and INPUTS)\n"
    "  --tokens FILE        the tokens file (required)\n"
    "  --listen HOST:PORT   address to bind (default 127.0.0.1:8080; port 0 = any free port)\n"
    "  --tls-cert FILE      PEM certificate: serve HTTPS (with --tls-key)\n"
    "  --tls-key FILE       PEM private key\n"
    "  --max-body BYTES     larger request bodies are refused with 413 (default 1048576)\n"
    "  --max-connections N  open connections at most (default 512)\n"
    "  --per-ip N           open connections per client address (default 128)\n"
    "  --timeout S          idle connection timeout in seconds (default 30)\n"
    "  --log FILE           request log (default stderr): time, token name, method, path,\n"
    "                       status, milliseconds\n"
    "  --compare-days N     without a store: also serve a base profile N days before\n"
    "                       as-of, for movements (default 30; 0 = none)\n"
    "  -h, --help           this help\n\n" CLI_INPUT_USAGE;

enum {
  OPT_DB = CLI_OPT_FIRST_FREE,
  OPT_TOKENS,
  OPT_LISTEN,
  OPT_CERT,
  OPT_KEY,
  OPT_MAX_BODY,
  OPT_MAX_CONN,
  OPT_PER_IP,
  OPT_TIMEOUT,
  OPT_LOG,
  OPT_COMPARE,
  OPT_RULES,
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"db", required_argument, NULL, OPT_DB},
    {"tokens", required_argument, NULL, OPT_TOKENS},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"tls-cert", required_argument, NULL, OPT_CERT},
    {"tls-key", required_argument, NULL, OPT_KEY},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"per-ip", required_argument, NULL, OPT_PER_IP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"log", required_argument, NULL, OPT_LOG},
    {"compare-days", required_argument, NULL, OPT_COMPARE},
    {"rules", required_argument, NULL, OPT_RULES},
    {NULL, 0, NULL, 0},
};

typedef struct serve_args {
  cli_analysis a;
  patron_server_options o;
  const char *db, *log, *rules;
  long compare_days;
} serve_args;

static bool set_unsigned(const char *flag, const char *arg, long min, long max, unsigned *out) {
  long v;
  if (!cli_parse_long("serve", flag, arg, min, max, &v))
    return false;
  *out = (unsigned)v;
  return true;
}

static bool own_option(serve_args *r, int opt, const char *arg) {
  long v;
  switch (opt) {
  case OPT_DB: r->db = arg; return true;
  case OPT_TOKENS: r->o.tokens_file = arg; return true;
  case OPT_LISTEN: r->o.listen = arg; return true;
  case OPT_CERT: r->o.tls_cert = arg; return true;
  case OPT_KEY: r->o.tls_key = arg; return true;
  case OPT_MAX_BODY:
    if (!cli_parse_long("serve", "--max-body", arg, 1, 1L << 30, &v))
      return false;
    r->o.max_body = (size_t)v;
    return true;
  case OPT_MAX_CONN:
    return set_unsigned("--max-connections", arg, 1, 100000, &r->o.max_connections);
  case OPT_PER_IP: return set_unsigned("--per-ip", arg, 0, 100000, &r->o.per_ip_connections);
  case OPT_TIMEOUT: return set_unsigned("--timeout", arg, 1, 86400, &r->o.timeout_seconds);
  case OPT_LOG: r->log = arg; return true;
  case OPT_RULES: r->rules = arg; return true;
  case OPT_COMPARE:
    return cli_parse_long("serve", "--compare-days", arg, 0, 3650, &r->compare_days);
  default: return cli_usage_error("serve", "unknown option"), false;
  }
}

static bool parse_args(int argc, char **argv, serve_args *r) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("serve", opt, argv, long_options), false;
    int handled = cli_inputs_option(&r->a.inputs, "serve", opt, optarg);
    if (handled < 0 || (handled == 0 && !own_option(r, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]), false;
  if (!r->o.tokens_file)
    return cli_usage_error("serve", "--tokens FILE is required"), false;
  if (!r->o.tls_cert != !r->o.tls_key)
    return cli_usage_error("serve", "--tls-cert and --tls-key go together"), false;
  return r->db || cli_inputs_ready(&r->a.inputs, "serve");
}

/* Serves until SIGTERM or SIGINT (blocked in every thread, taken here with sigwait). */
static patron_status serve(serve_args *r, const patron_server_snapshot *snaps, size_t n,
                           patron_error *err) {
  patron_server *srv = NULL;
  patron_status st = patron_server_new(&r->o, snaps, n, &srv, err);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  if (st == PATRON_OK)
    st = patron_server_start(srv, err);
  if (st == PATRON_OK) {
    char day[16];
    day[patron_format_day(snaps[n - 1].as_of, day)] = '\0';
    int host_len = (int)(strrchr(r->o.listen, ':') - r->o.listen);
    fprintf(stderr, "patron serve: listening on %s://%.*s:%d/ (%zu customers as of %s)\n",
            r->o.tls_cert ? "https" : "http", host_len, r->o.listen, patron_server_port(srv),
            patron_table_n_rows(snaps[n - 1].table), day);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "patron serve: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  }
  patron_server_free(srv);
  return st;
}

enum { MAX_STORED = 4 }; /* snapshots of a store served (the latest ones) */

/* The INPUTS analysed in memory, after the store's earlier snapshots or (without a store) a
 * base profile --compare-days before, for movements. */
static patron_status add_inputs(serve_args *r, cli_run *s, patron_profile **prev, char **json,
                                patron_server_snapshot *snaps, size_t *n, patron_error *err) {
  patron_status st = cli_analysis_compute("serve", &r->a, s, err);
  if (st == PATRON_OK)
    st = cli_report_json(s, &r->a.profile, (int)r->compare_days, json, err);
  int32_t as_of = st == PATRON_OK ? patron_profile_as_of(s->r.profile) : 0;
  while (*n && snaps[*n - 1].as_of >= as_of) /* the inputs replace a stored snapshot */
    (*n)--;
  if (st == PATRON_OK && !*n && r->compare_days > 0) {
    patron_profile_options o = r->a.profile;
    o.as_of_day = as_of - (int32_t)r->compare_days;
    patron_error ignored = {0}; /* no earlier data: serve the one snapshot */
    if (patron_profile_build(s->ds, &o, prev, &ignored) == PATRON_OK)
      snaps[(*n)++] = (patron_server_snapshot){o.as_of_day, patron_profile_table_const(*prev),
                                               s->ds, patron_profile_customers(*prev), NULL};
  }
  if (st == PATRON_OK)
    snaps[(*n)++] = (patron_server_snapshot){as_of, patron_profile_table_const(s->r.profile), s->ds,
                                             patron_profile_customers(s->r.profile), *json};
  return st;
}

static patron_status run_server(serve_args *r, patron_store *store, patron_error *err) {
  cli_run s = {0};
  cli_store_snaps stored = {0};
  patron_profile *prev = NULL;
  char *json = NULL, *store_json = NULL;
  patron_server_snapshot snaps[MAX_STORED + 2];
  size_t n = 0;
  patron_status st = PATRON_OK;
  if (store) {
    st = cli_store_snaps_load(store, PATRON_NO_DAY, MAX_STORED, &stored, err);
    if (st == PATRON_OK && !r->a.inputs.load.paths[0])
      st = cli_report_json_store(&stored, &store_json, err);
    for (size_t i = 0; st == PATRON_OK && i < stored.n; i++)
      snaps[n++] = (patron_server_snapshot){patron_snapshot_as_of(stored.snaps[i]),
                                            patron_snapshot_table(stored.snaps[i]), NULL, NULL,
                                            i + 1 == stored.n ? store_json : NULL};
  }
  if (st == PATRON_OK && r->a.inputs.load.paths[0])
    st = add_inputs(r, &s, &prev, &json, snaps, &n, err);
  patron_trigger_rules *rules = NULL;
  if (st == PATRON_OK && r->rules)
    st = patron_trigger_rules_load(r->rules, &rules, err);
  if (st == PATRON_OK) {
    r->o.store = store;
    r->o.rules = rules;
    st = serve(r, snaps, n, err);
  }
  patron_trigger_rules_free(rules);
  free(json);
  free(store_json);
  patron_profile_free(prev);
  cli_run_free(&s);
  cli_store_snaps_free(&stored);
  return st;
}

static int run(int argc, char **argv) {
  serve_args r = {.compare_days = 30};
  cli_analysis_init(&r.a);
  r.a.quiet = true;
  patron_server_options_init(&r.o);
  int rc = CLI_EXIT_USAGE;
  if (parse_args(argc, argv, &r)) {
    patron_error err = {0};
    FILE *log = r.log ? fopen(r.log, "a") : NULL;
    if (r.log && !log) {
      fprintf(stderr, "patron serve: cannot write the log %s\n", r.log);
      rc = CLI_EXIT_FAIL;
    } else {
      if (log)
        setvbuf(log, NULL, _IOLBF, 0);
      r.o.log = log;
      patron_store *store = r.db ? cli_store_open("serve", r.db, true) : NULL;
      if (r.db && !store)
        rc = CLI_EXIT_FAIL;
      else
        rc = run_server(&r, store, &err) == PATRON_OK ? CLI_EXIT_OK : cli_fail("serve", &err);
      patron_store_close(store);
      if (log)
        fclose(log);
    }
  }
  cli_inputs_free(&r.a.inputs);
  return rc;
}

const cli_command cli_cmd_serve = {"serve", run, "JSON API and dashboard over HTTP(S)", usage};
