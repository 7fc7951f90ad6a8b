/* patron analyze: the main job (SPEC section 4). */
#include "analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron analyze --orders FILE [--customers FILE] [--events FILE] --out DIR\n"
    "                      [OPTIONS]\n\n"
    "Scores and segments every customer as of a date and writes DIR/profiles.csv,\n"
    "segments.csv, summary.json and, when rows were rejected, rejects.csv.\n\n" CLI_INPUT_USAGE
    "\nFigures:\n"
    "  --out DIR            output directory (created when missing; required)\n"
    "  --bins K             score bins 2..9 (default 5)\n"
    "  --threshold T        rfm_class cuts: mean (default) or median\n"
    "  --abc A,B            abc_class shares in percent (default 15,20)\n"
    "  --new-days N         lifecycle windows in days (defaults 30, 90, 180, 365)\n"
    "  --active-days N\n  --silent-days N\n  --dormant-days N\n"
    "  --spec-only          only the figures of SPEC section 3: no CLV, repurchase,\n"
    "                       cluster, value index, tier or member level columns\n"
    "  --stream             --spec-only in one pass with memory bounded by the customers,\n"
    "                       not the rows: orders read as a stream (no spool), rows spilled\n"
    "                       to temporary files (TMPDIR) by customer hash (docs/SCALE.md);\n"
    "                       orders only, plain or piped text with an amount column\n"
    "  --no-clv             no CLV columns (p_alive, exp_purchases_90d, clv_365d)\n"
    "  --stages LIST        only these model stages, comma-separated: clv, repurchase,\n"
    "                       cluster, tiers, tags, loyalty, relationship_stage (default all)\n"
    "  --clv-model M        purchase model of the CLV columns: mbgnbd (default), bgnbd,\n"
    "                       paretonbd (with Gamma-Gamma spend; see patron clv --help);\n"
    "                       fitted with a weak prior on the shapes (docs/CLV.md)\n"
    "  --penalizer P        L2 penalty of the CLV fits (default 0; e.g. 0.001 when a fit\n"
    "                       degenerates)\n"
    "  --due-days N         repurchase_due: next expected purchase within N days (14)\n"
    "  --cycle-fallback     one-purchase-day customers take the median repurchase cycle\n"
    "  --churn-model DIR    add the churn_risk (or purchase_propensity) column of a model\n"
    "                       trained by 'patron churn train' (or 'propensity train')\n"
    "  --db FILE            also record a snapshot of this as-of in the SQLite store FILE\n"
    "                       (created when missing; re-running an as-of replaces it) and\n"
    "                       add the level_warning column (upgrade_near, downgrade_risk)\n"
    "  --review-days N      level_warning: days to the next member-level review (30)\n"
    "  --validate-loyalty D time split of loyalty_score (features as of date D, outcome a\n"
    "                       purchase in the next 180 days): AUCs into summary.json\n"
    "  --quiet              no report on stdout\n"
    "  --mpi                run under mpirun: every rank reads a byte range of each input\n"
    "                       file, customers are shuffled to ranks, rank 0 writes DIR,\n"
    "                       the same bytes as without --mpi (an MPI build;\n"
    "                       docs/SCALE.md)\n"
    "  -h, --help           this help\n\n" CLI_CLUSTER_USAGE(
        "5", "3") "\n" CLI_VALUE_USAGE "\n" CLI_OUTPUT_USAGE CLI_TAGS_USAGE;

enum {
  OPT_OUT = CLI_OPT_FIRST_FREE,
  OPT_BINS,
  OPT_THRESHOLD,
  OPT_ABC,
  OPT_NEW,
  OPT_ACTIVE,
  OPT_SILENT,
  OPT_DORMANT,
  OPT_QUIET,
  OPT_SPEC_ONLY,
  OPT_STREAM,
  OPT_NO_CLV,
  OPT_CLV_MODEL,
  OPT_DUE_DAYS,
  OPT_CYCLE_FALLBACK,
  OPT_CHURN_MODEL,
  OPT_PENALIZER,
  OPT_DB,
  OPT_REVIEW_DAYS,
  OPT_VALIDATE_LOYALTY,
  OPT_MPI,
  OPT_STAGES
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_CLUSTER_LONG_OPTIONS,
    CLI_VALUE_LONG_OPTIONS,
    CLI_TAGS_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"bins", required_argument, NULL, OPT_BINS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"abc", required_argument, NULL, OPT_ABC},
    {"new-days", required_argument, NULL, OPT_NEW},
    {"active-days", required_argument, NULL, OPT_ACTIVE},
    {"silent-days", required_argument, NULL, OPT_SILENT},
    {"dormant-days", required_argument, NULL, OPT_DORMANT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"spec-only", no_argument, NULL, OPT_SPEC_ONLY},
    {"stream", no_argument, NULL, OPT_STREAM},
    {"no-clv", no_argument, NULL, OPT_NO_CLV},
    {"clv-model", required_argument, NULL, OPT_CLV_MODEL},
    {"due-days", required_argument, NULL, OPT_DUE_DAYS},
    {"cycle-fallback", no_argument, NULL, OPT_CYCLE_FALLBACK},
    {"churn-model", required_argument, NULL, OPT_CHURN_MODEL},
    {"penalizer", required_argument, NULL, OPT_PENALIZER},
    {"db", required_argument, NULL, OPT_DB},
    {"review-days", required_argument, NULL, OPT_REVIEW_DAYS},
    {"validate-loyalty", required_argument, NULL, OPT_VALIDATE_LOYALTY},
    {"mpi", no_argument, NULL, OPT_MPI},
    {"stages", required_argument, NULL, OPT_STAGES},
    {NULL, 0, NULL, 0},
};

static bool parse_abc(const char *arg, patron_profile_options *p) {
  char *end;
  double a = strtod(arg, &end);
  if (end == arg || *end != ',')
    return false;
  const char *second = end + 1;
  double b = strtod(second, &end);
  if (end == second || *end)
    return false;
  p->abc_a_pct = a;
  p->abc_b_pct = b;
  return true;
}

static bool parse_days(const char *flag, const char *arg, int *out) {
  long v;
  if (!cli_parse_long("analyze", flag, arg, 0, 100000, &v))
    return false;
  *out = (int)v;
  return true;
}

/* Handles analyze's own options; false on a usage error (already printed). */
static bool own_option(cli_analysis *a, int opt, const char *arg) {
  patron_profile_options *p = &a->profile;
  long v;
  switch (opt) {
  case OPT_OUT: a->out_dir = arg; return true;
  case OPT_BINS:
    if (!cli_parse_long("analyze", "--bins", arg, 2, 9, &v))
      return false;
    p->bins = (int)v;
    return true;
  case OPT_THRESHOLD:
    if (strcmp(arg, "mean") && strcmp(arg, "median"))
      return cli_usage_error("analyze", "--threshold expects mean or median, got '%s'", arg), false;
    p->median_threshold = strcmp(arg, "median") == 0;
    return true;
  case OPT_ABC:
    if (!parse_abc(arg, p))
      return cli_usage_error("analyze", "--abc expects A,B in percent (e.g. 15,20), got '%s'", arg),
             false;
    return true;
  case OPT_NEW: return parse_days("--new-days", arg, &p->new_days);
  case OPT_ACTIVE: return parse_days("--active-days", arg, &p->active_days);
  case OPT_SILENT: return parse_days("--silent-days", arg, &p->silent_days);
  case OPT_DORMANT: return parse_days("--dormant-days", arg, &p->dormant_days);
  case OPT_QUIET: a->quiet = true; return true;
  case OPT_MPI: a->mpi = true; return true;
  case OPT_STAGES:
    a->stages = arg;
    if ((size_t)snprintf(a->stages_only, sizeof a->stages_only, "%s,segment_report", arg) <
        sizeof a->stages_only)
      return true;
    return cli_usage_error("analyze", "--stages: the list is too long"), false;
  case OPT_SPEC_ONLY: a->spec_only = true; return true;
  case OPT_STREAM: a->stream = a->spec_only = true; return true;
  case OPT_NO_CLV: a->clv = false; return true;
  case OPT_CLV_MODEL:
    if (!patron_clv_kind_parse(arg, &a->clv_options.model) ||
        a->clv_options.model == PATRON_CLV_GAMMAGAMMA || a->clv_options.model == PATRON_CLV_BGBB)
      return cli_usage_error("analyze",
                             "--clv-model expects bgnbd, mbgnbd or paretonbd, got "
                             "'%s'",
                             arg),
             false;
    return true;
  case OPT_DUE_DAYS:
    if (!cli_parse_long("analyze", "--due-days", arg, 1, 100000, &v))
      return false;
    a->repurchase.due_days = (int)v;
    return true;
  case OPT_CYCLE_FALLBACK: a->repurchase.fallback = true; return true;
  case OPT_PENALIZER:
    if (!cli_parse_double("analyze", "--penalizer", arg, &a->clv_options.penalizer) ||
        a->clv_options.penalizer < 0)
      return cli_usage_error("analyze", "--penalizer expects a number >= 0, got '%s'", arg), false;
    return true;
  case OPT_DB: a->db = arg; return true;
  case OPT_REVIEW_DAYS:
    if (!cli_parse_long("analyze", "--review-days", arg, 0, 100000, &v))
      return false;
    a->review_days = (int)v;
    return true;
  case OPT_VALIDATE_LOYALTY:
    if (patron_parse_day(arg, strlen(arg), &a->validate_loyalty_day) != PATRON_OK)
      return cli_usage_error("analyze", "--validate-loyalty expects a date YYYY-MM-DD, got '%s'",
                             arg),
             false;
    return true;
  case OPT_CHURN_MODEL: /* its features need the order lines */
    a->churn_model = arg;
    a->inputs.load.keep_lines = true;
    return true;
  default: return cli_usage_error("analyze", "unknown option"), false;
  }
}

static int run(int argc, char **argv) {
  cli_analysis a;
  cli_analysis_init(&a);
  int opt, rc = CLI_EXIT_USAGE;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':') {
      cli_bad_option("analyze", opt, argv, long_options);
      goto done;
    }
    int handled = cli_inputs_option(&a.inputs, "analyze", opt, optarg);
    if (handled == 0)
      handled = cli_tiers_option(&a.tiers, "analyze", opt, optarg);
    if (handled == 0)
      handled = cli_tags_option(&a.tags, "analyze", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a.output, opt);
    if (handled < 0 || (handled == 0 && !own_option(&a, opt, optarg)))
      goto done;
  }
  if (optind < argc) {
    cli_usage_error("analyze", "unexpected argument '%s'", argv[optind]);
    goto done;
  }
  if (!cli_inputs_ready(&a.inputs, "analyze") || !cli_tiers_ready(&a.tiers, "analyze"))
    goto done;
  if (a.spec_only && a.churn_model) {
    cli_usage_error("analyze", "--spec-only leaves out model columns: drop --churn-model");
    goto done;
  }
  if (a.spec_only && a.stages) {
    cli_usage_error("analyze", "--spec-only runs no model stage: drop --stages or --spec-only");
    goto done;
  }
  if (!a.out_dir) {
    cli_usage_error("analyze", "--out DIR is required");
    goto done;
  }
  if (a.mpi && a.stream) {
    cli_usage_error("analyze", "--mpi and --stream are two ways to run: give one");
    goto done;
  }
#ifdef PATRON_HAVE_MPI
  if (a.mpi)
    rc = cli_mpi_analysis("analyze", &a);
#else
  if (a.mpi)
    rc = cli_usage_error("analyze", "--mpi: this patron was built without MPI (install "
                                    "libopenmpi-dev and rebuild; docs/SCALE.md)");
#endif
  else
    rc = a.stream ? cli_stream_analysis("analyze", &a) : cli_run_analysis("analyze", &a);
done:
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_analyze = {"analyze", run, "score and segment every customer (main job)",
                                     usage};
