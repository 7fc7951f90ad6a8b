/* Fixed-point money (1e-4 units in an int64): exact sums whatever the thread split.
 * Parsing rounds half away from zero past the 4th decimal; formatting prints 2 decimals. */
#include "core/core_int.h"
#include "patron/parse.h"

#include <stdlib.h>
#include <string.h>

/* Values stay below INT64_MAX / 1024 in scaled units, so that sums of very many values
 * cannot overflow: ~9e11 currency units at 4 decimals. */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static const int64_t pow10_table[10] = {1,      10,      100,      1000,      10000,
                                        100000, 1000000, 10000000, 100000000, 1000000000};

/* INT64_MAX / 1024 / 10^decimals: the largest whole part (a table, not a division per
 * value parsed). */
static const int64_t max_units_table[10] = {INT64_MAX / 1024,
                                            INT64_MAX / 1024 / 10,
                                            INT64_MAX / 1024 / 100,
                                            INT64_MAX / 1024 / 1000,
                                            INT64_MAX / 1024 / 10000,
                                            INT64_MAX / 1024 / 100000,
                                            INT64_MAX / 1024 / 1000000,
                                            INT64_MAX / 1024 / 10000000,
                                            INT64_MAX / 1024 / 100000000,
                                            INT64_MAX / 1024 / 1000000000};

/* Slow path: exponent notation, via strtold on a bounded copy. */
static patron_status parse_scientific(const char *s, size_t len, int decimals, int64_t *out) {
  char buf[64];
  if (len >= sizeof buf)
    return PATRON_ERR_INPUT;
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  long double v = strtold(buf, &end);
  long double limit = (long double)INT64_MAX / 1024 / pow10_table[decimals];
  if (end != buf + len || !(v < limit && v > -limit))
    return PATRON_ERR_INPUT;
  long double scaled = v * pow10_table[decimals];
  *out = (int64_t)(scaled < 0 ? scaled - 0.5L : scaled + 0.5L);
  return PATRON_OK;
}

/* The common form first: digits with at most `decimals` digits after a '.', nothing else
 * (no blank, sign, rounding or exponent), at most 15 digits with the scale: exact and
 * within the bounds below, the same value as the general loop gives. False (nothing
 * decided) for anything else. */
static bool parse_plain(const char *s, size_t len, int decimals, int64_t *out) {
  size_t i = 0, n_int, n_frac;
  int64_t v = 0;
  if (len > 16) /* 15 digits and a '.': v cannot overflow below */
    return false;
  while (i < len && (unsigned)(s[i] - '0') <= 9)
    v = v * 10 + (s[i++] - '0');
  n_int = i;
  if (i < len && s[i] == '.')
    i++;
  while (i < len && (unsigned)(s[i] - '0') <= 9)
    v = v * 10 + (s[i++] - '0');
  n_frac = i - n_int - (n_int < len && s[n_int] == '.');
  if (i != len || n_int + n_frac == 0 || n_frac > (size_t)decimals || n_int + (size_t)decimals > 15)
    return false;
  *out = v * pow10_table[(size_t)decimals - n_frac];
  return true;
}

patron_status patron__parse_decimal(const char *s, size_t len, int decimals, int64_t *out) {
  if (parse_plain(s, len, decimals, out))
    return PATRON_OK;
  while (len && is_blank(*s))
    s++, len--;
  while (len && is_blank(s[len - 1]))
    len--;
  const char *p = s, *end = s + len;
  bool neg = false;
  if (p < end && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  const int64_t max_units = max_units_table[decimals], max_tenth = max_units / 10;
  int64_t units = 0;
  int int_digits = 0, frac_digits = 0, round_digit = 0;
  while (p < end && (unsigned)(*p - '0') <= 9) {
    if (units > max_tenth)
      return PATRON_ERR_INPUT;
    units = units * 10 + (*p++ - '0');
    int_digits++;
  }
  int64_t frac = 0;
  if (p < end && *p == '.') {
    p++;
    while (p < end && (unsigned)(*p - '0') <= 9) {
      if (frac_digits < decimals)
        frac = frac * 10 + (*p - '0');
      else if (frac_digits == decimals)
        round_digit = *p - '0';
      frac_digits++;
      p++;
    }
  }
  if (int_digits + frac_digits == 0)
    return PATRON_ERR_INPUT;
  if (p < end && (*p == 'e' || *p == 'E'))
    return parse_scientific(s, len, decimals, out);
  if (p != end || units > max_units)
    return PATRON_ERR_INPUT;
  for (int i = frac_digits; i < decimals; i++)
    frac *= 10;
  int64_t v = units * pow10_table[decimals] + frac + (round_digit >= 5);
  if (v > INT64_MAX / 1024) /* the fraction can carry past the bound checked on units */
    return PATRON_ERR_INPUT;
  *out = neg ? -v : v;
  return PATRON_OK;
}

patron_status patron_parse_money(const char *s, size_t len, patron_money *out) {
  return patron__parse_decimal(s, len, 4, out);
}

size_t patron_format_money(patron_money value, char *out) {
  bool neg = value < 0;
  uint64_t u = neg ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  uint64_t cents = (u + PATRON_MONEY_SCALE / 200) / (PATRON_MONEY_SCALE / 100);
  char tmp[24];
  int n = 0;
  tmp[n++] = (char)('0' + cents % 10);
  tmp[n++] = (char)('0' + cents / 10 % 10);
  tmp[n++] = '.';
  uint64_t whole = cents / 100;
  do {
    tmp[n++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole);
  size_t len = 0;
  if (neg && cents)
    out[len++] = '-';
  while (n)
    out[len++] = tmp[--n];
  out[len] = '\0';
  return len;
}
