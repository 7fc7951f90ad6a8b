/* Output sinks: where every writer of the library puts its bytes (a file written
 * atomically, a memory buffer, or a caller's callback such as an HTTP body or a SQLite
 * blob), and the output options every writer honours (Excel's byte-order mark, the OWASP
 * CSV formula-injection guard). */
#ifndef PATRON_SINK_H
#define PATRON_SINK_H

#include "patron/error.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct patron_output_options {
  /* CSV files start with a UTF-8 byte-order mark so Excel shows Chinese text. */
  bool bom;
  /* OWASP CSV injection mitigation: a text cell starting with = + - @ TAB or CR is
   * written with a leading single quote ('=cmd becomes '=cmd), so spreadsheets do not
   * run it as a formula. Numbers are never changed. */
  bool formula_guard;
} patron_output_options;

/* Everything off (plain RFC 4180 CSV, as SPEC section 4 shows). */
PATRON_API void patron_output_options_init(patron_output_options *o);
/* `--excel`: the byte-order mark and the formula guard. */
PATRON_API void patron_output_options_excel(patron_output_options *o);

typedef struct patron_sink patron_sink;

/* A file sink: bytes go to a temporary file beside path (".PATH.tmp-PID") and
 * patron_sink_close renames it to path, so a reader never sees a partial file and a
 * killed run leaves the previous file intact. o may be NULL (defaults). Errors:
 * PATRON_ERR_IO (cannot create), PATRON_ERR_LIMIT (the temporary name is too long). */
PATRON_API patron_status patron_sink_file(const char *path, const patron_output_options *o,
                                          patron_sink **out, patron_error *err);
/* A memory sink (take the bytes with patron_sink_take). NULL when out of memory. */
PATRON_API patron_sink *patron_sink_memory(const patron_output_options *o);
/* A callback sink: write(ctx, data, n) returns false on failure. NULL when out of memory.
 * The table writer may call write from one of its worker threads (one call at a time, in
 * file order), so write must not rely on thread-local state. */
PATRON_API patron_sink *patron_sink_callback(bool (*write)(void *ctx, const void *data, size_t n),
                                             void *ctx, const patron_output_options *o);

PATRON_API const patron_output_options *patron_sink_options(const patron_sink *s);
/* The sink's name for messages (the final path of a file sink, else "memory"/"callback"). */
PATRON_API const char *patron_sink_name(const patron_sink *s);

/* Appends bytes. Errors are sticky: after one, writes are dropped and close reports it. */
PATRON_API patron_status patron_sink_write(patron_sink *s, const void *data, size_t n,
                                           patron_error *err);

/* Flushes and closes a file sink's temporary file without renaming it yet (so a run can
 * finish all of its files before the first is renamed); idempotent. */
PATRON_API patron_status patron_sink_finish(patron_sink *s, patron_error *err);
/* Finishes, renames a file sink to its path, and frees the sink; on any error the
 * temporary file is removed and the previous file at path is left as it was. A memory
 * sink is freed with its bytes. Accepts NULL. */
PATRON_API patron_status patron_sink_close(patron_sink *s, patron_error *err);
/* Discards: removes a file sink's temporary file, frees the sink. Accepts NULL. */
PATRON_API void patron_sink_abort(patron_sink *s);
/* A memory sink's bytes (malloc'ed, NUL-terminated, free() them) and frees the sink;
 * NULL when a write ran out of memory. */
PATRON_API char *patron_sink_take(patron_sink *s, size_t *len);

#endif
