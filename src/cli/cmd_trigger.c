/* patron trigger: `run` evaluates the rules as of an instant T over the inputs and logs the
 * actions that fire in the store (SPEC section 11); `init` writes the seeds' example rules. */
#include "cli_outputs.h"
#include "cli_profile.h"
#include "cli_store.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static const char usage[] =
    "Usage: patron trigger run INPUTS --rules FILE --db STORE --as-of YYYY-MM-DDTHH:MM\n"
    "                          --out DIR [--dry-run] [--quiet]\n"
    "       patron trigger init --out FILE\n\n"
    "Evaluates every enabled rule's condition for every customer as of T; a match fires\n"
    "unless the rule is disabled in the store, the rule fired for that customer within its\n"
    "cooldown, the customer lacks the channel's contact or consent, or the channel's cap is\n"
    "reached (rules by priority, then name, then customer_id). Holdout arms by hash; quiet\n"
    "hours move send_at; action ids are idempotent and the run is logged in the store.\n"
    "Writes DIR/actions.csv (this run's new actions) and DIR/skipped.csv, prints a table per\n"
    "rule. --dry-run writes the files and changes nothing in the store. Conditions may use\n"
    "previous(column) and moved(column) (the store's latest snapshot before T).\n\n" CLI_INPUT_USAGE
    "\nTrigger:\n"
    "  --rules FILE         the rules JSON (required; patron trigger init writes one)\n"
    "  --db STORE           the SQLite store (required; created when missing)\n"
    "  --as-of T            the instant, YYYY-MM-DDTHH:MM on the rules' clock (required)\n"
    "  --out DIR            output directory (or FILE for 'trigger init'; required)\n"
    "  --dry-run            decide and write the files, change nothing in the store\n"
    "  --quiet              print nothing but errors\n"
    "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE;

enum { OPT_RULES = CLI_OPT_FIRST_FREE, OPT_DB, OPT_OUT, OPT_DRY, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"rules", required_argument, NULL, OPT_RULES},
    {"db", required_argument, NULL, OPT_DB},
    {"out", required_argument, NULL, OPT_OUT},
    {"dry-run", no_argument, NULL, OPT_DRY},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct args {
  cli_inputs in;
  struct timespec clock;
  double seconds[4]; /* profile, conditions, decisions, recommendations */
  double cpu[4];     /* the same phases in CPU seconds of the process (all threads) */
  double cpu_mark;
  double fit_seconds; /* the recommender's fit on its own thread (wall) */
  const char *rules, *db, *out;
  patron_output_options output; /* --excel, --csv-formula-guard */
  int64_t t;
  bool has_t, dry_run, quiet, init;
} args;

/* Rules with "recommend": how many actions carry items, and the first as an example. */
static void print_items(const patron_trigger_result *res) {
  size_t n = 0, first = 0;
  for (size_t i = 0; res->items && i < res->n_actions; i++)
    if (res->items[i] && !n++)
      first = i;
  if (!n)
    return;
  printf("\n%zu actions carry recommended items (actions.csv: items, reasons), e.g. %s %s: "
         "%s (%s)\n",
         n, res->actions[first].rule, res->actions[first].customer_id, res->items[first],
         res->reasons[first]);
}

static void print_table(const patron_trigger_rules *r, const patron_trigger_result *res,
                        const char *when, const args *a) {
  printf("Trigger run as of %s%s\n\n", when, a->dry_run ? " (dry run: nothing recorded)" : "");
  printf("%-24s %9s %9s %9s %9s %10s %9s %9s %9s\n", "rule", "matched", "treatment", "holdout",
         "cooldown", "no_contact", "cap", "disabled", "replay");
  for (size_t i = 0; i < r->n_rules; i++) {
    const patron_trigger_stats *s = &res->stats[i];
    if (!r->rules[i].enabled) {
      printf("%-24s %9s (disabled in the rules file)\n", r->rules[i].name, "-");
      continue;
    }
    printf("%-24s %9zu %9zu %9zu %9zu %10zu %9zu %9zu %9zu\n", r->rules[i].name, s->matched,
           s->treatment, s->holdout, s->skipped[PATRON_SKIP_COOLDOWN],
           s->skipped[PATRON_SKIP_NO_CONTACT], s->skipped[PATRON_SKIP_CAP],
           s->skipped[PATRON_SKIP_DISABLED], s->skipped[PATRON_SKIP_REPLAY]);
  }
  if (res->replay)
    printf("\nT is not after the store's latest trigger run: a replay adds nothing.\n");
  print_items(res);
  printf("\nWrote %s/actions.csv (%zu new actions), skipped.csv\n", a->out, res->n_actions);
}

/* The expression environment: the profile, the dataset, T, previous() and moved(). */
static void expr_env(const cli_profile *p, const args *a, patron_expr_function *fns, size_t n_fns,
                     patron_expr_env *env) {
  patron_expr_env_init(env);
  env->table = patron_profile_table_const(p->r.profile);
  env->dataset = p->ds;
  env->row_customer = patron_profile_customers(p->r.profile);
  env->as_of = a->t;
  env->functions = fns;
  env->n_functions = n_fns;
  env->n_threads = a->in.load.n_threads;
}

/* The run's action rows written on a second thread while the items are computed and the
 * files written (patron_trigger_log; committed with the details by log_end). */
typedef struct log_job {
  patron_store *store;
  const patron_trigger_result *res;
  int64_t t, run_id;
  double seconds;
  patron_status st;
  patron_error err;
  pthread_t thread;
  bool started, open;
} log_job;

static void *log_main(void *arg) {
  log_job *j = arg;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  j->st = patron_trigger_log(j->store, j->t, j->res, &j->run_id, &j->err);
  j->open = j->st == PATRON_OK;
  j->seconds = cli_seconds_since(&t0);
  return NULL;
}

/* Nothing to log in a dry run or without a store. */
static void log_start(log_job *j, const args *a, patron_store *store,
                      const patron_trigger_result *res) {
  *j = (log_job){.store = a->dry_run ? NULL : store, .res = res, .t = a->t, .st = PATRON_OK};
  if (j->store && !(j->started = pthread_create(&j->thread, NULL, log_main, j) == 0))
    log_main(j);
}

static void log_join(log_job *j) {
  if (j->started)
    pthread_join(j->thread, NULL);
  j->started = false;
}

/* Commits the logged run with its details when st is PATRON_OK, else rolls it back. */
static patron_status log_end(log_job *j, patron_status st, const char *detail, patron_error *err) {
  log_join(j);
  if (st == PATRON_OK && j->st != PATRON_OK)
    *err = j->err, st = j->st;
  if (j->open && st == PATRON_OK)
    st = patron_trigger_log_commit(j->store, j->run_id, detail, err);
  else if (j->open)
    patron_store_rollback(j->store);
  j->open = false;
  return st;
}

/* The files go to temporary names and are renamed once the store has the run, so a killed
 * run leaves neither half files nor files without their logged actions. */
static patron_status finish(const args *a, log_job *log, const patron_trigger_rules *r,
                            const patron_trigger_result *res, const cli_profile *p,
                            patron_error *err) {
  const patron_table *t = patron_profile_table_const(p->r.profile);
  char act[4096], skp[4096];
  patron_sink *sa = NULL, *sk = NULL;
  patron_status st = patron_trigger_write(
      res, r, t, cli_path(act, sizeof act, a->out, "actions.csv"),
      cli_path(skp, sizeof skp, a->out, "skipped.csv"), &a->output, &sa, &sk, err);
  log_join(log);
  char detail[2048];
  int len = snprintf(
      detail, sizeof detail,
      "{\"actions\": %zu, \"skipped\": %zu, \"seconds\": {\"profile\": %.3f, "
      "\"conditions\": %.3f, \"decisions\": %.3f, \"recommendations\": %.3f, "
      "\"recommender_fit\": %.3f, \"action_log\": %.3f}, \"cpu_seconds\": {\"profile\": %.3f, "
      "\"conditions\": %.3f, \"decisions\": %.3f, \"recommendations\": %.3f}, "
      "\"profile_steps\": {",
      res->n_actions, res->n_skips, a->seconds[0], a->seconds[1], a->seconds[2], a->seconds[3],
      a->fit_seconds, log->seconds, a->cpu[0], a->cpu[1], a->cpu[2], a->cpu[3]);
  for (size_t i = 0; i < p->run.n_timings && len > 0 && len < (int)sizeof detail - 64; i++)
    len += snprintf(detail + len, sizeof detail - (size_t)len, "%s\"%.40s\": %.3f", i ? ", " : "",
                    p->run.timings[i].step, p->run.timings[i].seconds);
  snprintf(detail + len, sizeof detail - (size_t)len, "}}");
  st = log_end(log, st, detail, err);
  if (st == PATRON_OK)
    st = patron_sink_close(sa, err);
  else
    patron_sink_abort(sa);
  if (st == PATRON_OK)
    return patron_sink_close(sk, err);
  patron_sink_abort(sk);
  return st;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void lap(args *a, int i) {
  a->seconds[i] = cli_seconds_since(&a->clock);
  clock_gettime(CLOCK_MONOTONIC, &a->clock);
  double c = cpu_now();
  a->cpu[i] = c - a->cpu_mark;
  a->cpu_mark = c;
}

/* Work that needs only the loaded dataset, started on their own threads as soon as it is
 * loaded (beside the profile's stages, the conditions and the decisions): the recommender's
 * fit (its wall seconds go into the run detail) and the members' contacts. */
typedef struct ahead {
  const args *a;
  const patron_trigger_rules *rules;
  int32_t day; /* T's day: the profile's as-of day */
  patron_trigger_fit fit;
  double fit_seconds;
  pthread_t fit_thread;
  bool fit_started, fit_done;
  patron_contacts contacts;
  patron_status contacts_st;
  patron_error contacts_err;
  pthread_t contacts_thread;
  bool contacts_started, contacts_done;
  const patron_dataset *ds;
} ahead;

static void *fit_main(void *arg) {
  ahead *h = arg;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  patron_trigger_fit_run(&h->fit, h->rules, h->ds, h->day, h->a->in.load.n_threads);
  h->fit_seconds = cli_seconds_since(&t0);
  return NULL;
}

static void *contacts_main(void *arg) {
  ahead *h = arg;
  h->contacts_st = patron_contacts_load(&h->a->in.load, h->ds, &h->contacts, &h->contacts_err);
  return NULL;
}

/* Joins what was started (or runs it here when its thread could not be started). */
static void fit_join(ahead *h) {
  if (h->fit_started)
    pthread_join(h->fit_thread, NULL);
  else if (!h->fit_done)
    fit_main(h);
  h->fit_started = false, h->fit_done = true;
}

static patron_status contacts_join(ahead *h, patron_error *err) {
  if (h->contacts_started)
    pthread_join(h->contacts_thread, NULL);
  else if (!h->contacts_done)
    contacts_main(h);
  h->contacts_started = false, h->contacts_done = true;
  if (h->contacts_st != PATRON_OK)
    *err = h->contacts_err;
  return h->contacts_st;
}

/* The profile's hook: ds loaded (start), or NULL (ds is about to be freed: wait). */
static void loaded(void *ctx, const patron_dataset *ds) {
  ahead *h = ctx;
  if (!ds) {
    if (h->fit_started)
      pthread_join(h->fit_thread, NULL);
    if (h->contacts_started)
      pthread_join(h->contacts_thread, NULL);
    h->fit_started = h->contacts_started = false;
    h->fit_done = h->contacts_done = true;
    return;
  }
  h->ds = ds;
  h->fit_done = !patron_trigger_rules_recommend(h->rules);
  h->fit_started = !h->fit_done && pthread_create(&h->fit_thread, NULL, fit_main, h) == 0;
  h->contacts_started = pthread_create(&h->contacts_thread, NULL, contacts_main, h) == 0;
}

static void ahead_free(ahead *h) {
  loaded(h, NULL);
  patron_trigger_fit_free(&h->fit);
  patron_contacts_free(&h->contacts);
}

/* Rules with "recommend": K: the actions' items and reasons (SPEC 18). */
static patron_status add_recommendations(args *a, const patron_trigger_rules *r,
                                         const cli_profile *p, ahead *h, patron_trigger_result *res,
                                         patron_error *err) {
  char warning[256];
  fit_join(h);
  patron_status st = patron_trigger_recommend(res, r, p->ds, &h->fit, warning, err);
  if (st == PATRON_OK && warning[0])
    fprintf(stderr, "patron trigger: warning: no recommendations (%s); items left empty\n",
            warning);
  lap(a, 3);
  a->fit_seconds = h->fit_seconds;
  return st;
}

static patron_status decide_and_write(args *a, patron_store *store, const patron_trigger_rules *r,
                                      cli_profile *p, ahead *ah, patron_error *err) {
  patron_history *h = NULL;
  patron_expr_function fns[2];
  uint32_t **matched = NULL;
  size_t *n_matched = NULL;
  patron_trigger_result res = {0};
  const patron_table *t = patron_profile_table_const(p->r.profile);
  patron_status st = patron_history_new(store, t, patron_profile_as_of(p->r.profile), &h, err);
  if (st == PATRON_OK) {
    patron_expr_env env;
    expr_env(p, a, fns, patron_history_functions(h, fns), &env);
    st = patron_trigger_match(r, &env, a->rules, &matched, &n_matched, err);
  }
  if (st == PATRON_OK)
    st = contacts_join(ah, err);
  lap(a, 1);
  if (st == PATRON_OK) {
    patron_trigger_input in = {.rules = r,
                               .matched = (const uint32_t *const *)matched,
                               .n_matched = n_matched,
                               .table = t,
                               .row_customer = patron_profile_customers(p->r.profile),
                               .contacts = &ah->contacts,
                               .store = store,
                               .t = a->t};
    st = patron_trigger_decide(&in, &res, err);
    lap(a, 2);
  }
  log_job log = {.st = PATRON_OK};
  if (st == PATRON_OK) {
    log_start(&log, a, store, &res);
    st = add_recommendations(a, r, p, ah, &res, err);
  }
  if (st == PATRON_OK)
    st = finish(a, &log, r, &res, p, err);
  else
    log_end(&log, st, NULL, err);
  if (st == PATRON_OK && !a->quiet) {
    char when[17];
    patron_format_minute(a->t, when);
    print_table(r, &res, when, a);
  }
  patron_trigger_result_free(&res);
  patron_trigger_matches_free(matched, n_matched, r->n_rules);
  patron_history_free(h);
  return st;
}

/* The column names the enabled rules use: the profile computes only what they need. */
typedef struct names {
  char **v;
  size_t n, cap;
  bool oom;
} names;

static void add_name(void *ctx, const char *name, size_t len) {
  names *ns = ctx;
  if (!ns->oom && ns->n == ns->cap) {
    size_t cap = ns->cap ? 2 * ns->cap : 16;
    char **v = realloc(ns->v, cap * sizeof *v);
    ns->oom = !v;
    if (v)
      ns->v = v, ns->cap = cap;
  }
  char *copy = ns->oom ? NULL : malloc(len + 1);
  if (!copy) {
    ns->oom = true;
    return;
  }
  memcpy(copy, name, len);
  copy[len] = '\0';
  ns->v[ns->n++] = copy;
}

static void rule_names(const patron_trigger_rules *r, names *ns) {
  for (size_t i = 0; i < r->n_rules; i++)
    if (r->rules[i].enabled)
      patron_expr_names(r->rules[i].where, strlen(r->rules[i].where), add_name, ns);
}

static void names_free(names *ns) {
  for (size_t i = 0; i < ns->n; i++)
    free(ns->v[i]);
  free(ns->v);
}

/* The run allocates and frees many blocks of 128 KiB to 32 MiB (profile columns, the
 * recommender's sets and counts, expression vectors): kept in the heap for reuse instead of
 * mapped and returned to the system each time, they are not zeroed again page by page (a
 * fifth of the reused 1M-customer run's system time). One arena for every thread, so that
 * what one phase frees serves the phases running on the other threads (the recommender's
 * fit, the contacts, the action log) instead of each thread's arena mapping fresh pages.
 * glibc only; elsewhere nothing. */
static void keep_freed_memory(void) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD) && defined(M_ARENA_MAX)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_ARENA_MAX, 1);
#endif
}

static int trigger_run(args *a) {
  keep_freed_memory();
  patron_error err = {0};
  patron_trigger_rules *r = NULL;
  if (patron_trigger_rules_load(a->rules, &r, &err) != PATRON_OK)
    return cli_fail("trigger", &err);
  /* a dry run never creates a store; it reads one that exists */
  bool read_only = a->dry_run;
  patron_store *store = NULL;
  if ((!read_only || access(a->db, F_OK) == 0) &&
      !(store = cli_store_open("trigger", a->db, read_only))) {
    patron_trigger_rules_free(r);
    return CLI_EXIT_FAIL;
  }
  int32_t day = (int32_t)((a->t >= 0 ? a->t : a->t - 86399) / 86400);
  a->in.load.as_of_day = day + 1; /* the behaviour windows end at T, inside T's day */
  /* order lines as analyze keeps them: line tags, items_viewed_unbought(), the recommender */
  a->in.load.keep_lines = true;
  names ns = {0};
  rule_names(r, &ns);
  cli_profile p;
  ahead ah = {.a = a, .rules = r, .day = day, .fit_done = true, .contacts_done = true};
  int rc = CLI_EXIT_FAIL;
  clock_gettime(CLOCK_MONOTONIC, &a->clock);
  a->cpu_mark = cpu_now();
  /* level_warning as with --db (always given here), also in a dry run on a new store */
  if (cli_make_dir("trigger", a->out))
    rc = cli_profile_build_hooked("trigger", &a->in, day, false, true,
                                  ns.oom ? NULL : (const char *const *)ns.v, ns.n, loaded, &ah, &p);
  bool built = rc == CLI_EXIT_OK;
  if (built) {
    lap(a, 0);
    rc = decide_and_write(a, store, r, &p, &ah, &err) == PATRON_OK ? CLI_EXIT_OK
                                                                   : cli_fail("trigger", &err);
  }
  ahead_free(&ah); /* before the dataset they read is freed */
  if (built)
    cli_profile_free(&p);
  names_free(&ns);
  patron_store_close(store);
  patron_trigger_rules_free(r);
  return rc;
}

static bool own_option(args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_RULES: a->rules = arg; return true;
  case OPT_DB: a->db = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_DRY: a->dry_run = true; return true;
  case OPT_QUIET: a->quiet = true; return true;
  case CLI_OPT_AS_OF:
    if (patron_parse_time(arg, strlen(arg), &a->t) != PATRON_OK)
      return cli_usage_error("trigger", "--as-of expects YYYY-MM-DDTHH:MM (or a date), got '%s'",
                             arg),
             false;
    a->has_t = true;
    return true;
  default: return cli_usage_error("trigger", "unknown option"), false;
  }
}

static bool parse_args(int argc, char **argv, args *a) {
  int opt;
  optind = 2;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("trigger", opt, argv, long_options), false;
    int handled = opt == CLI_OPT_AS_OF ? 0 : cli_inputs_option(&a->in, "trigger", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("trigger", "unexpected argument '%s'", argv[optind]), false;
  const char *missing = !a->out     ? "--out"
                        : a->init   ? NULL
                        : !a->rules ? "--rules FILE"
                        : !a->db    ? "--db STORE"
                        : !a->has_t ? "--as-of YYYY-MM-DDTHH:MM"
                                    : NULL;
  if (missing)
    return cli_usage_error("trigger", "%s is required", missing), false;
  return a->init || cli_inputs_ready(&a->in, "trigger");
}

static int run(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "init")))
    return cli_usage_error("trigger", "expected 'trigger run' or 'trigger init'");
  args a = {.init = strcmp(argv[1], "init") == 0};
  patron_output_options_init(&a.output);
  cli_inputs_init(&a.in);
  int rc = CLI_EXIT_USAGE;
  if (parse_args(argc, argv, &a)) {
    if (a.init) {
      FILE *f = fopen(a.out, "wb");
      bool ok = f && fputs(patron_trigger_rules_example(), f) >= 0;
      ok = f && fclose(f) == 0 && ok;
      rc = ok ? (printf("Wrote %s\n", a.out), CLI_EXIT_OK)
              : (fprintf(stderr, "patron trigger: %s: cannot write\n", a.out), CLI_EXIT_FAIL);
    } else {
      rc = trigger_run(&a);
    }
  }
  cli_inputs_free(&a.in);
  return rc;
}

const cli_command cli_cmd_trigger = {
    "trigger", run, "fire the trigger rules as of an instant; log the actions", usage};
