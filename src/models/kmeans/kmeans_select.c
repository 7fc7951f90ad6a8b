/* Cluster quality and the choice of k: inertia, the Calinski-Harabasz index (Calinski &
 * Harabasz 1974) and the mean silhouette width (Rousseeuw 1987, on a seeded sample for
 * large n as scikit-learn's silhouette_score(sample_size=...)), and the scan over k that
 * fits each k and picks the largest silhouette. Definitions match scikit-learn's metrics. */
#include "core/core_int.h"
#include "models/kmeans/kmeans_int.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

static patron_status check_labels(const int32_t *labels, size_t n, size_t d, size_t k,
                                  patron_error *err) {
  if (n == 0 || d == 0 || k == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "cluster scores need rows, features and clusters");
  for (size_t i = 0; i < n; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= k)
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "label %ld of row %zu is outside 0..%zu", (long)labels[i], i, k - 1);
  return PATRON_OK;
}

patron_status patron_kmeans_inertia(const double *x, size_t n, size_t d, const double *centers,
                                    size_t k, const int32_t *labels, double *out,
                                    patron_error *err) {
  patron_status st = check_labels(labels, n, d, k, err);
  if (st != PATRON_OK)
    return st;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += patron__km_dist2(x + i * d, centers + (size_t)labels[i] * d, d);
  *out = s;
  return PATRON_OK;
}

/* Per-label means (k x d) and counts; returns the number of labels in use. */
static size_t label_means(const double *x, size_t n, size_t d, const int32_t *labels, size_t k,
                          double *means, size_t *counts) {
  memset(means, 0, k * d * sizeof *means);
  memset(counts, 0, k * sizeof *counts);
  for (size_t i = 0; i < n; i++) {
    counts[labels[i]]++;
    for (size_t j = 0; j < d; j++)
      means[(size_t)labels[i] * d + j] += x[i * d + j];
  }
  size_t used = 0;
  for (size_t c = 0; c < k; c++) {
    used += counts[c] > 0;
    for (size_t j = 0; j < d && counts[c]; j++)
      means[c * d + j] /= (double)counts[c];
  }
  return used;
}

static patron_status ch_index(const double *x, size_t n, size_t d, const int32_t *labels, size_t k,
                              double *means, size_t *counts, double *out, patron_error *err) {
  size_t used = label_means(x, n, d, labels, k, means, counts);
  if (used < 2 || n <= used)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "Calinski-Harabasz needs 2 <= clusters < rows; got %zu "
                             "clusters for %zu rows",
                             used, n);
  double grand[d], within = 0, between = 0;
  memset(grand, 0, sizeof grand);
  for (size_t c = 0; c < k; c++)
    for (size_t j = 0; j < d; j++)
      grand[j] += means[c * d + j] * (double)counts[c] / (double)n;
  for (size_t i = 0; i < n; i++)
    within += patron__km_dist2(x + i * d, means + (size_t)labels[i] * d, d);
  for (size_t c = 0; c < k; c++)
    between += (double)counts[c] * patron__km_dist2(means + c * d, grand, d);
  if (!(within > 0))
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "Calinski-Harabasz is undefined: every row sits on its centre");
  *out = (between / (double)(used - 1)) / (within / (double)(n - used));
  return PATRON_OK;
}

patron_status patron_kmeans_calinski_harabasz(const double *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k, double *out,
                                              patron_error *err) {
  patron_status st = check_labels(labels, n, d, k, err);
  if (st != PATRON_OK)
    return st;
  double *means = malloc(k * d * sizeof *means);
  size_t *counts = malloc(k * sizeof *counts);
  st = means && counts ? ch_index(x, n, d, labels, k, means, counts, out, err) : PATRON__OOM(err);
  free(means);
  free(counts);
  return st;
}

typedef struct sil_ctx {
  const double *x;       /* m x d sample, grouped by label */
  const int32_t *labels; /* m */
  const size_t *start;   /* k + 1: label c holds rows start[c] .. start[c + 1] - 1 */
  size_t m, d, k;
  double *score;   /* m */
  double *scratch; /* per thread: k sums */
} sil_ctx;

/* Sum of the distances from xi to rows lo .. hi - 1 (two at a time with SSE2). */
PATRON__KM_INLINE double range_sum(const double *xi, const double *x, size_t lo, size_t hi,
                                   size_t d) {
  double s = 0;
  size_t o = lo;
#if defined(__SSE2__)
  __m128d acc = _mm_setzero_pd();
  for (; o + 1 < hi; o += 2) {
    __m128d t =
        _mm_set_pd(patron__km_dist2(xi, x + (o + 1) * d, d), patron__km_dist2(xi, x + o * d, d));
    acc = _mm_add_pd(acc, _mm_sqrt_pd(t));
  }
  double lanes[2];
  _mm_storeu_pd(lanes, acc);
  s = lanes[0] + lanes[1];
#endif
  for (; o < hi; o++)
    s += sqrt(patron__km_dist2(xi, x + o * d, d));
  return s;
}

PATRON__KM_INLINE double sil_one(const sil_ctx *s, size_t i, double *sum, size_t d) {
  const double *xi = s->x + i * d;
  for (size_t c = 0; c < s->k; c++)
    sum[c] = range_sum(xi, s->x, s->start[c], s->start[c + 1], d);
  size_t own = (size_t)s->labels[i], n_own = s->start[own + 1] - s->start[own];
  if (n_own < 2)
    return 0;
  double a = sum[own] / (double)(n_own - 1), b = INFINITY;
  for (size_t c = 0; c < s->k; c++) {
    size_t n_c = s->start[c + 1] - s->start[c];
    if (c != own && n_c > 0 && sum[c] / (double)n_c < b)
      b = sum[c] / (double)n_c;
  }
  double top = a > b ? a : b;
  return top > 0 ? (b - a) / top : 0;
}

enum { SIL_STEP = 64 }; /* rows per unit of work: the work per row is O(m) */

static void sil_job(void *arg, size_t unit, size_t tid) {
  sil_ctx *s = arg;
  double *sum = s->scratch + tid * s->k;
  for (size_t i = unit * SIL_STEP; i < (unit + 1) * SIL_STEP && i < s->m; i++) {
#define SIL_ONE(dd) s->score[i] = sil_one(s, i, sum, dd)
    PATRON__KM_BY_DIM(s->d, SIL_ONE)
#undef SIL_ONE
  }
}

/* The rows to score: all, or sample_size drawn by gsl_ran_choose (kept in row order). */
static size_t *sample_rows(size_t n, size_t sample_size, uint64_t seed, size_t *m) {
  *m = sample_size > 0 && sample_size < n ? sample_size : n;
  size_t *all = malloc(n * sizeof *all), *pick = malloc(*m * sizeof *pick);
  if (all && pick) {
    for (size_t i = 0; i < n; i++)
      all[i] = i;
    gsl_rng *r = *m < n ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (r) {
      gsl_rng_set(r, (unsigned long)seed);
      gsl_ran_choose(r, pick, *m, all, n, sizeof *all);
      gsl_rng_free(r);
    } else if (*m == n) {
      memcpy(pick, all, n * sizeof *all);
    } else {
      free(pick), pick = NULL;
    }
  } else {
    free(pick), pick = NULL;
  }
  free(all);
  return pick;
}

static patron_status silhouette_on(sil_ctx *s, patron_error *err) {
  size_t used = 0;
  for (size_t c = 0; c < s->k; c++)
    used += s->start[c + 1] > s->start[c];
  if (used < 2 || used > s->m - 1)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "silhouette needs 2 <= clusters <= rows - 1; the %zu rows used "
                             "carry %zu clusters",
                             s->m, used);
  patron__km_pool pool;
  patron__km_pool_start(&pool, 0);
  s->scratch = malloc(pool.n_threads * s->k * sizeof *s->scratch);
  if (s->scratch)
    patron__km_pool_run(&pool, sil_job, s, (s->m + SIL_STEP - 1) / SIL_STEP);
  patron__km_pool_stop(&pool);
  if (!s->scratch)
    return PATRON__OOM(err);
  return PATRON_OK;
}

/* Copy the sampled rows grouped by label (counting sort, stable). */
static void group_sample(const double *x, size_t d, const int32_t *labels, const size_t *rows,
                         size_t m, size_t k, double *xs, int32_t *ls, size_t *start) {
  memset(start, 0, (k + 1) * sizeof *start);
  for (size_t i = 0; i < m; i++)
    start[labels[rows[i]] + 1]++;
  for (size_t c = 0; c < k; c++)
    start[c + 1] += start[c];
  size_t *next = start + k + 1; /* k more entries of scratch */
  memcpy(next, start, k * sizeof *next);
  for (size_t i = 0; i < m; i++) {
    size_t c = (size_t)labels[rows[i]], at = next[c]++;
    memcpy(xs + at * d, x + rows[i] * d, d * sizeof *xs);
    ls[at] = (int32_t)c;
  }
}

patron_status patron_kmeans_silhouette(const double *x, size_t n, size_t d, const int32_t *labels,
                                       size_t k, size_t sample_size, uint64_t seed, double *out,
                                       patron_error *err) {
  patron_status st = check_labels(labels, n, d, k, err);
  if (st != PATRON_OK)
    return st;
  size_t m;
  size_t *rows = sample_rows(n, sample_size, seed, &m);
  sil_ctx s = {.m = m, .d = d, .k = k};
  double *xs = malloc(m * d * sizeof *xs), *score = malloc(m * sizeof *score);
  int32_t *ls = malloc(m * sizeof *ls);
  size_t *start = malloc((2 * k + 1) * sizeof *start);
  if (!rows || !xs || !score || !ls || !start) {
    st = PATRON__OOM(err);
  } else {
    group_sample(x, d, labels, rows, m, k, xs, ls, start);
    s.x = xs, s.labels = ls, s.start = start, s.score = score;
    st = silhouette_on(&s, err);
    double total = 0;
    for (size_t i = 0; st == PATRON_OK && i < m; i++)
      total += score[i];
    if (st == PATRON_OK)
      *out = total / (double)m;
  }
  free(s.scratch);
  free(rows);
  free(xs);
  free(score);
  free(ls);
  free(start);
  return st;
}

void patron_kmeans_scan_options_init(patron_kmeans_scan_options *opt) {
  opt->k_min = 2;
  opt->k_max = 10;
  opt->silhouette_sample = 10000;
  opt->sample_seed = 0;
  opt->scan_n_init = 3;
  patron_kmeans_options_init(&opt->fit);
}

/* Fit one k and fill its row; labels/centers receive the fit. */
static patron_status scan_one(const double *x, size_t n, size_t d,
                              const patron_kmeans_scan_options *opt, size_t k, size_t n_init,
                              patron_kmeans_scan_row *row, int32_t *labels, double *centers,
                              patron_error *err) {
  patron_kmeans_options fo = opt->fit;
  fo.k = k;
  fo.n_init = n_init;
  patron_kmeans_info info;
  patron_status st = patron_kmeans_fit(x, n, d, &fo, NULL, centers, labels, &info, err);
  if (st != PATRON_OK)
    return st;
  *row = (patron_kmeans_scan_row){
      .k = k, .inertia = info.inertia, .n_iter = info.n_iter, .converged = info.converged};
  patron_error sil_err = {0};
  row->silhouette_defined =
      patron_kmeans_silhouette(x, n, d, labels, k, opt->silhouette_sample, opt->sample_seed,
                               &row->silhouette, &sil_err) == PATRON_OK;
  if (sil_err.status == PATRON_ERR_NOMEM)
    return PATRON__OOM(err);
  if (!row->silhouette_defined) /* e.g. the sample caught only one cluster */
    row->silhouette = -1;
  patron_error ch_err = {0};
  row->ch_defined = patron_kmeans_calinski_harabasz(x, n, d, labels, k, &row->calinski_harabasz,
                                                    &ch_err) == PATRON_OK;
  if (ch_err.status == PATRON_ERR_NOMEM)
    return PATRON__OOM(err);
  if (!row->ch_defined)
    row->calinski_harabasz = 0;
  return PATRON_OK;
}

/* Fit every k with scan_n_init restarts, keep the largest silhouette (ties: smaller k),
 * then refit that k with fit.n_init restarts and report the refit in its row. */
static patron_status scan_ks(const double *x, size_t n, size_t d,
                             const patron_kmeans_scan_options *opt, size_t k_top,
                             patron_kmeans_scan_row *rows, size_t *n_rows, size_t *best_k,
                             int32_t *best_labels, double *best_centers, patron_error *err) {
  int32_t *labels = malloc(n * sizeof *labels);
  double *centers = malloc(k_top * d * sizeof *centers);
  patron_status st = labels && centers ? PATRON_OK : PATRON__OOM(err);
  size_t scan_init = opt->scan_n_init ? opt->scan_n_init : opt->fit.n_init;
  double best = -INFINITY;
  for (size_t k = opt->k_min; st == PATRON_OK && k <= k_top; k++) {
    patron_kmeans_scan_row *row = &rows[k - opt->k_min];
    st = scan_one(x, n, d, opt, k, scan_init, row, labels, centers, err);
    if (st != PATRON_OK)
      break;
    *n_rows = k - opt->k_min + 1;
    if (row->silhouette_defined && row->silhouette > best)
      best = row->silhouette, *best_k = k;
  }
  if (st == PATRON_OK && *best_k == 0)
    st = patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "no k in the scan has a defined silhouette");
  if (st == PATRON_OK)
    st = scan_one(x, n, d, opt, *best_k, opt->fit.n_init, &rows[*best_k - opt->k_min], labels,
                  centers, err);
  if (st == PATRON_OK && best_labels)
    memcpy(best_labels, labels, n * sizeof *labels);
  if (st == PATRON_OK && best_centers)
    memcpy(best_centers, centers, *best_k * d * sizeof *centers);
  free(labels);
  free(centers);
  return st;
}

patron_status patron_kmeans_scan(const double *x, size_t n, size_t d,
                                 const patron_kmeans_scan_options *opt,
                                 patron_kmeans_scan_row *rows, size_t *n_rows, size_t *best_k,
                                 int32_t *best_labels, double *best_centers, patron_error *err) {
  *n_rows = 0;
  *best_k = 0;
  if (!opt || opt->k_min < 2 || opt->k_max < opt->k_min || d == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the k scan needs 2 <= k_min <= k_max and at least one feature");
  /* The silhouette needs at most rows - 1 clusters, and k needs k distinct rows. */
  size_t k_top = opt->k_max < n ? opt->k_max : (n > 0 ? n - 1 : 0);
  size_t distinct = k_top ? patron_kmeans_distinct_rows(x, n, d, k_top) : (n > 0);
  if (k_top && distinct == 0)
    return PATRON__OOM(err);
  k_top = distinct < k_top ? distinct : k_top;
  if (k_top >= opt->k_min)
    return scan_ks(x, n, d, opt, k_top, rows, n_rows, best_k, best_labels, best_centers, err);
  if (n > 0 && (distinct = patron_kmeans_distinct_rows(x, n, d, opt->k_min)) == 0)
    return PATRON__OOM(err); /* counted up to k_min: exact below it */
  return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "too few customers to choose k: the scan needs at least %zu "
                           "customers, %zu of them with different features; the data has %zu "
                           "customer%s, %zu different",
                           opt->k_min + 1, opt->k_min, n, n == 1 ? "" : "s", distinct);
}
