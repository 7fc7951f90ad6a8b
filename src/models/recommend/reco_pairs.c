/* Pair counts of the recommender (SPEC section 18): n(a, b), the sets (baskets or view-days)
 * holding both values a < b. Counted vertically, as Eclat does (Zaki 2000): each value's
 * tid-list (the sets holding it) is walked and every b > a in those sets is counted in a
 * dense per-thread array, then written out ascending. Values are spread over the threads in
 * blocks and each value's list is written by one thread, so the counts and their order do
 * not depend on the thread count; no per-thread maps to merge. */
#include "models/recommend/reco_int.h"

#include <stdlib.h>
#include <string.h>

enum { ID_BLOCK = 64 };

bool patron__reco_tid_lists(const reco_sets *s, const uint32_t *key, size_t n_ids, uint32_t **start,
                            uint32_t **tid) {
  *tid = NULL;
  *start = calloc(n_ids + 2, sizeof **start);
  if (!*start)
    return false;
  for (size_t i = 0; i < s->n_vals; i++)
    if (key[s->vals[i]] != RECO_NONE)
      (*start)[key[s->vals[i]] + 1]++;
  for (size_t a = 0; a < n_ids; a++)
    (*start)[a + 1] += (*start)[a];
  *tid = malloc(((*start)[n_ids] + 1) * sizeof **tid);
  uint32_t *fill = malloc((n_ids + 1) * sizeof *fill);
  if (!*tid || !fill) {
    free(fill), free(*start), free(*tid);
    *start = *tid = NULL;
    return false;
  }
  memcpy(fill, *start, (n_ids + 1) * sizeof *fill);
  for (size_t t = 0; t < s->n; t++)
    for (uint32_t i = s->start[t]; i < s->start[t + 1]; i++)
      if (key[s->vals[i]] != RECO_NONE)
        (*tid)[fill[key[s->vals[i]]]++] = (uint32_t)t;
  free(fill);
  return true;
}

typedef struct pair_block {
  uint32_t *other, *n;
  size_t len, cap;
} pair_block;

typedef struct pair_job {
  const reco_sets *sets;
  const uint32_t *key;
  uint32_t *tid_start, *tid;
  size_t n_ids;
  size_t *len;        /* per id: its pairs */
  pair_block *blocks; /* per block of ids: their pairs, in id order */
  uint32_t *cnt[PATRON__EXEC_MAX_WORKERS], *touched[PATRON__EXEC_MAX_WORKERS];
  bool failed;
} pair_job;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

enum { AHEAD = 16 }; /* sets prefetched ahead of the walk: their offsets, then values */

/* Counts the partners b > a of a into cnt; returns how many distinct (listed in touched).
 * The sets of a tid-list lie far apart: each one's offsets and values are prefetched
 * AHEAD and AHEAD / 2 sets before they are read, so the cache misses overlap. */
static size_t count_one(const pair_job *j, uint32_t a, uint32_t *cnt, uint32_t *touched) {
  const uint32_t *start = j->sets->start, *vals = j->sets->vals, *key = j->key;
  uint32_t end = j->tid_start[a + 1];
  size_t k = 0;
  for (uint32_t q = j->tid_start[a]; q < end; q++) {
    if (q + AHEAD < end)
      __builtin_prefetch(&start[j->tid[q + AHEAD]]);
    if (q + AHEAD / 2 < end)
      __builtin_prefetch(&vals[start[j->tid[q + AHEAD / 2]]]);
    uint32_t t = j->tid[q];
    for (uint32_t i = start[t]; i < start[t + 1]; i++) {
      uint32_t b = key[vals[i]];
      if (b != RECO_NONE && b > a && cnt[b]++ == 0)
        touched[k++] = b;
    }
  }
  return k;
}

/* Puts a's k partners in touched ascending: one scan of cnt over (a, n_ids) when they are
 * dense there, else a sort. */
static void ascending(uint32_t a, size_t n_ids, const uint32_t *cnt, uint32_t *touched, size_t k) {
  if (n_ids - a > 16 * k) {
    qsort(touched, k, sizeof *touched, cmp_u32);
    return;
  }
  size_t i = 0;
  for (size_t b = a + 1; i < k; b++)
    if (cnt[b])
      touched[i++] = (uint32_t)b;
}

/* Appends a's k partners (ascending) and their counts to the block; clears cnt. */
static bool emit(pair_block *blk, uint32_t a, size_t n_ids, uint32_t *cnt, uint32_t *touched,
                 size_t k) {
  size_t cap = blk->cap;
  if (!patron__reserve((void **)&blk->other, &cap, blk->len + k, sizeof *blk->other) ||
      !patron__reserve((void **)&blk->n, &blk->cap, blk->len + k, sizeof *blk->n))
    return false;
  ascending(a, n_ids, cnt, touched, k);
  for (size_t i = 0; i < k; i++) {
    blk->other[blk->len + i] = touched[i];
    blk->n[blk->len + i] = cnt[touched[i]];
    cnt[touched[i]] = 0;
  }
  blk->len += k;
  return true;
}

static void pair_range(void *ctx, size_t lo, size_t hi, int worker) {
  pair_job *j = ctx;
  uint32_t *cnt = j->cnt[worker], *touched = j->touched[worker];
  pair_block *blk = &j->blocks[lo / ID_BLOCK];
  bool ok = cnt && touched;
  for (size_t a = lo; a < hi && ok; a++) {
    size_t k = count_one(j, (uint32_t)a, cnt, touched);
    j->len[a] = k;
    ok = emit(blk, (uint32_t)a, j->n_ids, cnt, touched, k);
  }
  if (!ok)
    j->failed = true; /* a benign race: every writer stores true */
}

/* The blocks' lists, concatenated in id order, as one table. */
static bool concat(pair_job *j, size_t n_blocks, reco_pairs *out) {
  out->start = malloc((j->n_ids + 1) * sizeof *out->start);
  size_t total = 0;
  for (size_t b = 0; b < n_blocks; b++)
    total += j->blocks[b].len;
  out->other = malloc((total ? total : 1) * sizeof *out->other);
  out->n = malloc((total ? total : 1) * sizeof *out->n);
  if (!out->start || !out->other || !out->n)
    return false;
  out->n_ids = j->n_ids;
  out->start[0] = 0;
  for (size_t a = 0; a < j->n_ids; a++)
    out->start[a + 1] = out->start[a] + j->len[a];
  for (size_t b = 0, at = 0; b < n_blocks; at += j->blocks[b].len, b++)
    if (j->blocks[b].len) {
      memcpy(out->other + at, j->blocks[b].other, j->blocks[b].len * sizeof *out->other);
      memcpy(out->n + at, j->blocks[b].n, j->blocks[b].len * sizeof *out->n);
    }
  return true;
}

bool patron__reco_pairs_count(const reco_sets *sets, const uint32_t *key, size_t n_ids, int threads,
                              reco_pairs *out) {
  memset(out, 0, sizeof *out);
  pair_job j = {.sets = sets, .key = key, .n_ids = n_ids};
  size_t n_blocks = (n_ids + ID_BLOCK - 1) / ID_BLOCK;
  bool ok = patron__reco_tid_lists(sets, key, n_ids, &j.tid_start, &j.tid);
  j.len = calloc(n_ids + 1, sizeof *j.len);
  j.blocks = calloc(n_blocks + 1, sizeof *j.blocks);
  ok = ok && j.len && j.blocks;
  for (int w = 0; ok && w < threads && w < PATRON__EXEC_MAX_WORKERS; w++) {
    j.cnt[w] = calloc(n_ids + 1, sizeof *j.cnt[w]);
    j.touched[w] = malloc((n_ids + 1) * sizeof *j.touched[w]);
  }
  if (ok)
    patron__exec_ranges(threads, n_ids, ID_BLOCK, pair_range, &j);
  ok = ok && !j.failed && concat(&j, n_blocks, out);
  for (size_t b = 0; j.blocks && b < n_blocks; b++)
    free(j.blocks[b].other), free(j.blocks[b].n);
  for (int w = 0; w < PATRON__EXEC_MAX_WORKERS; w++)
    free(j.cnt[w]), free(j.touched[w]);
  free(j.tid_start), free(j.tid), free(j.len), free(j.blocks);
  if (!ok)
    patron__reco_pairs_free(out);
  return ok;
}

uint32_t patron__reco_pairs_get(const reco_pairs *p, uint32_t a, uint32_t b) {
  if (a > b) {
    uint32_t t = a;
    a = b, b = t;
  }
  if (a >= p->n_ids)
    return 0;
  const uint32_t *lo = p->other + p->start[a];
  const uint32_t *hit = bsearch(&b, lo, p->start[a + 1] - p->start[a], sizeof b, cmp_u32);
  return hit ? p->n[hit - p->other] : 0;
}

void patron__reco_pairs_free(reco_pairs *p) {
  free(p->start), free(p->other), free(p->n);
  memset(p, 0, sizeof *p);
}
