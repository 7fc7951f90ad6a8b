/* Distinct-triple compression for the buy-till-you-die likelihoods: every model here
 * depends on a customer only through (x, t_x, T) (or (x, mean spend)), so fits run over the
 * distinct rows with summed weights. Hash-based, O(n), rows kept in first-seen order. */
#include "models/clv/clv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing table of row ids keyed by up to 3 doubles. */
typedef struct keyset {
  uint32_t *slot; /* row + 1, 0 = empty */
  size_t mask;
} keyset;

static uint64_t bits_of(double v) {
  if (v == 0.0)
    v = 0.0; /* -0.0 and 0.0 are the same key */
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static uint64_t mix3(double a, double b, double c) {
  uint64_t h = bits_of(a) * 0x9E3779B97F4A7C15ULL;
  h = (h ^ (h >> 29) ^ bits_of(b)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 31) ^ bits_of(c)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 32);
}

static bool keyset_init(keyset *k, size_t n) {
  size_t cap = 16;
  while (cap < 2 * n)
    cap *= 2;
  k->slot = calloc(cap, sizeof *k->slot);
  patron__advise_huge(k->slot, cap * sizeof *k->slot); /* random probes: fewer TLB misses */
  k->mask = cap - 1;
  return k->slot != NULL;
}

/* Find (a, b, c), whose mix3 is h, among rows cols[0..2][0..n_rows); insert as row n_rows
 * if absent. Returns the row. */
static uint32_t keyset_put_hashed(keyset *k, double *const cols[3], size_t n_rows, double a,
                                  double b, double c, uint64_t h, bool *added) {
  size_t i = h & k->mask;
  for (;;) {
    uint32_t s = k->slot[i];
    if (s == 0) {
      k->slot[i] = (uint32_t)n_rows + 1;
      *added = true;
      return (uint32_t)n_rows;
    }
    uint32_t r = s - 1;
    if (cols[0][r] == a && (!cols[1] || cols[1][r] == b) && (!cols[2] || cols[2][r] == c)) {
      *added = false;
      return r;
    }
    i = (i + 1) & k->mask;
  }
}

static uint32_t keyset_put(keyset *k, double *const cols[3], size_t n_rows, double a, double b,
                           double c, bool *added) {
  return keyset_put_hashed(k, cols, n_rows, a, b, c, mix3(a, b, c), added);
}

/* Row i's key as compress puts it. */
static void row_key(const patron_clv_data *d, bool spend, size_t i, double key[3]) {
  key[0] = d->x[i];
  key[1] = spend ? d->monetary[i] : d->t_x[i];
  key[2] = spend ? 0 : d->T[i];
}

/* Slots are looked up PREFETCH_AHEAD rows after their prefetch: a random probe per row
 * otherwise waits for memory (1M customers: a table of 8 MB). */
enum { PREFETCH_AHEAD = 16 };

static uint64_t prefetch_row(const keyset *k, const patron_clv_data *d, bool spend, size_t i) {
  double key[3];
  row_key(d, spend, i, key);
  uint64_t h = mix3(key[0], key[1], key[2]);
  __builtin_prefetch(&k->slot[h & k->mask]);
  return h;
}

static patron_status check_row(const patron_clv_data *d, size_t i, bool spend, patron_error *err) {
  double x = d->x[i], w = d->weight ? d->weight[i] : 1.0;
  const char *why = NULL;
  if (!isfinite(x) || x < 0)
    why = "x must be a finite number >= 0";
  else if (!isfinite(w) || w < 0)
    why = "weight must be a finite number >= 0";
  else if (spend && !isfinite(d->monetary[i]))
    why = "monetary must be finite";
  else if (!spend &&
           (!isfinite(d->t_x[i]) || !isfinite(d->T[i]) || d->t_x[i] < 0 || d->T[i] < d->t_x[i]))
    why = "need finite 0 <= t_x <= T";
  if (!why)
    return PATRON_OK;
  return patron__error_set(err, PATRON_ERR_INPUT, NULL, (uint64_t)i + 1, 0,
                           "customer %zu: %s (x=%g)", i + 1, why, x);
}

void patron_clv_summary_free(patron_clv_summary *s) {
  if (!s)
    return;
  free(s->x);
  free(s->tx);
  free(s->T);
  free(s->m);
  free(s->w);
  free(s->ix);
  free(s->itx);
  free(s->iT);
  free(s->ux);
  free(s->ut);
  free(s->index);
  free(s);
}

static patron_clv_summary *summary_alloc(size_t n) {
  patron_clv_summary *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  size_t m = n ? n : 1;
  s->x = malloc(m * sizeof *s->x);
  s->tx = malloc(m * sizeof *s->tx);
  s->T = malloc(m * sizeof *s->T);
  s->m = malloc(m * sizeof *s->m);
  s->w = malloc(m * sizeof *s->w);
  s->index = malloc(m * sizeof *s->index);
  if (!s->x || !s->tx || !s->T || !s->m || !s->w || !s->index) {
    patron_clv_summary_free(s);
    return NULL;
  }
  return s;
}

/* Distinct values of one or two columns (src2 may be NULL) into *uniq, with per-row
 * indices idx1 (and idx2). */
static bool index_values(const double *src1, const double *src2, size_t n, double **uniq,
                         size_t *n_uniq, uint32_t *idx1, uint32_t *idx2) {
  size_t total = src2 ? 2 * n : n;
  keyset k;
  double *u = malloc((total ? total : 1) * sizeof *u);
  if (!u || !keyset_init(&k, total)) {
    free(u);
    return false;
  }
  double *cols[3] = {u, NULL, NULL};
  size_t nu = 0;
  for (size_t i = 0; i < total; i++) {
    double v = i < n ? src1[i] : src2[i - n];
    bool added;
    uint32_t r = keyset_put(&k, cols, nu, v, 0, 0, &added);
    if (added)
      u[nu++] = v;
    if (i < n)
      idx1[i] = r;
    else
      idx2[i - n] = r;
  }
  free(k.slot);
  *uniq = u;
  *n_uniq = nu;
  return true;
}

/* One index_values job: the distinct x values, or the distinct times (t_x and T). */
typedef struct index_job {
  const double *src1, *src2;
  size_t n;
  double **uniq;
  size_t *n_uniq;
  uint32_t *idx1, *idx2;
  bool ok;
} index_job;

static void index_one(void *item) {
  index_job *j = item;
  j->ok = index_values(j->src1, j->src2, j->n, j->uniq, j->n_uniq, j->idx1, j->idx2);
}

/* The distinct x and the distinct times, indexed side by side on the executor. */
static bool finish_indices(patron_clv_summary *s) {
  s->ix = malloc((s->n ? s->n : 1) * sizeof *s->ix);
  s->itx = malloc((s->n ? s->n : 1) * sizeof *s->itx);
  s->iT = malloc((s->n ? s->n : 1) * sizeof *s->iT);
  if (!s->ix || !s->itx || !s->iT)
    return false;
  index_job jobs[2] = {{s->x, NULL, s->n, &s->ux, &s->n_x, s->ix, NULL, false},
                       {s->tx, s->T, s->n, &s->ut, &s->n_t, s->itx, s->iT, false}};
  patron__exec_each(s->n < 10000 ? 1 : 2, jobs, 2, sizeof *jobs, index_one);
  return jobs[0].ok && jobs[1].ok;
}

/* Shared loop: spend = false keys (x, t_x, T); spend = true keys (x, m) of usable rows. */
static patron_status compress(const patron_clv_data *d, bool spend, patron_clv_summary **out,
                              patron_error *err) {
  *out = NULL;
  if (!d || !d->x || (spend ? !d->monetary : (!d->t_x || !d->T)))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             spend ? "spend data needs x and monetary columns"
                                   : "purchase data needs x, t_x and T columns");
  if (d->n > UINT32_MAX - 1)
    return patron__error_set(err, PATRON_ERR_LIMIT, NULL, 0, 0, "too many customers");
  for (size_t i = 0; i < d->n; i++) {
    patron_status st = check_row(d, i, spend, err);
    if (st != PATRON_OK)
      return st;
  }
  patron_clv_summary *s = summary_alloc(d->n);
  keyset k;
  if (!s || !keyset_init(&k, d->n)) {
    patron_clv_summary_free(s);
    return PATRON__OOM(err);
  }
  double *cols[3] = {s->x, s->tx, s->T};
  uint64_t ahead[PREFETCH_AHEAD];
  for (size_t i = 0; i < PREFETCH_AHEAD && i < d->n; i++)
    ahead[i] = prefetch_row(&k, d, spend, i);
  for (size_t i = 0; i < d->n; i++) {
    double w = d->weight ? d->weight[i] : 1.0, key[3];
    uint64_t h = ahead[i % PREFETCH_AHEAD];
    if (i + PREFETCH_AHEAD < d->n)
      ahead[i % PREFETCH_AHEAD] = prefetch_row(&k, d, spend, i + PREFETCH_AHEAD);
    row_key(d, spend, i, key);
    double x = key[0], tx = key[1], T = key[2];
    if (spend && !(x > 0 && tx > 0)) {
      s->index[i] = UINT32_MAX;
      continue;
    }
    bool added;
    uint32_t r = keyset_put_hashed(&k, cols, s->n, x, tx, T, h, &added);
    if (added) {
      s->x[r] = x;
      s->tx[r] = tx;
      s->T[r] = T;
      s->w[r] = 0;
      s->n++;
    }
    s->w[r] += w;
    s->index[i] = r;
    s->total_weight += w;
    if (x > 0)
      s->repeat_weight += w;
  }
  free(k.slot);
  s->n_customers = d->n;
  if (spend) {
    memcpy(s->m, s->tx, s->n * sizeof *s->m);
    memset(s->tx, 0, s->n * sizeof *s->tx);
  }
  if (!finish_indices(s)) {
    patron_clv_summary_free(s);
    return PATRON__OOM(err);
  }
  *out = s;
  return PATRON_OK;
}

patron_status patron_clv_compress(const patron_clv_data *data, patron_clv_summary **out,
                                  patron_error *err) {
  return compress(data, false, out, err);
}

patron_status patron__clv_compress_spend(const patron_clv_data *data, patron_clv_summary **out,
                                         patron_error *err) {
  return compress(data, true, out, err);
}

size_t patron_clv_summary_rows(const patron_clv_summary *s) { return s ? s->n : 0; }

void patron_clv_summary_columns(const patron_clv_summary *s, const double **x, const double **t_x,
                                const double **T, const double **weight) {
  *x = s->x;
  *t_x = s->tx;
  *T = s->T;
  *weight = s->w;
}

const uint32_t *patron_clv_summary_index(const patron_clv_summary *s) {
  return s ? s->index : NULL;
}
