/* patron churn train|score: point-in-time churn models (label: no purchase in [C, C + H)).
 * Parses the flags, loads the data with order lines, builds the training set, trains,
 * writes the model directory; or loads a model and scores customers as of a day. */
#include "cmd_churn.h"
#include "cmd_churn_int.h"
#include "cli_inputs.h"
#include "cli_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: patron churn train --orders FILE [--events FILE] [--customers FILE]\n"
    "                          --cutoff YYYY-MM-DD [--horizon 90d] --out DIR [OPTIONS]\n"
    "       patron churn score --model DIR --orders FILE [...] [--as-of YYYY-MM-DD]\n"
    "                          --out FILE\n\n"
    "Churn risk: the probability that a customer with a purchase before a date makes none\n"
    "in the H days from it. Features come only from rows before each cut-off.\n\n"
    "train writes DIR/model.json (XGBoost JSON or logistic coefficients), schema.json\n"
    "(features, categorical levels, standardization), metrics.json (validation AUC, PR AUC,\n"
    "log loss, Brier, calibration and gains by decile, recency-only baseline), importance.csv\n"
    "and gains.csv. score writes customer_id,churn_risk,risk_decile (decile 1 = the 10%\n"
    "riskiest); the scoring data must have the inputs the model was trained "
    "with.\n\n" CLI_INPUT_USAGE "\nTraining:\n"
    "  --cutoff D           training cut-off: rows at D - H train, rows at D validate\n"
    "  --cutoffs D1,D2,...  stack several cut-offs; the latest validates\n"
    "  --horizon H          label window: 90d (default), N days, or Nw weeks\n"
    "  --out DIR            model directory (train) or score file (score); required\n"
    "  --learner L          xgboost (default) or logistic (L2, standardized inputs)\n"
    "  --rounds N           XGBoost: most boosting rounds (default 300; early stopping 20)\n"
    "  --eta X              XGBoost: learning rate (default 0.1)\n"
    "  --max-depth N        XGBoost: tree depth (default 4)\n"
    "  --l2 X               logistic: L2 penalty (default 1)\n"
    "  --balanced           weight the classes equally (scores are then not calibrated)\n"
    "  --folds K            also report K-fold cross-validated AUC (default: none)\n"
    "  --no-clv             leave out the BG/NBD features\n"
    "  --refit              refit on all rows (validation cut-off included) with the chosen\n"
    "                       number of rounds (about doubles the training time)\n"
    "  --max-levels N       one-hot levels per categorical feature (default 20)\n"
    "  --seed N             random seed (default 42)\n"
    "  --dump-features FILE write the training matrix as CSV (for comparisons)\n"
    "Scoring:\n"
    "  --model DIR          a model directory written by train\n"
    "  --as-of D            score as of this day (default: the day after the latest order)\n"
    "  --quiet              print nothing on success\n"
    "  -h, --help           this help\n";

enum {
  OPT_CUTOFF = CLI_OPT_FIRST_FREE,
  OPT_CUTOFFS,
  OPT_HORIZON,
  OPT_OUT,
  OPT_LEARNER,
  OPT_ROUNDS,
  OPT_ETA,
  OPT_DEPTH,
  OPT_L2,
  OPT_BALANCED,
  OPT_FOLDS,
  OPT_NO_CLV,
  OPT_REFIT,
  OPT_LEVELS,
  OPT_SEED,
  OPT_DUMP,
  OPT_MODEL,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    {"cutoff", required_argument, NULL, OPT_CUTOFF},
    {"cutoffs", required_argument, NULL, OPT_CUTOFFS},
    {"horizon", required_argument, NULL, OPT_HORIZON},
    {"out", required_argument, NULL, OPT_OUT},
    {"learner", required_argument, NULL, OPT_LEARNER},
    {"rounds", required_argument, NULL, OPT_ROUNDS},
    {"eta", required_argument, NULL, OPT_ETA},
    {"max-depth", required_argument, NULL, OPT_DEPTH},
    {"l2", required_argument, NULL, OPT_L2},
    {"balanced", no_argument, NULL, OPT_BALANCED},
    {"folds", required_argument, NULL, OPT_FOLDS},
    {"no-clv", no_argument, NULL, OPT_NO_CLV},
    {"refit", no_argument, NULL, OPT_REFIT},
    {"max-levels", required_argument, NULL, OPT_LEVELS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"dump-features", required_argument, NULL, OPT_DUMP},
    {"model", required_argument, NULL, OPT_MODEL},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

enum { MAX_CUTOFFS = 64 };

typedef struct churn_args {
  const char *command;
  bool train;
  cli_inputs inputs;
  patron_churn_options opts;
  int32_t cutoffs[MAX_CUTOFFS];
  const char *cutoff_flag; /* --cutoff or --cutoffs, whichever was given */
  const char *out, *model_dir, *dump;
  bool quiet;
  double load_seconds, features_seconds;
  double score_seconds, write_seconds; /* score: features and the model's predictions */
} churn_args;

static bool parse_horizon(churn_args *a, const char *arg) {
  char *end;
  long v = strtol(arg, &end, 10);
  long unit = *end == 'w' ? 7 : 1;
  if (*end == 'd' || *end == 'w')
    end++;
  if (end == arg || *end || v < 1 || v * unit > 3650)
    return cli_usage_error(a->command,
                           "--horizon expects days (90, 90d) or weeks (13w) up to "
                           "10 years, got '%s'",
                           arg),
           false;
  a->opts.horizon_days = (int32_t)(v * unit);
  return true;
}

static bool parse_cutoffs(churn_args *a, const char *flag, const char *arg) {
  if (a->cutoff_flag && strcmp(a->cutoff_flag, flag) != 0)
    return cli_usage_error(a->command, "give --cutoff D or --cutoffs D1,D2,..., not both"), false;
  a->cutoff_flag = flag;
  bool one = strcmp(flag, "--cutoff") == 0;
  size_t n = 0;
  for (const char *s = arg; *s;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (n == MAX_CUTOFFS || patron_parse_day(s, len, &a->cutoffs[n]) != PATRON_OK)
      return (one ? cli_usage_error(a->command, "--cutoff expects a date YYYY-MM-DD, got '%s'", arg)
                  : cli_usage_error(a->command,
                                    "--cutoffs expects up to %d dates YYYY-MM-DD separated "
                                    "by commas, got '%s'",
                                    MAX_CUTOFFS, arg)),
             false;
    n++;
    s += len + (comma != NULL);
  }
  a->opts.cutoffs = a->cutoffs;
  a->opts.n_cutoffs = n;
  return n > 0 || (cli_usage_error(a->command, "--cutoffs is empty"), false);
}

static bool parse_number(churn_args *a, int opt, const char *arg) {
  long v;
  double d;
  patron_churn_options *o = &a->opts;
  switch (opt) {
  case OPT_ROUNDS:
    return cli_parse_long(a->command, "--rounds", arg, 1, 100000, &v) && (o->max_rounds = (int)v);
  case OPT_DEPTH:
    return cli_parse_long(a->command, "--max-depth", arg, 1, 20, &v) && (o->max_depth = (int)v);
  case OPT_FOLDS:
    return cli_parse_long(a->command, "--folds", arg, 2, 20, &v) && (o->folds = (int)v);
  case OPT_LEVELS:
    return cli_parse_long(a->command, "--max-levels", arg, 0, 1000, &v) &&
           ((o->max_levels = (int)v), true);
  case OPT_SEED:
    return cli_parse_long(a->command, "--seed", arg, 0, 2147483646, &v) &&
           ((o->seed = (uint64_t)v), true);
  case OPT_ETA:
    if (!cli_parse_double(a->command, "--eta", arg, &d) || d <= 0 || d > 1)
      return cli_usage_error(a->command, "--eta expects a number in (0, 1], got '%s'", arg), false;
    return o->eta = d, true;
  case OPT_L2:
    if (!cli_parse_double(a->command, "--l2", arg, &d) || d < 0)
      return cli_usage_error(a->command, "--l2 expects a number >= 0, got '%s'", arg), false;
    return o->l2 = d, true;
  default: return false;
  }
}

static bool own_option(churn_args *a, int opt, const char *arg) {
  patron_churn_options *o = &a->opts;
  switch (opt) {
  case OPT_CUTOFF:
    return parse_cutoffs(a, "--cutoff", arg) &&
           (a->opts.n_cutoffs == 1 ||
            (cli_usage_error(a->command, "--cutoff takes one date; use --cutoffs for several"),
             false));
  case OPT_CUTOFFS: return parse_cutoffs(a, "--cutoffs", arg);
  case OPT_HORIZON: return parse_horizon(a, arg);
  case OPT_OUT: return a->out = arg, true;
  case OPT_MODEL: return a->model_dir = arg, true;
  case OPT_DUMP: return a->dump = arg, true;
  case OPT_QUIET: return a->quiet = true;
  case OPT_BALANCED: return o->balanced = true;
  case OPT_NO_CLV: return !(o->clv = false);
  case OPT_REFIT: return o->refit = true;
  case OPT_LEARNER:
    if (strcmp(arg, "xgboost") && strcmp(arg, "logistic"))
      return cli_usage_error(a->command, "--learner expects xgboost or logistic, got '%s'", arg),
             false;
    o->learner = strcmp(arg, "xgboost") == 0 ? PATRON_LEARNER_XGBOOST : PATRON_LEARNER_LOGISTIC;
    return true;
  default: return parse_number(a, opt, arg);
  }
}

static bool parse_args(churn_args *a, int argc, char **argv) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option(a->command, opt, argv, long_options), false;
    int handled = cli_inputs_option(&a->inputs, a->command, opt, optarg);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error(a->command, "unexpected argument '%s'", argv[optind]), false;
  if (!cli_inputs_ready(&a->inputs, a->command))
    return false;
  if (!a->out)
    return cli_usage_error(a->command, "--out %s is required", a->train ? "DIR" : "FILE"), false;
  if (a->train && a->opts.n_cutoffs == 0)
    return cli_usage_error(a->command, "train needs --cutoff D (or --cutoffs D1,D2,...)"), false;
  if (!a->train && !a->model_dir)
    return cli_usage_error(a->command, "score needs --model DIR"), false;
  return true;
}

/* ---- Running ----------------------------------------------------------------------------- */

static void print_training(const churn_args *a, const patron_churn_report *r,
                           const patron_churn_trainset *ts) {
  const patron_binary_metrics *v = &r->valid;
  printf("Trained %s model (%s) on %zu rows, validated on %zu rows (%s hold-out)\n", a->command,
         a->opts.learner == PATRON_LEARNER_XGBOOST ? "xgboost" : "logistic", r->n_train, r->n_valid,
         patron_churn_trainset_validation(ts));
  printf("  ROC AUC %.4f (recency only %.4f)  PR AUC %.4f  log loss %.4f  Brier %.4f\n", v->auc,
         r->baseline_auc, v->pr_auc, v->log_loss, v->brier);
  printf("  base rate %.3f  top-decile lift %.2f  rounds %d  columns %zu\n", v->base_rate,
         v->top_decile_lift, r->rounds,
         patron_feature_schema_n_columns(patron_churn_trainset_schema(ts)));
  printf("  seconds: load %.2f, features and labels %.2f, training %.2f\n", a->load_seconds,
         a->features_seconds, r->train_seconds);
  if (r->folds)
    printf("  %d-fold CV AUC %.4f +- %.4f\n", r->folds, r->cv_auc_mean, r->cv_auc_sd);
  if (patron_churn_trainset_note(ts))
    printf("  note: %s\n", patron_churn_trainset_note(ts));
  printf("Wrote %s/model.json, schema.json, metrics.json, importance.csv, gains.csv\n", a->out);
}

static int run_train(churn_args *a, patron_dataset *ds) {
  patron_error err = {0};
  patron_churn_trainset *ts = NULL;
  patron_churn_model *m = NULL;
  patron_churn_report r = {0};
  if (!cli_make_dir(a->command, a->out))
    return CLI_EXIT_FAIL;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  patron_status st = patron_churn_trainset_build(ds, &a->opts, &ts, &err);
  a->features_seconds = cli_seconds_since(&t0);
  if (st == PATRON_OK && a->dump)
    st = cli_churn_dump_features(a->dump, ds, ts, &err);
  if (st == PATRON_OK)
    st = patron_churn_train(ts, &a->opts, &m, &r, &err);
  if (st == PATRON_OK)
    st = patron_churn_model_write(a->out, m, &r, ts, &a->opts, NULL, &err);
  if (st == PATRON_OK && !a->quiet)
    print_training(a, &r, ts);
  patron_churn_report_free(&r);
  patron_churn_model_free(m);
  patron_churn_trainset_free(ts);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(a->command, &err);
}

static int run_score(churn_args *a, patron_dataset *ds) {
  patron_error err = {0};
  patron_churn_model *m = NULL;
  patron_churn_scores s = {0};
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int32_t as_of = patron_dataset_default_as_of(ds);
  patron_status st = patron_churn_model_read(a->model_dir, &m, &err);
  if (st == PATRON_OK && as_of == PATRON_NO_DAY) {
    snprintf(err.message, sizeof err.message, "there are no orders: give --as-of");
    st = err.status = PATRON_ERR_INPUT;
  }
  if (st == PATRON_OK)
    st = patron_churn_score(m, ds, as_of, a->inputs.load.n_threads, &s, &err);
  a->score_seconds = cli_seconds_since(&t0);
  if (st == PATRON_OK)
    st = patron_churn_scores_write(a->out, ds, m, &s, NULL, &err);
  a->write_seconds = cli_seconds_since(&t0) - a->score_seconds;
  if (st == PATRON_OK && !a->quiet) {
    char day[11];
    patron_format_day(as_of, day);
    printf("Scored %zu customers as of %s in %.2f s (after %.2f s loading); wrote %s\n", s.n, day,
           cli_seconds_since(&t0), a->load_seconds, a->out);
  }
  patron_churn_scores_free(&s);
  patron_churn_model_free(m);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(a->command, &err);
}

/* XGBoost's OpenMP threads spin at barriers by default (libgomp reads OMP_WAIT_POLICY once,
 * when it is loaded). On a 2-core machine shared with other work a spinning thread holds a
 * core the other needs: training ran 4x slower than with one thread. Passive waiting costs
 * little, so when the user has not chosen a policy we re-run this process with it (argv
 * here is main's argv + 1, NULL-terminated). */
static void prefer_passive_openmp(char **argv) {
  if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
    return;
  execv("/proc/self/exe", argv - 1);
}

/* Where rejects.csv and summary.json go: the model directory (train), beside the score
 * file (score: scores.csv -> scores.rejects.csv, scores.summary.json). */
static void accounting_paths(const churn_args *a, char *rejects, char *summary, size_t cap) {
  if (a->train) {
    cli_path(rejects, cap, a->out, "rejects.csv");
    cli_path(summary, cap, a->out, "summary.json");
  } else {
    cli_sibling_path(rejects, cap, a->out, "rejects.csv");
    cli_sibling_path(summary, cap, a->out, "summary.json");
  }
}

/* The score file's folder, created when missing like every --out DIR. */
static bool make_parent(const char *command, const char *file) {
  const char *slash = strrchr(file, '/');
  if (!slash || slash == file)
    return true;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
  return cli_make_dir(command, dir);
}

static int load(churn_args *a, patron_dataset **ds) {
  if (a->train ? !cli_make_dir(a->command, a->out) : !make_parent(a->command, a->out))
    return CLI_EXIT_FAIL;
  char rejects[4096], summary[4096];
  accounting_paths(a, rejects, summary, sizeof rejects);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = cli_load(a->command, &a->inputs.load, rejects, NULL, ds);
  a->load_seconds = cli_seconds_since(&t0);
  return rc;
}

static int write_accounting(const churn_args *a, const patron_dataset *ds) {
  char rejects[4096], summary[4096];
  accounting_paths(a, rejects, summary, sizeof rejects);
  patron_timing t[] = {
      {"load", a->load_seconds}, {"score", a->score_seconds}, {"write", a->write_seconds}};
  patron_error err = {0};
  if (cli_write_accounting_timed(ds, t, a->train ? 1 : 3, rejects, summary, &err) != PATRON_OK)
    return cli_fail(a->command, &err);
  return CLI_EXIT_OK;
}

int cli_churn_main(const char *command, patron_churn_task task, int argc, char **argv) {
  prefer_passive_openmp(argv);
  churn_args a = {.command = command};
  if (argc < 2 || (strcmp(argv[1], "train") && strcmp(argv[1], "score")))
    return cli_usage_error(command, "expects a subcommand: train or score");
  a.train = strcmp(argv[1], "train") == 0;
  cli_inputs_init(&a.inputs);
  patron_churn_options_init(&a.opts);
  a.opts.task = task;
  int rc = CLI_EXIT_USAGE;
  if (parse_args(&a, argc - 1, argv + 1)) {
    patron_dataset *ds = NULL;
    a.inputs.load.keep_lines = true;
    a.inputs.load.lines_unlinked = true;    /* the features read lines per customer only */
    a.inputs.load.lines_untimed = !a.train; /* scored as of the data's end: every line counts */
    a.inputs.load.lines_amount_with_discount = true; /* amounts only weigh discounts */
    a.inputs.load.progress = cli_progress;
    a.opts.n_threads = a.inputs.load.n_threads;
    rc = load(&a, &ds);
    if (rc == CLI_EXIT_OK)
      rc = a.train ? run_train(&a, ds) : run_score(&a, ds);
    if (rc == CLI_EXIT_OK)
      rc = write_accounting(&a, ds);
    patron_dataset_free(ds);
  }
  cli_inputs_free(&a.inputs);
  return rc;
}

static int run(int argc, char **argv) {
  return cli_churn_main("churn", PATRON_TASK_CHURN, argc, argv);
}

const cli_command cli_cmd_churn = {"churn", run, "train/score churn risk (XGBoost or logistic)",
                                   usage};
