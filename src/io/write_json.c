/* The JSON writer (src/io/json_int.h): UTF-8 repair (RFC 3629: shortest forms only, no
 * surrogates, at most U+10FFFF) and jansson documents dumped to a sink. */
#include "io/json_int.h"
#include "patron/output.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
  if (len == 0 || len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
      (c == 0xF4 && s[1] > 0x8F))
    return 0; /* overlong, surrogate, or above U+10FFFF */
  return len;
}

char *patron__utf8_repair(const char *s, size_t n, size_t *n_bad) {
  const unsigned char *u = (const unsigned char *)s;
  char *out = malloc(3 * n + 1), *w = out;
  *n_bad = 0;
  if (!out)
    return NULL;
  for (size_t i = 0; i < n;) {
    size_t len = utf8_seq(u + i, n - i);
    if (len == 0 || (len == 1 && u[i] == 0)) {
      memcpy(w, "\xEF\xBF\xBD", 3);
      w += 3;
      (*n_bad)++;
      i++;
      continue;
    }
    memcpy(w, s + i, len);
    w += len;
    i += len;
  }
  *w = '\0';
  return out;
}

json_t *patron__json_str(const char *s, size_t *n_bad) {
  if (!s)
    return json_null();
  size_t n = strlen(s), bad = 0;
  bool valid = true;
  for (size_t i = 0; i < n && valid;) {
    size_t len = utf8_seq((const unsigned char *)s + i, n - i);
    valid = len > 0;
    i += len;
  }
  if (valid)
    return json_stringn_nocheck(s, n);
  char *fixed = patron__utf8_repair(s, n, &bad);
  if (!fixed)
    return NULL;
  if (n_bad)
    *n_bad += bad;
  json_t *j = json_string(fixed);
  free(fixed);
  return j;
}

typedef struct dump_ctx {
  patron_sink *sink;
  patron_error *err;
} dump_ctx;

static int to_sink(const char *buffer, size_t size, void *data) {
  dump_ctx *c = data;
  return patron_sink_write(c->sink, buffer, size, c->err) == PATRON_OK ? 0 : -1;
}

patron_status patron__json_write(const json_t *root, int precision, patron_sink *s,
                                 patron_error *err) {
  if (!root)
    return PATRON__OOM(err);
  dump_ctx c = {s, err};
  size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(precision);
  if (json_dump_callback(root, to_sink, &c, flags) != 0)
    return err && err->status != PATRON_OK ? err->status : PATRON__OOM(err);
  return PATRON_OK;
}

char *patron_json_quote(const char *s, size_t *n_bad) {
  json_t *j = patron__json_str(s ? s : "", n_bad);
  char *out = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
  json_decref(j);
  return out;
}
