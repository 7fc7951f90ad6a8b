/* patron clv fit|predict --model bgbb: the BG/BB model of discrete-time, non-contractual
 * customers (Fader, Hardie & Shang 2010) on a recency/frequency table (frequency, recency,
 * periods, optional weights and customer_id). `fit` writes model.json and predictions.csv
 * (P(alive at the next opportunity), expected transactions over the next --horizon
 * opportunities); `predict` applies a model.json. Reached from cmd_clv.c; docs/CLV.md. */
#include "cmd_clv_bgbb.h"

#include "cli_inputs.h"
#include "cli_load.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  O_MODEL = CLI_OPT_FIRST_FREE,
  O_SUMMARY,
  O_OUT,
  O_HORIZON,
  O_PENALIZER,
  O_PERIOD,
  O_CAL_END,
  O_QUIET
};

static const struct option options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"model", required_argument, NULL, O_MODEL},
    {"summary", required_argument, NULL, O_SUMMARY},
    {"out", required_argument, NULL, O_OUT},
    {"horizon", required_argument, NULL, O_HORIZON},
    {"penalizer", required_argument, NULL, O_PENALIZER},
    {"period", required_argument, NULL, O_PERIOD},
    {"calibration-end", required_argument, NULL, O_CAL_END},
    {"quiet", no_argument, NULL, O_QUIET},
    {NULL, 0, NULL, 0},
};

static patron_status oom(patron_error *err) {
  snprintf(err->message, sizeof err->message, "out of memory");
  return err->status = PATRON_ERR_NOMEM;
}

typedef struct bgbb_args {
  bool predict, quiet;
  const char *model, *summary, *out;
  long horizon;
  double penalizer;
  cli_inputs inputs;
  bool has_period;
  patron_clv_period period;
  int32_t cal_end;
} bgbb_args;

/* The value of --model in argv (either "--model V" or "--model=V"), or NULL. */
static const char *model_arg(int argc, char **argv) {
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
      return argv[i + 1];
    if (strncmp(argv[i], "--model=", 8) == 0)
      return argv[i] + 8;
  }
  return NULL;
}

bool cli_clv_bgbb_wanted(int argc, char **argv) {
  const char *m = model_arg(argc, argv);
  if (!m)
    return false;
  if (strcmp(argv[1], "fit") == 0)
    return strcmp(m, "bgbb") == 0;
  patron_clv_model *pm = NULL, *sm = NULL;
  double unit;
  patron_error err = {0};
  bool bgbb = patron_clv_fit_read(m, &pm, &sm, &unit, &err) == PATRON_OK &&
              patron_clv_model_kind(pm) == PATRON_CLV_BGBB;
  patron_clv_model_free(pm), patron_clv_model_free(sm);
  return bgbb;
}

static bool own(bgbb_args *a, int opt, const char *arg) {
  switch (opt) {
  case O_MODEL: a->model = arg; return true;
  case O_SUMMARY: a->summary = arg; return true;
  case O_OUT: a->out = arg; return true;
  case O_HORIZON: return cli_parse_long("clv", "--horizon", arg, 0, 10000000, &a->horizon);
  case O_PENALIZER:
    return cli_parse_double("clv", "--penalizer", arg, &a->penalizer) &&
           (a->penalizer >= 0 ||
            (cli_usage_error("clv", "--penalizer must not be negative"), false));
  case O_PERIOD:
    if (!patron_clv_period_parse(arg, &a->period))
      return cli_usage_error("clv", "--period expects year, month, week or day, got '%s'", arg),
             false;
    return a->has_period = true;
  case O_CAL_END: return cli_parse_day("clv", "--calibration-end", arg, &a->cal_end);
  case O_QUIET: a->quiet = true; return true;
  default: return false;
  }
}

static int parse(bgbb_args *a, int argc, char **argv) {
  *a = (bgbb_args){
      .predict = strcmp(argv[1], "predict") == 0, .horizon = 5, .cal_end = PATRON_NO_DAY};
  cli_inputs_init(&a->inputs);
  int opt;
  optind = 2;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_usage_error("clv",
                             "%s '%s' (the BG/BB model takes --summary or --orders with "
                             "--period, --out, --horizon, --penalizer, --calibration-end, "
                             "--quiet and the input options)",
                             opt == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
    int handled = cli_inputs_option(&a->inputs, "clv", opt, optarg);
    if (handled < 0 || (handled == 0 && !own(a, opt, optarg)))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("clv", "unexpected argument '%s'", argv[optind]);
  const char *orders = a->inputs.load.paths[PATRON_FILE_ORDERS];
  if (!a->summary == !orders)
    return cli_usage_error("clv", "the BG/BB model needs --summary FILE (a recency/frequency "
                                  "table: frequency, recency, periods[, weights]) or --orders "
                                  "FILE --period year|month|week|day");
  if (orders && !a->has_period)
    return cli_usage_error("clv", "--orders with --model bgbb needs --period year|month|week|day "
                                  "(the opportunities)");
  if (a->summary && (a->has_period || a->cal_end != PATRON_NO_DAY))
    return cli_usage_error("clv", "--period and --calibration-end go with --orders, not with a "
                                  "--summary table");
  if (a->cal_end != PATRON_NO_DAY && a->inputs.load.as_of_day != PATRON_NO_DAY)
    return cli_usage_error("clv", "--as-of D is --calibration-end D-1: give one of them");
  if (!a->out)
    return cli_usage_error("clv", "--out DIR is required");
  return CLI_EXIT_OK;
}

/* predictions.csv: the table's columns, p_alive and exp_transactions_next_N. */
static patron_status predictions(const bgbb_args *a, const patron_clv_bgbb_table *t,
                                 const patron_clv_model *m, patron_table **out, patron_error *err) {
  patron_table *p = patron_table_new(t->rows);
  if (!p)
    return oom(err);
  patron_clv_data d = patron_clv_bgbb_table_data(t);
  const char **id = NULL;
  int64_t *x = NULL, *tx = NULL, *n = NULL;
  double *w = NULL, *alive = NULL, *e = NULL;
  char name[64];
  snprintf(name, sizeof name, "exp_transactions_next_%ld", a->horizon);
  patron_status st = t->has_ids
                         ? patron_table_add(p, "customer_id", PATRON_COL_STRING, (void **)&id, err)
                         : PATRON_OK;
  if (st == PATRON_OK)
    st = patron_table_add(p, "frequency", PATRON_COL_INT, (void **)&x, err);
  if (st == PATRON_OK)
    st = patron_table_add(p, "recency", PATRON_COL_INT, (void **)&tx, err);
  if (st == PATRON_OK)
    st = patron_table_add(p, "periods", PATRON_COL_INT, (void **)&n, err);
  if (st == PATRON_OK && t->has_weights)
    st = patron_table_add(p, "weights", PATRON_COL_DOUBLE, (void **)&w, err);
  if (st == PATRON_OK)
    st = patron_table_add(p, "p_alive", PATRON_COL_DOUBLE, (void **)&alive, err);
  if (st == PATRON_OK)
    st = patron_table_add(p, name, PATRON_COL_DOUBLE, (void **)&e, err);
  if (st == PATRON_OK)
    st = patron_clv_bgbb_p_alive(m, &d, alive, err);
  if (st == PATRON_OK)
    st = patron_clv_bgbb_expected(m, &d, (double)a->horizon, e, err);
  for (size_t i = 0; st == PATRON_OK && i < t->rows; i++) {
    if (id)
      id[i] = patron_clv_bgbb_table_id(t, i);
    x[i] = (int64_t)t->x[i], tx[i] = (int64_t)t->t_x[i], n[i] = (int64_t)t->periods[i];
    if (w)
      w[i] = t->weight[i];
  }
  if (st == PATRON_OK) {
    patron_table_set_decimals(p, "weights", PATRON_DECIMALS_EXACT);
    patron_table_set_decimals(p, "p_alive", 6);
    patron_table_set_decimals(p, name, 6);
    *out = p;
  } else {
    patron_table_free(p);
  }
  return st;
}

static void report(const bgbb_args *a, const patron_clv_bgbb_table *t, const patron_clv_model *m,
                   const patron_table *p) {
  if (a->quiet)
    return;
  double customers = 0, expected = 0, alive = 0;
  const double *pa = patron_table_column(p, patron_table_n_columns(p) - 2)->data;
  const double *ex = patron_table_column(p, patron_table_n_columns(p) - 1)->data;
  for (size_t i = 0; i < t->rows; i++) {
    customers += t->weight[i];
    alive += t->weight[i] * pa[i];
    expected += t->weight[i] * ex[i];
  }
  printf("%s %s: %zu rows, %.0f customers\n", a->summary ? "summary  " : "orders   ",
         a->summary ? a->summary : a->inputs.load.paths[PATRON_FILE_ORDERS], t->rows, customers);
  printf("model     bgbb      ");
  for (size_t j = 0; j < 4; j++)
    printf(" %s=%.4f (se %.4f)", patron_clv_param_name(PATRON_CLV_BGBB, j),
           patron_clv_model_param(m, j), patron_clv_model_se(m, j));
  printf("  LL %.3f\n", patron_clv_model_log_likelihood(m));
  if (patron_clv_model_warning(m))
    printf("          warning: %s\n", patron_clv_model_warning(m));
  printf("expected  %.1f customers alive at the next opportunity; %.1f transactions over the "
         "next %ld opportunities\n",
         alive, expected, a->horizon);
  printf("\nWrote %s/%spredictions.csv\n", a->out, a->predict ? "" : "model.json, ");
}

static patron_status run_model(const bgbb_args *a, patron_clv_bgbb_table *t, patron_clv_model **m,
                               patron_error *err) {
  if (a->predict) {
    patron_clv_model *sm = NULL;
    double unit;
    patron_status st = patron_clv_fit_read(a->model, m, &sm, &unit, err);
    patron_clv_model_free(sm);
    return st;
  }
  patron_clv_data d = patron_clv_bgbb_table_data(t);
  patron_clv_fit_options fo = {.penalizer = a->penalizer, .threads = a->inputs.load.n_threads};
  return patron_clv_bgbb_fit(&d, &fo, m, err);
}

/* model.json as `clv fit` writes it (patron.clv.fit, no spend model), newline-ended. */
static char *model_text(const patron_clv_model *m) {
  char *json = patron_clv_fit_to_json(m, NULL, 1, PATRON_NO_DAY);
  size_t len = json ? strlen(json) : 0;
  char *text = json ? realloc(json, len + 2) : NULL;
  if (!text) {
    free(json);
    return NULL;
  }
  memcpy(text + len, "\n", 2);
  return text;
}

/* The table from transactions: load (to the calibration end), then periods. Returns the
 * exit status (a failed load is already reported). */
static int from_orders(bgbb_args *a, patron_clv_bgbb_table **t, patron_error *err) {
  patron_load_options *lo = &a->inputs.load;
  lo->amount_optional = true; /* purchases alone need no amounts */
  if (a->cal_end != PATRON_NO_DAY)
    lo->as_of_day = a->cal_end + 1;
  char rejects[4096];
  cli_path(rejects, sizeof rejects, a->out, "rejects.csv");
  patron_dataset *ds = NULL;
  int rc = cli_load("clv", lo, rejects, NULL, &ds);
  if (rc != CLI_EXIT_OK)
    return rc;
  patron_status st = patron_clv_bgbb_from_orders(ds, a->period, a->cal_end, t, err);
  if (st == PATRON_OK && patron_dataset_n_rejects(ds))
    st = patron_write_rejects_csv(ds, rejects, err);
  patron_dataset_free(ds);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("clv", err);
}

static int run_parsed(bgbb_args *ap) {
  bgbb_args a = *ap;
  int rc;
  if (!cli_make_dir("clv", a.out))
    return CLI_EXIT_FAIL;
  patron_error err = {0};
  patron_clv_bgbb_table *t = NULL;
  patron_clv_model *m = NULL;
  patron_table *p = NULL;
  char *json = NULL;
  patron_status st = PATRON_OK;
  if (a.summary)
    st = patron_clv_bgbb_table_read(a.summary, a.inputs.load.delimiter, &t, &err);
  else if ((rc = from_orders(&a, &t, &err)) != CLI_EXIT_OK)
    return rc;
  if (st == PATRON_OK)
    st = run_model(&a, t, &m, &err);
  if (st == PATRON_OK)
    st = predictions(&a, t, m, &p, &err);
  if (st == PATRON_OK && !a.predict && !(json = model_text(m)))
    st = oom(&err);
  if (st == PATRON_OK) {
    patron_output_file files[2] = {
        {.name = "predictions.csv", .table = p},
        {.name = "model.json", .text = json, .len = json ? strlen(json) : 0}};
    st = patron_write_files(a.out, files, json ? 2 : 1, NULL, NULL, &err);
  }
  if (st == PATRON_OK)
    report(&a, t, m, p);
  rc = st == PATRON_OK ? CLI_EXIT_OK : cli_fail("clv", &err);
  free(json);
  patron_table_free(p);
  patron_clv_model_free(m);
  patron_clv_bgbb_table_free(t);
  return rc;
}

int cli_clv_bgbb_run(int argc, char **argv) {
  bgbb_args a;
  int rc = parse(&a, argc, argv);
  if (rc == CLI_EXIT_OK)
    rc = run_parsed(&a);
  cli_inputs_free(&a.inputs);
  return rc;
}
