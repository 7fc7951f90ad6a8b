/* CSV field quoting for the writers (RFC 4180), the OWASP formula-injection guard
 * (https://owasp.org/www-community/attacks/CSV_Injection) and the Excel byte-order mark. */
#include "io/write_int.h"
#include "patron/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Two ASCII digits of each value 0..99, for integers written by digit pairs. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930"
    "31323334353637383940414243444546474849505152535455565758596061"
    "62636465666768697071727374757677787980818283848586878889909192"
    "93949596979899";

size_t patron__format_u64(uint64_t u, char *out) {
  if (u < 10) { /* scores, counts, flags: most cells are one digit */
    *out = (char)('0' + u);
    return 1;
  }
  char tmp[20];
  size_t n = sizeof tmp;
  while (u >= 100) {
    const char *p = digit_pairs + 2 * (u % 100);
    u /= 100;
    tmp[--n] = p[1], tmp[--n] = p[0];
  }
  if (u >= 10)
    tmp[--n] = digit_pairs[2 * u + 1], tmp[--n] = digit_pairs[2 * u];
  else
    tmp[--n] = (char)('0' + u);
  memcpy(out, tmp + n, sizeof tmp - n);
  return sizeof tmp - n;
}

size_t patron__format_i64(int64_t v, char *out) {
  if (v >= 0)
    return patron__format_u64((uint64_t)v, out);
  out[0] = '-';
  return 1 + patron__format_u64((uint64_t)0 - (uint64_t)v, out + 1);
}

enum { FIXED_MAX_DECIMALS = 17 }; /* m * 10^d < 2^53 * 2^57 fits 128 bits */

static const uint64_t pow10_u64[FIXED_MAX_DECIMALS + 1] = {1ULL,
                                                           10ULL,
                                                           100ULL,
                                                           1000ULL,
                                                           10000ULL,
                                                           100000ULL,
                                                           1000000ULL,
                                                           10000000ULL,
                                                           100000000ULL,
                                                           1000000000ULL,
                                                           10000000000ULL,
                                                           100000000000ULL,
                                                           1000000000000ULL,
                                                           10000000000000ULL,
                                                           100000000000000ULL,
                                                           1000000000000000ULL,
                                                           10000000000000000ULL,
                                                           100000000000000000ULL};

/* |v| * 10^d rounded to the nearest integer, ties to even, computed exactly: |v| = m / 2^s
 * with m the significand's bits (53 at most), so |v| * 10^d = m * 10^d / 2^s with a
 * 128-bit numerator. This is the rounding of glibc's "%.*f" (the exact binary value,
 * round-half-even). Needs 0 <= a < 2^53. */
static unsigned __int128 scaled_round(double a, int d) {
  uint64_t bits;
  memcpy(&bits, &a, sizeof bits);
  int biased = (int)(bits >> 52);
  uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
  if (biased)
    m |= UINT64_C(1) << 52;
  int s = 1075 - (biased ? biased : 1); /* a = m / 2^s, s >= 0 since a < 2^53 */
  unsigned __int128 num = (unsigned __int128)m * pow10_u64[d];
  if (s == 0)
    return num;
  if (s > 120) /* num < 2^110 <= half: rounds to 0 */
    return 0;
  unsigned __int128 one = 1, q = num >> s, rem = num & ((one << s) - 1), half = one << (s - 1);
  if (rem > half || (rem == half && (q & 1)))
    q++;
  return q;
}

/* u / 10^d and u % 10^d, with constant divisors (multiplications) for the usual places. */
static void split_pow10(uint64_t u, int d, uint64_t *ip, uint64_t *fp) {
  switch (d) {
  case 1: *ip = u / 10, *fp = u % 10; break;
  case 2: *ip = u / 100, *fp = u % 100; break;
  case 4: *ip = u / 10000, *fp = u % 10000; break;
  case 6: *ip = u / 1000000, *fp = u % 1000000; break;
  default: *ip = u / pow10_u64[d], *fp = u % pow10_u64[d]; break;
  }
}

/* "%.*f" of a finite v with |v| < 2^53 and d <= FIXED_MAX_DECIMALS; returns the length. */
static size_t format_fixed(double v, int d, char *out) {
  size_t n = 0;
  if (signbit(v)) /* glibc keeps the sign of a negative value rounded to zero: "-0.00" */
    out[n++] = '-';
  unsigned __int128 q = scaled_round(fabs(v), d);
  uint64_t ip, fp;
  if (q >> 64 == 0)
    split_pow10((uint64_t)q, d, &ip, &fp);
  else
    ip = (uint64_t)(q / pow10_u64[d]), fp = (uint64_t)(q % pow10_u64[d]);
  n += patron__format_u64(ip, out + n);
  if (d == 0)
    return n;
  out[n++] = '.';
  char frac[FIXED_MAX_DECIMALS];
  for (int i = d - 1; i >= 0; i--)
    frac[i] = (char)('0' + fp % 10), fp /= 10;
  memcpy(out + n, frac, (size_t)d);
  return n + (size_t)d;
}

size_t patron__format_double(double v, int decimals, char *out) {
  int n;
  if (decimals >= 0 && decimals <= FIXED_MAX_DECIMALS && fabs(v) < 9007199254740992.0)
    return format_fixed(v, decimals, out);
  if (decimals == PATRON_DECIMALS_SIG10 && v == floor(v) && fabs(v) < 1e10)
    return (signbit(v) ? (*out = '-', 1) : 0) +
           patron__format_u64((uint64_t)fabs(v), out + (signbit(v) ? 1 : 0));
  if (decimals == PATRON_DECIMALS_SIG10) {
    n = snprintf(out, PATRON__DOUBLE_MAX, "%.10g", v);
  } else if (decimals == PATRON_DECIMALS_EXACT) {
    n = snprintf(out, PATRON__DOUBLE_MAX, "%.15g", v); /* the shortest of %.15g/%.17g */
    if (strtod(out, NULL) != v)
      n = snprintf(out, PATRON__DOUBLE_MAX, "%.17g", v);
  } else {
    if (decimals < 0 || decimals > 60)
      decimals = 6;
    n = snprintf(out, PATRON__DOUBLE_MAX, "%.*f", decimals, v);
  }
  return n <= 0 ? 0 : (size_t)n < PATRON__DOUBLE_MAX ? (size_t)n : PATRON__DOUBLE_MAX - 1;
}

void patron__buf_double(patron__buf *b, double v, int decimals) {
  if (patron__buf_room(b, PATRON__DOUBLE_MAX))
    b->len += patron__format_double(v, decimals, b->data + b->len);
}

static bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void patron__buf_csv_field(patron__buf *b, const char *s, size_t n) {
  bool guard = b->formula_guard && n > 0 && formula_start(s[0]);
  bool quote = false;
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    if (guard)
      patron__buf_putc(b, '\'');
    patron__buf_put(b, s, n);
    return;
  }
  patron__buf_putc(b, '"');
  if (guard)
    patron__buf_putc(b, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      patron__buf_putc(b, '"');
    patron__buf_putc(b, s[i]);
  }
  patron__buf_putc(b, '"');
}

void patron__buf_csv_cstr(patron__buf *b, const char *s) {
  size_t n = strcspn(s, ",\"\r\n"); /* one pass: the length, unless it needs quotes */
  if (s[n]) {
    patron__buf_csv_field(b, s, n + strlen(s + n));
    return;
  }
  if (b->formula_guard && n > 0 && formula_start(s[0]))
    patron__buf_putc(b, '\'');
  patron__buf_put(b, s, n);
}

patron__buf patron__csv_buf(const patron_sink *s) {
  return (patron__buf){.formula_guard = patron_sink_options(s)->formula_guard};
}

patron_status patron__csv_begin(patron_sink *s, patron_error *err) {
  static const char bom[] = "\xEF\xBB\xBF";
  return patron_sink_options(s)->bom ? patron_sink_write(s, bom, 3, err) : PATRON_OK;
}

patron_status patron__buf_flush(patron__buf *b, patron_sink *s, patron_error *err) {
  if (b->oom)
    return PATRON__OOM(err);
  patron_status st = patron_sink_write(s, b->data, b->len, err);
  b->len = 0;
  return st;
}
