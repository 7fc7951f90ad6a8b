/* The pipeline's stage functions (src/ops/pipeline.c lists them in its table). Each reads
 * its options in run->options and leaves anything besides columns in run->results. */
#ifndef PATRON_OPS_STAGES_H
#define PATRON_OPS_STAGES_H

#include "patron/pipeline.h"

/* The MPI backend's given columns (pipeline.c, patron_pipeline_options.given): is stage
 * `name` given in this run, and the copy of its columns into the profile. */
/* The activity of the tiers (patron_activity's spend and purchases) as given columns. */
#define PATRON__ACTIVITY_SPEND     "activity_spend"
#define PATRON__ACTIVITY_PURCHASES "activity_purchases"
#define PATRON__ACTIVITY_CART      "activity_cart" /* only when some rank has cart events */
bool patron__stage_is_given(const patron_run *run, const char *name);
patron_status patron__stage_given(patron_profile *p, const patron_run *run, const char *name,
                                  patron_error *err);
/* The given column named `column` (for a stage whose columns depend on its inputs). */
patron_status patron__stage_given_column(patron_profile *p, const patron_run *run,
                                         const char *column, patron_error *err);
/* The churn stage's column: the model in `dir` scored on p's customers of ds; rc: the
 * global counts of an MPI run's ranks, which call it on their own customers (NULL in one
 * process; src/models/churn/features_int.h). */
typedef struct patron__rank_counter patron__rank_counter;
patron_status patron__churn_column(const char *dir, const patron_dataset *ds, patron_profile *p,
                                   const patron__rank_counter *rc, patron_error *err);

patron_status patron__stage_segment(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err);
patron_status patron__stage_clv(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                patron_error *err);
patron_status patron__stage_repurchase(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                       patron_error *err);
patron_status patron__stage_churn(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err);
patron_status patron__stage_cluster(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err);
patron_status patron__stage_tiers(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err);
patron_status patron__stage_tags(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                 patron_error *err);
patron_status patron__stage_relationship(patron_profile *p, const patron_dataset *ds,
                                         patron_run *run, patron_error *err);
patron_status patron__stage_loyalty(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err);
patron_status patron__stage_loyalty_validation(patron_profile *p, const patron_dataset *ds,
                                               patron_run *run, patron_error *err);
patron_status patron__stage_rules(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err);
patron_status patron__stage_level_warning(patron_profile *p, const patron_dataset *ds,
                                          patron_run *run, patron_error *err);
patron_status patron__stage_segment_report(patron_profile *p, const patron_dataset *ds,
                                           patron_run *run, patron_error *err);

/* --validate-loyalty's rows of p's customers as hidden columns (the MPI ranks'; rank 0's
 * loyalty_validation stage takes them from the given table). */
patron_status patron__loyalty_validation_columns(patron_profile *p, const patron_dataset *ds,
                                                 int32_t day, patron_error *err);

#endif
