/* patron_expr_count (the count-only filter of the API's audience counts): on random tables
 * large enough for several blocks, random conditions counted with 1, 2 and 3 compiled
 * copies must give the number of rows patron_expr_filter keeps; a non-condition is refused. */
#include "test_util.h"
#include "expr_fixture.h"
#include "expr_gen.h"

enum { ROWS = 150001, TABLES = 2, PER_TABLE = 25 };

static void count_equals_filter(void **state) {
  (void)state;
  egen g = {.state = 777};
  uint32_t *kept = malloc(ROWS * sizeof *kept);
  size_t checked = 0;
  for (int tno = 0; tno < TABLES; tno++) {
    patron_table *t = expr_table_empty(ROWS);
    egen_fill(&g, t, ROWS);
    patron_expr_env env;
    expr_env(&env, t);
    for (int i = 0; i < PER_TABLE; i++) {
      egen_condition(&g, 1 + (int)egen_pick(&g, 4));
      patron_expr *e[3] = {NULL, NULL, NULL};
      patron_error err = {0};
      for (int k = 0; k < 3; k++)
        if (patron_expr_compile(g.buf, g.len, &env, &e[k], &err) != PATRON_OK)
          fail_msg("%s: %s", g.buf, err.message);
      if (patron_expr_result_type(e[0]) == PATRON_EXPR_BOOL) {
        size_t want = 0;
        assert_int_equal(patron_expr_filter(e[0], NULL, 0, kept, &want, &err), PATRON_OK);
        for (size_t copies = 1; copies <= 3; copies++) {
          size_t got = SIZE_MAX;
          assert_int_equal(patron_expr_count(e, copies, &got, &err), PATRON_OK);
          if (got != want)
            fail_msg("%s: count %zu with %zu copies, filter keeps %zu", g.buf, got, copies, want);
        }
        checked++;
      }
      for (int k = 0; k < 3; k++)
        patron_expr_free(e[k]);
    }
    patron_table_free(t);
  }
  free(g.buf);
  free(kept);
  assert_true(checked > TABLES * PER_TABLE / 3);
}

static void not_a_condition(void **state) {
  (void)state;
  patron_table *t = expr_table_empty(10);
  patron_expr_env env;
  expr_env(&env, t);
  patron_expr *e = NULL;
  patron_error err = {0};
  assert_int_equal(patron_expr_compile("1 + 2", 5, &env, &e, &err), PATRON_OK);
  size_t n = 7;
  assert_int_not_equal(patron_expr_count(&e, 1, &n, &err), PATRON_OK);
  assert_int_equal(n, 0);
  assert_non_null(strstr(err.message, "not a condition"));
  patron_expr_free(e);
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(count_equals_filter), cmocka_unit_test(not_a_condition))
