/* Outputs of a run (SPEC section 4): profiles.csv (any table), segments.csv, rejects.csv,
 * summary.json. Writers are generic over the profile table's columns. */
#ifndef PATRON_OUTPUT_H
#define PATRON_OUTPUT_H

#include "patron/dataset.h"
#include "patron/profile.h"
#include "patron/run.h"
#include "patron/sink.h"
#include "patron/table.h"

/* Writes every column of t as CSV (header + one line per row). Amounts with 2 decimals,
 * dates YYYY-MM-DD, empty cells for "none", RFC 4180 quoting where needed. */
PATRON_API patron_status patron_write_table_csv(const patron_table *t, const char *path,
                                                patron_error *err);
/* The same with output options (o NULL: defaults): --excel's byte-order mark, the guard. */
PATRON_API patron_status patron_write_table_csv_as(const patron_table *t, const char *path,
                                                   const patron_output_options *o,
                                                   patron_error *err);

/* One row of the segment report. Averages are NaN when the segment has no such values. */
typedef struct patron_segment_row {
  const char *segmentation, *segment, *segment_alt; /* alt: e.g. the Chinese name, or NULL */
  size_t customers;
  double customer_share;
  patron_money revenue;
  double revenue_share;
  double avg_recency_days, avg_frequency, avg_monetary;
} patron_segment_row;

/* Rows for every label of every segmentation column, in column and label order.
 * *rows is malloc'ed: free() it. */
PATRON_API patron_status patron_segment_report(const patron_table *t, patron_segment_row **rows,
                                               size_t *n_rows, patron_error *err);
PATRON_API patron_status patron_write_segments_csv(const patron_segment_row *rows, size_t n_rows,
                                                   const char *path, patron_error *err);

/* rejects.csv: file,line,column,reason,raw for every rejected row. */
PATRON_API patron_status patron_write_rejects_csv(const patron_dataset *ds, const char *path,
                                                  patron_error *err);

/* summary.json: as_of, inputs with rows read/used/rejected by reason, after_as_of,
 * customers, purchasers, revenue, top-20% revenue share, silent share, timings. With
 * profile NULL (commands that build no profile): as_of, inputs, after_as_of, timings. */
PATRON_API patron_status patron_write_summary_json(const patron_dataset *ds,
                                                   const patron_profile *profile,
                                                   const patron_timing *timings, size_t n_timings,
                                                   const char *path, patron_error *err);
/* The same with the run's timings and its warnings (a "warnings" array of sentences).
 * Text that is not valid UTF-8 (a file name) is repaired (U+FFFD) and a warning added to
 * the run. */
PATRON_API patron_status patron_write_run_summary_json(const patron_dataset *ds,
                                                       const patron_profile *profile,
                                                       patron_run *run, const char *path,
                                                       patron_error *err);

/* Writes tables[i] as DIR/names[i] (CSV) for i < n, each under a temporary name, all
 * renamed into place once every one is complete. A NULL table removes a stale DIR/names[i]
 * of an earlier run. inputs (may be NULL): outputs that would overwrite one of its files
 * are refused (PATRON_ERR_USAGE). Errors: PATRON_ERR_LIMIT (path too long), PATRON_ERR_IO. */
PATRON_API patron_status patron_write_tables_csv(const char *dir, const char *const *names,
                                                 const patron_table *const *tables, size_t n,
                                                 const patron_output_options *o,
                                                 const patron_dataset *inputs, patron_error *err);

/* One file of a set written together: a table (as CSV), bytes (e.g. JSON text), or a
 * writer called when the file's turn comes (files are written in order) to write the whole
 * file into s, e.g. a summary that times the files before it; none of the three (all NULL)
 * removes a stale file of that name. */
typedef struct patron_output_file {
  const char *name;
  const patron_table *table;
  const char *text;
  size_t len;
  patron_status (*write)(void *ctx, patron_sink *s, patron_error *err);
  void *ctx; /* write's */
} patron_output_file;
/* patron_write_tables_csv for a mix of tables and texts. */
PATRON_API patron_status patron_write_files(const char *dir, const patron_output_file *files,
                                            size_t n, const patron_output_options *o,
                                            const patron_dataset *inputs, patron_error *err);

/* A JSON string literal of s (quoted, escaped) that is always valid UTF-8: each invalid
 * byte becomes U+FFFD, counted in *n_bad (may be NULL). malloc'ed (free()); NULL when out
 * of memory. For callers that format JSON by hand; the library's own JSON goes through
 * the same writer. */
PATRON_API char *patron_json_quote(const char *s, size_t *n_bad);

/* ---- The same writers into a sink (include/patron/sink.h: atomic file, memory, callback),
 * honouring its output options (byte-order mark, formula guard). Path versions above
 * write an atomic file with default options. */
PATRON_API patron_status patron_write_table_csv_to(const patron_table *t, patron_sink *s,
                                                   patron_error *err);
PATRON_API patron_status patron_write_segments_csv_to(const patron_segment_row *rows, size_t n_rows,
                                                      patron_sink *s, patron_error *err);
PATRON_API patron_status patron_write_rejects_csv_to(const patron_dataset *ds, patron_sink *s,
                                                     patron_error *err);
PATRON_API patron_status patron_write_run_summary_json_to(const patron_dataset *ds,
                                                          const patron_profile *profile,
                                                          patron_run *run, patron_sink *s,
                                                          patron_error *err);

#endif
