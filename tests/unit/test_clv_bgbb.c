/* BG/BB (Fader, Hardie & Shang 2010): the published donations fit (MLE, LL, P(alive) of
 * Table 6, expected transactions over the next 5 years), likelihoods of tiny cases against
 * a brute-force sum over the latent dropout period with the beta mixing integrated
 * numerically, the paper's closed forms of E[X(n)] and E[X(n, n+n*) | x, t_x, n] against the
 * library's sums, and parameter recovery from 50,000 customers simulated by the model's story. */
#include "test_util.h"

#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/clv.h"

typedef struct donations {
  size_t n;
  double x[64], tx[64], n_opp[64], w[64];
} donations;

/* Reads frequency,recency,periods,weights; false when the file is absent. The folder may be
 * given by the PATRON_SHARED_DATA environment variable (worktrees sit elsewhere). */
static bool read_donations(donations *d) {
  const char *dir = getenv("PATRON_SHARED_DATA");
  char path[4096];
  snprintf(path, sizeof path, "%s/donations/donations.csv", dir ? dir : PATRON_SHARED_DATA);
  FILE *f = fopen(path, "r");
  if (!f)
    return false;
  char line[256];
  d->n = 0;
  assert_non_null(fgets(line, sizeof line, f));
  assert_string_equal(line, "frequency,recency,periods,weights\n");
  while (d->n < 64 && fgets(line, sizeof line, f)) {
    size_t i = d->n++;
    assert_int_equal(sscanf(line, "%lf,%lf,%lf,%lf", &d->x[i], &d->tx[i], &d->n_opp[i], &d->w[i]),
                     4);
  }
  fclose(f);
  return true;
}

static donations g_don;

static patron_clv_model *fit_donations(void) {
  if (!read_donations(&g_don))
    skip(); /* the shared donations folder is absent: nothing to validate against */
  assert_int_equal(g_don.n, 22);
  patron_clv_data d = {g_don.n, g_don.x, g_don.tx, g_don.n_opp, g_don.w, NULL};
  patron_clv_model *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_bgbb_fit(&d, NULL, &m, &err), PATRON_OK);
  return m;
}

/* Published MLE (BTYD walkthrough, lifetimes' tests): 1.204, 0.750, 0.657, 2.783; LL
 * -33225.58 over 11,104 donors. */
static void test_donations_mle(void **state) {
  (void)state;
  patron_clv_model *m = fit_donations();
  const double pub[] = {1.204, 0.750, 0.657, 2.783};
  for (size_t j = 0; j < 4; j++) {
    printf("%s = %.5f (se %.4f)\n", patron_clv_param_name(PATRON_CLV_BGBB, j),
           patron_clv_model_param(m, j), patron_clv_model_se(m, j));
    assert_true(fabs(patron_clv_model_param(m, j) - pub[j]) < 0.0005 + 1e-9);
  }
  printf("LL %.4f\n", patron_clv_model_log_likelihood(m));
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -33225.58) < 0.01);
  assert_true(patron_clv_model_n_customers(m) == 11104);
  assert_string_equal(patron_clv_kind_name(patron_clv_model_kind(m)), "bgbb");
  patron_clv_model_free(m);
}

/* Table 6: P(alive in 2002) for (0, 0), (2, 4), (6, 6) is 0.11, 0.59, 0.93; expected
 * repeat transactions over 2002-2006 summed over the donors: 12,884.2. */
static void test_donations_predictions(void **state) {
  (void)state;
  patron_clv_model *m = fit_donations();
  double x[] = {0, 2, 6}, tx[] = {0, 4, 6}, n[] = {6, 6, 6}, pa[3];
  patron_clv_data q = {3, x, tx, n, NULL, NULL};
  assert_int_equal(patron_clv_bgbb_p_alive(m, &q, pa, NULL), PATRON_OK);
  const double pub[] = {0.11, 0.59, 0.93};
  for (int i = 0; i < 3; i++) {
    printf("P(alive | %g, %g, 6) = %.4f\n", x[i], tx[i], pa[i]);
    assert_true(fabs(pa[i] - pub[i]) <= 0.005);
  }
  patron_clv_data d = {g_don.n, g_don.x, g_don.tx, g_don.n_opp, g_don.w, NULL};
  double e[64], total = 0;
  assert_int_equal(patron_clv_bgbb_expected(m, &d, 5, e, NULL), PATRON_OK);
  for (size_t i = 0; i < d.n; i++)
    total += g_don.w[i] * e[i];
  printf("expected transactions 2002-2006: %.2f\n", total);
  assert_true(fabs(total - 12884.2) < 0.5);
  patron_clv_model_free(m);
}

/* ---- brute force: beta moments by quadrature, dropout period enumerated ------------------ */

typedef struct moment {
  double a, b, u, v; /* E[q^u (1-q)^v], q ~ Beta(a, b) */
} moment;

static double moment_integrand(double q, void *p) {
  const moment *m = p;
  return pow(q, m->u) * pow(1 - q, m->v) * gsl_ran_beta_pdf(q, m->a, m->b);
}

static double beta_moment(double a, double b, double u, double v) {
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
  moment m = {a, b, u, v};
  gsl_function f = {moment_integrand, &m};
  double r, abserr;
  assert_int_equal(gsl_integration_qags(&f, 0, 1, 1e-13, 1e-11, 1000, w, &r, &abserr), 0);
  gsl_integration_workspace_free(w);
  return r;
}

/* L = sum over k = periods alive (t_x <= k <= n): P(alive exactly k) E[p^x (1-p)^(k-x)],
 * with P(alive exactly k) = E[theta (1-theta)^k] for k < n and E[(1-theta)^n] for k = n. */
static double brute_likelihood(const double *th, int x, int tx, int n) {
  double L = 0;
  for (int k = tx; k <= n; k++) {
    double alive = k < n ? beta_moment(th[2], th[3], 1, k) : beta_moment(th[2], th[3], 0, n);
    L += alive * beta_moment(th[0], th[1], x, k - x);
  }
  return L;
}

static void test_tiny_likelihoods(void **state) {
  (void)state;
  /* uniform p and theta, by hand: n = 1: P(no transaction) = E[theta] + E[1-theta] E[1-p]
   * = 1/2 + 1/4; n = 2, (1, 1): alive once then gone E[theta (1-theta)] E[p] = 1/6 1/2,
   * alive twice E[(1-theta)^2] E[p (1-p)] = 1/3 1/6: 1/12 + 1/18 = 5/36 */
  const double ones[] = {1, 1, 1, 1};
  assert_true(fabs(exp(patron_clv_bgbb_log_likelihood(ones, 0, 0, 1)) - 0.75) < 1e-12);
  assert_true(fabs(exp(patron_clv_bgbb_log_likelihood(ones, 1, 1, 1)) - 0.25) < 1e-12);
  assert_true(fabs(exp(patron_clv_bgbb_log_likelihood(ones, 1, 1, 2)) - 5.0 / 36) < 1e-12);
  const double th[][4] = {{1.204, 0.750, 0.657, 2.783}, {0.3, 2.5, 1.7, 0.4}, {4, 4, 0.9, 9}};
  for (size_t s = 0; s < 3; s++)
    for (int n = 1; n <= 2; n++) {
      double total = 0; /* every purchase sequence: C(t_x - 1, x - 1) per pattern */
      for (int tx = 0; tx <= n; tx++)
        for (int x = tx ? 1 : 0; x <= tx; x++) {
          double L = exp(patron_clv_bgbb_log_likelihood(th[s], x, tx, n));
          double B = brute_likelihood(th[s], x, tx, n);
          assert_true(fabs(L - B) < 1e-9 * B);
          total += L * (tx ? gsl_sf_choose((unsigned)tx - 1, (unsigned)x - 1) : 1);
        }
      assert_true(fabs(total - 1) < 1e-12);
    }
}

/* Large n stays finite and matches the sum of the sequences' probabilities (the patterns of
 * n opportunities sum to 1 with their multiplicities) also at n = 40. */
static void test_large_n(void **state) {
  (void)state;
  const double th[] = {1.2, 0.75, 0.66, 2.8};
  const int n = 40;
  double total = 0;
  for (int tx = 0; tx <= n; tx++)
    for (int x = tx ? 1 : 0; x <= tx; x++)
      total += exp(patron_clv_bgbb_log_likelihood(th, x, tx, n)) *
               (tx ? gsl_sf_choose((unsigned)tx - 1, (unsigned)x - 1) : 1);
  assert_true(fabs(total - 1) < 1e-9);
  double l = patron_clv_bgbb_log_likelihood(th, 3, 10, 200000);
  assert_true(isfinite(l) && l < 0);
}

/* E[X(n)] and E[X(n, n+n*) | x, t_x, n] in the paper's closed forms (gamma != 1). */
static void test_closed_forms(void **state) {
  (void)state;
  const double th[] = {1.204, 0.750, 0.657, 2.783};
  double a = th[0], b = th[1], g = th[2], d = th[3];
  patron_clv_model *m;
  assert_int_equal(patron_clv_model_new(PATRON_CLV_BGBB, th, &m, NULL), PATRON_OK);
  for (int n = 1; n <= 12; n += 5) {
    double eq7 = a / (a + b) * d / (g - 1) *
                 (1 - exp(gsl_sf_lngamma(g + d) - gsl_sf_lngamma(g + d + n) +
                          gsl_sf_lngamma(1 + d + n) - gsl_sf_lngamma(1 + d)));
    assert_true(fabs(patron_clv_bgbb_expected_new(m, n) - eq7) < 1e-10);
  }
  double x[] = {0, 2, 6}, tx[] = {0, 4, 6}, nn[] = {6, 6, 6}, e[3];
  patron_clv_data q = {3, x, tx, nn, NULL, NULL};
  assert_int_equal(patron_clv_bgbb_expected(m, &q, 5, e, NULL), PATRON_OK);
  for (int i = 0; i < 3; i++) {
    double n = nn[i], ns = 5, L = exp(patron_clv_bgbb_log_likelihood(th, x[i], tx[i], n));
    double eq13 = 1 / L * exp(gsl_sf_lnbeta(a + x[i] + 1, b + n - x[i]) - gsl_sf_lnbeta(a, b)) * d /
                  (g - 1) * exp(gsl_sf_lngamma(g + d) - gsl_sf_lngamma(1 + d)) *
                  (exp(gsl_sf_lngamma(1 + d + n) - gsl_sf_lngamma(g + d + n)) -
                   exp(gsl_sf_lngamma(1 + d + n + ns) - gsl_sf_lngamma(g + d + n + ns)));
    assert_true(fabs(e[i] - eq13) < 1e-10 * eq13);
  }
  patron_clv_model_free(m);
}

/* 50,000 customers, 6 opportunities, drawn by the story; the fit recovers the parameters
 * within 4 standard errors (and 15%). */
static void test_recovery(void **state) {
  (void)state;
  enum { N = 50000 };
  const double truth[] = {0.8, 1.6, 0.5, 3.0};
  double *x = malloc(3 * N * sizeof *x), *tx = x + N, *T = x + 2 * N;
  assert_non_null(x);
  assert_int_equal(patron_clv_bgbb_simulate(truth, N, 6, 11, x, tx, T, NULL), PATRON_OK);
  patron_clv_data d = {N, x, tx, T, NULL, NULL};
  patron_clv_model *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_bgbb_fit(&d, NULL, &m, &err), PATRON_OK);
  for (size_t j = 0; j < 4; j++) {
    double v = patron_clv_model_param(m, j), se = patron_clv_model_se(m, j);
    printf("%s = %.4f (se %.4f), truth %.2f\n", patron_clv_param_name(PATRON_CLV_BGBB, j), v, se,
           truth[j]);
    assert_true(fabs(v - truth[j]) < 4 * se && fabs(v - truth[j]) < 0.15 * truth[j]);
  }
  patron_clv_model_free(m);
  free(x);
}

static void test_bad_rows(void **state) {
  (void)state;
  double x[] = {1, 2}, tx[] = {2, 1}, T[] = {6, 6};
  patron_clv_data d = {2, x, tx, T, NULL, NULL};
  patron_error err = {0};
  assert_int_equal(patron_clv_bgbb_check(&d, &err), PATRON_ERR_INPUT);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.message, "frequency is greater than recency"));
  tx[1] = 7;
  x[1] = 2;
  err = (patron_error){0};
  assert_int_equal(patron_clv_bgbb_check(&d, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "recency is greater than periods"));
  double w[] = {1, -1};
  tx[1] = 3;
  d.weight = w;
  err = (patron_error){0};
  assert_int_equal(patron_clv_bgbb_check(&d, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "weight"));
  patron_clv_model *m = NULL;
  err = (patron_error){0};
  assert_int_equal(patron_clv_fit(PATRON_CLV_BGBB, &d, NULL, &m, &err), PATRON_ERR_INPUT);
  assert_null(m);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_donations_mle), cmocka_unit_test(test_donations_predictions),
                 cmocka_unit_test(test_tiny_likelihoods), cmocka_unit_test(test_large_n),
                 cmocka_unit_test(test_closed_forms), cmocka_unit_test(test_recovery),
                 cmocka_unit_test(test_bad_rows))
