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

/* The same for the stages from stage `from` (NULL: the first; the profile's date is then
 * taken) up to stage `to` excluded (NULL: to the end): a driver that computes something
 * between two stages (the MPI ranks' rule files) runs the table in two parts. */
patron_status patron__pipeline_run_part(const patron_dataset *ds, const patron_pipeline_options *o,
                                        patron_run *run, patron_pipeline_results *out,
                                        const char *from, const char *to, patron_error *err);

#endif
