/* Lookalike audiences (SPEC section 9) as positive-unlabelled learning (Elkan & Noto 2008):
 * an L2-regularised logistic regression of the seed against every other customer (a
 * random sample of at most max_negatives of them, classes weighted to balance) on the
 * standardised design matrix of lookalike_features.c; the score of a customer is the
 * fitted probability, which ranks the unlabelled customers by likeness to the seed. The
 * evaluation hides holdout_pct of the seed, fits on the rest (the hidden members stay in
 * the unlabelled pool, as real lookalikes do) and measures how the hidden members rank
 * among the non-seed customers, for the model and two baselines: distance to the seed
 * centroid in the same standardised space, and monetary. Every random draw comes from one
 * mt19937 seeded with rng_seed, so a run is reproducible. */
#include "core/sort.h"
#include "models/churn/features_int.h"
#include "models/lookalike/lookalike_int.h"
#include "patron/churn.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ROLE_REST = 0, ROLE_SEED = 1, ROLE_HIDDEN = 2 };

void patron_lookalike_options_init(patron_lookalike_options *o) {
  *o = (patron_lookalike_options){.holdout_pct = 20, .l2 = 1, .max_negatives = 100000};
}

size_t patron_lookalike_size(const patron_lookalike_options *o, size_t n) {
  if (o->size)
    return o->size < n ? o->size : n;
  double k = floor(o->top_pct / 100.0 * (double)n + 0.5);
  return k < (double)n ? (size_t)k : n;
}

/* Rows ranked by score descending, ties by index; NULL when out of memory. */
static uint32_t *rank_desc(const double *score, size_t n) {
  uint64_t *keys = malloc((n + 1) * sizeof *keys);
  uint32_t *idx = malloc((n + 1) * sizeof *idx);
  for (size_t i = 0; keys && idx && i < n; i++) {
    keys[i] = ~patron__double_key(isnan(score[i]) ? -INFINITY : score[i]);
    idx[i] = (uint32_t)i;
  }
  bool ok = keys && idx && patron__radix_sort(keys, idx, n);
  free(keys);
  if (!ok) {
    free(idx);
    return NULL;
  }
  return idx;
}

patron_lookalike_eval patron_lookalike_evaluate(const double *score, const uint8_t *label, size_t n,
                                                size_t k) {
  patron_lookalike_eval e = {NAN, NAN, NAN};
  float *y = malloc((n + 1) * sizeof *y);
  double *s = malloc((n + 1) * sizeof *s);
  uint32_t *order = rank_desc(score, n);
  size_t pos = 0, hit = 0;
  for (size_t i = 0; y && s && order && i < n; i++) {
    y[i] = label[i] ? 1.0f : 0.0f;
    s[i] = isnan(score[i]) ? -INFINITY : score[i];
    pos += label[i] != 0;
    hit += i < k && label[order[i]] != 0;
  }
  if (y && s && order && pos > 0 && pos < n) {
    e.auc = patron_metrics_auc(s, y, n);
    e.recall = (double)hit / (double)pos;
    e.lift = k ? e.recall * (double)n / (double)k : NAN;
  }
  free(y);
  free(s);
  free(order);
  return e;
}

/* Rows with role `pos` (label 1) and a sample of at most max of the others (label 0). */
typedef struct trainset {
  uint32_t *rows;
  size_t n, n_pos;
} trainset;

static bool pick_rows(const uint8_t *role, size_t n, uint8_t pos, size_t max, gsl_rng *rng,
                      trainset *t) {
  t->rows = malloc((n + 1) * sizeof *t->rows);
  if (!t->rows)
    return false;
  t->n = t->n_pos = 0;
  for (size_t i = 0; i < n; i++)
    if (role[i] == pos)
      t->rows[t->n_pos++] = (uint32_t)i;
  size_t first_neg = t->n = t->n_pos;
  for (size_t i = 0; i < n; i++)
    if (role[i] != pos)
      t->rows[t->n++] = (uint32_t)i;
  size_t n_neg = t->n - first_neg;
  if (max && n_neg > max) { /* partial Fisher-Yates: the first max are a uniform sample */
    for (size_t i = 0; i < max; i++) {
      size_t j = i + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(n_neg - i));
      uint32_t tmp = t->rows[first_neg + i];
      t->rows[first_neg + i] = t->rows[first_neg + j];
      t->rows[first_neg + j] = tmp;
    }
    t->n = first_neg + max;
  }
  return true;
}

/* Logistic regression of the trainset, classes weighted to balance; beta gets p + 1 values
 * (intercept last). A fit that does not converge (a seed the features separate) is retried
 * with a 10x larger penalty. */
static patron_status fit(const patron__lk_matrix *m, const trainset *t,
                         const patron_lookalike_options *o, double *beta, patron_error *err) {
  size_t p = m->p;
  float *x = malloc((t->n * p + 1) * sizeof *x), *y = malloc((t->n + 1) * sizeof *y);
  double *w = malloc((t->n + 1) * sizeof *w);
  patron_status st = x && y && w ? PATRON_OK : PATRON__OOM(err);
  double w_pos = t->n_pos ? (double)(t->n - t->n_pos) / (double)t->n_pos : 1;
  for (size_t i = 0; st == PATRON_OK && i < t->n; i++) {
    for (size_t j = 0; j < p; j++)
      x[i * p + j] = m->z[j * m->n + t->rows[i]];
    y[i] = i < t->n_pos ? 1.0f : 0.0f;
    w[i] = i < t->n_pos ? w_pos : 1.0;
  }
  double l2 = o->l2;
  for (int attempt = 0; st == PATRON_OK && attempt < 4; attempt++, l2 *= 10) {
    st = patron_logistic_fit(x, y, w, t->n, p, l2, o->n_threads, beta, err);
    if (st != PATRON_ERR_NOCONV || attempt == 3)
      break;
    patron_error_clear(err);
    st = PATRON_OK;
  }
  free(x);
  free(y);
  free(w);
  return st;
}

/* Probability of every row under beta. */
static void predict(const patron__lk_matrix *m, const double *beta, double *out) {
  for (size_t i = 0; i < m->n; i++)
    out[i] = beta[m->p];
  for (size_t j = 0; j < m->p; j++) {
    const float *z = m->z + j * m->n;
    for (size_t i = 0; i < m->n; i++)
      out[i] += beta[j] * z[i];
  }
  for (size_t i = 0; i < m->n; i++)
    out[i] = 1 / (1 + exp(-out[i]));
}

/* Minus the squared distance of every row to the centroid of the rows with role `pos`. */
static bool centroid_scores(const patron__lk_matrix *m, const uint8_t *role, uint8_t pos,
                            double *out) {
  double *c = calloc(m->p + 1, sizeof *c);
  if (!c)
    return false;
  size_t k = 0;
  for (size_t i = 0; i < m->n; i++)
    k += role[i] == pos;
  for (size_t j = 0; j < m->p; j++) {
    const float *z = m->z + j * m->n;
    for (size_t i = 0; i < m->n; i++)
      c[j] += role[i] == pos ? z[i] : 0;
    c[j] /= k ? (double)k : 1;
  }
  memset(out, 0, m->n * sizeof *out);
  for (size_t j = 0; j < m->p; j++) {
    const float *z = m->z + j * m->n;
    for (size_t i = 0; i < m->n; i++)
      out[i] -= (z[i] - c[j]) * (z[i] - c[j]);
  }
  free(c);
  return true;
}

static void monetary_scores(const patron_profile *p, size_t n, double *out) {
  const patron_column *c = patron_table_find(patron_profile_table_const(p), "monetary");
  for (size_t i = 0; i < n; i++) {
    int64_t v =
        c && c->type == PATRON_COL_MONEY ? ((const int64_t *)c->data)[i] : PATRON_NULL_MONEY;
    out[i] = v == PATRON_NULL_MONEY ? -INFINITY : (double)v;
  }
}

/* Evaluation of the scores of the non-seed and hidden rows. */
static patron_lookalike_eval eval_rows(const patron_lookalike_result *r, const double *score,
                                       double *buf) {
  for (size_t i = 0; i < r->n_eval; i++)
    buf[i] = score[r->eval_rows[i]];
  return patron_lookalike_evaluate(buf, r->eval_hidden, r->n_eval, r->eval_k);
}

typedef struct run_ctx {
  const patron_profile *p;
  const patron_lookalike_options *o;
  patron__lk_matrix m;
  uint8_t *role;
  double *score, *beta;
  gsl_rng *rng;
  patron_lookalike_result *r;
} run_ctx;

/* Hides the holdout, fits on the rest of the seed, evaluates the model and baselines. */
static patron_status evaluate(run_ctx *c, patron_error *err) {
  patron_lookalike_result *r = c->r;
  size_t n_seed = r->n_seed, n = c->m.n;
  size_t h = (size_t)floor(c->o->holdout_pct / 100.0 * (double)n_seed + 0.5);
  if (h >= n_seed)
    h = n_seed - 1;
  r->n_hidden = h;
  r->model = r->centroid = r->monetary = (patron_lookalike_eval){NAN, NAN, NAN};
  if (h == 0)
    return PATRON_OK;
  uint32_t *order = malloc(n_seed * sizeof *order);
  if (!order)
    return PATRON__OOM(err);
  for (size_t i = 0, k = 0; i < n; i++)
    if (c->role[i] == ROLE_SEED)
      order[k++] = (uint32_t)i;
  gsl_ran_shuffle(c->rng, order, n_seed, sizeof *order);
  for (size_t i = 0; i < h; i++)
    c->role[order[i]] = ROLE_HIDDEN;
  free(order);
  r->n_eval = 0;
  r->eval_rows = malloc((n + 1) * sizeof *r->eval_rows);
  r->eval_hidden = malloc(n + 1);
  r->eval_score = malloc((n + 1) * sizeof *r->eval_score);
  double *buf = malloc((n + 1) * sizeof *buf);
  trainset t = {0};
  patron_status st = r->eval_rows && r->eval_hidden && r->eval_score && buf &&
                             pick_rows(c->role, n, ROLE_SEED, c->o->max_negatives, c->rng, &t)
                         ? PATRON_OK
                         : PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    if (c->role[i] != ROLE_SEED) {
      r->eval_hidden[r->n_eval] = c->role[i] == ROLE_HIDDEN;
      r->eval_rows[r->n_eval++] = (uint32_t)i;
    }
  r->eval_k = patron_lookalike_size(c->o, r->n_candidates);
  if (st == PATRON_OK)
    st = fit(&c->m, &t, c->o, c->beta, err);
  if (st == PATRON_OK) {
    predict(&c->m, c->beta, c->score);
    for (size_t i = 0; i < r->n_eval; i++)
      r->eval_score[i] = c->score[r->eval_rows[i]];
    r->model = eval_rows(r, c->score, buf);
    if (!centroid_scores(&c->m, c->role, ROLE_SEED, c->score))
      st = PATRON__OOM(err);
  }
  if (st == PATRON_OK) {
    r->centroid = eval_rows(r, c->score, buf);
    monetary_scores(c->p, n, c->score);
    r->monetary = eval_rows(r, c->score, buf);
  }
  for (size_t i = 0; i < n; i++) /* the hidden members rejoin the seed */
    c->role[i] = c->role[i] == ROLE_HIDDEN ? ROLE_SEED : c->role[i];
  free(t.rows);
  free(buf);
  return st;
}

/* The final fit on the whole seed; the best k non-seed rows. */
static patron_status choose(run_ctx *c, patron_error *err) {
  patron_lookalike_result *r = c->r;
  trainset t = {0};
  size_t n = c->m.n;
  if (!pick_rows(c->role, n, ROLE_SEED, c->o->max_negatives, c->rng, &t))
    return PATRON__OOM(err);
  patron_status st = fit(&c->m, &t, c->o, c->beta, err);
  free(t.rows);
  if (st != PATRON_OK)
    return st;
  predict(&c->m, c->beta, c->score);
  for (size_t i = 0; i < n; i++)
    if (c->role[i] == ROLE_SEED)
      c->score[i] = NAN; /* ranked last, never chosen */
  uint32_t *order = rank_desc(c->score, n);
  size_t k = patron_lookalike_size(c->o, r->n_candidates);
  r->rows = malloc((k + 1) * sizeof *r->rows);
  r->score = malloc((k + 1) * sizeof *r->score);
  if (!order || !r->rows || !r->score) {
    free(order);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < k; i++) {
    r->rows[i] = order[i];
    r->score[i] = c->score[order[i]];
  }
  r->n_rows = k;
  free(order);
  return PATRON_OK;
}

static patron_status check_options(const patron_lookalike_options *o, patron_error *err) {
  if (!o->size && !(o->top_pct > 0 && o->top_pct <= 100))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "lookalike: a size (N > 0) or a top share in (0, 100] is needed");
  if (!(o->holdout_pct >= 0 && o->holdout_pct < 100))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "lookalike: the holdout must be in [0, 100)");
  if (!(o->l2 > 0))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "lookalike: the penalty must be > 0");
  return PATRON_OK;
}

static patron_status mark_seed(run_ctx *c, const uint32_t *seed, size_t n_seed, patron_error *err) {
  size_t n = c->m.n, k = 0;
  for (size_t i = 0; i < n_seed; i++) {
    if (seed[i] >= n)
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "lookalike: seed row %u is not a profile row", (unsigned)seed[i]);
    k += c->role[seed[i]] == ROLE_REST;
    c->role[seed[i]] = ROLE_SEED;
  }
  c->r->n_seed = k;
  c->r->n_candidates = n - k;
  if (k == 0)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "lookalike: the seed holds no customer");
  if (k == n)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "lookalike: the seed holds every customer: nobody is left to score");
  return PATRON_OK;
}

patron_status patron_lookalike_run(const patron_profile *p, const patron_dataset *ds,
                                   const uint32_t *seed_rows, size_t n_seed,
                                   const patron_lookalike_options *o, patron_lookalike_result *out,
                                   patron_error *err) {
  memset(out, 0, sizeof *out);
  patron_status st = check_options(o, err);
  if (st != PATRON_OK)
    return st;
  run_ctx c = {p, o, {0}, NULL, NULL, NULL, NULL, out};
  size_t n = patron_table_n_rows(patron_profile_table_const(p));
  c.m.n = n;
  c.role = calloc(n + 1, 1);
  c.score = malloc((n + 1) * sizeof *c.score);
  c.rng = gsl_rng_alloc(gsl_rng_mt19937);
  st = c.role && c.score && c.rng ? mark_seed(&c, seed_rows, n_seed, err) : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron__lk_matrix_build(p, ds, o->n_threads, &c.m, err);
  if (st == PATRON_OK && !(c.beta = calloc(c.m.p + 1, sizeof *c.beta)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    out->n_features = c.m.p;
    gsl_rng_set(c.rng, (unsigned long)o->rng_seed);
    st = evaluate(&c, err);
  }
  if (st == PATRON_OK)
    st = choose(&c, err);
  patron__lk_matrix_free(&c.m);
  free(c.role);
  free(c.score);
  free(c.beta);
  if (c.rng)
    gsl_rng_free(c.rng);
  if (st != PATRON_OK)
    patron_lookalike_result_free(out);
  return st;
}

void patron_lookalike_result_free(patron_lookalike_result *r) {
  free(r->rows);
  free(r->score);
  free(r->eval_rows);
  free(r->eval_score);
  free(r->eval_hidden);
  memset(r, 0, sizeof *r);
}
