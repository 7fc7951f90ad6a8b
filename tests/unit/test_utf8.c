/* UTF-8 validity and the escaping of input bytes in messages (src/core/utf8.c). */
#include "test_util.h"

#include "core/core_int.h"

#include <string.h>

static bool valid(const char *s) { return patron__utf8_valid(s, strlen(s)); }

static void test_valid(void **state) {
  (void)state;
  assert_true(valid("plain ascii"));
  assert_true(valid("北京 Zürich \xf0\x9f\x98\x80")); /* 3-, 2- and 4-byte sequences */
  assert_false(valid("\xb1\xb1\xbe\xa9"));            /* 北京 in GBK */
  assert_false(valid("Z\xfcrich"));                   /* Latin-1 */
  assert_false(valid("\xc0\xaf"));                    /* overlong '/' */
  assert_false(valid("\xed\xa0\x80"));                /* a UTF-16 surrogate */
  assert_false(valid("\xf4\x90\x80\x80"));            /* past U+10FFFF */
  assert_false(valid("\xe5\x8c"));                    /* cut short */
}

static void test_escape(void **state) {
  (void)state;
  char out[64];
  const char *in = "a\033[2J\nb\tc\x7f\xb1\xb1北";
  assert_string_equal(patron__escape(out, sizeof out, in, strlen(in)),
                      "a\\x1b[2J\\nb\\tc\\x7f\\xb1\\xb1北");
  /* cut to fit, never in the middle of an escape */
  assert_string_equal(patron__escape(out, 5, "\033\033", 2), "\\x1b");
}

PATRON_TEST_MAIN(cmocka_unit_test(test_valid), cmocka_unit_test(test_escape))
