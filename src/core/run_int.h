/* Internals of the run context (core/run.c) for stages that run beside others
 * (src/ops/pipeline.c): a lane collects its timings, warnings, sections and notes in a run
 * of its own, which joins the main run's lists where they stood when the lane began, so
 * the lists keep the stage table's order whatever the order the lanes finish in. */
#ifndef PATRON_CORE_RUN_INT_H
#define PATRON_CORE_RUN_INT_H

#include "patron/run.h"

/* The positions of r's lists when a lane forks from it. */
typedef struct patron__run_mark {
  size_t n_timings, n_warnings, n_sections, n_notes;
} patron__run_mark;

/* A lane of r: r's settings (as-of, threads, seed, cancel flag, pipeline options and
 * results; no progress callback), empty lists, its clock started; *mark: r's positions. */
void patron__run_fork(const patron_run *r, patron_run *lane, patron__run_mark *mark);
/* Moves the lane's lists into r's at the marked positions (the lane is left empty, to be
 * freed with patron_run_free_contents) and restarts r's clock. Out of memory drops the
 * lane's items (as patron_run_warn does). */
void patron__run_join(patron_run *r, patron_run *lane, const patron__run_mark *mark);

#endif
