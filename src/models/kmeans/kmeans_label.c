/* Readable names and report rows for clusters: each centroid, in original units, is
 * compared with the overall means by the SPEC rfm_class rule (R high when recency <= mean,
 * F high when frequency >= mean, M high when monetary >= mean) and named after the class;
 * clusters sharing a class get a suffix by rank of monetary. */
#include "core/core_int.h"
#include "patron/kmeans.h"
#include "patron/rfm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rfm_class_of(const double *c, const double mean[3]) {
  return patron_rfm_class_code(c[0] <= mean[0], c[1] >= mean[1], c[2] >= mean[2]);
}

/* Does cluster a rank before cluster b within a class? */
static bool ranks_before(const double *centroids, size_t a, size_t b) {
  const double *p = centroids + 3 * a, *q = centroids + 3 * b;
  if (p[2] != q[2])
    return p[2] > q[2];
  if (p[1] != q[1])
    return p[1] > q[1];
  if (p[0] != q[0])
    return p[0] < q[0];
  return a < b;
}

patron_status patron_kmeans_label_rfm(const double *centroids, size_t k, const double mean[3],
                                      char (*names)[PATRON_KMEANS_LABEL_CAP], patron_error *err) {
  if (k == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "no clusters to name");
  int *cls = malloc(k * sizeof *cls);
  if (!cls)
    return PATRON__OOM(err);
  for (size_t c = 0; c < k; c++)
    cls[c] = rfm_class_of(centroids + 3 * c, mean);
  for (size_t c = 0; c < k; c++) {
    size_t same = 0, rank = 1;
    for (size_t o = 0; o < k; o++) {
      if (cls[o] != cls[c])
        continue;
      same++;
      rank += o != c && ranks_before(centroids, o, c);
    }
    if (same == 1)
      snprintf(names[c], PATRON_KMEANS_LABEL_CAP, "%s", patron_rfm_class_label(cls[c], false));
    else
      snprintf(names[c], PATRON_KMEANS_LABEL_CAP, "%s_%zu", patron_rfm_class_label(cls[c], false),
               rank);
  }
  free(cls);
  return PATRON_OK;
}

/* Sums per cluster in long double (stable for a million customers). */
static void report_sums(const int32_t *labels, size_t n, const double *recency,
                        const double *frequency, const double *monetary, long double (*sum)[3],
                        size_t *count, long double total[3]) {
  for (size_t i = 0; i < n; i++) {
    size_t c = (size_t)labels[i];
    count[c]++;
    sum[c][0] += recency[i], sum[c][1] += frequency[i], sum[c][2] += monetary[i];
    total[0] += recency[i], total[1] += frequency[i], total[2] += monetary[i];
  }
}

static void report_rows(size_t n, size_t k, long double (*sum)[3], const size_t *count,
                        const long double total[3], patron_kmeans_report_row *rows,
                        double *centroids) {
  for (size_t c = 0; c < k; c++) {
    patron_kmeans_report_row *r = &rows[c];
    memset(r, 0, sizeof *r);
    r->customers = count[c];
    r->customer_share = (double)count[c] / (double)n;
    r->revenue = (double)sum[c][2];
    r->revenue_share = total[2] != 0 ? (double)(sum[c][2] / total[2]) : 0;
    if (count[c]) {
      r->recency = (double)(sum[c][0] / count[c]);
      r->frequency = (double)(sum[c][1] / count[c]);
      r->monetary = (double)(sum[c][2] / count[c]);
    }
    centroids[3 * c] = r->recency, centroids[3 * c + 1] = r->frequency;
    centroids[3 * c + 2] = r->monetary;
  }
}

patron_status patron_kmeans_report(const int32_t *labels, size_t n, size_t k, const double *recency,
                                   const double *frequency, const double *monetary,
                                   patron_kmeans_report_row *rows, patron_error *err) {
  if (n == 0 || k == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the cluster report needs customers and clusters");
  for (size_t i = 0; i < n; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= k)
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "label %ld of row %zu is outside 0..%zu", (long)labels[i], i, k - 1);
  long double(*sum)[3] = calloc(k, sizeof *sum), total[3] = {0, 0, 0};
  size_t *count = calloc(k, sizeof *count);
  double *centroids = malloc(3 * k * sizeof *centroids);
  char(*names)[PATRON_KMEANS_LABEL_CAP] = malloc(k * sizeof *names);
  patron_status st = PATRON_OK;
  if (!sum || !count || !centroids || !names) {
    st = PATRON__OOM(err);
  } else {
    report_sums(labels, n, recency, frequency, monetary, sum, count, total);
    report_rows(n, k, sum, count, total, rows, centroids);
    double mean[3] = {(double)(total[0] / n), (double)(total[1] / n), (double)(total[2] / n)};
    st = patron_kmeans_label_rfm(centroids, k, mean, names, err);
    for (size_t c = 0; st == PATRON_OK && c < k; c++)
      memcpy(rows[c].label, names[c], PATRON_KMEANS_LABEL_CAP);
  }
  free(sum);
  free(count);
  free(centroids);
  free(names);
  return st;
}
