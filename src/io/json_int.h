/* The library's one JSON writer (jansson underneath): text values are always valid UTF-8
 * (invalid bytes replaced by U+FFFD and counted, so the caller can say so), and documents
 * go to a sink. Every JSON output (summary.json, model files, metrics) is made with it. */
#ifndef PATRON_IO_JSON_INT_H
#define PATRON_IO_JSON_INT_H

#include "core/core_int.h"
#include "patron/sink.h"

#include <jansson.h>

/* A JSON string of s (NUL-terminated), repaired when not valid UTF-8 (adds the number of
 * replacements to *n_bad, which may be NULL). json_null() for s == NULL; NULL when out of
 * memory. */
json_t *patron__json_str(const char *s, size_t *n_bad);

/* Dumps root (indent 2, keys in insertion order, `precision` significant digits for
 * reals) to the sink. Errors: the sink's, PATRON_ERR_NOMEM. */
patron_status patron__json_write(const json_t *root, int precision, patron_sink *s,
                                 patron_error *err);

#endif
