/* metrics.json of a trained churn/propensity model: the training set (cut-offs, horizon,
 * rows, validation kind), the validation metrics with the calibration and gains tables,
 * the recency-only baseline, cross-validation and the top features by gain. */
#include "io/json_int.h"
#include "models/churn/churn_int.h"

#include <math.h>
#include <stdlib.h>

static json_t *real_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *day_json(int32_t day) {
  char s[11];
  patron_format_day(day, s);
  return json_string(s);
}

static json_t *deciles_json(const patron_binary_metrics *m) {
  json_t *a = json_array();
  for (int g = 0; g < PATRON_DECILES; g++) {
    const patron_decile_row *d = &m->deciles[g];
    json_t *o = json_object();
    json_object_set_new(o, "decile", json_integer(g + 1));
    json_object_set_new(o, "rows", json_integer((json_int_t)d->n));
    json_object_set_new(o, "positives", json_real(d->positives));
    json_object_set_new(o, "mean_predicted", json_real(d->mean_score));
    json_object_set_new(o, "observed_rate", json_real(d->rate));
    json_object_set_new(o, "lift", real_or_null(d->lift));
    json_object_set_new(o, "cumulative_capture", real_or_null(d->cum_capture));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *metrics_json(const patron_binary_metrics *m) {
  json_t *o = json_object();
  json_object_set_new(o, "rows", json_integer((json_int_t)m->n));
  json_object_set_new(o, "positives", json_real(m->positives));
  json_object_set_new(o, "base_rate", json_real(m->base_rate));
  json_object_set_new(o, "roc_auc", real_or_null(m->auc));
  json_object_set_new(o, "pr_auc", real_or_null(m->pr_auc));
  json_object_set_new(o, "log_loss", real_or_null(m->log_loss));
  json_object_set_new(o, "brier", real_or_null(m->brier));
  json_object_set_new(o, "top_decile_lift", real_or_null(m->top_decile_lift));
  json_object_set_new(o, "deciles", deciles_json(m));
  return o;
}

static json_t *cutoffs_json(const patron_churn_trainset *ts, bool valid) {
  json_t *a = json_array();
  size_t lo = valid ? ts->n_train : 0, hi = valid ? ts->n_rows : ts->n_train;
  int32_t last = PATRON_NO_DAY;
  for (size_t i = lo; i < hi; i++)
    if (ts->cutoff[i] != last && !(ts->random_valid && last != PATRON_NO_DAY))
      json_array_append_new(a, day_json(last = ts->cutoff[i]));
  return a;
}

static json_t *importance_json(const patron_churn_report *r, const patron_churn_trainset *ts) {
  json_t *a = json_array();
  for (size_t i = 0; i < r->n_importance && i < 20; i++) {
    json_t *o = json_object();
    json_object_set_new(
        o, "feature",
        patron__json_str(patron_feature_schema_column(ts->schema, r->importance[i].column), NULL));
    json_object_set_new(o, "gain_share", json_real(r->importance[i].gain));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *training_json(const patron_churn_report *r, const patron_churn_trainset *ts,
                             const patron_churn_options *o) {
  json_t *t = json_object();
  json_object_set_new(t, "task",
                      json_string(o->task == PATRON_TASK_CHURN ? "churn" : "propensity"));
  json_object_set_new(t, "learner",
                      json_string(o->learner == PATRON_LEARNER_XGBOOST ? "xgboost" : "logistic"));
  json_object_set_new(t, "horizon_days", json_integer(o->horizon_days));
  json_object_set_new(t, "train_cutoffs", cutoffs_json(ts, false));
  json_object_set_new(t, "validation", json_string(patron_churn_trainset_validation(ts)));
  json_object_set_new(t, "validation_cutoffs", cutoffs_json(ts, true));
  json_object_set_new(t, "train_rows", json_integer((json_int_t)r->n_train));
  json_object_set_new(t, "validation_rows", json_integer((json_int_t)r->n_valid));
  json_object_set_new(t, "columns", json_integer((json_int_t)ts->p));
  json_object_set_new(t, "rounds", json_integer(r->rounds));
  json_object_set_new(t, "refit_on_all_rows", json_boolean(o->refit));
  json_object_set_new(t, "class_weights", json_string(o->balanced ? "balanced" : "none"));
  json_object_set_new(t, "seed", json_integer((json_int_t)o->seed));
  json_object_set_new(t, "train_seconds", json_real(r->train_seconds));
  if (ts->note[0])
    json_object_set_new(t, "note", json_string(ts->note));
  return t;
}

char *patron_churn_report_to_json(const patron_churn_report *r, const patron_churn_trainset *ts,
                                  const patron_churn_options *o) {
  json_t *root = json_object(), *base = json_object(), *cv = json_object();
  json_object_set_new(root, "schema", json_string("patron.churn.metrics"));
  json_object_set_new(root, "schema_version", json_integer(1));
  json_object_set_new(root, "training", training_json(r, ts, o));
  json_object_set_new(root, "validation", metrics_json(&r->valid));
  json_object_set_new(base, "score", json_string("recency_days"));
  json_object_set_new(base, "roc_auc", real_or_null(r->baseline_auc));
  json_object_set_new(root, "recency_baseline", base);
  json_object_set_new(cv, "folds", json_integer(r->folds));
  json_object_set_new(cv, "roc_auc_mean", real_or_null(r->cv_auc_mean));
  json_object_set_new(cv, "roc_auc_sd", real_or_null(r->cv_auc_sd));
  json_object_set_new(root, "cross_validation", cv);
  json_object_set_new(root, "top_features", importance_json(r, ts));
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
  json_decref(root);
  return text;
}
