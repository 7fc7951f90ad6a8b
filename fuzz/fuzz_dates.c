/* Fuzz harness for the date and time parsers (patron_parse_day, patron_parse_time,
 * patron_parse_time_format, patron_check_time_format, the loaders' fixed-layout fast path
 * patron__parse_time_fixed: src/core/dates.c).
 * Input: "FORMAT\nVALUE" (or just VALUE). Checks: days print back to the same text; the
 * ISO parsers agree with each other and with "%Y-%m-%d"/"%F"; the fast path accepts only
 * what patron_parse_time reads, with the same time, from an empty cache, one holding the
 * same date and one holding another; a value parsed with a
 * layout, printed with that layout and parsed again gives the same time (round trip). */
#include "fuzz.h"

#include <string.h>

#include "core/core_int.h"
#include "patron/parse.h"

static const char *const months[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

/* The fast path from three caches: empty, primed with v's own date, primed with another. */
static void check_fast_path(const char *v, size_t len) {
  static const char other[] = "2000-02-29 12:00:00";
  patron__date_cache caches[3];
  memset(caches, 0, sizeof caches);
  int64_t t, fast;
  patron__parse_time_fixed(v, len, &caches[1], &fast);
  patron__parse_time_fixed(other, sizeof other - 1, &caches[2], &fast);
  bool general = patron_parse_time(v, len, &t) == PATRON_OK;
  for (int k = 0; k < 3; k++)
    if (patron__parse_time_fixed(v, len, &caches[k], &fast))
      FUZZ_CHECK(general && fast == t, "fast path reads '%.*s' as %lld (general: %s %lld)",
                 (int)len, v, (long long)fast, general ? "ok" : "rejects", (long long)t);
}

static void check_iso(const char *v, size_t len) {
  int32_t day;
  int64_t t, u;
  check_fast_path(v, len);
  if (patron_parse_day(v, len, &day) == PATRON_OK) {
    char text[11];
    patron_format_day(day, text);
    FUZZ_CHECK(len == 10 && memcmp(text, v, 10) == 0, "day '%.*s' prints as %s", (int)len, v, text);
    FUZZ_CHECK(patron_parse_time(v, len, &t) == PATRON_OK && t == (int64_t)day * 86400,
               "parse_time disagrees with parse_day on '%s'", text);
    FUZZ_CHECK(patron_parse_time_format(v, len, "%Y-%m-%d", &u) == PATRON_OK && u == t &&
                   patron_parse_time_format(v, len, "%F", &u) == PATRON_OK && u == t,
               "%%Y-%%m-%%d disagrees on '%s'", text);
  }
  if (patron_parse_time(v, len, &t) == PATRON_OK) {
    FUZZ_CHECK(len >= 10 && patron_parse_day(v, 10, &day) == PATRON_OK,
               "time '%.*s' without a valid date", (int)len, v);
    int64_t into = t - (int64_t)day * 86400; /* 86400 only for 23:59:60 */
    FUZZ_CHECK(into >= 0 && into <= 86400, "time of day %lld for '%.*s'", (long long)into, (int)len,
               v);
  }
}

typedef struct layout_info {
  bool ok;       /* printable and unambiguous: the round trip must hold */
  bool complete; /* every field from year to minute is given */
  bool two_digit_year;
} layout_info;

static layout_info inspect(const char *fmt) {
  layout_info li = {.ok = true};
  int years = 0, hours24 = 0, hours12 = 0, months_ = 0, days = 0, minutes = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%')
      continue;
    char c = *++f;
    if (!c || !strchr("YymdeHIMSjbBpTF%", c))
      return (layout_info){0};
    years += c == 'Y' || c == 'y' || c == 'F';
    li.two_digit_year |= c == 'y';
    hours24 += c == 'H' || c == 'T';
    hours12 += c == 'I';
    months_ += c == 'm' || c == 'b' || c == 'B' || c == 'F' || c == 'j';
    days += c == 'd' || c == 'e' || c == 'F' || c == 'j';
    minutes += c == 'M' || c == 'T';
    if ((c == 'b' || c == 'B') && ((f[1] | 32) >= 'a' && (f[1] | 32) <= 'z'))
      li.ok = false; /* month names match greedily: "%bu" cannot parse "Janu" */
  }
  if (years > 1 || (hours24 && hours12))
    li.ok = false;
  li.complete = years && months_ && days && (hours24 || hours12) && minutes;
  return li;
}

static size_t put_num(char *out, int v, int width) {
  for (int i = width - 1; i >= 0; i--, v /= 10)
    out[i] = (char)('0' + v % 10);
  return (size_t)width;
}

/* Prints t with the layout (the inverse of patron_parse_time_format); 0 when it cannot. */
static size_t print_layout(int64_t t, const char *fmt, char *out, size_t cap) {
  int32_t day = patron_day_of_time(t);
  int64_t sod = t - (int64_t)day * 86400;
  int y, m, d, h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);
  patron_civil_from_days(day, &y, &m, &d);
  int yday = day - patron_days_from_civil(y, 1, 1) + 1;
  size_t n = 0;
  for (const char *f = fmt; *f; f++) {
    if (cap - n < 16)
      return 0;
    if (*f != '%') {
      out[n++] = *f;
      continue;
    }
    switch (*++f) {
    case 'Y':
      if (y < 1 || y > 9999)
        return 0;
      n += put_num(out + n, y, 4);
      break;
    case 'y':
      if (y < 1969 || y > 2068)
        return 0;
      n += put_num(out + n, y % 100, 2);
      break;
    case 'm': n += put_num(out + n, m, 2); break;
    case 'd':
    case 'e': n += put_num(out + n, d, 2); break;
    case 'H': n += put_num(out + n, h, 2); break;
    case 'I': n += put_num(out + n, h % 12 ? h % 12 : 12, 2); break;
    case 'M': n += put_num(out + n, mi, 2); break;
    case 'S': n += put_num(out + n, s, 2); break;
    case 'j': n += put_num(out + n, yday, 3); break;
    case 'p':
      out[n++] = h < 12 ? 'A' : 'P';
      out[n++] = 'M';
      break;
    case 'b':
      memcpy(out + n, months[m - 1], 3);
      n += 3;
      break;
    case 'B': {
      size_t k = strlen(months[m - 1]);
      memcpy(out + n, months[m - 1], k);
      n += k;
      break;
    }
    case 'T':
      n += put_num(out + n, h, 2), out[n++] = ':';
      n += put_num(out + n, mi, 2), out[n++] = ':';
      n += put_num(out + n, s, 2);
      break;
    case 'F':
      if (y < 1 || y > 9999)
        return 0;
      n += put_num(out + n, y, 4), out[n++] = '-';
      n += put_num(out + n, m, 2), out[n++] = '-';
      n += put_num(out + n, d, 2);
      break;
    case '%': out[n++] = '%'; break;
    default: return 0;
    }
  }
  return n;
}

static void check_layout(const char *fmt, const char *v, size_t len) {
  patron_error err = {0};
  patron_status checked = patron_check_time_format(fmt, &err);
  FUZZ_CHECK(checked == PATRON_OK || (checked == PATRON_ERR_USAGE && err.message[0]),
             "check_time_format status %d", checked);
  int64_t t;
  if (patron_parse_time_format(v, len, fmt, &t) != PATRON_OK)
    return;
  int32_t lo = patron_days_from_civil(1, 1, 1), hi = patron_days_from_civil(9999, 12, 31) + 1;
  FUZZ_CHECK(patron_day_of_time(t) >= lo && patron_day_of_time(t) <= hi,
             "'%.*s' with '%s' lies outside years 1..9999", (int)len, v, fmt);
  layout_info li = inspect(fmt);
  char text[512];
  size_t n = li.ok && strlen(fmt) < 64 ? print_layout(t, fmt, text, sizeof text) : 0;
  if (!n)
    return;
  int64_t back;
  FUZZ_CHECK(patron_parse_time_format(text, n, fmt, &back) == PATRON_OK,
             "'%.*s' printed with '%s' as '%.*s' does not parse", (int)len, v, fmt, (int)n, text);
  /* a leap second (:60) rolls into the next minute, which a partial layout cannot show */
  bool leap = memmem(v, len, "60", 2) != NULL;
  FUZZ_CHECK(back == t || (!li.complete && leap), "'%.*s' with '%s' = %lld, printed '%.*s' = %lld",
             (int)len, v, fmt, (long long)t, (int)n, text, (long long)back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const char *nl = memchr(s, '\n', size);
  if (!nl) {
    check_iso(s, size);
    return 0;
  }
  size_t flen = (size_t)(nl - s);
  char *fmt = malloc(flen + 1);
  FUZZ_CHECK(fmt, "out of memory");
  memcpy(fmt, s, flen);
  fmt[flen] = '\0'; /* a NUL inside cuts the layout short, as a C string would */
  const char *v = nl + 1;
  size_t len = size - flen - 1;
  check_iso(v, len);
  check_layout(fmt, v, len);
  free(fmt);
  return 0;
}
