/* k-means fitting: Lloyd's algorithm (Lloyd 1982) with Hamerly's bounds (Hamerly 2010,
 * "Making k-means even faster"): a lower bound to the second closest centre per row
 * skips most distance computations, while giving Lloyd's assignments. Stopping, tolerance and
 * empty-cluster handling follow scikit-learn's lloyd so the two can be compared point for point.
 * Centre sums, counts and the inertia are exact integer sums of grid values (kmeans_int.h), so
 * results are the same for any number of threads and for any split of the rows over MPI ranks
 * (patron__km_part: every total goes through the part's sum hook). */
#include "core/core_int.h"
#include "models/kmeans/kmeans_int.h"

#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* Bound tests pass only with this relative margin (and an absolute one that grows with
 * the running total in the bounds), so rounding can never keep a row whose nearest
 * centre changed or tied. */
#define BOUND_SAFETY2 ((1.0 + 1e-9) * (1.0 + 1e-9))
#define BOUND_SLACK   1e-9

typedef struct run_ctx {
  const double *x;
  size_t n, d, k, n_chunks;
  const double *centers; /* k x d: the centres rows are assigned to in this pass */
  int32_t *labels;
  /* lower[i] - moved[label] bounds the distance from row i to every centre but its own,
   * where moved[c] is the running total, over the iterations, of the largest move among
   * the centres other than c (Hamerly's bound update, kept as a total): a row whose
   * bound still holds is only read, never written. */
  double *lower;
  double *moved;         /* k */
  double *slack;         /* k: rounding allowance of the bound test, grows with moved */
  bool fresh;            /* no row has a label yet (the first pass of a run) */
  double *half_sep;      /* k: half the distance to the nearest other centre */
  patron__i128 *acc;     /* per chunk k x (d + 1): centre sums and counts (deltas) */
  size_t *changed;       /* per chunk */
  size_t *n_dist;        /* per chunk */
  patron__i128 *inertia; /* per chunk */
} run_ctx;

typedef struct fit_state {
  run_ctx r;
  patron__km_pool pool;
  const patron__km_part *part;
  double *xq;         /* n x d: the rows on the grid (what every pass reads) */
  patron__i128 *sums; /* k x (d + 1) merged sums and counts, then the pass's deltas */
  patron__i128 *far;  /* the rows picked to re-seed empty clusters, per rank (relocate_empty) */
  double *trial;      /* k x d: the centres of the current restart */
  double tol_abs;
  size_t n_relocated;
} fit_state;

void patron_kmeans_options_init(patron_kmeans_options *opt) {
  opt->k = 8;
  opt->n_init = 10;
  opt->max_iter = 300;
  opt->tol = 1e-4;
  opt->seed = 0;
  opt->n_threads = 0;
}

static size_t chunk_end(const run_ctx *r, size_t c) {
  size_t e = (c + 1) * PATRON__KM_CHUNK;
  return e < r->n ? e : r->n;
}

/* Move row i from cluster `from` to `to` in the chunk's delta sums (grid integers). */
PATRON__KM_INLINE void move_row(patron__i128 *acc, const double *xi, int32_t from, size_t to,
                                size_t d) {
  size_t w = d + 1;
  patron__i128 *b = acc + to * w, *a = from >= 0 ? acc + (size_t)from * w : NULL;
#pragma GCC unroll 8
  for (size_t j = 0; j < d; j++) {
    patron__i128 q = patron__km_grid_int(xi[j]);
    b[j] += q;
    if (a)
      a[j] -= q;
  }
  b[d] += 1;
  if (a)
    a[d] -= 1;
}

/* Nearest and second-nearest centre of xi as squared distances (lowest index on ties).
 * Written without branches: on rows near a boundary the comparisons are coin flips, and
 * mispredicted branches cost more than the arithmetic (SSE2 min/max where available, as
 * compilers turn the portable form back into branches). */
PATRON__KM_INLINE size_t nearest_two(const run_ctx *r, const double *xi, double *d1, double *d2,
                                     size_t d) {
  size_t best = 0;
#if defined(__SSE2__)
  __m128d b1 = _mm_set_sd(INFINITY), b2 = b1;
  for (size_t c = 0; c < r->k; c++) {
    __m128d t = _mm_set_sd(patron__km_dist2(xi, r->centers + c * d, d));
    size_t take = (size_t)0 - (size_t)_mm_comilt_sd(t, b1);
    best = (c & take) | (best & ~take);
    b2 = _mm_min_sd(b2, _mm_max_sd(t, b1));
    b1 = _mm_min_sd(t, b1);
  }
  *d1 = _mm_cvtsd_f64(b1);
  *d2 = _mm_cvtsd_f64(b2);
#else
  double b1 = INFINITY, b2 = INFINITY;
  for (size_t c = 0; c < r->k; c++) {
    double t = patron__km_dist2(xi, r->centers + c * d, d);
    size_t take = (size_t)0 - (size_t)(t < b1);
    double hi = t < b1 ? b1 : t;
    b2 = hi < b2 ? hi : b2;
    best = (c & take) | (best & ~take);
    b1 = t < b1 ? t : b1;
  }
  *d1 = b1;
  *d2 = b2;
#endif
  return best;
}

/* Record row i's nearest centre b (squared distances d1, d2 to the nearest two). Returns
 * true when the row changed cluster (the move goes into the chunk's delta sums). */
PATRON__KM_INLINE bool settle_row(const run_ctx *r, size_t i, patron__i128 *acc, size_t b,
                                  double d2, size_t d) {
  int32_t a = r->labels[i];
  r->lower[i] = sqrt(d2) + r->moved[b];
  if ((int32_t)b == a)
    return false;
  move_row(acc, r->x + i * d, a, b, d);
  r->labels[i] = (int32_t)b;
  return true;
}

#if defined(__SSE2__)
/* nearest_two for two rows at once, one per SSE2 lane: the same operations in the same
 * order as the scalar version, so the results are bit for bit the same. */
PATRON__KM_INLINE void nearest_two_pair(const run_ctx *r, const double *x0, const double *x1,
                                        double d1[2], double d2[2], size_t best[2], size_t d) {
  __m128d b1 = _mm_set1_pd(INFINITY), b2 = b1, bi = _mm_setzero_pd();
  for (size_t c = 0; c < r->k; c++) {
    __m128d e = patron__km_dist2_pair(x0, x1, r->centers + c * d, d);
    __m128d lt = _mm_cmplt_pd(e, b1);
    bi = _mm_or_pd(_mm_and_pd(lt, _mm_set1_pd((double)c)), _mm_andnot_pd(lt, bi));
    b2 = _mm_min_pd(b2, _mm_max_pd(e, b1));
    b1 = _mm_min_pd(e, b1);
  }
  double bd[2];
  _mm_storeu_pd(d1, b1);
  _mm_storeu_pd(d2, b2);
  _mm_storeu_pd(bd, bi);
  best[0] = (size_t)bd[0], best[1] = (size_t)bd[1];
}
#endif

/* The slow path for the rows listed in `pending` (offsets from begin): all k distances.
 * Returns how many rows changed cluster; adds their squared distances to *inertia. */
PATRON__KM_INLINE size_t full_rows(const run_ctx *r, size_t begin, const uint32_t *pending,
                                   size_t n_pending, patron__i128 *acc, size_t d) {
  size_t changed = 0, t = 0;
#if defined(__SSE2__)
  for (; t + 1 < n_pending; t += 2) {
    size_t i0 = begin + pending[t], i1 = begin + pending[t + 1], best[2];
    double d1[2], d2[2];
    nearest_two_pair(r, r->x + i0 * d, r->x + i1 * d, d1, d2, best, d);
    changed += settle_row(r, i0, acc, best[0], d2[0], d);
    changed += settle_row(r, i1, acc, best[1], d2[1], d);
  }
#endif
  for (; t < n_pending; t++) {
    size_t i = begin + pending[t];
    double d1, d2;
    size_t b = nearest_two(r, r->x + i * d, &d1, &d2, d);
    changed += settle_row(r, i, acc, b, d2, d);
  }
  return changed;
}

/* One chunk of a pass with Hamerly's bounds, simplified for small d: the distance to the
 * own centre is always computed (cheap next to a mispredicted branch); the row keeps its
 * label when that distance is below m = max(half the gap from its centre to the nearest
 * other, the lower bound to the other centres), compared squared. The test runs
 * branch-free over the chunk and collects the rows that fail it; only those then compute
 * all k distances. In the first pass of a run (`fresh`) every row is such a row. */
PATRON__KM_INLINE void hamerly_chunk(run_ctx *r, size_t c, size_t d) {
  size_t w = r->k * (d + 1), begin = c * PATRON__KM_CHUNK;
  size_t end = chunk_end(r, c), n_pending = 0, n_dist = 0;
  patron__i128 *acc = r->acc + c * w;
  memset(acc, 0, w * sizeof *acc);
  uint32_t pending[PATRON__KM_CHUNK];
  const double *restrict x = r->x, *restrict cen = r->centers, *restrict half = r->half_sep;
  const double *restrict lower = r->lower, *restrict moved = r->moved;
  const double *restrict slack = r->slack;
  const int32_t *restrict labels = r->labels;
  size_t i = begin;
#if defined(__SSE2__)
  const __m128d zero = _mm_setzero_pd(), safety = _mm_set1_pd(BOUND_SAFETY2);
  for (; i + 1 < end && !r->fresh; i += 2) { /* the same test, two rows per SSE2 lane */
    size_t a0 = (size_t)labels[i], a1 = (size_t)labels[i + 1];
    __m128d l = _mm_sub_pd(_mm_loadu_pd(lower + i), _mm_set_pd(moved[a1], moved[a0]));
    __m128d m =
        _mm_sub_pd(_mm_max_pd(_mm_set_pd(half[a1], half[a0]), l), _mm_set_pd(slack[a1], slack[a0]));
    m = _mm_max_pd(m, zero);
    const double *x0 = x + i * d, *c0 = cen + a0 * d, *c1 = cen + a1 * d;
    __m128d e = _mm_setzero_pd();
#pragma GCC unroll 8
    for (size_t j = 0; j < d; j++) {
      __m128d t = _mm_sub_pd(_mm_set_pd(x0[d + j], x0[j]), _mm_set_pd(c1[j], c0[j]));
      e = _mm_add_pd(e, _mm_mul_pd(t, t));
    }
    int keep = _mm_movemask_pd(_mm_cmplt_pd(_mm_mul_pd(e, safety), _mm_mul_pd(m, m)));
    pending[n_pending] = (uint32_t)(i - begin);
    n_pending += !(keep & 1);
    pending[n_pending] = (uint32_t)(i + 1 - begin);
    n_pending += !(keep & 2);
  }
#endif
  for (; i < end && !r->fresh; i++) {
    size_t a = (size_t)labels[i];
    double l = lower[i] - moved[a], h = half[a];
    double m = (h > l ? h : l) - slack[a];
    m = m > 0 ? m : 0;
    double e2 = patron__km_dist2(x + i * d, cen + a * d, d);
    bool keep = e2 * BOUND_SAFETY2 < m * m;
    pending[n_pending] = (uint32_t)(i - begin);
    n_pending += !keep;
  }
  if (r->fresh)
    for (size_t row = begin; row < end; row++)
      pending[n_pending++] = (uint32_t)(row - begin);
  else
    n_dist = end - begin;
  r->changed[c] = full_rows(r, begin, pending, n_pending, acc, d);
  r->n_dist[c] += n_dist + n_pending * r->k;
}

static void hamerly_pass(void *arg, size_t c, size_t tid) {
  (void)tid;
  run_ctx *r = arg;
#define HAMERLY_CHUNK(dd) hamerly_chunk(r, c, dd)
  PATRON__KM_BY_DIM(r->d, HAMERLY_CHUNK)
#undef HAMERLY_CHUNK
}

PATRON__KM_INLINE patron__i128 inertia_chunk(const run_ctx *r, size_t c, size_t d) {
  patron__i128 s = 0;
  for (size_t i = c * PATRON__KM_CHUNK, end = chunk_end(r, c); i < end; i++)
    s += patron__km_quant_pos(
        patron__km_dist2(r->x + i * d, r->centers + (size_t)r->labels[i] * d, d));
  return s;
}

static void inertia_pass(void *arg, size_t c, size_t tid) {
  (void)tid;
  run_ctx *r = arg;
#define INERTIA_CHUNK(dd) r->inertia[c] = inertia_chunk(r, c, dd)
  PATRON__KM_BY_DIM(r->d, INERTIA_CHUNK)
#undef INERTIA_CHUNK
}

/* Add the chunks' deltas (of every rank) to the sums; returns the rows that moved. */
static size_t merge_chunks(fit_state *f) {
  run_ctx *r = &f->r;
  size_t w = r->k * (r->d + 1);
  patron__i128 *delta = f->sums + w;
  memset(delta, 0, (w + 1) * sizeof *delta);
  for (size_t c = 0; c < r->n_chunks; c++) {
    for (size_t j = 0; j < w; j++)
      delta[j] += r->acc[c * w + j];
    delta[w] += (patron__i128)r->changed[c];
  }
  patron__km_sum(f->part, delta, w + 1);
  for (size_t j = 0; j < w; j++)
    f->sums[j] += delta[j];
  return (size_t)delta[w];
}

/* A candidate row for an empty cluster, as it travels between ranks: */
enum { FAR_VALID, FAR_D2, FAR_GIDX, FAR_LABEL, FAR_ROW, FAR_X }; /* FAR_X: d coordinates */

/* This rank's n_empty rows farthest from their own centre (largest first, ties: lowest
 * row) into its slot of f->far. */
static void local_farthest(fit_state *f, const double *centers, size_t n_empty) {
  run_ctx *r = &f->r;
  size_t d = r->d, e = FAR_X + d, n_far = 0, rank = 0;
  if (patron__km_split(f->part))
    rank = (size_t)f->part->comm->rank;
  patron__i128 *slot = f->far + rank * r->k * e;
  double far_d[n_empty];
  size_t far[n_empty];
  for (size_t i = 0; i < r->n; i++) {
    double t = patron__km_dist2(r->x + i * d, centers + (size_t)r->labels[i] * d, d);
    if (n_far == n_empty && !(t > far_d[n_far - 1]))
      continue;
    size_t p = n_far < n_empty ? n_far++ : n_far - 1;
    for (; p > 0 && far_d[p - 1] < t; p--)
      far[p] = far[p - 1], far_d[p] = far_d[p - 1];
    far[p] = i, far_d[p] = t;
  }
  for (size_t q = 0; q < n_far; q++) {
    patron__i128 *c = slot + q * e;
    uint64_t bits;
    memcpy(&bits, &far_d[q], sizeof bits);
    c[FAR_VALID] = 1, c[FAR_D2] = bits, c[FAR_GIDX] = patron__km_gidx(f->part, far[q]);
    c[FAR_LABEL] = r->labels[far[q]], c[FAR_ROW] = far[q];
    for (size_t j = 0; j < d; j++)
      c[FAR_X + j] = patron__km_grid_int(r->x[far[q] * d + j]);
  }
}

/* The best candidate not yet taken over every rank's slot (largest distance, then lowest
 * global row); marks it taken. */
static patron__i128 *take_farthest(fit_state *f, size_t n_slots) {
  size_t e = FAR_X + f->r.d;
  patron__i128 *best = NULL;
  for (size_t q = 0; q < n_slots; q++) {
    patron__i128 *c = f->far + q * e;
    if (c[FAR_VALID] == 1 && (!best || c[FAR_D2] > best[FAR_D2] ||
                              (c[FAR_D2] == best[FAR_D2] && c[FAR_GIDX] < best[FAR_GIDX])))
      best = c;
  }
  if (best)
    best[FAR_VALID] = 2;
  return best;
}

/* Re-seed each empty cluster at the row farthest from its own centre over all ranks
 * (largest first, ties: lowest row), taking it out of its cluster, as scikit-learn's lloyd
 * does. */
static void relocate_empty(fit_state *f, double *centers) {
  run_ctx *r = &f->r;
  size_t k = r->k, d = r->d, w = d + 1, n_empty = 0, e = FAR_X + d;
  size_t n_ranks = patron__km_split(f->part) ? (size_t)f->part->comm->size : 1;
  for (size_t c = 0; c < k; c++)
    n_empty += f->sums[c * w + d] == 0;
  if (n_empty == 0)
    return;
  memset(f->far, 0, n_ranks * k * e * sizeof *f->far);
  local_farthest(f, centers, n_empty);
  patron__km_sum(f->part, f->far, n_ranks * k * e);
  int rank = patron__km_split(f->part) ? f->part->comm->rank : 0;
  for (size_t c = 0; c < k; c++) {
    if (f->sums[c * w + d] != 0)
      continue;
    patron__i128 *b = take_farthest(f, n_ranks * k);
    if (!b)
      break;
    patron__i128 *from = f->sums + (size_t)b[FAR_LABEL] * w, *to = f->sums + c * w;
    for (size_t j = 0; j < d; j++)
      from[j] -= b[FAR_X + j], to[j] = b[FAR_X + j];
    from[d] -= 1, to[d] = 1;
    if ((size_t)(b - f->far) / (k * e) == (size_t)rank) { /* this rank owns the row */
      size_t i = (size_t)b[FAR_ROW];
      r->labels[i] = (int32_t)c;
      r->lower[i] = -INFINITY; /* its bound was about other centres: start afresh */
    }
    f->n_relocated++;
  }
}

/* Half the distance from each centre to its nearest other centre. */
static void set_gaps(fit_state *f, const double *centers) {
  size_t k = f->r.k, d = f->r.d;
  for (size_t c = 0; c < k; c++) {
    double best = INFINITY;
    for (size_t o = 0; o < k; o++)
      if (o != c) {
        double t = patron__km_dist2(centers + c * d, centers + o * d, d);
        best = t < best ? t : best;
      }
    f->r.half_sep[c] = 0.5 * sqrt(best);
  }
}

/* New centres from the sums (a cluster left empty keeps its centre); returns the summed
 * squared shift, and advances the running move total and the gaps the bounds use. */
static double update_centers(fit_state *f, double *centers) {
  size_t k = f->r.k, d = f->r.d, w = d + 1;
  double shift = 0, max1 = 0, max2 = 0;
  size_t arg1 = 0;
  for (size_t c = 0; c < k; c++) {
    double cnt = (double)f->sums[c * w + d], s2 = 0;
    for (size_t j = 0; j < d && cnt > 0; j++) {
      double v = patron__km_value(f->sums[c * w + j]) / cnt, t = v - centers[c * d + j];
      s2 += t * t;
      centers[c * d + j] = v;
    }
    shift += s2;
    if (s2 > max1)
      max2 = max1, max1 = s2, arg1 = c;
    else if (s2 > max2)
      max2 = s2;
  }
  for (size_t c = 0; c < k; c++) {
    f->r.moved[c] += sqrt(c == arg1 ? max2 : max1);
    f->r.slack[c] = BOUND_SLACK * (1 + f->r.moved[c]);
  }
  set_gaps(f, centers);
  return shift;
}

/* One Lloyd run from the centres in `centers` (updated in place); labels in r.labels. */
static void lloyd_run(fit_state *f, double *centers, size_t max_iter, size_t *n_iter,
                      bool *converged) {
  run_ctx *r = &f->r;
  size_t k = r->k, d = r->d;
  for (size_t i = 0; i < r->n; i++)
    r->labels[i] = -1;
  memset(f->sums, 0, k * (d + 1) * sizeof *f->sums);
  memset(f->r.moved, 0, k * sizeof *f->r.moved);
  for (size_t c = 0; c < k; c++)
    f->r.slack[c] = BOUND_SLACK;
  f->n_relocated = 0;
  bool strict = false, done = false;
  size_t it = 0;
  while (it < max_iter && !done) {
    r->centers = centers;
    r->fresh = it == 0;
    patron__km_pool_run(&f->pool, hamerly_pass, r, r->n_chunks);
    size_t moved = merge_chunks(f);
    it++;
    if (it > 1 && moved == 0) {
      strict = done = true;
      break;
    }
    relocate_empty(f, centers);
    done = update_centers(f, centers) <= f->tol_abs;
  }
  if (!strict) { /* the final assignment to the final centres, as scikit-learn does */
    r->fresh = false;
    patron__km_pool_run(&f->pool, hamerly_pass, r, r->n_chunks);
  }
  *n_iter = it;
  *converged = done;
}

/* Inertia of the rows of every rank about the centres they are assigned to (exact). */
static patron__i128 total_inertia(fit_state *f, const double *centers) {
  f->r.centers = centers;
  patron__km_pool_run(&f->pool, inertia_pass, &f->r, f->r.n_chunks);
  patron__i128 s = 0;
  for (size_t c = 0; c < f->r.n_chunks; c++)
    s += f->r.inertia[c];
  patron__km_sum(f->part, &s, 1);
  return s;
}

static patron_status check_usage(const patron_kmeans_options *opt, size_t d, patron_error *err) {
  if (!opt || opt->k == 0 || opt->n_init == 0 || opt->max_iter == 0 || !(opt->tol >= 0) || d == 0 ||
      opt->k > INT32_MAX)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "k-means needs k >= 1, n_init >= 1, max_iter >= 1, tol >= 0 "
                             "and at least one feature");
  return PATRON_OK;
}

static patron_status check_rows(const fit_state *f, size_t k, patron_error *err) {
  size_t n_all = patron__km_n_global(f->part, f->r.n);
  if (n_all < k)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "k-means with k = %zu needs at least %zu rows; got %zu", k, k, n_all);
  size_t distinct = patron__km_distinct_rows(f->xq, f->r.n, f->r.d, f->part, k);
  if (distinct == 0)
    return PATRON__OOM(err);
  if (distinct < k)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "k-means with k = %zu needs %zu distinct rows; the data has only "
                             "%zu (use k <= %zu)",
                             k, k, distinct, distinct);
  return PATRON_OK;
}

/* Mean of the column variances (population) of every rank's rows, exact sums: the scale
 * of scikit-learn's tolerance. */
static double mean_variance(const fit_state *f) {
  const double *x = f->xq;
  size_t n = f->r.n, d = f->r.d, n_all = patron__km_n_global(f->part, n);
  patron__i128 col[d + 1];
  memset(col, 0, sizeof col);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++)
      col[j] += patron__km_grid_int(x[i * d + j]);
  patron__km_sum(f->part, col, d);
  double m[d];
  for (size_t j = 0; j < d; j++)
    m[j] = patron__km_value(col[j]) / (double)n_all;
  patron__i128 q = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++)
      q += patron__km_quant_pos((x[i * d + j] - m[j]) * (x[i * d + j] - m[j]));
  patron__km_sum(f->part, &q, 1);
  return patron__km_value(q) / (double)n_all / (double)d;
}

static void state_free(fit_state *f) {
  free(f->r.labels);
  free(f->r.lower);
  free(f->r.half_sep);
  free(f->r.moved);
  free(f->r.acc);
  free(f->r.changed);
  free(f->r.n_dist);
  free(f->r.inertia);
  free(f->xq);
  free(f->sums);
  free(f->far);
  free(f->trial);
}

static bool state_alloc(fit_state *f, size_t n, size_t d, const patron__km_part *part, size_t k) {
  size_t nc = patron__km_n_chunks(n), w = k * (d + 1);
  size_t n_ranks = patron__km_split(part) ? (size_t)part->comm->size : 1;
  memset(f, 0, sizeof *f);
  f->part = part;
  f->xq = malloc((n ? n : 1) * d * sizeof *f->xq);
  f->r = (run_ctx){.x = f->xq, .n = n, .d = d, .k = k, .n_chunks = nc};
  f->r.labels = malloc((n ? n : 1) * sizeof *f->r.labels);
  f->r.lower = malloc((n ? n : 1) * sizeof *f->r.lower);
  f->r.half_sep = malloc(k * sizeof *f->r.half_sep);
  f->r.moved = malloc(2 * k * sizeof *f->r.moved);
  if (f->r.moved)
    f->r.slack = f->r.moved + k;
  f->r.acc = malloc((nc ? nc : 1) * w * sizeof *f->r.acc);
  f->r.changed = calloc(nc ? nc : 1, sizeof *f->r.changed);
  f->r.n_dist = calloc(nc ? nc : 1, sizeof *f->r.n_dist);
  f->r.inertia = calloc(nc ? nc : 1, sizeof *f->r.inertia);
  f->sums = malloc((2 * w + 1) * sizeof *f->sums);
  f->far = malloc(n_ranks * k * (FAR_X + d) * sizeof *f->far);
  f->trial = malloc(k * d * sizeof *f->trial);
  return f->xq && f->r.labels && f->r.lower && f->r.half_sep && f->r.moved && f->r.acc &&
         f->r.changed && f->r.n_dist && f->r.inertia && f->sums && f->far && f->trial;
}

/* Run n_init restarts (or one from init) and keep the lowest inertia (first on ties).
 * Returns false when the seeding ran out of memory on some rank. */
static bool fit_runs(fit_state *f, const patron_kmeans_options *opt, const double *init,
                     double *centers, int32_t *labels, patron_kmeans_info *info, gsl_rng *rng) {
  size_t n = f->r.n, d = f->r.d, k = f->r.k, n_dist_seed = 0;
  size_t runs = init ? 1 : opt->n_init;
  double *trial = f->trial;
  size_t bytes = k * d * sizeof *trial;
  patron__i128 best = 0;
  for (size_t run = 0; run < runs; run++) {
    if (init)
      memcpy(trial, init, bytes);
    /* `lower` doubles as the seeding scratch: the first Lloyd pass overwrites it */
    else if (!patron__km_plusplus(&f->pool, f->xq, n, d, f->part, k, rng, f->r.lower, trial,
                                  &n_dist_seed))
      return false;
    size_t n_iter;
    bool converged;
    lloyd_run(f, trial, opt->max_iter, &n_iter, &converged);
    patron__i128 inertia = total_inertia(f, trial);
    if (run == 0 || inertia < best) {
      best = inertia;
      *info = (patron_kmeans_info){.inertia = patron__km_value(inertia),
                                   .n_iter = n_iter,
                                   .converged = converged,
                                   .best_init = run,
                                   .n_relocated = f->n_relocated};
      memcpy(centers, trial, bytes);
      memcpy(labels, f->r.labels, n * sizeof *labels);
    }
  }
  info->n_distance = n_dist_seed;
  for (size_t c = 0; c < f->r.n_chunks; c++)
    info->n_distance += f->r.n_dist[c];
  return true;
}

/* Allocate (agreed over the ranks), put the rows on the grid, check them, fit. */
static patron_status fit_with(fit_state *f, const double *x, size_t n, size_t d,
                              const patron_kmeans_options *opt, const double *init, double *centers,
                              int32_t *labels, patron_kmeans_info *info, gsl_rng *rng,
                              patron_error *err) {
  for (size_t i = 0; i < n * d; i++)
    f->xq[i] = patron__km_on_grid(x[i]);
  patron_status st = check_rows(f, opt->k, err);
  if (st != PATRON_OK)
    return st;
  gsl_rng_set(rng, (unsigned long)opt->seed);
  f->tol_abs = opt->tol * mean_variance(f);
  patron__km_pool_start(&f->pool, opt->n_threads);
  bool ok = fit_runs(f, opt, init, centers, labels, info, rng);
  patron__km_pool_stop(&f->pool);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

patron_status patron__km_fit(const double *x, size_t n, size_t d, const patron__km_part *part,
                             const patron_kmeans_options *opt, const double *init, double *centers,
                             int32_t *labels, patron_kmeans_info *info, patron_error *err) {
  patron_status st = check_usage(opt, d, err);
  if (st == PATRON_OK)
    st = patron__km_check_values(x, n, d, part, 24, err); /* the sums: room for 2^36 rows */
  if (st != PATRON_OK)
    return st;
  fit_state f;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  bool ok = patron__km_all_ok(part, state_alloc(&f, n, d, part, opt->k) && rng);
  patron_kmeans_info local;
  st = ok ? fit_with(&f, x, n, d, opt, init, centers, labels, info ? info : &local, rng, err)
          : PATRON__OOM(err);
  state_free(&f);
  gsl_rng_free(rng);
  return st;
}

patron_status patron_kmeans_fit(const double *x, size_t n, size_t d,
                                const patron_kmeans_options *opt, const double *init,
                                double *centers, int32_t *labels, patron_kmeans_info *info,
                                patron_error *err) {
  return patron__km_fit(x, n, d, NULL, opt, init, centers, labels, info, err);
}
