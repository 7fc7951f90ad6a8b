/* Experiments (SPEC section 12): arms, hash assignment, and the evaluation of an experiment
 * over a window of orders: Newcombe's hybrid score interval and the pooled z test for
 * conversion, Welch's t test for means, delta-method relative lifts, CUPED, capping, the
 * sample-ratio-mismatch test, Holm's adjustment and the verdicts. docs/EXPERIMENTS.md. */
#ifndef PATRON_EXPERIMENT_H
#define PATRON_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/dataset.h"
#include "patron/error.h"
#include "patron/table.h"

/* ---- Arms and assignment ------------------------------------------------------------ */

/* Arms in order with their weights. Owned strings; clear with patron_arms_clear. */
typedef struct patron_arms {
  size_t n;
  char **names;
  double *weights;
} patron_arms;

/* Parses "control:50,treatment:50" (NAME[:WEIGHT], weight default 1, names unique, made of
 * letters, digits, '_', '-', '.'). PATRON_ERR_USAGE with the fault on bad text. */
PATRON_API patron_status patron_arms_parse(const char *spec, patron_arms *out, patron_error *err);
/* Frees what patron_arms_parse allocated and zeroes arms. Accepts NULL. */
PATRON_API void patron_arms_clear(patron_arms *arms);
/* The control arm: the arm named "control", else the first. */
PATRON_API size_t patron_arms_control(const patron_arms *arms);

/* Customers with their arm and bucket (0..9999). Free with patron_assignments_free.
 * ids[i] point into one block (id_text). */
typedef struct patron_assignments {
  char *name; /* the experiment name */
  size_t n;
  char **ids;       /* customer ids (NUL-terminated) */
  uint32_t *arm;    /* index into arms */
  uint32_t *bucket; /* the hash bucket, PATRON_NO_BUCKET when read from a file without one */
  patron_arms arms;
  char *id_text; /* internal: the ids' bytes, one block */
} patron_assignments;

#define PATRON_NO_BUCKET UINT32_MAX

PATRON_API void patron_assignments_free(patron_assignments *a);

/* Assigns ids (n of them, unique) to arms by the hash of salt + id (include/patron/hash.h).
 * The arms are copied. *out is new. */
PATRON_API patron_status patron_experiment_assign(const char *name, const char *const *ids,
                                                  size_t n, const patron_arms *arms,
                                                  const char *salt, patron_assignments **out,
                                                  patron_error *err);

/* Reads a list of ids: a CSV with a header; the column customer_id, else the first column.
 * Duplicates are kept once (first seen); empty ids are errors naming file and line.
 * *ids is one malloc'ed block (pointers and strings): free(*ids). */
PATRON_API patron_status patron_ids_read_csv(const char *path, char ***ids, size_t *n,
                                             patron_error *err);

/* Reads customer_id,arm[,bucket] (assign's output). Arms in order of first appearance, equal
 * weights; the name is the file's base name without extension. An id in two rows is an
 * error naming both lines. *out is new. */
PATRON_API patron_status patron_assignments_read_csv(const char *path, patron_assignments **out,
                                                     patron_error *err);

/* Replaces the assignments' arms by `arms` (their order and weights: e.g. --arms given with
 * an assignment file). Every arm of the file must be among them and every arm given must have
 * customers; PATRON_ERR_USAGE otherwise, naming the arm. */
PATRON_API patron_status patron_assignments_set_arms(patron_assignments *a, const patron_arms *arms,
                                                     patron_error *err);

/* customer_id,arm,bucket, in the assignments' order. */
PATRON_API patron_status patron_assignments_write_csv(const patron_assignments *a, const char *path,
                                                      patron_error *err);

/* ---- Statistics ----------------------------------------------------------------------- */

/* Sufficient statistics of one arm's metric: n, mean and sample variance (n - 1). */
typedef struct patron_moments {
  size_t n;
  double mean, var;
} patron_moments;

/* Mean and sample variance of y (two passes, long double sums). */
PATRON_API patron_moments patron_stats_moments(const double *y, size_t n);

/* One comparison of an arm (t) with control (c). */
typedef struct patron_comparison {
  double value, control_value;      /* means (proportions) */
  double diff, diff_low, diff_high; /* t - c and its interval */
  double lift, lift_low, lift_high; /* t / c - 1 and its delta-method interval; NaN when c = 0 */
  double p_value;                   /* two-sided */
  double df;                        /* Welch-Satterthwaite degrees of freedom; NaN for z */
} patron_comparison;

/* Conversion: x successes of n per arm. Newcombe's hybrid score interval (from Wilson
 * intervals) at level 1 - alpha; p from the pooled two-proportion z test (1 when both
 * proportions are 0 or both 1); lift with the delta method on the 0/1 values' sample
 * variances. PATRON_ERR_DOMAIN when an arm is empty. */
PATRON_API patron_status patron_stats_proportions(size_t x_t, size_t n_t, size_t x_c, size_t n_c,
                                                  double alpha, patron_comparison *out,
                                                  patron_error *err);

/* Means: Welch's t test with Welch-Satterthwaite df and its t interval; lift with the delta
 * method and the normal critical value. When both variances are 0 the interval is [diff,
 * diff] and p is 1 (diff = 0) or 0. PATRON_ERR_DOMAIN when an arm has fewer than 2 values. */
PATRON_API patron_status patron_stats_means(patron_moments t, patron_moments c, double alpha,
                                            patron_comparison *out, patron_error *err);

/* The P-th percentile (0..100) of values with linear interpolation between closest ranks
 * (position (n - 1) P / 100, as numpy's default). Sorts values in place. NaN when n = 0. */
PATRON_API double patron_stats_percentile(double *values, size_t n, double p);

/* CUPED: y[i] -= theta (x[i] - mean x), theta = cov(y, x) / var(x) over all n (0 when var(x)
 * is 0). Writes theta when not NULL. */
PATRON_API void patron_stats_cuped(double *y, const double *x, size_t n, double *theta);

/* Sample-ratio mismatch: the chi-square goodness-of-fit p of counts against weights (k - 1
 * degrees of freedom). 1 when k < 2. */
PATRON_API double patron_stats_srm_p(const size_t *counts, const double *weights, size_t k);

/* Holm's step-down adjustment of n p-values into adjusted (may be the same array). */
PATRON_API patron_status patron_stats_holm(const double *p, size_t n, double *adjusted,
                                           patron_error *err);

/* Per-arm sample size to detect an absolute difference mde from a baseline proportion
 * (two-sided alpha, power): (z_a sqrt(2 pbar (1 - pbar)) + z_b sqrt(p1 q1 + p2 q2))^2 / mde^2,
 * rounded up. PATRON_ERR_USAGE when p2 = baseline + mde is outside (0, 1). */
PATRON_API patron_status patron_stats_size_proportion(double baseline, double mde, double alpha,
                                                      double power, double *n_per_arm,
                                                      patron_error *err);
/* The same for means: 2 (z_a + z_b)^2 sd^2 / mde^2, rounded up. */
PATRON_API patron_status patron_stats_size_mean(double sd, double mde, double alpha, double power,
                                                double *n_per_arm, patron_error *err);

/* ---- Evaluation ----------------------------------------------------------------------- */

typedef enum patron_verdict {
  PATRON_VERDICT_INVALID,
  PATRON_VERDICT_EFFECTIVE,
  PATRON_VERDICT_HARMFUL,
  PATRON_VERDICT_INEFFECTIVE,
  PATRON_VERDICT_INCONCLUSIVE,
} patron_verdict;

/* "invalid", "effective", ... */
PATRON_API const char *patron_verdict_name(patron_verdict v);

typedef enum patron_metric {
  PATRON_METRIC_CONVERSION,
  PATRON_METRIC_REVENUE,
  PATRON_METRIC_ORDERS,
  PATRON_METRIC_COUNT
} patron_metric;

PATRON_API const char *patron_metric_name(patron_metric m);

typedef struct patron_eval_options {
  int32_t start_day;     /* required */
  int window_days;       /* 30 */
  double cap_percentile; /* NaN: no capping */
  bool cuped;
  int pre_days;    /* 90 */
  double alpha;    /* 0.05 */
  double min_lift; /* 0.05 */
  double power;    /* 0.8: for the required sample size */
} patron_eval_options;

PATRON_API void patron_eval_options_init(patron_eval_options *o);

/* One row of results.csv, plus the planning figures. */
typedef struct patron_result_row {
  patron_metric metric;
  size_t arm;
  size_t n, control_n;
  patron_comparison c;
  double p_adjusted, srm_p;
  patron_verdict verdict;
  double required_n; /* per arm to detect a lift of min_lift at alpha with `power`; NaN unknown */
} patron_result_row;

typedef struct patron_evaluation {
  char *experiment;
  patron_arms arms;
  size_t control;
  size_t *arm_n; /* customers per arm */
  double srm_p;
  double cap;       /* the revenue cap applied (NaN: none) */
  double theta[2];  /* CUPED theta for revenue, orders (NaN without --cuped) */
  size_t n_unknown; /* assigned ids with no order at all in the data (kept: zeros) */
  size_t n_rows;
  patron_result_row *rows; /* metric-major: conversion rows, revenue rows, orders rows */
} patron_evaluation;

PATRON_API void patron_evaluation_free(patron_evaluation *e);

/* Per-customer metrics from the orders. y[m * n + i] is metric m of assigned customer i
 * over [start, start + window); x likewise over [start - pre_days, start) (x may be NULL).
 * An order's value is its rows' amounts summed; revenue sums every order (refunds
 * included), orders and conversion count purchases (value > 0). */
PATRON_API patron_status patron_experiment_metrics(const patron_assignments *a,
                                                   const patron_dataset *ds,
                                                   const patron_eval_options *o, double *y,
                                                   double *x, size_t *n_unknown, patron_error *err);

/* The same with each customer's own start: start[i] (seconds since 1970-01-01, e.g. the
 * time a trigger action fired) opens customer i's window [start[i], start[i] + window) and
 * closes its pre-period; o->start_day is not used. */
PATRON_API patron_status patron_experiment_metrics_from(
    const patron_assignments *a, const patron_dataset *ds, const int64_t *start,
    const patron_eval_options *o, double *y, double *x, size_t *n_unknown, patron_error *err);

/* Evaluates from per-customer metrics laid out as patron_experiment_metrics writes them
 * (capping and CUPED are applied here, on copies). *out is new. */
PATRON_API patron_status patron_experiment_evaluate_metrics(const patron_assignments *a,
                                                            const double *y, const double *x,
                                                            const patron_eval_options *o,
                                                            patron_evaluation **out,
                                                            patron_error *err);

/* patron_experiment_metrics + patron_experiment_evaluate_metrics. */
PATRON_API patron_status patron_experiment_evaluate(const patron_assignments *a,
                                                    const patron_dataset *ds,
                                                    const patron_eval_options *o,
                                                    patron_evaluation **out, patron_error *err);

/* results.csv (SPEC section 12 columns, figures at full precision). */
PATRON_API patron_status patron_evaluation_write_csv(const patron_evaluation *e, const char *path,
                                                     patron_error *err);

/* results.csv of several experiments (e.g. one per trigger rule): every non-NULL e[k]'s rows
 * in order, under its own experiment name. */
PATRON_API patron_status patron_evaluations_write_csv(const patron_evaluation *const *e, size_t n,
                                                      const char *path, patron_error *err);

/* ---- Stratified reporting -------------------------------------------------------------- */

/* Reads customer_id and `column` of a CSV with a header (e.g. analyze's profiles.csv): the
 * label of each id. *ids and *labels are one malloc'ed block each: free() both. Errors name
 * the file (and line) when the column is missing or an id repeats. */
PATRON_API patron_status patron_labels_read_csv(const char *path, const char *column, char ***ids,
                                                char ***labels, size_t *n, patron_error *err);

/* One evaluation per stratum: stratum[i] in 0..n_strata-1 is assigned customer i's stratum
 * (UINT32_MAX: in none). Metrics as patron_experiment_evaluate_metrics lays them out; each
 * stratum is evaluated on its own (its SRM, its Holm adjustment). out[s] is NULL for a stratum
 * too small to compare (an arm with fewer than 2 customers). Free each with
 * patron_evaluation_free. */
PATRON_API patron_status patron_experiment_evaluate_strata(
    const patron_assignments *a, const double *y, const double *x, const uint32_t *stratum,
    size_t n_strata, const patron_eval_options *o, patron_evaluation **out, patron_error *err);

/* results_by_segment.csv: segmentation,segment, then the results.csv columns, for every
 * non-NULL evaluation e[k] under segments[k]. */
PATRON_API patron_status patron_evaluations_write_strata_csv(const patron_evaluation *const *e,
                                                             const char *const *segments, size_t n,
                                                             const char *segmentation,
                                                             const char *path, patron_error *err);

#endif
