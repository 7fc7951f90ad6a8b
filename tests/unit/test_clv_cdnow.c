/* CLV validation against the published CDNOW fits (2,357-customer sample, 39-week
 * calibration, weeks): BG/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005), Pareto/NBD
 * (Fader, Hardie & Lee 2005 / Fader & Hardie's notes), MBG/NBD (Batislam et al. 2007). */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/clv.h"
#include "patron/patron.h"

#define CDNOW PATRON_SHARED_DATA "/cdnow/"

typedef struct cdnow {
  size_t n;
  double x[2400], tx[2400], T[2400], zbar[2400];
} cdnow;

/* Reads ID,x,t_x,T[,zbar] rows; false when the file is absent. */
static bool read_cdnow(const char *name, cdnow *d, bool with_zbar) {
  FILE *f = fopen(name, "r");
  if (!f)
    return false;
  char line[256];
  d->n = 0;
  assert_non_null(fgets(line, sizeof line, f)); /* header */
  while (fgets(line, sizeof line, f) && d->n < 2400) {
    char *p = line, *end;
    strtod(p, &end); /* ID */
    double v[4] = {0};
    for (int k = 0; k < (with_zbar ? 4 : 3); k++) {
      p = end + 1;
      v[k] = strtod(p, &end);
    }
    d->x[d->n] = v[0];
    d->tx[d->n] = v[1];
    d->T[d->n] = v[2];
    d->zbar[d->n] = v[3];
    d->n++;
  }
  fclose(f);
  return true;
}

static cdnow g_data;

static const cdnow *load_summary(void) {
  if (!read_cdnow(CDNOW "cdnow_customers_summary.csv", &g_data, false))
    skip(); /* ../shared/data/cdnow is absent: nothing to validate against */
  assert_int_equal(g_data.n, 2357);
  return &g_data;
}

static patron_clv_model *fit(patron_clv_kind kind, const cdnow *d) {
  patron_clv_data data = {d->n, d->x, d->tx, d->T, NULL, d->zbar};
  patron_clv_model *m = NULL;
  patron_error err;
  patron_error_clear(&err);
  patron_status st = patron_clv_fit(kind, &data, NULL, &m, &err);
  if (st != PATRON_OK)
    fail_msg("fit failed: %s", err.message);
  printf("%s:", patron_clv_kind_name(kind));
  for (size_t j = 0; j < patron_clv_n_params(kind); j++)
    printf(" %s=%.6f (se %.4f)", patron_clv_param_name(kind, j), patron_clv_model_param(m, j),
           patron_clv_model_se(m, j));
  printf(" LL=%.4f iter=%d\n", patron_clv_model_log_likelihood(m),
         patron_clv_model_iterations(m));
  return m;
}

/* Each parameter rounds to the published value at the published number of decimals. */
static void assert_published(const patron_clv_model *m, const double *pub, int decimals) {
  double scale = pow(10, decimals);
  for (size_t j = 0; j < patron_clv_n_params(patron_clv_model_kind(m)); j++) {
    double ours = round(patron_clv_model_param(m, j) * scale) / scale;
    if (fabs(ours - pub[j]) > 0.5 / scale)
      fail_msg("%s: %.6f does not round to %.*f", patron_clv_param_name(patron_clv_model_kind(m), j),
               patron_clv_model_param(m, j), decimals, pub[j]);
  }
}

static void test_cdnow_bgnbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_BGNBD, load_summary());
  const double pub[] = {0.243, 4.414, 0.793, 2.426};
  assert_published(m, pub, 3);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9582.43) < 0.005);
  patron_clv_model_free(m);
}

static void test_cdnow_paretonbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_PARETONBD, load_summary());
  const double pub[] = {0.553, 10.578, 0.606, 11.669};
  assert_published(m, pub, 3);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9594.98) < 0.005);
  patron_clv_model_free(m);
}

static void test_cdnow_mbgnbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_MBGNBD, load_summary());
  const double pub[] = {0.525, 6.183, 0.891, 1.614};
  assert_published(m, pub, 3);
  patron_clv_model_free(m);
}

static void test_cdnow_gammagamma(void **state) {
  (void)state;
  if (!read_cdnow(CDNOW "cdnow_customers_summary_with_transactions.csv", &g_data, true))
    skip();
  assert_int_equal(g_data.n, 2357);
  patron_clv_model *m = fit(PATRON_CLV_GAMMAGAMMA, &g_data);
  assert_true(patron_clv_model_n_customers(m) == 946);
  const double pub[] = {6.25, 3.74, 15.44};
  assert_published(m, pub, 2);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -4055.92) < 0.005);
  printf("spend correlation %.4f\n", patron_clv_model_spend_correlation(m));
  assert_null(patron_clv_model_warning(m));
  patron_clv_model_free(m);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_cdnow_bgnbd), cmocka_unit_test(test_cdnow_paretonbd),
                 cmocka_unit_test(test_cdnow_mbgnbd), cmocka_unit_test(test_cdnow_gammagamma))
