/* Internals of the streaming contract (ops/stream_*.c): named counts that travel in the data
 * as lines with an empty key (`TAB S TAB stream1 TAB name TAB value ...`), so the finalize
 * step sees what every map split read, and their Hadoop counter form. */
#ifndef PATRON_OPS_STREAM_INT_H
#define PATRON_OPS_STREAM_INT_H

#include "core/core_int.h"
#include "io/stream_orders.h"
#include "io/tsv.h"
#include "models/segment/seg_merge.h"
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
/* Is the line a counts line ("\tS\tstream1" then KEY\tVALUE pairs, any number of them)? */
bool patron__counts_is_line(const char *line, size_t len);
/* Parses a counts line and adds its pairs; false when malformed or out of memory. */
bool patron__counts_parse(stream_counts *c, const char *line, size_t len);
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

/* One order row of a customer (the map fields); order NULL: a row that is its own order. */
typedef struct stream_row {
  const char *order;
  size_t order_len;
  int64_t time;
  patron_money amount;
} stream_row;

typedef struct stream_scratch {
  int32_t *day;
  patron_money *value;
  size_t cap;
} stream_scratch;

/* A customer's base figures from its rows in any order: rows of one order_id are summed
 * into one order dated by its earliest row (as the loader does); *max_day is the latest
 * row's day; *repeat_days the CLV frequency x (distinct purchase days after the first,
 * docs/CLV.md). Sorts rows. False when memory runs out. */
bool patron__stream_customer(stream_row *rows, size_t n, stream_scratch *s, patron__seg_customer *c,
                             int32_t *max_day, int64_t *repeat_days);
void patron__stream_scratch_free(stream_scratch *s);

/* The CLV triples of docs/SCALE.md section 8: distinct (x, first purchase day, last
 * purchase day) with their counts; (x, t_x, T) follow once the calibration end is known. */
typedef struct clv_triple {
  int64_t x;
  int32_t first, last;
  uint64_t count;
} clv_triple;

typedef struct clv_triples {
  clv_triple *t;
  size_t n, cap;
} clv_triples;

bool patron__triples_add(clv_triples *t, int64_t x, int32_t first, int32_t last, uint64_t count);
/* Sorts and merges equal triples (adding counts). */
void patron__triples_merge(clv_triples *t);
/* The line TAB C TAB clv1 TAB x:first:last:count,... */
void patron__triples_write(FILE *out, clv_triples *t);
/* Parses the text after "TAB C TAB clv1 TAB" and adds it; false when malformed or OOM. */
bool patron__triples_parse(clv_triples *t, const char *text, size_t len);
void patron__triples_free(clv_triples *t);

/* The customers of a whole run and their merged partial summary: the finalize step. */
typedef struct stream_customer {
  const char *id;
  size_t id_len;
  patron__seg_customer c;
} stream_customer;

typedef struct stream_final {
  patron__seg_partial *partial; /* merged from the reducers' (finalize) or built here */
  stream_counts counts;
  clv_triples triples;
  stream_customer *rows;
  size_t n, cap;
  patron__arena ids;
} stream_final;

/* Adds a customer row (id copied); false when memory runs out. */
bool patron__final_add(stream_final *z, const char *id, size_t len, const patron__seg_customer *c);
/* Plans the cuts from z->partial, refines the money cuts over z's customers, labels them
 * and writes profiles.csv, segments.csv and summary.json (with `orders` as its input) into
 * dir; fills res when not NULL (res->segments then owned by the caller). */
patron_status patron__final_write(stream_final *z, const char *dir, const patron_profile_options *o,
                                  const patron_file_report *orders, patron_stream_result *res,
                                  patron_error *err);
void patron__final_free(stream_final *z);

#endif
