/* The eight RFM classes (SPEC section 3, rfm_class): R high when recency_days <= the mean
 * (or median) recency, F high when frequency >= its mean, M high when monetary >= its mean,
 * over customers with a purchase. Labels carry their Chinese names for reports. */
#include "core/sort.h"
#include "core/table_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

#include <stdlib.h>

/* Indexed by (R high ? 0 : 4) + (F high ? 0 : 2) ... see class_of(). */
static const char *const class_labels[8] = {
    "important_value", "important_develop", "important_keep", "important_retain",
    "general_value",   "general_develop",   "general_keep",   "general_retain"};
static const char *const class_labels_zh[8] = {"重要价值客户", "重要发展客户", "重要保持客户",
                                               "重要挽留客户", "一般价值客户", "一般发展客户",
                                               "一般保持客户", "一般挽留客户"};

/* SPEC table order: M splits important/general; within each, R F = HH, HL, LH, LL. */
int patron_rfm_class_code(bool r_high, bool f_high, bool m_high) {
  int within = r_high ? (f_high ? 0 : 1) : (f_high ? 2 : 3);
  return (m_high ? 0 : 4) + within;
}

const char *patron_rfm_class_label(int code, bool zh) {
  if (code < 0 || code >= PATRON_RFM_CLASSES)
    return NULL;
  return zh ? class_labels_zh[code] : class_labels[code];
}

/* Mean or median of v over rows where active is set; false when memory runs out. */
static bool center(const int64_t *v, const int64_t *active, size_t n_rows, bool median,
                   long double *out) {
  long double sum = 0;
  size_t n = 0;
  int64_t *vals = median ? malloc((n_rows ? n_rows : 1) * sizeof *vals) : NULL;
  if (median && !vals)
    return false;
  for (size_t r = 0; r < n_rows; r++) {
    if (active[r] == PATRON_NULL_INT)
      continue;
    if (vals)
      vals[n] = v[r];
    sum += (long double)v[r];
    n++;
  }
  *out = n ? sum / n : 0;
  bool ok = true;
  if (vals && n && (ok = patron__sort_i64(vals, n)))
    *out = n % 2 ? (long double)vals[n / 2]
                 : ((long double)vals[n / 2 - 1] + (long double)vals[n / 2]) / 2;
  free(vals);
  return ok;
}

patron_status patron__rfm_class_column(patron_table *t, int32_t **codes, patron_error *err) {
  return patron_table_add_category(t, "rfm_class", class_labels, class_labels_zh, 8, true, codes,
                                   err);
}

patron_status patron_rfm_classes(patron_table *t, bool median, patron_error *err) {
  const char *step = "rfm_class";
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, step, err);
  if (!rec || !freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t n = patron_table_n_rows(t);
  long double r_cut, f_cut, m_cut;
  if (!center(rec, freq, n, median, &r_cut) || !center(freq, freq, n, median, &f_cut) ||
      !center(mon, freq, n, median, &m_cut))
    return PATRON__OOM(err);
  int32_t *cls;
  patron_status st = patron__rfm_class_column(t, &cls, err);
  if (st != PATRON_OK)
    return st;
  for (size_t i = 0; i < n; i++)
    if (freq[i] != PATRON_NULL_INT)
      cls[i] = patron_rfm_class_code(rec[i] <= r_cut, freq[i] >= f_cut, mon[i] >= m_cut);
  return PATRON_OK;
}
