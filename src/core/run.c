/* The run context (include/patron/run.h): timings, warnings, progress and cancellation
 * shared by the stages of one run. */
#include "core/core_int.h"
#include "core/run_int.h"
#include "patron/run.h"
#include "patron/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void clock_now(patron_run *r) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  r->lap_start.sec = t.tv_sec;
  r->lap_start.nsec = t.tv_nsec;
}

void patron_run_init(patron_run *r) {
  *r = (patron_run){.as_of_day = PATRON_NO_DAY};
  clock_now(r);
}

void patron_run_free_contents(patron_run *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n_warnings; i++)
    free(r->warnings[i]);
  free(r->warnings);
  for (size_t i = 0; i < r->n_notes; i++)
    free(r->notes[i]);
  free(r->notes);
  r->notes = NULL;
  r->n_notes = r->cap_notes = 0;
  free(r->timings);
  for (size_t i = 0; i < r->n_sections; i++)
    free(r->section_keys[i]), free(r->section_json[i]);
  free(r->section_keys), free(r->section_json);
  r->section_keys = r->section_json = NULL;
  r->n_sections = r->cap_sections = 0;
  r->warnings = NULL;
  r->timings = NULL;
  r->n_warnings = r->cap_warnings = r->n_timings = r->cap_timings = 0;
}

patron_status patron_run_lap(patron_run *r, const char *step) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  double seconds =
      (double)(t.tv_sec - r->lap_start.sec) + (double)(t.tv_nsec - r->lap_start.nsec) * 1e-9;
  clock_now(r);
  if (!patron__reserve((void **)&r->timings, &r->cap_timings, r->n_timings + 1, sizeof *r->timings))
    return PATRON_ERR_NOMEM;
  r->timings[r->n_timings++] = (patron_timing){step, seconds};
  return PATRON_OK;
}

void patron_run_warn(patron_run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = NULL;
  int n = vasprintf(&text, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if (!patron__reserve((void **)&r->warnings, &r->cap_warnings, r->n_warnings + 1,
                       sizeof *r->warnings)) {
    free(text);
    return;
  }
  r->warnings[r->n_warnings++] = text;
}

void patron_run_add_section(patron_run *r, const char *key, const char *json_text) {
  size_t cap = r->cap_sections;
  char *k = strdup(key), *j = strdup(json_text);
  bool ok = k && j &&
            patron__reserve((void **)&r->section_keys, &cap, r->n_sections + 1,
                            sizeof *r->section_keys) &&
            patron__reserve((void **)&r->section_json, &r->cap_sections, r->n_sections + 1,
                            sizeof *r->section_json);
  if (!ok) {
    free(k), free(j);
    return;
  }
  r->section_keys[r->n_sections] = k;
  r->section_json[r->n_sections++] = j;
}

void patron_run_note(patron_run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = NULL;
  int n = vasprintf(&text, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if (!patron__reserve((void **)&r->notes, &r->cap_notes, r->n_notes + 1, sizeof *r->notes)) {
    free(text);
    return;
  }
  r->notes[r->n_notes++] = text;
}

void patron_run_progress(const patron_run *r, const char *stage, double fraction) {
  if (r->progress)
    r->progress(r->progress_ctx, stage, fraction);
}

bool patron_run_cancelled(const patron_run *r) {
  return r->cancel && atomic_load_explicit(r->cancel, memory_order_relaxed);
}

void patron__run_fork(const patron_run *r, patron_run *lane, patron__run_mark *mark) {
  patron_run_init(lane);
  lane->as_of_day = r->as_of_day, lane->n_threads = r->n_threads, lane->seed = r->seed;
  lane->cancel = r->cancel, lane->options = r->options, lane->results = r->results;
  *mark = (patron__run_mark){r->n_timings, r->n_warnings, r->n_sections, r->n_notes};
}

/* Inserts the n items of `add` (each `size` bytes) into the array *items of *n items at
 * position at; false (nothing inserted) when out of memory. */
static bool insert_at(void **items, size_t *n, size_t *cap, size_t at, const void *add,
                      size_t n_add, size_t size) {
  if (!n_add)
    return true;
  if (!patron__reserve(items, cap, *n + n_add, size))
    return false;
  unsigned char *base = *items;
  memmove(base + (at + n_add) * size, base + at * size, (*n - at) * size);
  memcpy(base + at * size, add, n_add * size);
  *n += n_add;
  return true;
}

/* Frees the strings of a list the join could not take. */
static void free_strings(char **s, size_t n, bool taken) {
  for (size_t i = 0; !taken && i < n; i++)
    free(s[i]);
}

void patron__run_join(patron_run *r, patron_run *lane, const patron__run_mark *mark) {
  insert_at((void **)&r->timings, &r->n_timings, &r->cap_timings, mark->n_timings, lane->timings,
            lane->n_timings, sizeof *r->timings);
  free_strings(lane->warnings, lane->n_warnings,
               insert_at((void **)&r->warnings, &r->n_warnings, &r->cap_warnings, mark->n_warnings,
                         lane->warnings, lane->n_warnings, sizeof *r->warnings));
  free_strings(lane->notes, lane->n_notes,
               insert_at((void **)&r->notes, &r->n_notes, &r->cap_notes, mark->n_notes, lane->notes,
                         lane->n_notes, sizeof *r->notes));
  size_t n = r->n_sections, cap = r->cap_sections, need = n + lane->n_sections;
  bool room =
      patron__reserve((void **)&r->section_keys, &cap, need, sizeof *r->section_keys) &&
      patron__reserve((void **)&r->section_json, &r->cap_sections, need, sizeof *r->section_json);
  if (room) { /* both reserved: neither insertion can fail */
    insert_at((void **)&r->section_keys, &n, &cap, mark->n_sections, lane->section_keys,
              lane->n_sections, sizeof *r->section_keys);
    insert_at((void **)&r->section_json, &r->n_sections, &r->cap_sections, mark->n_sections,
              lane->section_json, lane->n_sections, sizeof *r->section_json);
  }
  free_strings(lane->section_keys, lane->n_sections, room);
  free_strings(lane->section_json, lane->n_sections, room);
  lane->n_timings = lane->n_warnings = lane->n_notes = lane->n_sections = 0;
  clock_now(r);
}
