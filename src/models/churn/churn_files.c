/* The churn / propensity files, read and written by the library (docs/CHURN.md "Files"):
 * the model directory (schema.json, model.json, metrics.json, importance.csv, gains.csv)
 * and the score file. */
#include "io/files.h"
#include "patron/churn.h"
#include "patron/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

patron_status patron_churn_model_read(const char *dir, patron_churn_model **out,
                                      patron_error *err) {
  char path[4096];
  char *schema = NULL, *model = NULL;
  size_t schema_len, model_len;
  *out = NULL;
  patron_status st = patron__path_join(path, sizeof path, dir, "schema.json", err);
  if (st == PATRON_OK)
    st = patron__read_file(path, PATRON_CHURN_MODEL_FILE_MAX, &schema, &schema_len, err);
  if (st == PATRON_OK)
    st = patron__path_join(path, sizeof path, dir, "model.json", err);
  if (st == PATRON_OK)
    st = patron__read_file(path, PATRON_CHURN_MODEL_FILE_MAX, &model, &model_len, err);
  if (st == PATRON_OK) {
    st = patron_churn_model_load(schema, model, model_len, out, err);
    if (st != PATRON_OK)
      snprintf(err->file, sizeof err->file, "%s", dir);
  }
  free(schema);
  free(model);
  return st;
}

/* Adds a column to t and returns its data (NULL after an error, which *st keeps). */
static void *column(patron_table *t, const char *name, patron_col_type type, int decimals,
                    patron_status *st, patron_error *err) {
  void *data = NULL;
  if (*st == PATRON_OK)
    *st = patron_table_add(t, name, type, &data, err);
  if (*st == PATRON_OK)
    patron_table_set_decimals(t, name, decimals);
  return *st == PATRON_OK ? data : NULL;
}

static patron_status importance_table(const patron_churn_report *r, const patron_churn_model *m,
                                      patron_table **out, patron_error *err) {
  patron_table *t = *out = patron_table_new(r->n_importance);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  const char **name = column(t, "feature", PATRON_COL_STRING, 0, &st, err);
  double *gain = column(t, "gain_share", PATRON_COL_DOUBLE, 6, &st, err);
  const patron_feature_schema *s = patron_churn_model_schema(m);
  for (size_t i = 0; st == PATRON_OK && i < r->n_importance; i++) {
    name[i] = patron_feature_schema_column(s, r->importance[i].column);
    gain[i] = r->importance[i].gain;
  }
  return st;
}

static patron_status gains_table(const patron_binary_metrics *m, patron_table **out,
                                 patron_error *err) {
  patron_table *t = *out = patron_table_new(PATRON_DECILES);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  int64_t *decile = column(t, "decile", PATRON_COL_INT, 0, &st, err);
  int64_t *n = column(t, "customers", PATRON_COL_INT, 0, &st, err);
  double *pos = column(t, "positives", PATRON_COL_DOUBLE, 0, &st, err);
  double *rate = column(t, "rate", PATRON_COL_DOUBLE, 4, &st, err);
  double *lift = column(t, "lift", PATRON_COL_DOUBLE, 4, &st, err);
  double *cum = column(t, "cumulative_capture", PATRON_COL_DOUBLE, 4, &st, err);
  double *mean = column(t, "mean_predicted", PATRON_COL_DOUBLE, 4, &st, err);
  for (int g = 0; st == PATRON_OK && g < PATRON_DECILES; g++) {
    const patron_decile_row *d = &m->deciles[g];
    decile[g] = g + 1, n[g] = (int64_t)d->n, pos[g] = d->positives, rate[g] = d->rate;
    lift[g] = d->lift, cum[g] = d->cum_capture, mean[g] = d->mean_score;
  }
  return st;
}

patron_status patron_churn_model_write(const char *dir, const patron_churn_model *m,
                                       const patron_churn_report *r,
                                       const patron_churn_trainset *ts,
                                       const patron_churn_options *o,
                                       const patron_output_options *out, patron_error *err) {
  char *schema = NULL, *model = NULL, *metrics = NULL;
  size_t model_len = 0;
  patron_table *importance = NULL, *gains = NULL;
  patron_status st = patron_churn_model_save(m, &schema, &model, &model_len, err);
  if (st == PATRON_OK && !(metrics = patron_churn_report_to_json(r, ts, o)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = importance_table(r, m, &importance, err);
  if (st == PATRON_OK)
    st = gains_table(&r->valid, &gains, err);
  if (st == PATRON_OK) {
    patron_output_file files[] = {
        {.name = "model.json", .text = model, .len = model_len},
        {.name = "schema.json", .text = schema, .len = strlen(schema)},
        {.name = "metrics.json", .text = metrics, .len = strlen(metrics)},
        {.name = "importance.csv", .table = importance},
        {.name = "gains.csv", .table = gains},
    };
    st = patron_write_files(dir, files, sizeof files / sizeof *files, out, NULL, err);
  }
  patron_table_free(importance);
  patron_table_free(gains);
  free(schema);
  free(model);
  free(metrics);
  return st;
}

patron_status patron_churn_scores_write(const char *path, const patron_dataset *ds,
                                        const patron_churn_model *m, const patron_churn_scores *s,
                                        const patron_output_options *out, patron_error *err) {
  patron_table *t = patron_table_new(s->n);
  if (!t)
    return PATRON__OOM(err);
  bool churn = patron_churn_model_task(m) == PATRON_TASK_CHURN;
  patron_status st = PATRON_OK;
  const char **id = column(t, "customer_id", PATRON_COL_STRING, 0, &st, err);
  double *score = column(t, patron_churn_model_score_name(m), PATRON_COL_DOUBLE, 6, &st, err);
  int64_t *decile =
      column(t, churn ? "risk_decile" : "propensity_decile", PATRON_COL_INT, 0, &st, err);
  for (size_t i = 0; st == PATRON_OK && i < s->n; i++) {
    id[i] = patron_dataset_customer_id(ds, s->customer[i]);
    score[i] = s->score[i];
    decile[i] = s->decile[i];
  }
  patron_sink *sink = NULL;
  if (st == PATRON_OK && (st = patron__check_not_input(path, ds, err)) == PATRON_OK)
    st = patron_sink_file(path, out, &sink, err);
  if (st == PATRON_OK && (st = patron_write_table_csv_to(t, sink, err)) != PATRON_OK)
    patron_sink_abort(sink);
  else if (st == PATRON_OK)
    st = patron_sink_close(sink, err);
  patron_table_free(t);
  return st;
}
