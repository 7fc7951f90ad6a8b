/* Tab-separated lines of the streaming contract (SPEC 15, docs/SCALE.md): fields split at
 * tabs, `\N` for null as Hive writes it, and the bytes a field cannot hold escaped as Hive's
 * LazySimpleSerDe does: `\\` backslash, `\t` tab, `\n` line feed, `\r` carriage return. */
#ifndef PATRON_IO_TSV_H
#define PATRON_IO_TSV_H

#include "core/core_int.h"

#include <stdio.h>
#include <string.h>

enum { PATRON__TSV_MAX_FIELDS = 64 };

typedef struct patron__tsv_field {
  const char *ptr; /* raw bytes (still escaped); NULL for `\N` */
  size_t len;
} patron__tsv_field;

/* Splits line[0, len) (no line terminator) at tabs into at most max fields; returns the
 * number of fields, or max + 1 when there are more. */
size_t patron__tsv_split(const char *line, size_t len, patron__tsv_field *fields, size_t max);
/* Unescapes f into out (cap bytes); returns the length, or (size_t)-1 when f is null, holds
 * a bad escape or does not fit. */
size_t patron__tsv_unescape(const patron__tsv_field *f, char *out, size_t cap);
/* Whether f needs no unescaping (no backslash): then its bytes are the value. */
static inline bool patron__tsv_plain(const patron__tsv_field *f) {
  return f->ptr && !memchr(f->ptr, '\\', f->len);
}
/* Writes s[0, len) escaped. */
void patron__tsv_put(FILE *out, const char *s, size_t len);
/* Parses a whole decimal int64 field (optional '-'); false when it is not one. */
bool patron__tsv_i64(const patron__tsv_field *f, int64_t *out);

#endif
