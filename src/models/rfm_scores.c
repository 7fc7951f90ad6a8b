/* RFM scores (SPEC section 3): score = 1 + floor(bins * L / n), where n counts customers
 * with a purchase and L those with a strictly smaller value (strictly larger recency_days
 * for R, since recent is good). Equal values always get equal scores. */
#include "core/table_int.h"
#include "patron/rfm.h"

#include <stdlib.h>

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Number of sorted values strictly below v. */
static size_t count_below(const int64_t *sorted, size_t n, int64_t v) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Number of sorted values strictly above v. */
static size_t count_above(const int64_t *sorted, size_t n, int64_t v) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] <= v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return n - lo;
}

/* Scores one column over purchasers (rows where `active` is set). */
static bool score_column(const int64_t *value, const int64_t *active, size_t n_rows, int bins,
                         bool larger_is_worse, int64_t *score) {
  size_t n = 0;
  int64_t *sorted = malloc((n_rows ? n_rows : 1) * sizeof *sorted);
  if (!sorted)
    return false;
  for (size_t r = 0; r < n_rows; r++)
    if (active[r] != PATRON_NULL_INT)
      sorted[n++] = value[r];
  qsort(sorted, n, sizeof *sorted, cmp_i64);
  for (size_t r = 0; r < n_rows; r++) {
    if (active[r] == PATRON_NULL_INT)
      continue;
    size_t l = larger_is_worse ? count_above(sorted, n, value[r]) : count_below(sorted, n, value[r]);
    score[r] = 1 + (int64_t)((size_t)bins * l / n);
  }
  free(sorted);
  return true;
}

patron_status patron_rfm_scores(patron_table *t, int bins, patron_error *err) {
  const char *step = "RFM scores";
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const int64_t *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, step, err);
  if (!rec || !freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  if (bins < 2 || bins > 9)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "bins must be 2..9, got %d", bins);
  int64_t *r, *f, *m, *cell, *sum;
  patron_status st = patron_table_add(t, "r_score", PATRON_COL_INT, (void **)&r, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "f_score", PATRON_COL_INT, (void **)&f, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "m_score", PATRON_COL_INT, (void **)&m, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "rfm_cell", PATRON_COL_INT, (void **)&cell, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "rfm_score", PATRON_COL_INT, (void **)&sum, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(t);
  if (!score_column(rec, freq, n, bins, true, r) || !score_column(freq, freq, n, bins, false, f) ||
      !score_column(mon, freq, n, bins, false, m))
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++) {
    if (freq[i] == PATRON_NULL_INT)
      continue;
    cell[i] = r[i] * 100 + f[i] * 10 + m[i];
    sum[i] = r[i] + f[i] + m[i];
  }
  return PATRON_OK;
}
