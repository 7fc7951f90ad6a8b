/* Fuzz harness for the XGBoost churn model check (patron__xgb_check,
 * src/models/churn/churn_xgb_check.c), the gate between an edited model.json and XGBoost,
 * which trusts its input. Input: one byte, the feature count the schema promises, then the
 * model text. Property: whatever the check accepts, XGBoost either refuses to load (an error
 * Patron reports) or loads it and scores a row of that many features without crashing,
 * giving a probability. */
#include "fuzz.h"

#include <math.h>
#include <xgboost/c_api.h>

#include "models/churn/churn_int.h"

static void score_accepted(const char *text, size_t len, size_t n_features) {
  BoosterHandle b;
  FUZZ_CHECK(XGBoosterCreate(NULL, 0, &b) == 0, "cannot create a booster");
  if (XGBoosterLoadModelFromBuffer(b, text, (bst_ulong)len) != 0) {
    XGBoosterFree(b); /* refused with an error status: reported, not a crash */
    return;
  }
  float row[256] = {0};
  DMatrixHandle d;
  FUZZ_CHECK(XGDMatrixCreateFromMat(row, 1, (bst_ulong)n_features, NAN, &d) == 0, "DMatrix");
  bst_ulong n = 0;
  const float *out = NULL;
  FUZZ_CHECK(XGBoosterPredict(b, d, 0, 0, 0, &n, &out) == 0, "predict: %s", XGBGetLastError());
  FUZZ_CHECK(n == 1 && out[0] >= 0 && out[0] <= 1, "not a probability");
  XGDMatrixFree(d);
  XGBoosterFree(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t n_features = data[0] ? data[0] : 1;
  char *text = malloc(size); /* the model text plus a NUL */
  FUZZ_CHECK(text, "out of memory");
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  patron_error err = {0};
  if (patron__xgb_check(text, size - 1, n_features, &err) == PATRON_OK)
    score_accepted(text, size - 1, n_features);
  else
    FUZZ_CHECK(err.message[0], "rejected without a message");
  free(text);
  return 0;
}
