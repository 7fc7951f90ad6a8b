/* UTF-8 validity (RFC 3629: shortest forms only, no surrogates, at most U+10FFFF), for text
 * that must go into JSON or be compared as text: a GBK or Latin-1 byte read without
 * --encoding is found here and named, instead of breaking a writer downstream. */
#include "core/core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence starting at s (at most n bytes), or 0 when invalid. */
static size_t sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
  if (!len || len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
      (c == 0xf4 && s[1] > 0x8f))
    return 0; /* overlong, surrogate, or past U+10FFFF */
  return len;
}

bool patron__utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    size_t k = sequence(p + i, len - i);
    if (!k)
      return false;
    i += k;
  }
  return true;
}

char *patron__utf8_repair(const char *s, size_t n, size_t *n_bad) {
  const unsigned char *p = (const unsigned char *)s;
  char *out = malloc(3 * n + 1), *w = out;
  *n_bad = 0;
  for (size_t i = 0; out && i < n;) {
    size_t k = sequence(p + i, n - i);
    if (k == 0 || p[i] == 0) {
      memcpy(w, "\xEF\xBF\xBD", 3);
      w += 3;
      (*n_bad)++;
      i++;
      continue;
    }
    memcpy(w, s + i, k);
    w += k;
    i += k;
  }
  if (out)
    *w = '\0';
  return out;
}

const char *patron__escape(char *out, size_t cap, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;
  for (size_t i = 0; i < len && cap > 0;) {
    char tmp[8] = {0};
    size_t take = p[i] < 0x80 ? 1 : sequence(p + i, len - i);
    if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')
      tmp[0] = '\\', tmp[1] = p[i] == '\n' ? 'n' : p[i] == '\r' ? 'r' : 't';
    else if (p[i] < 0x20 || p[i] == 0x7f || take == 0)
      snprintf(tmp, sizeof tmp, "\\x%02x", p[i]); /* control byte, or not UTF-8 */
    else
      memcpy(tmp, p + i, take);
    size_t k = strlen(tmp);
    if (n + k >= cap)
      break;
    memcpy(out + n, tmp, k);
    n += k;
    i += take ? take : 1;
  }
  if (cap > 0)
    out[n] = '\0';
  return out;
}
