/* The statistics of SPEC section 12: Wilson score intervals and Newcombe's hybrid score
 * interval for a difference of proportions (Newcombe 1998, Stat Med 17:873, method 10), the
 * pooled two-proportion z test, Welch's t test with Welch-Satterthwaite degrees of freedom,
 * delta-method intervals for a ratio of means, CUPED (Deng et al. 2013), percentiles with
 * linear interpolation, the chi-square goodness-of-fit test, Holm's step-down adjustment
 * (Holm 1979) and the classic per-arm sample sizes. Distributions from GSL. */
#include "patron/experiment.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"

patron_moments patron_stats_moments(const double *y, size_t n) {
  patron_moments m = {n, NAN, NAN};
  if (n == 0)
    return m;
  long double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += y[i];
  long double mean = sum / (long double)n, ss = 0;
  for (size_t i = 0; i < n; i++)
    ss += ((long double)y[i] - mean) * ((long double)y[i] - mean);
  m.mean = (double)mean;
  m.var = n > 1 ? (double)(ss / (long double)(n - 1)) : NAN;
  return m;
}

static double z_crit(double alpha) { return gsl_cdf_ugaussian_Qinv(alpha / 2); }

/* Wilson's score interval for x of n at critical value z. */
static void wilson(double x, double n, double z, double *lo, double *hi) {
  double p = x / n, z2 = z * z, denom = 1 + z2 / n;
  double centre = (p + z2 / (2 * n)) / denom;
  double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  *lo = centre - half;
  *hi = centre + half;
}

/* t / c - 1 with the delta-method interval of the ratio of two independent means. */
static void delta_lift(patron_moments t, patron_moments c, double z, patron_comparison *out) {
  out->lift = out->lift_low = out->lift_high = NAN;
  if (c.mean == 0)
    return;
  double r = t.mean / c.mean;
  double var =
      t.var / ((double)t.n * c.mean * c.mean) + r * r * c.var / ((double)c.n * c.mean * c.mean);
  double half = z * sqrt(var);
  out->lift = r - 1;
  out->lift_low = r - 1 - half;
  out->lift_high = r - 1 + half;
}

static patron_moments binary_moments(size_t x, size_t n) {
  double p = (double)x / (double)n;
  patron_moments m = {n, p, n > 1 ? (double)n * p * (1 - p) / (double)(n - 1) : 0};
  return m;
}

patron_status patron_stats_proportions(size_t x_t, size_t n_t, size_t x_c, size_t n_c, double alpha,
                                       patron_comparison *out, patron_error *err) {
  if (n_t == 0 || n_c == 0 || x_t > n_t || x_c > n_c)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "a conversion comparison needs customers in both arms");
  double z = z_crit(alpha), nt = (double)n_t, nc = (double)n_c;
  double pt = x_t / nt, pc = x_c / nc, lt, ut, lc, uc;
  wilson((double)x_t, nt, z, &lt, &ut);
  wilson((double)x_c, nc, z, &lc, &uc);
  out->value = pt;
  out->control_value = pc;
  out->diff = pt - pc;
  out->diff_low = out->diff - sqrt((pt - lt) * (pt - lt) + (uc - pc) * (uc - pc));
  out->diff_high = out->diff + sqrt((ut - pt) * (ut - pt) + (pc - lc) * (pc - lc));
  double pool = ((double)x_t + (double)x_c) / (nt + nc);
  double se = sqrt(pool * (1 - pool) * (1 / nt + 1 / nc));
  out->p_value = se > 0 ? 2 * gsl_cdf_ugaussian_Q(fabs(out->diff) / se) : 1;
  out->df = NAN;
  delta_lift(binary_moments(x_t, n_t), binary_moments(x_c, n_c), z, out);
  return PATRON_OK;
}

patron_status patron_stats_means(patron_moments t, patron_moments c, double alpha,
                                 patron_comparison *out, patron_error *err) {
  if (t.n < 2 || c.n < 2)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "a comparison of means needs at least 2 customers in each arm");
  double vt = t.var / (double)t.n, vc = c.var / (double)c.n, se = sqrt(vt + vc);
  out->value = t.mean;
  out->control_value = c.mean;
  out->diff = t.mean - c.mean;
  if (se > 0) {
    out->df = (vt + vc) * (vt + vc) / (vt * vt / (double)(t.n - 1) + vc * vc / (double)(c.n - 1));
    double tq = gsl_cdf_tdist_Qinv(alpha / 2, out->df);
    out->p_value = 2 * gsl_cdf_tdist_Q(fabs(out->diff) / se, out->df);
    out->diff_low = out->diff - tq * se;
    out->diff_high = out->diff + tq * se;
  } else {
    out->df = NAN;
    out->p_value = out->diff == 0 ? 1 : 0;
    out->diff_low = out->diff_high = out->diff;
  }
  delta_lift(t, c, z_crit(alpha), out);
  return PATRON_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double patron_stats_percentile(double *values, size_t n, double p) {
  if (n == 0)
    return NAN;
  qsort(values, n, sizeof *values, cmp_double);
  double pos = (double)(n - 1) * p / 100;
  size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
  return values[lo] + (values[hi] - values[lo]) * (pos - (double)lo);
}

void patron_stats_cuped(double *y, const double *x, size_t n, double *theta) {
  patron_moments mx = patron_stats_moments(x, n), my = patron_stats_moments(y, n);
  long double cov = 0;
  for (size_t i = 0; i < n; i++)
    cov += ((long double)x[i] - mx.mean) * ((long double)y[i] - my.mean);
  double th = n > 1 && mx.var > 0 ? (double)(cov / (long double)(n - 1)) / mx.var : 0;
  for (size_t i = 0; i < n; i++)
    y[i] -= th * (x[i] - mx.mean);
  if (theta)
    *theta = th;
}

double patron_stats_srm_p(const size_t *counts, const double *weights, size_t k) {
  double total = 0, wsum = 0, chi2 = 0;
  for (size_t i = 0; i < k; i++) {
    total += (double)counts[i];
    wsum += weights[i];
  }
  if (k < 2 || total == 0 || wsum <= 0)
    return 1;
  size_t df = 0;
  for (size_t i = 0; i < k; i++) {
    double expected = total * weights[i] / wsum;
    if (expected > 0) {
      chi2 += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
      df++;
    } else if (counts[i] > 0) {
      return 0; /* customers in an arm of weight 0 */
    }
  }
  return df < 2 ? 1 : gsl_cdf_chisq_Q(chi2, (double)(df - 1));
}

typedef struct p_index {
  double p;
  size_t i;
} p_index;

static int cmp_p(const void *a, const void *b) {
  const p_index *x = a, *y = b;
  return x->p != y->p ? (x->p > y->p) - (x->p < y->p) : (x->i > y->i) - (x->i < y->i);
}

patron_status patron_stats_holm(const double *p, size_t n, double *adjusted, patron_error *err) {
  p_index *order = malloc((n ? n : 1) * sizeof *order);
  if (!order)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++)
    order[i] = (p_index){p[i], i};
  qsort(order, n, sizeof *order, cmp_p);
  double running = 0;
  for (size_t k = 0; k < n; k++) {
    double a = fmin(1, (double)(n - k) * order[k].p);
    running = fmax(running, a);
    adjusted[order[k].i] = running;
  }
  free(order);
  return PATRON_OK;
}

static patron_status check_plan(double alpha, double power, double mde, patron_error *err) {
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "alpha and power must be between 0 and 1");
  if (!(mde != 0) || !isfinite(mde))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the minimum detectable effect must not be 0");
  return PATRON_OK;
}

patron_status patron_stats_size_proportion(double baseline, double mde, double alpha, double power,
                                           double *n_per_arm, patron_error *err) {
  patron_status st = check_plan(alpha, power, mde, err);
  if (st != PATRON_OK)
    return st;
  double p1 = baseline, p2 = baseline + mde;
  if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "baseline and baseline + mde must be between 0 and 1");
  double za = z_crit(alpha), zb = gsl_cdf_ugaussian_Pinv(power), pbar = (p1 + p2) / 2;
  double num = za * sqrt(2 * pbar * (1 - pbar)) + zb * sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  *n_per_arm = ceil(num * num / (mde * mde));
  return PATRON_OK;
}

patron_status patron_stats_size_mean(double sd, double mde, double alpha, double power,
                                     double *n_per_arm, patron_error *err) {
  patron_status st = check_plan(alpha, power, mde, err);
  if (st != PATRON_OK)
    return st;
  if (!(sd > 0) || !isfinite(sd))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the standard deviation must be > 0");
  double z = z_crit(alpha) + gsl_cdf_ugaussian_Pinv(power);
  *n_per_arm = ceil(2 * z * z * sd * sd / (mde * mde));
  return PATRON_OK;
}
