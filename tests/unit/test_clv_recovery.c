/* Parameter recovery: fits on 100,000 customers simulated from each model recover the
 * true parameters within 3 standard errors, and the same fits reject a truth moved by 15%
 * (so the check can fail). Continuous time, T uniform on [1, 78] (weeks, as CDNOW). */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "patron/clv.h"
#include "patron/patron.h"

enum { N = 100000 };

static void check_recovery(const patron_clv_model *m, const double *truth) {
  patron_clv_kind kind = patron_clv_model_kind(m);
  bool rejects_moved = false;
  printf("%s recovery:", patron_clv_kind_name(kind));
  for (size_t j = 0; j < patron_clv_n_params(kind); j++) {
    double est = patron_clv_model_param(m, j), se = patron_clv_model_se(m, j);
    printf(" %s %.4f (true %.4f, se %.4f, z %+.2f)", patron_clv_param_name(kind, j), est, truth[j],
           se, (est - truth[j]) / se);
    if (!(se > 0 && fabs(est - truth[j]) <= 3 * se))
      fail_msg("%s: %s = %.5f is not within 3 SE (%.5f) of the truth %.5f",
               patron_clv_kind_name(kind), patron_clv_param_name(kind, j), est, se, truth[j]);
    rejects_moved = rejects_moved || fabs(est - 1.15 * truth[j]) > 3 * se;
  }
  printf("\n");
  assert_true(rejects_moved);
}

static void recover(patron_clv_kind kind, const double *truth) {
  double *x = malloc(N * sizeof *x), *tx = malloc(N * sizeof *tx), *T = malloc(N * sizeof *T);
  patron_clv_sim_options so = {1, 78, 0, 20240601};
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_simulate(kind, truth, N, &so, x, tx, T, &err), PATRON_OK);
  patron_clv_data d = {N, x, tx, T, NULL, NULL};
  patron_clv_model *m;
  if (patron_clv_fit(kind, &d, NULL, &m, &err) != PATRON_OK)
    fail_msg("fit failed: %s", err.message);
  assert_true(patron_clv_model_converged(m));
  check_recovery(m, truth);
  patron_clv_model_free(m);
  free(x);
  free(tx);
  free(T);
}

static void test_recover_bgnbd(void **state) {
  (void)state;
  const double truth[] = {0.243, 4.414, 0.793, 2.426};
  recover(PATRON_CLV_BGNBD, truth);
}

static void test_recover_mbgnbd(void **state) {
  (void)state;
  const double truth[] = {0.525, 6.183, 0.891, 1.614};
  recover(PATRON_CLV_MBGNBD, truth);
}

static void test_recover_paretonbd(void **state) {
  (void)state;
  const double truth[] = {0.553, 10.578, 0.606, 11.669};
  recover(PATRON_CLV_PARETONBD, truth);
}

/* Gamma-Gamma on the repeat buyers of a BG/NBD population; spend independent of x. */
static void test_recover_gammagamma(void **state) {
  (void)state;
  const double bg[] = {0.243, 4.414, 0.793, 2.426}, truth[] = {6.25, 3.74, 15.44};
  double *x = malloc(N * sizeof *x), *tx = malloc(N * sizeof *tx), *T = malloc(N * sizeof *T);
  double *mon = malloc(N * sizeof *mon);
  patron_clv_sim_options so = {1, 78, 0, 7};
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_simulate(PATRON_CLV_BGNBD, bg, N, &so, x, tx, T, &err), PATRON_OK);
  assert_int_equal(patron_clv_simulate_spend(truth, N, x, 8, mon, &err), PATRON_OK);
  patron_clv_data d = {N, x, tx, T, NULL, mon};
  patron_clv_model *m;
  if (patron_clv_fit(PATRON_CLV_GAMMAGAMMA, &d, NULL, &m, &err) != PATRON_OK)
    fail_msg("fit failed: %s", err.message);
  check_recovery(m, truth);
  assert_null(patron_clv_model_warning(m));
  patron_clv_model_free(m);
  free(x);
  free(tx);
  free(T);
  free(mon);
}

/* When spend grows with frequency the fit warns. */
static void test_gammagamma_correlation_warning(void **state) {
  (void)state;
  enum { M = 2000 };
  double x[M], mon[M];
  for (int i = 0; i < M; i++) {
    x[i] = 1 + i % 20;
    mon[i] = 10 + 3 * x[i] + (i * 7919 % 13);
  }
  patron_clv_data d = {M, x, NULL, NULL, NULL, mon};
  patron_clv_model *m;
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_fit(PATRON_CLV_GAMMAGAMMA, &d, NULL, &m, &err), PATRON_OK);
  assert_non_null(patron_clv_model_warning(m));
  assert_true(patron_clv_model_spend_correlation(m) > 0.3);
  patron_clv_model_free(m);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_recover_bgnbd), cmocka_unit_test(test_recover_mbgnbd),
                 cmocka_unit_test(test_recover_paretonbd),
                 cmocka_unit_test(test_recover_gammagamma),
                 cmocka_unit_test(test_gammagamma_correlation_warning))
