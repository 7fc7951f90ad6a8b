/* Unit tests for the date, time and money parsers (include/patron/parse.h). */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "core/core_int.h"
#include "patron/patron.h"

static int32_t day(const char *s) {
  int32_t d = 0;
  assert_int_equal(patron_parse_day(s, strlen(s), &d), PATRON_OK);
  return d;
}

static void test_days_round_trip(void **state) {
  (void)state;
  assert_int_equal(patron_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(patron_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(day("2011-12-10") - day("2010-12-01"), 374);
  for (int32_t d = -800000; d < 800000; d += 37) {
    int y, m, dd;
    patron_civil_from_days(d, &y, &m, &dd);
    assert_int_equal(patron_days_from_civil(y, m, dd), d);
  }
  char buf[11];
  patron_format_day(day("2024-02-29"), buf);
  assert_string_equal(buf, "2024-02-29");
}

static void test_day_rejects(void **state) {
  (void)state;
  int32_t d;
  const char *bad[] = {"2023-02-29", "2024-13-01", "2024-1-01", "20240101", "2024-01-01 ", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(patron_parse_day(bad[i], strlen(bad[i]), &d), PATRON_ERR_INPUT);
}

static int64_t t(const char *s) {
  int64_t v = -1;
  assert_int_equal(patron_parse_time(s, strlen(s), &v), PATRON_OK);
  return v;
}

static void test_iso_times(void **state) {
  (void)state;
  int64_t base = (int64_t)day("2011-12-09") * 86400;
  assert_true(t("2011-12-09") == base);
  assert_true(t("2011-12-09 12:50") == base + 12 * 3600 + 50 * 60);
  assert_true(t("2011-12-09T12:50:07") == base + 12 * 3600 + 50 * 60 + 7);
  assert_true(t("2011-12-09 12:50:07.250Z") == base + 12 * 3600 + 50 * 60 + 7);
  int64_t v;
  const char *bad[] = {"2011-12-09 24:00", "2011-12-09 12", "2011/12/09", "2011-12-09x",
                       "2011-12-09 12:60:00"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(patron_parse_time(bad[i], strlen(bad[i]), &v), PATRON_ERR_INPUT);
}

/* Offsets after a time are accepted and the wall-clock time kept (+08:00 exports). */
static void test_utc_offsets(void **state) {
  (void)state;
  int64_t local = (int64_t)day("2024-01-01") * 86400 + 10 * 3600;
  assert_true(t("2024-01-01T10:00:00+08:00") == local);
  assert_true(t("2024-01-01 10:00:00+0800") == local);
  assert_true(t("2024-01-01 10:00-05") == local);
  assert_true(t("2024-01-01T10:00:00.5+05:30") == local);
  int64_t v;
  const char *bad[] = {"2024-01-01+08:00", "2024-01-01 10:00+8", "2024-01-01 10:00+08:7",
                       "2024-01-01 10:00+15:00", "2024-01-01 10:00+08:00x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(patron_parse_time(bad[i], strlen(bad[i]), &v), PATRON_ERR_INPUT);
}

/* Time zones of trigger rules and members: +HH:MM, -HH:MM or Z, hours up to 14. */
static void test_time_zones(void **state) {
  (void)state;
  int32_t m = 1;
  assert_true(patron_parse_tz("Z", 1, &m) && m == 0);
  assert_true(patron_parse_tz("+08:00", 6, &m) && m == 480);
  assert_true(patron_parse_tz("-05:30", 6, &m) && m == -330);
  assert_true(patron_parse_tz("+14:00", 6, &m) && m == 840);
  const char *bad[] = {"", "z", "+8:00", "+0800", "+15:00", "+08:60", "08:00", "+08:0a"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_false(patron_parse_tz(bad[i], strlen(bad[i]), &m));
}

static int64_t tf(const char *s, const char *fmt) {
  int64_t v = -1;
  assert_int_equal(patron_parse_time_format(s, strlen(s), fmt, &v), PATRON_OK);
  return v;
}

static void test_formats(void **state) {
  (void)state;
  int64_t base = (int64_t)day("2010-12-01") * 86400;
  assert_true(tf("12/1/2010 8:26", "%m/%d/%Y %H:%M") == base + 8 * 3600 + 26 * 60);
  assert_true(tf("20101201", "%Y%m%d") == base);
  assert_true(tf("01-Dec-10 08:26 PM", "%d-%b-%y %I:%M %p") == base + 20 * 3600 + 26 * 60);
  assert_true(tf("2010-335", "%Y-%j") == base);
  int64_t v;
  assert_int_equal(patron_parse_time_format("2/30/2010 1:00", 14, "%m/%d/%Y %H:%M", &v),
                   PATRON_ERR_INPUT);
  assert_int_equal(patron_parse_time_format("20101201x", 9, "%Y%m%d", &v), PATRON_ERR_INPUT);
  patron_error err = {0};
  assert_int_equal(patron_check_time_format("%Y-%q", &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "   ^"));
  patron_error_clear(&err);
  assert_int_equal(patron_check_time_format("%m/%d", &err), PATRON_ERR_USAGE);
  assert_int_equal(patron_check_time_format("%m/%d/%Y", NULL), PATRON_OK);
}

static patron_money money(const char *s) {
  patron_money m = 0;
  assert_int_equal(patron_parse_money(s, strlen(s), &m), PATRON_OK);
  return m;
}

static void test_money(void **state) {
  (void)state;
  assert_true(money("2.55") == 25500);
  assert_true(money("-1.5") == -15000);
  assert_true(money("18.0") == 180000);
  assert_true(money(" 7 ") == 70000);
  assert_true(money(".5") == 5000);
  assert_true(money("0.00005") == 1);
  assert_true(money("0.00004") == 0);
  assert_true(money("1.5e2") == 1500000);
  patron_money m;
  const char *bad[] = {"", "-", "1,5", "1.2.3", "abc", "99999999999999999999", "1e400"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(patron_parse_money(bad[i], strlen(bad[i]), &m), PATRON_ERR_INPUT);
  char buf[24];
  patron_format_money(25500, buf);
  assert_string_equal(buf, "2.55");
  patron_format_money(-15050, buf);
  assert_string_equal(buf, "-1.51");
  patron_format_money(-49, buf);
  assert_string_equal(buf, "0.00");
  patron_format_money(0, buf);
  assert_string_equal(buf, "0.00");
}

/* Plain decimals (parse_decimal's fast path) read as the general loop reads them with a
 * blank around (which the fast path leaves to it): same status, same value. */
static void test_decimal_plain_form(void **state) {
  (void)state;
  static const char *const texts[] = {"0",
                                      "7",
                                      "27.84",
                                      "5.",
                                      ".5",
                                      ".",
                                      "1.23456",
                                      "0.0001",
                                      "12345678901",
                                      "123456789012",
                                      "12345678901.2345",
                                      "999999999999999",
                                      "9999999999999999",
                                      "00000000000000001",
                                      "1.",
                                      "12a",
                                      "1..2"};
  for (int decimals = 0; decimals <= 9; decimals++)
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
      char padded[40];
      int n = snprintf(padded, sizeof padded, " %s", texts[i]);
      int64_t a = -1, b = -1;
      patron_status sa = patron__parse_decimal(texts[i], strlen(texts[i]), decimals, &a);
      patron_status sb = patron__parse_decimal(padded, (size_t)n, decimals, &b);
      assert_int_equal(sa, sb);
      if (sa == PATRON_OK)
        assert_true(a == b);
    }
}

/* The loaders' fixed-layout fast path (patron__parse_time_fixed): hand-computed seconds
 * (2023-01-01 00:00:00 is 1672531200 since 1970), the date cache across rows, and every
 * text outside the layout left to the general parser, which agrees where both answer. */
static bool fixed(patron__date_cache *c, const char *s, int64_t *t) {
  bool ok = patron__parse_time_fixed(s, strlen(s), c, t);
  int64_t general;
  if (ok) /* the fast path never accepts what the general parser rejects or reads otherwise */
    assert_true(patron_parse_time(s, strlen(s), &general) == PATRON_OK && general == *t);
  return ok;
}

static void test_fixed_layout_fast_path(void **state) {
  (void)state;
  patron__date_cache c = {0};
  int64_t t = 0;
  assert_true(fixed(&c, "2023-01-01 00:03:11", &t));
  assert_true(t == 1672531200 + 191);
  assert_true(fixed(&c, "2023-01-01T23:59:59", &t)); /* same date: the cached day */
  assert_true(t == 1672531200 + 86399);
  assert_true(fixed(&c, "2023-01-01 23:59:60", &t)); /* a leap second, as the general parser */
  assert_true(t == 1672531200 + 86400);
  assert_true(fixed(&c, "2024-02-29 12:00:00", &t)); /* new date, a leap day */
  assert_true(t == 1709208000);
  assert_true(fixed(&c, "0001-01-01 00:00:00", &t));
  assert_true(t == (int64_t)patron_days_from_civil(1, 1, 1) * 86400);
  /* odd dates and times: not accepted here (and rejected by the general parser too) */
  const char *bad[] = {"2023-02-29 00:00:00", "2023-13-01 00:00:00", "2023-00-10 00:00:00",
                       "0000-01-01 00:00:00", "2023-01-01 24:00:00", "2023-01-01 00:60:00",
                       "2023-01-01 00:00:61", "2023-01-32 00:00:00", "2O23-01-01 00:00:00",
                       "2023-01-01 0a:00:00"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_false(fixed(&c, bad[i], &t));
    assert_int_equal(patron_parse_time(bad[i], strlen(bad[i]), &t), PATRON_ERR_INPUT);
  }
  /* other layouts fall back: the general parser reads them */
  const char *other[] = {"2023-01-01",          "2023-01-01 00:03",      "2023-01-01T00:03:11Z",
                         " 2023-01-01 00:03:1", "2023-01-01 00:03:11.5", "2023-01-01 00:03:11+08",
                         "2023/01/01 00:03:11", "2023-01-01 00:03:11 "};
  for (size_t i = 0; i < sizeof other / sizeof *other; i++)
    assert_false(fixed(&c, other[i], &t));
  assert_int_equal(patron_parse_time("2023-01-01T00:03:11Z", 20, &t), PATRON_OK);
  assert_true(t == 1672531200 + 191);
  /* a bad date never enters the cache: the day before it is still the one reused */
  patron__date_cache d = {0};
  assert_true(fixed(&d, "2023-03-01 01:00:00", &t));
  assert_false(fixed(&d, "2023-02-30 01:00:00", &t));
  assert_true(fixed(&d, "2023-03-01 02:00:00", &t));
  assert_true(t == 1677632400 + 3600);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_days_round_trip), cmocka_unit_test(test_day_rejects),
                 cmocka_unit_test(test_iso_times), cmocka_unit_test(test_utc_offsets),
                 cmocka_unit_test(test_time_zones), cmocka_unit_test(test_formats),
                 cmocka_unit_test(test_money), cmocka_unit_test(test_decimal_plain_form),
                 cmocka_unit_test(test_fixed_layout_fast_path))
