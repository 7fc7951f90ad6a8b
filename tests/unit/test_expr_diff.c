/* Differential test of the expression language (SPEC section 6): random well-typed
 * conditions (expr_gen.h) over random tables with nulls; the row evaluator, the
 * vectorized evaluator and the filter (over all rows and over a subset) must agree on
 * every row. */
#include "test_util.h"
#include "expr_fixture.h"
#include "expr_gen.h"

enum { ROWS = 64, TABLES = 40, PER_TABLE = 60 };

static void check_all_rows(patron_expr *e, const char *text) {
  int8_t vec[ROWS];
  uint32_t kept[ROWS], odd[ROWS / 2], odd_kept[ROWS / 2];
  size_t n_kept = 0, n_odd_kept = 0, k = 0, ko = 0;
  patron_error err = {0};
  assert_int_equal(patron_expr_eval_bool(e, NULL, ROWS, vec, &err), PATRON_OK);
  assert_int_equal(patron_expr_filter(e, NULL, 0, kept, &n_kept, &err), PATRON_OK);
  for (size_t i = 0; i < ROWS / 2; i++)
    odd[i] = (uint32_t)(2 * i + 1);
  assert_int_equal(patron_expr_filter(e, odd, ROWS / 2, odd_kept, &n_odd_kept, &err), PATRON_OK);
  for (size_t r = 0; r < ROWS; r++) {
    patron_expr_value v;
    assert_int_equal(patron_expr_eval_row(e, r, &v, &err), PATRON_OK);
    int8_t want = v.is_null ? -1 : v.boolean;
    if (vec[r] != want)
      fail_msg("%s: row %zu: vectorized %d, row %d", text, r, vec[r], want);
    if (want == 1) {
      assert_true(k < n_kept && kept[k] == r);
      k++;
      if (r % 2) {
        assert_true(ko < n_odd_kept && odd_kept[ko] == r);
        ko++;
      }
    }
  }
  assert_int_equal(k, n_kept);
  assert_int_equal(ko, n_odd_kept);
}

static void random_conditions(void **state) {
  (void)state;
  egen g = {.state = 20240101};
  size_t compiled = 0;
  for (int tno = 0; tno < TABLES; tno++) {
    patron_table *t = expr_table_empty(ROWS);
    egen_fill(&g, t, ROWS);
    patron_expr_env env;
    expr_env(&env, t);
    for (int i = 0; i < PER_TABLE; i++) {
      egen_condition(&g, 1 + (int)egen_pick(&g, 5));
      patron_expr *e = NULL;
      patron_error err = {0};
      if (patron_expr_compile(g.buf, g.len, &env, &e, &err) != PATRON_OK)
        fail_msg("%s: %s", g.buf, err.message);
      if (patron_expr_result_type(e) == PATRON_EXPR_BOOL) {
        check_all_rows(e, g.buf);
        compiled++;
      }
      patron_expr_free(e);
    }
    patron_table_free(t);
  }
  free(g.buf);
  assert_true(compiled > TABLES * PER_TABLE / 2);
}

PATRON_TEST_MAIN(cmocka_unit_test(random_conditions))
