/* Unit tests for the table CSV writer: every column type, "none" cells, quoting, and very
 * large doubles. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_every_type(void **state) {
  (void)state;
  static const char *const labels[] = {"a", "b,c"};
  patron_table *t = patron_table_new(3);
  const char **id;
  int64_t *n;
  patron_money *m;
  int32_t *d, *cat;
  double *x;
  assert_int_equal(patron_table_add(t, "id", PATRON_COL_STRING, (void **)&id, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "n", PATRON_COL_INT, (void **)&n, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "m", PATRON_COL_MONEY, (void **)&m, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "d", PATRON_COL_DATE, (void **)&d, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "x", PATRON_COL_DOUBLE, (void **)&x, NULL), PATRON_OK);
  assert_int_equal(patron_table_add_category(t, "c", labels, NULL, 2, false, &cat, NULL),
                   PATRON_OK);
  patron_table_set_decimals(t, "x", 2);
  id[0] = "plain", id[1] = "quo\"te", id[2] = NULL;
  n[0] = -42, n[1] = INT64_MAX;
  m[0] = -15050, m[1] = 1234567;
  d[0] = patron_days_from_civil(2024, 2, 29);
  x[0] = 1e300, x[1] = -0.125, x[2] = NAN; /* doubles print as printf does: -0.12 */
  cat[0] = 1, cat[1] = 0;
  patron_error err = {0};
  char path[] = "/tmp/patron-test-outXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(patron_write_table_csv(t, path, &err), PATRON_OK);
  char *text = slurp(path);
  char want[1024];
  snprintf(want, sizeof want,
           "id,n,m,d,x,c\n"
           "plain,-42,-1.51,2024-02-29,%.2f,\"b,c\"\n"
           "\"quo\"\"te\",9223372036854775807,123.46,,-0.12,a\n"
           ",,,,,\n",
           1e300);
  assert_string_equal(text, want);
  unlink(path);
  patron_table_free(t);
}

static void test_duplicate_column_is_an_error(void **state) {
  (void)state;
  patron_table *t = patron_table_new(1);
  int64_t *a;
  patron_error err = {0};
  assert_int_equal(patron_table_add(t, "a", PATRON_COL_INT, (void **)&a, &err), PATRON_OK);
  assert_int_equal(patron_table_add(t, "a", PATRON_COL_INT, (void **)&a, &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "'a' already exists"));
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_every_type),
                 cmocka_unit_test(test_duplicate_column_is_an_error))
