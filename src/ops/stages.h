/* The pipeline's stage functions (src/ops/pipeline.c lists them in its table). Each reads
 * its options in run->options and leaves anything besides columns in run->results. */
#ifndef PATRON_OPS_STAGES_H
#define PATRON_OPS_STAGES_H

#include "patron/pipeline.h"

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

#endif
