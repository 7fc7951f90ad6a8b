/* Per-customer predictions of the buy-till-you-die models: P(alive) (FHL 2005 eq. 11,
 * Fader & Hardie's Pareto/NBD note eq. 18), expected purchases in (T, T+t] and P(at least
 * one purchase) (posterior expectations of the live component: BG-type via Gauss-Jacobi
 * quadrature over the dropout probability p ~ Beta, Pareto/NBD in closed form and via the
 * same K integral as the likelihood), Gamma-Gamma expected order value, and discounted CLV.
 * Rows are computed once per distinct (x, t_x, T) and scattered to customers; several
 * predictions share one pass (patron_clv_predict_many). */
#include "core/sort.h"
#include "models/clv/clv_int.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { JACOBI_NODES = 40, JACOBI_CACHE = 64 };

/* A Gauss-Jacobi rule for p ~ Beta(a, b) on [0, 1]: nodes and normalised weights. */
typedef struct jacobi_rule {
  double p[JACOBI_NODES], w[JACOBI_NODES];
} jacobi_rule;

/* Rules cached by b (a is the model's): a small list, plus rules indexed by whole x
 * (b = b0 + x) so that customers in any order never rebuild a rule. */
enum { JACOBI_BY_X = 4096 };
typedef struct jacobi_cache {
  double b[JACOBI_CACHE];
  jacobi_rule *rule[JACOBI_CACHE];
  size_t n;
  jacobi_rule **by_x; /* JACOBI_BY_X entries, allocated on first use */
  double b0;          /* b of by_x[0] */
} jacobi_cache;

static void jacobi_free(jacobi_cache *jc) {
  for (size_t i = 0; i < jc->n; i++)
    free(jc->rule[i]);
  for (size_t i = 0; jc->by_x && i < JACOBI_BY_X; i++)
    free(jc->by_x[i]);
  free(jc->by_x);
  jc->by_x = NULL;
  jc->n = 0;
}

/* Golub-Welsch: eigen-decomposition of the Jacobi matrix of the weight
 * (1-x)^al (1+x)^be on [-1, 1], with al = b-1, be = a-1, mapped to p = (1+x)/2. Written
 * here because gsl_integration_fixed_jacobi overflows gamma() (and aborts through GSL's
 * error handler) once b is in the hundreds, i.e. for customers with hundreds of purchases. */
static bool jacobi_build(double a, double b, jacobi_rule *r) {
  const size_t n = JACOBI_NODES;
  double al = b - 1, be = a - 1, ab = al + be;
  gsl_matrix *J = gsl_matrix_calloc(n, n), *V = gsl_matrix_alloc(n, n);
  gsl_vector *ev = gsl_vector_alloc(n);
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n);
  bool ok = J && V && ev && ws;
  for (size_t k = 0; ok && k < n; k++) {
    double two = 2.0 * (double)k + ab;
    double diag = k == 0 ? (be - al) / (ab + 2) : (be * be - al * al) / (two * (two + 2));
    gsl_matrix_set(J, k, k, diag);
    if (k + 1 < n) {
      double m = (double)k + 1, t = 2 * m + ab, off2;
      if (k == 0)
        off2 = 4 * (1 + al) * (1 + be) / ((2 + ab) * (2 + ab) * (3 + ab));
      else
        off2 = 4 * m * (m + al) * (m + be) * (m + ab) / (t * t * (t + 1) * (t - 1));
      gsl_matrix_set(J, k, k + 1, sqrt(off2));
      gsl_matrix_set(J, k + 1, k, sqrt(off2));
    }
  }
  if (ok)
    ok = gsl_eigen_symmv(J, ev, V, ws) == GSL_SUCCESS;
  double total = 0;
  for (size_t j = 0; ok && j < n; j++) {
    double v0 = gsl_matrix_get(V, 0, j);
    r->p[j] = 0.5 * (1 + gsl_vector_get(ev, j));
    r->w[j] = v0 * v0;
    total += r->w[j];
  }
  for (size_t j = 0; ok && j < n; j++)
    r->w[j] /= total;
  gsl_eigen_symmv_free(ws);
  gsl_vector_free(ev);
  gsl_matrix_free(V);
  gsl_matrix_free(J);
  return ok && total > 0;
}

static const jacobi_rule *jacobi_get(jacobi_cache *jc, double a, double b);

/* The rule for b = b0 + x with a whole x (the common case), cached by x. */
static const jacobi_rule *jacobi_get_x(jacobi_cache *jc, double a, double b0, double x) {
  if (!(x >= 0 && x < JACOBI_BY_X && x == floor(x)))
    return jacobi_get(jc, a, b0 + x);
  if (!jc->by_x || jc->b0 != b0) {
    for (size_t i = 0; jc->by_x && i < JACOBI_BY_X; i++)
      free(jc->by_x[i]), jc->by_x[i] = NULL;
    if (!jc->by_x && !(jc->by_x = calloc(JACOBI_BY_X, sizeof *jc->by_x)))
      return NULL;
    jc->b0 = b0;
  }
  jacobi_rule **slot = &jc->by_x[(size_t)x];
  if (!*slot && (*slot = malloc(sizeof **slot)) && !jacobi_build(a, b0 + x, *slot)) {
    free(*slot);
    *slot = NULL;
  }
  return *slot;
}

static const jacobi_rule *jacobi_get(jacobi_cache *jc, double a, double b) {
  for (size_t i = 0; i < jc->n; i++)
    if (jc->b[i] == b)
      return jc->rule[i];
  if (jc->n == JACOBI_CACHE)
    jacobi_free(jc);
  jacobi_rule *r = malloc(sizeof *r);
  if (!r || !jacobi_build(a, b, r)) {
    free(r);
    return NULL;
  }
  jc->b[jc->n] = b;
  jc->rule[jc->n++] = r;
  return r;
}

/* E[(1 - (1 + p h)^-k) / p] under the rule's Beta weight. */
static double beta_expect_rule(const jacobi_rule *r, double h, double k) {
  double sum = 0;
  for (size_t i = 0; i < JACOBI_NODES; i++) {
    double p = r->p[i], g = p > 0 ? -expm1(-k * log1p(p * h)) / p : k * h;
    sum += r->w[i] * g;
  }
  return sum;
}

double patron__clv_beta_expect(double a, double b, double h, double k) {
  jacobi_cache jc = {.n = 0};
  const jacobi_rule *r = jacobi_get(&jc, a, b);
  double v = r ? beta_expect_rule(r, h, k) : NAN;
  jacobi_free(&jc);
  return v;
}

/* ---- per-row quantities --------------------------------------------------------------- */

typedef struct row {
  double x, tx, T;
} row;

static bool is_bg(patron_clv_kind k) { return k == PATRON_CLV_BGNBD || k == PATRON_CLV_MBGNBD; }

/* log P(alive) for a BG-type model. */
static double bg_log_alive(const double *th, bool modified, row c) {
  double r = th[0], alpha = th[1], a = th[2], b = th[3];
  if (!modified && c.x == 0)
    return 0;
  double den = modified ? b + c.x : b + c.x - 1;
  double d = log(a) - log(den) + (r + c.x) * (log(alpha + c.T) - log(alpha + c.tx));
  return -patron__clv_logaddexp(0, d);
}

/* log P(alive) for Pareto/NBD: E / (E + s K). */
static bool pnbd_log_alive(const double *th, row c, double *out) {
  double r = th[0], alpha = th[1], s = th[2], beta = th[3], p = r + c.x, log_k;
  double log_e = -p * log(alpha + c.T) - s * log(beta + c.T);
  if (!patron__clv_pnbd_logk(p, alpha, s + 1, beta, c.tx, c.T, &log_k, NULL))
    return false;
  *out = log_e - patron__clv_logaddexp(log_e, log(s) + log_k);
  return true;
}

static bool log_alive(const patron_clv_model *m, row c, double *out) {
  if (is_bg(m->kind)) {
    *out = bg_log_alive(m->theta, m->kind == PATRON_CLV_MBGNBD, c);
    return true;
  }
  return pnbd_log_alive(m->theta, c, out);
}

/* Expected purchases in (T, T+t] of a live customer. */
static bool alive_purchases(const patron_clv_model *m, jacobi_cache *jc, row c, double t,
                            double *out) {
  const double *th = m->theta;
  double k = th[0] + c.x, h = t / (th[1] + c.T);
  if (is_bg(m->kind)) {
    const jacobi_rule *w = jacobi_get_x(jc, th[2], th[3] + (m->kind == PATRON_CLV_MBGNBD), c.x);
    if (!w)
      return false;
    *out = beta_expect_rule(w, h, k);
    return true;
  }
  /* Pareto/NBD: (r+x)/(alpha+T) * (beta+T)/(s-1) * [1 - ((beta+T)/(beta+T+t))^(s-1)] */
  double s1 = th[2] - 1, L = log1p(t / (th[3] + c.T));
  double f = fabs(s1) < 1e-10 ? L : -expm1(-s1 * L) / s1;
  *out = k / (th[1] + c.T) * (th[3] + c.T) * f;
  return true;
}

/* Expected purchases of a live customer already computed for this (x, T), by horizon t
 * (its bits): queries share horizons (purchases over 90 days and the third month of a
 * 90-day CLV; 365 days and the twelfth month of a 365-day CLV), and each is computed once. */
enum { MEMO_MAX = 64 };
typedef struct horizon_memo {
  uint64_t t[MEMO_MAX];
  double e[MEMO_MAX];
  size_t n;
} horizon_memo;

static bool memo_purchases(const patron_clv_model *m, jacobi_cache *jc, horizon_memo *memo, row c,
                           double t, double *out) {
  uint64_t bits;
  memcpy(&bits, &t, sizeof bits);
  for (size_t i = 0; i < memo->n; i++)
    if (memo->t[i] == bits)
      return *out = memo->e[i], true;
  if (!alive_purchases(m, jc, c, t, out))
    return false;
  if (memo->n < MEMO_MAX)
    memo->t[memo->n] = bits, memo->e[memo->n++] = *out;
  return true;
}

/* P(at least one purchase in (T, T+t]) of a live customer. */
static bool alive_any(const patron_clv_model *m, row c, double t, double *out) {
  const double *th = m->theta;
  double k = th[0] + c.x;
  if (is_bg(m->kind)) {
    *out = -expm1(-k * log1p(t / (th[1] + c.T)));
    return true;
  }
  /* 1 - E[mu/(l+mu) + l/(l+mu) e^-(l+mu)t] = (r+x)(a+T)^(r+x)(b+T)^s K(r+x+1, s; T, T+t) */
  double log_k;
  if (!patron__clv_pnbd_logk(k + 1, th[1], th[2], th[3], c.T, c.T + t, &log_k, NULL))
    return false;
  *out = exp(log(k) + k * log(th[1] + c.T) + th[2] * log(th[3] + c.T) + log_k);
  if (*out > 1)
    *out = 1;
  return true;
}

/* ---- vectorised front ends ------------------------------------------------------------ */

static double month_units(const patron_clv_value_options *vo) {
  return (vo->month_days > 0 ? vo->month_days : 30) / vo->unit_days;
}

/* Discounted expected purchases over the value horizon (per unit of order value). */
static bool row_value(const patron_clv_model *m, jacobi_cache *jc, horizon_memo *memo, row c,
                      const patron_clv_value_options *vo, double *out) {
  double mu = month_units(vo), prev = 0, acc = 0;
  for (int i = 1; i <= vo->months; i++) {
    double e;
    if (!memo_purchases(m, jc, memo, c, i * mu, &e))
      return false;
    acc += (e - prev) * pow(1 + vo->discount_rate, -i / 12.0);
    prev = e;
  }
  *out = acc;
  return true;
}

/* The query's factor for a live customer: it depends on x and T only (not on t_x). */
static bool alive_factor(const patron_clv_model *m, jacobi_cache *jc, horizon_memo *memo, row c,
                         const patron_clv_query *q, double *v) {
  *v = 1;
  switch (q->what) {
  case PATRON_CLV_PURCHASES: return memo_purchases(m, jc, memo, c, q->t, v);
  case PATRON_CLV_P_ANY: return alive_any(m, c, q->t, v);
  case PATRON_CLV_VALUE: return row_value(m, jc, memo, c, q->value, v);
  default: return true;
  }
}

static patron_status check_model(const patron_clv_model *m, bool purchase, patron_error *err) {
  if (!m || (purchase ? !(is_bg(m->kind) || m->kind == PATRON_CLV_PARETONBD)
                      : m->kind != PATRON_CLV_GAMMAGAMMA))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             purchase ? "prediction needs a purchase model (BG/NBD, MBG/NBD "
                                        "or Pareto/NBD)"
                                      : "spend prediction needs a Gamma-Gamma model");
  return PATRON_OK;
}

enum { MAX_QUERIES = 32 }; /* queries of one pass; more run in further passes */

/* Rows of a summary computed in parallel, in two steps: each (x, T) group's live-customer
 * factor per query (the costly part: quadrature over the dropout probability, months of a
 * value), visiting the rows in (x, T) order; then every row's P(alive), which depends on
 * t_x too, times its group's factors, in memory order. Each worker has its own Jacobi-rule
 * cache. */
typedef struct rows_job {
  const patron_clv_model *m;
  const patron_clv_summary *s;
  const patron_clv_query *q;
  size_t n_q;
  const uint32_t *order; /* rows by (x, T) */
  const uint32_t *first; /* group g's rows: order[first[g]] ... order[first[g + 1] - 1] */
  uint32_t *group;       /* row -> its group */
  double *factor;        /* group g's factor for query k at factor[g * n_q + k] */
  double *v;             /* query k's value of row i at v[k * s->n + i] */
  jacobi_cache jc[PATRON__EXEC_MAX_WORKERS];
  horizon_memo memo[PATRON__EXEC_MAX_WORKERS];
} rows_job;

static void groups_block(void *ctx, size_t lo, size_t hi, int worker) {
  rows_job *j = ctx;
  const patron_clv_summary *s = j->s;
  for (size_t g = lo; g < hi; g++) {
    size_t i = j->order[j->first[g]];
    row c = {s->x[i], s->tx[i], s->T[i]};
    double *f = j->factor + g * j->n_q;
    j->memo[worker].n = 0;
    for (size_t q = 0; q < j->n_q; q++)
      if (!alive_factor(j->m, &j->jc[worker], &j->memo[worker], c, &j->q[q], &f[q]))
        f[q] = NAN;
    for (size_t k = j->first[g]; k < j->first[g + 1]; k++)
      j->group[j->order[k]] = (uint32_t)g;
  }
}

static void rows_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  rows_job *j = ctx;
  const patron_clv_summary *s = j->s;
  for (size_t i = lo; i < hi; i++) {
    row c = {s->x[i], s->tx[i], s->T[i]};
    const double *f = j->factor + (size_t)j->group[i] * j->n_q;
    double la;
    bool alive = log_alive(j->m, c, &la);
    double pa = alive ? exp(la) : NAN;
    for (size_t q = 0; q < j->n_q; q++) {
      double v = alive ? pa * f[q] : NAN;
      j->v[q * s->n + i] = isfinite(v) ? v : NAN;
    }
  }
}

/* Radix key of a value >= 0 (the summary's x and T): its bits, 0.0 for -0.0. */
static uint64_t nonneg_key(double v) {
  uint64_t k;
  v = v == 0 ? 0.0 : v;
  memcpy(&k, &v, sizeof k);
  return k;
}

/* The rows in (x, T, row) order (two stable radix sorts: by T, then by x) into order, and
 * where each (x, T) group starts in it into first (the group count g, then first[g] = n);
 * order and first hold n + 1 entries. False when memory runs out. */
static bool rows_by_x_T(const patron_clv_summary *s, uint32_t *order, uint32_t *first,
                        size_t *groups) {
  uint64_t *keys = malloc((s->n ? s->n : 1) * sizeof *keys);
  bool ok = keys != NULL;
  for (size_t i = 0; ok && i < s->n; i++)
    order[i] = (uint32_t)i, keys[i] = nonneg_key(s->T[i]);
  ok = ok && patron__radix_sort(keys, order, s->n);
  for (size_t i = 0; ok && i < s->n; i++)
    keys[i] = nonneg_key(s->x[order[i]]);
  ok = ok && patron__radix_sort(keys, order, s->n);
  size_t g = 0;
  for (size_t k = 0; ok && k < s->n; k++) /* equal keys: equal x; equal iT: equal T */
    if (k == 0 || keys[k] != keys[k - 1] || s->iT[order[k]] != s->iT[order[k - 1]])
      first[g++] = (uint32_t)k;
  first[g] = (uint32_t)s->n;
  *groups = g;
  free(keys);
  return ok;
}

static patron_status check_query(const patron_clv_query *q, patron_error *err) {
  patron_status st = PATRON_OK;
  if (q->what == PATRON_CLV_VALUE)
    st = patron__clv_check_value_options(q->value, err);
  if (q->what == PATRON_CLV_VALUE && st == PATRON_OK)
    st = check_model(q->spend, false, err);
  if (st == PATRON_OK && (!q->out || !(q->t >= 0 && isfinite(q->t))))
    st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                           "prediction needs an output array and a horizon t >= 0");
  return st;
}

/* Query values of the distinct rows: a non-finite one is an error. */
static patron_status check_finite(const patron_clv_summary *s, const double *v, patron_error *err) {
  for (size_t i = 0; i < s->n; i++)
    if (!isfinite(v[i]))
      return patron__error_set(err, PATRON_ERR_NOCONV, NULL, 0, 0,
                               "prediction for x=%g, t_x=%g, T=%g is not finite with these "
                               "parameters",
                               s->x[i], s->tx[i], s->T[i]);
  return PATRON_OK;
}

/* One query's values scattered from the distinct rows to customers, in blocks of customers
 * on the executor; a value query's times margin x expected order value (sp). */
typedef struct scatter_job {
  const uint32_t *index; /* customer -> row */
  const double *v;       /* the query's row values */
  const double *sp;      /* value query: the spend model's predictions, else NULL */
  double margin;
  double *out;
} scatter_job;

static void scatter_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const scatter_job *j = ctx;
  for (size_t i = lo; i < hi; i++)
    j->out[i] = j->v[j->index[i]];
  for (size_t i = lo; j->sp && i < hi; i++)
    j->out[i] *= j->margin * j->sp[i];
}

enum { SCATTER_BLOCK = 65536 };

/* Query q's values (v, per distinct row) to its customers. sp: room for data->n spend
 * predictions, made on the first value query of a spend model (*sp_of). */
static patron_status scatter(const patron_clv_query *q, const patron_clv_data *data,
                             const patron_clv_summary *s, const double *v, double *sp,
                             const patron_clv_model **sp_of, patron_error *err) {
  patron_status st = check_finite(s, v, err);
  bool value = q->what == PATRON_CLV_VALUE;
  if (st == PATRON_OK && value && *sp_of != q->spend &&
      (st = patron_clv_predict_spend(q->spend, data, sp, err)) == PATRON_OK)
    *sp_of = q->spend;
  if (st != PATRON_OK)
    return st;
  scatter_job j = {s->index, v, value ? sp : NULL,
                   value && q->value->margin > 0 ? q->value->margin : 1.0, q->out};
  patron__exec_ranges(patron__clv_threads(0, data->n, SCATTER_BLOCK), data->n, SCATTER_BLOCK,
                      scatter_block, &j);
  return PATRON_OK;
}

/* Room for the spend predictions when a query needs them (*sp NULL otherwise). */
static bool spend_room(const patron_clv_query *q, size_t n_q, size_t n, double **sp) {
  *sp = NULL;
  for (size_t k = 0; k < n_q; k++)
    if (q[k].what == PATRON_CLV_VALUE)
      return (*sp = malloc((n ? n : 1) * sizeof **sp)) != NULL;
  return true;
}

/* The (x, T) groups of the rows, blocks of which the workers take (GROUP_BLOCK groups, or
 * ROW_BLOCK rows). */
typedef struct row_groups {
  uint32_t *order, *first;
  size_t n;
} row_groups;

enum { GROUP_BLOCK = 64, ROW_BLOCK = 8192 };

/* One pass: n <= MAX_QUERIES queries over the distinct rows s. */
static patron_status predict_pass(const patron_clv_model *m, const patron_clv_data *data,
                                  const patron_clv_summary *s, const row_groups *gr,
                                  const patron_clv_query *q, size_t n, patron_error *err) {
  rows_job *job = calloc(1, sizeof *job);
  double *v = malloc((s->n ? n * s->n : 1) * sizeof *v);
  double *factor = malloc((gr->n ? n * gr->n : 1) * sizeof *factor);
  uint32_t *group = malloc((s->n ? s->n : 1) * sizeof *group);
  double *sp = NULL;
  const patron_clv_model *sp_of = NULL;
  patron_status st =
      job && v && factor && group && spend_room(q, n, data->n, &sp) ? PATRON_OK : PATRON__OOM(err);
  int nt = patron__clv_threads(0, gr->n, GROUP_BLOCK);
  if (st == PATRON_OK) {
    *job = (rows_job){.m = m,
                      .s = s,
                      .q = q,
                      .n_q = n,
                      .order = gr->order,
                      .first = gr->first,
                      .group = group,
                      .factor = factor,
                      .v = v};
    patron__exec_ranges(nt, gr->n, GROUP_BLOCK, groups_block, job);
    patron__exec_ranges(patron__clv_threads(0, s->n, ROW_BLOCK), s->n, ROW_BLOCK, rows_block, job);
  }
  for (size_t k = 0; st == PATRON_OK && k < n; k++)
    st = scatter(&q[k], data, s, v + k * s->n, sp, &sp_of, err);
  for (int t = 0; job && t < nt; t++)
    jacobi_free(&job->jc[t]);
  free(job), free(v), free(factor), free(group), free(sp);
  return st;
}

/* The model and every query checked before any work. */
static patron_status check_all(const patron_clv_model *m, const patron_clv_query *queries, size_t n,
                               patron_error *err) {
  patron_status st = check_model(m, true, err);
  for (size_t k = 0; st == PATRON_OK && k < n; k++)
    st = check_query(&queries[k], err);
  return st;
}

/* The passes over the distinct rows of s (checked queries). */
static patron_status predict_rows(const patron_clv_model *m, const patron_clv_data *data,
                                  const patron_clv_summary *s, const patron_clv_query *queries,
                                  size_t n, patron_error *err) {
  row_groups gr = {.order = malloc((s->n + 1) * sizeof *gr.order),
                   .first = malloc((s->n + 1) * sizeof *gr.first)};
  patron_status st = gr.order && gr.first && rows_by_x_T(s, gr.order, gr.first, &gr.n)
                         ? PATRON_OK
                         : PATRON__OOM(err);
  for (size_t k = 0; st == PATRON_OK && k < n; k += MAX_QUERIES)
    st = predict_pass(m, data, s, &gr, queries + k, n - k < MAX_QUERIES ? n - k : MAX_QUERIES, err);
  free(gr.order), free(gr.first);
  return st;
}

patron_status patron_clv_predict_many(const patron_clv_model *m, const patron_clv_data *data,
                                      const patron_clv_query *queries, size_t n,
                                      patron_error *err) {
  patron_status st = check_all(m, queries, n, err);
  patron_clv_summary *s = NULL;
  if (st == PATRON_OK && n > 0)
    st = patron_clv_compress(data, &s, err);
  if (st == PATRON_OK && n > 0)
    st = predict_rows(m, data, s, queries, n, err);
  patron_clv_summary_free(s);
  return st;
}

patron_status patron_clv_predict_many_summary(const patron_clv_model *m,
                                              const patron_clv_data *data,
                                              const patron_clv_summary *s,
                                              const patron_clv_query *queries, size_t n,
                                              patron_error *err) {
  patron_status st = check_all(m, queries, n, err);
  if (st == PATRON_OK && (!s || !data || s->n_customers != data->n))
    st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                           "prediction needs the summary of the same data");
  return st == PATRON_OK && n > 0 ? predict_rows(m, data, s, queries, n, err) : st;
}

patron_status patron_clv_predict_p_alive(const patron_clv_model *m, const patron_clv_data *data,
                                         double *out, patron_error *err) {
  patron_clv_query q = {.what = PATRON_CLV_P_ALIVE, .out = out};
  return patron_clv_predict_many(m, data, &q, 1, err);
}

patron_status patron_clv_predict_purchases(const patron_clv_model *m, const patron_clv_data *data,
                                           double t, double *out, patron_error *err) {
  patron_clv_query q = {.what = PATRON_CLV_PURCHASES, .t = t, .out = out};
  return patron_clv_predict_many(m, data, &q, 1, err);
}

patron_status patron_clv_predict_p_any(const patron_clv_model *m, const patron_clv_data *data,
                                       double t, double *out, patron_error *err) {
  patron_clv_query q = {.what = PATRON_CLV_P_ANY, .t = t, .out = out};
  return patron_clv_predict_many(m, data, &q, 1, err);
}

/* Gamma-Gamma posterior mean order value: p (gamma + x m) / (p x + q - 1); customers
 * without repeat spend get the population mean p gamma / (q - 1). */
static bool spend_one(const double *th, double x, double m, double *out) {
  double p = th[0], q = th[1], g = th[2];
  if (!(x > 0 && m > 0))
    x = m = 0;
  double den = p * x + q - 1;
  if (!(den > 0))
    return false;
  *out = p * (g + x * m) / den;
  return true;
}

patron_status patron_clv_predict_spend(const patron_clv_model *spend, const patron_clv_data *data,
                                       double *out, patron_error *err) {
  patron_status st = check_model(spend, false, err);
  if (st != PATRON_OK)
    return st;
  if (!data || !data->x || !out)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "spend prediction: NULL");
  for (size_t i = 0; i < data->n; i++) {
    double m = data->monetary ? data->monetary[i] : 0;
    if (!spend_one(spend->theta, data->x[i], m, &out[i]))
      return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                               "Gamma-Gamma q = %g <= 1: the population mean order value is "
                               "infinite, so customers without repeat spend have no expected "
                               "order value",
                               spend->theta[1]);
  }
  return PATRON_OK;
}

patron_status patron__clv_check_value_options(const patron_clv_value_options *o,
                                              patron_error *err) {
  if (!o || o->months < 1 || o->months > 1200 || !(o->unit_days > 0) || !(o->discount_rate > -1) ||
      !(o->margin >= 0) || !(o->month_days >= 0) ||
      !isfinite(o->discount_rate + o->margin + o->unit_days + o->month_days))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "CLV options need 1 <= months <= 1200, unit_days > 0, "
                             "discount_rate > -1, margin >= 0");
  return PATRON_OK;
}

patron_status patron_clv_predict_value(const patron_clv_model *purchases,
                                       const patron_clv_model *spend, const patron_clv_data *data,
                                       const patron_clv_value_options *opts, double *out,
                                       patron_error *err) {
  patron_clv_query q = {.what = PATRON_CLV_VALUE, .spend = spend, .value = opts, .out = out};
  return patron_clv_predict_many(purchases, data, &q, 1, err);
}

bool patron__clv_p_alive_one(const patron_clv_model *m, double x, double tx, double T,
                             double *out) {
  double la;
  if (!log_alive(m, (row){x, tx, T}, &la))
    return false;
  *out = exp(la);
  return true;
}
