/* Internal pieces of the churn/propensity models shared by churn_*.c: the model record,
 * the training set, and the learners (XGBoost in churn_xgb.c, logistic in churn_logistic.c). */
#ifndef PATRON_MODELS_CHURN_INT_H
#define PATRON_MODELS_CHURN_INT_H

#include "core/core_int.h"
#include "models/churn/features_int.h"
#include "patron/churn.h"

/* patron_churn_score and patron_churn_append_column over one part of a distributed run
 * (rc: its global counts, features_int.h; NULL: the whole data). */
patron_status patron__churn_score_with(const patron_churn_model *m, const patron_dataset *ds,
                                       int32_t as_of_day, int n_threads,
                                       const patron__rank_counter *rc, patron_churn_scores *out,
                                       patron_error *err);
patron_status patron__churn_append_column_with(const patron_churn_model *m,
                                               const patron_dataset *ds, int32_t as_of_day,
                                               patron_table *t, const uint32_t *rows,
                                               const patron__rank_counter *rc, patron_error *err);

struct patron_churn_trainset {
  size_t n_rows, n_train, p;
  float *x, *y;
  uint32_t *customer;
  int32_t *cutoff;
  patron_feature_schema *schema;
  bool random_valid;
  int32_t horizon;
  patron_churn_task task;
  double clv_params[4]; /* BG/NBD fitted at the latest cut-off, when has_clv */
  bool has_clv;
  char note[512];
};

struct patron_churn_model {
  patron_churn_task task;
  patron_churn_learner learner;
  int32_t horizon;
  patron_feature_schema *schema;
  int n_threads;
  void *booster;                 /* XGBoost BoosterHandle (training, importance, saving) */
  struct patron__forest *forest; /* its trees, for predictions (churn_forest.c) */
  double *beta;                  /* logistic: p + 1 (intercept last) */
  double *mean, *scale;          /* logistic: per column, after asinh() of heavy-tailed columns */
  double clv_params[4];          /* BG/NBD (weeks) used for the clv features when scoring */
  bool has_clv;
};

/* The population a task scores. */
patron_population patron__churn_population(patron_churn_task task);

/* Checks an XGBoost JSON model's structure before XGBoost sees it (churn_xgb_check.c):
 * objective binary:logistic, gbtree, n_features columns, bounded trees whose children
 * follow their parent and whose splits name a column. PATRON_ERR_INPUT saying what is wrong. */
patron_status patron__xgb_check(const char *text, size_t len, size_t n_features, patron_error *err);

/* An XGBoost binary:logistic gbtree model's trees read from its JSON text (churn_forest.c),
 * to predict exactly as XGBoost's CPU predictor does; split columns must be < n_features.
 * Free with patron__forest_free. Errors: PATRON_ERR_INPUT (trees unreadable), NOMEM. */
typedef struct patron__forest patron__forest;
patron_status patron__forest_read(const char *text, size_t len, size_t n_features,
                                  patron__forest **out, patron_error *err);
void patron__forest_free(patron__forest *f);
/* out[i] = P(y = 1) of dense row i of x (n rows of p floats, NaN = missing), rows in
 * blocks on n_threads (0: all cores). */
void patron__forest_predict(const patron__forest *f, const float *x, size_t n, size_t p,
                            int n_threads, double *out);

/* Dense float rows -> probabilities, on n_threads (0: all cores). */
patron_status patron__xgb_predict(const patron_churn_model *m, const float *x, size_t n,
                                  int n_threads, double *out, patron_error *err);
patron_status patron__lr_predict(const patron_churn_model *m, const float *x, size_t n, double *out,
                                 patron_error *err);

/* Fit on rows [lo, hi) of x (row-major, p columns), early-stopping on [vlo, vhi) when
 * vhi > vlo (XGBoost), with a fixed number of rounds when rounds > 0. */
typedef struct patron__fit_rows {
  const float *x, *y;
  size_t p, n, n_valid; /* training rows x[0..n), validation rows follow */
  const float *vx, *vy;
  int rounds; /* > 0: exactly this many rounds (no early stopping) */
} patron__fit_rows;

patron_status patron__xgb_fit(patron_churn_model *m, const patron__fit_rows *rows,
                              const patron_churn_options *o, int *rounds, patron_error *err);
patron_status patron__xgb_importance(const patron_churn_model *m, double *gain, size_t p,
                                     patron_error *err);
patron_status patron__xgb_save(const patron_churn_model *m, char **text, size_t *len,
                               patron_error *err);
patron_status patron__xgb_load(patron_churn_model *m, const char *text, size_t len,
                               patron_error *err);
void patron__xgb_free(void *booster);

patron_status patron__lr_fit(patron_churn_model *m, const patron__fit_rows *rows,
                             const patron_churn_options *o, patron_error *err);

#endif
