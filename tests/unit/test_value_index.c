/* The value index (docs/TIERS.md): percentile ranks with mid-ranks for ties, min-max on
 * signed log1p values, formula-v1 with its capped exp term, weights and their parsing.
 * Five customers (recency, frequency, monetary), worked out by hand:
 *   A (1, 2, 150)  B (10, 1, 200)  C (163, 3, 60)  D (406, 1, 500)  F (1, 1, 150)
 *   recency ranks (inverted): D 0, C .25, B .5, A and F tie at positions 3, 4 -> .875
 *   frequency: B, D, F tie at 0..2 -> .25, A .75, C 1;  monetary: C 0, A F .375, B .75, D 1
 *   index = .4 R + .3 F + .3 M: A .6875, B .5, C .4, D .375, F .5375 */
#include "test_util.h"

#include "patron/patron.h"

#include <math.h>
#include <string.h>

static const double rec[] = {1, 10, 163, 406, 1}, freq[] = {2, 1, 3, 1, 1},
                    mon[] = {150, 200, 60, 500, 150};

static void test_rank_by_hand(void **state) {
  (void)state;
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  double v[5];
  patron_value_index_info info;
  patron_error err = {0};
  assert_int_equal(patron_value_index_compute(rec, freq, mon, 5, &o, v, &info, &err), PATRON_OK);
  const double want[] = {0.6875, 0.5, 0.4, 0.375, 0.5375};
  for (int i = 0; i < 5; i++)
    assert_true(fabs(v[i] - want[i]) < 1e-12);
  assert_int_equal(info.n_scored, 5);
  assert_int_equal(info.n_capped, 0);
}

static void test_rank_bounds_and_single(void **state) {
  (void)state;
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  /* the best on every indicator scores 1, the worst 0 */
  const double r[] = {1, 50, 400}, f[] = {9, 3, 1}, m[] = {900, 90, 9};
  double v[3];
  patron_error err = {0};
  assert_int_equal(patron_value_index_compute(r, f, m, 3, &o, v, NULL, &err), PATRON_OK);
  assert_true(v[0] == 1.0 && fabs(v[1] - 0.5) < 1e-12 && v[2] == 0.0);
  /* one customer: nothing to compare with, the midpoint */
  assert_int_equal(patron_value_index_compute(r, f, m, 1, &o, v, NULL, &err), PATRON_OK);
  assert_true(fabs(v[0] - 0.5) < 1e-12);
  /* everyone tied: everyone at the midpoint */
  const double same[] = {5, 5, 5};
  assert_int_equal(patron_value_index_compute(same, same, same, 3, &o, v, NULL, &err), PATRON_OK);
  for (int i = 0; i < 3; i++)
    assert_true(fabs(v[i] - 0.5) < 1e-12);
}

static void test_minmax_log(void **state) {
  (void)state;
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  o.method = PATRON_VALUE_INDEX_MINMAX_LOG;
  o.weights[0] = 0, o.weights[1] = 0, o.weights[2] = 1; /* monetary only */
  /* log1p(0) = 0, log1p(e - 1) = 1, log1p(e^2 - 1) = 2; a net refunder: -log1p(e^2 - 1) */
  const double e = exp(1.0);
  const double m[] = {0, e - 1, e * e - 1, -(e * e - 1)}, r[] = {1, 1, 1, 1}, f[] = {1, 1, 1, 1};
  double v[4];
  patron_error err = {0};
  assert_int_equal(patron_value_index_compute(r, f, m, 4, &o, v, NULL, &err), PATRON_OK);
  const double want[] = {0.5, 0.75, 1.0, 0.0};
  for (int i = 0; i < 4; i++)
    assert_true(fabs(v[i] - want[i]) < 1e-12);
  /* recency only: inverted, the most recent scores 1 */
  o.weights[0] = 1, o.weights[2] = 0;
  const double r2[] = {0, e - 1, e * e - 1, 0};
  assert_int_equal(patron_value_index_compute(r2, f, m, 4, &o, v, NULL, &err), PATRON_OK);
  assert_true(v[0] == 1.0 && fabs(v[1] - 0.5) < 1e-12 && v[2] == 0.0);
}

static void test_formula_v1_and_cap(void **state) {
  (void)state;
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  o.method = PATRON_VALUE_INDEX_FORMULA_V1;
  const double r[] = {9, 1, 1, 1}, f[] = {2, 1, 1, 1}, m[] = {1000, -5000, 800000, 1e12};
  double v[4];
  patron_value_index_info info;
  patron_error err = {0};
  assert_int_equal(patron_value_index_compute(r, f, m, 4, &o, v, &info, &err), PATRON_OK);
  assert_true(fabs(v[0] - (0.4 * log(10) + 0.6 + 0.3 * exp(1))) < 1e-12);
  assert_true(fabs(v[1] - (0.4 * log(2) + 0.3 + 0.3 * exp(-5))) < 1e-12);
  /* exp(800) and exp(1e9) overflow a double: both capped at 1e30, finite, and counted */
  assert_int_equal(info.n_capped, 2);
  assert_true(info.cap == 1e30);
  for (int i = 2; i < 4; i++)
    assert_true(isfinite(v[i]) && fabs(v[i] - 0.3e30) < 1e16);
}

static void test_bad_input(void **state) {
  (void)state;
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  const double r[] = {1, NAN}, f[] = {1, 1}, m[] = {1, 1};
  double v[2];
  patron_error err = {0};
  assert_int_equal(patron_value_index_compute(r, f, m, 2, &o, v, NULL, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "recency of row 1"));
  o.weights[0] = o.weights[1] = o.weights[2] = 0;
  patron_error_clear(&err);
  assert_int_equal(patron_value_index_compute(f, f, m, 2, &o, v, NULL, &err), PATRON_ERR_USAGE);
}

static void test_parse_weights(void **state) {
  (void)state;
  double w[3];
  patron_error err = {0};
  assert_int_equal(patron_value_index_parse_weights("0.4,0.3,0.3", w, &err), PATRON_OK);
  assert_true(fabs(w[0] - 0.4) < 1e-12 && fabs(w[2] - 0.3) < 1e-12);
  assert_int_equal(patron_value_index_parse_weights("m=1, r=2,f=1", w, &err), PATRON_OK);
  assert_true(fabs(w[0] - 0.5) < 1e-12 && fabs(w[1] - 0.25) < 1e-12 && fabs(w[2] - 0.25) < 1e-12);
  assert_int_equal(patron_value_index_parse_weights("4,3,3", w, &err), PATRON_OK);
  assert_true(fabs(w[0] - 0.4) < 1e-12);
}

/* Each bad text fails with a caret under its fault (err.column = position + 1). */
static void test_parse_weights_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t column;
    const char *why;
  } cases[] = {
      {"0.4,x,0.3", 5, "expected a number"},
      {"0.4,0.3", 8, "expected three weights"},
      {"0.4,0.3,0.3,0.1", 13, "expected three weights"},
      {"0.4,,0.3", 5, "expected a number"},
      {"-1,1,1", 1, "cannot be negative"},
      {"0,0,0", 1, "cannot all be 0"},
      {"r=1,q=1,m=1", 5, "expected r, f or m"},
      {"r=1,r=1,m=1", 5, "given twice"},
      {"r=1,f=1,m=z", 11, "expected a number"},
      {"r=1,f=1", 8, "expected r=, f= and m="},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    double w[3] = {7, 7, 7};
    patron_error err = {0};
    assert_int_equal(patron_value_index_parse_weights(cases[i].text, w, &err), PATRON_ERR_USAGE);
    if (err.column != cases[i].column || !strstr(err.message, cases[i].why))
      fail_msg("'%s': column %u, message %s", cases[i].text, err.column, err.message);
    assert_non_null(strstr(err.message, "--weights"));
    assert_true(w[0] == 7); /* untouched */
  }
  patron_error err = {0};
  assert_int_equal(patron_value_index_parse_weights("0.4,x,0.3", (double[3]){0}, &err),
                   PATRON_ERR_USAGE);
  assert_string_equal(err.message, "--weights 0.4,x,0.3\n  0.4,x,0.3\n      ^ expected a number");
}

static void test_parse_method(void **state) {
  (void)state;
  patron_value_index_method m;
  patron_error err = {0};
  assert_int_equal(patron_value_index_parse_method("minmax-log", &m, &err), PATRON_OK);
  assert_int_equal(m, PATRON_VALUE_INDEX_MINMAX_LOG);
  assert_int_equal(patron_value_index_parse_method("formula-v1", &m, &err), PATRON_OK);
  assert_int_equal(m, PATRON_VALUE_INDEX_FORMULA_V1);
  assert_int_equal(patron_value_index_parse_method("ranks", &m, &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "expected rank, minmax-log or formula-v1"));
}

/* The table version scores purchasers only and leaves the others empty. */
static void test_table_column(void **state) {
  (void)state;
  patron_table *t = patron_table_new(6);
  int64_t *r, *f, *m;
  patron_error err = {0};
  assert_int_equal(patron_table_add(t, "recency_days", PATRON_COL_INT, (void **)&r, &err), 0);
  assert_int_equal(patron_table_add(t, "frequency", PATRON_COL_INT, (void **)&f, &err), 0);
  assert_int_equal(patron_table_add(t, "monetary", PATRON_COL_MONEY, (void **)&m, &err), 0);
  for (int i = 0, j = 0; i < 6; i++) {
    if (i == 2)
      continue; /* row 2: a prospect */
    r[i] = (int64_t)rec[j], f[i] = (int64_t)freq[j], m[i] = (int64_t)mon[j] * PATRON_MONEY_SCALE;
    j++;
  }
  patron_value_index_options o;
  patron_value_index_options_init(&o);
  assert_int_equal(patron_value_index(t, &o, NULL, &err), PATRON_OK);
  const double *v = patron_table_find(t, "value_index")->data;
  assert_true(isnan(v[2]));
  assert_true(fabs(v[0] - 0.6875) < 1e-12 && fabs(v[5] - 0.5375) < 1e-12);
  assert_int_equal(patron_value_index(t, &o, NULL, &err), PATRON_ERR_USAGE); /* twice */
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_rank_by_hand), cmocka_unit_test(test_rank_bounds_and_single),
                 cmocka_unit_test(test_minmax_log), cmocka_unit_test(test_formula_v1_and_cap),
                 cmocka_unit_test(test_bad_input), cmocka_unit_test(test_parse_weights),
                 cmocka_unit_test(test_parse_weights_errors), cmocka_unit_test(test_parse_method),
                 cmocka_unit_test(test_table_column))
