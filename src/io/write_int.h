/* A growable output buffer with CSV field quoting, shared by the writers. */
#ifndef PATRON_WRITE_INT_H
#define PATRON_WRITE_INT_H

#include "core/core_int.h"
#include "patron/profile.h"
#include "patron/run.h"
#include "patron/sink.h"

#include <string.h>

typedef struct patron__buf {
  char *data;
  size_t len, cap;
  bool oom;           /* sticky: set when a grow failed; later writes are dropped */
  bool formula_guard; /* text fields starting with = + - @ TAB CR get a leading ' */
} patron__buf;

static inline bool patron__buf_room(patron__buf *b, size_t n) {
  if (b->oom)
    return false;
  if (b->len + n <= b->cap)
    return true;
  if (!patron__reserve((void **)&b->data, &b->cap, b->len + n, 1))
    return b->oom = true, false;
  return true;
}

static inline void patron__buf_put(patron__buf *b, const char *s, size_t n) {
  if (n && patron__buf_room(b, n)) { /* n == 0 may come with s == NULL */
    memcpy(b->data + b->len, s, n);
    b->len += n;
  }
}

static inline void patron__buf_putc(patron__buf *b, char c) {
  if (patron__buf_room(b, 1))
    b->data[b->len++] = c;
}

/* The longest double written by patron__format_double ("%.60f" of 1e308 and a sign). */
enum { PATRON__DOUBLE_MAX = 400 };

/* Decimal digits of u / v into out (no terminator); returns the length (at most 20). */
size_t patron__format_u64(uint64_t u, char *out);
size_t patron__format_i64(int64_t v, char *out);

/* A finite double as a column's `decimals` say (include/patron/table.h): "%.*f" for
 * 0..60 places (exactly glibc's bytes: the binary value rounded half-to-even; |v| < 2^53
 * with up to 17 places without printf), PATRON_DECIMALS_EXACT, PATRON_DECIMALS_SIG10. Writes
 * at most PATRON__DOUBLE_MAX bytes, no terminator; returns the length. */
size_t patron__format_double(double v, int decimals, char *out);

/* Appends patron__format_double(v, decimals). */
void patron__buf_double(patron__buf *b, double v, int decimals);

/* A CSV text field, the one quoting rule of every CSV output (RFC 4180): quoted (with
 * doubled quotes) when it holds , " CR or LF; with b->formula_guard, a field starting with
 * = + - @ TAB or CR first gets a single quote (OWASP CSV injection). */
void patron__buf_csv_field(patron__buf *b, const char *s, size_t n);

/* patron__buf_csv_field of a NUL-terminated s. */
void patron__buf_csv_cstr(patron__buf *b, const char *s);

/* A new CSV buffer for a sink (its formula guard). */
patron__buf patron__csv_buf(const patron_sink *s);
/* Starts a CSV output: the byte-order mark when the sink's options ask for it. */
patron_status patron__csv_begin(patron_sink *s, patron_error *err);
/* Writes the buffer to the sink and empties it (PATRON_ERR_NOMEM when a grow failed). */
patron_status patron__buf_flush(patron__buf *b, patron_sink *s, patron_error *err);

/* summary.json of a run whose only input is an orders report and whose figures come as
 * stats (the streaming finalize, docs/SCALE.md): the keys and order of
 * patron_write_run_summary_json (write_summary.c). */
patron_status patron__write_orders_summary_json_to(const patron_file_report *orders, int32_t as_of,
                                                   const patron_profile_stats *stats,
                                                   const patron_run *run, patron_sink *sink,
                                                   patron_error *err);

/* rejects.csv from a list of one file's rejects (the streaming analyze, docs/SCALE.md). */
patron_status patron__write_rejects_list(const char *path, const char *file,
                                         const patron_reject *rejects, size_t n, patron_error *err);

#endif
