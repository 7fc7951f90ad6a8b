/* summary.json (SPEC section 4): what was read, what was rejected and why, the headline
 * figures of the run, its timings and warnings. Made with the JSON writer (json_int.h). */
#include "core/core_int.h"
#include "io/json_int.h"
#include "io/write_int.h"
#include "patron/output.h"
#include "patron/version.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[PATRON_FILE_KINDS] = {"orders", "customers", "events"};

static json_t *file_json(const patron_file_report *r, size_t *n_bad) {
  json_t *reasons = json_object();
  for (int k = 0; k < PATRON_REJECT_COUNT; k++)
    if (r->rejected_by_reason[k])
      json_object_set_new(reasons, patron_reject_key((patron_reject_reason)k),
                          json_integer((json_int_t)r->rejected_by_reason[k]));
  json_t *empty = json_object(); /* monitoring's empty_rate:FILE.COLUMN */
  for (size_t c = 0; c < r->n_columns; c++) {
    char *key = r->columns[c] && *r->columns[c]
                    ? patron__utf8_repair(r->columns[c], strlen(r->columns[c]), n_bad)
                    : NULL;
    if (key)
      json_object_set_new(empty, key, json_integer((json_int_t)r->empty_cells[c]));
    free(key);
  }
  return json_pack("{s:o, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:o}", "path",
                   patron__json_str(r->path, n_bad), "rows_read", (json_int_t)r->rows_read,
                   "rows_used", (json_int_t)r->rows_used, "rows_rejected",
                   (json_int_t)r->rows_rejected, "rejected_by_reason", reasons, "after_as_of",
                   (json_int_t)r->after_as_of, "blank_lines", (json_int_t)r->blank_lines,
                   "lines_read", (json_int_t)r->lines_read, "lines_in_quotes",
                   (json_int_t)r->lines_in_quotes, "empty_cells", empty);
}

static json_t *number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *money_json(patron_money v) {
  char tmp[32];
  patron_format_money(v, tmp);
  return json_real(strtod(tmp, NULL));
}

static json_t *day_json(int32_t day) {
  char text[16];
  if (day == PATRON_NO_DAY)
    return json_null();
  patron_format_day(day, text);
  return json_string(text);
}

static void add_stats(json_t *root, const patron_profile_stats *p) {
  patron_profile_stats s = *p;
  json_object_set_new(root, "customers", json_integer((json_int_t)s.customers));
  json_object_set_new(root, "purchasers", json_integer((json_int_t)s.purchasers));
  json_object_set_new(root, "revenue", money_json(s.revenue));
  json_object_set_new(root, "top20_revenue_share",
                      number_or_null(s.purchasers ? s.top20_revenue_share : NAN));
  json_object_set_new(root, "silent_share", number_or_null(s.purchasers ? s.silent_share : NAN));
}

static void add_figures(json_t *root, const patron_profile *profile) {
  patron_profile_stats s;
  patron_profile_stats_get(profile, &s);
  add_stats(root, &s);
}

patron_status patron_write_summary_json(const patron_dataset *ds, const patron_profile *profile,
                                        const patron_timing *timings, size_t n_timings,
                                        const char *path, patron_error *err) {
  patron_run run = {.timings = (patron_timing *)timings, .n_timings = n_timings};
  return patron_write_run_summary_json(ds, profile, &run, path, err);
}

static json_t *warnings_json(const patron_run *run) {
  json_t *warnings = json_array();
  for (size_t i = 0; i < run->n_warnings; i++)
    json_array_append_new(warnings, patron__json_str(run->warnings[i], NULL));
  return warnings;
}

/* Everything but the warnings; *n_bad counts text repaired into UTF-8. */
static json_t *summary_json(const patron_dataset *ds, const patron_profile *profile,
                            const patron_run *run, size_t *n_bad) {
  json_t *root = json_object(), *inputs = json_object(), *times = json_object();
  uint64_t after = 0;
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *r = patron_dataset_file_report(ds, (patron_file_kind)k);
    if (!r->present)
      continue;
    json_object_set_new(inputs, kind_names[k], file_json(r, n_bad));
    after += r->after_as_of;
  }
  for (size_t i = 0; i < run->n_timings; i++)
    json_object_set_new(times, run->timings[i].step, json_real(run->timings[i].seconds));
  json_object_set_new(root, "patron_version", json_string(PATRON_VERSION_STRING));
  json_object_set_new(
      root, "as_of",
      day_json(profile ? patron_profile_as_of(profile) : patron_dataset_default_as_of(ds)));
  json_object_set_new(root, "inputs", inputs);
  json_object_set_new(root, "after_as_of", json_integer((json_int_t)after));
  if (profile)
    add_figures(root, profile);
  json_object_set_new(root, "timings_seconds", times);
  return root;
}

patron_status patron_write_run_summary_json_to(const patron_dataset *ds,
                                               const patron_profile *profile, patron_run *run,
                                               patron_sink *sink, patron_error *err) {
  size_t n_bad = 0;
  json_t *root = summary_json(ds, profile, run, &n_bad);
  if (n_bad)
    patron_run_warn(run,
                    "summary.json: %zu invalid UTF-8 byte(s) in input file names were replaced "
                    "by U+FFFD",
                    n_bad);
  json_object_set_new(root, "warnings", warnings_json(run));
  for (size_t i = 0; i < run->n_sections; i++) {
    json_t *section = json_loads(run->section_json[i], 0, NULL);
    if (section)
      json_object_set_new(root, run->section_keys[i], section);
  }
  if (run->n_notes) {
    json_t *notes = json_array();
    for (size_t i = 0; i < run->n_notes; i++)
      json_array_append_new(notes, patron__json_str(run->notes[i], NULL));
    json_object_set_new(root, "notes", notes);
  }
  patron_status st = patron__json_write(root, 12, sink, err);
  json_decref(root);
  return st;
}

patron_status patron_write_run_summary_json(const patron_dataset *ds, const patron_profile *profile,
                                            patron_run *run, const char *path, patron_error *err) {
  patron_sink *s = NULL;
  patron_status st = patron_sink_file(path, NULL, &s, err);
  if (st == PATRON_OK &&
      (st = patron_write_run_summary_json_to(ds, profile, run, s, err)) != PATRON_OK)
    patron_sink_abort(s);
  else if (st == PATRON_OK)
    st = patron_sink_close(s, err);
  return st;
}

patron_status patron__write_orders_summary_json_to(const patron_file_report *orders, int32_t as_of,
                                                   const patron_profile_stats *stats,
                                                   const patron_run *run, patron_sink *sink,
                                                   patron_error *err) {
  size_t n_bad = 0;
  json_t *root = json_object(), *inputs = json_object(), *times = json_object();
  json_object_set_new(inputs, kind_names[PATRON_FILE_ORDERS], file_json(orders, &n_bad));
  for (size_t i = 0; i < run->n_timings; i++)
    json_object_set_new(times, run->timings[i].step, json_real(run->timings[i].seconds));
  json_object_set_new(root, "patron_version", json_string(PATRON_VERSION_STRING));
  json_object_set_new(root, "as_of", day_json(as_of));
  json_object_set_new(root, "inputs", inputs);
  json_object_set_new(root, "after_as_of", json_integer((json_int_t)orders->after_as_of));
  add_stats(root, stats);
  json_object_set_new(root, "timings_seconds", times);
  json_object_set_new(root, "warnings", warnings_json(run));
  patron_status st = patron__json_write(root, 12, sink, err);
  json_decref(root);
  return st;
}
