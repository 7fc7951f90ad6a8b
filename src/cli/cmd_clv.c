/* patron clv: customer lifetime value with buy-till-you-die models. `clv fit` summarises
 * transactions (or reads a summary table), fits BG/NBD, MBG/NBD or Pareto/NBD plus
 * Gamma-Gamma, and writes model.json, predictions.csv and, with a holdout period, the
 * evaluation files; `clv predict` applies a saved model.json. Definitions: docs/CLV.md. */
#include "cli_inputs.h"
#include "cli_load.h"
#include "cmd_clv_bgbb.h"
#include "report_print.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: patron clv fit --orders FILE | --summary FILE --out DIR [OPTIONS]\n"
    "       patron clv predict --model DIR/model.json --orders FILE | --summary FILE\n"
    "                          --out DIR [OPTIONS]\n\n"
    "Customer lifetime value with buy-till-you-die models. From transactions, each customer's\n"
    "frequency x (purchase days after the first), recency t_x (first to last purchase day)\n"
    "and age T (first purchase to the calibration end) are computed as of a date, then\n"
    "BG/NBD, MBG/NBD or Pareto/NBD (and Gamma-Gamma for spend) are fitted by maximum\n"
    "likelihood. Writes DIR/model.json, predictions.csv, summary.json (and rejects.csv);\n"
    "with --holdout-end also evaluation.json, conditional.csv and tracking.csv.\n\n" CLI_INPUT_USAGE
    "  --summary FILE       a per-customer table instead of --orders: customer_id,\n"
    "                       frequency, recency, T, optional monetary_value (in --unit);\n"
    "                       with --model bgbb: frequency, recency, periods, optional\n"
    "                       weights and customer_id (--horizon N opportunities, default\n"
    "                       5; also --penalizer, --quiet); or --orders F --period\n"
    "                       year|month|week|day for the discrete opportunities\n\n"
    "Period:\n"
    "  --calibration-end D  last day of the calibration period (inclusive; the same as\n"
    "                       --as-of D+1); T runs from the first purchase day to D\n"
    "  --holdout-end D      last day of the holdout period (inclusive): evaluate the\n"
    "                       predictions on (calibration end, D]\n"
    "  --unit U             days (default) or weeks\n"
    "  --zero-value-purchases  orders of value 0 count as purchases (CDNOW's convention)\n\n"
    "Model:\n"
    "  --model M            fit: bgnbd (default), mbgnbd or paretonbd (bgbb: the\n"
    "                       discrete-time BG/BB on a --summary table, docs/CLV.md);\n"
    "                       predict: the model.json written by clv fit\n"
    "  --spend S            gammagamma (default when spend is known) or none\n"
    "  --penalizer P        L2 penalty on the parameters (default 0)\n\n"
    "Predictions:\n"
    "  --horizon H,H...     horizons, e.g. 90d,365d (d days, w weeks, y years; default)\n"
    "  --discount-rate R    annual discount rate of CLV (default 0.10)\n"
    "  --margin M           profit margin on revenue (default 1)\n"
    "  --range-sims N       simulated futures per customer for clv_low/clv_high (10th and\n"
    "                       90th percentiles, last horizon); 0 = none (default 200)\n"
    "  --seed S             seed of those simulations (default 1)\n"
    "  --lifetime-years Y   historical value = margin x annual revenue x Y - cost\n"
    "                       (default: each customer's relationship so far)\n"
    "  --cost C             cost per customer subtracted from the historical value (0)\n\n"
    "  --out DIR            output directory (created when missing; required)\n"
    "  --quiet              no report on stdout\n"
    "  -h, --help           this help\n";

enum {
  OPT_OUT = CLI_OPT_FIRST_FREE,
  OPT_SUMMARY,
  OPT_CAL_END,
  OPT_HOLD_END,
  OPT_UNIT,
  OPT_ZERO,
  OPT_MODEL,
  OPT_SPEND,
  OPT_PENALIZER,
  OPT_HORIZON,
  OPT_DISCOUNT,
  OPT_MARGIN,
  OPT_RANGE_SIMS,
  OPT_SEED,
  OPT_LIFETIME,
  OPT_COST,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"calibration-end", required_argument, NULL, OPT_CAL_END},
    {"holdout-end", required_argument, NULL, OPT_HOLD_END},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"zero-value-purchases", no_argument, NULL, OPT_ZERO},
    {"model", required_argument, NULL, OPT_MODEL},
    {"spend", required_argument, NULL, OPT_SPEND},
    {"penalizer", required_argument, NULL, OPT_PENALIZER},
    {"horizon", required_argument, NULL, OPT_HORIZON},
    {"discount-rate", required_argument, NULL, OPT_DISCOUNT},
    {"margin", required_argument, NULL, OPT_MARGIN},
    {"range-sims", required_argument, NULL, OPT_RANGE_SIMS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"lifetime-years", required_argument, NULL, OPT_LIFETIME},
    {"cost", required_argument, NULL, OPT_COST},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

enum { MAX_HORIZONS = 8 };

typedef struct clv_args {
  const char *sub; /* "fit" or "predict" */
  cli_inputs inputs;
  const char *out_dir, *summary, *model_path, *horizon_text;
  int32_t cal_end, hold_end;
  double unit_days, penalizer, discount, margin, lifetime_years, cost;
  bool unit_given, zero_value, quiet, spend_off, spend_on;
  patron_clv_kind kind;
  long range_sims, seed;
  size_t n_horizons;
  double horizon_days[MAX_HORIZONS];
  char horizon_label[MAX_HORIZONS][20];
} clv_args;

static void args_init(clv_args *a, const char *sub) {
  memset(a, 0, sizeof *a);
  a->sub = sub;
  cli_inputs_init(&a->inputs);
  a->cal_end = a->hold_end = PATRON_NO_DAY;
  a->unit_days = 1;
  a->discount = 0.10;
  a->margin = 1;
  a->kind = PATRON_CLV_BGNBD;
  a->range_sims = 200;
  a->seed = 1;
  a->horizon_text = "90d,365d";
}

/* "90d", "12w", "1y" or a bare number of days. */
static bool parse_horizons(clv_args *a, const char *text) {
  a->n_horizons = 0;
  for (const char *p = text; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char buf[16];
    if (len == 0 || len >= sizeof buf || a->n_horizons == MAX_HORIZONS)
      return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    double scale = *end == 'w' ? 7 : *end == 'y' ? 365 : 1;
    if (end == buf || !(v > 0) || (*end && (end[1] || !strchr("dwy", *end))) || v * scale > 36500)
      return false;
    a->horizon_days[a->n_horizons] = v * scale;
    snprintf(a->horizon_label[a->n_horizons++], sizeof a->horizon_label[0], "%s%s", buf,
             *end ? "" : "d");
    p += len + (comma != NULL);
  }
  return a->n_horizons > 0;
}

static bool set_unit(clv_args *a, const char *arg) {
  if (strcmp(arg, "days") && strcmp(arg, "weeks"))
    return cli_usage_error("clv", "--unit expects days or weeks, got '%s'", arg), false;
  a->unit_days = strcmp(arg, "weeks") == 0 ? 7 : 1;
  a->unit_given = true;
  return true;
}

static bool set_model(clv_args *a, const char *arg) {
  if (strcmp(a->sub, "predict") == 0)
    return a->model_path = arg, true;
  if (!patron_clv_kind_parse(arg, &a->kind) || a->kind == PATRON_CLV_GAMMAGAMMA ||
      a->kind == PATRON_CLV_BGBB)
    return cli_usage_error("clv", "--model expects bgnbd, mbgnbd or paretonbd, got '%s'", arg),
           false;
  return true;
}

static bool set_spend(clv_args *a, const char *arg) {
  if (strcmp(arg, "gammagamma") && strcmp(arg, "none"))
    return cli_usage_error("clv", "--spend expects gammagamma or none, got '%s'", arg), false;
  a->spend_off = strcmp(arg, "none") == 0;
  a->spend_on = !a->spend_off;
  return true;
}

static bool nonneg(const char *flag, const char *arg, double *out) {
  if (!cli_parse_double("clv", flag, arg, out))
    return false;
  if (*out < 0)
    return cli_usage_error("clv", "%s must not be negative, got '%s'", flag, arg), false;
  return true;
}

static bool own_option(clv_args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_OUT: a->out_dir = arg; return true;
  case OPT_SUMMARY: a->summary = arg; return true;
  case OPT_CAL_END: return cli_parse_day("clv", "--calibration-end", arg, &a->cal_end);
  case OPT_HOLD_END: return cli_parse_day("clv", "--holdout-end", arg, &a->hold_end);
  case OPT_UNIT: return set_unit(a, arg);
  case OPT_ZERO: a->zero_value = true; return true;
  case OPT_MODEL: return set_model(a, arg);
  case OPT_SPEND: return set_spend(a, arg);
  case OPT_PENALIZER: return nonneg("--penalizer", arg, &a->penalizer);
  case OPT_HORIZON: a->horizon_text = arg; return true;
  case OPT_DISCOUNT: return nonneg("--discount-rate", arg, &a->discount);
  case OPT_MARGIN: return nonneg("--margin", arg, &a->margin);
  case OPT_RANGE_SIMS:
    return cli_parse_long("clv", "--range-sims", arg, 0, 100000, &a->range_sims) &&
           (a->range_sims == 0 || a->range_sims >= 10 ||
            (cli_usage_error("clv", "--range-sims must be 0 or at least 10"), false));
  case OPT_SEED: return cli_parse_long("clv", "--seed", arg, 0, 2147483647L, &a->seed);
  case OPT_LIFETIME: return nonneg("--lifetime-years", arg, &a->lifetime_years);
  case OPT_COST: return nonneg("--cost", arg, &a->cost);
  case OPT_QUIET: a->quiet = true; return true;
  default: return cli_usage_error("clv", "unknown option"), false;
  }
}

/* Checks that the flags make one consistent request. */
static bool args_ready(clv_args *a) {
  patron_load_options *lo = &a->inputs.load;
  if (!a->out_dir)
    return cli_usage_error("clv", "--out DIR is required"), false;
  if (!a->summary == !lo->paths[PATRON_FILE_ORDERS])
    return cli_usage_error("clv", "give either --orders FILE or --summary FILE"), false;
  if (lo->columns && !lo->no_header)
    return cli_usage_error("clv", "--columns names the columns of files without a header: "
                                  "add --no-header"),
           false;
  if (strcmp(a->sub, "predict") == 0 && !a->model_path)
    return cli_usage_error("clv", "predict needs --model FILE (a model.json)"), false;
  if (lo->as_of_day != PATRON_NO_DAY && a->cal_end != PATRON_NO_DAY)
    return cli_usage_error("clv", "--as-of D is --calibration-end D-1: give one of them"), false;
  if (a->hold_end != PATRON_NO_DAY && a->cal_end == PATRON_NO_DAY)
    return cli_usage_error("clv", "--holdout-end needs --calibration-end"), false;
  if (a->hold_end != PATRON_NO_DAY && a->hold_end <= a->cal_end)
    return cli_usage_error("clv", "--holdout-end must be after --calibration-end"), false;
  if (a->summary && (a->cal_end != PATRON_NO_DAY || lo->as_of_day != PATRON_NO_DAY))
    return cli_usage_error("clv", "a --summary table is already as of a date: no --as-of, "
                                  "--calibration-end or --holdout-end"),
           false;
  if (!parse_horizons(a, a->horizon_text))
    return cli_usage_error("clv", "--horizon expects N[d|w|y],... (e.g. 90d,365d), got '%s'",
                           a->horizon_text),
           false;
  for (size_t j = 0; j < a->n_horizons; j++)
    for (size_t k = 0; k < j; k++)
      if (strcmp(a->horizon_label[j], a->horizon_label[k]) == 0)
        return cli_usage_error("clv", "--horizon lists %s twice", a->horizon_label[j]), false;
  return true;
}

static int parse_args(clv_args *a, int argc, char **argv) {
  int opt;
  optind = 2;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("clv", opt, argv, long_options);
    int handled = cli_inputs_option(&a->inputs, "clv", opt, optarg);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("clv", "unexpected argument '%s'", argv[optind]);
  return args_ready(a) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* ---- the run --------------------------------------------------------------------------- */

enum { OUT_FILES = 8 };

/* Prediction columns (clv_run.colp). */
enum { C_PALIVE, C_AOV, C_LOW, C_HIGH, C_ANNUAL, C_HIST, C_EHOLD, C_EHOLD_SPEND, C_FIXED };
#define C_PURCH(h)    (C_FIXED + (h))
#define C_PANY(h, nh) (C_FIXED + (nh) + (h))
#define C_CLV(h, nh)  (C_FIXED + 2 * (nh) + (h))
enum { C_COLUMNS = C_FIXED + 3 * MAX_HORIZONS };

typedef struct clv_run {
  patron_dataset *ds;
  patron_clv_cohort *cohort;
  patron_clv_cohort_options co;
  patron_clv_summary *summary; /* the cohort's distinct rows: for the fit and predictions */
  patron_clv_model *pm, *sm;
  patron_table *pred;      /* predictions.csv: the prediction columns live in it */
  double *colp[C_COLUMNS]; /* prediction column j (C_*): a column of pred, or scratch */
  double *scratch;         /* the holdout columns when there is no holdout */
  patron_clv_evaluation eval;
  bool has_eval;
  patron_timing timings[8];
  size_t n_timings;
  struct timespec clock;
  int load_rc; /* exit status of a failed load (already reported) */
  /* the output files, formatted in memory and written together by the library (each
   * under a temporary name, renamed once all are complete) */
  patron_output_file files[OUT_FILES];
  char *text[OUT_FILES];
  size_t len[OUT_FILES], n_files;
} clv_run;

static double *column(clv_run *r, size_t j) { return r->colp[j]; }

static void lap(clv_run *r, const char *step) {
  r->timings[r->n_timings++] = (patron_timing){step, cli_seconds_since(&r->clock)};
  clock_gettime(CLOCK_MONOTONIC, &r->clock);
}

/* A period ending after the data is allowed but misleading: say so, with the last order. */
static void warn_period(const clv_args *a, const patron_dataset *ds) {
  int64_t latest = patron_dataset_max_order_time(ds);
  if (latest == INT64_MIN)
    return;
  int32_t last = patron_day_of_time(latest);
  char l[16], d[16];
  patron_format_day(last, l);
  const char *what = a->hold_end != PATRON_NO_DAY ? "holdout" : "calibration";
  int32_t end = a->hold_end != PATRON_NO_DAY ? a->hold_end : a->cal_end;
  if (end == PATRON_NO_DAY || end <= last)
    return;
  patron_format_day(end, d);
  fprintf(stderr, "patron clv: warning: the %s end %s is after the last order (%s): %s\n", what, d,
          l,
          a->hold_end != PATRON_NO_DAY ? "the holdout counts days without data"
                                       : "every customer's age T counts days without data");
}

static patron_status load(clv_args *a, clv_run *r, patron_error *err) {
  patron_load_options *lo = &a->inputs.load;
  lo->progress = cli_progress;
  if (a->summary)
    return patron_clv_summary_load(lo, a->summary, a->unit_days, &r->ds, &r->cohort, err);
  patron_clv_cohort_options_init(&r->co);
  r->co.calibration_end = a->cal_end;
  r->co.holdout_end = a->hold_end;
  r->co.unit_days = a->unit_days;
  r->co.zero_value_purchases = a->zero_value;
  r->co.threads = lo->n_threads;
  if (a->hold_end != PATRON_NO_DAY)
    lo->as_of_day = a->hold_end + 1;
  else if (a->cal_end != PATRON_NO_DAY)
    lo->as_of_day = a->cal_end + 1;
  char rejects[4096];
  cli_path(rejects, sizeof rejects, a->out_dir, "rejects.csv");
  lo->amount_optional = a->spend_off; /* purchases alone need no amounts */
  if ((r->load_rc = cli_load("clv", lo, rejects, NULL, &r->ds)) != CLI_EXIT_OK)
    return PATRON_ERR_INPUT;
  warn_period(a, r->ds);
  if (!patron_dataset_has_amounts(r->ds))
    r->co.zero_value_purchases = true; /* every order is worth 0 but is a purchase */
  lap(r, "load");
  patron_status st = patron_clv_cohort_build(r->ds, &r->co, &r->cohort, err);
  if (st == PATRON_OK && !patron_dataset_has_amounts(r->ds))
    r->cohort->has_monetary = false; /* no spend columns, no historical value */
  return st;
}

static patron_status prediction_table(const clv_args *a, clv_run *r, patron_error *err);

/* The work beside the purchase model's fit, on its own thread: the spend model's fit and
 * predictions.csv's table (fresh columns, mostly page faults). Its outcome is reported after
 * the purchase fit's, as a run of one thread reports them. */
typedef struct side_job {
  const clv_args *a;
  clv_run *r;
  patron_status spend_st, table_st;
  patron_error spend_err, table_err;
} side_job;

static void *side_work(void *arg) {
  side_job *j = arg;
  patron_clv_data d = patron_clv_cohort_data(j->r->cohort);
  patron_clv_fit_options fo = {.penalizer = j->a->penalizer,
                               .threads = j->a->inputs.load.n_threads};
  if (!j->a->spend_off && j->r->cohort->has_monetary)
    j->spend_st = patron_clv_fit(PATRON_CLV_GAMMAGAMMA, &d, &fo, &j->r->sm, &j->spend_err);
  j->table_st = prediction_table(j->a, j->r, &j->table_err);
  return NULL;
}

/* A spend model asked for fails the run; one that was not is dropped with a warning. */
static patron_status side_outcome(const clv_args *a, const side_job *j, patron_error *err) {
  if (j->spend_st != PATRON_OK && a->spend_on) {
    *err = j->spend_err;
    return j->spend_st;
  }
  if (j->spend_st != PATRON_OK)
    fprintf(stderr, "patron clv: warning: no spend model, CLV columns left empty: %s\n",
            j->spend_err.message);
  if (j->table_st != PATRON_OK)
    *err = j->table_err;
  return j->table_st;
}

/* The purchase model on the cohort's distinct rows, the side job beside it (before it with
 * --threads 1). */
static patron_status fit(const clv_args *a, clv_run *r, patron_error *err) {
  side_job side = {.a = a, .r = r};
  pthread_t thread;
  bool beside =
      a->inputs.load.n_threads != 1 && pthread_create(&thread, NULL, side_work, &side) == 0;
  if (!beside)
    side_work(&side);
  patron_clv_data d = patron_clv_cohort_data(r->cohort);
  patron_clv_fit_options fo = {.penalizer = a->penalizer, .threads = a->inputs.load.n_threads};
  patron_status st = patron_clv_compress(&d, &r->summary, err);
  if (st == PATRON_OK)
    st = patron_clv_fit_summary(a->kind, r->summary, &fo, &r->pm, err);
  if (beside)
    pthread_join(thread, NULL);
  return st == PATRON_OK ? side_outcome(a, &side, err) : st;
}

/* CLV over h days: whole months of h / round(h / 30) days each, so the horizon is exact. */
static patron_clv_value_options value_options(const clv_args *a, double unit_days, double h) {
  int months = (int)lround(h / 30);
  months = months < 1 ? 1 : months;
  return (patron_clv_value_options){months, a->discount, a->margin > 0 ? a->margin : 1, unit_days,
                                    h / months};
}

/* Historical value: margin x (calibration spend per year observed) x years - cost. */
static void historical(const clv_args *a, clv_run *r) {
  patron_clv_historical_value(r->cohort, a->margin, a->lifetime_years, a->cost, column(r, C_ANNUAL),
                              column(r, C_HIST));
}

static void fill_nan(double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    v[i] = NAN;
}

/* exp_aov, or no spend model (a Gamma-Gamma q <= 1 that was not asked for is dropped with a
 * warning, docs/CLV.md). */
static patron_status aov_column(const clv_args *a, clv_run *r, const patron_clv_data *d,
                                patron_error *err) {
  if (!r->sm)
    return PATRON_OK;
  patron_status st = patron_clv_predict_spend(r->sm, d, column(r, C_AOV), err);
  if (st == PATRON_ERR_DOMAIN && !a->spend_on) {
    fprintf(stderr, "patron clv: warning: no spend model, CLV columns left empty: %s\n",
            err->message);
    patron_clv_model_free(r->sm);
    r->sm = NULL;
    *err = (patron_error){0};
    fill_nan(column(r, C_AOV), d->n);
    return PATRON_OK;
  }
  return st;
}

/* Every model prediction in one pass: P(alive), purchases and P(any) per horizon, CLV per
 * horizon (with a spend model), the holdout's expected purchases (with a holdout). */
static patron_status model_columns(const clv_args *a, clv_run *r, const patron_clv_data *d,
                                   double unit, patron_clv_value_options *vo, patron_error *err) {
  size_t nh = a->n_horizons, n = 0;
  patron_clv_query q[1 + 3 * MAX_HORIZONS + 1];
  q[n++] = (patron_clv_query){.what = PATRON_CLV_P_ALIVE, .out = column(r, C_PALIVE)};
  for (size_t j = 0; j < nh; j++) {
    double t = a->horizon_days[j] / unit;
    q[n++] = (patron_clv_query){PATRON_CLV_PURCHASES, t, NULL, NULL, column(r, C_PURCH(j))};
    q[n++] = (patron_clv_query){PATRON_CLV_P_ANY, t, NULL, NULL, column(r, C_PANY(j, nh))};
  }
  for (size_t j = 0; r->sm && j < nh; j++) {
    vo[j] = value_options(a, unit, a->horizon_days[j]);
    q[n++] = (patron_clv_query){PATRON_CLV_VALUE, 0, r->sm, &vo[j], column(r, C_CLV(j, nh))};
  }
  if (r->cohort->holdout_x)
    q[n++] = (patron_clv_query){PATRON_CLV_PURCHASES, r->cohort->holdout_length, NULL, NULL,
                                column(r, C_EHOLD)};
  patron_status st = r->summary ? PATRON_OK : patron_clv_compress(d, &r->summary, err);
  return st == PATRON_OK ? patron_clv_predict_many_summary(r->pm, d, r->summary, q, n, err) : st;
}

/* clv_low / clv_high (simulated, --range-sims) over the last horizon. */
static patron_status range_columns(const clv_args *a, clv_run *r, const patron_clv_data *d,
                                   const patron_clv_value_options *last, patron_error *err) {
  size_t n = d->n;
  if (r->sm && a->range_sims > 0)
    return patron_clv_predict_value_range(r->pm, r->sm, d, last, (int)a->range_sims,
                                          (uint64_t)a->seed, column(r, C_LOW), column(r, C_HIGH),
                                          err);
  fill_nan(column(r, C_LOW), n), fill_nan(column(r, C_HIGH), n);
  return PATRON_OK;
}

static patron_status holdout_columns(clv_run *r, patron_error *err) {
  const patron_clv_cohort *c = r->cohort;
  double *e = column(r, C_EHOLD), *es = column(r, C_EHOLD_SPEND);
  for (size_t i = 0; i < c->n; i++)
    es[i] = r->sm ? e[i] * column(r, C_AOV)[i] : NAN;
  patron_status st = patron_clv_evaluate(c, e, r->sm ? es : NULL, &r->eval, err);
  r->has_eval = st == PATRON_OK;
  return st;
}

/* Adds a double column printed with `decimals`; sets *data (NULL after an error). */
static void add_double(patron_table *t, const char *name, int decimals, double **data,
                       patron_status *st, patron_error *err) {
  *data = NULL;
  if (*st == PATRON_OK &&
      (*st = patron_table_add(t, name, PATRON_COL_DOUBLE, (void **)data, err)) == PATRON_OK)
    patron_table_set_decimals(t, name, decimals);
}

/* The prediction columns of predictions.csv, in its order; j < 0: an input column. */
static void add_prediction(clv_run *r, const char *name, int decimals, int j, const double *from,
                           patron_status *st, patron_error *err) {
  double *data;
  add_double(r->pred, name, decimals, &data, st, err);
  if (j >= 0)
    r->colp[j] = data;
  for (size_t i = 0; data && from && i < r->cohort->n; i++)
    data[i] = from[i];
}

static void add_horizons(const clv_args *a, clv_run *r, const char *prefix, int decimals, int first,
                         patron_status *st, patron_error *err) {
  for (size_t j = 0; j < a->n_horizons; j++) {
    char name[64];
    snprintf(name, sizeof name, "%s_%s", prefix, a->horizon_label[j]);
    add_prediction(r, name, decimals, first + (int)j, NULL, st, err);
  }
}

/* predictions.csv as a table (written by the library's CSV writer); the predictions are
 * computed into its columns. */
static patron_status out_of_memory(patron_error *err) {
  snprintf(err->message, sizeof err->message, "out of memory");
  return err->status = PATRON_ERR_NOMEM;
}

static patron_status prediction_table(const clv_args *a, clv_run *r, patron_error *err) {
  const patron_clv_cohort *c = r->cohort;
  size_t n = c->n, nh = a->n_horizons;
  const char **id = NULL;
  patron_status st = (r->pred = patron_table_new(n)) ? PATRON_OK : out_of_memory(err);
  if (st == PATRON_OK)
    st = patron_table_add(r->pred, "customer_id", PATRON_COL_STRING, (void **)&id, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    id[i] = patron_dataset_customer_id(r->ds, c->customer[i]);
  add_prediction(r, "frequency", 0, -1, c->x, &st, err);
  add_prediction(r, "recency", PATRON_DECIMALS_SIG10, -1, c->t_x, &st, err);
  add_prediction(r, "T", PATRON_DECIMALS_SIG10, -1, c->T, &st, err);
  add_prediction(r, "monetary_value", 2, -1, c->has_monetary ? c->monetary : NULL, &st, err);
  add_prediction(r, "p_alive", 6, C_PALIVE, NULL, &st, err);
  add_horizons(a, r, "exp_purchases", 6, C_PURCH(0), &st, err);
  add_horizons(a, r, "p_purchase", 6, C_PANY(0, nh), &st, err);
  add_prediction(r, "exp_aov", 2, C_AOV, NULL, &st, err);
  add_horizons(a, r, "clv", 2, C_CLV(0, nh), &st, err);
  add_prediction(r, "clv_low", 2, C_LOW, NULL, &st, err);
  add_prediction(r, "clv_high", 2, C_HIGH, NULL, &st, err);
  add_prediction(r, "annual_revenue", 2, C_ANNUAL, NULL, &st, err);
  add_prediction(r, "hist_value", 2, C_HIST, NULL, &st, err);
  if (c->holdout_x) {
    add_prediction(r, "holdout_purchases", 0, -1, c->holdout_x, &st, err);
    add_prediction(r, "holdout_spend", 2, -1, c->holdout_spend, &st, err);
    add_prediction(r, "exp_holdout_purchases", 6, C_EHOLD, NULL, &st, err);
    add_prediction(r, "exp_holdout_spend", 2, C_EHOLD_SPEND, NULL, &st, err);
  } else if (st == PATRON_OK && (r->scratch = malloc(2 * (n ? n : 1) * sizeof *r->scratch))) {
    r->colp[C_EHOLD] = r->scratch, r->colp[C_EHOLD_SPEND] = r->scratch + (n ? n : 1);
  } else if (st == PATRON_OK) {
    st = out_of_memory(err);
  }
  return st;
}

static patron_status predict(const clv_args *a, clv_run *r, double unit, patron_error *err) {
  const patron_clv_cohort *c = r->cohort;
  size_t nh = a->n_horizons;
  patron_clv_value_options vo[MAX_HORIZONS];
  patron_status st = r->pred ? PATRON_OK : prediction_table(a, r, err);
  patron_clv_data d = patron_clv_cohort_data(c);
  if (st == PATRON_OK)
    st = aov_column(a, r, &d, err);
  if (st == PATRON_OK)
    st = model_columns(a, r, &d, unit, vo, err);
  if (st == PATRON_OK)
    st = range_columns(a, r, &d, &vo[nh - 1], err);
  historical(a, r);
  if (st == PATRON_OK && c->holdout_x)
    st = holdout_columns(r, err);
  return st;
}

/* ---- outputs ---------------------------------------------------------------------------- */

static void put(FILE *f, double v, int decimals) {
  if (isfinite(v))
    fprintf(f, ",%.*f", decimals, v);
  else
    fputc(',', f);
}

/* A memory stream for output file `name` (NULL name: a file of an earlier run to remove);
 * NULL when out of memory (said on stderr). */
static FILE *create(clv_run *r, const char *name) {
  size_t i = r->n_files++;
  r->files[i] = (patron_output_file){.name = name};
  FILE *f = open_memstream(&r->text[i], &r->len[i]);
  if (!f)
    fprintf(stderr, "patron clv: out of memory formatting %s\n", name);
  return f;
}

/* Closes the stream of the last file created; it is then written with the others. */
static bool finish(clv_run *r, FILE *f) {
  size_t i = r->n_files - 1;
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  if (!ok)
    fprintf(stderr, "patron clv: out of memory formatting %s\n", r->files[i].name);
  r->files[i].text = r->text[i];
  r->files[i].len = r->len[i];
  return ok;
}

/* An optional file this run does not make: a stale copy from an earlier run is removed. */
static void absent(clv_run *r, const char *name) {
  r->files[r->n_files++] = (patron_output_file){.name = name};
}

/* A file written when its turn comes by write(ctx, sink, err). */
static void written_by(clv_run *r, const char *name,
                       patron_status (*write)(void *, patron_sink *, patron_error *), void *ctx) {
  r->files[r->n_files++] = (patron_output_file){.name = name, .write = write, .ctx = ctx};
}

static bool write_text(clv_run *r, const char *name, const char *text) {
  FILE *f = create(r, name);
  if (!f)
    return false;
  fputs(text, f);
  fputc('\n', f);
  return finish(r, f);
}

static void json_num(FILE *f, const char *key, double v, const char *sep) {
  if (isfinite(v))
    fprintf(f, "\"%s\": %.10g%s", key, v, sep);
  else
    fprintf(f, "\"%s\": null%s", key, sep);
}

static void json_stats(FILE *f, const char *name, const patron_clv_fit_stats *s) {
  fprintf(f, "  \"%s\": {", name);
  json_num(f, "actual_total", s->actual_total, ", ");
  json_num(f, "expected_total", s->expected_total, ", ");
  json_num(f, "mae", s->mae, ", ");
  json_num(f, "rmse", s->rmse, ", ");
  json_num(f, "correlation", s->correlation, "}");
}

static bool write_evaluation(clv_run *r) {
  FILE *f = create(r, "evaluation.json");
  if (!f)
    return false;
  const patron_clv_evaluation *e = &r->eval;
  char c[16], h[16];
  patron_format_day(r->cohort->calibration_end, c);
  patron_format_day(r->cohort->holdout_end, h);
  fprintf(f, "{\n  \"calibration_end\": \"%s\",\n  \"holdout_end\": \"%s\",\n", c, h);
  fprintf(f, "  \"unit_days\": %g,\n  \"holdout_length\": %.10g,\n  \"customers\": %zu,\n",
          r->cohort->unit_days, e->holdout_length, e->n);
  json_stats(f, "purchases", &e->purchases);
  fputs(",\n", f);
  json_stats(f, "spend", &e->spend);
  fputs("\n}\n", f);
  if (!finish(r, f))
    return false;
  f = create(r, "conditional.csv");
  if (!f)
    return false;
  fputs("frequency,customers,actual_purchases,expected_purchases,actual_spend,expected_spend\n", f);
  for (int k = 0; k < PATRON_CLV_EVAL_GROUPS; k++) {
    const patron_clv_eval_group *g = &e->by_frequency[k];
    fprintf(f, k == PATRON_CLV_EVAL_GROUPS - 1 ? "%d+,%zu" : "%d,%zu", k, g->customers);
    put(f, g->actual_purchases, 6), put(f, g->expected_purchases, 6);
    put(f, g->actual_spend, 2), put(f, g->expected_spend, 2);
    fputc('\n', f);
  }
  return finish(r, f);
}

static bool write_tracking(clv_run *r, patron_error *err) {
  int32_t start;
  size_t weeks;
  double *act = NULL, *ex = NULL;
  if (patron_clv_tracking(r->ds, r->cohort, &r->co, r->pm, &start, &weeks, &act, &ex, err) !=
      PATRON_OK)
    return false;
  char day[16];
  FILE *f = create(r, "tracking.csv");
  bool ok = f != NULL;
  if (f) {
    fputs("week,week_end,period,actual_cumulative,expected_cumulative,actual,expected\n", f);
    for (size_t w = 0; w < weeks; w++) {
      int32_t end = start + (int32_t)(7 * w + 6);
      patron_format_day(end, day);
      fprintf(f, "%zu,%s,%s,%.0f,%.4f,%.0f,%.4f\n", w + 1, day,
              end <= r->cohort->calibration_end ? "calibration" : "holdout", act[w], ex[w],
              act[w] - (w ? act[w - 1] : 0), ex[w] - (w ? ex[w - 1] : 0));
    }
    ok = finish(r, f);
  }
  free(act), free(ex);
  return ok;
}

/* A JSON string by the library's JSON writer: escaped, and valid UTF-8 (bad bytes become
 * U+FFFD, said on stderr). */
static void json_string_out(FILE *f, const char *s) {
  size_t n_bad = 0;
  char *quoted = patron_json_quote(s, &n_bad);
  fputs(quoted ? quoted : "null", f);
  free(quoted);
  if (n_bad)
    fprintf(stderr,
            "patron clv: warning: summary.json: %zu invalid UTF-8 byte(s) in an input file "
            "name were replaced by U+FFFD\n",
            n_bad);
}

static void json_day(FILE *f, const char *key, int32_t day) {
  char d[16];
  if (day == PATRON_NO_DAY) {
    fprintf(f, "  \"%s\": null,\n", key);
    return;
  }
  patron_format_day(day, d);
  fprintf(f, "  \"%s\": \"%s\",\n", key, d);
}

/* summary.json: what was read and rejected (as patron analyze counts it), the period,
 * the cohort size and timings. */
static void summary_json(FILE *f, const clv_args *a, const clv_run *r) {
  const patron_file_report *rep = patron_dataset_file_report(r->ds, PATRON_FILE_ORDERS);
  fprintf(f, "{\n  \"patron_version\": \"%s\",\n  \"command\": \"clv %s\",\n",
          PATRON_VERSION_STRING, a->sub);
  json_day(f, "calibration_end", r->cohort->calibration_end);
  json_day(f, "holdout_end", r->cohort->holdout_end);
  fprintf(f, "  \"unit_days\": %g,\n  \"inputs\": {\n    \"%s\": {\"path\": ", r->cohort->unit_days,
          a->summary ? "summary" : "orders");
  json_string_out(f, rep->path);
  fprintf(f,
          ", \"rows_read\": %llu, \"rows_used\": %llu, \"rows_rejected\": %llu, "
          "\"rejected_by_reason\": {",
          (unsigned long long)rep->rows_read, (unsigned long long)rep->rows_used,
          (unsigned long long)rep->rows_rejected);
  const char *sep = "";
  for (int k = 0; k < PATRON_REJECT_COUNT; k++)
    if (rep->rejected_by_reason[k]) {
      fprintf(f, "%s\"%s\": %llu", sep, patron_reject_key((patron_reject_reason)k),
              (unsigned long long)rep->rejected_by_reason[k]);
      sep = ", ";
    }
  fprintf(f,
          "}, \"after_as_of\": %llu, \"blank_lines\": %llu, \"lines_read\": %llu, "
          "\"lines_in_quotes\": %llu}\n  },\n",
          (unsigned long long)rep->after_as_of, (unsigned long long)rep->blank_lines,
          (unsigned long long)rep->lines_read, (unsigned long long)rep->lines_in_quotes);
  fprintf(f, "  \"customers\": %zu,\n  \"timings_seconds\": {", r->cohort->n);
  for (size_t i = 0; i < r->n_timings; i++)
    fprintf(f, "%s\"%s\": %.6f", i ? ", " : "", r->timings[i].step, r->timings[i].seconds);
  fputs("}\n}\n", f);
}

typedef struct summary_job {
  const clv_args *a;
  clv_run *r;
} summary_job;

/* summary.json's writer: its turn comes after every other file was written, so the "write"
 * timing covers them all (predictions.csv formatted straight into its file). */
static patron_status write_summary(void *ctx, patron_sink *s, patron_error *err) {
  summary_job *j = ctx;
  lap(j->r, "write");
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return out_of_memory(err);
  summary_json(f, j->a, j->r);
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  patron_status st = ok ? patron_sink_write(s, text, len, err) : out_of_memory(err);
  free(text);
  return st;
}

static patron_status write_rejects(void *ctx, patron_sink *s, patron_error *err) {
  return patron_write_rejects_csv_to(ctx, s, err);
}

static void print_model(const char *what, const patron_clv_model *m) {
  patron_clv_kind k = patron_clv_model_kind(m);
  printf("%-9s %-10s", what, patron_clv_kind_name(k));
  for (size_t j = 0; j < patron_clv_n_params(k); j++)
    printf(" %s=%.4f (se %.4f)", patron_clv_param_name(k, j), patron_clv_model_param(m, j),
           patron_clv_model_se(m, j));
  double ll = patron_clv_model_log_likelihood(m);
  if (ll != 0)
    printf("  LL %.3f", ll);
  putchar('\n');
  if (patron_clv_model_warning(m))
    printf("          warning: %s\n", patron_clv_model_warning(m));
}

static void print_summary_input(const patron_dataset *ds) {
  const patron_file_report *rep = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  printf("summary   %s: %llu rows read, %llu used, %llu rejected", rep->path,
         (unsigned long long)rep->rows_read, (unsigned long long)rep->rows_used,
         (unsigned long long)rep->rows_rejected);
  const char *sep = " (";
  for (int k = 0; k < PATRON_REJECT_COUNT; k++)
    if (rep->rejected_by_reason[k]) {
      printf("%s%s %llu", sep, patron_reject_key((patron_reject_reason)k),
             (unsigned long long)rep->rejected_by_reason[k]);
      sep = ", ";
    }
  puts(*sep == ',' ? ")" : "");
}

static void print_report(const clv_args *a, const clv_run *r) {
  if (a->quiet)
    return;
  if (a->summary)
    print_summary_input(r->ds);
  else
    cli_print_inputs(stdout, r->ds);
  char day[16] = "(summary)";
  if (r->cohort->calibration_end != PATRON_NO_DAY)
    patron_format_day(r->cohort->calibration_end, day);
  printf("\nCalibration through %s: %zu customers, unit %s\n", day, r->cohort->n,
         r->cohort->unit_days == 7   ? "weeks"
         : r->cohort->unit_days == 1 ? "days"
                                     : "custom");
  print_model("purchases", r->pm);
  if (r->sm)
    print_model("spend", r->sm);
  if (r->has_eval) {
    const patron_clv_fit_stats *p = &r->eval.purchases;
    printf("Holdout (%.4g units): %.0f repeat purchases, %.1f expected; per customer MAE %.4f, "
           "RMSE %.4f, correlation %.4f\n",
           r->eval.holdout_length, p->actual_total, p->expected_total, p->mae, p->rmse,
           p->correlation);
  }
  printf("\nWrote %s/model.json, predictions.csv, summary.json%s%s\n", a->out_dir,
         r->has_eval ? ", evaluation.json, conditional.csv" : "",
         r->has_eval && !a->summary ? ", tracking.csv" : "");
}

/* model.json, predictions.csv, evaluation.json + conditional.csv + tracking.csv (with a
 * holdout), rejects.csv (when rows were rejected), summary.json, written as one atomic set
 * (the small files formatted in memory first, predictions.csv, rejects.csv and summary.json
 * as their turn comes); the optional files this run does not make are removed, so an
 * earlier run's evaluation never sits beside this run's predictions. */
static bool write_outputs(const clv_args *a, clv_run *r, patron_error *err) {
  char *json =
      patron_clv_fit_to_json(r->pm, r->sm, r->cohort->unit_days, r->cohort->calibration_end);
  bool ok = json && write_text(r, "model.json", json);
  free(json);
  if (ok)
    r->files[r->n_files++] = (patron_output_file){.name = "predictions.csv", .table = r->pred};
  if (ok && r->has_eval) {
    ok = write_evaluation(r);
    if (ok && !a->summary)
      ok = write_tracking(r, err);
    else if (ok)
      absent(r, "tracking.csv");
  } else if (ok) {
    absent(r, "evaluation.json"), absent(r, "conditional.csv"), absent(r, "tracking.csv");
  }
  if (ok && patron_dataset_n_rejects(r->ds))
    written_by(r, "rejects.csv", write_rejects, r->ds);
  else if (ok)
    absent(r, "rejects.csv");
  summary_job job = {a, r};
  if (ok)
    written_by(r, "summary.json", write_summary, &job);
  return ok && patron_write_files(a->out_dir, r->files, r->n_files, NULL, r->ds, err) == PATRON_OK;
}

static patron_status read_model(const clv_args *a, clv_run *r, double *unit, patron_error *err) {
  return patron_clv_fit_read(a->model_path, &r->pm, &r->sm, unit, err);
}

static void run_free(clv_run *r) {
  for (size_t i = 0; i < r->n_files; i++)
    free(r->text[i]);
  patron_table_free(r->pred);
  free(r->scratch);
  patron_clv_model_free(r->pm), patron_clv_model_free(r->sm);
  patron_clv_summary_free(r->summary);
  patron_clv_cohort_free(r->cohort);
  patron_dataset_free(r->ds);
}

static int run_sub(clv_args *a) {
  patron_error err = {0};
  clv_run r = {0};
  clock_gettime(CLOCK_MONOTONIC, &r.clock);
  if (!cli_make_dir("clv", a->out_dir))
    return CLI_EXIT_FAIL;
  bool predict_only = strcmp(a->sub, "predict") == 0;
  double unit = a->unit_days;
  patron_status st = predict_only ? read_model(a, &r, &unit, &err) : PATRON_OK;
  if (st == PATRON_OK && predict_only && a->unit_given && unit != a->unit_days)
    fprintf(stderr, "patron clv: --unit ignored: the model was fitted in %s\n",
            unit == 7 ? "weeks" : "days");
  a->unit_days = unit;
  if (st == PATRON_OK)
    st = load(a, &r, &err);
  if (st == PATRON_OK && !predict_only && a->spend_on && !r.cohort->has_monetary) {
    fprintf(stderr, "patron clv: --spend gammagamma needs spend: the summary has no "
                    "monetary_value column (map it with --map monetary_value=HEADER)\n");
    run_free(&r);
    return CLI_EXIT_FAIL;
  }
  if (st == PATRON_OK && !predict_only) {
    lap(&r, "summary");
    st = fit(a, &r, &err);
  }
  if (st == PATRON_OK) {
    lap(&r, predict_only ? "summary" : "fit");
    st = predict(a, &r, unit, &err);
  }
  if (st == PATRON_OK)
    lap(&r, "predict");
  if (st != PATRON_OK && r.ds && patron_dataset_n_rejects(r.ds)) {
    char path[4096]; /* the fit failed, but the rejected rows are worth seeing */
    patron_error ignored = {0};
    patron_write_rejects_csv(r.ds, cli_path(path, sizeof path, a->out_dir, "rejects.csv"),
                             &ignored);
  }
  int rc = r.load_rc != CLI_EXIT_OK ? r.load_rc
           : st == PATRON_OK        ? CLI_EXIT_OK
                                    : cli_fail("clv", &err);
  if (rc == CLI_EXIT_OK && !write_outputs(a, &r, &err))
    rc = err.status != PATRON_OK ? cli_fail("clv", &err) : CLI_EXIT_FAIL;
  if (rc == CLI_EXIT_OK)
    print_report(a, &r);
  run_free(&r);
  return rc;
}

static int run(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "fit") && strcmp(argv[1], "predict")))
    return cli_usage_error("clv",
                           argc < 2 ? "expected a subcommand: fit or predict"
                                    : "unknown subcommand '%s' (fit or predict)",
                           argc < 2 ? "" : argv[1]);
  if (cli_clv_bgbb_wanted(argc, argv)) /* discrete time: cmd_clv_bgbb.c */
    return cli_clv_bgbb_run(argc, argv);
  clv_args a;
  args_init(&a, argv[1]);
  int rc = parse_args(&a, argc, argv);
  if (rc == CLI_EXIT_OK)
    rc = run_sub(&a);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_clv = {"clv", run, "customer lifetime value: fit BTYD models, predict",
                                 usage};
