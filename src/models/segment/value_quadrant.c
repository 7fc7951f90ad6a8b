/* The customer value matrix (SPEC section 3, value_quadrant): frequency high when >= the
 * mean frequency, average order value high when >= the mean avg_order_value, over customers
 * with a purchase. */
#include "core/table_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

static const char *const quadrant_labels[4] = {"best", "spender", "frequent", "uncertain"};
static const char *const quadrant_labels_zh[4] = {"优质型", "消费型", "经常型", "不确定型"};

int32_t patron__quadrant_code(bool f_high, bool a_high) {
  return f_high ? (a_high ? 0 : 2) : (a_high ? 1 : 3);
}

patron_status patron__quadrant_column(patron_table *t, int32_t **codes, patron_error *err) {
  return patron_table_add_category(t, "value_quadrant", quadrant_labels, quadrant_labels_zh, 4,
                                   true, codes, err);
}

patron_status patron_value_quadrants(patron_table *t, patron_error *err) {
  const char *step = "value_quadrant";
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *aov = patron__column_data(t, "avg_order_value", PATRON_COL_MONEY, step, err);
  if (!freq || !aov)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t n_rows = patron_table_n_rows(t), n = 0;
  long double f_sum = 0, a_sum = 0;
  for (size_t i = 0; i < n_rows; i++) {
    if (freq[i] == PATRON_NULL_INT)
      continue;
    f_sum += freq[i];
    a_sum += aov[i];
    n++;
  }
  long double f_mean = n ? f_sum / n : 0, a_mean = n ? a_sum / n : 0;
  int32_t *q;
  patron_status st = patron__quadrant_column(t, &q, err);
  if (st != PATRON_OK)
    return st;
  for (size_t i = 0; i < n_rows; i++) {
    if (freq[i] == PATRON_NULL_INT)
      continue;
    q[i] = patron__quadrant_code(freq[i] >= f_mean, aov[i] >= a_mean);
  }
  return PATRON_OK;
}
