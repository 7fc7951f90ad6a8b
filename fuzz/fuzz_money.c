/* Fuzz harness for money and decimals (patron_parse_money, patron__parse_decimal,
 * patron_format_money: src/core/money.c). Input: a byte choosing the decimals (0..9) of
 * patron__parse_decimal, then the text. Checks, for plain decimals, agreement with an
 * independent exact reference (128-bit, all digits, half away from zero); for money, the
 * round trip format -> parse giving the value rounded to cents, and that the exponent path
 * ("e0" appended) agrees with the fixed-point path. */
#include "fuzz.h"

#include <string.h>

#include "core/core_int.h"
#include "patron/parse.h"

static const int64_t bound = INT64_MAX / 1024;

typedef enum { REF_BAD, REF_OK, REF_SKIP } ref_status;

static __int128 pow10i(int n) {
  __int128 p = 1;
  while (n-- > 0)
    p *= 10;
  return p;
}

/* [+-]digits[.digits] with blanks around, at most 36 significant digits. */
static ref_status reference(const char *s, size_t len, int decimals, __int128 *out) {
  while (len && (*s == ' ' || *s == '\t'))
    s++, len--;
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  size_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '+' || s[i] == '-'))
    neg = s[i++] == '-';
  __int128 n = 0;
  int digits = 0, significant = 0, frac = 0;
  bool dot = false;
  for (; i < len; i++) {
    if (s[i] == '.' && !dot) {
      dot = true;
      continue;
    }
    if (s[i] == 'e' || s[i] == 'E')
      return REF_SKIP;
    if (s[i] < '0' || s[i] > '9')
      return REF_BAD;
    digits++;
    frac += dot;
    if (n || s[i] != '0')
      significant++;
    if (significant > 36)
      return REF_SKIP;
    n = n * 10 + (s[i] - '0');
  }
  if (!digits)
    return REF_BAD;
  if (frac <= decimals) {
    if (significant + decimals - frac > 37)
      return REF_SKIP;
    n *= pow10i(decimals - frac);
  } else {
    if (frac - decimals > 36)
      return REF_SKIP;
    __int128 div = pow10i(frac - decimals);
    __int128 q = n / div, r = n % div;
    n = q + (2 * r >= div);
  }
  *out = neg ? -n : n;
  return REF_OK;
}

static void check_reference(const char *s, size_t len, int decimals) {
  __int128 want;
  ref_status rs = reference(s, len, decimals, &want);
  int64_t got;
  patron_status st = patron__parse_decimal(s, len, decimals, &got);
  if (rs == REF_SKIP)
    return;
  if (rs == REF_BAD) {
    FUZZ_CHECK(st != PATRON_OK, "accepted '%.*s' (%d decimals)", (int)len, s, decimals);
    return;
  }
  __int128 mag = want < 0 ? -want : want;
  if (mag < bound / 2)
    FUZZ_CHECK(st == PATRON_OK && got == (int64_t)want, "'%.*s' (%d decimals): got %lld, want %lld",
               (int)len, s, decimals, (long long)got, (long long)want);
  else if (mag > (__int128)bound * 2)
    FUZZ_CHECK(st != PATRON_OK, "'%.*s' out of range but accepted", (int)len, s);
}

static void check_money(const char *s, size_t len) {
  patron_money v;
  if (patron_parse_money(s, len, &v) != PATRON_OK)
    return;
  FUZZ_CHECK(v <= bound && v >= -bound, "'%.*s' parsed beyond the documented range", (int)len, s);
  char text[24];
  size_t n = patron_format_money(v, text);
  if (v > bound - 50 || v < -bound + 50)
    return; /* rounding to cents would carry past the bound, where parsing stops */
  FUZZ_CHECK(n < sizeof text && strlen(text) == n, "format length");
  int64_t mag = v < 0 ? -v : v, cents = (mag + 50) / 100 * 100;
  patron_money back;
  FUZZ_CHECK(patron_parse_money(text, n, &back) == PATRON_OK && back == (v < 0 ? -cents : cents),
             "round trip of %lld: '%s'", (long long)v, text);
  /* the exponent path must agree with the fixed-point one to within one unit */
  char sci[64];
  if (memchr(s, 'e', len) || memchr(s, 'E', len) || len + 2 >= sizeof sci || v > bound / 2 ||
      v < -bound / 2)
    return;
  size_t k = len;
  while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
    k--;
  memcpy(sci, s, k);
  memcpy(sci + k, "e0", 2);
  patron_money w;
  FUZZ_CHECK(patron_parse_money(sci, k + 2, &w) == PATRON_OK && w - v <= 1 && v - w <= 1,
             "'%.*s' = %lld but with e0: %lld", (int)len, s, (long long)v, (long long)w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *s = (const char *)data + 1;
  size_t len = size - 1;
  check_reference(s, len, data[0] % 10);
  check_reference(s, len, 4);
  check_money(s, len);
  return 0;
}
