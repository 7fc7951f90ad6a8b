/* The JSON writer (src/io/json_int.h): text repaired into UTF-8 (core/utf8.c, RFC 3629)
 * and jansson documents dumped to a sink. */
#include "io/json_int.h"
#include "patron/output.h"

#include <stdlib.h>
#include <string.h>

json_t *patron__json_str(const char *s, size_t *n_bad) {
  if (!s)
    return json_null();
  size_t n = strlen(s), bad = 0;
  if (patron__utf8_valid(s, n))
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
