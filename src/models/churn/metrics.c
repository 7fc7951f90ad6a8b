/* Metrics of binary classifiers: ROC AUC by average ranks (Mann-Whitney U, ties one half),
 * average precision as scikit-learn defines it (sum over thresholds of recall step x
 * precision), log loss, Brier score, and decile tables (calibration, gains and lift) with
 * rows ranked by score descending. */
#include "core/sort.h"
#include "models/churn/features_int.h"
#include "patron/churn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Row indices sorted by score ascending (descending when desc), ties by index. */
static uint32_t *rank_rows(const double *s, size_t n, bool desc) {
  uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
  uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!keys || !idx) {
    free(keys);
    free(idx);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    keys[i] = desc ? ~patron__double_key(s[i]) : patron__double_key(s[i]);
    idx[i] = (uint32_t)i;
  }
  bool ok = patron__radix_sort(keys, idx, n);
  free(keys);
  if (!ok) {
    free(idx);
    return NULL;
  }
  return idx;
}

static double auc_sorted(const double *s, const float *y, const uint32_t *asc, size_t n) {
  double pos = 0, rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double group_pos = 0;
    while (j < n && s[asc[j]] == s[asc[i]])
      group_pos += y[asc[j++]];
    rank_sum += group_pos * (double)(i + 1 + j) / 2.0; /* average 1-based rank */
    pos += group_pos;
    i = j;
  }
  double neg = (double)n - pos;
  if (pos == 0 || neg == 0)
    return NAN;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double patron_metrics_auc(const double *score, const float *y, size_t n) {
  uint32_t *asc = rank_rows(score, n, false);
  if (!asc)
    return NAN;
  double auc = auc_sorted(score, y, asc, n);
  free(asc);
  return auc;
}

static double average_precision(const double *s, const float *y, const uint32_t *desc, size_t n,
                                double pos) {
  double tp = 0, fp = 0, ap = 0, prev_recall = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[desc[j]] == s[desc[i]]) {
      tp += y[desc[j]];
      fp += 1 - y[desc[j]];
      j++;
    }
    double recall = tp / pos;
    ap += (recall - prev_recall) * tp / (tp + fp);
    prev_recall = recall;
    i = j;
  }
  return ap;
}

static void decile_table(const double *p, const float *y, const uint32_t *desc, size_t n,
                         patron_binary_metrics *m) {
  patron_decile_row *d = m->deciles;
  memset(d, 0, sizeof m->deciles);
  for (size_t r = 0; r < n; r++) {
    size_t g = r * PATRON_DECILES / n;
    d[g].n++;
    d[g].positives += y[desc[r]];
    d[g].mean_score += p[desc[r]];
  }
  double cum = 0;
  for (int g = 0; g < PATRON_DECILES; g++) {
    double k = d[g].n ? (double)d[g].n : 1;
    d[g].mean_score /= k;
    d[g].rate = d[g].positives / k;
    d[g].lift = d[g].rate / m->base_rate;
    cum += d[g].positives;
    d[g].cum_capture = cum / m->positives;
  }
  m->top_decile_lift = d[0].lift;
}

static patron_status check_inputs(const double *p, const float *y, size_t n, double *pos,
                                  patron_error *err) {
  *pos = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(p[i] >= 0 && p[i] <= 1))
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, i + 1, 0,
                               "probability of row %zu is not in [0, 1]", i + 1);
    *pos += y[i] != 0;
  }
  if (n < 10 || *pos == 0 || *pos == (double)n)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "metrics need at least 10 rows with both classes (%zu rows, %.0f "
                             "positive)",
                             n, *pos);
  return PATRON_OK;
}

patron_status patron_metrics_binary(const double *p, const float *y, size_t n,
                                    patron_binary_metrics *m, patron_error *err) {
  memset(m, 0, sizeof *m);
  double pos;
  patron_status st = check_inputs(p, y, n, &pos, err);
  if (st != PATRON_OK)
    return st;
  uint32_t *desc = rank_rows(p, n, true), *asc = rank_rows(p, n, false);
  if (!desc || !asc) {
    free(desc);
    free(asc);
    return PATRON__OOM(err);
  }
  long double ll = 0, brier = 0;
  for (size_t i = 0; i < n; i++) {
    double q = fmin(fmax(p[i], 1e-15), 1 - 1e-15);
    ll -= y[i] ? log(q) : log1p(-q);
    brier += (p[i] - y[i]) * (p[i] - y[i]);
  }
  m->n = n;
  m->positives = pos;
  m->base_rate = pos / (double)n;
  m->log_loss = (double)(ll / (long double)n);
  m->brier = (double)(brier / (long double)n);
  m->auc = auc_sorted(p, y, asc, n);
  m->pr_auc = average_precision(p, y, desc, n, pos);
  decile_table(p, y, desc, n, m);
  free(desc);
  free(asc);
  return PATRON_OK;
}
