/* The parallel executor: partition -> partial -> merge. Work over n items is cut into
 * parts (contiguous ranges, fixed by n and the part count, never by the thread count);
 * threads claim parts through one atomic counter, the caller's thread working too; a
 * part's result depends only on the part, and partials are merged in part order, so
 * outputs are identical for any thread count. The distributed mode (SPEC 15) runs the
 * same partial and merge functions across processes (docs/MERGE.md). */
#ifndef PATRON_CORE_EXEC_H
#define PATRON_CORE_EXEC_H

#include "core/core_int.h"

enum { PATRON__EXEC_MAX_WORKERS = 64 };

/* Runs fn(ctx, part, worker) for every part < n_parts; worker < the returned count (use
 * it to index per-worker scratch). n_threads 0 = all online cores. A thread that cannot
 * be started leaves its parts to the others (at worst the caller runs them all). */
typedef void (*patron__exec_fn)(void *ctx, size_t part, int worker);
int patron__exec_parts(int n_threads, size_t n_parts, patron__exec_fn fn, void *ctx);
/* The number of workers patron__exec_parts will use (to size scratch beforehand). */
int patron__exec_workers(int n_threads, size_t n_parts);

/* Runs fn(item) for each of the n items of an array (item i at items + i * item_size),
 * each item being one part (a job whose inputs and outputs it holds). */
void patron__exec_each(int n_threads, void *items, size_t n, size_t item_size,
                       void (*fn)(void *item));

/* Runs fn(ctx, lo, hi, worker) over [0, n) in blocks of `block` items. */
typedef void (*patron__exec_range_fn)(void *ctx, size_t lo, size_t hi, int worker);
void patron__exec_ranges(int n_threads, size_t n, size_t block, patron__exec_range_fn fn,
                         void *ctx);

/* partition -> partial -> merge: partial(ctx, lo, hi, p) summarises items [lo, hi) of
 * part i (the i-th of n_parts equal ranges of [0, n)) into a zeroed partial_size-byte p;
 * then merge(ctx, acc, p) folds the partials into acc in part order, on the caller's
 * thread. Errors: PATRON_ERR_NOMEM (the partials could not be allocated). */
typedef void (*patron__exec_partial_fn)(void *ctx, size_t lo, size_t hi, void *partial);
typedef void (*patron__exec_merge_fn)(void *ctx, void *acc, const void *partial);
patron_status patron__exec_reduce(int n_threads, size_t n, size_t n_parts, size_t partial_size,
                                  patron__exec_partial_fn partial, patron__exec_merge_fn merge,
                                  void *ctx, void *acc, patron_error *err);

#endif
