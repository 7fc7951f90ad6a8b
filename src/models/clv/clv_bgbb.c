/* BG/BB model of discrete-time, non-contractual customers (Fader, Hardie & Shang 2010,
 * "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing Science
 * 29(6)): transaction probability p ~ Beta(alpha, beta), dropout probability theta ~
 * Beta(gamma, delta). Likelihood, with B the beta function and B0 = B(alpha, beta),
 * D0 = B(gamma, delta):
 *   L(x, t_x, n) = B(alpha+x, beta+n-x)/B0 B(gamma, delta+n)/D0
 *                + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B0 B(gamma+1, delta+t_x+i)/D0
 * summed in log space, the terms stepped by the recurrences B(a, b+1) = B(a, b) b/(a+b) and
 * psi(z+1) = psi(z) + 1/z, with analytic gradients for the shared fitter (clv_fit.c);
 * P(alive), the conditional expectation E[X(n, n+n*) | x, t_x, n], E[X(n)] and a simulator. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Constants of one parameter vector. */
typedef struct bgbb_k {
  double a, b, g, d;
  double lb0, ld0;                             /* ln B(alpha, beta), ln B(gamma, delta) */
  double ps_a, ps_b, ps_ab, ps_g, ps_d, ps_gd; /* digammas of the parameters and sums */
} bgbb_k;

static bgbb_k constants(const double *th) {
  bgbb_k k = {th[0], th[1], th[2], th[3], 0, 0, 0, 0, 0, 0, 0, 0};
  k.lb0 = gsl_sf_lnbeta(k.a, k.b);
  k.ld0 = gsl_sf_lnbeta(k.g, k.d);
  k.ps_a = gsl_sf_psi(k.a), k.ps_b = gsl_sf_psi(k.b), k.ps_ab = gsl_sf_psi(k.a + k.b);
  k.ps_g = gsl_sf_psi(k.g), k.ps_d = gsl_sf_psi(k.d), k.ps_gd = gsl_sf_psi(k.g + k.d);
  return k;
}

/* Running log-sum-exp of terms with their gradients (weighted by each term's share). */
typedef struct lse {
  double max, sum, g[4];
} lse;

static void lse_add(lse *s, double l, const double d[4]) {
  if (l > s->max) {
    double r = exp(s->max - l);
    s->sum = s->sum * r + 1;
    for (int j = 0; j < 4; j++)
      s->g[j] = s->g[j] * r + d[j];
    s->max = l;
  } else {
    double e = exp(l - s->max);
    s->sum += e;
    for (int j = 0; j < 4; j++)
      s->g[j] += e * d[j];
  }
}

/* log L of one pattern and, when grad is not NULL, d log L / d(alpha, beta, gamma, delta). */
static double row_ll(const bgbb_k *k, double x, double tx, double n, double *grad) {
  lse s = {-INFINITY, 0, {0, 0, 0, 0}};
  double ps_ax = gsl_sf_psi(k->a + x);
  /* alive through all n opportunities */
  double ps_abn = gsl_sf_psi(k->a + k->b + n), ps_gdn = gsl_sf_psi(k->g + k->d + n);
  double l =
      gsl_sf_lnbeta(k->a + x, k->b + n - x) - k->lb0 + gsl_sf_lnbeta(k->g, k->d + n) - k->ld0;
  double d[4] = {ps_ax - ps_abn - k->ps_a + k->ps_ab,
                 gsl_sf_psi(k->b + n - x) - ps_abn - k->ps_b + k->ps_ab, k->ps_gd - ps_gdn,
                 gsl_sf_psi(k->d + n) - ps_gdn - k->ps_d + k->ps_gd};
  lse_add(&s, l, d);
  /* alive for j = t_x + i opportunities, then gone: stepped in j */
  double j = tx, bj = k->b + j - x, abj = k->a + k->b + j, dj = k->d + j, gdj = k->g + 1 + dj;
  double lp = gsl_sf_lnbeta(k->a + x, bj) - k->lb0, lq = gsl_sf_lnbeta(k->g + 1, dj) - k->ld0;
  double ps_bj = gsl_sf_psi(bj), ps_abj = gsl_sf_psi(abj), ps_dj = gsl_sf_psi(dj);
  double ps_gdj = gsl_sf_psi(gdj), ps_g1 = gsl_sf_psi(k->g + 1);
  for (; j < n; j++) {
    if (grad) {
      d[0] = ps_ax - ps_abj - k->ps_a + k->ps_ab;
      d[1] = ps_bj - ps_abj - k->ps_b + k->ps_ab;
      d[2] = ps_g1 - ps_gdj - k->ps_g + k->ps_gd;
      d[3] = ps_dj - ps_gdj - k->ps_d + k->ps_gd;
    }
    lse_add(&s, lp + lq, d);
    lp += log(bj / abj), lq += log(dj / gdj);
    ps_bj += 1 / bj, ps_abj += 1 / abj, ps_dj += 1 / dj, ps_gdj += 1 / gdj;
    bj += 1, abj += 1, dj += 1, gdj += 1;
  }
  for (int q = 0; grad && q < 4; q++)
    grad[q] = s.g[q] / s.sum;
  return s.max + log(s.sum);
}

double patron_clv_bgbb_log_likelihood(const double *params, double x, double t_x, double n) {
  bgbb_k k = constants(params);
  return row_ll(&k, x, t_x, n, NULL);
}

/* ---- the fitter's kernel (rows: x, t_x, T = n) ------------------------------------------ */

static void prepare(const double *th, const patron_clv_summary *s, clv_cache *c) {
  (void)th, (void)s, (void)c;
}

static bool eval(const double *th, const patron_clv_summary *s, const clv_cache *c, size_t lo,
                 size_t hi, double *ll, double *grad) {
  (void)c;
  bgbb_k k = constants(th);
  double sl = 0, g[4] = {0, 0, 0, 0}, gr[4];
  for (size_t i = lo; i < hi; i++) {
    double w = s->w[i];
    sl += w * row_ll(&k, s->x[i], s->tx[i], s->T[i], gr);
    for (int j = 0; j < 4; j++)
      g[j] += w * gr[j];
  }
  *ll += sl;
  for (int j = 0; j < 4; j++)
    grad[j] += g[j];
  return isfinite(sl) && isfinite(g[0] + g[1] + g[2] + g[3]);
}

const clv_family patron__clv_bgbb_family = {4, prepare, eval};

/* ---- checks and fitting ------------------------------------------------------------------ */

static const char *row_problem(double x, double tx, double n, double w) {
  if (!(isfinite(x) && isfinite(tx) && isfinite(n)))
    return "frequency, recency and periods must be numbers";
  if (x != floor(x) || tx != floor(tx) || n != floor(n))
    return "frequency, recency and periods must be whole numbers";
  if (x < 0 || tx < 0 || n < 0)
    return "frequency, recency and periods must not be negative";
  if (tx > n)
    return "recency is greater than periods";
  if (x > tx)
    return "frequency is greater than recency (at most one transaction per period)";
  if (x == 0 && tx > 0)
    return "recency must be 0 when frequency is 0";
  if (n > 1e7)
    return "periods over 10,000,000";
  if (!(w >= 0 && isfinite(w)))
    return "weight must be a finite number >= 0";
  return NULL;
}

patron_status patron_clv_bgbb_check(const patron_clv_data *data, patron_error *err) {
  if (!data || (data->n && (!data->x || !data->t_x || !data->T)))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "BG/BB needs x, t_x and n");
  for (size_t i = 0; i < data->n; i++) {
    const char *why =
        row_problem(data->x[i], data->t_x[i], data->T[i], data->weight ? data->weight[i] : 1);
    if (why)
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, i + 1, 0, "row %zu: %s", i + 1, why);
  }
  return PATRON_OK;
}

patron_status patron_clv_bgbb_fit(const patron_clv_data *data, const patron_clv_fit_options *opts,
                                  patron_clv_model **out, patron_error *err) {
  static const double starts[][4] = {{1, 1, 1, 1}, {0.5, 0.5, 0.5, 2}, {2, 1, 0.5, 4}};
  *out = NULL;
  patron_status st = patron_clv_bgbb_check(data, err);
  patron_clv_summary *s = NULL;
  if (st == PATRON_OK)
    st = patron_clv_compress(data, &s, err);
  patron_clv_fit_options o = opts ? *opts : (patron_clv_fit_options){0};
  patron_error first = {0};
  for (size_t i = 0; st == PATRON_OK && i < sizeof starts / sizeof *starts; i++) {
    patron_clv_model *m = NULL;
    patron_error e = {0};
    o.init = starts[i];
    patron_status si = patron_clv_fit_summary(PATRON_CLV_BGBB, s, &o, &m, &e);
    if (si == PATRON_ERR_NOMEM || si == PATRON_ERR_USAGE) {
      *err = e;
      st = si;
    } else if (si != PATRON_OK && first.status == PATRON_OK) {
      first = e;
    }
    if (m && (!*out || m->ll > (*out)->ll)) {
      patron_clv_model_free(*out);
      *out = m;
    } else {
      patron_clv_model_free(m);
    }
  }
  patron_clv_summary_free(s);
  if (st == PATRON_OK && !*out)
    *err = first, st = first.status != PATRON_OK ? first.status : PATRON_ERR_NOCONV;
  if (st != PATRON_OK)
    patron_clv_model_free(*out), *out = NULL;
  return st;
}

/* ---- predictions ------------------------------------------------------------------------ */

static patron_status check_predict(const patron_clv_model *m, const patron_clv_data *data,
                                   patron_error *err) {
  if (!m || m->kind != PATRON_CLV_BGBB)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "this prediction needs a BG/BB model");
  return patron_clv_bgbb_check(data, err);
}

/* log of B(alpha+x+e, beta+n-x)/B0 B(gamma, delta+n+k)/D0: the joint probability of the
 * data (times p when e = 1) and of being alive at opportunity n + k. */
static double log_alive_at(const bgbb_k *k, double x, double n, double e, double kk) {
  return gsl_sf_lnbeta(k->a + x + e, k->b + n - x) - k->lb0 + gsl_sf_lnbeta(k->g, k->d + n + kk) -
         k->ld0;
}

/* sum_{s=1}^{n*} B(gamma, delta+n+s)/D0 in log space, stepped by B(g, d+1) = B(g, d) d/(g+d). */
static double log_alive_sum(const bgbb_k *k, double n, double n_star) {
  double l = gsl_sf_lnbeta(k->g, k->d + n + 1) - k->ld0, acc = -INFINITY;
  for (double s = 1; s <= n_star; s++) {
    acc = patron__clv_logaddexp(acc, l);
    double dd = k->d + n + s;
    l += log(dd / (k->g + dd));
  }
  return acc;
}

/* P(alive at n + 1 | x, t_x, n), or with n_star > 0 E[X(n, n + n_star) | x, t_x, n]. */
static double predict_one(const bgbb_k *k, double x, double tx, double n, double n_star) {
  double ll = row_ll(k, x, tx, n, NULL);
  if (n_star == 0)
    return exp(log_alive_at(k, x, n, 0, 1) - ll);
  double lp = gsl_sf_lnbeta(k->a + x + 1, k->b + n - x) - k->lb0;
  return exp(lp + log_alive_sum(k, n, n_star) - ll);
}

/* One value per distinct (x, t_x, n) pattern, copied to its customers. */
static patron_status predict(const patron_clv_model *m, const patron_clv_data *data, double n_star,
                             double *out, patron_error *err) {
  patron_status st = check_predict(m, data, err);
  patron_clv_summary *s = NULL;
  patron_clv_data plain = data ? *data : (patron_clv_data){0};
  plain.weight = NULL; /* every customer gets a prediction, whatever its weight */
  if (st == PATRON_OK && data->n)
    st = patron_clv_compress(&plain, &s, err);
  double *v = s ? malloc(s->n * sizeof *v) : NULL;
  if (st != PATRON_OK || !data->n || !v) {
    patron_clv_summary_free(s);
    return st != PATRON_OK || !data->n ? st : PATRON__OOM(err);
  }
  bgbb_k k = constants(m->theta);
  for (size_t r = 0; r < s->n; r++)
    v[r] = predict_one(&k, s->x[r], s->tx[r], s->T[r], n_star);
  const uint32_t *index = patron_clv_summary_index(s);
  for (size_t i = 0; i < data->n; i++)
    out[i] = v[index[i]];
  free(v);
  patron_clv_summary_free(s);
  return PATRON_OK;
}

patron_status patron_clv_bgbb_p_alive(const patron_clv_model *m, const patron_clv_data *data,
                                      double *out, patron_error *err) {
  return predict(m, data, 0, out, err);
}

patron_status patron_clv_bgbb_expected(const patron_clv_model *m, const patron_clv_data *data,
                                       double n_star, double *out, patron_error *err) {
  if (!(n_star >= 0 && n_star <= 1e7) || n_star != floor(n_star))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the horizon must be a whole number of opportunities in [0, 1e7]");
  if (n_star > 0)
    return predict(m, data, n_star, out, err);
  patron_status st = check_predict(m, data, err);
  for (size_t i = 0; st == PATRON_OK && i < data->n; i++)
    out[i] = 0;
  return st;
}

double patron_clv_bgbb_expected_new(const patron_clv_model *m, double n) {
  if (!m || m->kind != PATRON_CLV_BGBB || !(n >= 0) || n != floor(n))
    return NAN;
  if (n == 0)
    return 0;
  bgbb_k k = constants(m->theta);
  return k.a / (k.a + k.b) * exp(log_alive_sum(&k, 0, n));
}

/* ---- simulation ---------------------------------------------------------------------------- */

patron_status patron_clv_bgbb_simulate(const double *params, size_t n_customers, double periods,
                                       uint64_t seed, double *x, double *t_x, double *T,
                                       patron_error *err) {
  for (int j = 0; params && j < 4; j++)
    if (!(params[j] > 0 && isfinite(params[j])))
      params = NULL;
  if (!params || !(periods >= 0 && periods <= 1e6) || periods != floor(periods))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "BG/BB simulation needs 4 parameters > 0 and whole periods <= 1e6");
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng)
    return PATRON__OOM(err);
  gsl_rng_set(rng, (unsigned long)seed);
  for (size_t i = 0; i < n_customers; i++) {
    double p = gsl_ran_beta(rng, params[0], params[1]);
    double theta = gsl_ran_beta(rng, params[2], params[3]);
    x[i] = t_x[i] = 0;
    T[i] = periods;
    for (double t = 1; t <= periods; t++) {
      if (gsl_rng_uniform(rng) < theta)
        break; /* gone before opportunity t */
      if (gsl_rng_uniform(rng) < p)
        x[i] += 1, t_x[i] = t;
    }
  }
  gsl_rng_free(rng);
  return PATRON_OK;
}
