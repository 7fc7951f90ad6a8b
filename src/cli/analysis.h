/* The main job shared by `analyze` and `demo`: load -> profile -> outputs. */
#ifndef PATRON_CLI_ANALYSIS_H
#define PATRON_CLI_ANALYSIS_H

#include "cli_inputs.h"
#include "cli_tags.h"
#include "cli_outputs.h"
#include "cli_tiers.h"

typedef struct cli_analysis {
  cli_inputs inputs;
  patron_profile_options profile;
  patron_repurchase_options repurchase;
  cli_tiers tiers; /* clusters, value index, tiers, member levels */
  const char *out_dir;
  bool quiet; /* no report on stdout */
  bool clv;   /* append p_alive, exp_purchases_90d, clv_365d (--no-clv turns it off) */
  patron_clv_profile_options clv_options;
  bool spec_only;          /* --spec-only: the SPEC section 3 figures alone (no model columns) */
  const char *churn_model; /* --churn-model DIR: add its score column (NULL = none) */
  patron_output_options output; /* --excel, --csv-formula-guard */
  patron_tags_options tags;     /* --tag-window, --price-bands, --tags, --segments (SPEC 7) */
} cli_analysis;

void cli_analysis_init(cli_analysis *a);
/* Runs the job and writes profiles.csv, segments.csv, summary.json (and rejects.csv).
 * Returns the exit status. */
int cli_run_analysis(const char *command, cli_analysis *a);

#endif
