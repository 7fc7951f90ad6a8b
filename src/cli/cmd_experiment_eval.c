/* patron experiment evaluate: loads the assignments and the orders, evaluates each arm
 * against control (include/patron/experiment.h), writes results.csv and prints a table a
 * marketer can act on ("treatment: +2.1 pp conversion [0.8, 3.4], effective"). */
#include "cmd_experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  OPT_ASSIGNMENTS = CLI_OPT_FIRST_FREE,
  OPT_START,
  OPT_WINDOW,
  OPT_NAME,
  OPT_ARMS,
  OPT_CAP,
  OPT_CUPED,
  OPT_PRE_DAYS,
  OPT_ALPHA,
  OPT_MIN_LIFT,
  OPT_POWER,
  OPT_OUT,
  OPT_QUIET,
  OPT_DB,
  OPT_SEGMENTS,
  OPT_BY,
  OPT_RULES,
  OPT_APPLY
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"assignments", required_argument, NULL, OPT_ASSIGNMENTS},
    {"start", required_argument, NULL, OPT_START},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"name", required_argument, NULL, OPT_NAME},
    {"arms", required_argument, NULL, OPT_ARMS},
    {"cap-percentile", required_argument, NULL, OPT_CAP},
    {"cuped", no_argument, NULL, OPT_CUPED},
    {"pre-days", required_argument, NULL, OPT_PRE_DAYS},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"min-lift", required_argument, NULL, OPT_MIN_LIFT},
    {"power", required_argument, NULL, OPT_POWER},
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"db", required_argument, NULL, OPT_DB},
    {"segments", required_argument, NULL, OPT_SEGMENTS},
    {"by", required_argument, NULL, OPT_BY},
    {"rules", required_argument, NULL, OPT_RULES},
    {"apply", no_argument, NULL, OPT_APPLY},
    {NULL, 0, NULL, 0},
};

typedef struct eval_args {
  cli_inputs inputs;
  patron_eval_options opts;
  const char *assignments, *name, *arms, *out, *segments, *by, *rules, *db;
  bool quiet, apply;
} eval_args;

static bool in_range(const char *flag, double v, double lo, double hi) {
  if (v >= lo && v <= hi)
    return true;
  cli_usage_error("experiment", "%s must be between %g and %g", flag, lo, hi);
  return false;
}

static bool numeric_option(eval_args *a, int opt, const char *arg) {
  long v;
  double d;
  patron_eval_options *o = &a->opts;
  switch (opt) {
  case OPT_WINDOW:
    return cli_parse_long("experiment", "--window", arg, 1, 3650, &v) && (o->window_days = (int)v);
  case OPT_PRE_DAYS:
    return cli_parse_long("experiment", "--pre-days", arg, 1, 3650, &v) && (o->pre_days = (int)v);
  case OPT_CAP:
    return cli_parse_double("experiment", "--cap-percentile", arg, &d) &&
           in_range("--cap-percentile", d, 0, 100) && ((o->cap_percentile = d), true);
  case OPT_ALPHA:
    return cli_parse_double("experiment", "--alpha", arg, &d) &&
           in_range("--alpha", d, 1e-12, 0.5) && ((o->alpha = d), true);
  case OPT_POWER:
    return cli_parse_double("experiment", "--power", arg, &d) &&
           in_range("--power", d, 0.01, 0.9999) && ((o->power = d), true);
  case OPT_MIN_LIFT: return cli_parse_double("experiment", "--min-lift", arg, &o->min_lift);
  default: return cli_usage_error("experiment", "unknown option"), false;
  }
}

static bool own_option(eval_args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_ASSIGNMENTS: a->assignments = arg; return true;
  case OPT_START: return cli_parse_day("experiment", "--start", arg, &a->opts.start_day);
  case OPT_NAME: a->name = arg; return true;
  case OPT_ARMS: a->arms = arg; return true;
  case OPT_CUPED: a->opts.cuped = true; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_QUIET: a->quiet = true; return true;
  case OPT_SEGMENTS: a->segments = arg; return true;
  case OPT_BY: a->by = arg; return true;
  case OPT_DB: a->db = arg; return true;
  case OPT_RULES: a->rules = arg; return true;
  case OPT_APPLY: a->apply = true; return true;
  default: return numeric_option(a, opt, arg);
  }
}

/* --rules mode: trigger rules as experiments. */
static bool rules_ready(const eval_args *a) {
  if (!a->rules || !a->db || !a->out || a->inputs.load.as_of_day == PATRON_NO_DAY)
    return cli_usage_error("experiment", "--rules FILE needs --db STORE, --as-of YYYY-MM-DD and "
                                         "--out DIR (--apply goes with --rules)"),
           false;
  if (a->assignments || a->segments)
    return cli_usage_error("experiment", "--rules does not go with --assignments or --segments"),
           false;
  return true;
}

static bool parse_args(int argc, char **argv, eval_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("experiment", opt, argv, long_options), false;
    int handled = cli_inputs_option(&a->inputs, "experiment", opt, optarg);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("experiment", "unexpected argument '%s'", argv[optind]), false;
  if (!cli_inputs_ready(&a->inputs, "experiment"))
    return false;
  if (a->rules || a->apply)
    return rules_ready(a);
  if (a->db && (a->assignments || !a->name))
    return cli_usage_error("experiment",
                           "give either --assignments FILE or --db STORE --name NAME"),
           false;
  if ((!a->assignments && !a->db) || !a->out || a->opts.start_day == PATRON_NO_DAY)
    return cli_usage_error("experiment",
                           "evaluate needs --assignments FILE, --start YYYY-MM-DD and --out DIR"),
           false;
  if (!a->segments != !a->by)
    return cli_usage_error("experiment", "--segments FILE and --by COLUMN go together"), false;
  return true;
}

/* Arms named by --arms give the order and weights of the file's arms. */
static patron_status apply_arms(patron_assignments *as, const char *spec, patron_error *err) {
  patron_arms given;
  patron_status st = patron_arms_parse(spec, &given, err);
  if (st == PATRON_OK)
    st = patron_assignments_set_arms(as, &given, err);
  patron_arms_clear(&given);
  return st;
}

static void fmt_interval(char *buf, size_t cap, double v, double lo, double hi, double scale,
                         const char *unit, int decimals) {
  if (isnan(v)) {
    snprintf(buf, cap, "-");
    return;
  }
  snprintf(buf, cap, "%+.*f%s [%.*f, %.*f]", decimals, v * scale, unit, decimals, lo * scale,
           decimals, hi * scale);
}

static void print_row(const patron_evaluation *e, const patron_result_row *r) {
  bool conv = r->metric == PATRON_METRIC_CONVERSION;
  char diff[96], lift[96], val[32], cval[32];
  fmt_interval(diff, sizeof diff, r->c.diff, r->c.diff_low, r->c.diff_high, conv ? 100 : 1,
               conv ? " pp" : "", conv ? 1 : 2);
  fmt_interval(lift, sizeof lift, r->c.lift, r->c.lift_low, r->c.lift_high, 100, "%", 1);
  snprintf(val, sizeof val, conv ? "%.2f%%" : "%.2f", r->c.value * (conv ? 100 : 1));
  snprintf(cval, sizeof cval, conv ? "%.2f%%" : "%.2f", r->c.control_value * (conv ? 100 : 1));
  printf("%-11s %-14.14s %10s %10s  %-30s %-26s %8.4f  %s\n", patron_metric_name(r->metric),
         e->arms.names[r->arm], cval, val, diff, lift, r->p_adjusted,
         patron_verdict_name(r->verdict));
}

static void print_power(const patron_evaluation *e, double min_lift) {
  for (size_t i = 0; i < e->n_rows; i++) {
    const patron_result_row *r = &e->rows[i];
    size_t smaller = r->n < r->control_n ? r->n : r->control_n;
    bool decided = r->verdict == PATRON_VERDICT_EFFECTIVE || r->verdict == PATRON_VERDICT_HARMFUL;
    if (!decided && !isnan(r->required_n) && (double)smaller < r->required_n)
      printf("underpowered: %s %s needs %.0f customers per arm to detect a %.0f%% lift "
             "(has %zu)\n",
             patron_metric_name(r->metric), e->arms.names[r->arm], r->required_n, 100 * min_lift,
             smaller);
  }
}

void cli_experiment_print(const patron_evaluation *e, const patron_eval_options *o) {
  char day[16];
  patron_format_day(o->start_day, day);
  printf("Experiment %s: window %s + %d days, control '%s'\n", e->experiment, day, o->window_days,
         e->arms.names[e->control]);
  for (size_t k = 0; k < e->arms.n; k++)
    printf("  %-16s %10zu customers\n", e->arms.names[k], e->arm_n[k]);
  printf("Sample ratio: p = %.4g%s\n", e->srm_p,
         e->srm_p < 0.001 ? "  MISMATCH: the split is broken, results are invalid" : " (ok)");
  if (!isnan(e->cap))
    printf("Revenue capped at %.2f (pooled %g-th percentile)\n", e->cap, o->cap_percentile);
  if (o->cuped)
    printf("CUPED over %d days before start: theta revenue %.4g, orders %.4g\n", o->pre_days,
           e->theta[0], e->theta[1]);
  if (e->n_unknown)
    printf("%zu assigned customers have no orders in the evaluated days (counted as zeros)\n",
           e->n_unknown);
  printf("\n%-11s %-14s %10s %10s  %-30s %-26s %8s  %s\n", "metric", "arm", "control", "arm",
         "difference [CI]", "lift [CI]", "p (Holm)", "verdict");
  for (size_t i = 0; i < e->n_rows; i++)
    print_row(e, &e->rows[i]);
  printf("\n");
  for (size_t i = 0; i < e->n_rows; i++) {
    const patron_result_row *r = &e->rows[i];
    if (r->metric != PATRON_METRIC_CONVERSION)
      continue;
    printf("%s: %+.1f pp conversion [%.1f, %.1f], %s\n", e->arms.names[r->arm], 100 * r->c.diff,
           100 * r->c.diff_low, 100 * r->c.diff_high, patron_verdict_name(r->verdict));
  }
  print_power(e, o->min_lift);
}

/* The assignments of experiment NAME recorded in the store by `experiment assign --db`. */
static patron_status store_assignments(const eval_args *a, patron_assignments **as,
                                       patron_error *err) {
  patron_store_options so;
  patron_store_options_init(&so);
  so.read_only = true;
  patron_store *s = NULL;
  patron_status st = patron_store_open(a->db, &so, &s, err);
  if (st == PATRON_OK)
    st = patron_assignments_store_get(s, a->name, as, err);
  patron_store_close(s);
  return st;
}

static patron_status load_inputs(eval_args *a, patron_assignments **as, patron_dataset **ds,
                                 patron_error *err) {
  patron_status st =
      a->db ? store_assignments(a, as, err) : patron_assignments_read_csv(a->assignments, as, err);
  if (st == PATRON_OK && a->name && !a->db) {
    free((*as)->name);
    (*as)->name = strdup(a->name);
    st = (*as)->name ? PATRON_OK : PATRON_ERR_NOMEM;
  }
  if (st == PATRON_OK && a->arms)
    st = apply_arms(*as, a->arms, err);
  a->inputs.load.progress = cli_progress;
  /* only the window and the pre-period matter: earlier order lines are read and checked but
   * not entered (most of a long history; docs/PERFORMANCE.md) */
  a->inputs.load.since_day = a->opts.start_day - (a->opts.cuped ? a->opts.pre_days : 0);
  if (st == PATRON_OK)
    st = patron_dataset_load(&a->inputs.load, ds, err);
  return st;
}

/* A window that ends after the day after the latest order is not complete yet. */
static void warn_partial(const eval_args *a, const patron_dataset *ds) {
  int64_t t = patron_dataset_max_order_time(ds);
  if (t == INT64_MIN) /* no order at all */
    return;
  int32_t next = (int32_t)((t >= 0 ? t : t - 86399) / 86400) + 1;
  if (a->opts.start_day + a->opts.window_days > next) {
    char day[16];
    patron_format_day(next - 1, day);
    fprintf(stderr,
            "patron experiment: warning: the window ends after the latest order (%s): its "
            "figures are partial\n",
            day);
  }
}

static patron_status evaluate(eval_args *a, patron_evaluation **e, patron_error *err) {
  patron_assignments *as = NULL;
  patron_dataset *ds = NULL;
  double *y = NULL, *x = NULL;
  size_t unknown = 0;
  char path[4096];
  patron_status st = load_inputs(a, &as, &ds, err);
  if (st == PATRON_OK) {
    warn_partial(a, ds);
    size_t n = as->n ? 3 * as->n : 1;
    y = malloc(n * sizeof *y);
    x = a->opts.cuped ? malloc(n * sizeof *x) : NULL;
    st = y && (x || !a->opts.cuped) ? PATRON_OK : PATRON_ERR_NOMEM;
  }
  if (st == PATRON_OK)
    st = patron_experiment_metrics(as, ds, &a->opts, y, x, &unknown, err);
  if (st == PATRON_OK)
    st = patron_experiment_evaluate_metrics(as, y, x, &a->opts, e, err);
  if (st == PATRON_OK) {
    (*e)->n_unknown = unknown;
    st = cli_make_dir("experiment", a->out) ? PATRON_OK : PATRON_ERR_IO;
  }
  if (st == PATRON_OK)
    st = patron_evaluation_write_csv(*e, cli_path(path, sizeof path, a->out, "results.csv"), err);
  if (st == PATRON_OK && !a->quiet)
    cli_experiment_print(*e, &a->opts);
  if (st == PATRON_OK && a->segments)
    st = cli_experiment_strata(as, y, x, &a->opts, a->segments, a->by,
                               cli_path(path, sizeof path, a->out, "results_by_segment.csv"),
                               !a->quiet, err);
  free(y);
  free(x);
  patron_assignments_free(as);
  patron_dataset_free(ds);
  return st;
}

int cli_experiment_evaluate(int argc, char **argv) {
  eval_args a = {0};
  cli_inputs_init(&a.inputs);
  patron_eval_options_init(&a.opts);
  if (!parse_args(argc, argv, &a)) {
    cli_inputs_free(&a.inputs);
    return CLI_EXIT_USAGE;
  }
  patron_error err = {0};
  patron_evaluation *e = NULL;
  cli_rules_args ra = {a.rules, a.db, a.out, &a.inputs.load, &a.opts, a.apply, a.quiet};
  patron_status st = a.rules ? cli_experiment_rules(&ra, &err) : evaluate(&a, &e, &err);
  if (st == PATRON_ERR_NOMEM && err.status == PATRON_OK)
    snprintf(err.message, sizeof err.message, "out of memory"), err.status = st;
  patron_evaluation_free(e);
  cli_inputs_free(&a.inputs);
  if (st == PATRON_ERR_IO && err.status == PATRON_OK)
    return CLI_EXIT_FAIL; /* cli_make_dir printed why */
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("experiment", &err);
}
