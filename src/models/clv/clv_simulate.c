/* Simulators of the buy-till-you-die generative stories, for parameter-recovery tests and
 * benchmarks: BG/NBD (dropout with probability p after each repeat purchase), MBG/NBD (also
 * at time 0), Pareto/NBD (exponential lifetime), and Gamma-Gamma order values. Each
 * customer's rates come from the population gammas/betas; randomness from a seeded
 * gsl_rng (mt19937). */
#include "models/clv/clv_int.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

/* Records a purchase at time t (continuous, or floored to the step grid with purchases in
 * the same step merged, the first purchase being step 0). */
static void record(double t, double step, double *x, double *tx, double *last_step) {
  if (step > 0) {
    double k = floor(t / step);
    if (k <= *last_step)
      return;
    *last_step = k;
    t = k * step;
  }
  *x += 1;
  *tx = t;
}

static void sim_bg(const gsl_rng *rng, const double *th, bool modified, double T, double step,
                   double *x, double *tx) {
  double lambda = gsl_ran_gamma(rng, th[0], 1 / th[1]);
  double p = gsl_ran_beta(rng, th[2], th[3]), t = 0, last = 0;
  *x = 0;
  *tx = 0;
  if (modified && gsl_rng_uniform(rng) < p)
    return;
  for (;;) {
    t += gsl_ran_exponential(rng, 1 / lambda);
    if (t > T)
      return;
    record(t, step, x, tx, &last);
    if (gsl_rng_uniform(rng) < p)
      return;
  }
}

static void sim_pareto(const gsl_rng *rng, const double *th, double T, double step, double *x,
                       double *tx) {
  double lambda = gsl_ran_gamma(rng, th[0], 1 / th[1]);
  double mu = gsl_ran_gamma(rng, th[2], 1 / th[3]);
  double end = gsl_ran_exponential(rng, 1 / mu), last = 0;
  if (end > T)
    end = T;
  *x = 0;
  *tx = 0;
  if (step == 0) { /* Poisson count, last time = end * max of uniforms */
    unsigned k = gsl_ran_poisson(rng, lambda * end);
    *x = k;
    *tx = k ? end * pow(gsl_rng_uniform_pos(rng), 1.0 / k) : 0;
    return;
  }
  for (double t = gsl_ran_exponential(rng, 1 / lambda); t <= end;
       t += gsl_ran_exponential(rng, 1 / lambda))
    record(t, step, x, tx, &last);
}

static patron_status check_params(patron_clv_kind kind, const double *params, patron_error *err) {
  for (size_t j = 0; j < patron_clv_n_params(kind); j++)
    if (!(params[j] > 0 && isfinite(params[j])))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "simulation parameter %s must be a finite number > 0",
                               patron_clv_param_name(kind, j));
  return PATRON_OK;
}

patron_status patron_clv_simulate(patron_clv_kind kind, const double *params, size_t n,
                                  const patron_clv_sim_options *opts, double *x, double *t_x,
                                  double *T, patron_error *err) {
  if (kind == PATRON_CLV_GAMMAGAMMA || kind == PATRON_CLV_BGBB || patron_clv_n_params(kind) == 0 ||
      !opts || !params)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "simulate needs a purchase model kind, parameters and options");
  if (!(opts->T_min >= 0 && opts->T_max >= opts->T_min && isfinite(opts->T_max) && opts->step >= 0))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "simulate needs 0 <= T_min <= T_max and step >= 0");
  patron_status st = check_params(kind, params, err);
  if (st != PATRON_OK)
    return st;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng)
    return PATRON__OOM(err);
  gsl_rng_set(rng, (unsigned long)opts->seed);
  for (size_t i = 0; i < n; i++) {
    double Ti = opts->T_min + (opts->T_max - opts->T_min) * gsl_rng_uniform(rng);
    if (opts->step > 0)
      Ti = opts->step * floor(Ti / opts->step);
    T[i] = Ti;
    if (kind == PATRON_CLV_PARETONBD)
      sim_pareto(rng, params, Ti, opts->step, &x[i], &t_x[i]);
    else
      sim_bg(rng, params, kind == PATRON_CLV_MBGNBD, Ti, opts->step, &x[i], &t_x[i]);
  }
  gsl_rng_free(rng);
  return PATRON_OK;
}

patron_status patron_clv_simulate_spend(const double *params, size_t n, const double *x,
                                        uint64_t seed, double *monetary, patron_error *err) {
  if (!params || !x || !monetary)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "simulate_spend: NULL");
  patron_status st = check_params(PATRON_CLV_GAMMAGAMMA, params, err);
  if (st != PATRON_OK)
    return st;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!rng)
    return PATRON__OOM(err);
  gsl_rng_set(rng, (unsigned long)seed);
  for (size_t i = 0; i < n; i++) {
    double nu = gsl_ran_gamma(rng, params[1], 1 / params[2]);
    monetary[i] = x[i] > 0 ? gsl_ran_gamma(rng, params[0] * x[i], 1 / nu) / x[i] : 0;
  }
  gsl_rng_free(rng);
  return PATRON_OK;
}
