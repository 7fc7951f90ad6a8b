/* Shared cmocka scaffolding: PATRON_TEST_MAIN runs every case, or only the one named in
 * argv[1] so that CTest can register each case as its own test. */
#ifndef PATRON_TEST_UTIL_H
#define PATRON_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PATRON_TEST_MAIN(...)                                                                      \
  int main(int argc, char **argv) {                                                                \
    const struct CMUnitTest tests[] = {__VA_ARGS__};                                               \
    if (argc > 1)                                                                                  \
      cmocka_set_test_filter(argv[1]);                                                             \
    return cmocka_run_group_tests(tests, NULL, NULL);                                              \
  }

#endif
