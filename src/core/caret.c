/* Caret errors and "did you mean" suggestions for parsers of short texts (see
 * include/patron/caret.h). Levenshtein distance by the two-row dynamic programme. */
#include "core/core_int.h"
#include "patron/caret.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW_BEFORE = 60, WINDOW_AFTER = 40 };

/* Copies text[lo, hi) into out with control bytes as spaces; returns the number of display
 * columns (UTF-8 code points) of text[lo, upto). */
static size_t echo(const char *text, size_t lo, size_t hi, size_t upto, char *out) {
  size_t cols = 0;
  for (size_t i = lo; i < hi; i++) {
    unsigned char ch = (unsigned char)text[i];
    out[i - lo] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    if (i < upto && (ch & 0xC0) != 0x80)
      cols++;
  }
  out[hi - lo] = '\0';
  return cols;
}

patron_status patron_error_caret(patron_error *err, patron_status status, const char *label,
                                 const char *text, size_t len, size_t offset, const char *fmt,
                                 ...) {
  if (!err || err->status != PATRON_OK)
    return status;
  if (offset > len)
    offset = len;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  size_t lo = offset > WINDOW_BEFORE ? offset - WINDOW_BEFORE : 0;
  for (int k = 0; k < 3 && lo > 0 && lo < len && ((unsigned char)text[lo] & 0xC0) == 0x80; k++)
    lo--; /* start on a character, but never more than 3 bytes back (invalid UTF-8) */
  size_t hi = len - offset > WINDOW_AFTER ? offset + WINDOW_AFTER : len;
  for (int k = 0; k < 3 && hi < len && ((unsigned char)text[hi] & 0xC0) == 0x80; k++)
    hi++;
  char shown[WINDOW_BEFORE + WINDOW_AFTER + 8];
  size_t cols = echo(text, lo, hi, offset, shown);
  const char *pre = lo > 0 ? "..." : "", *post = hi < len ? "..." : "";
  cols += strlen(pre);
  bool has_label = label && label[0];
  patron__error_set(err, status, NULL, 0, (uint32_t)(offset + 1),
                    "%s%s%s at offset %zu\n  %s%s%s\n  %*s^", has_label ? label : "",
                    has_label ? ": " : "", what, offset, pre, shown, post, (int)cols, "");
  return status;
}

size_t patron_edit_distance(const char *a, size_t na, const char *b, size_t nb, size_t cap) {
  if ((na > nb ? na - nb : nb - na) > cap)
    return cap + 1;
  size_t *row = malloc((nb + 1) * 2 * sizeof *row);
  if (!row)
    return cap + 1;
  size_t *prev = row, *cur = row + nb + 1;
  for (size_t j = 0; j <= nb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= na; i++) {
    cur[0] = i;
    size_t best = cur[0];
    for (size_t j = 1; j <= nb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      if (cur[j] < best)
        best = cur[j];
    }
    size_t *t = prev;
    prev = cur;
    cur = t;
    if (best > cap) {
      free(row);
      return cap + 1;
    }
  }
  size_t d = prev[nb];
  free(row);
  return d > cap ? cap + 1 : d;
}

const char *patron_suggest(const char *word, size_t len, const char *const *candidates,
                           size_t n_candidates) {
  const char *best = NULL;
  for (size_t i = 0; i < n_candidates; i++) {
    size_t n = strlen(candidates[i]);
    if (len > 0 && n > len && memcmp(candidates[i], word, len) == 0 && (!best || n < strlen(best)))
      best = candidates[i];
  }
  if (best)
    return best;
  size_t cap = len / 3 > 2 ? len / 3 : 2, best_d = cap + 1;
  for (size_t i = 0; i < n_candidates; i++) {
    size_t d = patron_edit_distance(word, len, candidates[i], strlen(candidates[i]), cap);
    if (d < best_d)
      best_d = d, best = candidates[i];
  }
  return best;
}
