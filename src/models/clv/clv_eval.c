/* Holdout evaluation of the buy-till-you-die models (Fader, Hardie & Lee 2005, section 4):
 * per-customer error of the expected holdout purchases and spend (MAE, RMSE, Pearson
 * correlation), totals, and conditional expectations by calibration frequency 0..6, 7+. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

static void fit_stats(const double *actual, const double *expected, size_t n,
                      patron_clv_fit_stats *out) {
  long double sa = 0, se = 0, sabs = 0, ssq = 0;
  for (size_t i = 0; i < n; i++) {
    double d = expected[i] - actual[i];
    sa += actual[i], se += expected[i], sabs += fabs(d), ssq += d * d;
  }
  *out = (patron_clv_fit_stats){(double)sa, (double)se, n ? (double)(sabs / n) : NAN,
                                n ? sqrt((double)(ssq / n)) : NAN, NAN};
  if (n < 2)
    return;
  double va = gsl_stats_variance(actual, 1, n), ve = gsl_stats_variance(expected, 1, n);
  if (va > 0 && ve > 0)
    out->correlation = gsl_stats_correlation(actual, 1, expected, 1, n);
}

static void groups(const patron_clv_cohort *c, const double *ep, const double *es,
                   patron_clv_eval_group *g) {
  long double s[PATRON_CLV_EVAL_GROUPS][4] = {{0}};
  for (int k = 0; k < PATRON_CLV_EVAL_GROUPS; k++)
    g[k] = (patron_clv_eval_group){0, NAN, NAN, NAN, NAN};
  for (size_t i = 0; i < c->n; i++) {
    int k = c->x[i] >= PATRON_CLV_EVAL_GROUPS - 1 ? PATRON_CLV_EVAL_GROUPS - 1 : (int)c->x[i];
    g[k].customers++;
    s[k][0] += c->holdout_x[i], s[k][1] += ep[i];
    s[k][2] += c->holdout_spend[i], s[k][3] += es ? es[i] : 0;
  }
  for (int k = 0; k < PATRON_CLV_EVAL_GROUPS; k++) {
    size_t n = g[k].customers;
    if (!n)
      continue;
    g[k].actual_purchases = (double)(s[k][0] / n);
    g[k].expected_purchases = (double)(s[k][1] / n);
    g[k].actual_spend = (double)(s[k][2] / n);
    g[k].expected_spend = es ? (double)(s[k][3] / n) : NAN;
  }
}

patron_status patron_clv_evaluate(const patron_clv_cohort *c, const double *expected_purchases,
                                  const double *expected_spend, patron_clv_evaluation *out,
                                  patron_error *err) {
  if (!c || !c->holdout_x || !expected_purchases)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "evaluation needs a cohort with a holdout period");
  out->n = c->n;
  out->holdout_length = c->holdout_length;
  fit_stats(c->holdout_x, expected_purchases, c->n, &out->purchases);
  out->spend = (patron_clv_fit_stats){NAN, NAN, NAN, NAN, NAN};
  if (expected_spend)
    fit_stats(c->holdout_spend, expected_spend, c->n, &out->spend);
  groups(c, expected_purchases, expected_spend, out->by_frequency);
  return PATRON_OK;
}
