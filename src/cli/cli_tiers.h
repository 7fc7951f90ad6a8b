/* Options shared by `analyze` and `cluster`: k-means clusters of profiles (--k, --k-range,
 * --features, --n-init, --max-iter, --tol, --seed, --silhouette-sample) and value tiers
 * (--index, --weights, --tiers, --levels), and their notes in analyze's report. */
#ifndef PATRON_CLI_TIERS_H
#define PATRON_CLI_TIERS_H

#include "cli.h"

#include <getopt.h>
#include <stdio.h>

enum {
  CLI_OPT_K = 1100, /* after the shared inputs and any command's own options */
  CLI_OPT_K_RANGE,
  CLI_OPT_FEATURES,
  CLI_OPT_N_INIT,
  CLI_OPT_MAX_ITER,
  CLI_OPT_TOL,
  CLI_OPT_SEED,
  CLI_OPT_SIL_SAMPLE,
  CLI_OPT_INDEX,
  CLI_OPT_WEIGHTS,
  CLI_OPT_TIERS,
  CLI_OPT_LEVELS
};

/* clang-format off */
#define CLI_CLUSTER_LONG_OPTIONS                                                                   \
  {"k", required_argument, NULL, CLI_OPT_K},                                                       \
  {"k-range", required_argument, NULL, CLI_OPT_K_RANGE},                                           \
  {"features", required_argument, NULL, CLI_OPT_FEATURES},                                         \
  {"n-init", required_argument, NULL, CLI_OPT_N_INIT},                                             \
  {"max-iter", required_argument, NULL, CLI_OPT_MAX_ITER},                                         \
  {"tol", required_argument, NULL, CLI_OPT_TOL},                                                   \
  {"seed", required_argument, NULL, CLI_OPT_SEED},                                                 \
  {"silhouette-sample", required_argument, NULL, CLI_OPT_SIL_SAMPLE}

#define CLI_VALUE_LONG_OPTIONS                                                                     \
  {"index", required_argument, NULL, CLI_OPT_INDEX},                                               \
  {"weights", required_argument, NULL, CLI_OPT_WEIGHTS},                                           \
  {"tiers", required_argument, NULL, CLI_OPT_TIERS},                                               \
  {"levels", required_argument, NULL, CLI_OPT_LEVELS}
/* clang-format on */

/* Usage text; K_DEFAULT and N_INIT_DEFAULT differ between analyze and cluster. */
#define CLI_CLUSTER_USAGE(K_DEFAULT, N_INIT_DEFAULT)                                               \
  "Clusters (k-means on the customers with a purchase; see docs/TIERS.md):\n"                      \
  "  --k N|auto           clusters, or auto: the k of best silhouette (default " K_DEFAULT ")\n"   \
  "  --k-range A..B       the k tried by --k auto (default 2..10)\n"                               \
  "  --features LIST      profile columns, bare or log1p(NAME), comma-separated (default\n"        \
  "                       log1p(recency_days),log1p(frequency),log1p(monetary)); standardized\n"   \
  "  --n-init N           k-means++ restarts, the best is kept (default " N_INIT_DEFAULT ")\n"     \
  "  --max-iter N         iterations per restart (default 300)\n"                                  \
  "  --tol X              convergence tolerance (default 1e-4)\n"                                  \
  "  --seed S             random seed (default 0; results are the same for a seed)\n"              \
  "  --silhouette-sample N  rows for the silhouette (default 10000; 0 = all)\n"

#define CLI_VALUE_USAGE                                                                            \
  "Value index, tiers and member levels (see docs/TIERS.md):\n"                                    \
  "  --index M            rank (default: percentile ranks), minmax-log, or formula-v1\n"           \
  "                       (0.4 ln(R+1) + 0.3 F + 0.3 exp(M/1000), as written, capped)\n"           \
  "  --weights R,F,M      weights of recency, frequency, monetary (default 0.4,0.3,0.3;\n"         \
  "                       also r=..,f=..,m=..; normalized to sum 1)\n"                             \
  "  --tiers KEY=V,...    tier thresholds: high_top=20, high_spend=5000, high_repurchase=40,\n"    \
  "                       potential_from=20, potential_to=70, cart_days=30, cart_event=cart,\n"    \
  "                       maintain_bottom=10, idle_days=180, min_purchases=2, window_days=365\n"   \
  "  --levels N,S,G,D     member level spend thresholds (default 0,1000,5000,20000)\n"

typedef struct cli_tiers {
  patron_cluster_options cluster;
  patron_value_tiers_options value;
  bool weights_given;
} cli_tiers;

/* analyze: k = 5, n_init = 3, fewer clusters when the data has fewer distinct customers;
 * cluster: k auto, n_init = 10, scores for a fixed k. */
void cli_tiers_init(cli_tiers *t, bool for_analyze);
/* Handles one of the options above: 1 handled, 0 not ours, -1 usage error (printed). */
int cli_tiers_option(cli_tiers *t, const char *command, int opt, const char *arg);
/* Checks combinations (--weights with formula-v1); prints a usage error when bad. */
bool cli_tiers_ready(const cli_tiers *t, const char *command);

/* Notes for the report (clusters made, why nobody can be potential) from the pipeline's
 * cluster and tiers stages. */
void cli_tiers_print(FILE *out, const cli_tiers *t, const patron_pipeline_results *r);

#endif
