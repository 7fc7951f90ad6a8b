/* patron experiment: assign customers to arms by hash (GrowthBook hash version 2), evaluate
 * an experiment over a window of orders, and size one (SPEC section 12, docs/EXPERIMENTS.md).
 * The evaluation's arguments and printed table live in cmd_experiment_eval.c. */
#include "cli_tags.h"
#include "cmd_experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron experiment assign --ids FILE --name NAME --out FILE [OPTIONS]\n"
    "       patron experiment assign INPUTS --where EXPR --name NAME --out FILE [OPTIONS]\n"
    "       patron experiment evaluate (--assignments FILE | --db STORE --name NAME)\n"
    "                                  --orders FILE --start YYYY-MM-DD\n"
    "                                  --out DIR [OPTIONS]\n"
    "       patron experiment evaluate --rules FILE --db STORE --orders FILE --as-of YYYY-MM-DD\n"
    "                                  --out DIR [--window N] [--apply]\n"
    "       patron experiment size --baseline P --mde D | --sd S --mde D [OPTIONS]\n\n"
    "assign: each customer's arm from the hash of salt + customer_id, the same as GrowthBook's\n"
    "SDK (hash version 2), so an id lands in the same arm in both. Writes customer_id,arm,bucket.\n"
    "  --ids FILE           customers to assign: a CSV with a customer_id column (else its\n"
    "                       first column is taken)\n"
    "  INPUTS --where EXPR  or: the customers EXPR selects from the profile of the inputs\n"
    "                       (--orders FILE ..., the input and tag options of patron\n"
    "                       audience; the same selection as audience --where)\n"
    "  --name NAME          the experiment's name (required)\n"
    "  --arms A:W,B:W,...   arms in order with their weights (default control:50,treatment:50)\n"
    "  --salt S             hash salt (default: NAME)\n"
    "  --db STORE           also record the assignments in the store\n"
    "  --out FILE           the assignment file (required)\n"
    "  --quiet              print nothing on success\n\n"
    "evaluate: per customer over [start, start + window): converted, revenue, orders (purchases);\n"
    "each arm against control with the statistics of SPEC section 12; writes DIR/results.csv\n"
    "and prints the verdicts (invalid, effective, harmful, ineffective, inconclusive).\n"
    "  --assignments FILE   customer_id,arm[,bucket] (assign's output)\n"
    "  --db STORE --name NAME  instead: experiment NAME's assignments recorded in the store\n"
    "  --orders FILE        order lines (the input options of analyze apply: --map, ...)\n"
    "  --start YYYY-MM-DD   first day of the window (required)\n"
    "  --window N           days in the window (default 30)\n"
    "  --name NAME          the experiment column (default: the file's base name)\n"
    "  --arms A:W,...       the arms' weights for the sample-ratio test (default: equal)\n"
    "  --cap-percentile P   cap revenue at the pooled P-th percentile (0..100)\n"
    "  --cuped              variance reduction with the same metric over a pre-period\n"
    "  --pre-days N         days before start in the pre-period (default 90)\n"
    "  --alpha A            significance level (default 0.05)\n"
    "  --min-lift L         relative lift below which a result is 'ineffective' (default 0.05)\n"
    "  --power P            power for the required sample size (default 0.8)\n"
    "  --segments FILE --by COLUMN  also evaluate within each segment of COLUMN of FILE\n"
    "                       (a CSV with customer_id, e.g. analyze's profiles.csv and\n"
    "                       segment): DIR/results_by_segment.csv\n"
    "  --out DIR            output directory (required)\n"
    "  --quiet              no table on stdout\n\n"
    "evaluate --rules: every trigger rule's logged actions (store) fired at least a window\n"
    "before --as-of, treatment vs holdout, each customer's window from its fired_at; one\n"
    "verdict per rule (its conversion row's); DIR/results.csv and DIR/rule_verdicts.csv.\n"
    "  --rules FILE         the trigger rules file (patron trigger init)\n"
    "  --db STORE           the store holding the actions\n"
    "  --apply              disable ineffective and harmful rules in the store\n\n"
    "size: customers needed per arm (two-sided test at --alpha with --power).\n"
    "  --baseline P         the control's conversion rate (proportions)\n"
    "  --sd S               the metric's standard deviation (means)\n"
    "  --mde D              the absolute difference to detect (0.01 = one point)\n"
    "  --alpha A            significance level (default 0.05)\n"
    "  --power P            power (default 0.8)\n"
    "  --arms N             arms (default 2), for the total\n"
    "  -h, --help           this help\n\n"
    "assign --where reads its inputs with the options of analyze:\n" CLI_INPUT_USAGE CLI_TAGS_USAGE;

enum {
  OPT_IDS = CLI_OPT_FIRST_FREE,
  OPT_NAME,
  OPT_ARMS,
  OPT_SALT,
  OPT_OUT,
  OPT_WHERE,
  OPT_DB,
  OPT_QUIET,
};

static const struct option assign_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_TAGS_LONG_OPTIONS,
    {"ids", required_argument, NULL, OPT_IDS},
    {"name", required_argument, NULL, OPT_NAME},
    {"arms", required_argument, NULL, OPT_ARMS},
    {"salt", required_argument, NULL, OPT_SALT},
    {"out", required_argument, NULL, OPT_OUT},
    {"where", required_argument, NULL, OPT_WHERE},
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct assign_args {
  const char *ids, *name, *arms, *salt, *out, *db, *where;
  cli_inputs inputs;
  patron_tags_options tags;
  bool has_inputs; /* an input or tag option was given */
  bool quiet;
} assign_args;

static bool assign_option(assign_args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_IDS: a->ids = arg; return true;
  case OPT_NAME: a->name = arg; return true;
  case OPT_ARMS: a->arms = arg; return true;
  case OPT_SALT: a->salt = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_DB: a->db = arg; return true;
  case OPT_WHERE: a->where = arg; return true;
  case OPT_QUIET: return a->quiet = true;
  default: return cli_usage_error("experiment", "unknown option"), false;
  }
}

static bool parse_assign(int argc, char **argv, assign_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", assign_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("experiment", opt, argv, assign_options), false;
    int handled = cli_inputs_option(&a->inputs, "experiment", opt, optarg);
    if (handled == 0)
      handled = cli_tags_option(&a->tags, "experiment", opt, optarg);
    a->has_inputs |= handled > 0;
    if (handled < 0 || (handled == 0 && !assign_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("experiment", "unexpected argument '%s'", argv[optind]), false;
  if (!a->ids == !a->where)
    return cli_usage_error("experiment", "assign needs either --ids FILE or INPUTS --where EXPR"),
           false;
  if (a->ids && a->has_inputs)
    return cli_usage_error("experiment",
                           "input options (--orders, ...) go with --where, not --ids"),
           false;
  if (!a->name || !a->out)
    return cli_usage_error("experiment", "assign needs --name NAME and --out FILE"), false;
  return a->ids || cli_inputs_ready(&a->inputs, "experiment");
}

static void print_assignment(const patron_assignments *a, const char *salt) {
  size_t *count = calloc(a->arms.n, sizeof *count);
  if (!count)
    return;
  for (size_t i = 0; i < a->n; i++)
    count[a->arm[i]]++;
  printf("Experiment %s (salt '%s'): %zu customers assigned\n", a->name, salt, a->n);
  for (size_t k = 0; k < a->arms.n; k++)
    printf("  %-16s %10zu  %5.1f%%\n", a->arms.names[k], count[k],
           a->n ? 100.0 * (double)count[k] / (double)a->n : 0.0);
  free(count);
}

/* The assignments recorded in the store (experiment evaluate --db STORE --name NAME). */
static patron_status record(const char *db, const patron_assignments *as, const char *salt,
                            patron_error *err) {
  patron_store *s = NULL;
  patron_status st = patron_store_open(db, NULL, &s, err);
  if (st == PATRON_OK)
    st = patron_assignments_store_put(s, as, salt, err);
  patron_store_close(s);
  return st;
}

/* The customers to assign: the id file's, or those --where selects from the inputs. */
static patron_status assign_customers(assign_args *a, const patron_arms *arms, const char *salt,
                                      patron_assignments **as, patron_error *err) {
  if (a->where) {
    cli_where_assign w = {a->where, a->name, salt, arms, &a->tags, a->db};
    return cli_experiment_assign_where(&a->inputs, &w, as, err);
  }
  char **ids = NULL;
  size_t n = 0;
  patron_status st = patron_ids_read_csv(a->ids, &ids, &n, err);
  if (st == PATRON_OK)
    st = patron_experiment_assign(a->name, (const char *const *)ids, n, arms, salt, as, err);
  free(ids);
  return st;
}

static int assign_with(assign_args *a) {
  const char *salt = a->salt ? a->salt : a->name;
  patron_error err = {0};
  patron_arms arms;
  patron_assignments *as = NULL;
  patron_status st = patron_arms_parse(a->arms, &arms, &err);
  if (st != PATRON_OK)
    return cli_fail("experiment", &err);
  st = assign_customers(a, &arms, salt, &as, &err);
  if (st == PATRON_OK)
    st = patron_assignments_write_csv(as, a->out, &err);
  if (st == PATRON_OK && a->db)
    st = record(a->db, as, salt, &err);
  if (st == PATRON_OK && !a->quiet)
    print_assignment(as, salt);
  patron_arms_clear(&arms);
  patron_assignments_free(as);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("experiment", &err);
}

static int run_assign(int argc, char **argv) {
  assign_args a = {.arms = "control:50,treatment:50"};
  cli_inputs_init(&a.inputs);
  patron_tags_options_init(&a.tags);
  int rc = parse_assign(argc, argv, &a) ? assign_with(&a) : CLI_EXIT_USAGE;
  cli_inputs_free(&a.inputs);
  return rc;
}

enum { OPT_BASELINE = 1, OPT_SD, OPT_MDE, OPT_ALPHA, OPT_POWER, OPT_N_ARMS };

static const struct option size_options[] = {
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"sd", required_argument, NULL, OPT_SD},
    {"mde", required_argument, NULL, OPT_MDE},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"power", required_argument, NULL, OPT_POWER},
    {"arms", required_argument, NULL, OPT_N_ARMS},
    {NULL, 0, NULL, 0},
};

static int run_size(int argc, char **argv) {
  double v[OPT_N_ARMS + 1] = {0, NAN, NAN, NAN, 0.05, 0.8, 2};
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", size_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("experiment", opt, argv, size_options);
    if (!cli_parse_double("experiment", argv[optind - 1], optarg, &v[opt]))
      return CLI_EXIT_USAGE;
  }
  bool proportion = !isnan(v[OPT_BASELINE]);
  if (isnan(v[OPT_MDE]) || proportion == !isnan(v[OPT_SD]) || v[OPT_N_ARMS] < 2)
    return cli_usage_error("experiment", "size needs --mde and either --baseline or --sd");
  patron_error err = {0};
  double n = 0;
  patron_status st = proportion ? patron_stats_size_proportion(v[OPT_BASELINE], v[OPT_MDE],
                                                               v[OPT_ALPHA], v[OPT_POWER], &n, &err)
                                : patron_stats_size_mean(v[OPT_SD], v[OPT_MDE], v[OPT_ALPHA],
                                                         v[OPT_POWER], &n, &err);
  if (st != PATRON_OK)
    return cli_fail("experiment", &err);
  if (proportion)
    printf("To detect %.4g -> %.4g (%+.2f pp) ", v[OPT_BASELINE], v[OPT_BASELINE] + v[OPT_MDE],
           100 * v[OPT_MDE]);
  else
    printf("To detect a difference of %.4g in means (sd %.4g) ", v[OPT_MDE], v[OPT_SD]);
  printf("at alpha %.3g with power %.3g:\n", v[OPT_ALPHA], v[OPT_POWER]);
  printf("  per arm  %.0f\n  total    %.0f (%g arms)\n", n, n * floor(v[OPT_N_ARMS]),
         floor(v[OPT_N_ARMS]));
  return CLI_EXIT_OK;
}

static int run_experiment(int argc, char **argv) {
  if (argc < 2)
    return cli_usage_error("experiment", "expected assign, evaluate or size");
  if (strcmp(argv[1], "assign") == 0)
    return run_assign(argc - 1, argv + 1);
  if (strcmp(argv[1], "evaluate") == 0)
    return cli_experiment_evaluate(argc - 1, argv + 1);
  if (strcmp(argv[1], "size") == 0)
    return run_size(argc - 1, argv + 1);
  return cli_usage_error("experiment", "unknown subcommand '%s' (assign, evaluate or size)",
                         argv[1]);
}

const cli_command cli_cmd_experiment = {
    "experiment", run_experiment,
    "assign customers to experiment arms, evaluate experiments, size them", usage};
