/* Classifier metrics against scikit-learn's values on a small example with ties (roc_auc_score,
 * average_precision_score, log_loss, brier_score_loss, computed once with Debian's
 * python3-sklearn), the decile table by hand, and the logistic regression fit checked by its
 * optimality conditions (penalized score equations = 0) and thread independence. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patron/patron.h"

static const float Y[12] = {1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0};
static const double P[12] = {0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1, 0.05};

static void matches_sklearn(void **state) {
  (void)state;
  patron_binary_metrics m;
  patron_error err = {0};
  assert_int_equal(patron_metrics_binary(P, Y, 12, &m, &err), PATRON_OK);
  assert_true(fabs(m.auc - 0.7285714285714286) < 1e-12);
  assert_true(fabs(m.pr_auc - 0.6976190476190476) < 1e-12);
  assert_true(fabs(m.log_loss - 0.6083155981675056) < 1e-12);
  assert_true(fabs(m.brier - 0.21520833333333333) < 1e-12);
  assert_true(fabs(patron_metrics_auc(P, Y, 12) - m.auc) < 1e-15);
}

static void decile_table_by_hand(void **state) {
  (void)state;
  patron_binary_metrics m;
  patron_error err = {0};
  assert_int_equal(patron_metrics_binary(P, Y, 12, &m, &err), PATRON_OK);
  /* ranks 0..11 -> deciles floor(10 r / 12): 0,0,1,2,3,4,5,5,6,7,8,9; the tie at 0.8 keeps
   * row order, so decile 1 = rows 0 (y 1) and 1 (y 0). */
  assert_int_equal(m.deciles[0].n, 2);
  assert_true(m.deciles[0].positives == 1);
  assert_true(fabs(m.deciles[0].mean_score - 0.85) < 1e-12);
  assert_true(fabs(m.top_decile_lift - 0.5 / (5.0 / 12)) < 1e-12);
  assert_true(fabs(m.deciles[9].cum_capture - 1) < 1e-12);
  assert_true(fabs(m.deciles[1].cum_capture - 0.4) < 1e-12); /* rows 0,1,2: 2 of 5 */
}

static void errors(void **state) {
  (void)state;
  patron_binary_metrics m;
  patron_error err = {0};
  float ones[12];
  for (int i = 0; i < 12; i++)
    ones[i] = 1;
  assert_int_equal(patron_metrics_binary(P, ones, 12, &m, &err), PATRON_ERR_DOMAIN);
  assert_true(isnan(patron_metrics_auc(P, ones, 12)));
  double bad[12];
  memcpy(bad, P, sizeof bad);
  bad[3] = NAN;
  patron_error_clear(&err);
  assert_int_equal(patron_metrics_binary(bad, Y, 12, &m, &err), PATRON_ERR_INPUT);
}

/* ---- Logistic regression ---------------------------------------------------------------- */

enum { N = 6000, K = 3 };

static uint64_t next(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 11;
}

static double uniform(uint64_t *s) { return (double)next(s) / 9007199254740992.0; }

static void simulate(float *x, float *y) {
  uint64_t s = 7;
  const double beta[K] = {2, -1, 0.5};
  for (int i = 0; i < N; i++) {
    double eta = 0.3;
    for (int j = 0; j < K; j++) {
      x[i * K + j] = (float)(2 * uniform(&s) - 1);
      eta += beta[j] * x[i * K + j];
    }
    y[i] = uniform(&s) < 1 / (1 + exp(-eta)) ? 1.0f : 0.0f;
  }
}

static void logistic_solves_score_equations(void **state) {
  (void)state;
  float *x = malloc(N * K * sizeof *x), *y = malloc(N * sizeof *y);
  simulate(x, y);
  double beta[K + 1];
  patron_error err = {0};
  const double l2 = 2.0;
  assert_int_equal(patron_logistic_fit(x, y, NULL, N, K, l2, 2, beta, &err), PATRON_OK);
  double grad[K + 1] = {0};
  for (int i = 0; i < N; i++) {
    double eta = beta[K];
    for (int j = 0; j < K; j++)
      eta += beta[j] * x[i * K + j];
    double r = 1 / (1 + exp(-eta)) - y[i];
    for (int j = 0; j < K; j++)
      grad[j] += r * x[i * K + j];
    grad[K] += r;
  }
  for (int j = 0; j < K; j++)
    grad[j] += l2 * beta[j];
  for (int j = 0; j <= K; j++)
    assert_true(fabs(grad[j]) < 1e-6);
  assert_true(fabs(beta[0] - 2) < 0.3 && fabs(beta[1] + 1) < 0.3 && fabs(beta[3] - 0.3) < 0.3);
  double again[K + 1];
  assert_int_equal(patron_logistic_fit(x, y, NULL, N, K, l2, 1, again, &err), PATRON_OK);
  assert_memory_equal(beta, again, sizeof beta);
  free(x);
  free(y);
}

static void logistic_needs_both_classes(void **state) {
  (void)state;
  float x[4] = {1, 2, 3, 4}, y[4] = {0, 0, 0, 0};
  double beta[2];
  patron_error err = {0};
  assert_int_equal(patron_logistic_fit(x, y, NULL, 4, 1, 1, 1, beta, &err), PATRON_ERR_DOMAIN);
}

PATRON_TEST_MAIN(cmocka_unit_test(matches_sklearn), cmocka_unit_test(decile_table_by_hand),
                 cmocka_unit_test(errors), cmocka_unit_test(logistic_solves_score_equations),
                 cmocka_unit_test(logistic_needs_both_classes))
