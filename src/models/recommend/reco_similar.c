/* Similar values (SPEC section 18, similar.csv): for values a and b,
 *   score(a, b) = n(a, b) / sqrt(n(a) n(b))  +  0.5 x v(a, b) / sqrt(v(a) v(b))
 * the cosine of their co-purchase (n: baskets holding both / each) plus half the cosine of
 * their co-view (v: view-days in the view window), over values in at least --min-support
 * baskets (view-days). Each value keeps its best neighbours (score descending, then the
 * neighbour bytewise). Item-to-item collaborative filtering (Linden, Smith & York 2003). */
#include "models/recommend/reco_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CODE_BLOCK = 1024 };

typedef struct sim_edge {
  uint32_t to;
  float score;
} sim_edge;

typedef struct sim_job {
  patron_recommender *m;
  uint32_t *start; /* CSR over codes */
  sim_edge *edge;
  uint32_t *kept; /* per code: neighbours kept */
  size_t keep;
  uint32_t *at[PATRON__EXEC_MAX_WORKERS], *stamp[PATRON__EXEC_MAX_WORKERS]; /* per worker */
  bool failed;
} sim_job;

static void each_edge(patron_recommender *m, uint32_t *deg, uint32_t *fill, sim_edge *edge) {
  for (int pass = 0; pass < 2; pass++) {
    const reco_pairs *p = pass ? &m->vpairs : &m->pairs;
    const uint32_t *cnt = pass ? m->vcount : m->count;
    double weight = pass ? 0.5 : 1.0;
    for (size_t x = 0; x < p->n_ids; x++)
      for (size_t i = p->start[x]; i < p->start[x + 1]; i++) {
        uint32_t a = (uint32_t)x, b = p->other[i];
        if (!pass)
          a = m->freq_code[a], b = m->freq_code[b];
        if (deg) {
          deg[a]++, deg[b]++;
          continue;
        }
        float sc = (float)(weight * p->n[i] / sqrt((double)cnt[a] * (double)cnt[b]));
        edge[fill[a]++] = (sim_edge){b, sc};
        edge[fill[b]++] = (sim_edge){a, sc};
      }
  }
}

static int cmp_best(const void *a, const void *b, void *ctx) {
  const uint32_t *rank = ctx;
  const sim_edge *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return (rank[x->to] > rank[y->to]) - (rank[x->to] < rank[y->to]);
}

/* Restores the heap below r: the worst entry (cmp_best last) at the root. */
static void sift(sim_edge *e, size_t n, size_t r, const uint32_t *rank) {
  for (;;) {
    size_t w = r, l = 2 * r + 1;
    if (l < n && cmp_best(&e[l], &e[w], (void *)rank) > 0)
      w = l;
    if (l + 1 < n && cmp_best(&e[l + 1], &e[w], (void *)rank) > 0)
      w = l + 1;
    if (w == r)
      return;
    sim_edge t = e[r];
    e[r] = e[w], e[w] = t;
    r = w;
  }
}

/* Sums the co-purchase and co-view parts of each neighbour in place (the first entry of a
 * neighbour takes the sum; at most two parts, so the order of the addition does not
 * matter); returns how many neighbours. at[] is per-worker scratch over codes, stamp[]
 * marks the entries of this code. */
static size_t merge_parts(sim_edge *e, size_t n, uint32_t *at, uint32_t *stamp, uint32_t mark) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t to = e[i].to;
    if (stamp[to] == mark) {
      e[at[to]].score += e[i].score;
      continue;
    }
    stamp[to] = mark, at[to] = (uint32_t)k;
    e[k++] = e[i];
  }
  return k;
}

/* Moves the `keep` best of e[0, n) (cmp_best, a total order: ranks are distinct) to the
 * front, best first: a bounded heap whose root is the worst kept, then one sort of the
 * kept. The same first `keep` entries a full sort gives. */
static void best_first(sim_edge *e, size_t n, size_t keep, const uint32_t *rank) {
  if (n > keep) {
    for (size_t i = keep; i < n; i++) { /* e[0, keep) is a heap with the worst at 0 */
      if (i == keep)
        for (size_t r = keep / 2; r-- > 0;)
          sift(e, keep, r, rank);
      if (cmp_best(&e[i], &e[0], (void *)rank) < 0) {
        e[0] = e[i];
        sift(e, keep, 0, rank);
      }
    }
    n = keep;
  }
  qsort_r(e, n, sizeof *e, cmp_best, (void *)rank);
}

/* One code's neighbours: co-purchase and co-view parts of a pair summed, best first. */
static void sim_range(void *ctx, size_t lo, size_t hi, int worker) {
  sim_job *j = ctx;
  uint32_t *at = j->at[worker], *stamp = j->stamp[worker];
  if (!at || !stamp) {
    j->failed = true;
    return;
  }
  for (size_t c = lo; c < hi; c++) {
    sim_edge *e = j->edge + j->start[c];
    size_t k = merge_parts(e, j->start[c + 1] - j->start[c], at, stamp, (uint32_t)c + 1);
    best_first(e, k, j->keep, j->m->rank);
    j->kept[c] = (uint32_t)(k < j->keep ? k : j->keep);
  }
}

static bool compact(patron_recommender *m, sim_job *j) {
  size_t n = m->n_codes, total = 0;
  m->sim_start = malloc((n + 1) * sizeof *m->sim_start);
  for (size_t c = 0; c < n; c++)
    total += j->kept[c];
  m->sim_code = malloc((total ? total : 1) * sizeof *m->sim_code);
  m->sim_score = malloc((total ? total : 1) * sizeof *m->sim_score);
  if (!m->sim_start || !m->sim_code || !m->sim_score)
    return false;
  size_t at = 0;
  for (size_t c = 0; c < n; c++) {
    m->sim_start[c] = (uint32_t)at;
    for (uint32_t i = 0; i < j->kept[c]; i++, at++) {
      m->sim_code[at] = j->edge[j->start[c] + i].to;
      m->sim_score[at] = j->edge[j->start[c] + i].score;
    }
  }
  m->sim_start[n] = (uint32_t)at;
  return true;
}

patron_status patron__reco_similar(patron_recommender *m, patron_error *err) {
  size_t n = m->n_codes;
  sim_job j = {.m = m, .keep = (size_t)(m->o.k > 20 ? m->o.k : 20)};
  j.start = calloc(n + 1, sizeof *j.start);
  j.kept = calloc(n + 1, sizeof *j.kept);
  uint32_t *fill = malloc((n + 1) * sizeof *fill);
  bool ok = j.start && j.kept && fill;
  if (ok) {
    each_edge(m, j.start + 1, NULL, NULL);
    for (size_t c = 0; c < n; c++)
      j.start[c + 1] += j.start[c];
    memcpy(fill, j.start, n * sizeof *fill);
    j.edge = malloc((j.start[n] ? j.start[n] : 1) * sizeof *j.edge);
    ok = j.edge != NULL;
  }
  for (int w = 0; ok && w < m->threads && w < PATRON__EXEC_MAX_WORKERS; w++) {
    j.at[w] = malloc((n + 1) * sizeof *j.at[w]);
    j.stamp[w] = calloc(n + 1, sizeof *j.stamp[w]);
  }
  if (ok) {
    each_edge(m, NULL, fill, j.edge);
    patron__exec_ranges(m->threads, n, CODE_BLOCK, sim_range, &j);
    ok = !j.failed && compact(m, &j);
  }
  for (int w = 0; w < PATRON__EXEC_MAX_WORKERS; w++)
    free(j.at[w]), free(j.stamp[w]);
  free(j.start), free(j.kept), free(j.edge), free(fill);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

patron_status patron_recommender_similar(const patron_recommender *m, patron_table **out,
                                         patron_error *err) {
  *out = NULL;
  size_t rows = 0, k = (size_t)m->o.k;
  for (size_t c = 0; c < m->n_codes; c++) {
    size_t n = m->sim_start[c + 1] - m->sim_start[c];
    rows += n < k ? n : k;
  }
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  const char **value, **similar;
  double *score;
  int64_t *rank;
  patron_status st = patron_table_add(t, "value", PATRON_COL_STRING, (void **)&value, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "similar", PATRON_COL_STRING, (void **)&similar, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "score", PATRON_COL_DOUBLE, (void **)&score, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "rank", PATRON_COL_INT, (void **)&rank, err);
  if (st != PATRON_OK) {
    patron_table_free(t);
    return st;
  }
  /* values in byte order */
  uint32_t *order = malloc((m->n_codes ? m->n_codes : 1) * sizeof *order);
  if (!order) {
    patron_table_free(t);
    return PATRON__OOM(err);
  }
  for (size_t c = 0; c < m->n_codes; c++)
    order[m->rank[c]] = (uint32_t)c;
  size_t r = 0;
  for (size_t i = 0; i < m->n_codes; i++) {
    uint32_t c = order[i];
    size_t n = m->sim_start[c + 1] - m->sim_start[c];
    for (size_t q = 0; q < n && q < k; q++, r++) {
      value[r] = patron_dataset_dict_value(m->ds, m->dict, c);
      similar[r] = patron_dataset_dict_value(m->ds, m->dict, m->sim_code[m->sim_start[c] + q]);
      score[r] = m->sim_score[m->sim_start[c] + q];
      rank[r] = (int64_t)q + 1;
    }
  }
  free(order);
  patron_table_set_decimals(t, "score", 6);
  *out = t;
  return PATRON_OK;
}
