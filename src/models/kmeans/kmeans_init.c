/* k-means++ seeding (Arthur & Vassilvitskii 2007) in its greedy form as scikit-learn runs
 * it: each new centre is the best of 2 + floor(ln k) candidates drawn with probability
 * proportional to the squared distance to the nearest chosen centre. One pass over the
 * rows per centre: the pass that scores the candidates also folds the previous winner
 * into the nearest-distance array (the winner's chunk totals are known from its score).
 * Every total is an exact grid sum per global chunk of rows (kmeans_int.h), so the draw
 * (a global prefix of those sums) picks the same row for any split of the rows over ranks:
 * the ranks add their chunk totals, then the rows of the drawn chunk, and the rank holding
 * the drawn row supplies it. */
#include "models/kmeans/kmeans_int.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_TRIALS = PATRON__KM_MAX_TRIALS };

typedef struct seed_ctx {
  const double *x;
  size_t n, d, n_chunks; /* this part's rows and chunks */
  size_t n_g, stride;    /* global chunks; columns of the table: closest, then candidates */
  const patron__km_part *part;
  double *closest;
  patron__i128 *table;   /* per thread n_g x stride: [0] total of closest, [1 + t] candidate t */
  patron__i128 *w;       /* PATRON__KM_CHUNK: the rows of one global chunk */
  patron__i128 *fetched; /* MAX_TRIALS x d */
  size_t n_threads;
  const double *pending; /* last winner not yet folded into closest, or NULL */
  const double *cand[MAX_TRIALS];
  double *cand_rows; /* MAX_TRIALS x d */
  size_t n_cand;
} seed_ctx;

size_t patron__km_plusplus_trials(size_t k) {
  size_t t = 2 + (size_t)floor(log((double)k));
  return t > MAX_TRIALS ? MAX_TRIALS : t;
}

static size_t chunk_end(const seed_ctx *s, size_t c) {
  size_t e = (c + 1) * PATRON__KM_CHUNK;
  return e < s->n ? e : s->n;
}

static size_t global_chunk(const seed_ctx *s, size_t i) {
  return (size_t)(patron__km_gidx(s->part, i) / PATRON__KM_CHUNK);
}

/* Adds a run of rows' totals (all in global chunk g) to the thread's table row. */
static void flush(const seed_ctx *s, size_t tid, size_t g, size_t col, const patron__i128 *v,
                  size_t n_v) {
  patron__i128 *row = s->table + (tid * s->n_g + g) * s->stride + col;
  for (size_t t = 0; t < n_v; t++)
    row[t] += v[t];
}

PATRON__KM_INLINE void first_chunk(seed_ctx *s, size_t c, size_t tid, size_t d) {
  const double *restrict x = s->x, *restrict c0 = s->cand[0];
  double *restrict closest = s->closest;
  size_t i = c * PATRON__KM_CHUNK, end = chunk_end(s, c), g = global_chunk(s, i);
  patron__i128 tot = 0;
  for (; i < end; i++) {
    size_t gi = global_chunk(s, i);
    if (gi != g)
      flush(s, tid, g, 0, &tot, 1), tot = 0, g = gi;
    closest[i] = patron__km_dist2(x + i * d, c0, d);
    tot += patron__km_quant_pos(closest[i]);
  }
  flush(s, tid, g, 0, &tot, 1);
}

static void first_pass(void *arg, size_t c, size_t tid) {
  seed_ctx *s = arg;
#define FIRST_CHUNK(dd) first_chunk(s, c, tid, dd)
  PATRON__KM_BY_DIM(s->d, FIRST_CHUNK)
#undef FIRST_CHUNK
}

/* End of the run of local rows from i (< end) in i's global chunk (one process: the local
 * chunk is the global one). */
static size_t run_end(const seed_ctx *s, size_t i, size_t end) {
  if (!patron__km_split(s->part))
    return end;
  uint64_t stop = (s->part->gidx[i] / PATRON__KM_CHUNK + 1) * PATRON__KM_CHUNK;
  while (i < end && s->part->gidx[i] < stop)
    i++;
  return i;
}

/* Fold the pending winner into closest and add each candidate's potential over rows
 * i..hi - 1 (distances of two rows at a time with SSE2, bit for bit the scalar ones). */
PATRON__KM_INLINE void candidate_run(seed_ctx *s, size_t i, size_t hi, patron__i128 *pot,
                                     size_t d) {
  const double *restrict x = s->x, *restrict pending = s->pending;
  double *restrict closest = s->closest;
  size_t n_cand = s->n_cand;
#if defined(__SSE2__)
  for (; i + 1 < hi; i += 2) {
    const double *x0 = x + i * d, *x1 = x0 + d;
    __m128d v = _mm_loadu_pd(closest + i);
    if (pending) {
      v = _mm_min_pd(patron__km_dist2_pair(x0, x1, pending, d), v);
      _mm_storeu_pd(closest + i, v);
    }
    for (size_t t = 0; t < n_cand; t++) {
      double lanes[2];
      _mm_storeu_pd(lanes, _mm_min_pd(patron__km_dist2_pair(x0, x1, s->cand[t], d), v));
      pot[t] += patron__km_quant_pos(lanes[0]) + patron__km_quant_pos(lanes[1]);
    }
  }
#endif
  for (; i < hi; i++) {
    const double *xi = x + i * d;
    double v = closest[i];
    if (pending) {
      double t = patron__km_dist2(xi, pending, d);
      v = t < v ? t : v;
      closest[i] = v;
    }
    for (size_t t = 0; t < n_cand; t++) {
      double u = patron__km_dist2(xi, s->cand[t], d);
      pot[t] += patron__km_quant_pos(u < v ? u : v);
    }
  }
}

PATRON__KM_INLINE void candidate_chunk(seed_ctx *s, size_t c, size_t tid, size_t d) {
  for (size_t i = c * PATRON__KM_CHUNK, end = chunk_end(s, c); i < end;) {
    patron__i128 pot[MAX_TRIALS] = {0};
    size_t hi = run_end(s, i, end);
    candidate_run(s, i, hi, pot, d);
    flush(s, tid, global_chunk(s, i), 1, pot, s->n_cand);
    i = hi;
  }
}

static void candidate_pass(void *arg, size_t c, size_t tid) {
  seed_ctx *s = arg;
#define CANDIDATE_CHUNK(dd) candidate_chunk(s, c, tid, dd)
  PATRON__KM_BY_DIM(s->d, CANDIDATE_CHUNK)
#undef CANDIDATE_CHUNK
}

/* Run a pass and leave in thread 0's table the totals of columns from..from + n_cols - 1
 * over every thread and rank. */
static void run_pass(seed_ctx *s, patron__km_pool *pool, patron__km_job job, size_t from,
                     size_t n_cols) {
  size_t per = s->n_g * s->stride;
  memset(s->table, 0, s->n_threads * per * sizeof *s->table);
  patron__km_pool_run(pool, job, s, s->n_chunks);
  for (size_t t = 1; t < s->n_threads; t++)
    for (size_t j = 0; j < per; j++)
      s->table[j] += s->table[t * per + j];
  if (!patron__km_split(s->part))
    return;
  patron__i128 *packed = s->table + per; /* thread 1's table is free now */
  for (size_t g = 0; g < s->n_g; g++)
    memcpy(packed + g * n_cols, s->table + g * s->stride + from, n_cols * sizeof *packed);
  patron__km_sum(s->part, packed, s->n_g * n_cols);
  for (size_t g = 0; g < s->n_g; g++)
    memcpy(s->table + g * s->stride + from, packed + g * n_cols, n_cols * sizeof *packed);
}

/* The first k in [lo, n) with gi[k] >= t (gi ascending). */
static size_t first_at_least(const uint64_t *gi, size_t lo, size_t n, uint64_t t) {
  size_t hi = n;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    if (gi[m] < t)
      lo = m + 1;
    else
      hi = m;
  }
  return lo;
}

/* The local rows lo..hi - 1 whose global positions lie in [a, b). */
static void local_range(const seed_ctx *s, uint64_t a, uint64_t b, size_t *lo, size_t *hi) {
  if (!patron__km_split(s->part)) {
    *lo = a < s->n ? (size_t)a : s->n, *hi = b < s->n ? (size_t)b : s->n;
    return;
  }
  *lo = first_at_least(s->part->gidx, 0, s->n, a);
  *hi = first_at_least(s->part->gidx, *lo, s->n, b);
}

/* The global row at prefix `target` (< the total) of the up-to-date nearest distances:
 * the global chunk from the table, then the row from that chunk's rows of every rank. */
static uint64_t draw(seed_ctx *s, patron__i128 target) {
  size_t g = 0;
  for (; g + 1 < s->n_g && target >= s->table[g * s->stride]; g++)
    target -= s->table[g * s->stride];
  uint64_t base = (uint64_t)g * PATRON__KM_CHUNK;
  size_t lo, hi;
  local_range(s, base, base + PATRON__KM_CHUNK, &lo, &hi);
  memset(s->w, 0, PATRON__KM_CHUNK * sizeof *s->w);
  for (size_t i = lo; i < hi; i++) {
    double v = s->closest[i];
    if (s->pending) {
      double t = patron__km_dist2(s->x + i * s->d, s->pending, s->d);
      v = t < v ? t : v;
    }
    s->w[patron__km_gidx(s->part, i) - base] = patron__km_quant_pos(v);
  }
  patron__km_sum(s->part, s->w, PATRON__KM_CHUNK);
  size_t last = 0;
  for (size_t o = 0; o < PATRON__KM_CHUNK; o++) {
    if (s->w[o] > 0)
      last = o;
    if (target < s->w[o])
      return base + o;
    target -= s->w[o];
  }
  return base + last;
}

/* A draw with probability proportional to the nearest distance (uniform when every row
 * sits on a centre): floor(u * total) with u = j / 2^32, exactly. */
static uint64_t draw_weighted(seed_ctx *s, gsl_rng *rng, patron__i128 total, size_t n_all) {
  uint64_t j = gsl_rng_get(rng); /* what gsl_rng_uniform scales by 2^-32 for mt19937 */
  if (total <= 0)
    return (j * (uint64_t)n_all) >> 32;
  patron__i128 hi = total >> 32, lo = total & 0xffffffff;
  return draw(s, hi * (patron__i128)j + ((lo * (patron__i128)j) >> 32));
}

void patron__km_fetch_rows(const double *x, size_t n, size_t d, const patron__km_part *part,
                           const uint64_t *g, size_t n_g, patron__i128 *scratch, double *out) {
  if (!patron__km_split(part)) {
    for (size_t t = 0; t < n_g; t++)
      memcpy(out + t * d, x + g[t] * d, d * sizeof *out);
    return;
  }
  memset(scratch, 0, n_g * d * sizeof *scratch);
  for (size_t t = 0; t < n_g; t++) {
    size_t l = 0, h = n;
    while (l < h) {
      size_t m = l + (h - l) / 2;
      if (part->gidx[m] < g[t])
        l = m + 1;
      else
        h = m;
    }
    for (size_t j = 0; l < n && part->gidx[l] == g[t] && j < d; j++)
      scratch[t * d + j] = patron__km_grid_int(x[l * d + j]);
  }
  patron__km_sum(part, scratch, n_g * d);
  for (size_t i = 0; i < n_g * d; i++)
    out[i] = patron__km_value(scratch[i]);
}

static patron__i128 column_total(const seed_ctx *s, size_t col) {
  patron__i128 tot = 0;
  for (size_t g = 0; g < s->n_g; g++)
    tot += s->table[g * s->stride + col];
  return tot;
}

/* Draw the candidates of one centre, score them in one pass, keep the best (lowest
 * potential, first on ties) in centre; returns the new total of closest. */
static patron__i128 next_centre(seed_ctx *s, patron__km_pool *pool, gsl_rng *rng, patron__i128 pot,
                                size_t trials, double *centre) {
  uint64_t ids[MAX_TRIALS];
  size_t n_all = patron__km_n_global(s->part, s->n), d = s->d;
  for (size_t t = 0; t < trials; t++)
    ids[t] = draw_weighted(s, rng, pot, n_all);
  double *rows = s->cand_rows;
  patron__km_fetch_rows(s->x, s->n, d, s->part, ids, trials, s->fetched, rows);
  for (size_t t = 0; t < trials; t++)
    s->cand[t] = rows + t * d;
  s->n_cand = trials;
  run_pass(s, pool, candidate_pass, 1, trials);
  size_t best = 0;
  patron__i128 best_pot = column_total(s, 1);
  for (size_t t = 1; t < trials; t++) {
    patron__i128 p = column_total(s, 1 + t);
    if (p < best_pot)
      best_pot = p, best = t;
  }
  for (size_t g = 0; g < s->n_g; g++)
    s->table[g * s->stride] = s->table[g * s->stride + 1 + best];
  memcpy(centre, rows + best * d, d * sizeof *centre);
  return best_pot;
}

static bool seed_alloc(seed_ctx *s, const patron__km_pool *pool, size_t trials) {
  size_t n_all = patron__km_n_global(s->part, s->n);
  s->n_g = (n_all + PATRON__KM_CHUNK - 1) / PATRON__KM_CHUNK;
  s->stride = 1 + trials;
  s->n_threads = pool->n_threads < 2 ? 2 : pool->n_threads; /* one spare for packing */
  s->table = malloc(s->n_threads * (s->n_g ? s->n_g : 1) * s->stride * sizeof *s->table);
  s->w = malloc(PATRON__KM_CHUNK * sizeof *s->w);
  s->fetched = malloc(MAX_TRIALS * s->d * sizeof *s->fetched);
  s->cand_rows = malloc(MAX_TRIALS * s->d * sizeof *s->cand_rows);
  return patron__km_all_ok(s->part, s->table && s->w && s->fetched && s->cand_rows);
}

bool patron__km_plusplus(patron__km_pool *pool, const double *x, size_t n, size_t d,
                         const patron__km_part *part, size_t k, gsl_rng *rng, double *closest,
                         double *centers, size_t *n_distance) {
  seed_ctx s = {
      .x = x, .n = n, .d = d, .n_chunks = patron__km_n_chunks(n), .part = part, .closest = closest};
  size_t trials = patron__km_plusplus_trials(k);
  bool ok = seed_alloc(&s, pool, trials);
  if (ok) {
    uint64_t first = gsl_rng_uniform_int(rng, (unsigned long)patron__km_n_global(part, n));
    patron__km_fetch_rows(x, n, d, part, &first, 1, s.fetched, centers);
    s.cand[0] = centers;
    run_pass(&s, pool, first_pass, 0, 1);
    *n_distance += n;
    patron__i128 pot = column_total(&s, 0);
    for (size_t c = 1; c < k; c++) {
      pot = next_centre(&s, pool, rng, pot, trials, centers + c * d);
      *n_distance += n * (trials + (s.pending != NULL));
      s.pending = centers + c * d;
    }
  }
  free(s.table);
  free(s.w);
  free(s.fetched);
  free(s.cand_rows);
  return ok;
}
