/* `patron finalize`: the last step of the streaming contract (SPEC 15, docs/SCALE.md). */
#include "cli_inputs.h"
#include "patron/stream.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron finalize --out DIR [OPTIONS] [FILE...]\n"
    "\n"
    "The last step of the streaming contract (docs/SCALE.md): reads every reducer's output\n"
    "(the FILEs, or stdin; concatenated in any order), merges their partial summaries and\n"
    "writes DIR/profiles.csv, segments.csv and summary.json, equal to those of\n"
    "`patron analyze --spec-only` on the same orders (summary.json apart from timings).\n"
    "\n"
    "Options:\n"
    "  --out DIR            output directory (created when missing; required)\n"
    "  --orders-path NAME   the input's name in summary.json (default -)\n"
    "  --as-of YYYY-MM-DD   as analyze (give map the same date)\n"
    "  --bins K, --threshold mean|median, --abc A,B, --new-days N, --active-days N,\n"
    "  --silent-days N, --dormant-days N   as analyze\n"
    "  --clv-fit FILE       also fit the CLV purchase model once on the reducers' merged\n"
    "                       (x, t_x, T) triples (calibration end: the as-of day - 1) and\n"
    "                       write it to FILE as `patron clv fit` writes model.json\n"
    "  --clv-model M        bgnbd (default, as patron clv fit), mbgnbd or paretonbd\n"
    "  --unit U             days (default) or weeks, for the CLV fit\n"
    "  --no-counters        no reporter:counter lines on stderr\n";

enum {
  OPT_OUT = 1,
  OPT_ORDERS_PATH,
  OPT_AS_OF,
  OPT_BINS,
  OPT_THRESHOLD,
  OPT_ABC,
  OPT_NEW,
  OPT_ACTIVE,
  OPT_SILENT,
  OPT_DORMANT,
  OPT_NO_COUNTERS,
  OPT_CLV_FIT,
  OPT_CLV_MODEL,
  OPT_UNIT
};

static const char *const day_flags[4] = {"--new-days", "--active-days", "--silent-days",
                                         "--dormant-days"};

static bool option(patron_profile_options *p, int opt, const char *arg) {
  long v;
  double a, b;
  char end;
  int *days[] = {&p->new_days, &p->active_days, &p->silent_days, &p->dormant_days};
  switch (opt) {
  case OPT_AS_OF: return cli_parse_day("finalize", "--as-of", arg, &p->as_of_day);
  case OPT_BINS: return cli_parse_long("finalize", "--bins", arg, 2, 9, &v) && (p->bins = (int)v);
  case OPT_THRESHOLD:
    if (strcmp(arg, "mean") && strcmp(arg, "median"))
      return cli_usage_error("finalize", "--threshold expects mean or median, got '%s'", arg),
             false;
    p->median_threshold = strcmp(arg, "median") == 0;
    return true;
  case OPT_ABC:
    if (sscanf(arg, "%lf,%lf%c", &a, &b, &end) != 2 || !(a > 0 && b >= 0 && a + b <= 100))
      return cli_usage_error("finalize", "--abc expects A,B in percent (e.g. 15,20), got '%s'",
                             arg),
             false;
    p->abc_a_pct = a, p->abc_b_pct = b;
    return true;
  default:
    if (!cli_parse_long("finalize", day_flags[opt - OPT_NEW], arg, 0, 100000, &v))
      return false;
    *days[opt - OPT_NEW] = (int)v;
    return true;
  }
}

static int finalize(const char *dir, char **files, int n, const patron_profile_options *p,
                    const char *orders_path, const patron_stream_clv *clv, bool counters) {
  FILE **in = calloc((size_t)(n ? n : 1), sizeof *in);
  int rc = CLI_EXIT_OK;
  if (!in)
    return fprintf(stderr, "patron finalize: out of memory\n"), CLI_EXIT_FAIL;
  for (int i = 0; i < n && rc == CLI_EXIT_OK; i++)
    if (!(in[i] = strcmp(files[i], "-") ? fopen(files[i], "rb") : stdin)) {
      fprintf(stderr, "patron finalize: cannot open %s\n", files[i]);
      rc = CLI_EXIT_FAIL;
    }
  if (!n)
    in[0] = stdin;
  patron_error err = {0};
  if (rc == CLI_EXIT_OK && !cli_make_dir("finalize", dir))
    rc = CLI_EXIT_FAIL;
  else if (rc == CLI_EXIT_OK &&
           patron_stream_finalize(in, (size_t)(n ? n : 1), dir, p, orders_path, clv,
                                  counters ? stderr : NULL, &err) != PATRON_OK)
    rc = cli_fail("finalize", &err);
  for (int i = 0; i < n; i++)
    if (in[i] && in[i] != stdin)
      fclose(in[i]);
  free(in);
  return rc;
}

static int run(int argc, char **argv) {
  static const struct option long_options[] = {
      {"out", required_argument, NULL, OPT_OUT},
      {"orders-path", required_argument, NULL, OPT_ORDERS_PATH},
      {"as-of", required_argument, NULL, OPT_AS_OF},
      {"bins", required_argument, NULL, OPT_BINS},
      {"threshold", required_argument, NULL, OPT_THRESHOLD},
      {"abc", required_argument, NULL, OPT_ABC},
      {"new-days", required_argument, NULL, OPT_NEW},
      {"active-days", required_argument, NULL, OPT_ACTIVE},
      {"silent-days", required_argument, NULL, OPT_SILENT},
      {"dormant-days", required_argument, NULL, OPT_DORMANT},
      {"no-counters", no_argument, NULL, OPT_NO_COUNTERS},
      {"clv-fit", required_argument, NULL, OPT_CLV_FIT},
      {"clv-model", required_argument, NULL, OPT_CLV_MODEL},
      {"unit", required_argument, NULL, OPT_UNIT},
      {NULL, 0, NULL, 0}};
  patron_profile_options p;
  patron_profile_options_init(&p);
  const char *dir = NULL, *orders_path = "-";
  bool counters = true;
  patron_stream_clv clv = {NULL, PATRON_CLV_BGNBD, 1};
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("finalize", opt, argv, long_options);
    if (opt == OPT_OUT)
      dir = optarg;
    else if (opt == OPT_ORDERS_PATH)
      orders_path = optarg;
    else if (opt == OPT_NO_COUNTERS)
      counters = false;
    else if (opt == OPT_CLV_FIT)
      clv.model_path = optarg;
    else if (opt == OPT_CLV_MODEL) {
      if (!patron_clv_kind_parse(optarg, &clv.kind) || clv.kind == PATRON_CLV_GAMMAGAMMA ||
          clv.kind == PATRON_CLV_BGBB)
        return cli_usage_error("finalize", "--clv-model expects bgnbd, mbgnbd or paretonbd");
    } else if (opt == OPT_UNIT) {
      if (strcmp(optarg, "days") && strcmp(optarg, "weeks"))
        return cli_usage_error("finalize", "--unit expects days or weeks, got '%s'", optarg);
      clv.unit_days = strcmp(optarg, "weeks") == 0 ? 7 : 1;
    } else if (!option(&p, opt, optarg))
      return CLI_EXIT_USAGE;
  }
  if (!dir)
    return cli_usage_error("finalize", "--out DIR is required");
  if (!(1 <= p.active_days && p.active_days <= p.silent_days && p.silent_days <= p.dormant_days))
    return cli_usage_error("finalize",
                           "lifecycle windows must satisfy 1 <= active <= silent <= dormant");
  return finalize(dir, argv + optind, argc - optind, &p, orders_path, clv.model_path ? &clv : NULL,
                  counters);
}

const cli_command cli_cmd_finalize = {
    "finalize", run, "streaming last step: reducers' output to profiles, segments, summary", usage};
