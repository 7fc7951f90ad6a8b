/* Assignment hashing as GrowthBook's SDK, hash version 2 (SPEC section 12): FNV-1a 32-bit
 * (Fowler-Noll-Vo, offset basis 2166136261, prime 16777619) over UTF-16 code units, applied
 * twice, the inner result written in decimal; arms from consecutive weighted ranges. */
#include "patron/hash.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "core/core_int.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u
#define BUCKETS    10000u

typedef struct fnv_state {
  uint32_t h;
} fnv_state;

static void fnv_unit(fnv_state *s, uint32_t unit) {
  s->h ^= unit;
  s->h *= FNV_PRIME;
}

static void fnv_code_point(fnv_state *s, uint32_t cp) {
  if (cp < 0x10000u) {
    fnv_unit(s, cp);
    return;
  }
  cp -= 0x10000u;
  fnv_unit(s, 0xD800u + (cp >> 10));
  fnv_unit(s, 0xDC00u + (cp & 0x3FFu));
}

/* Decodes one UTF-8 sequence at p (n bytes left); returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  size_t len = p[0] < 0x80                    ? 1
               : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
               : (p[0] & 0xF0) == 0xE0        ? 3
               : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
                                              : 0;
  if (len == 0 || len > n)
    return 0;
  uint32_t v = len == 1 ? p[0] : p[0] & (0x7Fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (p[i] & 0x3Fu);
  }
  if (v < min_cp[len] || v > 0x10FFFFu || (v >= 0xD800u && v <= 0xDFFFu))
    return 0;
  *cp = v;
  return len;
}

static void fnv_text(fnv_state *s, const char *text, size_t len) {
  const unsigned char *p = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0xFFFDu;
    size_t used = utf8_decode(p + i, len - i, &cp);
    fnv_code_point(s, used ? cp : 0xFFFDu);
    i += used ? used : 1;
  }
}

uint32_t patron_fnv1a32_utf16(const char *text, size_t len) {
  fnv_state s = {FNV_OFFSET};
  fnv_text(&s, text, len);
  return s.h;
}

uint32_t patron_hash_bucket(const char *salt, size_t salt_len, const char *id, size_t id_len) {
  fnv_state s = {FNV_OFFSET};
  fnv_text(&s, salt, salt_len);
  fnv_text(&s, id, id_len);
  char digits[16];
  int n = snprintf(digits, sizeof digits, "%" PRIu32, s.h);
  return patron_fnv1a32_utf16(digits, (size_t)n) % BUCKETS;
}

patron_status patron_hash_choose_arm(uint32_t bucket, const double *weights, size_t n_arms,
                                     size_t *arm, patron_error *err) {
  double sum = 0;
  for (size_t i = 0; i < n_arms; i++) {
    if (!(weights[i] >= 0) || !isfinite(weights[i]))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "arm weights must be >= 0");
    sum += weights[i];
  }
  if (n_arms == 0 || !(sum > 0) || !isfinite(sum))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "arm weights must add up to more than 0");
  double n = (double)(bucket % BUCKETS) / BUCKETS, start = 0;
  size_t last = 0;
  for (size_t i = 0; i < n_arms; i++) {
    double w = weights[i] / sum;
    if (w > 0)
      last = i;
    if (n >= start && n < start + w) {
      *arm = i;
      return PATRON_OK;
    }
    start += w;
  }
  *arm = last; /* n beyond the accumulated sum only by rounding: the last weighted arm */
  return PATRON_OK;
}
