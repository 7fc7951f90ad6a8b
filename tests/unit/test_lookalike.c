/* Lookalike audiences (SPEC section 9): the evaluation figures on hand-computed rankings,
 * the --top rounding, and a fitted run on a fixture whose seed-like customers are obvious.
 *   evaluate: scores 0.9 0.8 0.7 0.6 0.5 with labels 1 0 1 0 0: of the 2 x 3 (positive,
 *   negative) pairs, 0.9 beats all three negatives and 0.7 beats 0.6 and 0.5: AUC 5/6; the
 *   best k = 2 hold one of the two positives: recall 1/2, lift 0.5 / (2/5) = 1.25.
 *   Ties: 0.5 (positive) 0.5 0.1: AUC (1/2 + 1)/2 = 0.75; k = 1 takes row 0 (ties by
 *   index): recall 1, lift 3.
 *   Fixture: 40 customers; L01..L10 buy category x for 501-510 on 03-15 and 06-15, the
 *   others buy category y for 31-60 once in January to May; the seed is L01..L06, so the best 4 are
 * L07..L10. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

static void evaluate(void **state) {
  (void)state;
  const double s[] = {0.9, 0.8, 0.7, 0.6, 0.5};
  const uint8_t y[] = {1, 0, 1, 0, 0};
  patron_lookalike_eval e = patron_lookalike_evaluate(s, y, 5, 2);
  assert_true(fabs(e.auc - 5.0 / 6) < 1e-12);
  assert_true(fabs(e.recall - 0.5) < 1e-12);
  assert_true(fabs(e.lift - 1.25) < 1e-12);
  const double t[] = {0.5, 0.5, 0.1};
  const uint8_t z[] = {1, 0, 0};
  e = patron_lookalike_evaluate(t, z, 3, 1);
  assert_true(fabs(e.auc - 0.75) < 1e-12);
  assert_true(fabs(e.recall - 1) < 1e-12);
  assert_true(fabs(e.lift - 3) < 1e-12);
  const uint8_t none[] = {0, 0, 0};
  assert_true(isnan(patron_lookalike_evaluate(t, none, 3, 1).auc));
}

static void sizes(void **state) {
  (void)state;
  patron_lookalike_options o;
  patron_lookalike_options_init(&o);
  assert_true(o.holdout_pct == 20);
  o.top_pct = 2.5;
  assert_int_equal(patron_lookalike_size(&o, 2820), 71); /* floor(70.5 + 0.5) */
  assert_int_equal(patron_lookalike_size(&o, 2819), 70); /* floor(70.475 + 0.5) */
  o.top_pct = 100;
  assert_int_equal(patron_lookalike_size(&o, 7), 7);
  o.size = 10;
  assert_int_equal(patron_lookalike_size(&o, 5), 5);
  assert_int_equal(patron_lookalike_size(&o, 50), 10);
}

typedef struct fx {
  patron_dataset *ds;
  patron_profile *p;
} fx;

static fx build(void) {
  static char orders[8192];
  size_t len =
      (size_t)snprintf(orders, sizeof orders, "customer_id,order_id,order_time,amount,category\n");
  for (int i = 1; i <= 40; i++) {
    bool like = i <= 10;
    for (int k = 0; k < (like ? 2 : 1); k++)
      len +=
          (size_t)snprintf(orders + len, sizeof orders - len, "%c%02d,o%d_%d,2024-0%d-15,%d,%s\n",
                           like ? 'L' : 'N', like ? i : i - 10, i, k, like ? 3 + 3 * k : 1 + i % 5,
                           like ? 500 + i : 20 + i, like ? "x" : "y");
  }
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  lo.keep_lines = true;
  fx f = {0};
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &f.ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2025, 1, 1);
  assert_int_equal(patron_profile_build(f.ds, &po, &f.p, &err), PATRON_OK);
  return f;
}

static void done(fx *f) {
  patron_profile_free(f->p);
  patron_dataset_free(f->ds);
}

/* Profile rows are in customer_id order: L01..L10 are rows 0..9. */
static void fitted(void **state) {
  (void)state;
  fx f = build();
  const uint32_t seed[] = {0, 1, 2, 3, 4, 5, 5};
  patron_lookalike_options o;
  patron_lookalike_options_init(&o);
  o.size = 4;
  o.holdout_pct = 34; /* floor(0.34 x 6 + 0.5) = 2 hidden */
  patron_lookalike_result r, again;
  patron_error err = {0};
  assert_int_equal(patron_lookalike_run(f.p, f.ds, seed, 7, &o, &r, &err), PATRON_OK);
  assert_int_equal(r.n_seed, 6);
  assert_int_equal(r.n_candidates, 34);
  assert_int_equal(r.n_hidden, 2);
  assert_int_equal(r.n_eval, 36);
  assert_int_equal(r.n_rows, 4);
  assert_true(r.n_features > 0);
  for (size_t i = 0; i < 4; i++) {
    assert_true(r.rows[i] >= 6 && r.rows[i] <= 9);
    assert_true(r.score[i] >= 0 && r.score[i] <= 1);
    assert_true(i == 0 || r.score[i] <= r.score[i - 1]);
  }
  /* every hidden L row outranks every N row (the 4 unseeded L rows count as negatives) */
  double min_hidden = INFINITY, max_n = -INFINITY;
  for (size_t i = 0; i < r.n_eval; i++) {
    uint32_t row = r.eval_rows[i];
    if (r.eval_hidden[i])
      min_hidden = fmin(min_hidden, r.eval_score[i]);
    else if (row >= 10)
      max_n = fmax(max_n, r.eval_score[i]);
  }
  assert_true(min_hidden > max_n);
  assert_true(r.model.auc >= 30.0 / 34 - 1e-12);
  assert_int_equal(patron_lookalike_run(f.p, f.ds, seed, 7, &o, &again, &err), PATRON_OK);
  assert_memory_equal(r.rows, again.rows, 4 * sizeof *r.rows);
  assert_memory_equal(r.score, again.score, 4 * sizeof *r.score);
  patron_lookalike_result_free(&r);
  patron_lookalike_result_free(&again);
  done(&f);
}

static void errors(void **state) {
  (void)state;
  fx f = build();
  patron_lookalike_options o;
  patron_lookalike_options_init(&o);
  patron_lookalike_result r;
  patron_error err = {0};
  const uint32_t one[] = {0}, bad[] = {40};
  assert_int_equal(patron_lookalike_run(f.p, f.ds, one, 1, &o, &r, &err), PATRON_ERR_USAGE);
  patron_error_clear(&err);
  o.size = 3;
  assert_int_equal(patron_lookalike_run(f.p, f.ds, one, 0, &o, &r, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "the seed holds no customer"));
  patron_error_clear(&err);
  assert_int_equal(patron_lookalike_run(f.p, f.ds, bad, 1, &o, &r, &err), PATRON_ERR_USAGE);
  patron_error_clear(&err);
  uint32_t all[40];
  for (uint32_t i = 0; i < 40; i++)
    all[i] = i;
  assert_int_equal(patron_lookalike_run(f.p, f.ds, all, 40, &o, &r, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "the seed holds every customer"));
  patron_error_clear(&err);
  o.holdout_pct = 100;
  assert_int_equal(patron_lookalike_run(f.p, f.ds, one, 1, &o, &r, &err), PATRON_ERR_USAGE);
  patron_error_clear(&err);
  o.holdout_pct = 20; /* a seed of one hides nobody: no evaluation */
  assert_int_equal(patron_lookalike_run(f.p, f.ds, one, 1, &o, &r, &err), PATRON_OK);
  assert_int_equal(r.n_hidden, 0);
  assert_true(isnan(r.model.auc));
  patron_lookalike_result_free(&r);
  done(&f);
}

PATRON_TEST_MAIN(cmocka_unit_test(evaluate), cmocka_unit_test(sizes), cmocka_unit_test(fitted),
                 cmocka_unit_test(errors))
