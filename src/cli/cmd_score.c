/* `patron score`: map-only CLV scoring of the streaming contract (docs/SCALE.md). */
#include "cli.h"
#include "patron/stream.h"

#include <getopt.h>
#include <stdlib.h>

static const char usage[] =
    "Usage: patron score --model model.json --as-of YYYY-MM-DD [--horizon-days N]\n"
    "                    < REDUCED > SCORES\n"
    "\n"
    "The map-only CLV scoring step of the streaming contract (docs/SCALE.md): reads any part\n"
    "of patron reduce's output and writes, for each customer with a purchase,\n"
    "  customer_id TAB frequency TAB recency TAB T TAB p_alive TAB exp_purchases\n"
    "(x, t_x, T of docs/CLV.md in the model's unit; expected purchases over the horizon).\n"
    "The model comes from `patron finalize --clv-fit` (or `patron clv fit`); --as-of is the\n"
    "as_of of finalize's summary.json (the calibration end is the day before).\n"
    "\n"
    "Options:\n"
    "  --model FILE         model.json (required)\n"
    "  --as-of YYYY-MM-DD   the run's as-of day (required)\n"
    "  --horizon-days N     the expected-purchases horizon (default 90)\n";

enum { OPT_MODEL = 1, OPT_AS_OF, OPT_HORIZON };

static int run(int argc, char **argv) {
  static const struct option long_options[] = {
      {"model", required_argument, NULL, OPT_MODEL},
      {"as-of", required_argument, NULL, OPT_AS_OF},
      {"horizon-days", required_argument, NULL, OPT_HORIZON},
      {NULL, 0, NULL, 0}};
  const char *model = NULL;
  int32_t as_of = PATRON_NO_DAY;
  long horizon = 90;
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("score", opt, argv, long_options);
    if (opt == OPT_MODEL)
      model = optarg;
    else if (opt == OPT_AS_OF && !cli_parse_day("score", "--as-of", optarg, &as_of))
      return CLI_EXIT_USAGE;
    else if (opt == OPT_HORIZON &&
             !cli_parse_long("score", "--horizon-days", optarg, 1, 36500, &horizon))
      return CLI_EXIT_USAGE;
  }
  if (!model || as_of == PATRON_NO_DAY || optind < argc)
    return cli_usage_error("score", "--model FILE and --as-of DAY are required (input on stdin)");
  patron_error err = {0};
  patron_clv_model *pm = NULL, *sm = NULL;
  double unit = 1;
  patron_status st = patron_clv_fit_read(model, &pm, &sm, &unit, &err);
  if (st == PATRON_OK)
    st = patron_stream_score(stdin, stdout, pm, unit, as_of - 1, (double)horizon, &err);
  patron_clv_model_free(pm);
  patron_clv_model_free(sm);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("score", &err);
}

const cli_command cli_cmd_score = {"score", run,
                                   "streaming map-only CLV scoring of reduced customers", usage};
