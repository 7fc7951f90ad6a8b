/* Training a churn/propensity model on a training set: fit on the training rows with early
 * stopping on the time-held-out validation rows, validation metrics against the
 * recency-only baseline, optional k-fold cross-validation (folds by customer), feature
 * importance, then a refit on all rows with the chosen number of rounds. */
#include "models/churn/churn_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static patron_churn_model *model_new(const patron_churn_options *o) {
  patron_churn_model *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->task = o->task;
  m->learner = o->learner;
  m->horizon = o->horizon_days;
  m->n_threads = o->n_threads > 0 ? o->n_threads : patron__default_threads();
  return m;
}

static patron_status fit(patron_churn_model *m, const patron__fit_rows *r,
                         const patron_churn_options *o, int *rounds, patron_error *err) {
  if (m->learner == PATRON_LEARNER_LOGISTIC) {
    *rounds = 0;
    return patron__lr_fit(m, r, o, err);
  }
  return patron__xgb_fit(m, r, o, rounds, err);
}

/* Recency-only score: churn risk grows with recency; propensity falls with it (no purchase
 * at all = lowest). Column 0 of every schema is recency_days. */
static double baseline_auc(const patron_churn_trainset *ts) {
  size_t n = ts->n_rows - ts->n_train;
  double *s = malloc(n * sizeof *s + 1);
  if (!s)
    return NAN;
  for (size_t i = 0; i < n; i++) {
    double r = ts->x[(ts->n_train + i) * ts->p];
    if (isnan(r))
      r = INFINITY;
    s[i] = ts->task == PATRON_TASK_CHURN ? r : -r;
  }
  double auc = patron_metrics_auc(s, ts->y + ts->n_train, n);
  free(s);
  return auc;
}

static patron_status validate(patron_churn_model *m, const patron_churn_trainset *ts,
                              patron_churn_report *r, patron_error *err) {
  size_t n = ts->n_rows - ts->n_train;
  double *p = malloc(n * sizeof *p + 1);
  if (!p)
    return PATRON__OOM(err);
  patron_status st = patron_churn_model_predict(m, ts->x + ts->n_train * ts->p, n, p, err);
  if (st == PATRON_OK)
    st = patron_metrics_binary(p, ts->y + ts->n_train, n, &r->valid, err);
  free(p);
  r->baseline_auc = baseline_auc(ts);
  return st;
}

static int cmp_importance(const void *a, const void *b) {
  const patron_churn_importance *x = a, *y = b;
  if (x->gain != y->gain)
    return x->gain > y->gain ? -1 : 1;
  return (x->column > y->column) - (x->column < y->column);
}

static patron_status importance(const patron_churn_model *m, size_t p, patron_churn_report *r,
                                patron_error *err) {
  double *gain = calloc(p ? p : 1, sizeof *gain);
  r->importance = malloc((p ? p : 1) * sizeof *r->importance);
  if (!gain || !r->importance) {
    free(gain);
    return PATRON__OOM(err);
  }
  patron_status st = PATRON_OK;
  if (m->learner == PATRON_LEARNER_XGBOOST) {
    st = patron__xgb_importance(m, gain, p, err);
  } else {
    double total = 0;
    for (size_t j = 0; j < p; j++)
      total += gain[j] = fabs(m->beta[j]);
    for (size_t j = 0; total > 0 && j < p; j++)
      gain[j] /= total;
  }
  for (size_t j = 0; j < p; j++)
    r->importance[j] = (patron_churn_importance){j, gain[j]};
  r->n_importance = p;
  qsort(r->importance, p, sizeof *r->importance, cmp_importance);
  free(gain);
  return st;
}

/* ---- k-fold cross-validation ---------------------------------------------------------------- */

typedef struct fold_buf {
  float *x, *y, *vx, *vy;
  double *p;
} fold_buf;

static size_t fold_of(const patron_churn_trainset *ts, size_t i, int k, uint64_t seed) {
  return patron__hash_bytes(&ts->customer[i], sizeof *ts->customer, seed ^ 0x9e3779b97f4a7c15ull) %
         (uint64_t)k;
}

/* Splits all rows into fold f (validation) and the rest. */
static void split_fold(const patron_churn_trainset *ts, int k, size_t f, uint64_t seed, fold_buf *b,
                       size_t *n_tr, size_t *n_va) {
  size_t p = ts->p;
  *n_tr = *n_va = 0;
  for (size_t i = 0; i < ts->n_rows; i++) {
    bool va = fold_of(ts, i, k, seed) == f;
    float *dst = va ? b->vx + *n_va * p : b->x + *n_tr * p;
    memcpy(dst, ts->x + i * p, p * sizeof *dst);
    if (va)
      b->vy[(*n_va)++] = ts->y[i];
    else
      b->y[(*n_tr)++] = ts->y[i];
  }
}

static patron_status one_fold(const patron_churn_trainset *ts, const patron_churn_options *o,
                              int rounds, size_t f, fold_buf *b, double *auc, patron_error *err) {
  size_t n_tr, n_va;
  split_fold(ts, o->folds, f, o->seed, b, &n_tr, &n_va);
  patron_churn_model *m = model_new(o);
  if (!m)
    return PATRON__OOM(err);
  m->schema = ts->schema; /* borrowed for the fold */
  patron__fit_rows r = {b->x, b->y, ts->p, n_tr, 0, NULL, NULL, rounds > 0 ? rounds : 1};
  int got;
  patron_status st = fit(m, &r, o, &got, err);
  if (st == PATRON_OK)
    st = patron_churn_model_predict(m, b->vx, n_va, b->p, err);
  *auc = st == PATRON_OK ? patron_metrics_auc(b->p, b->vy, n_va) : NAN;
  m->schema = NULL;
  patron_churn_model_free(m);
  return st;
}

static patron_status cross_validate(const patron_churn_trainset *ts, const patron_churn_options *o,
                                    int rounds, patron_churn_report *r, patron_error *err) {
  size_t n = ts->n_rows, p = ts->p;
  fold_buf b = {malloc(n * p * sizeof(float)), malloc(n * sizeof(float)),
                malloc(n * p * sizeof(float)), malloc(n * sizeof(float)),
                malloc(n * sizeof(double))};
  patron_status st = b.x && b.y && b.vx && b.vy && b.p ? PATRON_OK : PATRON__OOM(err);
  double sum = 0, sum2 = 0;
  for (int f = 0; st == PATRON_OK && f < o->folds; f++) {
    double auc = NAN;
    st = one_fold(ts, o, rounds, (size_t)f, &b, &auc, err);
    sum += auc;
    sum2 += auc * auc;
  }
  r->folds = o->folds;
  r->cv_auc_mean = sum / o->folds;
  r->cv_auc_sd = o->folds > 1 ? sqrt(fmax(0, (sum2 - sum * sum / o->folds) / (o->folds - 1))) : 0;
  free(b.x), free(b.y), free(b.vx), free(b.vy), free(b.p);
  return st;
}

/* ---- Training ------------------------------------------------------------------------------ */

static patron_status train(const patron_churn_trainset *ts, const patron_churn_options *o,
                           patron_churn_model *m, patron_churn_report *r, patron_error *err) {
  size_t p = ts->p, nv = ts->n_rows - ts->n_train;
  patron__fit_rows rows = {
      ts->x, ts->y, p, ts->n_train, nv, ts->x + ts->n_train * p, ts->y + ts->n_train, 0};
  patron_status st = fit(m, &rows, o, &r->rounds, err);
  if (st == PATRON_OK)
    st = validate(m, ts, r, err);
  if (st == PATRON_OK && o->folds >= 2)
    st = cross_validate(ts, o, r->rounds, r, err);
  if (st == PATRON_OK && o->refit) {
    patron__fit_rows all = {ts->x, ts->y, p,    ts->n_rows,
                            0,     NULL,  NULL, r->rounds > 0 ? r->rounds : 1};
    int rounds;
    st = fit(m, &all, o, &rounds, err);
  }
  if (st == PATRON_OK)
    st = importance(m, p, r, err);
  return st;
}

patron_status patron_churn_train(const patron_churn_trainset *ts, const patron_churn_options *o,
                                 patron_churn_model **out, patron_churn_report *report,
                                 patron_error *err) {
  *out = NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  patron_churn_report local, *r = report ? report : &local;
  memset(r, 0, sizeof *r);
  r->cv_auc_mean = r->cv_auc_sd = NAN;
  r->n_train = ts->n_train;
  r->n_valid = ts->n_rows - ts->n_train;
  patron_churn_model *m = model_new(o);
  if (!m)
    return PATRON__OOM(err);
  m->has_clv = ts->has_clv;
  memcpy(m->clv_params, ts->clv_params, sizeof m->clv_params);
  /* The model owns a copy of the schema: round-trip through JSON. */
  char *text = patron_feature_schema_to_json(ts->schema);
  patron_status st =
      text ? patron_feature_schema_from_json(text, &m->schema, err) : PATRON__OOM(err);
  free(text);
  if (st == PATRON_OK)
    st = train(ts, o, m, r, err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  r->train_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (!report)
    patron_churn_report_free(r);
  if (st != PATRON_OK) {
    if (report)
      patron_churn_report_free(report);
    patron_churn_model_free(m);
    return st;
  }
  *out = m;
  return PATRON_OK;
}

void patron_churn_report_free(patron_churn_report *r) {
  if (!r)
    return;
  free(r->importance);
  r->importance = NULL;
  r->n_importance = 0;
}
