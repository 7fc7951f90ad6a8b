/* k-means++ seeding (Arthur & Vassilvitskii 2007) in its greedy form as scikit-learn runs
 * it: each new centre is the best of 2 + floor(ln k) candidates drawn with probability
 * proportional to the squared distance to the nearest chosen centre. One pass over the
 * rows per centre: the pass that scores the candidates also folds the previous winner
 * into the nearest-distance array (the winner's chunk totals are known from its score). */
#include "models/kmeans/kmeans_int.h"

#include <math.h>
#include <string.h>

enum { MAX_TRIALS = PATRON__KM_MAX_TRIALS, STRIDE = 1 + PATRON__KM_MAX_TRIALS };

typedef struct seed_ctx {
  const double *x;
  size_t n, d, n_chunks;
  double *closest;
  double *chunk_sum;     /* per chunk: [0] total of closest, [1 + t] candidate t's potential */
  const double *pending; /* last winner not yet folded into closest, or NULL */
  const double *cand[MAX_TRIALS];
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

PATRON__KM_INLINE double first_chunk(seed_ctx *s, size_t c, size_t d) {
  const double *restrict x = s->x, *restrict c0 = s->cand[0];
  double *restrict closest = s->closest, tot = 0;
  for (size_t i = c * PATRON__KM_CHUNK, end = chunk_end(s, c); i < end; i++) {
    closest[i] = patron__km_dist2(x + i * d, c0, d);
    tot += closest[i];
  }
  return tot;
}

static void first_pass(void *arg, size_t c, size_t tid) {
  (void)tid;
  seed_ctx *s = arg;
#define FIRST_CHUNK(dd) s->chunk_sum[c * STRIDE] = first_chunk(s, c, dd)
  PATRON__KM_BY_DIM(s->d, FIRST_CHUNK)
#undef FIRST_CHUNK
}

/* Fold the pending winner into closest and add each candidate's potential over chunk c
 * (two rows at a time with SSE2; the lanes are summed at the end of the chunk). */
PATRON__KM_INLINE void candidate_chunk(seed_ctx *s, size_t c, size_t d) {
  const double *restrict x = s->x, *restrict pending = s->pending;
  double *restrict closest = s->closest;
  double pot[MAX_TRIALS] = {0};
  size_t n_cand = s->n_cand, i = c * PATRON__KM_CHUNK, end = chunk_end(s, c);
#if defined(__SSE2__)
  __m128d pot2[MAX_TRIALS];
  for (size_t t = 0; t < n_cand; t++)
    pot2[t] = _mm_setzero_pd();
  for (; i + 1 < end; i += 2) {
    const double *x0 = x + i * d, *x1 = x0 + d;
    __m128d v = _mm_loadu_pd(closest + i);
    if (pending) {
      v = _mm_min_pd(patron__km_dist2_pair(x0, x1, pending, d), v);
      _mm_storeu_pd(closest + i, v);
    }
    for (size_t t = 0; t < n_cand; t++)
      pot2[t] = _mm_add_pd(pot2[t], _mm_min_pd(patron__km_dist2_pair(x0, x1, s->cand[t], d), v));
  }
  for (size_t t = 0; t < n_cand; t++) {
    double lanes[2];
    _mm_storeu_pd(lanes, pot2[t]);
    pot[t] = lanes[0] + lanes[1];
  }
#endif
  for (; i < end; i++) {
    const double *xi = x + i * d;
    double v = closest[i];
    if (pending) {
      double t = patron__km_dist2(xi, pending, d);
      v = t < v ? t : v;
      closest[i] = v;
    }
    for (size_t t = 0; t < n_cand; t++) {
      double u = patron__km_dist2(xi, s->cand[t], d);
      pot[t] += u < v ? u : v;
    }
  }
  for (size_t t = 0; t < n_cand; t++)
    s->chunk_sum[c * STRIDE + 1 + t] = pot[t];
}

static void candidate_pass(void *arg, size_t c, size_t tid) {
  (void)tid;
  seed_ctx *s = arg;
#define CANDIDATE_CHUNK(dd) candidate_chunk(s, c, dd)
  PATRON__KM_BY_DIM(s->d, CANDIDATE_CHUNK)
#undef CANDIDATE_CHUNK
}

/* Draw one row with probability proportional to its (up to date) nearest distance. */
static size_t draw(const seed_ctx *s, double r) {
  size_t c = 0, last_c = 0;
  for (; c < s->n_chunks; c++) {
    double w = s->chunk_sum[c * STRIDE];
    if (w > 0)
      last_c = c;
    if (r < w)
      break;
    r -= w;
  }
  if (c == s->n_chunks)
    c = last_c, r = INFINITY;
  size_t end = chunk_end(s, c), last = c * PATRON__KM_CHUNK;
  for (size_t i = c * PATRON__KM_CHUNK; i < end; i++) {
    double v = s->closest[i];
    if (s->pending) {
      double t = patron__km_dist2(s->x + i * s->d, s->pending, s->d);
      v = t < v ? t : v;
    }
    if (v > 0)
      last = i;
    if (r < v)
      return i;
    r -= v;
  }
  return last;
}

/* Sum a column of the per-chunk table in chunk order. */
static double chunk_total(const seed_ctx *s, size_t col) {
  double tot = 0;
  for (size_t c = 0; c < s->n_chunks; c++)
    tot += s->chunk_sum[c * STRIDE + col];
  return tot;
}

void patron__km_plusplus(patron__km_pool *pool, const double *x, size_t n, size_t d, size_t k,
                         gsl_rng *rng, double *closest, double *chunk_sum, double *centers,
                         size_t *n_distance) {
  seed_ctx s = {.x = x,
                .n = n,
                .d = d,
                .n_chunks = patron__km_n_chunks(n),
                .closest = closest,
                .chunk_sum = chunk_sum};
  size_t trials = patron__km_plusplus_trials(k);
  size_t first = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
  memcpy(centers, x + first * d, d * sizeof *centers);
  s.cand[0] = centers;
  patron__km_pool_run(pool, first_pass, &s, s.n_chunks);
  *n_distance += n;
  double pot = chunk_total(&s, 0);
  for (size_t c = 1; c < k; c++) {
    size_t ids[MAX_TRIALS];
    for (size_t t = 0; t < trials; t++) {
      ids[t] = draw(&s, gsl_rng_uniform(rng) * pot);
      s.cand[t] = x + ids[t] * d;
    }
    s.n_cand = trials;
    patron__km_pool_run(pool, candidate_pass, &s, s.n_chunks);
    *n_distance += n * (trials + (s.pending != NULL));
    size_t best = 0;
    double best_pot = chunk_total(&s, 1);
    for (size_t t = 1; t < trials; t++) {
      double p = chunk_total(&s, 1 + t);
      if (p < best_pot)
        best_pot = p, best = t;
    }
    for (size_t ch = 0; ch < s.n_chunks; ch++)
      chunk_sum[ch * STRIDE] = chunk_sum[ch * STRIDE + 1 + best];
    pot = best_pot;
    memcpy(centers + c * d, x + ids[best] * d, d * sizeof *centers);
    s.pending = centers + c * d;
  }
}
