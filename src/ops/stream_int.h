/* Internals of the streaming contract (ops/stream_*.c): named counts that travel in the data
 * as lines with an empty key (`TAB S TAB stream1 TAB name TAB value ...`), so the finalize
 * step sees what every map split read, and their Hadoop counter form. */
#ifndef PATRON_OPS_STREAM_INT_H
#define PATRON_OPS_STREAM_INT_H

#include "core/core_int.h"
#include "io/stream_orders.h"
#include "io/tsv.h"
#include "patron/stream.h"

typedef struct stream_counts {
  size_t n, cap;
  char **key;
  uint64_t *value;
} stream_counts;

/* Adds v to the count named key (appended in first-seen order); false on OOM. */
bool patron__counts_add(stream_counts *c, const char *key, size_t len, uint64_t v);
uint64_t patron__counts_get(const stream_counts *c, const char *key);
bool patron__counts_from_stats(stream_counts *c, const patron__stream_stats *s);
/* Parses the fields after "S" of a counts line and adds them; false when malformed/OOM. */
bool patron__counts_parse(stream_counts *c, const patron__tsv_field *f, size_t n);
void patron__counts_write(FILE *out, const stream_counts *c);
void patron__counts_report(FILE *counters, const stream_counts *c);
void patron__counts_free(stream_counts *c);

/* A line reader over a stream: the line without its '\n' (and '\r'), valid until the next
 * call; NULL at the end (or on a read error, in *io_error). */
typedef struct stream_lines {
  FILE *in;
  char *buf;
  size_t cap;
  uint64_t line;
} stream_lines;
const char *patron__lines_next(stream_lines *r, size_t *len, bool *io_error);

#endif
