/* Checked, pointer-and-length parsers for the values found in outside data: calendar
 * days, timestamps (ISO layouts or a strptime-style format), UTC offsets and fixed-point money.
 * None of them needs a NUL terminator, allocates, or depends on the locale. */
#ifndef PATRON_PARSE_H
#define PATRON_PARSE_H

#include "patron/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 (proleptic Gregorian); PATRON_NO_DAY marks "none". */
#define PATRON_NO_DAY INT32_MIN
/* Money is fixed-point: 1 unit of currency = PATRON_MONEY_SCALE. */
#define PATRON_MONEY_SCALE 10000
typedef int64_t patron_money;

PATRON_API int32_t patron_days_from_civil(int year, int month, int day);
PATRON_API void patron_civil_from_days(int32_t days, int *year, int *month, int *day);

/* Seconds since the epoch -> day number (floor division). */
static inline int32_t patron_day_of_time(int64_t seconds) {
  int64_t d = seconds / 86400;
  return (int32_t)(seconds % 86400 < 0 ? d - 1 : d);
}

/* A UTC offset, "+08:00" / "-05:30" / "Z", into minutes east of UTC; false when malformed
 * (the time zones of trigger rules and members, SPEC section 11). */
PATRON_API bool patron_parse_tz(const char *text, size_t len, int32_t *minutes);

/* YYYY-MM-DD exactly. Returns PATRON_OK or PATRON_ERR_INPUT. */
PATRON_API patron_status patron_parse_day(const char *s, size_t len, int32_t *out_day);

/* The SPEC layouts: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.fff]], the same with 'T', an
 * optional trailing 'Z' or, after a time, an offset +HH:MM / +HHMM / +HH (or -). Result in
 * seconds since the epoch of the local wall-clock time (the offset is checked, not applied). */
PATRON_API patron_status patron_parse_time(const char *s, size_t len, int64_t *out_seconds);

/* A strptime-style layout: %Y (4 digits) %y (2 digits, 1969-2068) %m %d %e %H %I %M %S
 * (1-2 digits) %b %B (English month names) %p (AM/PM) %j (day of year) %T (= %H:%M:%S)
 * %F (= %Y-%m-%d) %% and literal bytes; a space in the format matches any run of blanks.
 * The whole value must be consumed. */
PATRON_API patron_status patron_parse_time_format(const char *s, size_t len, const char *format,
                                                  int64_t *out_seconds);

/* Checks that a --date-format layout uses only supported conversions; on failure fills err
 * with the layout echoed and a caret under the fault. */
PATRON_API patron_status patron_check_time_format(const char *format, patron_error *err);

/* Decimal number into fixed-point money: [+-]digits[.digits][(e|E)[+-]digits], blanks
 * around allowed, more than 4 decimals rounded half away from zero. */
PATRON_API patron_status patron_parse_money(const char *s, size_t len, patron_money *out);

/* Writes "YYYY-MM-DD" plus NUL into out (11 bytes); returns 10. */
PATRON_API size_t patron_format_day(int32_t day, char *out);
/* Writes money with exactly 2 decimals (rounded half away from zero) plus NUL; out must hold
 * 24 bytes; returns the length. */
PATRON_API size_t patron_format_money(patron_money value, char *out);

#endif
