/* Assignment hashing against GrowthBook's published SDK test cases (cases.json, section
 * "hash", hash version 2, and the bucket of "creates experiments properly"), the FNV-1a 32-bit
 * reference values, non-ASCII texts against Python's UTF-16 encoder (str.encode("utf-16-le"),
 * computed once), and weighted consecutive arm ranges by hand. */
#include "test_util.h"

#include <string.h>

#include "patron/patron.h"

static uint32_t bucket(const char *salt, const char *id) {
  return patron_hash_bucket(salt, strlen(salt), id, strlen(id));
}

static void growthbook_v2_cases(void **state) {
  (void)state;
  static const struct {
    const char *seed, *value;
    uint32_t expected; /* the published n times 10000 */
  } cases[] = {
      {"seed", "a", 505},
      {"seed", "b", 2696},
      {"foo", "ab", 2575},
      {"foo", "def", 2019},
      {"89123klj", "8952klfjas09ujkasdf", 1240},
      {"90850943850283058242805", "123", 7516},
      {"()**(%$##$%#$#", "___)((*\":&", 128},
      {"feature", "123", 5231},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(bucket(cases[i].seed, cases[i].value), cases[i].expected);
}

static void fnv_reference_values(void **state) {
  (void)state;
  assert_int_equal(patron_fnv1a32_utf16("", 0), 0x811C9DC5u);
  assert_int_equal(patron_fnv1a32_utf16("a", 1), 0xE40C292Cu);
  assert_int_equal(patron_fnv1a32_utf16("foobar", 6), 0xBF9CF968u);
}

static void utf16_code_units(void **state) {
  (void)state;
  /* BMP characters are one unit each, U+1F600 two surrogates, bad bytes U+FFFD each. */
  assert_int_equal(patron_fnv1a32_utf16("\xe5\xae\xa2\xe6\x88\xb7", 6), 1861819990u);
  assert_int_equal(patron_fnv1a32_utf16("\xc3\xa9", 2), 1812687940u);
  assert_int_equal(patron_fnv1a32_utf16("\xf0\x9f\x98\x80x", 5), 2673392192u);
  assert_int_equal(patron_fnv1a32_utf16("abc\xed\xa0\x80", 6), 2417835248u);
  assert_int_equal(bucket("exp", "\xe5\xae\xa2\xe6\x88\xb7"), 9484);
  assert_int_equal(bucket("exp", "\xf0\x9f\x98\x80x"), 8561);
}

static void weighted_ranges(void **state) {
  (void)state;
  patron_error err = {0};
  size_t arm = 99;
  const double w[3] = {20, 30, 50}; /* ranges [0, .2) [.2, .5) [.5, 1) */
  const uint32_t b[6] = {0, 1999, 2000, 4999, 5000, 9999};
  const size_t expect[6] = {0, 0, 1, 1, 2, 2};
  for (int i = 0; i < 6; i++) {
    assert_int_equal(patron_hash_choose_arm(b[i], w, 3, &arm, &err), PATRON_OK);
    assert_int_equal(arm, expect[i]);
  }
  const double thirds[3] = {1, 1, 1};
  assert_int_equal(patron_hash_choose_arm(9999, thirds, 3, &arm, &err), PATRON_OK);
  assert_int_equal(arm, 2);
  const double zero_last[2] = {1, 0};
  assert_int_equal(patron_hash_choose_arm(9999, zero_last, 2, &arm, &err), PATRON_OK);
  assert_int_equal(arm, 0);
}

static void bad_weights(void **state) {
  (void)state;
  patron_error err = {0};
  size_t arm;
  const double neg[2] = {-1, 2}, zero[2] = {0, 0};
  assert_int_equal(patron_hash_choose_arm(1, neg, 2, &arm, &err), PATRON_ERR_USAGE);
  patron_error_clear(&err);
  assert_int_equal(patron_hash_choose_arm(1, zero, 2, &arm, &err), PATRON_ERR_USAGE);
  assert_int_equal(patron_hash_choose_arm(1, zero, 0, &arm, &err), PATRON_ERR_USAGE);
}

PATRON_TEST_MAIN(cmocka_unit_test(growthbook_v2_cases), cmocka_unit_test(fnv_reference_values),
                 cmocka_unit_test(utf16_code_units), cmocka_unit_test(weighted_ranges),
                 cmocka_unit_test(bad_weights))
