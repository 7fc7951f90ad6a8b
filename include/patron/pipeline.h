/* The pipeline: the run of `analyze` (and of every per-model command, the server and the
 * trigger engine) as a table of stages over one profile. The base profile (rows and base
 * figures) is built as of the run's date, then each enabled stage appends its columns in
 * table order (first the SPEC segmentations, last the segment report). Adding a stage is one table
 * entry in src/ops/pipeline.c plus one function (docs/ARCHITECTURE.md, "Adding a stage"). */
#ifndef PATRON_PIPELINE_H
#define PATRON_PIPELINE_H

#include "patron/clv.h"
#include "patron/dataset.h"
#include "patron/output.h"
#include "patron/profile.h"
#include "patron/repurchase.h"
#include "patron/run.h"
#include "patron/tags.h"
#include "patron/sink.h"
#include "patron/tiers.h"

typedef struct patron_pipeline_options {
  patron_profile_options profile; /* as_of_day: the run's when it names one */
  bool spec_only;                 /* only the SPEC section 3 figures (no model stage) */
  bool clv;                       /* the clv stage (default true) */
  patron_clv_profile_options clv_options;
  patron_repurchase_options repurchase;
  const char *churn_model_dir; /* the churn stage: a model directory, or NULL (no stage) */
  patron_cluster_options cluster;
  patron_value_tiers_options value;
  const char *only;   /* NULL: every enabled stage; else comma-separated stage names (the
                         profile's own stages, such as segment, always run) */
  bool level_warning; /* the level_warning stage (SPEC 10: with --db; needs member_level) */
  int review_days;    /* level_warning's next review date, in days from as-of (30) */
  int32_t validate_loyalty_day; /* --validate-loyalty D (SPEC 17), or PATRON_NO_DAY */
  patron_tags_options tags;     /* built-in tags and --tags / --segments rule files (SPEC 7) */
  /* Columns computed elsewhere (the MPI backend's ranks, docs/SCALE.md section 9): a stage
   * named in given_stages (comma-separated) copies the columns of `given` (rows in the
   * profile's order) that it adds instead of running (the rules stage: its values, from
   * which it makes its columns); NULL in every other run. */
  const char *given_stages;
  const patron_table *given;
} patron_pipeline_options;

/* What a run leaves besides the profile's columns. */
typedef struct patron_pipeline_results {
  patron_profile *profile;
  patron_segment_row *segments; /* the segment report, in column and label order */
  size_t n_segments;
  patron_clustering *clustering; /* the cluster stage's clustering, or NULL */
  patron_value_tiers_info value; /* the tiers stage's counts (when value_done) */
  bool value_done;
  char clv_note[512];    /* non-empty when the data could not support the CLV columns: why */
  patron_tagset *tagset; /* owns what the tag columns point to (freed after the profile) */
  patron_clv_model *clv_purchases, *clv_spend; /* the clv stage's fitted models, or NULL */
} patron_pipeline_results;

/* Defaults of `patron analyze`: every model stage, k = 5 clusters (fewer when the data has
 * fewer distinct customers) with 3 restarts. */
PATRON_API void patron_pipeline_options_init(patron_pipeline_options *o);

/* Builds the profile of ds as of the run's date (run->as_of_day, else o->profile's, else
 * patron_dataset_default_as_of; run->as_of_day receives the date used) and runs every
 * enabled stage, timing each in run. On failure *out holds what was made (free it).
 * Errors: those of the profile and the stages; PATRON_ERR_CANCELLED when the run's cancel
 * flag was raised; PATRON_ERR_USAGE for an unknown name in o->only. */
PATRON_API patron_status patron_pipeline_run(const patron_dataset *ds,
                                             const patron_pipeline_options *o, patron_run *run,
                                             patron_pipeline_results *out, patron_error *err);
/* Frees the profile, segments and clustering. Accepts NULL. */
PATRON_API void patron_pipeline_results_free(patron_pipeline_results *r);

/* One stage: appends columns to p's table (rows -> dataset customers,
 * patron_profile_customers), reading its options in run->options and leaving anything
 * else in run->results. */
typedef patron_status (*patron_stage_fn)(patron_profile *p, const patron_dataset *ds,
                                         patron_run *run, patron_error *err);

typedef struct patron_stage {
  const char *name;  /* also its timing key in summary.json */
  const char *needs; /* for people: when it runs and which columns it reads and adds */
  bool (*enabled)(const patron_pipeline_options *o);
  patron_stage_fn run;
  bool profile; /* part of every profile: runs whatever options.only names */
  /* Comma-separated columns the stage may add, and columns of other stages it reads; NULL
   * adds for a stage whose columns depend on its inputs (rules, churn). */
  const char *adds, *reads;
} patron_stage;

/* The stage table, in run order. */
PATRON_API const patron_stage *patron_pipeline_stages(size_t *n);

/* The `only` list (options.only) of the stages that add any of the columns `names` (and
 * of the stages those read, in turn), so that a run computes just what expressions over
 * these names need: *only is malloc'd (free it), "" when no stage is needed, NULL (every
 * stage) when an enabled stage's columns are not known in advance. Names no stage adds
 * (base figures, member columns, unknown ones) need no stage. */
PATRON_API patron_status patron_pipeline_only_for(const patron_pipeline_options *o,
                                                  const char *const *names, size_t n_names,
                                                  char **only, patron_error *err);

/* The files of `patron analyze --out DIR` (SPEC section 4): profiles.csv, segments.csv,
 * rejects.csv (removed when nothing was rejected: a stale one would mislead) and
 * summary.json (with the run's timings, "write" included, and warnings). Every file is
 * written under a temporary name and renamed once all are complete. o: output options
 * (NULL: plain CSV). Errors: PATRON_ERR_USAGE when an output would overwrite an input
 * file, PATRON_ERR_LIMIT for a path too long, PATRON_ERR_IO. */
PATRON_API patron_status patron_pipeline_write(const char *dir, const patron_output_options *o,
                                               const patron_dataset *ds,
                                               const patron_pipeline_results *r, patron_run *run,
                                               patron_error *err);

#endif
