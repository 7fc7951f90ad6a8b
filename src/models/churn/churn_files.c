/* The churn / propensity model directory read by the library: schema.json (the schema
 * record) and model.json (the learner's model), as written by `patron churn train`. */
#include "io/files.h"
#include "patron/churn.h"

#include <stdio.h>
#include <stdlib.h>

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
