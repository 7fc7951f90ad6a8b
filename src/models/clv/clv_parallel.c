/* A small parallel-for for the per-customer CLV work: blocks of rows handed out through an
 * atomic counter to up to 64 pthreads. Each row's result depends only on the row (and a
 * per-row seed), so outputs never depend on the thread count. */
#include "models/clv/clv_int.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct par_job {
  size_t n, block;
  atomic_size_t next;
  patron__clv_range_fn fn;
  void *ctx;
} par_job;

typedef struct par_worker {
  par_job *job;
  int id;
} par_worker;

static void *par_run(void *arg) {
  par_worker *w = arg;
  par_job *j = w->job;
  for (;;) {
    size_t lo = atomic_fetch_add(&j->next, j->block);
    if (lo >= j->n)
      break;
    j->fn(j->ctx, lo, lo + j->block < j->n ? lo + j->block : j->n, w->id);
  }
  return NULL;
}

int patron__clv_threads(int requested, size_t n, size_t block) {
  int t = requested > 0 ? requested : patron__default_threads();
  size_t blocks = (n + block - 1) / block;
  if ((size_t)t > blocks)
    t = blocks ? (int)blocks : 1;
  return t < 1 ? 1 : t > 64 ? 64 : t;
}

void patron__clv_parallel(size_t n, size_t block, int threads, patron__clv_range_fn fn, void *ctx) {
  par_job job = {.n = n, .block = block ? block : 1, .fn = fn, .ctx = ctx};
  atomic_init(&job.next, 0);
  par_worker w[64];
  pthread_t tid[64];
  bool started[64] = {false};
  for (int t = threads - 1; t >= 0; t--) { /* worker 0 runs here, after the others start */
    w[t] = (par_worker){&job, t};
    started[t] = t > 0 && pthread_create(&tid[t], NULL, par_run, &w[t]) == 0;
    if (t == 0)
      par_run(&w[0]);
  }
  for (int t = 1; t < threads; t++)
    if (started[t])
      pthread_join(tid[t], NULL);
}
