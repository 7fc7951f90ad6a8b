/* A sequential orders reader for the streaming contract (SPEC 15, docs/SCALE.md): reads a
 * split of an orders file from a stream with the project's CSV tokenizer, with or without
 * its header row, resolves the columns as the loader does (header or --columns, --map
 * NAME=HEADER, case-insensitive fallback) and applies the loader's bad-input rules (field
 * count, empty ids, bad or implausible dates, bad numbers), counting rejects by reason. */
#ifndef PATRON_IO_STREAM_ORDERS_H
#define PATRON_IO_STREAM_ORDERS_H

#include "io/io_int.h"
#include "patron/dataset.h"

#include <stdio.h>

typedef struct patron__order_row {
  const char *customer, *order; /* raw bytes; order NULL with order_per_row */
  size_t customer_len, order_len;
  int64_t time; /* seconds */
  patron_money amount;
} patron__order_row;

enum { PATRON__STREAM_COLUMNS = 64 };

/* What a split held: rows_read = rows_used + rejected; lines_read counts the header lines
 * this split held, its rows, blank lines and lines inside quoted fields. */
typedef struct patron__stream_stats {
  uint64_t rows_read, rows_used, after_as_of, blank_lines, lines_in_quotes, header_lines;
  uint64_t by_reason[PATRON_REJECT_COUNT];
  size_t n_columns;
  char *columns[PATRON__STREAM_COLUMNS]; /* the header names (for empty_cells) */
  uint64_t empty[PATRON__STREAM_COLUMNS];
} patron__stream_stats;

typedef struct patron__order_stream patron__order_stream;

/* Opens the reader on `in` (named `path` in messages). opts: maps, columns (the names when
 * a split has no header: a first line equal to them is skipped as the header), delimiter,
 * date_format, order_per_row, strict, as_of_day (rows from that day on are counted as
 * after_as_of and not returned). Errors: PATRON_ERR_USAGE (options), PATRON_ERR_INPUT
 * (no header, a required column missing), PATRON_ERR_NOMEM. */
patron_status patron__order_stream_open(FILE *in, const char *path, const patron_load_options *opts,
                                        patron__order_stream **out, patron_error *err);
/* The next usable row: 1 = *row filled (valid until the next call), 0 = end of input,
 * -1 = error (a bad row with strict, a read error, out of memory) in err. */
int patron__order_stream_next(patron__order_stream *s, patron__order_row *row, patron_error *err);
const patron__stream_stats *patron__order_stream_stats(const patron__order_stream *s);
/* Keep every rejected row (line, column, reason, raw text cut at 4096 bytes) for
 * rejects.csv, as the loader does; valid until close. */
void patron__order_stream_keep_rejects(patron__order_stream *s);
/* Fields that are exactly `\N` (Hive's and Spark's NULL) count as empty. */
void patron__order_stream_hive_nulls(patron__order_stream *s);
const patron_reject *patron__order_stream_rejects(const patron__order_stream *s, size_t *n);
void patron__order_stream_close(patron__order_stream *s);

#endif
