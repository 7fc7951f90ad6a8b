/* Gradient-boosted trees through XGBoost's C API (Chen & Guestrin 2016): binary:logistic,
 * hist tree method, early stopping on the validation log loss, optional class weights.
 * Fixed nthread and seed make fits reproducible. XGBoost's log is silenced: the library
 * never prints. Models are saved with XGBoost's own JSON format. */
#include "models/churn/churn_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

static void quiet_log(const char *msg) { (void)msg; }

static patron_status xgb_fail(patron_error *err, const char *what) {
  return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "XGBoost %s: %s", what,
                           XGBGetLastError());
}

#define XGB_TRY(call, what)                                                                        \
  do {                                                                                             \
    if ((call) != 0)                                                                               \
      return xgb_fail(err, what);                                                                  \
  } while (0)

static void silence(void) {
  XGBRegisterLogCallback(quiet_log);
  XGBSetGlobalConfig("{\"verbosity\": 0}");
}

void patron__xgb_free(void *booster) {
  if (booster)
    XGBoosterFree(booster);
}

/* A DMatrix of n dense rows (NaN = missing) with labels and optional class weights. */
static patron_status make_dmatrix(const float *x, const float *y, size_t n, size_t p, bool balanced,
                                  int threads, DMatrixHandle *out, patron_error *err) {
  *out = NULL;
  XGB_TRY(XGDMatrixCreateFromMat_omp(x, (bst_ulong)n, (bst_ulong)p, NAN, out, threads),
          "cannot build its matrix");
  if (!y)
    return PATRON_OK;
  XGB_TRY(XGDMatrixSetFloatInfo(*out, "label", y, (bst_ulong)n), "rejected the labels");
  if (!balanced)
    return PATRON_OK;
  double pos = 0;
  for (size_t i = 0; i < n; i++)
    pos += y[i];
  float *w = malloc(n * sizeof *w + 1);
  if (!w)
    return PATRON__OOM(err);
  float wp = (float)((double)n / (2 * pos)), wn = (float)((double)n / (2 * ((double)n - pos)));
  for (size_t i = 0; i < n; i++)
    w[i] = y[i] ? wp : wn;
  int rc = XGDMatrixSetFloatInfo(*out, "weight", w, (bst_ulong)n);
  free(w);
  return rc ? xgb_fail(err, "rejected the weights") : PATRON_OK;
}

static patron_status set_params(BoosterHandle b, const patron_churn_options *o, int threads,
                                patron_error *err) {
  char v[9][32];
  snprintf(v[0], sizeof v[0], "%.17g", o->eta);
  snprintf(v[1], sizeof v[1], "%d", o->max_depth);
  snprintf(v[2], sizeof v[2], "%.17g", o->min_child_weight);
  snprintf(v[3], sizeof v[3], "%.17g", o->subsample);
  snprintf(v[4], sizeof v[4], "%.17g", o->colsample);
  snprintf(v[5], sizeof v[5], "%d", threads);
  snprintf(v[6], sizeof v[6], "%llu", (unsigned long long)(o->seed % 2147483647u));
  const char *params[][2] = {{"objective", "binary:logistic"},
                             {"tree_method", "hist"},
                             {"eval_metric", "logloss"},
                             {"verbosity", "0"},
                             {"eta", v[0]},
                             {"max_depth", v[1]},
                             {"min_child_weight", v[2]},
                             {"subsample", v[3]},
                             {"colsample_bytree", v[4]},
                             {"nthread", v[5]},
                             {"seed", v[6]},
                             {"max_bin", "256"}};
  for (size_t i = 0; i < sizeof params / sizeof *params; i++)
    XGB_TRY(XGBoosterSetParam(b, params[i][0], params[i][1]), "rejected a parameter");
  return PATRON_OK;
}

/* The number after the last ':' of "[3]\tvalid-logloss:0.41". */
static double parse_eval(const char *s) {
  const char *colon = strrchr(s, ':');
  return colon ? strtod(colon + 1, NULL) : NAN;
}

typedef struct boost_state {
  BoosterHandle b;
  DMatrixHandle train, valid;
} boost_state;

static patron_status boost(boost_state *s, const patron_churn_options *o, int fixed_rounds,
                           int *rounds, patron_error *err) {
  double best = INFINITY;
  int best_round = 0, limit = fixed_rounds > 0 ? fixed_rounds : o->max_rounds;
  const char *names[] = {"valid"};
  for (int it = 0; it < limit; it++) {
    XGB_TRY(XGBoosterUpdateOneIter(s->b, it, s->train), "failed a boosting round");
    if (fixed_rounds > 0 || !s->valid)
      continue;
    const char *res;
    XGB_TRY(XGBoosterEvalOneIter(s->b, it, &s->valid, names, 1, &res), "failed to evaluate");
    double loss = parse_eval(res);
    if (loss < best - 1e-7) {
      best = loss;
      best_round = it;
    } else if (it - best_round >= o->early_stopping) {
      break;
    }
  }
  *rounds = fixed_rounds > 0 || !s->valid ? limit : best_round + 1;
  return PATRON_OK;
}

/* Keep the first `rounds` trees. */
static patron_status keep_rounds(boost_state *s, int rounds, patron_error *err) {
  int have = 0;
  XGB_TRY(XGBoosterBoostedRounds(s->b, &have), "cannot count rounds");
  if (have == rounds)
    return PATRON_OK;
  BoosterHandle sliced;
  XGB_TRY(XGBoosterSlice(s->b, 0, rounds, 1, &sliced), "cannot slice the model");
  XGBoosterFree(s->b);
  s->b = sliced;
  return PATRON_OK;
}

static patron_status fit(boost_state *s, const patron__fit_rows *r, const patron_churn_options *o,
                         int threads, int *rounds, patron_error *err) {
  patron_status st = make_dmatrix(r->x, r->y, r->n, r->p, o->balanced, threads, &s->train, err);
  if (st == PATRON_OK && r->n_valid && r->rounds <= 0)
    st = make_dmatrix(r->vx, r->vy, r->n_valid, r->p, false, threads, &s->valid, err);
  DMatrixHandle mats[2] = {s->train, s->valid};
  if (st == PATRON_OK && XGBoosterCreate(mats, s->valid ? 2 : 1, &s->b) != 0)
    st = xgb_fail(err, "cannot create a booster");
  if (st == PATRON_OK)
    st = set_params(s->b, o, threads, err);
  if (st == PATRON_OK)
    st = boost(s, o, r->rounds, rounds, err);
  if (st == PATRON_OK)
    st = keep_rounds(s, *rounds, err);
  return st;
}

/* The booster's trees for predictions, from its own JSON. */
static patron_status read_forest(patron_churn_model *m, patron_error *err) {
  char *text;
  size_t len;
  patron__forest_free(m->forest);
  m->forest = NULL;
  patron_status st = patron__xgb_save(m, &text, &len, err);
  if (st == PATRON_OK)
    st =
        patron__forest_read(text, len, patron_feature_schema_n_columns(m->schema), &m->forest, err);
  free(text);
  return st;
}

patron_status patron__xgb_fit(patron_churn_model *m, const patron__fit_rows *r,
                              const patron_churn_options *o, int *rounds, patron_error *err) {
  silence();
  int threads = m->n_threads;
  boost_state s = {0};
  patron_status st = fit(&s, r, o, threads, rounds, err);
  if (s.train)
    XGDMatrixFree(s.train);
  if (s.valid)
    XGDMatrixFree(s.valid);
  if (st != PATRON_OK) {
    if (s.b)
      XGBoosterFree(s.b);
    return st;
  }
  patron__xgb_free(m->booster);
  m->booster = s.b;
  return read_forest(m, err);
}

/* XGBoost's predictions, computed from the model's trees (churn_forest.c): its in-place
 * predictor spent most of its time filling and clearing a per-row feature vector. */
patron_status patron__xgb_predict(const patron_churn_model *m, const float *x, size_t n,
                                  int n_threads, double *out, patron_error *err) {
  if (!m->forest)
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "XGBoost model has no trees");
  patron__forest_predict(m->forest, x, n, patron_feature_schema_n_columns(m->schema), n_threads,
                         out);
  return PATRON_OK;
}

/* Share of total gain per column (features named f0, f1, ... by XGBoost). */
patron_status patron__xgb_importance(const patron_churn_model *m, double *gain, size_t p,
                                     patron_error *err) {
  bst_ulong n_feat = 0, dim = 0;
  const char **names = NULL;
  const bst_ulong *shape = NULL;
  const float *scores = NULL;
  for (size_t j = 0; j < p; j++)
    gain[j] = 0;
  XGB_TRY(XGBoosterFeatureScore(m->booster, "{\"importance_type\": \"total_gain\"}", &n_feat,
                                &names, &dim, &shape, &scores),
          "cannot compute feature importance");
  double total = 0;
  for (bst_ulong i = 0; i < n_feat; i++) {
    unsigned long col = names[i][0] == 'f' ? strtoul(names[i] + 1, NULL, 10) : p;
    if (col < p) {
      gain[col] += scores[i];
      total += scores[i];
    }
  }
  for (size_t j = 0; total > 0 && j < p; j++)
    gain[j] /= total;
  return PATRON_OK;
}

patron_status patron__xgb_save(const patron_churn_model *m, char **text, size_t *len,
                               patron_error *err) {
  bst_ulong n = 0;
  const char *buf = NULL;
  *text = NULL;
  XGB_TRY(XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"json\"}", &n, &buf),
          "cannot save the model");
  *text = malloc(n + 1);
  if (!*text)
    return PATRON__OOM(err);
  memcpy(*text, buf, n);
  (*text)[n] = '\0';
  *len = n;
  return PATRON_OK;
}

patron_status patron__xgb_load(patron_churn_model *m, const char *text, size_t len,
                               patron_error *err) {
  patron_status st = patron__xgb_check(text, len, patron_feature_schema_n_columns(m->schema), err);
  if (st != PATRON_OK)
    return st;
  silence();
  BoosterHandle b;
  XGB_TRY(XGBoosterCreate(NULL, 0, &b), "cannot create a booster");
  char threads[16];
  snprintf(threads, sizeof threads, "%d", m->n_threads);
  if (XGBoosterLoadModelFromBuffer(b, text, (bst_ulong)len) != 0 ||
      XGBoosterSetParam(b, "nthread", threads) != 0) {
    XGBoosterFree(b);
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the model file is not an XGBoost model: %s", XGBGetLastError());
  }
  m->booster = b;
  return patron__forest_read(text, len, patron_feature_schema_n_columns(m->schema), &m->forest,
                             err);
}
