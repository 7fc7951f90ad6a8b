/* The parallel executor (src/core/exec.h): parts claimed through an atomic counter by up
 * to PATRON__EXEC_MAX_WORKERS pthreads, partials merged in part order. */
#include "core/exec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct runner {
  patron__exec_fn fn;
  void *ctx;
  size_t n_parts;
  atomic_size_t next;
} runner;

typedef struct worker_arg {
  runner *r;
  int id;
} worker_arg;

static void *work(void *arg) {
  worker_arg *w = arg;
  for (;;) {
    size_t part = atomic_fetch_add(&w->r->next, 1);
    if (part >= w->r->n_parts)
      return NULL;
    w->r->fn(w->r->ctx, part, w->id);
  }
}

int patron__exec_workers(int n_threads, size_t n_parts) {
  int n = n_threads > 0 ? n_threads : patron__default_threads();
  if (n > PATRON__EXEC_MAX_WORKERS)
    n = PATRON__EXEC_MAX_WORKERS;
  if ((size_t)n > n_parts)
    n = n_parts ? (int)n_parts : 1;
  return n < 1 ? 1 : n;
}

int patron__exec_parts(int n_threads, size_t n_parts, patron__exec_fn fn, void *ctx) {
  int n = patron__exec_workers(n_threads, n_parts);
  runner r = {.fn = fn, .ctx = ctx, .n_parts = n_parts};
  atomic_init(&r.next, 0);
  worker_arg args[PATRON__EXEC_MAX_WORKERS];
  pthread_t tid[PATRON__EXEC_MAX_WORKERS];
  bool started[PATRON__EXEC_MAX_WORKERS] = {false};
  for (int i = 0; i < n; i++)
    args[i] = (worker_arg){&r, i};
  for (int i = 1; i < n; i++)
    started[i] = pthread_create(&tid[i], NULL, work, &args[i]) == 0;
  work(&args[0]); /* parts a failed thread would have taken are taken here */
  for (int i = 1; i < n; i++)
    if (started[i])
      pthread_join(tid[i], NULL);
  return n;
}

typedef struct each {
  unsigned char *items;
  size_t item_size;
  void (*fn)(void *item);
} each;

static void each_part(void *ctx, size_t part, int worker) {
  (void)worker;
  each *e = ctx;
  e->fn(e->items + part * e->item_size);
}

void patron__exec_each(int n_threads, void *items, size_t n, size_t item_size,
                       void (*fn)(void *item)) {
  each e = {items, item_size, fn};
  patron__exec_parts(n_threads, n, each_part, &e);
}

typedef struct ranges {
  size_t n, block;
  patron__exec_range_fn fn;
  void *ctx;
} ranges;

static void range_part(void *ctx, size_t part, int worker) {
  ranges *r = ctx;
  size_t lo = part * r->block, hi = lo + r->block < r->n ? lo + r->block : r->n;
  r->fn(r->ctx, lo, hi, worker);
}

void patron__exec_ranges(int n_threads, size_t n, size_t block, patron__exec_range_fn fn,
                         void *ctx) {
  ranges r = {.n = n, .block = block ? block : 1, .fn = fn, .ctx = ctx};
  patron__exec_parts(n_threads, (n + r.block - 1) / r.block, range_part, &r);
}

typedef struct reduce {
  size_t n, n_parts, partial_size;
  patron__exec_partial_fn partial;
  void *ctx;
  unsigned char *partials;
} reduce;

static void reduce_part(void *ctx, size_t part, int worker) {
  (void)worker;
  reduce *r = ctx;
  size_t lo = r->n * part / r->n_parts, hi = r->n * (part + 1) / r->n_parts;
  r->partial(r->ctx, lo, hi, r->partials + part * r->partial_size);
}

patron_status patron__exec_reduce(int n_threads, size_t n, size_t n_parts, size_t partial_size,
                                  patron__exec_partial_fn partial, patron__exec_merge_fn merge,
                                  void *ctx, void *acc, patron_error *err) {
  if (n_parts == 0)
    n_parts = 1;
  reduce r = {n, n_parts, partial_size, partial, ctx, calloc(n_parts, partial_size)};
  if (!r.partials)
    return PATRON__OOM(err);
  patron__exec_parts(n_threads, n_parts, reduce_part, &r);
  for (size_t i = 0; i < n_parts; i++)
    merge(ctx, acc, r.partials + i * partial_size);
  free(r.partials);
  return PATRON_OK;
}
