/* Exact counts of value triples for the two-value antecedents of SPEC section 18. For each
 * frequent value a (the triple's byte-smallest), the baskets holding a are walked and every
 * pair (b, c) of a's frequent partners b, c > a in the basket is counted in a dense
 * d x d array (d = a's partners), a hash map when d is very large. n(a, b, c) >= support
 * implies n(b, c) >= support, so (b, c) needs no check. Anchors are spread over the threads;
 * each writes its own list of triples (the rules are sorted afterwards). This is the
 * conditional counting of FP-growth (Han, Pei & Yin 2000) with a tid-list per value. */
#include "models/recommend/reco_int.h"

#include <stdlib.h>
#include <string.h>

enum { ANCHOR_BLOCK = 8 };
#define DENSE_CELLS (1u << 26) /* 256 MB of counts per thread at most */

typedef struct tri_worker {
  uint32_t *loc; /* dense id -> index among the anchor's partners, RECO_NONE */
  uint32_t *cnt, *touched, *list;
  size_t cap_cnt, n_touched, cap_touched;
  reco_map big;
  reco_triple *out;
  size_t n_out, cap_out;
  bool failed, too_many;
} tri_worker;

typedef struct tri_job {
  patron_recommender *m;
  uint32_t *tid_start, *tid; /* dense id -> baskets holding it */
  size_t max_basket;
  tri_worker w[PATRON__EXEC_MAX_WORKERS];
} tri_job;

static bool emit(tri_worker *w, reco_triple t) {
  if (w->n_out >= RECO_MAX_RULES) {
    w->too_many = true;
    return false;
  }
  if (!patron__reserve((void **)&w->out, &w->cap_out, w->n_out + 1, sizeof *w->out))
    return false;
  w->out[w->n_out++] = t;
  return true;
}

/* Partner indexes of basket t's values (ascending, since dense ids and partners are). */
static size_t partners_in(const tri_job *j, const tri_worker *w, uint32_t t) {
  const patron_recommender *m = j->m;
  size_t k = 0;
  for (uint32_t i = m->baskets.start[t]; i < m->baskets.start[t + 1]; i++) {
    uint32_t d = m->dense[m->baskets.vals[i]];
    if (d != RECO_NONE && w->loc[d] != RECO_NONE)
      w->list[k++] = w->loc[d];
  }
  return k;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static bool count_dense(const tri_job *j, tri_worker *w, uint32_t a, size_t d) {
  for (uint32_t q = j->tid_start[a]; q < j->tid_start[a + 1]; q++) {
    size_t k = partners_in(j, w, j->tid[q]);
    qsort(w->list, k, sizeof *w->list, cmp_u32);
    for (size_t x = 0; x < k; x++)
      for (size_t y = x + 1; y < k; y++) {
        uint32_t cell = w->list[x] * (uint32_t)d + w->list[y];
        if (w->cnt[cell]++ == 0) {
          if (!patron__reserve((void **)&w->touched, &w->cap_touched, w->n_touched + 1,
                               sizeof *w->touched))
            return false;
          w->touched[w->n_touched++] = cell;
        }
      }
  }
  return true;
}

static bool count_sparse(const tri_job *j, tri_worker *w, uint32_t a, size_t d) {
  for (uint32_t q = j->tid_start[a]; q < j->tid_start[a + 1]; q++) {
    size_t k = partners_in(j, w, j->tid[q]);
    qsort(w->list, k, sizeof *w->list, cmp_u32);
    for (size_t x = 0; x < k; x++)
      for (size_t y = x + 1; y < k; y++)
        if (!patron__reco_map_add(&w->big, (uint64_t)w->list[x] * d + w->list[y] + 1, 1))
          return false;
  }
  return true;
}

static bool harvest(const tri_job *j, tri_worker *w, uint32_t a, const uint32_t *nb, size_t d,
                    bool dense) {
  uint32_t min = (uint32_t)j->m->o.min_support;
  bool ok = true;
  if (dense) {
    for (size_t i = 0; i < w->n_touched; i++) {
      uint32_t cell = w->touched[i], n = w->cnt[cell];
      w->cnt[cell] = 0;
      if (ok && n >= min)
        ok = emit(w, (reco_triple){a, nb[cell / d], nb[cell % d], n});
    }
    w->n_touched = 0;
    return ok;
  }
  for (size_t s = 0; s < w->big.cap && ok; s++)
    if (w->big.keys[s] && w->big.vals[s] >= min) {
      uint64_t cell = w->big.keys[s] - 1;
      ok = emit(w, (reco_triple){a, nb[cell / d], nb[cell % d], w->big.vals[s]});
    }
  patron__reco_map_free(&w->big);
  return ok;
}

static bool anchor(const tri_job *j, tri_worker *w, uint32_t a) {
  const patron_recommender *m = j->m;
  const uint32_t *nb = m->adj + m->adj_start[a];
  size_t d = m->adj_start[a + 1] - m->adj_start[a];
  if (d < 2)
    return true;
  bool dense = d * d <= DENSE_CELLS;
  if (dense && d * d > w->cap_cnt) {
    free(w->cnt);
    if (!(w->cnt = calloc(d * d, sizeof *w->cnt)))
      return w->cap_cnt = 0, false;
    w->cap_cnt = d * d;
  }
  for (size_t i = 0; i < d; i++)
    w->loc[nb[i]] = (uint32_t)i;
  bool ok = dense ? count_dense(j, w, a, d) : count_sparse(j, w, a, d);
  ok = harvest(j, w, a, nb, d, dense) && ok;
  for (size_t i = 0; i < d; i++)
    w->loc[nb[i]] = RECO_NONE;
  return ok;
}

static void anchor_range(void *ctx, size_t lo, size_t hi, int worker) {
  tri_job *j = ctx;
  tri_worker *w = &j->w[worker];
  if (w->failed)
    return;
  if (!w->loc) {
    w->loc = malloc((j->m->n_freq + 1) * sizeof *w->loc);
    w->list = malloc((j->max_basket + 1) * sizeof *w->list);
    if (!w->loc || !w->list) {
      w->failed = true;
      return;
    }
    memset(w->loc, 0xff, (j->m->n_freq + 1) * sizeof *w->loc);
  }
  for (size_t a = lo; a < hi && !w->failed; a++)
    w->failed = !anchor(j, w, (uint32_t)a);
}

/* tid lists: for each dense id, the baskets (ascending) holding it; the largest basket. */
static bool tid_lists(tri_job *j) {
  const patron_recommender *m = j->m;
  for (size_t t = 0; t < m->baskets.n; t++) {
    size_t size = m->baskets.start[t + 1] - m->baskets.start[t];
    j->max_basket = size > j->max_basket ? size : j->max_basket;
  }
  return patron__reco_tid_lists(&m->baskets, m->dense, m->n_freq, &j->tid_start, &j->tid);
}

static bool gather(patron_recommender *m, tri_job *j) {
  bool ok = true;
  size_t total = 0;
  for (int t = 0; t < m->threads; t++) {
    total += j->w[t].n_out, ok = ok && !j->w[t].failed;
    m->too_many = m->too_many || j->w[t].too_many;
  }
  if (total > RECO_MAX_RULES)
    ok = false, m->too_many = true;
  m->tri = ok ? malloc((total + 1) * sizeof *m->tri) : NULL;
  ok = ok && m->tri;
  for (int t = 0; t < m->threads; t++) {
    tri_worker *w = &j->w[t];
    if (ok && w->n_out)
      memcpy(m->tri + m->n_tri, w->out, w->n_out * sizeof *w->out), m->n_tri += w->n_out;
    free(w->loc), free(w->cnt), free(w->touched), free(w->list), free(w->out);
    patron__reco_map_free(&w->big);
  }
  return ok;
}

bool patron__reco_triples(patron_recommender *m) {
  tri_job j = {.m = m};
  bool ok = tid_lists(&j);
  if (ok)
    patron__exec_ranges(m->threads, m->n_freq, ANCHOR_BLOCK, anchor_range, &j);
  ok = gather(m, &j) && ok;
  free(j.tid_start), free(j.tid);
  return ok;
}
