/* patron propensity: who will buy in the next H days (label: at least one purchase in
 * [C, C + H)); the same machinery as patron churn (cmd_churn.c). */
#include "cmd_churn.h"

static const char usage[] =
    "Usage: patron propensity train --orders FILE [--events FILE] [--customers FILE]\n"
    "                               --cutoff YYYY-MM-DD [--horizon 90d] --out DIR [OPTIONS]\n"
    "       patron propensity score --model DIR --orders FILE [...] [--as-of YYYY-MM-DD]\n"
    "                               --out FILE\n\n"
    "Purchase propensity: the probability that a customer buys at least once in the H days\n"
    "from a date. Every customer known before the cut-off is a row (members and browsers\n"
    "without a purchase too). Options as for 'patron churn' (see 'patron churn --help');\n"
    "scores are written as customer_id,purchase_propensity,propensity_decile (decile 1 =\n"
    "the 10% most likely buyers).\n";

static int run(int argc, char **argv) {
  return cli_churn_main("propensity", PATRON_TASK_PROPENSITY, argc, argv);
}

const cli_command cli_cmd_propensity = {"propensity", run, "train/score who buys in the next weeks",
                                        usage};
