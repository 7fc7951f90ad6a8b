/* Internals shared by the k-means files: a tiny fixed-size worker pool that runs one job
 * over fixed chunks of rows, and the distance helpers. Rows are cut into chunks of
 * PATRON__KM_CHUNK whatever the thread count, and every partial result lives in its
 * chunk's slot and is merged in chunk order, so results do not depend on the threads. */
#ifndef PATRON_KMEANS_INT_H
#define PATRON_KMEANS_INT_H

#include "patron/kmeans.h"

#include <gsl/gsl_rng.h>
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

/* k-means++ seeding (kmeans_init.c): writes k x d centres chosen among the rows of x.
 * closest is n doubles of scratch, chunk_sum n_chunks * (1 + PATRON__KM_MAX_TRIALS). Adds the
 * point-centre distances it computes to *n_distance. */
size_t patron__km_plusplus_trials(size_t k);
void patron__km_plusplus(patron__km_pool *pool, const double *x, size_t n, size_t d, size_t k,
                         gsl_rng *rng, double *closest, double *chunk_sum, double *centers,
                         size_t *n_distance);

#endif
