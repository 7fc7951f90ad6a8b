/* CLV validation against the published CDNOW fits (2,357-customer sample, 39-week
 * calibration, weeks): BG/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005), Pareto/NBD
 * (Fader, Hardie & Lee 2005 / Fader & Hardie's notes), MBG/NBD (Batislam et al. 2007). */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_int.h"
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

/* Rebuilds the summary from the transactions in CDNOW_sample.txt with unrounded weeks
 * (the summary CSV rounds t_x and T to 2 decimals): one purchase per customer-day, x =
 * repeat days up to 1997-09-30, t_x and T in days / 7. */
static bool read_exact(cdnow *d) {
  FILE *f = fopen(CDNOW "CDNOW_sample.txt", "r");
  if (!f)
    return false;
  int32_t first[2400], last[2400], end = patron_days_from_civil(1997, 9, 30);
  char line[256];
  memset(d, 0, sizeof *d);
  for (int i = 0; i < 2400; i++)
    first[i] = last[i] = -1;
  while (fgets(line, sizeof line, f)) {
    char *p;
    strtol(line, &p, 10);
    long id = strtol(p, &p, 10);
    long ymd = strtol(p, &p, 10);
    assert_true(id >= 1 && id <= 2357);
    int32_t day =
        patron_days_from_civil((int)(ymd / 10000), (int)(ymd / 100 % 100), (int)(ymd % 100));
    if (first[id] < 0) /* the file is sorted by customer, then date */
      first[id] = last[id] = day;
    else if (day <= end && day != last[id]) {
      d->x[id - 1] += 1;
      last[id] = day;
    }
  }
  fclose(f);
  for (int id = 1; id <= 2357; id++) {
    d->tx[id - 1] = (last[id] - first[id]) / 7.0;
    d->T[id - 1] = (end - first[id]) / 7.0;
  }
  d->n = 2357;
  return true;
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
  printf(" LL=%.4f iter=%d\n", patron_clv_model_log_likelihood(m), patron_clv_model_iterations(m));
  return m;
}

/* The first n parameters round to the published values at the published decimals. */
static void assert_published(const patron_clv_model *m, const double *pub, size_t n, int decimals) {
  double scale = pow(10, decimals);
  for (size_t j = 0; j < n; j++) {
    double ours = round(patron_clv_model_param(m, j) * scale) / scale;
    if (fabs(ours - pub[j]) > 0.5 / scale)
      fail_msg("%s: %.6f does not round to %.*f",
               patron_clv_param_name(patron_clv_model_kind(m), j), patron_clv_model_param(m, j),
               decimals, pub[j]);
  }
}

static void test_cdnow_bgnbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_BGNBD, load_summary());
  const double pub[] = {0.243, 4.414, 0.793, 2.426};
  assert_published(m, pub, sizeof pub / sizeof *pub, 3);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9582.43) < 0.005);
  patron_clv_model_free(m);
}

/* On the 2-decimal summary file beta comes out 11.668 (LL -9594.974, which mpmath
 * confirms at these parameters): beta's standard error is 6.2, and the published fit used
 * unrounded weeks; test_cdnow_exact_weeks reproduces it exactly from the transactions. */
static void test_cdnow_paretonbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_PARETONBD, load_summary());
  const double pub[] = {0.553, 10.578, 0.606};
  assert_published(m, pub, sizeof pub / sizeof *pub, 3);
  assert_true(fabs(patron_clv_model_param(m, 3) - 11.669) < 0.002);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9594.97393) < 1e-4); /* mpmath */
  patron_clv_model_free(m);
}

static void test_cdnow_exact_weeks(void **state) {
  (void)state;
  static cdnow d;
  if (!read_exact(&d))
    skip();
  patron_clv_model *m = fit(PATRON_CLV_PARETONBD, &d);
  const double pnbd[] = {0.553, 10.578, 0.606, 11.669};
  assert_published(m, pnbd, sizeof pnbd / sizeof *pnbd, 3);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9594.98) < 0.005);
  patron_clv_model_free(m);
  m = fit(PATRON_CLV_BGNBD, &d);
  const double bg[] = {0.243, 4.414, 0.793, 2.426};
  assert_published(m, bg, sizeof bg / sizeof *bg, 3);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -9582.43) < 0.005);
  patron_clv_model_free(m);
}

static void test_cdnow_mbgnbd(void **state) {
  (void)state;
  patron_clv_model *m = fit(PATRON_CLV_MBGNBD, load_summary());
  const double pub[] = {0.525, 6.183, 0.891, 1.614};
  assert_published(m, pub, sizeof pub / sizeof *pub, 3);
  patron_clv_model_free(m);
}

static void test_cdnow_gammagamma(void **state) {
  (void)state;
  if (!read_cdnow(CDNOW "cdnow_customers_summary_with_transactions.csv", &g_data, true))
    skip();
  assert_int_equal(g_data.n, 2357);
  patron_clv_model *m = fit(PATRON_CLV_GAMMAGAMMA, &g_data);
  assert_true(patron_clv_model_n_customers(m) == 946);
  /* p and q round to the published values; gamma is 15.448 (published 15.44): our LL is
   * higher than at the published parameters, so the published point is short of the
   * maximum (scipy's Nelder-Mead at 1e-12 agrees with ours). */
  const double pub[] = {6.25, 3.74};
  assert_published(m, pub, sizeof pub / sizeof *pub, 2);
  assert_true(fabs(patron_clv_model_param(m, 2) - 15.44) < 0.01);
  assert_true(fabs(patron_clv_model_log_likelihood(m) - -4055.92) < 0.005);
  patron_clv_data data = {g_data.n, g_data.x, g_data.tx, g_data.T, NULL, g_data.zbar};
  patron_clv_summary *s;
  assert_int_equal(patron__clv_compress_spend(&data, &s, NULL), PATRON_OK);
  clv_cache c = {0};
  c.xc = malloc(s->n_x * CLV_XC * sizeof(double));
  c.tc = malloc((s->n_t + 1) * CLV_TC * sizeof(double));
  const double published[] = {6.25, 3.74, 15.44};
  double ll = 0, g[3] = {0};
  patron__clv_gg_family.prepare(published, s, &c);
  assert_true(patron__clv_gg_family.eval(published, s, &c, 0, s->n, &ll, g));
  assert_true(patron_clv_model_log_likelihood(m) > ll);
  free(c.xc);
  free(c.tc);
  patron_clv_summary_free(s);
  printf("spend correlation %.4f\n", patron_clv_model_spend_correlation(m));
  assert_null(patron_clv_model_warning(m));
  patron_clv_model_free(m);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_cdnow_bgnbd), cmocka_unit_test(test_cdnow_paretonbd),
                 cmocka_unit_test(test_cdnow_exact_weeks), cmocka_unit_test(test_cdnow_mbgnbd),
                 cmocka_unit_test(test_cdnow_gammagamma))
