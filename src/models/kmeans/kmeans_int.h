/* Internals shared by the k-means files: a tiny fixed-size worker pool that runs one job
 * over fixed chunks of rows, the distance helpers, and the exact sums (docs/KMEANS.md,
 * "Exact sums"): values quantized to a 2^-40 grid and added as integers in __int128, so a
 * total is the same bits for any split of the rows and any order (threads, MPI ranks).
 * Rows may be one rank's part of a larger set (patron__km_part): every total then goes
 * through the part's sum hook, which adds the ranks' integers. */
#ifndef PATRON_KMEANS_INT_H
#define PATRON_KMEANS_INT_H

#include "patron/kmeans.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATRON__KM_CHUNK       8192
#define PATRON__KM_MAX_THREADS 64
#define PATRON__KM_MAX_TRIALS  8 /* k-means++ candidates per centre: 2 + ln k, capped */

/* ---- Exact sums ------------------------------------------------------------------------ */

typedef __int128 patron__i128;
#define PATRON__KM_GRID 0x1p40 /* quantization step 2^-40 */

/* v * 2^40 rounded to the nearest integer (ties to even): exact for |v| < 2^86. */
static inline patron__i128 patron__km_quant(double v) {
  double s = nearbyint(v * PATRON__KM_GRID);
  return fabs(s) < 0x1p62 ? (patron__i128)(int64_t)s : (patron__i128)s;
}
/* v on the grid: quant(v) * 2^-40 as a double (exact: the product needs no rounding). */
static inline double patron__km_on_grid(double v) {
  return nearbyint(v * PATRON__KM_GRID) / PATRON__KM_GRID;
}
/* The integer of a value already on the grid (exact; fast below 2^22). */
static inline patron__i128 patron__km_grid_int(double x) {
  return fabs(x) < 0x1p22 ? (patron__i128)(int64_t)(x * PATRON__KM_GRID) : patron__km_quant(x);
}
/* A non-negative value (a squared distance) rounded to the grid, half up (fast below 2^22). */
static inline patron__i128 patron__km_quant_pos(double v) {
  return v < 0x1p22 ? (patron__i128)(int64_t)(v * PATRON__KM_GRID + 0.5) : patron__km_quant(v);
}
/* A grid total back to a double (one rounding). */
static inline double patron__km_value(patron__i128 q) { return (double)q / PATRON__KM_GRID; }

/* How the ranks of a distributed run combine integers: sum adds v[0..n) over the ranks in
 * place (every rank receives the totals), all_ok is true on every rank when ok is true on
 * every rank. Collective: every rank makes the same calls in the same order. */
typedef struct patron__km_comm {
  void *ctx;
  int rank, size;
  void (*sum)(void *ctx, patron__i128 *v, size_t n);
  bool (*all_ok)(void *ctx, bool ok);
} patron__km_comm;

/* The rows a call sees as one rank's part of all rows: gidx[i] is local row i's position
 * among all rows (increasing), n_global their number. NULL (or comm NULL) everywhere means
 * one process holding every row. */
typedef struct patron__km_part {
  const patron__km_comm *comm;
  const uint64_t *gidx;
  size_t n_global;
} patron__km_part;

static inline bool patron__km_split(const patron__km_part *p) { return p && p->comm; }
static inline uint64_t patron__km_gidx(const patron__km_part *p, size_t i) {
  return patron__km_split(p) ? p->gidx[i] : i;
}
static inline size_t patron__km_n_global(const patron__km_part *p, size_t n) {
  return patron__km_split(p) ? p->n_global : n;
}
static inline void patron__km_sum(const patron__km_part *p, patron__i128 *v, size_t n) {
  if (patron__km_split(p))
    p->comm->sum(p->comm->ctx, v, n);
}
static inline bool patron__km_all_ok(const patron__km_part *p, bool ok) {
  return patron__km_split(p) ? p->comm->all_ok(p->comm->ctx, ok) : ok;
}
/* PATRON_OK when every value of x (n rows of d) is finite and below 2^bits in magnitude on
 * every rank (the exact sums' room); else PATRON_ERR_INPUT naming the first bad one. */
patron_status patron__km_check_values(const double *x, size_t n, size_t d,
                                      const patron__km_part *part, int bits, patron_error *err);

/* A job is split into units (chunks of rows); the pool calls job(ctx, unit, tid) once per
 * unit, on whichever thread claims it first (tid 0 is the caller). A thread that is slowed
 * down (a busy machine) simply runs fewer units, and the caller never waits for a worker
 * that has not started: it waits only for units in flight. Each unit writes its own slot,
 * so who ran it does not change the result. */
typedef void (*patron__km_job)(void *ctx, size_t unit, size_t tid);

typedef struct patron__km_pool patron__km_pool;
typedef struct patron__km_worker {
  patron__km_pool *pool;
  size_t tid;
  pthread_t thread;
} patron__km_worker;

struct patron__km_pool {
  size_t n_threads; /* the caller plus the workers actually started */
  patron__km_worker workers[PATRON__KM_MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t wake;
  uint32_t generation; /* of the current run, under mu */
  patron__km_job job;
  void *ctx;
  size_t n_units;
  bool quit;
  /* (generation << 32) | next unit: a claim from a stale run fails its compare */
  _Atomic uint64_t ticket;
  atomic_size_t finished; /* units completed in the current run */
};

/* Start want - 1 workers (want <= 0: one per online CPU); the caller is thread 0. When a
 * thread cannot be created the pool runs with those it has (results are the same). */
void patron__km_pool_start(patron__km_pool *pool, int want);
/* Run job on units 0 .. n_units - 1 and return when all have finished. */
void patron__km_pool_run(patron__km_pool *pool, patron__km_job job, void *ctx, size_t n_units);
void patron__km_pool_stop(patron__km_pool *pool);

/* Hot loops are written once as always-inline bodies taking d, and instantiated for the
 * small d that customer features have (so the compiler unrolls the distance loops) and
 * for any d. BODY(dd) is an expression or statement using dd as the dimension. */
#define PATRON__KM_INLINE static inline __attribute__((always_inline))
#define PATRON__KM_BY_DIM(d, BODY)                                                                 \
  switch (d) {                                                                                     \
  case 1: BODY(1); break;                                                                          \
  case 2: BODY(2); break;                                                                          \
  case 3: BODY(3); break;                                                                          \
  case 4: BODY(4); break;                                                                          \
  case 5: BODY(5); break;                                                                          \
  default: BODY(d); break;                                                                         \
  }

static inline size_t patron__km_n_chunks(size_t n) {
  return (n + PATRON__KM_CHUNK - 1) / PATRON__KM_CHUNK;
}

PATRON__KM_INLINE double patron__km_dist2(const double *a, const double *b, size_t d) {
  double s = 0;
#pragma GCC unroll 8
  for (size_t j = 0; j < d; j++) {
    double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

#if defined(__SSE2__)
/* Squared distances from rows a0 and a1 to b, one per SSE2 lane: the same operations in
 * the same order as patron__km_dist2, so each lane is bit for bit the scalar result. */
PATRON__KM_INLINE __m128d patron__km_dist2_pair(const double *a0, const double *a1, const double *b,
                                                size_t d) {
  __m128d e = _mm_setzero_pd();
#pragma GCC unroll 8
  for (size_t j = 0; j < d; j++) {
    __m128d t = _mm_sub_pd(_mm_set_pd(a1[j], a0[j]), _mm_set1_pd(b[j]));
    e = _mm_add_pd(e, _mm_mul_pd(t, t));
  }
  return e;
}
#endif

/* Index of the nearest centre (lowest index on ties) and its squared distance. */
static inline size_t patron__km_nearest(const double *x, const double *centers, size_t k, size_t d,
                                        double *best_d2) {
  size_t best = 0;
  double bd = patron__km_dist2(x, centers, d);
  for (size_t c = 1; c < k; c++) {
    double t = patron__km_dist2(x, centers + c * d, d);
    if (t < bd) {
      bd = t;
      best = c;
    }
  }
  *best_d2 = bd;
  return best;
}

/* k-means++ seeding (kmeans_init.c): writes k x d centres chosen among the rows of all
 * parts (x: this part's n rows, on the grid). closest is n doubles of scratch. Adds the
 * point-centre distances it computes to *n_distance. Collective over the part's ranks.
 * Returns false when memory ran out on some rank. */
size_t patron__km_plusplus_trials(size_t k);
bool patron__km_plusplus(patron__km_pool *pool, const double *x, size_t n, size_t d,
                         const patron__km_part *part, size_t k, gsl_rng *rng, double *closest,
                         double *centers, size_t *n_distance);

/* The global row at position g of all parts, on every rank (the owner supplies it).
 * Collective. */
void patron__km_fetch_rows(const double *x, size_t n, size_t d, const patron__km_part *part,
                           const uint64_t *g, size_t n_g, patron__i128 *scratch, double *out);

/* The distributed forms of the public functions: the same contracts, over all parts'
 * rows (x holds this part's n rows); collective, every rank gets the same result. */
patron_status patron__km_standardize(double *x, size_t n, size_t d, const patron__km_part *part,
                                     double *mean, double *sd, bool *zero_var, patron_error *err);
patron_status patron__km_fit(const double *x, size_t n, size_t d, const patron__km_part *part,
                             const patron_kmeans_options *opt, const double *init, double *centers,
                             int32_t *labels, patron_kmeans_info *info, patron_error *err);
/* 0 when memory ran out on some rank (with rows). */
size_t patron__km_distinct_rows(const double *x, size_t n, size_t d, const patron__km_part *part,
                                size_t limit);
patron_status patron__km_silhouette(const double *x, size_t n, size_t d,
                                    const patron__km_part *part, const int32_t *labels, size_t k,
                                    size_t sample_size, uint64_t seed, double *out,
                                    patron_error *err);
patron_status patron__km_calinski_harabasz(const double *x, size_t n, size_t d,
                                           const patron__km_part *part, const int32_t *labels,
                                           size_t k, double *out, patron_error *err);
patron_status patron__km_scan(const double *x, size_t n, size_t d, const patron__km_part *part,
                              const patron_kmeans_scan_options *opt, patron_kmeans_scan_row *rows,
                              size_t *n_rows, size_t *best_k, int32_t *best_labels,
                              double *best_centers, patron_error *err);

#endif
