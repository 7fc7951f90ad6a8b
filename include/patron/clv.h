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

#include "patron/dataset.h"
#include "patron/error.h"
#include "patron/table.h"

typedef enum patron_clv_kind {
  PATRON_CLV_BGNBD = 0,      /* Fader, Hardie & Lee (2005): r, alpha, a, b */
  PATRON_CLV_MBGNBD = 1,     /* Batislam, Denizel & Filiztekin (2007): r, alpha, a, b */
  PATRON_CLV_PARETONBD = 2,  /* Schmittlein, Morrison & Colombo (1987): r, alpha, s, beta */
  PATRON_CLV_GAMMAGAMMA = 3, /* Fader, Hardie & Lee (2005) spend model: p, q, gamma */
  PATRON_CLV_BGBB = 4        /* Fader, Hardie & Shang (2010), discrete time (section "BG/BB"
                                below): alpha, beta, gamma, delta */
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
PATRON_API patron_status patron_clv_compress(const patron_clv_data *data, patron_clv_summary **out,
                                             patron_error *err);
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
  /* L2 penalty on the log of the shape parameters (r, a, b, s; p, q): + log_penalizer *
   * sum(log(shape)^2), a weak prior centred on 1. Unlike the penalizer it does not depend
   * on the time unit (alpha, beta, gamma are left free), and it keeps a shape from running
   * to 0 along a flat likelihood (the degenerate "nobody drops out" optimum); 0 = none. */
  double log_penalizer;
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
                                        const patron_clv_fit_options *opts, patron_clv_model **out,
                                        patron_error *err);
/* The same on an already compressed summary (purchase models only). */
PATRON_API patron_status patron_clv_fit_summary(patron_clv_kind kind, const patron_clv_summary *s,
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
/* "bgnbd", "mbgnbd", "paretonbd", "gammagamma", "bgbb"; and back (false when unknown). */
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

/* ---- Cohorts: per-customer summaries from transactions or from a summary file ---------- */

/* How transactions become (x, t_x, T). Days are whole calendar days (day of the order's
 * time). The calibration period is every day up to and including calibration_end, which
 * is the same as `--as-of calibration_end + 1` (SPEC section 2: rows before as_of 00:00).
 * For a customer whose first purchase is on day f and last calibration purchase on day l:
 *   x   = distinct purchase days in the calibration period, minus 1 (the first),
 *   t_x = (l - f) / unit_days,  T = (calibration_end - f) / unit_days,
 * so CDNOW's T (weeks from the first purchase to 1997-09-30) comes from calibration_end =
 * 1997-09-30. monetary is the mean over the repeat days of the day's purchase total (0 when
 * x = 0). The holdout period is (calibration_end, holdout_end], also inclusive. */
typedef struct patron_clv_cohort_options {
  int32_t calibration_end;   /* last calibration day; PATRON_NO_DAY: the day before the
                                dataset's load as-of, else the latest order day */
  int32_t holdout_end;       /* last holdout day, or PATRON_NO_DAY for no holdout */
  double unit_days;          /* 1 = days, 7 = weeks; 0 = 1 */
  bool zero_value_purchases; /* orders of value 0 count as purchases (CDNOW's convention);
                                by default a purchase is an order of value > 0 (SPEC 3) */
  int threads;               /* 0 = all cores */
} patron_clv_cohort_options;

PATRON_API void patron_clv_cohort_options_init(patron_clv_cohort_options *o);

/* Customers with a purchase in the calibration period, in dataset customer order. Columns
 * are owned by the cohort (free with patron_clv_cohort_free). */
typedef struct patron_clv_cohort {
  size_t n;
  uint32_t *customer;    /* dataset customer index of each row */
  double *x, *t_x, *T;   /* in units of unit_days */
  double *monetary;      /* mean repeat-day value (0 when x = 0 or unknown) */
  double *spend;         /* calibration purchase total, first day included; NULL from a
                            summary file */
  int32_t *first_day;    /* NULL from a summary file */
  double *holdout_x;     /* distinct purchase days in the holdout; NULL without holdout */
  double *holdout_spend; /* purchase total in the holdout; NULL without holdout */
  double unit_days;
  double holdout_length; /* (holdout_end - calibration_end) / unit_days, 0 without */
  int32_t calibration_end, holdout_end;
  bool has_monetary; /* monetary comes from data (always from transactions) */
} patron_clv_cohort;

/* Builds the cohort from a loaded dataset (load it with as_of = holdout_end + 1, or
 * calibration_end + 1 without holdout, so that later rows are counted as after_as_of).
 * Errors: PATRON_ERR_USAGE (holdout_end <= calibration_end, unit_days < 0),
 * PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_clv_cohort_build(const patron_dataset *ds,
                                                 const patron_clv_cohort_options *opts,
                                                 patron_clv_cohort **out, patron_error *err);
PATRON_API void patron_clv_cohort_free(patron_clv_cohort *c);

/* Historical value per cohort row (docs/CLV.md, `clv fit` predictions.csv): annual revenue
 * = spend / years, years = (T unit_days + 1) / 365; hist_value = margin (<= 0: 1) x annual
 * revenue x lifetime_years (<= 0: the customer's own years) - cost. NaN for both when the
 * cohort has no spend (a summary-table input). Each output has c->n entries. */
PATRON_API void patron_clv_historical_value(const patron_clv_cohort *c, double margin,
                                            double lifetime_years, double cost,
                                            double *annual_revenue, double *hist_value);
/* The model input view of a cohort (borrowed columns). */
PATRON_API patron_clv_data patron_clv_cohort_data(const patron_clv_cohort *c);

/* Reads a per-customer summary table (columns customer_id, frequency, recency, T and
 * optional monetary_value; --map, --delimiter, --no-header/--columns, --strict and threads
 * from opts; opts->paths are ignored). Impossible rows (non-numbers, negative values,
 * recency > T, frequency 0 with recency > 0, frequency not a whole number) and repeated
 * customer_ids are rejected with file and line and counted like the loader's rejects, in
 * *ds (its orders report describes the summary file; it has customers and no orders).
 * unit_days only labels the cohort's unit. On success *ds and *out are owned by the
 * caller (patron_dataset_free, patron_clv_cohort_free); cohort rows follow customer order.
 * Errors: as patron_dataset_load. */
PATRON_API patron_status patron_clv_summary_load(const patron_load_options *opts, const char *path,
                                                 double unit_days, patron_dataset **ds,
                                                 patron_clv_cohort **out, patron_error *err);

/* ---- Holdout evaluation ------------------------------------------------------------------ */

enum { PATRON_CLV_EVAL_GROUPS = 8 }; /* calibration frequency 0..6 and 7+ */

typedef struct patron_clv_eval_group {
  size_t customers;
  double actual_purchases, expected_purchases; /* means over the group's customers */
  double actual_spend, expected_spend;         /* means; NaN without a spend prediction */
} patron_clv_eval_group;

typedef struct patron_clv_fit_stats {
  double actual_total, expected_total;
  double mae, rmse, correlation; /* per customer; correlation NaN when a variance is 0 */
} patron_clv_fit_stats;

typedef struct patron_clv_evaluation {
  size_t n;
  double holdout_length;                 /* units */
  patron_clv_fit_stats purchases, spend; /* spend: all NaN without a spend prediction */
  patron_clv_eval_group by_frequency[PATRON_CLV_EVAL_GROUPS];
} patron_clv_evaluation;

/* Compares each customer's expected holdout purchases (and spend, may be NULL) with the
 * cohort's actual holdout figures. Errors: PATRON_ERR_USAGE when the cohort has no
 * holdout. */
PATRON_API patron_status patron_clv_evaluate(const patron_clv_cohort *c,
                                             const double *expected_purchases,
                                             const double *expected_spend,
                                             patron_clv_evaluation *out, patron_error *err);

/* Weekly tracking of cumulative repeat purchases (FHL 2005, figure 2): week w (1-based)
 * ends on day start_day + 7w - 1, where start_day is the cohort's earliest first
 * purchase; weeks run to the holdout end (or the calibration end). actual[w-1] counts the
 * cohort's repeat purchase days up to the end of week w; expected[w-1] sums the model's
 * unconditional E[X(t)] over the cohort, t from each first purchase to the end of week w.
 * The cohort must come from ds with the same opts. *actual and *expected are malloc'ed
 * (free()). Errors: PATRON_ERR_USAGE (no first days: a summary-file cohort), NOMEM,
 * NOCONV. */
PATRON_API patron_status patron_clv_tracking(const patron_dataset *ds, const patron_clv_cohort *c,
                                             const patron_clv_cohort_options *opts,
                                             const patron_clv_model *purchases, int32_t *start_day,
                                             size_t *n_weeks, double **actual, double **expected,
                                             patron_error *err);

/* ---- Saved fits and profile columns ---------------------------------------------------- */

/* model.json of `patron clv fit`: {"schema":"patron.clv.fit","schema_version":1,
 * "unit_days":..,"calibration_end":"YYYY-MM-DD"|null,"purchases":{model},"spend":{model}|
 * null}. The string is malloc'ed (free()); NULL when memory runs out. spend may be NULL;
 * calibration_end may be PATRON_NO_DAY. */
PATRON_API char *patron_clv_fit_to_json(const patron_clv_model *purchases,
                                        const patron_clv_model *spend, double unit_days,
                                        int32_t calibration_end);
/* Parses it back (a bare model JSON of a purchase model is accepted too, unit_days then 1).
 * *spend is NULL when absent. Errors: PATRON_ERR_INPUT. */
PATRON_API patron_status patron_clv_fit_from_json(const char *text, patron_clv_model **purchases,
                                                  patron_clv_model **spend, double *unit_days,
                                                  patron_error *err);
/* Reads a model file written with patron_clv_fit_to_json (as `patron clv fit` saves
 * model.json). Errors: PATRON_ERR_IO (unreadable), PATRON_ERR_LIMIT (over
 * PATRON_CLV_MODEL_FILE_MAX bytes), those of patron_clv_fit_from_json (err->file = path). */
#define PATRON_CLV_MODEL_FILE_MAX ((size_t)16 << 20)
PATRON_API patron_status patron_clv_fit_read(const char *path, patron_clv_model **purchases,
                                             patron_clv_model **spend, double *unit_days,
                                             patron_error *err);

typedef struct patron_clv_profile_options {
  patron_clv_kind model; /* purchase model (default MBG/NBD: docs/CLV.md) */
  bool spend;            /* fit Gamma-Gamma for clv_365d (default true) */
  double discount_rate;  /* annual, default 0.10 */
  double margin;         /* default 1 */
  double penalizer;      /* L2 penalty of the fits (see patron_clv_fit_options) */
  double log_penalizer;  /* L2 penalty on log shapes (see patron_clv_fit_options; default
                            0.03) */
  int threads;
  /* When not NULL: receive the fitted models (the caller frees them; NULL when a model
   * could not be fitted), for reports of parameters and warnings. */
  patron_clv_model **purchases_out, **spend_out;
  /* given: predict with models fitted elsewhere instead of fitting (the MPI backend: rank 0
   * fits on every rank's merged counts, docs/SCALE.md section 9); purchases_given NULL
   * leaves the columns empty, spend_given NULL leaves clv_365d empty. */
  bool given;
  const patron_clv_model *purchases_given, *spend_given;
} patron_clv_profile_options;

PATRON_API void patron_clv_profile_options_init(patron_clv_profile_options *o);

/* Appends p_alive, exp_purchases_90d and clv_365d to a profile table (rows -> dataset
 * customers in row_customer), fitting the purchase model (and Gamma-Gamma) on every
 * customer with a purchase before as_of, in days (calibration_end = as_of - 1). Customers
 * without a purchase keep empty cells; clv_365d is empty when the spend model cannot be
 * fitted (e.g. no repeat buyer with spend). Errors: those of the fits (the columns are
 * added, empty, before fitting, so a caller may go on without them). */
PATRON_API patron_status patron_clv_profile_columns(patron_table *t, const patron_dataset *ds,
                                                    const uint32_t *row_customer, int32_t as_of,
                                                    const patron_clv_profile_options *opts,
                                                    patron_error *err);

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
                                                  const patron_clv_value_options *opts, double *out,
                                                  patron_error *err);
/* Several predictions of one purchase model in one pass (what the functions above compute,
 * identical to the digit): the data's distinct (x, t_x, T) rows are found and ordered once,
 * P(alive) is computed once per row and each query's live-customer factor once per (x, T),
 * on all cores. */
typedef enum patron_clv_quantity {
  PATRON_CLV_P_ALIVE,   /* patron_clv_predict_p_alive */
  PATRON_CLV_PURCHASES, /* patron_clv_predict_purchases over t */
  PATRON_CLV_P_ANY,     /* patron_clv_predict_p_any over t */
  PATRON_CLV_VALUE,     /* patron_clv_predict_value with spend and value */
} patron_clv_quantity;

typedef struct patron_clv_query {
  patron_clv_quantity what;
  double t;                              /* PURCHASES, P_ANY: horizon in model units */
  const patron_clv_model *spend;         /* VALUE: a Gamma-Gamma model */
  const patron_clv_value_options *value; /* VALUE */
  double *out;                           /* data->n values */
} patron_clv_query;

/* Runs n queries over data; errors as the single functions' (the first failing query's),
 * outputs of the queries before a failing one are filled. */
PATRON_API patron_status patron_clv_predict_many(const patron_clv_model *purchases,
                                                 const patron_clv_data *data,
                                                 const patron_clv_query *queries, size_t n,
                                                 patron_error *err);
/* The same on data already compressed into s (patron_clv_compress(data, &s), e.g. the
 * summary a model was fitted on with patron_clv_fit_summary): the data is compressed once
 * for the fit and the predictions. s must come from this data. */
PATRON_API patron_status patron_clv_predict_many_summary(const patron_clv_model *purchases,
                                                         const patron_clv_data *data,
                                                         const patron_clv_summary *s,
                                                         const patron_clv_query *queries, size_t n,
                                                         patron_error *err);

/* 10th and 90th percentiles of each customer's CLV under the posterior predictive, by
 * simulating n_sims futures per customer (draw alive, rates and spend from the posterior,
 * then purchases and order values) from a gsl_rng (mt19937) seeded with seed + customer
 * index, so results do not depend on threads. lo/hi may be NULL. n_sims >= 10. */
PATRON_API patron_status patron_clv_predict_value_range(const patron_clv_model *purchases,
                                                        const patron_clv_model *spend,
                                                        const patron_clv_data *data,
                                                        const patron_clv_value_options *opts,
                                                        int n_sims, uint64_t seed, double *lo,
                                                        double *hi, patron_error *err);

/* ---- Simulation -------------------------------------------------------------------------- */

typedef struct patron_clv_sim_options {
  double T_min, T_max; /* observation lengths drawn uniformly in [T_min, T_max] */
  double step;         /* 0 = continuous time; > 0: times floored to multiples of step and
                          purchases in the same step merged (like distinct purchase days) */
  uint64_t seed;
} patron_clv_sim_options;

/* Draw n customers from a purchase model with natural parameters params into the
 * caller's arrays x, t_x, T (n each). Errors: PATRON_ERR_USAGE. */
PATRON_API patron_status patron_clv_simulate(patron_clv_kind kind, const double *params, size_t n,
                                             const patron_clv_sim_options *opts, double *x,
                                             double *t_x, double *T, patron_error *err);
/* Draw each customer's mean repeat-order value from Gamma-Gamma (p, q, gamma) given
 * x[i] repeat purchases (0 when x[i] = 0) into monetary (n). */
PATRON_API patron_status patron_clv_simulate_spend(const double *params, size_t n, const double *x,
                                                   uint64_t seed, double *monetary,
                                                   patron_error *err);

/* ---- Serialization ------------------------------------------------------------------------ */

/* JSON text of a model ({"schema":"patron.clv.model","schema_version":1,...}); the
 * string is malloc'ed: free() it. NULL when memory runs out. */
PATRON_API char *patron_clv_model_to_json(const patron_clv_model *m);
/* Parse a model written by patron_clv_model_to_json. Errors: PATRON_ERR_INPUT. */
PATRON_API patron_status patron_clv_model_from_json(const char *text, patron_clv_model **out,
                                                    patron_error *err);

/* ---- BG/BB: discrete-time, non-contractual (Fader, Hardie & Shang 2010) ------------------ */

/* Customers with n fixed transaction opportunities after their first (e.g. yearly
 * renewals): at each opportunity a live customer transacts with probability p ~ Beta(alpha,
 * beta); before each opportunity a live customer drops out with probability theta ~
 * Beta(gamma, delta). Data per customer: x = opportunities with a transaction, t_x = the
 * last of them (0 when x = 0), n = opportunities observed, in patron_clv_data's x, t_x and T
 * (weight counts customers with that pattern). Fitted with patron_clv_fit(PATRON_CLV_BGBB,
 * ...) or patron_clv_bgbb_fit; the continuous-time predictions reject a BG/BB model. */

/* Checks a BG/BB table: whole numbers, 0 <= x <= t_x <= n (t_x = 0 when x = 0, t_x >= 1
 * otherwise), weight >= 0 and finite. The first bad row is PATRON_ERR_INPUT with its
 * 1-based index in err->line and the problem in the message. */
PATRON_API patron_status patron_clv_bgbb_check(const patron_clv_data *data, patron_error *err);
/* Log-likelihood of one pattern (FHS 2010) in log space: O(n - t_x) terms. */
PATRON_API double patron_clv_bgbb_log_likelihood(const double *params, double x, double t_x,
                                                 double n);
/* Weighted MLE from several starting points (the best log-likelihood wins); checks the data
 * first. opts as patron_clv_fit (init ignored). */
PATRON_API patron_status patron_clv_bgbb_fit(const patron_clv_data *data,
                                             const patron_clv_fit_options *opts,
                                             patron_clv_model **out, patron_error *err);
/* P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010), per customer. */
PATRON_API patron_status patron_clv_bgbb_p_alive(const patron_clv_model *m,
                                                 const patron_clv_data *data, double *out,
                                                 patron_error *err);
/* E[X(n, n + n_star) | x, t_x, n]: expected transactions in the next n_star opportunities
 * (FHS 2010, the conditional expectation), per customer. */
PATRON_API patron_status patron_clv_bgbb_expected(const patron_clv_model *m,
                                                  const patron_clv_data *data, double n_star,
                                                  double *out, patron_error *err);
/* E[X(n)]: expected transactions of a new customer in its first n opportunities, for
 * tracking plots and holdout checks. NaN for a model that is not BG/BB. */
PATRON_API double patron_clv_bgbb_expected_new(const patron_clv_model *m, double n);
/* Draws n_customers from the BG/BB story with `periods` opportunities each into x, t_x and
 * T (= periods), from a gsl_rng (mt19937) seeded with seed. Errors: PATRON_ERR_USAGE. */
PATRON_API patron_status patron_clv_bgbb_simulate(const double *params, size_t n_customers,
                                                  double periods, uint64_t seed, double *x,
                                                  double *t_x, double *T, patron_error *err);

/* A recency/frequency table read from a file (patron_clv_bgbb_table_read). */
typedef struct patron_clv_bgbb_table {
  size_t rows;
  double *x, *t_x, *periods; /* frequency, recency, periods */
  double *weight;            /* customers per row (1 without a weights column) */
  uint64_t *line;            /* file line of each row */
  bool has_weights, has_ids;
  char *ids; /* NUL-separated ids (customer_id or id column), see _table_id */
  size_t ids_len, *id_offset;
} patron_clv_bgbb_table;

/* Reads a CSV (or `delimiter`-separated; 0 = ',') table with a header naming frequency (or
 * x), recency (or t_x), periods (or n), optional weights (or weight) and customer_id (or
 * id), case-insensitive, in any order; "-" is standard input, gzip is read as such. The
 * first bad row (not a number, impossible pattern as patron_clv_bgbb_check says, fewer
 * fields than the header, broken quoting) is PATRON_ERR_INPUT with err->file and err->line
 * set. Free with patron_clv_bgbb_table_free. */
PATRON_API patron_status patron_clv_bgbb_table_read(const char *path, char delimiter,
                                                    patron_clv_bgbb_table **out, patron_error *err);
PATRON_API void patron_clv_bgbb_table_free(patron_clv_bgbb_table *t);
/* The id of row i, or NULL without an id column. */
PATRON_API const char *patron_clv_bgbb_table_id(const patron_clv_bgbb_table *t, size_t i);
/* The model input view of the table (borrowed columns; weight NULL without weights). */
PATRON_API patron_clv_data patron_clv_bgbb_table_data(const patron_clv_bgbb_table *t);

/* How transactions become opportunities: one per calendar year, month, ISO week (Monday
 * to Sunday) or day. */
typedef enum patron_clv_period {
  PATRON_CLV_YEAR,
  PATRON_CLV_MONTH,
  PATRON_CLV_WEEK,
  PATRON_CLV_DAY
} patron_clv_period;
/* "year", "month", "week", "day" -> period; false when unknown. */
PATRON_API bool patron_clv_period_parse(const char *name, patron_clv_period *out);
/* The BG/BB table of a loaded dataset, one row per customer with a purchase on or before
 * calibration_end (PATRON_NO_DAY: the day before the dataset's load as-of, else the latest
 * order day), ids from the dataset: a period with at least one purchase (an order of value
 * > 0, or any order when the file has no amounts) is a transaction; the customer's first
 * such period is the birth; n = periods from the birth period to the calibration end's
 * period; x = later periods with a purchase up to the calibration end; t_x = the last of
 * them minus the birth period (0 when x = 0). Rows carry line 0. Errors: PATRON_ERR_INPUT
 * (no purchase on or before the calibration end), PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_clv_bgbb_from_orders(const patron_dataset *ds,
                                                     patron_clv_period period,
                                                     int32_t calibration_end,
                                                     patron_clv_bgbb_table **out,
                                                     patron_error *err);

#endif
