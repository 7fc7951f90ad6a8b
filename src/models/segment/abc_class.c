/* ABC classes (SPEC section 3, abc_class): customers with a purchase sorted by monetary
 * descending, ties by customer_id ascending (= row order, rows being sorted by id); the first
 * ceil(a% n) are A, the next ceil(b% n) are B, the rest C. */
#include "core/sort.h"
#include "core/table_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

#include <math.h>
#include <stdlib.h>

static const char *const abc_labels[3] = {"A", "B", "C"};
static const char *const abc_labels_zh[3] = {"A类客户", "B类客户", "C类客户"};

/* ceil(pct% of n) computed exactly on integers (pct given with up to 6 decimals). */
size_t patron__ceil_share(double pct, size_t n) {
  long long micro = llround(pct * 1e6);
  unsigned __int128 num = (unsigned __int128)micro * n, den = 100000000ull;
  return (size_t)((num + den - 1) / den);
}

patron_status patron__abc_column(patron_table *t, int32_t **codes, patron_error *err) {
  return patron_table_add_category(t, "abc_class", abc_labels, abc_labels_zh, 3, true, codes, err);
}

patron_status patron_abc_classes(patron_table *t, double a_pct, double b_pct, patron_error *err) {
  const char *step = "abc_class";
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, step, err);
  if (!freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t n_rows = patron_table_n_rows(t), n = 0;
  uint64_t *keys = malloc((n_rows ? n_rows : 1) * sizeof *keys);
  uint32_t *rows = malloc((n_rows ? n_rows : 1) * sizeof *rows);
  patron_status st = keys && rows ? PATRON_OK : PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < n_rows; i++)
    if (freq[i] != PATRON_NULL_INT)
      keys[n] = patron__key_i64_desc(mon[i]), rows[n++] = (uint32_t)i;
  /* stable: equal monetary keeps row (= customer_id) order */
  if (st == PATRON_OK && !patron__radix_sort(keys, rows, n))
    st = PATRON__OOM(err);
  int32_t *cls;
  if (st == PATRON_OK)
    st = patron__abc_column(t, &cls, err);
  if (st == PATRON_OK) {
    size_t a = patron__ceil_share(a_pct, n), b = a + patron__ceil_share(b_pct, n);
    for (size_t k = 0; k < n; k++)
      cls[rows[k]] = k < a ? 0 : (k < b ? 1 : 2);
  }
  free(keys);
  free(rows);
  return st;
}
