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

/* The shapes the mask path takes (conjunctions of column OP constant and category IN),
 * thresholds that are and are not whole numbers, and shapes it does not take. */
static void mask_shapes(void **state) {
  (void)state;
  static const char *const conds[] = {"freq >= 2",
                                      "freq > 1.5",
                                      "freq < 1.0001",
                                      "freq <= -0.5",
                                      "freq = 2",
                                      "freq = 2.5",
                                      "freq != 2.5",
                                      "freq != 1",
                                      "money >= 10.5 and freq < 3",
                                      "money = -250",
                                      "dbl != 1.25",
                                      "dbl >= -2 and dbl < 2.75 and freq >= 0",
                                      "cat in ('alpha', 'beta')",
                                      "cat not in ('alpha') and money < 0",
                                      "cat in ('alpha', null)",
                                      "freq >= 1 and s like 'h%'",
                                      "freq >= 1 and (money > 0 or dbl > 0)",
                                      "not freq >= 1",
                                      "flag and freq > 0"};
  egen g = {.state = 99};
  patron_table *t = expr_table_empty(ROWS);
  egen_fill(&g, t, ROWS);
  patron_expr_env env;
  expr_env(&env, t);
  uint32_t *kept = malloc(ROWS * sizeof *kept);
  for (size_t i = 0; i < sizeof conds / sizeof *conds; i++) {
    patron_expr *e[2] = {NULL, NULL};
    patron_error err = {0};
    for (int k = 0; k < 2; k++)
      if (patron_expr_compile(conds[i], strlen(conds[i]), &env, &e[k], &err) != PATRON_OK)
        fail_msg("%s: %s", conds[i], err.message);
    size_t want = 0, got = SIZE_MAX;
    assert_int_equal(patron_expr_filter(e[0], NULL, 0, kept, &want, &err), PATRON_OK);
    assert_int_equal(patron_expr_count(e, 2, &got, &err), PATRON_OK);
    if (got != want)
      fail_msg("%s: count %zu, filter keeps %zu", conds[i], got, want);
    for (int k = 0; k < 2; k++)
      patron_expr_free(e[k]);
  }
  free(kept);
  free(g.buf);
  patron_table_free(t);
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

PATRON_TEST_MAIN(cmocka_unit_test(count_equals_filter), cmocka_unit_test(mask_shapes),
                 cmocka_unit_test(not_a_condition))
