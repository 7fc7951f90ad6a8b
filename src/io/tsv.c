/* Tab-separated lines of the streaming contract (see tsv.h): splitting, Hive-style escapes
 * and `\N` nulls. */
#include "io/tsv.h"

#include <string.h>

size_t patron__tsv_split(const char *line, size_t len, patron__tsv_field *fields, size_t max) {
  size_t n = 0;
  const char *p = line, *end = line + len;
  for (;;) {
    const char *tab = memchr(p, '\t', (size_t)(end - p));
    const char *stop = tab ? tab : end;
    if (n == max)
      return max + 1;
    size_t flen = (size_t)(stop - p);
    fields[n].ptr = flen == 2 && p[0] == '\\' && p[1] == 'N' ? NULL : p;
    fields[n++].len = flen;
    if (!tab)
      return n;
    p = tab + 1;
  }
}

size_t patron__tsv_unescape(const patron__tsv_field *f, char *out, size_t cap) {
  if (!f->ptr)
    return (size_t)-1;
  size_t n = 0;
  for (size_t i = 0; i < f->len; i++) {
    char c = f->ptr[i];
    if (c == '\\') {
      if (++i == f->len)
        return (size_t)-1;
      switch (f->ptr[i]) {
      case '\\': c = '\\'; break;
      case 't': c = '\t'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      default: return (size_t)-1;
      }
    }
    if (n == cap)
      return (size_t)-1;
    out[n++] = c;
  }
  return n;
}

void patron__tsv_put(FILE *out, const char *s, size_t len) {
  size_t from = 0;
  for (size_t i = 0; i < len; i++) {
    const char *esc = s[i] == '\\'   ? "\\\\"
                      : s[i] == '\t' ? "\\t"
                      : s[i] == '\n' ? "\\n"
                      : s[i] == '\r' ? "\\r"
                                     : NULL;
    if (!esc)
      continue;
    fwrite(s + from, 1, i - from, out);
    fputs(esc, out);
    from = i + 1;
  }
  fwrite(s + from, 1, len - from, out);
}

bool patron__tsv_i64(const patron__tsv_field *f, int64_t *out) {
  if (!f->ptr || !f->len || f->len > 20)
    return false;
  size_t i = f->ptr[0] == '-';
  if (i == f->len)
    return false;
  uint64_t v = 0;
  for (; i < f->len; i++) {
    unsigned d = (unsigned char)f->ptr[i] - '0';
    if (d > 9 || v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  bool neg = f->ptr[0] == '-';
  if (v > (uint64_t)INT64_MAX + neg)
    return false;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}
