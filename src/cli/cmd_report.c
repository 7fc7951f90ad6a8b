/* patron report: the self-contained HTML report of SPEC section 14 (charts inlined, no
 * network request), from the inputs analysed in memory. */
#include "cli_report.h"

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron report (--db STORE | INPUTS) [--as-of D] [--lang en|zh]\n"
    "                     [--compare-days N] --out report.html\n\n"
    "Writes one self-contained HTML file (opens offline, loads nothing from the network):\n"
    "KPIs, customer vs revenue share per segment of each segmentation, R x F heatmap, Lorenz\n"
    "curve and Gini, clusters, P(alive) and expected purchases by recency x frequency,\n"
    "churn-risk bands, movements between snapshots, cohort retention triangle.\n\n"
    "  --db STORE           the store's snapshot as of --as-of (default: the latest) and\n"
    "                       the one before it (movements); no cohort triangle (the store\n"
    "                       keeps no orders). Or give the INPUTS: analysed in memory\n"
    "  --lang en|zh         labels in English (default) or Chinese\n"
    "  --compare-days N     with INPUTS: movements against a profile N days before as-of\n"
    "                       (default 30; 0 leaves them out)\n"
    "  --out FILE           the HTML file to write (required)\n"
    "  --quiet              print nothing on success\n"
    "  -h, --help           this help\n\n" CLI_INPUT_USAGE;

enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_LANG, OPT_DB, OPT_COMPARE, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"lang", required_argument, NULL, OPT_LANG},
    {"db", required_argument, NULL, OPT_DB},
    {"compare-days", required_argument, NULL, OPT_COMPARE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct report_args {
  cli_analysis a;
  const char *out, *lang, *db;
  long compare_days;
  bool quiet; /* --quiet: nothing on stdout on success */
} report_args;

patron_status cli_report_json(cli_run *s, const patron_profile_options *opts, int compare_days,
                              char **json, patron_error *err) {
  patron_report_input in = {
      .table = patron_profile_table_const(s->r.profile),
      .as_of = patron_profile_as_of(s->r.profile),
      .ds = s->ds,
      .customers = patron_profile_customers(s->r.profile),
  };
  patron_profile *prev = NULL;
  if (compare_days > 0) {
    patron_profile_options o = *opts;
    o.as_of_day = in.as_of - compare_days;
    patron_error ignored = {0}; /* no earlier data: a report without movements */
    if (patron_profile_build(s->ds, &o, &prev, &ignored) == PATRON_OK) {
      in.previous = patron_profile_table_const(prev);
      in.previous_as_of = o.as_of_day;
    }
  }
  patron_status st = patron_report_data(&in, json, err);
  patron_profile_free(prev);
  return st;
}

static bool own_option(report_args *r, int opt, const char *arg) {
  switch (opt) {
  case OPT_OUT: r->out = arg; return true;
  case OPT_LANG:
    if (strcmp(arg, "en") != 0 && strcmp(arg, "zh") != 0)
      return cli_usage_error("report", "--lang must be en or zh, not '%s'", arg), false;
    r->lang = arg;
    return true;
  case OPT_DB: r->db = arg; return true;
  case OPT_QUIET: return r->quiet = true;
  case OPT_COMPARE:
    return cli_parse_long("report", "--compare-days", arg, 0, 3650, &r->compare_days);
  default: return cli_usage_error("report", "unknown option"), false;
  }
}

static bool parse_args(int argc, char **argv, report_args *r) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("report", opt, argv, long_options), false;
    int handled = cli_inputs_option(&r->a.inputs, "report", opt, optarg);
    if (handled < 0 || (handled == 0 && !own_option(r, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("report", "unexpected argument '%s'", argv[optind]), false;
  if (!r->out)
    return cli_usage_error("report", "--out FILE is required"), false;
  if (r->db && r->a.inputs.load.paths[0])
    return cli_usage_error("report", "give --db STORE or the inputs, not both"), false;
  return r->db || cli_inputs_ready(&r->a.inputs, "report");
}

/* The report of a store's snapshot (--as-of, default the latest) and the one before it. */
static int run_store(report_args *r) {
  patron_store *store = cli_store_open("report", r->db, true);
  if (!store)
    return CLI_EXIT_FAIL;
  patron_error err = {0};
  cli_store_snaps snaps;
  char *json = NULL;
  patron_status st = cli_store_snaps_load(store, r->a.inputs.load.as_of_day, 2, &snaps, &err);
  if (st == PATRON_OK)
    st = cli_report_json_store(&snaps, &json, &err);
  if (st == PATRON_OK)
    st = patron_write_report_html(json, r->lang, r->out, &err);
  if (st == PATRON_OK && !r->quiet) {
    const patron_snapshot *last = snaps.snaps[snaps.n - 1];
    char day[16];
    day[patron_format_day(patron_snapshot_as_of(last), day)] = '\0';
    printf("Wrote %s: %zu customers as of %s (%s)\n", r->out,
           patron_table_n_rows(patron_snapshot_table(last)), day, r->db);
  }
  free(json);
  if (st == PATRON_OK || snaps.snaps)
    cli_store_snaps_free(&snaps);
  patron_store_close(store);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("report", &err);
}

static int run(int argc, char **argv) {
  report_args r = {.lang = "en", .compare_days = 30};
  cli_analysis_init(&r.a);
  r.a.quiet = true;
  int rc = CLI_EXIT_USAGE;
  bool ok = parse_args(argc, argv, &r);
  if (ok && r.db) {
    rc = run_store(&r);
  } else if (ok) {
    patron_error err = {0};
    cli_run s = {0};
    char *json = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    patron_status st = cli_analysis_compute("report", &r.a, &s, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == PATRON_OK)
      st = cli_report_json(&s, &r.a.profile, (int)r.compare_days, &json, &err);
    if (st == PATRON_OK)
      st = patron_write_report_html(json, r.lang, r.out, &err);
    if (st == PATRON_OK && !r.quiet)
      printf("Wrote %s: %zu customers; inputs and models %.2f s, report %.2f s\n", r.out,
             patron_table_n_rows(patron_profile_table_const(s.r.profile)),
             cli_seconds_since(&t0) - cli_seconds_since(&t1), cli_seconds_since(&t1));
    free(json);
    cli_run_free(&s);
    rc = st == PATRON_OK ? CLI_EXIT_OK : cli_fail("report", &err);
  }
  cli_inputs_free(&r.a.inputs);
  return rc;
}

const cli_command cli_cmd_report = {"report", run, "self-contained HTML report with charts", usage};
