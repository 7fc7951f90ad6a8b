/* The churn/propensity model record: prediction, scoring a dataset as of a day (features
 * from rows before it, encoded with the model's schema), the profile-table column, and
 * (de)serialization: a schema record (task, learner, horizon, feature schema, logistic
 * standardization) plus the learner's model text (XGBoost JSON or logistic coefficients). */
#include "core/exec.h"
#include "models/churn/churn_int.h"
#include "patron/clv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHURN_SCHEMA "patron.churn.model"
enum { CHURN_SCHEMA_VERSION = 1 };

static const char *const TASKS[] = {"churn", "propensity"};
static const char *const LEARNERS[] = {"xgboost", "logistic"};

void patron_churn_model_free(patron_churn_model *m) {
  if (!m)
    return;
  patron__xgb_free(m->booster);
  patron__forest_free(m->forest);
  patron_feature_schema_free(m->schema);
  free(m->beta);
  free(m->mean);
  free(m->scale);
  free(m);
}

patron_churn_task patron_churn_model_task(const patron_churn_model *m) { return m->task; }
int32_t patron_churn_model_horizon(const patron_churn_model *m) { return m->horizon; }
const patron_feature_schema *patron_churn_model_schema(const patron_churn_model *m) {
  return m->schema;
}
const char *patron_churn_model_score_name(const patron_churn_model *m) {
  return m->task == PATRON_TASK_CHURN ? "churn_risk" : "purchase_propensity";
}

static patron_status predict(const patron_churn_model *m, const float *x, size_t n, int n_threads,
                             double *out, patron_error *err) {
  if (n == 0)
    return PATRON_OK;
  return m->learner == PATRON_LEARNER_XGBOOST ? patron__xgb_predict(m, x, n, n_threads, out, err)
                                              : patron__lr_predict(m, x, n, out, err);
}

patron_status patron_churn_model_predict(const patron_churn_model *m, const float *x, size_t n,
                                         double *out, patron_error *err) {
  return predict(m, x, n, m->n_threads, out, err);
}

/* ---- Scoring --------------------------------------------------------------------------- */

void patron_churn_scores_free(patron_churn_scores *s) {
  if (!s)
    return;
  free(s->customer);
  free(s->score);
  free(s->decile);
  memset(s, 0, sizeof *s);
}

/* decile = 1 + floor(10 L / n), L = rows with a strictly higher score. */
static bool deciles(patron_churn_scores *s) {
  uint64_t *keys = patron__realloc_big(NULL, s->n * sizeof *keys + 1);
  uint32_t *above = patron__realloc_big(NULL, s->n * sizeof *above + 1);
  bool ok = keys && above;
  for (size_t i = 0; ok && i < s->n; i++)
    keys[i] = ~patron__double_key(s->score[i]);
  ok = ok && patron__count_below(keys, s->n, above);
  for (size_t i = 0; ok && i < s->n; i++)
    s->decile[i] = (int32_t)(1 + (size_t)above[i] * 10 / s->n);
  free(keys);
  free(above);
  return ok;
}

/* Scoring in blocks of rows: each worker encodes a block into its own small buffer and
 * predicts it at once, so the encoded matrix is never built whole (fresh memory's page
 * faults cost more than the encoding). */
typedef struct score_job {
  const patron_churn_model *m;
  const patron__encoding *e;
  float *x; /* SCORE_BLOCK rows per worker */
  double *score;
  patron_status *st; /* per worker */
  patron_error *err;
} score_job;

enum { SCORE_BLOCK = 4096 };

static void score_block(void *ctx, size_t lo, size_t hi, int worker) {
  score_job *j = ctx;
  size_t p = patron_feature_schema_n_columns(j->m->schema);
  float *x = j->x + (size_t)worker * SCORE_BLOCK * p;
  if (j->st[worker] != PATRON_OK)
    return;
  patron__encoding_rows(j->e, lo, hi, x);
  j->st[worker] = predict(j->m, x, hi - lo, 1, j->score + lo, &j->err[worker]);
}

static patron_status score_blocks(const patron_churn_model *m, const patron__encoding *e, size_t n,
                                  int n_threads, double *score, patron_error *err) {
  size_t p = patron_feature_schema_n_columns(m->schema);
  int workers = patron__exec_workers(n_threads, (n + SCORE_BLOCK - 1) / SCORE_BLOCK);
  score_job j = {m,
                 e,
                 malloc((size_t)workers * SCORE_BLOCK * p * sizeof *j.x + 1),
                 score,
                 calloc((size_t)workers, sizeof *j.st),
                 calloc((size_t)workers, sizeof *j.err)};
  patron_status st = j.x && j.st && j.err ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    patron__exec_ranges(workers, n, SCORE_BLOCK, score_block, &j);
  for (int w = 0; st == PATRON_OK && w < workers; w++)
    if ((st = j.st[w]) != PATRON_OK)
      *err = j.err[w];
  free(j.x), free(j.st), free(j.err);
  return st;
}

static patron_status score_features(const patron_churn_model *m, const patron_features *f,
                                    int n_threads, patron_churn_scores *out, patron_error *err) {
  size_t n = f->n_rows;
  out->n = n;
  out->customer = malloc(n * sizeof *out->customer + 1);
  out->score = malloc(n * sizeof *out->score + 1);
  out->decile = malloc(n * sizeof *out->decile + 1);
  if (!out->customer || !out->score || !out->decile)
    return PATRON__OOM(err);
  memcpy(out->customer, f->customer, n * sizeof *out->customer);
  patron__encoding e;
  patron_status st = patron__encoding_init(&e, m->schema, f, err);
  if (st == PATRON_OK && n > 0)
    st = score_blocks(m, &e, n, n_threads, out->score, err);
  patron__encoding_free(&e);
  if (st == PATRON_OK && !deciles(out))
    st = PATRON__OOM(err);
  return st;
}

patron_status patron_churn_score(const patron_churn_model *m, const patron_dataset *ds,
                                 int32_t as_of_day, int n_threads, patron_churn_scores *out,
                                 patron_error *err) {
  return patron__churn_score_with(m, ds, as_of_day, n_threads, NULL, out, err);
}

patron_status patron__churn_score_with(const patron_churn_model *m, const patron_dataset *ds,
                                       int32_t as_of_day, int n_threads,
                                       const patron__rank_counter *rc, patron_churn_scores *out,
                                       patron_error *err) {
  memset(out, 0, sizeof *out);
  patron_features_options fo;
  patron_features_options_init(&fo);
  fo.cutoff_day = as_of_day;
  fo.horizon_days = m->horizon;
  fo.population = patron__churn_population(m->task);
  fo.clv = (patron_feature_schema_groups(m->schema) & PATRON_FEATURES_CLV) != 0;
  fo.clv_params = m->has_clv ? m->clv_params : NULL; /* the saved fit: no refitting */
  fo.n_threads = n_threads;
  patron_features *f = NULL;
  patron_status st = patron__features_compute_with(ds, &fo, rc, &f, err);
  if (st == PATRON_OK)
    st = score_features(m, f, n_threads, out, err);
  patron_features_free(f);
  if (st != PATRON_OK)
    patron_churn_scores_free(out);
  return st;
}

patron_status patron_churn_append_column(const patron_churn_model *m, const patron_dataset *ds,
                                         int32_t as_of_day, patron_table *t, const uint32_t *rows,
                                         patron_error *err) {
  return patron__churn_append_column_with(m, ds, as_of_day, t, rows, NULL, err);
}

patron_status patron__churn_append_column_with(const patron_churn_model *m,
                                               const patron_dataset *ds, int32_t as_of_day,
                                               patron_table *t, const uint32_t *rows,
                                               const patron__rank_counter *rc, patron_error *err) {
  patron_churn_scores s;
  patron_status st = patron__churn_score_with(m, ds, as_of_day, 0, rc, &s, err);
  double *col = NULL;
  if (st == PATRON_OK)
    st = patron_table_add(t, patron_churn_model_score_name(m), PATRON_COL_DOUBLE, (void **)&col,
                          err);
  if (st == PATRON_OK) {
    patron_table_set_decimals(t, patron_churn_model_score_name(m), 4);
    size_t j = 0, n = patron_table_n_rows(t);
    for (size_t r = 0; r < n; r++) { /* both sorted by customer index */
      while (j < s.n && s.customer[j] < rows[r])
        j++;
      col[r] = j < s.n && s.customer[j] == rows[r] ? s.score[j] : NAN;
    }
  }
  patron_churn_scores_free(&s);
  return st;
}

/* ---- Serialization --------------------------------------------------------------------- */

static json_t *doubles(const double *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_real(v[i]));
  return a;
}

static char *logistic_json(const patron_churn_model *m) {
  size_t p = patron_feature_schema_n_columns(m->schema);
  json_t *o = json_object();
  json_object_set_new(o, "schema", json_string("patron.logistic"));
  json_object_set_new(o, "intercept", json_real(m->beta[p]));
  json_object_set_new(o, "coefficients", doubles(m->beta, p));
  char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return text;
}

static json_t *record_json(const patron_churn_model *m) {
  json_t *o = json_object();
  json_object_set_new(o, "schema", json_string(CHURN_SCHEMA));
  json_object_set_new(o, "schema_version", json_integer(CHURN_SCHEMA_VERSION));
  json_object_set_new(o, "task", json_string(TASKS[m->task]));
  json_object_set_new(o, "learner", json_string(LEARNERS[m->learner]));
  json_object_set_new(o, "horizon_days", json_integer(m->horizon));
  json_object_set_new(o, "score_column", json_string(patron_churn_model_score_name(m)));
  json_object_set_new(o, "features", patron__feature_schema_json(m->schema));
  if (m->has_clv) {
    json_t *p = json_object();
    for (size_t k = 0; k < 4; k++)
      json_object_set_new(p, patron_clv_param_name(PATRON_CLV_BGNBD, k),
                          json_real(m->clv_params[k]));
    json_object_set_new(o, "bgnbd_weeks", p);
  }
  if (m->learner == PATRON_LEARNER_LOGISTIC) {
    size_t p = patron_feature_schema_n_columns(m->schema);
    json_t *std = json_object();
    json_object_set_new(std, "transform", json_string("asinh for heavy_tailed columns"));
    json_object_set_new(std, "mean", doubles(m->mean, p));
    json_object_set_new(std, "scale", doubles(m->scale, p));
    json_object_set_new(o, "standardization", std);
  }
  return o;
}

patron_status patron_churn_model_save(const patron_churn_model *m, char **schema_json,
                                      char **model_text, size_t *model_len, patron_error *err) {
  *schema_json = *model_text = NULL;
  json_t *o = record_json(m);
  *schema_json = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!*schema_json)
    return PATRON__OOM(err);
  if (m->learner == PATRON_LEARNER_XGBOOST)
    return patron__xgb_save(m, model_text, model_len, err);
  *model_text = logistic_json(m);
  if (!*model_text)
    return PATRON__OOM(err);
  *model_len = strlen(*model_text);
  return PATRON_OK;
}

/* ---- Loading ---------------------------------------------------------------------------- */

static patron_status bad(patron_error *err, const char *what) {
  return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "bad churn model: %s", what);
}

static int name_index(json_t *v, const char *const *names, int n) {
  const char *s = json_string_value(v);
  for (int i = 0; s && i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

static bool read_doubles(json_t *a, double *out, size_t n) {
  if (!json_is_array(a) || json_array_size(a) != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    json_t *v = json_array_get(a, i);
    if (!json_is_number(v))
      return false;
    out[i] = json_number_value(v);
  }
  return true;
}

static patron_status load_logistic(patron_churn_model *m, json_t *rec, const char *text,
                                   patron_error *err) {
  size_t p = patron_feature_schema_n_columns(m->schema);
  m->beta = calloc(p + 1, sizeof *m->beta);
  m->mean = calloc(p + 1, sizeof *m->mean);
  m->scale = calloc(p + 1, sizeof *m->scale);
  if (!m->beta || !m->mean || !m->scale)
    return PATRON__OOM(err);
  json_t *std = json_object_get(rec, "standardization");
  if (!read_doubles(json_object_get(std, "mean"), m->mean, p) ||
      !read_doubles(json_object_get(std, "scale"), m->scale, p))
    return bad(err, "'standardization' needs 'mean' and 'scale' for every column");
  json_error_t je;
  json_t *o = json_loads(text, 0, &je);
  json_t *ic = json_object_get(o, "intercept");
  bool ok = o && read_doubles(json_object_get(o, "coefficients"), m->beta, p) && json_is_number(ic);
  if (ok)
    m->beta[p] = json_number_value(ic);
  json_decref(o);
  return ok ? PATRON_OK
            : bad(err, "the logistic model needs an intercept and one coefficient per column");
}

static patron_status load_record(patron_churn_model *m, json_t *o, patron_error *err) {
  const char *schema = json_string_value(json_object_get(o, "schema"));
  if (!schema || strcmp(schema, CHURN_SCHEMA) != 0)
    return bad(err, "not a Patron churn model (schema.json's \"schema\" must be " CHURN_SCHEMA ")");
  if (json_integer_value(json_object_get(o, "schema_version")) != CHURN_SCHEMA_VERSION)
    return bad(err, "unsupported schema_version (this Patron reads version 1)");
  int task = name_index(json_object_get(o, "task"), TASKS, 2);
  int learner = name_index(json_object_get(o, "learner"), LEARNERS, 2);
  json_int_t h = json_integer_value(json_object_get(o, "horizon_days"));
  if (task < 0 || learner < 0 || h < 1 || h > 100000)
    return bad(err, "'task', 'learner' or 'horizon_days' missing or invalid");
  m->task = (patron_churn_task)task;
  m->learner = (patron_churn_learner)learner;
  m->horizon = (int32_t)h;
  json_t *clv = json_object_get(o, "bgnbd_weeks");
  for (size_t k = 0; clv && k < 4; k++) {
    json_t *v = json_object_get(clv, patron_clv_param_name(PATRON_CLV_BGNBD, k));
    if (!json_is_number(v) || !(json_number_value(v) > 0))
      return bad(err, "'bgnbd_weeks' needs r, alpha, a, b > 0");
    m->clv_params[k] = json_number_value(v);
  }
  m->has_clv = clv != NULL;
  return patron__feature_schema_parse(json_object_get(o, "features"), &m->schema, err);
}

patron_status patron_churn_model_load(const char *schema_json, const char *model_text,
                                      size_t model_len, patron_churn_model **out,
                                      patron_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *o = json_loads(schema_json, 0, &je);
  if (!o)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, (uint64_t)je.line, (uint32_t)je.column,
                             "bad churn model schema JSON: %s", je.text);
  patron_churn_model *m = calloc(1, sizeof *m);
  patron_status st = m ? load_record(m, o, err) : PATRON__OOM(err);
  if (st == PATRON_OK) {
    m->n_threads = patron__default_threads();
    st = m->learner == PATRON_LEARNER_XGBOOST ? patron__xgb_load(m, model_text, model_len, err)
                                              : load_logistic(m, o, model_text, err);
  }
  json_decref(o);
  if (st != PATRON_OK) {
    patron_churn_model_free(m);
    return st;
  }
  *out = m;
  return PATRON_OK;
}
