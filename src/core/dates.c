/* Calendar arithmetic and timestamp parsing. Day numbers use Howard Hinnant's
 * days_from_civil / civil_from_days algorithms (proleptic Gregorian calendar). */
#include "core/core_int.h"
#include "patron/parse.h"

#include <ctype.h>
#include <string.h>

int32_t patron_days_from_civil(int year, int month, int day) {
  int y = year - (month <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (unsigned)((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1);
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

void patron_civil_from_days(int32_t days, int *year, int *month, int *day) {
  int z = days + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = (int)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (m <= 2);
  *month = (int)m;
  *day = (int)d;
}

static int days_in_month(int year, int month) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : dim[month - 1];
}

static bool valid_date(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Reads exactly n digits at *p (bounded by end). */
static bool fixed_digits(const char **p, const char *end, int n, int *out) {
  if (end - *p < n)
    return false;
  int v = 0;
  for (int i = 0; i < n; i++) {
    unsigned c = (unsigned char)(*p)[i] - '0';
    if (c > 9)
      return false;
    v = v * 10 + (int)c;
  }
  *p += n;
  *out = v;
  return true;
}

/* Reads min..max digits. */
static bool some_digits(const char **p, const char *end, int min, int max, int *out) {
  int v = 0, n = 0;
  while (n < max && *p < end && (unsigned)((unsigned char)**p - '0') <= 9) {
    v = v * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  *out = v;
  return n >= min;
}

patron_status patron_parse_day(const char *s, size_t len, int32_t *out_day) {
  const char *p = s, *end = s + len;
  int y, m, d;
  if (!fixed_digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !fixed_digits(&p, end, 2, &m) ||
      p >= end || *p++ != '-' || !fixed_digits(&p, end, 2, &d) || p != end || !valid_date(y, m, d))
    return PATRON_ERR_INPUT;
  *out_day = patron_days_from_civil(y, m, d);
  return PATRON_OK;
}

static int64_t to_seconds(int32_t day, int h, int mi, int sec) {
  return (int64_t)day * 86400 + h * 3600 + mi * 60 + sec;
}

/* An optional offset from UTC after a time: +HH:MM, +HHMM or +HH (or -). It is checked and
 * skipped: the time stays the local wall-clock time of the export (docs/FIGURES.md). */
static bool utc_offset(const char **p, const char *end) {
  if (*p >= end || (**p != '+' && **p != '-'))
    return true;
  const char *q = *p + 1;
  int h, m = 0;
  if (!fixed_digits(&q, end, 2, &h))
    return false;
  if (q < end && *q == ':')
    q++;
  if (q < end && !fixed_digits(&q, end, 2, &m))
    return false;
  if (h > 14 || m > 59)
    return false;
  *p = q;
  return true;
}

patron_status patron_parse_time(const char *s, size_t len, int64_t *out_seconds) {
  const char *p = s, *end = s + len;
  int y, m, d, h = 0, mi = 0, sec = 0;
  if (!fixed_digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !fixed_digits(&p, end, 2, &m) ||
      p >= end || *p++ != '-' || !fixed_digits(&p, end, 2, &d) || !valid_date(y, m, d))
    return PATRON_ERR_INPUT;
  if (p < end && (*p == ' ' || *p == 'T')) {
    p++;
    if (!fixed_digits(&p, end, 2, &h) || p >= end || *p++ != ':' || !fixed_digits(&p, end, 2, &mi))
      return PATRON_ERR_INPUT;
    if (p < end && *p == ':') {
      p++;
      if (!fixed_digits(&p, end, 2, &sec))
        return PATRON_ERR_INPUT;
      if (p < end && *p == '.') {
        p++;
        int frac;
        if (!some_digits(&p, end, 1, 9, &frac))
          return PATRON_ERR_INPUT;
      }
    }
    if (h > 23 || mi > 59 || sec > 60 || !utc_offset(&p, end))
      return PATRON_ERR_INPUT;
  }
  if (p < end && *p == 'Z')
    p++;
  if (p != end)
    return PATRON_ERR_INPUT;
  *out_seconds = to_seconds(patron_days_from_civil(y, m, d), h, mi, sec);
  return PATRON_OK;
}

/* Two digits at s[i], s[i + 1]; false when either is not a digit. */
static inline bool two_digits(const char *s, int i, int *out) {
  unsigned a = (unsigned char)s[i] - (unsigned)'0', b = (unsigned char)s[i + 1] - (unsigned)'0';
  *out = (int)(a * 10 + b);
  return a <= 9 && b <= 9;
}

bool patron__parse_time_fixed(const char *s, size_t len, patron__date_cache *cache, int64_t *out) {
  if (len != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
      s[16] != ':')
    return false;
  int h, mi, sec;
  if (!two_digits(s, 11, &h) || !two_digits(s, 14, &mi) || !two_digits(s, 17, &sec) || h > 23 ||
      mi > 59 || sec > 60)
    return false;
  if (!cache->set || memcmp(cache->date, s, 10) != 0) {
    int century, year, m, d;
    if (!two_digits(s, 0, &century) || !two_digits(s, 2, &year) || !two_digits(s, 5, &m) ||
        !two_digits(s, 8, &d) || !valid_date(century * 100 + year, m, d))
      return false;
    memcpy(cache->date, s, 10);
    cache->day = patron_days_from_civil(century * 100 + year, m, d);
    cache->set = true;
  }
  *out = to_seconds(cache->day, h, mi, sec);
  return true;
}

static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* English month name, full or 3-letter abbreviation, any case. */
static bool month_name(const char **p, const char *end, int *out) {
  for (int i = 0; i < 12; i++) {
    const char *name = month_names[i];
    size_t full = strlen(name), n = 0;
    while (n < full && *p + n < end && lower((unsigned char)(*p)[n]) == name[n])
      n++;
    if (n == full || n == 3) {
      *p += n;
      *out = i + 1;
      return true;
    }
  }
  return false;
}

typedef struct {
  int y, m, d, h, mi, sec, yday;
  int pm; /* -1 none, 0 AM, 1 PM */
  bool hour12;
} tm_fields;

/* One conversion; returns false when the value does not match it. */
static bool convert(char conv, const char **p, const char *end, tm_fields *f) {
  switch (conv) {
  case 'Y': return fixed_digits(p, end, 4, &f->y);
  case 'y':
    if (!fixed_digits(p, end, 2, &f->y))
      return false;
    f->y += f->y < 69 ? 2000 : 1900;
    return true;
  case 'm': return some_digits(p, end, 1, 2, &f->m);
  case 'd': return some_digits(p, end, 1, 2, &f->d);
  case 'e':
    while (*p < end && **p == ' ')
      (*p)++;
    return some_digits(p, end, 1, 2, &f->d);
  case 'H': return some_digits(p, end, 1, 2, &f->h);
  case 'I': f->hour12 = true; return some_digits(p, end, 1, 2, &f->h);
  case 'M': return some_digits(p, end, 1, 2, &f->mi);
  case 'S': return some_digits(p, end, 1, 2, &f->sec);
  case 'j': return some_digits(p, end, 1, 3, &f->yday);
  case 'b':
  case 'B': return month_name(p, end, &f->m);
  case 'p':
    if (end - *p < 2 || lower((unsigned char)(*p)[1]) != 'm')
      return false;
    if (lower((unsigned char)**p) == 'a')
      f->pm = 0;
    else if (lower((unsigned char)**p) == 'p')
      f->pm = 1;
    else
      return false;
    *p += 2;
    return true;
  case 'T':
    return convert('H', p, end, f) && *p < end && *(*p)++ == ':' && convert('M', p, end, f) &&
           *p < end && *(*p)++ == ':' && convert('S', p, end, f);
  case 'F':
    return convert('Y', p, end, f) && *p < end && *(*p)++ == '-' && convert('m', p, end, f) &&
           *p < end && *(*p)++ == '-' && convert('d', p, end, f);
  case '%': return *p < end && *(*p)++ == '%';
  default: return false;
  }
}

static bool fields_to_seconds(tm_fields *f, int64_t *out) {
  if (f->hour12) {
    if (f->h < 1 || f->h > 12)
      return false;
    if (f->pm >= 0)
      f->h = f->h % 12 + (f->pm ? 12 : 0);
  }
  if (f->h > 23 || f->mi > 59 || f->sec > 60)
    return false;
  int32_t day;
  if (f->yday) {
    bool leap = (f->y % 4 == 0 && f->y % 100 != 0) || f->y % 400 == 0;
    if (f->y < 1 || f->y > 9999 || f->yday > (leap ? 366 : 365))
      return false;
    day = patron_days_from_civil(f->y, 1, 1) + f->yday - 1;
  } else {
    if (!valid_date(f->y, f->m, f->d))
      return false;
    day = patron_days_from_civil(f->y, f->m, f->d);
  }
  *out = to_seconds(day, f->h, f->mi, f->sec);
  return true;
}

patron_status patron_parse_time_format(const char *s, size_t len, const char *format,
                                       int64_t *out_seconds) {
  const char *p = s, *end = s + len;
  tm_fields f = {.y = 1970, .m = 1, .d = 1, .pm = -1};
  for (const char *fp = format; *fp; fp++) {
    if (*fp == '%') {
      if (!fp[1] || !convert(*++fp, &p, end, &f))
        return PATRON_ERR_INPUT;
    } else if (*fp == ' ') {
      while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    } else if (p >= end || *p++ != *fp) {
      return PATRON_ERR_INPUT;
    }
  }
  if (p != end || !fields_to_seconds(&f, out_seconds))
    return PATRON_ERR_INPUT;
  return PATRON_OK;
}

patron_status patron_check_time_format(const char *format, patron_error *err) {
  static const char supported[] = "YymdeHIMSjbBpTF%";
  bool has_year = false;
  for (const char *fp = format; *fp; fp++) {
    if (*fp != '%')
      continue;
    size_t at = (size_t)(fp - format);
    if (!fp[1] || !strchr(supported, fp[1]))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, (uint32_t)at + 1,
                               "unsupported conversion in --date-format:\n  %s\n  %*s^ supported: "
                               "%%Y %%y %%m %%d %%e %%H %%I %%M %%S %%j %%b %%B %%p %%T %%F %%%%",
                               format, (int)at, "");
    has_year |= fp[1] == 'Y' || fp[1] == 'y' || fp[1] == 'F';
    fp++;
  }
  if (!has_year)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--date-format '%s' has no year (%%Y, %%y or %%F)", format);
  return PATRON_OK;
}

size_t patron_format_day(int32_t day, char *out) {
  int y, m, d;
  patron_civil_from_days(day, &y, &m, &d);
  out[0] = (char)('0' + y / 1000 % 10);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = '-';
  out[8] = (char)('0' + d / 10);
  out[9] = (char)('0' + d % 10);
  out[10] = '\0';
  return 10;
}

bool patron_parse_tz(const char *s, size_t len, int32_t *minutes) {
  if (len == 1 && s[0] == 'Z')
    return *minutes = 0, true;
  if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
    return false;
  for (int i = 1; i < 6; i++)
    if (i != 3 && !isdigit((unsigned char)s[i]))
      return false;
  int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
  if (h > 14 || m > 59)
    return false;
  *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}
