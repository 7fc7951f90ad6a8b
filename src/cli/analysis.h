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
  bool mpi;   /* --mpi: run as one rank of an MPI job (docs/SCALE.md) */
  bool clv;   /* append p_alive, exp_purchases_90d, clv_365d (--no-clv turns it off) */
  patron_clv_profile_options clv_options;
  const char *stages;      /* --stages LIST: only these model stages (NULL: all) */
  char stages_only[256];   /* the pipeline's `only`: LIST and segment_report (segments.csv) */
  bool spec_only;          /* --spec-only: the SPEC section 3 figures alone (no model columns) */
  bool stream;             /* --stream: --spec-only in one pass over the orders (cli_stream.c) */
  const char *churn_model; /* --churn-model DIR: add its score column (NULL = none) */
  const char *db;          /* --db FILE: record a snapshot in the store (NULL = none) */
  int32_t validate_loyalty_day; /* --validate-loyalty D, or PATRON_NO_DAY */
  int review_days;              /* level_warning's next review, in days (with --db; default 30) */
  patron_output_options output; /* --excel, --csv-formula-guard */
  patron_tags_options tags;     /* --tag-window, --price-bands, --tags, --segments (SPEC 7) */
} cli_analysis;

void cli_analysis_init(cli_analysis *a);

/* A computed run: the dataset, the run context and the pipeline's results (the profile with
 * every stage's columns, the segment report). */
typedef struct cli_run {
  patron_dataset *ds;
  patron_run run;
  patron_pipeline_results r;
  int load_rc; /* exit status of a failed load (already reported), else CLI_EXIT_OK */
} cli_run;

/* Loads the inputs and runs the pipeline in memory, writing nothing (used by `analyze`,
 * `report` and `serve`). Free with cli_run_free, also after a failure. */
patron_status cli_analysis_compute(const char *command, cli_analysis *a, cli_run *s,
                                   patron_error *err);
void cli_run_free(cli_run *s);
/* The library pipeline's options from analyze's flags. */
void cli_analysis_pipeline_options(const cli_analysis *a, patron_pipeline_options *o);
/* Writes a computed run's files into a->out_dir (and its snapshot into store unless NULL)
 * and prints the report unless a->quiet. */
patron_status cli_analysis_output(const char *command, const cli_analysis *a, cli_run *s,
                                  patron_store *store, patron_error *err);
/* Runs the job and writes profiles.csv, segments.csv, summary.json (and rejects.csv).
 * Returns the exit status. */
int cli_run_analysis(const char *command, cli_analysis *a);
/* The same as one rank of an MPI job (cli/mpi/cli_mpi.c; only in MPI builds): initialises
 * and finalises MPI; rank 0 writes the files. Returns the exit status (every rank's). */
int cli_mpi_analysis(const char *command, cli_analysis *a);
/* The same for --stream (patron_stream_analyze; orders only). */
int cli_stream_analysis(const char *command, cli_analysis *a);

#endif
