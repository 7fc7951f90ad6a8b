/* A fixed worker pool for the k-means passes: workers sleep on a condition variable until
 * the generation number moves, run the job on their share of the chunks, and the last one
 * to finish wakes the caller. Threads live for one call, so a pass costs two wake-ups. */
#include "models/kmeans_int.h"

#include "core/core_int.h"

static void *worker_main(void *arg) {
  patron__km_worker *w = arg;
  patron__km_pool *pool = w->pool;
  uint64_t seen = 0;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (pool->generation == seen && !pool->quit)
      pthread_cond_wait(&pool->wake, &pool->mu);
    if (pool->quit)
      break;
    seen = pool->generation;
    pthread_mutex_unlock(&pool->mu);
    pool->job(pool->ctx, w->tid, pool);
    pthread_mutex_lock(&pool->mu);
    if (--pool->pending == 0)
      pthread_cond_signal(&pool->done);
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
  pool->pending = 0;
  pool->quit = false;
  pthread_mutex_init(&pool->mu, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  for (size_t t = 1; t < n; t++) {
    pool->workers[t].pool = pool;
    pool->workers[t].tid = t;
    if (pthread_create(&pool->workers[t].thread, NULL, worker_main, &pool->workers[t]) != 0)
      break;
    pool->n_threads = t + 1;
  }
}

void patron__km_pool_run(patron__km_pool *pool, patron__km_job job, void *ctx) {
  atomic_store(&pool->next, 0);
  if (pool->n_threads == 1) {
    job(ctx, 0, pool);
    return;
  }
  pthread_mutex_lock(&pool->mu);
  pool->job = job;
  pool->ctx = ctx;
  pool->pending = pool->n_threads - 1;
  pool->generation++;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mu);
  job(ctx, 0, pool);
  pthread_mutex_lock(&pool->mu);
  while (pool->pending > 0)
    pthread_cond_wait(&pool->done, &pool->mu);
  pthread_mutex_unlock(&pool->mu);
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
  pthread_cond_destroy(&pool->done);
}
