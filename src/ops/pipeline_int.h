/* Internals of the pipeline (ops/pipeline.c) for drivers that build the base profile
 * themselves (the MPI driver assembles it from every rank's rows, docs/SCALE.md). */
#ifndef PATRON_OPS_PIPELINE_INT_H
#define PATRON_OPS_PIPELINE_INT_H

#include "patron/pipeline.h"

/* Runs every enabled stage on out->profile (already built; the caller's profile becomes the
 * results', freed with them), timing each in run; run->as_of_day receives the profile's
 * date. Errors: those of the stages; PATRON_ERR_CANCELLED. */
patron_status patron__pipeline_run_stages(const patron_dataset *ds,
                                          const patron_pipeline_options *o, patron_run *run,
                                          patron_pipeline_results *out, patron_error *err);

#endif
