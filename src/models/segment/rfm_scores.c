/* RFM scores (SPEC section 3): score = 1 + floor(bins * L / n), where n counts customers
 * with a purchase and L those with a strictly smaller value (strictly larger recency_days
 * for R, since recent is good). Equal values always get equal scores. */
#include "core/exec.h"
#include "core/sort.h"
#include "models/segment/segment_int.h"
#include "core/table_int.h"
#include "patron/rfm.h"

#include <stdlib.h>

/* Scores one column over purchasers (rows where `active` is set): sort (value, row), then
 * each run of equal values starting at sorted position g0 and ending before g1 has
 * g0 values strictly below it and n - g1 strictly above. */
static bool score_column(const int64_t *value, const int64_t *active, size_t n_rows, int bins,
                         bool larger_is_worse, int64_t *score) {
  uint64_t *keys = malloc((n_rows ? n_rows : 1) * sizeof *keys);
  uint32_t *rows = malloc((n_rows ? n_rows : 1) * sizeof *rows);
  size_t n = 0;
  bool ok = keys && rows;
  for (size_t r = 0; ok && r < n_rows; r++)
    if (active[r] != PATRON_NULL_INT)
      keys[n] = patron__key_i64(value[r]), rows[n++] = (uint32_t)r;
  ok = ok && patron__radix_sort(keys, rows, n);
  for (size_t g0 = 0, g1; ok && g0 < n; g0 = g1) {
    for (g1 = g0 + 1; g1 < n && keys[g1] == keys[g0]; g1++)
      ;
    size_t below = larger_is_worse ? n - g1 : g0;
    int64_t s = 1 + (int64_t)((size_t)bins * below / n);
    for (size_t k = g0; k < g1; k++)
      score[rows[k]] = s;
  }
  free(keys);
  free(rows);
  return ok;
}

/* One score column: a job for the executor. */
typedef struct score_job {
  const int64_t *value, *active;
  size_t n_rows;
  int bins;
  bool larger_is_worse, ok;
  int64_t *score;
} score_job;

static void score_job_run(void *item) {
  score_job *j = item;
  j->ok = score_column(j->value, j->active, j->n_rows, j->bins, j->larger_is_worse, j->score);
}

patron_status patron_rfm_scores(patron_table *t, int bins, patron_error *err) {
  return patron__rfm_scores_on(t, bins, 0, err);
}

patron_status patron__rfm_scores_on(patron_table *t, int bins, int n_threads, patron_error *err) {
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
  score_job jobs[3] = {{rec, freq, n, bins, true, false, r},
                       {freq, freq, n, bins, false, false, f},
                       {mon, freq, n, bins, false, false, m}};
  patron__exec_each(n_threads, jobs, 3, sizeof *jobs, score_job_run);
  if (!jobs[0].ok || !jobs[1].ok || !jobs[2].ok)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++) {
    if (freq[i] == PATRON_NULL_INT)
      continue;
    cell[i] = r[i] * 100 + f[i] * 10 + m[i];
    sum[i] = r[i] + f[i] + m[i];
  }
  return PATRON_OK;
}
