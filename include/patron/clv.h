/* Customer lifetime value: buy-till-you-die purchase models (BG/NBD, MBG/NBD, Pareto/NBD)
 * and the Gamma-Gamma spend model, fitted by maximum likelihood on per-customer summaries
 * (x = repeat purchases, t_x = time of the last purchase, T = time observed, all measured
 * from the customer's first purchase), with predictions, simulators and JSON models.
 * Pure computation over arrays; the time unit is the caller's (days or weeks). */
#ifndef PATRON_CLV_H
#define PATRON_CLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/error.h"

typedef enum patron_clv_kind {
  PATRON_CLV_BGNBD = 0,     /* Fader, Hardie & Lee (2005): r, alpha, a, b */
  PATRON_CLV_MBGNBD = 1,    /* Batislam, Denizel & Filiztekin (2007): r, alpha, a, b */
  PATRON_CLV_PARETONBD = 2, /* Schmittlein, Morrison & Colombo (1987): r, alpha, s, beta */
  PATRON_CLV_GAMMAGAMMA = 3 /* Fader, Hardie & Lee (2005) spend model: p, q, gamma */
} patron_clv_kind;

enum { PATRON_CLV_MAX_PARAMS = 4 };

/* Per-customer input columns (borrowed, not copied). x, t_x, T are required for the
 * purchase models; weight (NULL = all 1) counts identical customers; monetary is the mean
 * value of the customer's repeat purchases, required by Gamma-Gamma and by CLV. */
typedef struct patron_clv_data {
  size_t n;
  const double *x;
  const double *t_x;
  const double *T;
  const double *weight;
  const double *monetary;
} patron_clv_data;

/* ---- Distinct-triple compression ---------------------------------------------------- */

/* The purchase-model likelihoods depend only on (x, t_x, T): a summary holds the distinct
 * triples with summed weights (and, internally, the distinct x and time values). */
typedef struct patron_clv_summary patron_clv_summary;

/* Compress data into distinct weighted triples. Validates every row (finite, x >= 0,
 * 0 <= t_x <= T, weight >= 0) and reports the first bad row as PATRON_ERR_INPUT with its
 * index in err->line (1-based). *out is freed with patron_clv_summary_free. */
PATRON_API patron_status patron_clv_compress(const patron_clv_data *data,
                                             patron_clv_summary **out, patron_error *err);
PATRON_API void patron_clv_summary_free(patron_clv_summary *s);
/* Number of distinct triples. */
PATRON_API size_t patron_clv_summary_rows(const patron_clv_summary *s);
/* Read-only columns of the distinct triples (each n = patron_clv_summary_rows). */
PATRON_API void patron_clv_summary_columns(const patron_clv_summary *s, const double **x,
                                           const double **t_x, const double **T,
                                           const double **weight);
/* Row of the summary for each input customer (n = data->n), or NULL. */
PATRON_API const uint32_t *patron_clv_summary_index(const patron_clv_summary *s);

/* ---- Fitting -------------------------------------------------------------------------- */

typedef struct patron_clv_fit_options {
  double penalizer;   /* L2 penalty on the natural parameters (lifetimes' convention:
                         objective = -LL / sum(weights) + penalizer * sum(theta^2)); 0 = MLE */
  int max_iter;       /* optimiser iterations; 0 = 500 */
  double tol;         /* gradient-norm tolerance of the mean objective; 0 = 1e-7 */
  int threads;        /* 0 = all cores */
  const double *init; /* optional starting natural parameters (n_params), NULL = all 1 */
} patron_clv_fit_options;

typedef struct patron_clv_model patron_clv_model;

/* Fit a model by maximum likelihood (BFGS on log-parameters with analytic gradients;
 * standard errors from the Hessian by the delta method). Purchase models use x, t_x, T
 * (+ weight); Gamma-Gamma uses x and monetary of customers with x > 0 and monetary > 0.
 * opts may be NULL. Errors: PATRON_ERR_INPUT (bad row), PATRON_ERR_DOMAIN (data cannot
 * support the model: fewer than 2 customers, no repeat buyers, ...), PATRON_ERR_NOCONV
 * (optimiser failed or the Hessian is not positive definite). On success *out is freed
 * with patron_clv_model_free; on failure *out is NULL (never NaN parameters). */
PATRON_API patron_status patron_clv_fit(patron_clv_kind kind, const patron_clv_data *data,
                                        const patron_clv_fit_options *opts,
                                        patron_clv_model **out, patron_error *err);
/* The same on an already compressed summary (purchase models only). */
PATRON_API patron_status patron_clv_fit_summary(patron_clv_kind kind,
                                                const patron_clv_summary *s,
                                                const patron_clv_fit_options *opts,
                                                patron_clv_model **out, patron_error *err);

/* A model from known natural parameters (all > 0), e.g. for simulation or scoring.
 * Errors: PATRON_ERR_USAGE. Free with patron_clv_model_free. */
PATRON_API patron_status patron_clv_model_new(patron_clv_kind kind, const double *params,
                                              patron_clv_model **out, patron_error *err);
PATRON_API void patron_clv_model_free(patron_clv_model *m);

PATRON_API patron_clv_kind patron_clv_model_kind(const patron_clv_model *m);
PATRON_API size_t patron_clv_n_params(patron_clv_kind kind);
/* "r", "alpha", ...; NULL when i is out of range. */
PATRON_API const char *patron_clv_param_name(patron_clv_kind kind, size_t i);
/* "bgnbd", "mbgnbd", "paretonbd", "gammagamma"; and back (false when unknown). */
PATRON_API const char *patron_clv_kind_name(patron_clv_kind kind);
PATRON_API bool patron_clv_kind_parse(const char *name, patron_clv_kind *kind);
PATRON_API double patron_clv_model_param(const patron_clv_model *m, size_t i);
/* Standard error of parameter i; 0 when the model was not fitted. */
PATRON_API double patron_clv_model_se(const patron_clv_model *m, size_t i);
PATRON_API double patron_clv_model_log_likelihood(const patron_clv_model *m);
PATRON_API int patron_clv_model_iterations(const patron_clv_model *m);
PATRON_API bool patron_clv_model_converged(const patron_clv_model *m);
/* Sum of weights of the customers used in the fit. */
PATRON_API double patron_clv_model_n_customers(const patron_clv_model *m);
/* A warning worth showing (e.g. frequency and spend correlated), or NULL. */
PATRON_API const char *patron_clv_model_warning(const patron_clv_model *m);
/* Gamma-Gamma only: Pearson correlation of frequency and mean spend in the fit data. */
PATRON_API double patron_clv_model_spend_correlation(const patron_clv_model *m);

/* ---- Predictions (per customer; out has data->n entries) -------------------------------- */

/* Probability that each customer is still active at T. */
PATRON_API patron_status patron_clv_predict_p_alive(const patron_clv_model *m,
                                                    const patron_clv_data *data, double *out,
                                                    patron_error *err);
/* Expected number of purchases in (T, T + t]. */
PATRON_API patron_status patron_clv_predict_purchases(const patron_clv_model *m,
                                                      const patron_clv_data *data, double t,
                                                      double *out, patron_error *err);
/* Probability of at least one purchase in (T, T + t]. */
PATRON_API patron_status patron_clv_predict_p_any(const patron_clv_model *m,
                                                  const patron_clv_data *data, double t,
                                                  double *out, patron_error *err);
/* Expected value of a future order (Gamma-Gamma posterior mean; needs x and monetary;
 * customers with x = 0 get the population mean). spend must be a Gamma-Gamma model. */
PATRON_API patron_status patron_clv_predict_spend(const patron_clv_model *spend,
                                                  const patron_clv_data *data, double *out,
                                                  patron_error *err);

typedef struct patron_clv_value_options {
  int months;           /* horizon in months (each month_days long); e.g. 12 */
  double discount_rate; /* ANNUAL discount rate, e.g. 0.10; month i is discounted by
                           (1 + rate)^(-i/12) */
  double margin;        /* profit margin applied to revenue, e.g. 0.3 (0 = 1.0) */
  double unit_days;     /* length of the model's time unit in days (1 = days, 7 = weeks) */
  double month_days;    /* 0 = 30 (lifetimes' convention) */
} patron_clv_value_options;

/* CLV = margin * E[order value] * sum_i (E[Y(i months)] - E[Y((i-1) months)]) * disc_i.
 * purchases: a purchase model; spend: a Gamma-Gamma model. */
PATRON_API patron_status patron_clv_predict_value(const patron_clv_model *purchases,
                                                  const patron_clv_model *spend,
                                                  const patron_clv_data *data,
                                                  const patron_clv_value_options *opts,
                                                  double *out, patron_error *err);
/* 10th and 90th percentiles of each customer's CLV under the posterior predictive, by
 * simulating n_sims futures per customer (draw alive, rates and spend from the posterior,
 * then purchases and order values) from a gsl_rng (mt19937) seeded with seed + customer
 * index, so results do not depend on threads. lo/hi may be NULL. n_sims >= 10. */
PATRON_API patron_status patron_clv_predict_value_range(
    const patron_clv_model *purchases, const patron_clv_model *spend,
    const patron_clv_data *data, const patron_clv_value_options *opts, int n_sims,
    uint64_t seed, double *lo, double *hi, patron_error *err);

/* ---- Simulation -------------------------------------------------------------------------- */

typedef struct patron_clv_sim_options {
  double T_min, T_max; /* observation lengths drawn uniformly in [T_min, T_max] */
  double step;         /* 0 = continuous time; > 0: times floored to multiples of step and
                          purchases in the same step merged (like distinct purchase days) */
  uint64_t seed;
} patron_clv_sim_options;

/* Draw n customers from a purchase model with natural parameters params into the
 * caller's arrays x, t_x, T (n each). Errors: PATRON_ERR_USAGE. */
PATRON_API patron_status patron_clv_simulate(patron_clv_kind kind, const double *params,
                                             size_t n, const patron_clv_sim_options *opts,
                                             double *x, double *t_x, double *T,
                                             patron_error *err);
/* Draw each customer's mean repeat-order value from Gamma-Gamma (p, q, gamma) given
 * x[i] repeat purchases (0 when x[i] = 0) into monetary (n). */
PATRON_API patron_status patron_clv_simulate_spend(const double *params, size_t n,
                                                   const double *x, uint64_t seed,
                                                   double *monetary, patron_error *err);

/* ---- Serialization ------------------------------------------------------------------------ */

/* JSON text of a model ({"schema":"patron.clv.model","schema_version":1,...}); the
 * string is malloc'ed: free() it. NULL when memory runs out. */
PATRON_API char *patron_clv_model_to_json(const patron_clv_model *m);
/* Parse a model written by patron_clv_model_to_json. Errors: PATRON_ERR_INPUT. */
PATRON_API patron_status patron_clv_model_from_json(const char *text, patron_clv_model **out,
                                                    patron_error *err);

#endif
