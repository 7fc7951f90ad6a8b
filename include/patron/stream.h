/* The streaming contract of SPEC section 15 (docs/SCALE.md): `patron map`, `patron reduce`
 * and `patron finalize` as library calls, for Hadoop Streaming, Hive/Spark TRANSFORM and
 * Spark rdd.pipe. Lines are tab-separated, `\N` is null, keys are compared as raw bytes;
 * counters go to `counters` (stderr in the CLI) as `reporter:counter:patron,NAME,N`. */
#ifndef PATRON_STREAM_H
#define PATRON_STREAM_H

#include "patron/clv.h"
#include "patron/dataset.h"
#include "patron/output.h"
#include "patron/profile.h"

#include <stdio.h>

/* Reads any split of an orders file (with or without its header; names from the header or
 * opts->columns; opts->maps, delimiter, date_format, order_per_row, strict, as_of_day as
 * for patron_dataset_load) and writes one line per usable row:
 *   customer_id TAB order_id TAB epoch_seconds TAB amount (4 decimals)
 * then one counts line (empty key) with what the split held. Errors: PATRON_ERR_INPUT (no
 * header and no columns, a missing column, a bad row with strict), PATRON_ERR_IO. */
PATRON_API patron_status patron_stream_map(FILE *in, const char *name, FILE *out,
                                           const patron_load_options *opts, FILE *counters,
                                           patron_error *err);

/* Reads map lines sorted by customer_id (raw bytes) and writes one line per customer:
 *   customer_id TAB first_purchase TAB last_purchase TAB frequency TAB monetary TAB aov
 * (`\N` when the customer has no purchase), then the reducer's partial summary and counts
 * (empty key). Errors: PATRON_ERR_INPUT (a malformed line, input not grouped by customer,
 * naming the line), PATRON_ERR_IO. */
PATRON_API patron_status patron_stream_reduce(FILE *in, FILE *out, FILE *counters,
                                              patron_error *err);

/* The CLV fit of the merged triples (docs/SCALE.md section 8). */
typedef struct patron_stream_clv {
  const char *model_path; /* model.json to write (as `patron clv fit` writes it) */
  patron_clv_kind kind;   /* purchase model (patron clv fit's default: BG/NBD) */
  double unit_days;       /* 1 (days) or 7 (weeks) */
} patron_stream_clv;

/* Reads every reducer's output (concatenated, in any order) from the n streams, merges the
 * partial summaries, refines the money cuts over the customers, and writes profiles.csv,
 * segments.csv and summary.json into dir, equal to `patron analyze --spec-only`'s (apart
 * from timings). orders_path names the input in summary.json. With clv (else NULL), also
 * fits the purchase model once on the merged (x, t_x, T) triples with the calibration end
 * as_of - 1 and writes clv->model_path. Errors: PATRON_ERR_INPUT (a malformed line, naming
 * the input and line; a reducer's output missing), those of patron_clv_fit, PATRON_ERR_IO. */
PATRON_API patron_status patron_stream_finalize(FILE *const *ins, size_t n, const char *dir,
                                                const patron_profile_options *o,
                                                const char *orders_path,
                                                const patron_stream_clv *clv, FILE *counters,
                                                patron_error *err);

/* What a streaming run computed, for the readable report. */
typedef struct patron_stream_result {
  int32_t as_of;
  patron_profile_stats stats;
  patron_file_report orders;    /* counts and path (no columns) */
  patron_segment_row *segments; /* free() */
  size_t n_segments;
} patron_stream_result;

/* `patron analyze --spec-only` in one pass over an orders stream, memory bounded by the
 * number of customers: rows are read sequentially (no spool), spilled into hash buckets of
 * customers in temporary files (TMPDIR), each bucket is reduced in memory to its customers,
 * and the finalize step writes profiles.csv, segments.csv, summary.json (and rejects.csv)
 * into dir, equal to the in-memory run's. Errors as patron_dataset_load and
 * patron_stream_finalize; PATRON_ERR_IO for the temporary files. */
PATRON_API patron_status patron_stream_analyze(FILE *in, const char *path,
                                               const patron_load_options *lo,
                                               const patron_profile_options *po, const char *dir,
                                               patron_stream_result *res, patron_error *err);

/* The map-only CLV scoring (docs/SCALE.md section 8): reads reducer output lines and
 * writes, for every purchaser, customer_id TAB x TAB t_x TAB T TAB p_alive TAB expected
 * purchases in (T, T + horizon_days], with x, t_x, T at calibration_end in unit_days (the
 * model's, see patron_clv_fit_read). Errors: PATRON_ERR_INPUT (a malformed line, naming
 * it; a first purchase after the calibration end), those of the predictions, IO. */
PATRON_API patron_status patron_stream_score(FILE *in, FILE *out, const patron_clv_model *m,
                                             double unit_days, int32_t calibration_end,
                                             double horizon_days, patron_error *err);

#endif
