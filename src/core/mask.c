/* Masking of personal data: the rules of SPEC section 14 (see include/patron/mask.h). */
#include "patron/mask.h"

#include <string.h>

static size_t n_chars(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* Byte offset of the k-th character (len when k is past the end). */
static size_t char_offset(const char *s, size_t len, size_t k) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == k)
      return i;
  return len;
}

typedef struct sink {
  char *out;
  size_t cap, n;
} sink;

static void put(sink *k, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++, k->n++)
    if (k->n + 1 < k->cap)
      k->out[k->n] = s[i];
}

static void stars(sink *k, size_t n) {
  while (n--)
    put(k, "*", 1);
}

/* keep `head` characters, star the middle, keep `tail` characters. */
static void keep_ends(sink *k, const char *s, size_t len, size_t head, size_t tail) {
  size_t n = n_chars(s, len);
  if (n <= head + tail) {
    stars(k, n);
    return;
  }
  size_t a = char_offset(s, len, head), b = char_offset(s, len, n - tail);
  put(k, s, a);
  stars(k, n - head - tail);
  put(k, s + b, len - b);
}

static void email(sink *k, const char *s, size_t len) {
  if (len == 0)
    return;
  const char *at = NULL;
  for (size_t i = len; i-- > 0;)
    if (s[i] == '@') {
      at = s + i;
      break;
    }
  size_t first = char_offset(s, len, 1);
  if (at == s) /* nothing before the '@' */
    first = 0;
  put(k, s, first);
  put(k, "***", 3);
  if (at)
    put(k, at, len - (size_t)(at - s));
}

patron_pii patron_pii_of_column(const char *column) {
  static const struct {
    const char *name;
    patron_pii kind;
  } map[] = {{"name", PATRON_PII_NAME},
             {"phone", PATRON_PII_PHONE},
             {"email", PATRON_PII_EMAIL},
             {"wechat_id", PATRON_PII_WECHAT}};
  for (size_t i = 0; column && i < sizeof map / sizeof *map; i++)
    if (strcmp(column, map[i].name) == 0)
      return map[i].kind;
  return PATRON_PII_NONE;
}

size_t patron_mask(patron_pii kind, const char *value, size_t len, char *out, size_t cap) {
  sink k = {out, cap, 0};
  size_t n = n_chars(value, len);
  switch (kind) {
  case PATRON_PII_NONE: put(&k, value, len); break;
  case PATRON_PII_NAME:
    put(&k, value, char_offset(value, len, 1));
    stars(&k, n ? n - 1 : 0);
    break;
  case PATRON_PII_PHONE: keep_ends(&k, value, len, 3, 4); break;
  case PATRON_PII_EMAIL: email(&k, value, len); break;
  case PATRON_PII_WECHAT: keep_ends(&k, value, len, 0, 4); break;
  }
  if (cap)
    out[k.n < cap ? k.n : cap - 1] = '\0';
  return k.n;
}
