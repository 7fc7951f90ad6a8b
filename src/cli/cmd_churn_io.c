/* Files of `patron churn` / `patron propensity`: the model directory (model.json,
 * schema.json, metrics.json, importance.csv, gains.csv), the score file, and the feature
 * dump used by the scikit-learn comparison (bench/churn_sklearn.py). */
#include "cmd_churn.h"
#include "cmd_churn_int.h"
#include "cli_inputs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static patron_status io_error(patron_error *err, const char *path, const char *what) {
  err->status = PATRON_ERR_IO;
  snprintf(err->message, sizeof err->message, "cannot %s %s: %s", what, path, strerror(errno));
  return PATRON_ERR_IO;
}

static patron_status write_text(const char *path, const char *text, size_t len, patron_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return io_error(err, path, "create");
  bool ok = fwrite(text, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  return ok ? PATRON_OK : io_error(err, path, "write");
}

/* ---- Training outputs ---------------------------------------------------------------------- */

static void csv_name(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static patron_status write_importance(const char *path, const patron_churn_report *r,
                                      const patron_feature_schema *s, patron_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return io_error(err, path, "create");
  fputs("feature,gain_share\n", f);
  for (size_t i = 0; i < r->n_importance; i++) {
    csv_name(f, patron_feature_schema_column(s, r->importance[i].column));
    fprintf(f, ",%.6f\n", r->importance[i].gain);
  }
  return fclose(f) == 0 ? PATRON_OK : io_error(err, path, "write");
}

static patron_status write_gains(const char *path, const patron_binary_metrics *m,
                                 patron_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return io_error(err, path, "create");
  fputs("decile,customers,positives,rate,lift,cumulative_capture,mean_predicted\n", f);
  for (int g = 0; g < PATRON_DECILES; g++) {
    const patron_decile_row *d = &m->deciles[g];
    fprintf(f, "%d,%zu,%.0f,%.4f,%.4f,%.4f,%.4f\n", g + 1, d->n, d->positives, d->rate, d->lift,
            d->cum_capture, d->mean_score);
  }
  return fclose(f) == 0 ? PATRON_OK : io_error(err, path, "write");
}

patron_status cli_churn_write_model(const char *dir, const patron_churn_model *m,
                                    const patron_churn_report *r, const patron_churn_trainset *ts,
                                    const patron_churn_options *o, patron_error *err) {
  char path[4096], *schema = NULL, *model = NULL;
  size_t model_len = 0;
  patron_status st = patron_churn_model_save(m, &schema, &model, &model_len, err);
  if (st == PATRON_OK)
    st = write_text(cli_path(path, sizeof path, dir, "model.json"), model, model_len, err);
  if (st == PATRON_OK)
    st = write_text(cli_path(path, sizeof path, dir, "schema.json"), schema, strlen(schema), err);
  free(schema);
  free(model);
  char *metrics = st == PATRON_OK ? patron_churn_report_to_json(r, ts, o) : NULL;
  if (st == PATRON_OK && !metrics)
    st = PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st =
        write_text(cli_path(path, sizeof path, dir, "metrics.json"), metrics, strlen(metrics), err);
  free(metrics);
  if (st == PATRON_OK)
    st = write_importance(cli_path(path, sizeof path, dir, "importance.csv"), r,
                          patron_churn_model_schema(m), err);
  if (st == PATRON_OK)
    st = write_gains(cli_path(path, sizeof path, dir, "gains.csv"), &r->valid, err);
  return st;
}

/* ---- Scores and feature dumps ---------------------------------------------------------------- */

patron_status cli_churn_write_scores(const char *path, const patron_dataset *ds,
                                     const patron_churn_model *m, const patron_churn_scores *s,
                                     patron_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return io_error(err, path, "create");
  bool churn = patron_churn_model_task(m) == PATRON_TASK_CHURN;
  fprintf(f, "customer_id,%s,%s\n", patron_churn_model_score_name(m),
          churn ? "risk_decile" : "propensity_decile");
  for (size_t i = 0; i < s->n; i++) {
    csv_name(f, patron_dataset_customer_id(ds, s->customer[i]));
    fprintf(f, ",%.6f,%d\n", s->score[i], s->decile[i]);
  }
  return fclose(f) == 0 ? PATRON_OK : io_error(err, path, "write");
}

patron_status cli_churn_dump_features(const char *path, const patron_dataset *ds,
                                      const patron_churn_trainset *ts, patron_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return io_error(err, path, "create");
  const patron_feature_schema *s = patron_churn_trainset_schema(ts);
  size_t p = patron_feature_schema_n_columns(s), n = patron_churn_trainset_rows(ts);
  size_t n_train = patron_churn_trainset_n_train(ts);
  const float *x = patron_churn_trainset_x(ts), *y = patron_churn_trainset_y(ts);
  fputs("customer_id,cutoff,set,label", f);
  for (size_t j = 0; j < p; j++) {
    fputc(',', f);
    csv_name(f, patron_feature_schema_column(s, j));
  }
  fputc('\n', f);
  for (size_t i = 0; i < n; i++) {
    char day[11];
    patron_format_day(patron_churn_trainset_cutoffs(ts)[i], day);
    csv_name(f, patron_dataset_customer_id(ds, patron_churn_trainset_customers(ts)[i]));
    fprintf(f, ",%s,%s,%d", day, i < n_train ? "train" : "valid", (int)y[i]);
    for (size_t j = 0; j < p; j++) {
      float v = x[i * p + j];
      if (isnan(v))
        fputc(',', f);
      else
        fprintf(f, ",%.9g", (double)v);
    }
    fputc('\n', f);
  }
  return fclose(f) == 0 ? PATRON_OK : io_error(err, path, "write");
}
