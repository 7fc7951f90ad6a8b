/* Potential-value range: percentiles of a customer's CLV under the posterior predictive.
 * Each simulated future draws alive-or-not from P(alive), then the live component's
 * posterior rates (lambda ~ Gamma(r+x, alpha+T); p ~ Beta(a, b+x[+1]) or
 * mu ~ Gamma(s, beta+T)), the Gamma-Gamma posterior nu ~ Gamma(q + p x, gamma + x m),
 * then purchases over the horizon, each with an order value ~ Gamma(p, nu), discounted
 * by month. One gsl_rng per customer seeded with seed + index: reproducible. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

typedef struct sim_setup {
  const patron_clv_model *pm, *sm;
  double horizon, month, margin, annual;
} sim_setup;

/* One future's discounted value for a live customer. */
static double one_future(const sim_setup *u, gsl_rng *rng, double x, double T, double m) {
  const double *th = u->pm->theta, *gg = u->sm->theta;
  double xs = x > 0 && m > 0 ? x : 0;
  double nu = gsl_ran_gamma(rng, gg[1] + gg[0] * xs, 1 / (gg[2] + xs * m));
  double lambda = gsl_ran_gamma(rng, th[0] + x, 1 / (th[1] + T));
  bool pareto = u->pm->kind == PATRON_CLV_PARETONBD;
  double drop = 0, end = u->horizon, v = 0;
  if (pareto) {
    double mu = gsl_ran_gamma(rng, th[2], 1 / (th[3] + T));
    end = fmin(end, gsl_ran_exponential(rng, 1 / mu));
  } else {
    drop = gsl_ran_beta(rng, th[2], th[3] + x + (u->pm->kind == PATRON_CLV_MBGNBD));
  }
  for (double t = gsl_ran_exponential(rng, 1 / lambda); t <= end;
       t += gsl_ran_exponential(rng, 1 / lambda)) {
    double month = ceil(t / u->month);
    v += gsl_ran_gamma(rng, gg[0], 1 / nu) * pow(1 + u->annual, -month / 12.0);
    if (!pareto && gsl_rng_uniform(rng) < drop)
      break;
  }
  return u->margin * v;
}

static void draws(const sim_setup *u, gsl_rng *rng, double pa, double x, double T, double m,
                  int n_sims, double *v) {
  for (int j = 0; j < n_sims; j++)
    v[j] = gsl_rng_uniform(rng) < pa ? one_future(u, rng, x, T, m) : 0;
}

static sim_setup setup(const patron_clv_model *pm, const patron_clv_model *sm,
                       const patron_clv_value_options *o) {
  double mu = (o->month_days > 0 ? o->month_days : 30) / o->unit_days;
  return (sim_setup){pm, sm, mu * o->months, mu, o->margin > 0 ? o->margin : 1.0, o->discount_rate};
}

bool patron__clv_value_draws(const patron_clv_model *pm, const patron_clv_model *sm, double x,
                             double tx, double T, double m, const patron_clv_value_options *o,
                             int n_sims, uint64_t seed, double *v) {
  double pa;
  if (!patron__clv_p_alive_one(pm, x, tx, T, &pa))
    return false;
  sim_setup u = setup(pm, sm, o);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng)
    return false;
  gsl_rng_set(rng, (unsigned long)seed);
  draws(&u, rng, pa, x, T, m, n_sims, v);
  gsl_rng_free(rng);
  return true;
}

static patron_status check(const patron_clv_model *pm, const patron_clv_model *sm,
                           const patron_clv_data *d, int n_sims, patron_error *err) {
  if (!pm || !sm || pm->kind == PATRON_CLV_GAMMAGAMMA || sm->kind != PATRON_CLV_GAMMAGAMMA)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "value range needs a purchase model and a Gamma-Gamma model");
  if (!d || !d->x || !d->t_x || !d->T || n_sims < 10)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "value range needs x, t_x, T and n_sims >= 10");
  return PATRON_OK;
}

typedef struct range_job {
  sim_setup u;
  const patron_clv_data *d;
  int n_sims;
  uint64_t seed;
  double *lo, *hi, *v[64]; /* lo/hi NaN marks a customer whose P(alive) failed */
  gsl_rng *rng[64];
} range_job;

static void range_block(void *ctx, size_t from, size_t to, int worker) {
  range_job *j = ctx;
  const patron_clv_data *d = j->d;
  double *v = j->v[worker];
  for (size_t i = from; i < to; i++) {
    double x = d->x[i], tx = d->t_x[i], T = d->T[i], pa, m = d->monetary ? d->monetary[i] : 0;
    if (!(isfinite(x) && x >= 0 && tx >= 0 && T >= tx) ||
        !patron__clv_p_alive_one(j->u.pm, x, tx, T, &pa)) {
      j->lo[i] = j->hi[i] = NAN;
      continue;
    }
    gsl_rng_set(j->rng[worker], (unsigned long)(j->seed + i));
    draws(&j->u, j->rng[worker], pa, x, T, m, j->n_sims, v);
    gsl_sort(v, 1, (size_t)j->n_sims);
    j->lo[i] = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)j->n_sims, 0.10);
    j->hi[i] = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)j->n_sims, 0.90);
  }
}

enum { RANGE_BLOCK = 256 };

static void range_free(range_job *j, int nt) {
  for (int t = 0; t < nt; t++) {
    free(j->v[t]);
    gsl_rng_free(j->rng[t]);
  }
  free(j->lo), free(j->hi), free(j);
}

patron_status patron_clv_predict_value_range(const patron_clv_model *purchases,
                                             const patron_clv_model *spend,
                                             const patron_clv_data *data,
                                             const patron_clv_value_options *opts, int n_sims,
                                             uint64_t seed, double *lo, double *hi,
                                             patron_error *err) {
  patron_status st = check(purchases, spend, data, n_sims, err);
  if (st == PATRON_OK)
    st = patron__clv_check_value_options(opts, err);
  if (st != PATRON_OK)
    return st;
  size_t n = data->n ? data->n : 1;
  int nt = patron__clv_threads(0, data->n, RANGE_BLOCK);
  range_job *j = calloc(1, sizeof *j);
  bool ok = j && (j->lo = malloc(n * sizeof *lo)) && (j->hi = malloc(n * sizeof *hi));
  for (int t = 0; ok && t < nt; t++)
    ok = (j->v[t] = malloc((size_t)n_sims * sizeof(double))) &&
         (j->rng[t] = gsl_rng_alloc(gsl_rng_mt19937));
  if (!ok) {
    if (j)
      range_free(j, nt);
    return PATRON__OOM(err);
  }
  j->u = setup(purchases, spend, opts), j->d = data, j->n_sims = n_sims, j->seed = seed;
  patron__exec_ranges(nt, data->n, RANGE_BLOCK, range_block, j);
  for (size_t i = 0; i < data->n && st == PATRON_OK; i++) {
    if (isnan(j->lo[i]))
      st = patron__error_set(err, PATRON_ERR_INPUT, NULL, (uint64_t)i + 1, 0,
                             "customer %zu: cannot compute P(alive) (need 0 <= t_x <= T)", i + 1);
    if (lo)
      lo[i] = j->lo[i];
    if (hi)
      hi[i] = j->hi[i];
  }
  range_free(j, nt);
  return st;
}
