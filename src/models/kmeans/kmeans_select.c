/* Cluster quality and the choice of k: inertia, the Calinski-Harabasz index (Calinski &
 * Harabasz 1974) and the mean silhouette width (Rousseeuw 1987, on a seeded sample for
 * large n as scikit-learn's silhouette_score(sample_size=...)), and the scan over k that
 * fits each k and picks the largest silhouette. Definitions match scikit-learn's metrics.
 * Sums over rows are exact grid sums (kmeans_int.h) and the silhouette sample is drawn by
 * global row, so every figure is the same for any split of the rows over ranks. */
#include "core/core_int.h"
#include "models/kmeans/kmeans_int.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

static patron_status check_labels(const int32_t *labels, size_t n, size_t n_all, size_t d, size_t k,
                                  patron_error *err) {
  if (n_all == 0 || d == 0 || k == 0)
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
  patron_status st = check_labels(labels, n, n, d, k, err);
  if (st != PATRON_OK)
    return st;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += patron__km_dist2(x + i * d, centers + (size_t)labels[i] * d, d);
  *out = s;
  return PATRON_OK;
}

/* Per-label means (k x d) and counts over every rank (exact sums); returns the number of
 * labels in use. */
static size_t label_means(const double *x, size_t n, size_t d, const patron__km_part *part,
                          const int32_t *labels, size_t k, patron__i128 *sums, double *means,
                          size_t *counts) {
  size_t w = d + 1;
  memset(sums, 0, k * w * sizeof *sums);
  for (size_t i = 0; i < n; i++) {
    patron__i128 *a = sums + (size_t)labels[i] * w;
    a[d] += 1;
    for (size_t j = 0; j < d; j++)
      a[j] += patron__km_quant(x[i * d + j]);
  }
  patron__km_sum(part, sums, k * w);
  size_t used = 0;
  for (size_t c = 0; c < k; c++) {
    counts[c] = (size_t)sums[c * w + d];
    used += counts[c] > 0;
    for (size_t j = 0; j < d; j++)
      means[c * d + j] = counts[c] ? patron__km_value(sums[c * w + j]) / (double)counts[c] : 0;
  }
  return used;
}

static patron_status ch_index(const double *x, size_t n, size_t d, const patron__km_part *part,
                              const int32_t *labels, size_t k, patron__i128 *sums, double *means,
                              size_t *counts, double *out, patron_error *err) {
  size_t used = label_means(x, n, d, part, labels, k, sums, means, counts);
  size_t n_all = patron__km_n_global(part, n);
  if (used < 2 || n_all <= used)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "Calinski-Harabasz needs 2 <= clusters < rows; got %zu "
                             "clusters for %zu rows",
                             used, n_all);
  double grand[d], between = 0;
  memset(grand, 0, sizeof grand);
  for (size_t c = 0; c < k; c++)
    for (size_t j = 0; j < d; j++)
      grand[j] += means[c * d + j] * (double)counts[c] / (double)n_all;
  patron__i128 within = 0;
  for (size_t i = 0; i < n; i++)
    within += patron__km_quant_pos(patron__km_dist2(x + i * d, means + (size_t)labels[i] * d, d));
  patron__km_sum(part, &within, 1);
  for (size_t c = 0; c < k; c++)
    between += (double)counts[c] * patron__km_dist2(means + c * d, grand, d);
  if (!(within > 0))
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "Calinski-Harabasz is undefined: every row sits on its centre");
  double wv = patron__km_value(within);
  *out = (between / (double)(used - 1)) / (wv / (double)(n_all - used));
  return PATRON_OK;
}

patron_status patron__km_calinski_harabasz(const double *x, size_t n, size_t d,
                                           const patron__km_part *part, const int32_t *labels,
                                           size_t k, double *out, patron_error *err) {
  patron_status st = check_labels(labels, n, patron__km_n_global(part, n), d, k, err);
  if (!patron__km_all_ok(part, st == PATRON_OK))
    return st != PATRON_OK ? st
                           : patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                                               "a label on another rank is out of range");
  double *means = malloc(k * d * sizeof *means);
  size_t *counts = malloc(k * sizeof *counts);
  patron__i128 *sums = malloc(k * (d + 1) * sizeof *sums);
  st = patron__km_all_ok(part, means && counts && sums)
           ? ch_index(x, n, d, part, labels, k, sums, means, counts, out, err)
           : PATRON__OOM(err);
  free(means);
  free(counts);
  free(sums);
  return st;
}

patron_status patron_kmeans_calinski_harabasz(const double *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k, double *out,
                                              patron_error *err) {
  return patron__km_calinski_harabasz(x, n, d, NULL, labels, k, out, err);
}

typedef struct sil_ctx {
  const double *x;       /* m x d sample, grouped by label */
  const int32_t *labels; /* m */
  const size_t *start;   /* k + 1: label c holds rows start[c] .. start[c + 1] - 1 */
  size_t m, d, k;
  double *score;        /* m */
  double *scratch;      /* per thread: k sums */
  size_t stride, owned; /* this rank scores the units u with u % stride == owned */
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
  bool mine = unit % s->stride == s->owned;
  for (size_t i = unit * SIL_STEP; i < (unit + 1) * SIL_STEP && i < s->m; i++) {
#define SIL_ONE(dd) s->score[i] = mine ? sil_one(s, i, sum, dd) : 0
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

/* The sampled rows (global positions rows[0..m), increasing) of every rank with their
 * labels: each rank fills the rows it holds as grid integers, the ranks add them. */
static void collect_sample(const double *x, size_t n, size_t d, const patron__km_part *part,
                           const int32_t *labels, const size_t *rows, size_t m, patron__i128 *buf,
                           double *xs, int32_t *ls) {
  size_t e = d + 1;
  memset(buf, 0, m * e * sizeof *buf);
  for (size_t i = 0, t = 0; i < n && t < m; i++) {
    uint64_t g = patron__km_gidx(part, i);
    while (t < m && rows[t] < g)
      t++;
    if (t == m || rows[t] != g)
      continue;
    for (size_t j = 0; j < d; j++)
      buf[t * e + j] = patron__km_quant(x[i * d + j]);
    buf[t * e + d] = labels[i];
  }
  patron__km_sum(part, buf, m * e);
  for (size_t t = 0; t < m; t++) {
    for (size_t j = 0; j < d; j++)
      xs[t * d + j] = patron__km_value(buf[t * e + j]);
    ls[t] = (int32_t)buf[t * e + d];
  }
}

/* Every rank's scores on every rank: a rank scored its own units and left 0 elsewhere, so
 * adding the scores' bit patterns gives each score's bits exactly. */
static void share_scores(const patron__km_part *part, double *score, size_t m, patron__i128 *buf) {
  if (!patron__km_split(part))
    return;
  for (size_t i = 0; i < m; i++) {
    uint64_t bits;
    memcpy(&bits, &score[i], sizeof bits);
    buf[i] = bits;
  }
  patron__km_sum(part, buf, m);
  for (size_t i = 0; i < m; i++) {
    uint64_t bits = (uint64_t)buf[i];
    memcpy(&score[i], &bits, sizeof bits);
  }
}

/* Copy the sample grouped by label (counting sort, stable). */
static void group_sample(const double *x, size_t d, const int32_t *labels, size_t m, size_t k,
                         double *xs, int32_t *ls, size_t *start) {
  memset(start, 0, (k + 1) * sizeof *start);
  for (size_t i = 0; i < m; i++)
    start[labels[i] + 1]++;
  for (size_t c = 0; c < k; c++)
    start[c + 1] += start[c];
  size_t *next = start + k + 1; /* k more entries of scratch */
  memcpy(next, start, k * sizeof *next);
  for (size_t i = 0; i < m; i++) {
    size_t c = (size_t)labels[i], at = next[c]++;
    memcpy(xs + at * d, x + i * d, d * sizeof *xs);
    ls[at] = (int32_t)c;
  }
}

typedef struct sil_buffers {
  size_t *rows;
  patron__i128 *buf;
  double *xr, *xs, *score;
  int32_t *lr, *ls;
  size_t *start;
} sil_buffers;

static void sil_free(sil_buffers *b) {
  free(b->rows), free(b->buf), free(b->xr), free(b->xs), free(b->score);
  free(b->lr), free(b->ls), free(b->start);
}

patron_status patron__km_silhouette(const double *x, size_t n, size_t d,
                                    const patron__km_part *part, const int32_t *labels, size_t k,
                                    size_t sample_size, uint64_t seed, double *out,
                                    patron_error *err) {
  size_t n_all = patron__km_n_global(part, n);
  patron_status st = check_labels(labels, n, n_all, d, k, err);
  if (!patron__km_all_ok(part, st == PATRON_OK))
    return st != PATRON_OK ? st
                           : patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                                               "a label on another rank is out of range");
  size_t m;
  sil_buffers b = {.rows = sample_rows(n_all, sample_size, seed, &m)};
  b.buf = malloc(m * (d + 1) * sizeof *b.buf);
  b.xr = malloc(m * d * sizeof *b.xr), b.xs = malloc(m * d * sizeof *b.xs);
  b.score = malloc(m * sizeof *b.score);
  b.lr = malloc(m * sizeof *b.lr), b.ls = malloc(m * sizeof *b.ls);
  b.start = malloc((2 * k + 1) * sizeof *b.start);
  sil_ctx s = {.m = m, .d = d, .k = k, .stride = 1};
  if (patron__km_split(part))
    s.stride = (size_t)part->comm->size, s.owned = (size_t)part->comm->rank;
  if (!patron__km_all_ok(part,
                         b.rows && b.buf && b.xr && b.xs && b.score && b.lr && b.ls && b.start)) {
    st = PATRON__OOM(err);
  } else {
    collect_sample(x, n, d, part, labels, b.rows, m, b.buf, b.xr, b.lr);
    group_sample(b.xr, d, b.lr, m, k, b.xs, b.ls, b.start);
    s.x = b.xs, s.labels = b.ls, s.start = b.start, s.score = b.score;
    st = silhouette_on(&s, err); /* a domain error is the same on every rank */
    if (st != PATRON_ERR_DOMAIN && !patron__km_all_ok(part, st == PATRON_OK) && st == PATRON_OK)
      st = patron__error_set(err, PATRON_ERR_NOMEM, NULL, 0, 0, "silhouette: another rank failed");
    if (st == PATRON_OK)
      share_scores(part, b.score, m, b.buf);
    double total = 0;
    for (size_t i = 0; st == PATRON_OK && i < m; i++)
      total += b.score[i];
    if (st == PATRON_OK)
      *out = total / (double)m;
  }
  free(s.scratch);
  sil_free(&b);
  return st;
}

patron_status patron_kmeans_silhouette(const double *x, size_t n, size_t d, const int32_t *labels,
                                       size_t k, size_t sample_size, uint64_t seed, double *out,
                                       patron_error *err) {
  return patron__km_silhouette(x, n, d, NULL, labels, k, sample_size, seed, out, err);
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
static patron_status scan_one(const double *x, size_t n, size_t d, const patron__km_part *part,
                              const patron_kmeans_scan_options *opt, size_t k, size_t n_init,
                              patron_kmeans_scan_row *row, int32_t *labels, double *centers,
                              patron_error *err) {
  patron_kmeans_options fo = opt->fit;
  fo.k = k;
  fo.n_init = n_init;
  patron_kmeans_info info;
  patron_status st = patron__km_fit(x, n, d, part, &fo, NULL, centers, labels, &info, err);
  if (st != PATRON_OK)
    return st;
  *row = (patron_kmeans_scan_row){
      .k = k, .inertia = info.inertia, .n_iter = info.n_iter, .converged = info.converged};
  patron_error sil_err = {0};
  row->silhouette_defined =
      patron__km_silhouette(x, n, d, part, labels, k, opt->silhouette_sample, opt->sample_seed,
                            &row->silhouette, &sil_err) == PATRON_OK;
  if (sil_err.status == PATRON_ERR_NOMEM)
    return PATRON__OOM(err);
  if (!row->silhouette_defined) /* e.g. the sample caught only one cluster */
    row->silhouette = -1;
  patron_error ch_err = {0};
  row->ch_defined = patron__km_calinski_harabasz(x, n, d, part, labels, k, &row->calinski_harabasz,
                                                 &ch_err) == PATRON_OK;
  if (ch_err.status == PATRON_ERR_NOMEM)
    return PATRON__OOM(err);
  if (!row->ch_defined)
    row->calinski_harabasz = 0;
  return PATRON_OK;
}

/* Fit every k with scan_n_init restarts, keep the largest silhouette (ties: smaller k),
 * then refit that k with fit.n_init restarts and report the refit in its row. */
static patron_status scan_ks(const double *x, size_t n, size_t d, const patron__km_part *part,
                             const patron_kmeans_scan_options *opt, size_t k_top,
                             patron_kmeans_scan_row *rows, size_t *n_rows, size_t *best_k,
                             int32_t *best_labels, double *best_centers, patron_error *err) {
  int32_t *labels = malloc((n ? n : 1) * sizeof *labels);
  double *centers = malloc(k_top * d * sizeof *centers);
  patron_status st = patron__km_all_ok(part, labels && centers) ? PATRON_OK : PATRON__OOM(err);
  size_t scan_init = opt->scan_n_init ? opt->scan_n_init : opt->fit.n_init;
  double best = -INFINITY;
  for (size_t k = opt->k_min; st == PATRON_OK && k <= k_top; k++) {
    patron_kmeans_scan_row *row = &rows[k - opt->k_min];
    st = scan_one(x, n, d, part, opt, k, scan_init, row, labels, centers, err);
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
    st = scan_one(x, n, d, part, opt, *best_k, opt->fit.n_init, &rows[*best_k - opt->k_min], labels,
                  centers, err);
  if (st == PATRON_OK && best_labels)
    memcpy(best_labels, labels, n * sizeof *labels);
  if (st == PATRON_OK && best_centers)
    memcpy(best_centers, centers, *best_k * d * sizeof *centers);
  free(labels);
  free(centers);
  return st;
}

patron_status patron__km_scan(const double *x, size_t n, size_t d, const patron__km_part *part,
                              const patron_kmeans_scan_options *opt, patron_kmeans_scan_row *rows,
                              size_t *n_rows, size_t *best_k, int32_t *best_labels,
                              double *best_centers, patron_error *err) {
  *n_rows = 0;
  *best_k = 0;
  if (!opt || opt->k_min < 2 || opt->k_max < opt->k_min || d == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the k scan needs 2 <= k_min <= k_max and at least one feature");
  /* The silhouette needs at most rows - 1 clusters, and k needs k distinct rows. */
  size_t n_all = patron__km_n_global(part, n);
  size_t k_top = opt->k_max < n_all ? opt->k_max : (n_all > 0 ? n_all - 1 : 0);
  size_t distinct = k_top ? patron__km_distinct_rows(x, n, d, part, k_top) : (n_all > 0);
  if (k_top && distinct == 0)
    return PATRON__OOM(err);
  k_top = distinct < k_top ? distinct : k_top;
  if (k_top >= opt->k_min)
    return scan_ks(x, n, d, part, opt, k_top, rows, n_rows, best_k, best_labels, best_centers, err);
  if (n_all > 0 && (distinct = patron__km_distinct_rows(x, n, d, part, opt->k_min)) == 0)
    return PATRON__OOM(err); /* counted up to k_min: exact below it */
  return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "too few customers to choose k: the scan needs at least %zu "
                           "customers, %zu of them with different features; the data has %zu "
                           "customer%s, %zu different",
                           opt->k_min + 1, opt->k_min, n_all, n_all == 1 ? "" : "s", distinct);
}

patron_status patron_kmeans_scan(const double *x, size_t n, size_t d,
                                 const patron_kmeans_scan_options *opt,
                                 patron_kmeans_scan_row *rows, size_t *n_rows, size_t *best_k,
                                 int32_t *best_labels, double *best_centers, patron_error *err) {
  return patron__km_scan(x, n, d, NULL, opt, rows, n_rows, best_k, best_labels, best_centers, err);
}
