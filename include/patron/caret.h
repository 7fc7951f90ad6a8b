/* Caret errors for parsers of one-line texts (expressions, --map specs, rule files): the
 * message names the fault and its byte offset, then echoes the text (a window of it around
 * the fault when long) with a caret under the faulty byte. Shared by every such parser. */
#ifndef PATRON_CARET_H
#define PATRON_CARET_H

#include "patron/error.h"

#include <stddef.h>

/* Records (first error wins) "LABEL: MESSAGE at offset N\n  TEXT\n  ^" in err with
 * err->column = offset + 1; label may be NULL or "" (then no "LABEL: " prefix). Offsets past
 * the end point just after the text. Returns status. */
PATRON_API patron_status patron_error_caret(patron_error *err, patron_status status,
                                            const char *label, const char *text, size_t len,
                                            size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Levenshtein distance between two byte strings, capped: returns at most cap + 1. */
PATRON_API size_t patron_edit_distance(const char *a, size_t na, const char *b, size_t nb,
                                       size_t cap);

/* The "did you mean" choice among candidates for a word: the shortest candidate the word
 * is a prefix of (ties: first), else the nearest by edit distance (at most max(2, len/3);
 * ties: first). NULL when none is close. */
PATRON_API const char *patron_suggest(const char *word, size_t len, const char *const *candidates,
                                      size_t n_candidates);

#endif
