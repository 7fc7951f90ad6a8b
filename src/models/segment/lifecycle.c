/* Lifecycle stages (SPEC section 3, lifecycle), first match: prospect (no purchase), new
 * (tenure_days <= new_days), active (recency_days <= active_days), silent (<= silent_days),
 * dormant (<= dormant_days), churned (beyond). */
#include "core/table_int.h"
#include "patron/rfm.h"

static const char *const stage_labels[6] = {"prospect", "new",     "active",
                                            "silent",   "dormant", "churned"};
static const char *const stage_labels_zh[6] = {"潜在客户", "新客户",   "活跃客户",
                                               "沉默客户", "休眠客户", "流失客户"};

patron_status patron_lifecycles(patron_table *t, int new_days, int active_days, int silent_days,
                                int dormant_days, patron_error *err) {
  const char *step = "lifecycle";
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *ten = patron__column_data(t, "tenure_days", PATRON_COL_INT, step, err);
  if (!freq || !rec || !ten)
    return err ? err->status : PATRON_ERR_USAGE;
  int32_t *stage;
  patron_status st = patron_table_add_category(t, "lifecycle", stage_labels, stage_labels_zh, 6,
                                               true, &stage, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(t);
  for (size_t i = 0; i < n; i++) {
    if (freq[i] == PATRON_NULL_INT)
      stage[i] = 0;
    else if (ten[i] <= new_days)
      stage[i] = 1;
    else if (rec[i] <= active_days)
      stage[i] = 2;
    else if (rec[i] <= silent_days)
      stage[i] = 3;
    else
      stage[i] = rec[i] <= dormant_days ? 4 : 5;
  }
  return PATRON_OK;
}
