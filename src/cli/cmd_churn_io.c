/* The feature dump of `patron churn train --dump-features` used by the scikit-learn
 * comparison (bench/churn_sklearn.py; floats as %.9g, a bench format). The model
 * directory and the score file are written by the library (src/models/churn/churn_files.c). */
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
