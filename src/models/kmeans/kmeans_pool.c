/* A fixed worker pool for the k-means passes. A run hands out units through one atomic
 * ticket tagged with the run's generation: workers woken by a condition variable claim
 * units until none is left, and the caller claims units too, then waits only for the
 * units in flight. A worker that wakes late finds nothing to claim and goes back to
 * sleep; on a busy machine the caller does the work itself instead of waiting. */
#include "models/kmeans/kmeans_int.h"

#include "core/core_int.h"

#include <sched.h>

/* Claim and run units of run `gen` until there are none left. */
static void work(patron__km_pool *pool, uint32_t gen, patron__km_job job, void *ctx, size_t n_units,
                 size_t tid) {
  uint64_t t = atomic_load_explicit(&pool->ticket, memory_order_acquire);
  for (;;) {
    if ((uint32_t)(t >> 32) != gen || (t & 0xffffffffu) >= n_units)
      return;
    if (!atomic_compare_exchange_weak_explicit(&pool->ticket, &t, t + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    job(ctx, (size_t)(t & 0xffffffffu), tid);
    atomic_fetch_add_explicit(&pool->finished, 1, memory_order_release);
    t = atomic_load_explicit(&pool->ticket, memory_order_acquire);
  }
}

static void *worker_main(void *arg) {
  patron__km_worker *w = arg;
  patron__km_pool *pool = w->pool;
  uint32_t seen = 0;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (pool->generation == seen && !pool->quit)
      pthread_cond_wait(&pool->wake, &pool->mu);
    if (pool->quit)
      break;
    seen = pool->generation;
    patron__km_job job = pool->job;
    void *ctx = pool->ctx;
    size_t n_units = pool->n_units;
    pthread_mutex_unlock(&pool->mu);
    work(pool, seen, job, ctx, n_units, w->tid);
    pthread_mutex_lock(&pool->mu);
  }
  pthread_mutex_unlock(&pool->mu);
  return NULL;
}

void patron__km_pool_start(patron__km_pool *pool, int want) {
  size_t n = want > 0 ? (size_t)want : (size_t)patron__default_threads();
  if (n > PATRON__KM_MAX_THREADS)
    n = PATRON__KM_MAX_THREADS;
  pool->n_threads = 1;
  pool->generation = 0;
  pool->quit = false;
  atomic_init(&pool->ticket, 0);
  atomic_init(&pool->finished, 0);
  pthread_mutex_init(&pool->mu, NULL);
  pthread_cond_init(&pool->wake, NULL);
  for (size_t t = 1; t < n; t++) {
    pool->workers[t].pool = pool;
    pool->workers[t].tid = t;
    if (pthread_create(&pool->workers[t].thread, NULL, worker_main, &pool->workers[t]) != 0)
      break;
    pool->n_threads = t + 1;
  }
}

void patron__km_pool_run(patron__km_pool *pool, patron__km_job job, void *ctx, size_t n_units) {
  if (pool->n_threads == 1 || n_units == 1) {
    for (size_t u = 0; u < n_units; u++)
      job(ctx, u, 0);
    return;
  }
  pthread_mutex_lock(&pool->mu);
  uint32_t gen = ++pool->generation;
  pool->job = job;
  pool->ctx = ctx;
  pool->n_units = n_units;
  atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
  atomic_store_explicit(&pool->ticket, (uint64_t)gen << 32, memory_order_release);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mu);
  work(pool, gen, job, ctx, n_units, 0);
  /* Only units a worker has claimed are left: each takes well under a millisecond. */
  while (atomic_load_explicit(&pool->finished, memory_order_acquire) < n_units)
    sched_yield();
}

void patron__km_pool_stop(patron__km_pool *pool) {
  pthread_mutex_lock(&pool->mu);
  pool->quit = true;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mu);
  for (size_t t = 1; t < pool->n_threads; t++)
    pthread_join(pool->workers[t].thread, NULL);
  pthread_mutex_destroy(&pool->mu);
  pthread_cond_destroy(&pool->wake);
}
