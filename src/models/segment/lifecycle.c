/* Lifecycle stages (SPEC section 3, lifecycle), first match: prospect (no purchase), new
 * (tenure_days <= new_days), active (recency_days <= active_days), silent (<= silent_days),
 * dormant (<= dormant_days), churned (beyond). */
#include "core/table_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

static const char *const stage_labels[6] = {"prospect", "new",     "active",
                                            "silent",   "dormant", "churned"};
static const char *const stage_labels_zh[6] = {"潜在客户", "新客户",   "活跃客户",
                                               "沉默客户", "休眠客户", "流失客户"};

int32_t patron__lifecycle_code(bool purchaser, int64_t tenure, int64_t recency, int new_days,
                               int active_days, int silent_days, int dormant_days) {
  if (!purchaser)
    return 0;
  if (tenure <= new_days)
    return 1;
  if (recency <= active_days)
    return 2;
  if (recency <= silent_days)
    return 3;
  return recency <= dormant_days ? 4 : 5;
}

patron_status patron__lifecycle_column(patron_table *t, int32_t **codes, patron_error *err) {
  return patron_table_add_category(t, "lifecycle", stage_labels, stage_labels_zh, 6, true, codes,
                                   err);
}

patron_status patron_lifecycles(patron_table *t, int new_days, int active_days, int silent_days,
                                int dormant_days, patron_error *err) {
  const char *step = "lifecycle";
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *ten = patron__column_data(t, "tenure_days", PATRON_COL_INT, step, err);
  if (!freq || !rec || !ten)
    return err ? err->status : PATRON_ERR_USAGE;
  int32_t *stage;
  patron_status st = patron__lifecycle_column(t, &stage, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(t);
  for (size_t i = 0; i < n; i++)
    stage[i] = patron__lifecycle_code(freq[i] != PATRON_NULL_INT, ten[i], rec[i], new_days,
                                      active_days, silent_days, dormant_days);
  return PATRON_OK;
}
