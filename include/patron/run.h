/* The run context: what every stage of a run shares (as-of date, threads, seed, progress,
 * cancellation) and what a run collects on the way (timings per step, warnings for stderr
 * and summary.json). One per run of `analyze`, a per-model command, a server request or a
 * trigger evaluation. See docs/ARCHITECTURE.md ("The pipeline"). */
#ifndef PATRON_RUN_H
#define PATRON_RUN_H

#include "patron/error.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Progress of a long step: stage is a short label, fraction in [0, 1]. */
typedef void (*patron_progress_fn)(void *ctx, const char *stage, double fraction);

typedef struct patron_timing {
  const char *step; /* not owned: a string literal (a stage name) */
  double seconds;
} patron_timing;

struct patron_pipeline_options; /* include/patron/pipeline.h */
struct patron_pipeline_results;

typedef struct patron_run {
  /* Set by the caller (patron_run_init gives the defaults). */
  int32_t as_of_day; /* PATRON_NO_DAY: patron_dataset_default_as_of */
  int n_threads;     /* 0: all online cores; results never depend on it */
  uint64_t seed;     /* every random choice of the run derives from it (default 0) */
  patron_progress_fn progress;
  void *progress_ctx;
  const atomic_bool *cancel; /* NULL, or a flag another thread may raise to stop the run */
  /* The pipeline's options and results while a pipeline runs (else NULL). */
  const struct patron_pipeline_options *options;
  struct patron_pipeline_results *results;
  /* Collected during the run: read them, free them with patron_run_free_contents. */
  patron_timing *timings;
  size_t n_timings, cap_timings;
  char **warnings; /* each a full sentence without the "warning:" prefix */
  size_t n_warnings, cap_warnings;
  /* Named JSON texts a stage reports for summary.json (e.g. "clv": the fitted models). */
  char **section_keys, **section_json;
  size_t n_sections, cap_sections;
  char **notes; /* for summary.json only (not printed): e.g. why a tag column is left out */
  size_t n_notes, cap_notes;
  struct {
    int64_t sec, nsec;
  } lap_start; /* private: start of the step being timed */
} patron_run;

/* Defaults: no as-of (the data decides), all cores, seed 0, no progress, no cancel; starts
 * the clock of the first step. */
PATRON_API void patron_run_init(patron_run *r);
/* Frees the timings and warnings (the run itself is the caller's). Accepts NULL. */
PATRON_API void patron_run_free_contents(patron_run *r);

/* Records the time since the previous lap (or init) as `step` (a string literal). Returns
 * PATRON_ERR_NOMEM when it cannot (the run still goes on correctly without it). */
PATRON_API patron_status patron_run_lap(patron_run *r, const char *step);
/* Adds a warning (printf-style); kept in order, duplicates kept. Out of memory drops it. */
PATRON_API void patron_run_warn(patron_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds a section to summary.json: key and a JSON text (both copied). Out of memory drops
 * it. */
PATRON_API void patron_run_add_section(patron_run *r, const char *key, const char *json_text);
/* Adds a note for summary.json's "notes" (printf-style; not printed). Out of memory drops it. */
PATRON_API void patron_run_note(patron_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reports progress when the run has a callback. */
PATRON_API void patron_run_progress(const patron_run *r, const char *stage, double fraction);
/* True when the caller raised the cancel flag; stages check it between steps. */
PATRON_API bool patron_run_cancelled(const patron_run *r);

#endif
