/* Churn and purchase-propensity models on point-in-time features (patron/features.h).
 * Training rows are (customer, cut-off C) pairs with features from data before C and a
 * label from [C, C + H): churn = no purchase, propensity = at least one. Learners:
 * gradient-boosted trees through XGBoost's C API (hist, early stopping on a time-held-out
 * validation set) and an L2 logistic regression baseline (IRLS, standardized inputs).
 * Metrics: ROC AUC, PR AUC, log loss, Brier, calibration and gains tables. docs/CHURN.md. */
#ifndef PATRON_CHURN_H
#define PATRON_CHURN_H

#include "patron/dataset.h"
#include "patron/sink.h"
#include "patron/features.h"
#include "patron/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Binary classification metrics ------------------------------------------------------ */

enum { PATRON_DECILES = 10 };

/* One tenth of the rows by score, decile 1 = the highest scores. */
typedef struct patron_decile_row {
  size_t n;
  double positives;
  double mean_score;  /* mean predicted probability (calibration) */
  double rate;        /* observed positive rate */
  double lift;        /* rate / overall rate */
  double cum_capture; /* share of all positives in deciles 1..this */
} patron_decile_row;

typedef struct patron_binary_metrics {
  size_t n;
  double positives, base_rate;
  double auc;      /* ROC AUC, ties counted one half */
  double pr_auc;   /* average precision (step-wise area under precision-recall) */
  double log_loss; /* mean -[y log p + (1-y) log(1-p)], p clipped to [1e-15, 1 - 1e-15] */
  double brier;    /* mean (p - y)^2 */
  double top_decile_lift;
  patron_decile_row deciles[PATRON_DECILES];
} patron_binary_metrics;

/* Metrics of probabilities p against 0/1 labels y (n rows). Rows are ranked by p
 * descending, ties by index, for the decile tables. Errors: PATRON_ERR_DOMAIN when n < 10
 * or the labels are of one class only; PATRON_ERR_INPUT for a p outside [0, 1] or NaN. */
PATRON_API patron_status patron_metrics_binary(const double *p, const float *y, size_t n,
                                               patron_binary_metrics *out, patron_error *err);
/* ROC AUC alone for any real-valued score (higher = more likely positive); NaN when one
 * class is empty. */
PATRON_API double patron_metrics_auc(const double *score, const float *y, size_t n);

/* ---- Logistic regression ------------------------------------------------------------------ */

/* L2-penalized logistic regression on an n x p row-major matrix x (already standardized by
 * the caller) with labels y and optional row weights w (NULL = 1): minimizes
 * -sum w_i loglik_i + (l2 / 2) |beta|^2 (intercept not penalized) by IRLS (Newton) with a
 * Cholesky solve (gsl_linalg_cholesky). beta receives p + 1 values, intercept last.
 * n_threads 0 = all cores; results do not depend on it. Errors: PATRON_ERR_DOMAIN (n < 2,
 * one class), PATRON_ERR_NOCONV (no convergence within 50 steps). */
PATRON_API patron_status patron_logistic_fit(const float *x, const float *y, const double *w,
                                             size_t n, size_t p, double l2, int n_threads,
                                             double *beta, patron_error *err);

/* ---- Training sets -------------------------------------------------------------------------- */

typedef enum patron_churn_task {
  PATRON_TASK_CHURN,     /* label 1 = no purchase in [C, C + H) */
  PATRON_TASK_PROPENSITY /* label 1 = at least one purchase in [C, C + H) */
} patron_churn_task;

typedef enum patron_churn_learner {
  PATRON_LEARNER_XGBOOST,
  PATRON_LEARNER_LOGISTIC
} patron_churn_learner;

typedef struct patron_churn_options {
  patron_churn_task task;
  patron_churn_learner learner;
  const int32_t *cutoffs; /* training cut-off days; the latest one is held out for
                             validation. One cut-off C: C - H is added for training. */
  size_t n_cutoffs;
  int32_t horizon_days;   /* H (default 90) */
  bool clv;               /* BG/NBD features (default true) */
  int max_levels;         /* one-hot levels per categorical feature (default 20) */
  double min_level_share; /* rarer levels go to "(other)" (default 0.005) */
  /* XGBoost */
  int max_rounds;          /* default 300 */
  int early_stopping;      /* rounds without validation log-loss improvement (default 20) */
  int max_depth;           /* default 4 */
  double eta;              /* default 0.1 */
  double min_child_weight; /* default 5 */
  double subsample;        /* default 0.8 */
  double colsample;        /* per tree, default 0.8 */
  bool balanced;           /* weight classes to equal total weight (default false: keeps
                              the scores calibrated probabilities) */
  /* Logistic regression */
  double l2;     /* default 1.0 */
  int folds;     /* k-fold cross-validation over all rows; 0 = none (default) */
  bool refit;    /* refit on all rows with the chosen rounds (default false:
                    the saved model is the early-stopped one) */
  uint64_t seed; /* default 42 */
  int n_threads; /* 0 = all cores */
} patron_churn_options;

PATRON_API void patron_churn_options_init(patron_churn_options *o);

typedef struct patron_churn_trainset patron_churn_trainset;

/* Computes the features of every cut-off, the labels, the schema and the encoded matrix.
 * Rows of the validation cut-off come last. When the only training cut-off has no customers
 * before it, a random 20% of the customers (by seed) is held out instead (see
 * patron_churn_trainset_validation). Errors (PATRON_ERR_DOMAIN, naming the date): a cut-off
 * with no customers before it; a horizon running past the end of the data (C + H later
 * than the day after the last order); labels of one class only. PATRON_ERR_USAGE: no
 * cut-offs, H < 1. Free with patron_churn_trainset_free. */
PATRON_API patron_status patron_churn_trainset_build(const patron_dataset *ds,
                                                     const patron_churn_options *o,
                                                     patron_churn_trainset **out,
                                                     patron_error *err);
PATRON_API void patron_churn_trainset_free(patron_churn_trainset *ts);
PATRON_API size_t patron_churn_trainset_rows(const patron_churn_trainset *ts);
/* Rows used for fitting before the validation rows (rows [n_train, rows) validate). */
PATRON_API size_t patron_churn_trainset_n_train(const patron_churn_trainset *ts);
PATRON_API const patron_feature_schema *
patron_churn_trainset_schema(const patron_churn_trainset *ts);
/* Row-major rows x n_columns matrix, labels, and each row's customer and cut-off. */
PATRON_API const float *patron_churn_trainset_x(const patron_churn_trainset *ts);
PATRON_API const float *patron_churn_trainset_y(const patron_churn_trainset *ts);
PATRON_API const uint32_t *patron_churn_trainset_customers(const patron_churn_trainset *ts);
PATRON_API const int32_t *patron_churn_trainset_cutoffs(const patron_churn_trainset *ts);
/* "time" (the latest cut-off) or "random" (20% of customers). */
PATRON_API const char *patron_churn_trainset_validation(const patron_churn_trainset *ts);
/* Notes worth showing (e.g. a BG/NBD fit that failed), or NULL. */
PATRON_API const char *patron_churn_trainset_note(const patron_churn_trainset *ts);

/* ---- Models ------------------------------------------------------------------------------ */

typedef struct patron_churn_model patron_churn_model;

typedef struct patron_churn_importance {
  size_t column; /* schema column */
  double gain;   /* share of total gain (XGBoost) or of sum |coefficient| (logistic) */
} patron_churn_importance;

typedef struct patron_churn_report {
  size_t n_train, n_valid;
  int rounds;                    /* boosting rounds kept (XGBoost), IRLS steps (logistic) */
  patron_binary_metrics valid;   /* the fitted (pre-refit) model on the validation rows */
  double baseline_auc;           /* recency-only score on the validation rows */
  double cv_auc_mean, cv_auc_sd; /* k-fold over all rows (NaN without folds) */
  int folds;
  patron_churn_importance *importance; /* n_columns, by gain descending (owned) */
  size_t n_importance;
  double train_seconds;
} patron_churn_report;

PATRON_API void patron_churn_report_free(patron_churn_report *r);
/* metrics.json text (malloc'ed; free()). */
PATRON_API char *patron_churn_report_to_json(const patron_churn_report *r,
                                             const patron_churn_trainset *ts,
                                             const patron_churn_options *o);

/* Fits the learner on the training rows with early stopping on the validation rows,
 * reports validation metrics, optionally cross-validates, and (with o->refit) refits on all
 * rows with the chosen number of rounds. report may be NULL. Errors: PATRON_ERR_INTERNAL
 * with XGBoost's message; PATRON_ERR_DOMAIN/NOCONV from the logistic fit. Free the model
 * with patron_churn_model_free and the report with patron_churn_report_free. */
PATRON_API patron_status patron_churn_train(const patron_churn_trainset *ts,
                                            const patron_churn_options *o, patron_churn_model **out,
                                            patron_churn_report *report, patron_error *err);
PATRON_API void patron_churn_model_free(patron_churn_model *m);

PATRON_API patron_churn_task patron_churn_model_task(const patron_churn_model *m);
PATRON_API int32_t patron_churn_model_horizon(const patron_churn_model *m);
PATRON_API const patron_feature_schema *patron_churn_model_schema(const patron_churn_model *m);
/* "churn_risk" or "purchase_propensity": the score column's name. */
PATRON_API const char *patron_churn_model_score_name(const patron_churn_model *m);

/* Probabilities for an n x n_columns matrix encoded with the model's schema. */
PATRON_API patron_status patron_churn_model_predict(const patron_churn_model *m, const float *x,
                                                    size_t n, double *out, patron_error *err);

typedef struct patron_churn_scores {
  size_t n;
  uint32_t *customer; /* dataset customer index, ascending */
  double *score;      /* probability */
  int32_t *decile;    /* 1 = the highest 10% of scores: 1 + floor(10 L / n), L = rows with a
                         strictly higher score (equal scores share a decile) */
} patron_churn_scores;

/* Scores every customer of the model's population as of a day (features from rows before
 * it). Errors: PATRON_ERR_INPUT when the data's feature groups differ from the model's;
 * PATRON_ERR_DOMAIN when no customer is known before the day. Free with
 * patron_churn_scores_free. */
PATRON_API patron_status patron_churn_score(const patron_churn_model *m, const patron_dataset *ds,
                                            int32_t as_of_day, int n_threads,
                                            patron_churn_scores *out, patron_error *err);
PATRON_API void patron_churn_scores_free(patron_churn_scores *s);

/* Appends the model's score column (churn_risk or purchase_propensity) to a profile table
 * whose row r is dataset customer rows[r]; rows outside the model's population get none. */
PATRON_API patron_status patron_churn_append_column(const patron_churn_model *m,
                                                    const patron_dataset *ds, int32_t as_of_day,
                                                    patron_table *t, const uint32_t *rows,
                                                    patron_error *err);

/* Serialization: the schema record (task, learner, horizon, feature schema,
 * standardization) as JSON text, and the learner's model (XGBoost's own JSON, or the
 * logistic coefficients as JSON). Both malloc'ed (free()). Errors: NOMEM, INTERNAL. */
PATRON_API patron_status patron_churn_model_save(const patron_churn_model *m, char **schema_json,
                                                 char **model_text, size_t *model_len,
                                                 patron_error *err);
/* Errors: PATRON_ERR_INPUT naming what is wrong. */
PATRON_API patron_status patron_churn_model_load(const char *schema_json, const char *model_text,
                                                 size_t model_len, patron_churn_model **out,
                                                 patron_error *err);

/* Reads a model directory written by `patron churn train` (schema.json + model.json).
 * Errors: PATRON_ERR_IO (missing file), PATRON_ERR_LIMIT (a file over
 * PATRON_CHURN_MODEL_FILE_MAX bytes), those of patron_churn_model_load (err->file = dir). */
#define PATRON_CHURN_MODEL_FILE_MAX ((size_t)1 << 30)
PATRON_API patron_status patron_churn_model_read(const char *dir, patron_churn_model **out,
                                                 patron_error *err);
/* Writes a trained model's directory: model.json, schema.json, metrics.json,
 * importance.csv (feature, gain_share) and gains.csv (the validation deciles), each under a
 * temporary name, all renamed once complete. out: CSV options (NULL: plain). */
PATRON_API patron_status patron_churn_model_write(const char *dir, const patron_churn_model *m,
                                                  const patron_churn_report *r,
                                                  const patron_churn_trainset *ts,
                                                  const patron_churn_options *o,
                                                  const patron_output_options *out,
                                                  patron_error *err);
/* The score file (customer_id, the model's score column with 6 decimals, risk_decile or
 * propensity_decile), written atomically to path. */
PATRON_API patron_status patron_churn_scores_write(const char *path, const patron_dataset *ds,
                                                   const patron_churn_model *m,
                                                   const patron_churn_scores *s,
                                                   const patron_output_options *out,
                                                   patron_error *err);

#endif
