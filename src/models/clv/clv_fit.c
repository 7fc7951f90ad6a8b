/* Maximum-likelihood fitting shared by every CLV model: GSL's vector_bfgs2 on
 * log-parameters with the families' analytic gradients, a few Newton steps on a Hessian
 * from central differences of those gradients, and standard errors by the delta method.
 * The weighted log-likelihood is summed over fixed blocks of distinct rows on worker
 * threads and the block sums are merged in block order, so results never depend on the
 * number of threads. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 8192, MAX_THREADS = 64, P_MAX = PATRON_CLV_MAX_PARAMS };
#define MAX_ABS_ETA 25.0 /* |log parameter| beyond this means the data cannot pin it */

/* A log-likelihood already evaluated: the fit's last one is taken at the Newton answer,
 * evaluated a Hessian (P evaluations) earlier. */
enum { EVAL_MEMO = 8 };
typedef struct eval_memo {
  double theta[P_MAX], ll, grad[P_MAX];
  bool ok;
} eval_memo;

typedef struct fit_ctx {
  const clv_family *fam;
  const patron_clv_summary *s;
  clv_cache cache;
  double *block; /* n_blocks x (1 + P): ll, grad */
  size_t n_blocks, P;
  int threads;
  double penalizer, log_penalizer, W;
  bool unitless[P_MAX]; /* shapes (r, a, b, s, p, q), not time or money scales */
  double theta[P_MAX];
  double memo_eta[P_MAX], memo_f, memo_g[P_MAX]; /* GSL asks for f and df separately */
  bool memo_ok, have_memo;
  atomic_bool failed;         /* a block's evaluation failed */
  eval_memo evals[EVAL_MEMO]; /* the latest log-likelihoods, by theta */
  size_t n_evals;
} fit_ctx;

/* One part of the executor: block b's log-likelihood and gradient, summed in block order
 * afterwards, so the total does not depend on the thread count. */
static void eval_block(void *arg, size_t b, int worker) {
  (void)worker;
  fit_ctx *c = arg;
  double *out = c->block + b * (1 + c->P);
  memset(out, 0, (1 + c->P) * sizeof *out);
  size_t lo = b * BLOCK_ROWS, hi = lo + BLOCK_ROWS < c->s->n ? lo + BLOCK_ROWS : c->s->n;
  if (!c->fam->eval(c->theta, c->s, &c->cache, lo, hi, out, out + 1))
    atomic_store(&c->failed, true);
}

/* theta's log-likelihood and gradient from the memo: true when it holds them. */
static bool recalled(const fit_ctx *c, const double *theta, double *ll, double *grad, bool *ok) {
  for (size_t e = 0; e < c->n_evals && e < EVAL_MEMO; e++) {
    const eval_memo *m = &c->evals[e];
    if (memcmp(m->theta, theta, c->P * sizeof *theta) == 0) {
      *ll = m->ll, *ok = m->ok;
      memcpy(grad, m->grad, c->P * sizeof *grad);
      return true;
    }
  }
  return false;
}

static void remember(fit_ctx *c, const double *theta, double ll, const double *grad, bool ok) {
  eval_memo *m = &c->evals[c->n_evals++ % EVAL_MEMO];
  memcpy(m->theta, theta, c->P * sizeof *theta);
  memcpy(m->grad, grad, c->P * sizeof *grad);
  m->ll = ll, m->ok = ok;
}

/* Total weighted log-likelihood and gradient (natural parameters) at theta. */
static bool loglik(fit_ctx *c, const double *theta, double *ll, double *grad) {
  bool ok;
  if (recalled(c, theta, ll, grad, &ok))
    return ok;
  memcpy(c->theta, theta, c->P * sizeof *theta);
  c->fam->prepare(theta, c->s, &c->cache);
  atomic_store(&c->failed, false);
  patron__exec_parts(c->threads, c->n_blocks, eval_block, c);
  ok = !atomic_load(&c->failed);
  long double acc[1 + P_MAX] = {0};
  for (size_t b = 0; b < c->n_blocks; b++)
    for (size_t j = 0; j <= c->P; j++)
      acc[j] += c->block[b * (1 + c->P) + j];
  *ll = (double)acc[0];
  for (size_t j = 0; j < c->P; j++)
    grad[j] = (double)acc[1 + j];
  ok = ok && isfinite(*ll);
  remember(c, theta, *ll, grad, ok);
  return ok;
}

/* Objective on eta = log(theta): -LL / W + penalizer * sum(theta^2), and its gradient. */
static bool objective(fit_ctx *c, const double *eta, double *f, double *g) {
  double theta[P_MAX], ll, gl[P_MAX];
  for (size_t j = 0; j < c->P; j++) {
    if (!(fabs(eta[j]) <= MAX_ABS_ETA + 5))
      return false;
    theta[j] = exp(eta[j]);
  }
  if (!loglik(c, theta, &ll, gl))
    return false;
  double pen = 0, log_pen = 0;
  for (size_t j = 0; j < c->P; j++) {
    pen += theta[j] * theta[j];
    double lp = c->unitless[j] ? c->log_penalizer : 0;
    log_pen += lp * eta[j] * eta[j];
    if (g)
      g[j] = (-gl[j] / c->W + 2 * c->penalizer * theta[j]) * theta[j] + 2 * lp * eta[j];
  }
  *f = -ll / c->W + c->penalizer * pen + log_pen;
  return isfinite(*f);
}

enum { BAD_VALUE = 1000000000 }; /* returned outside the domain; steers the line search */

static void gsl_fdf(const gsl_vector *v, void *p, double *f, gsl_vector *df) {
  fit_ctx *c = p;
  double eta[P_MAX];
  for (size_t j = 0; j < c->P; j++)
    eta[j] = gsl_vector_get(v, j);
  if (!c->have_memo || memcmp(eta, c->memo_eta, c->P * sizeof *eta) != 0) {
    memcpy(c->memo_eta, eta, c->P * sizeof *eta);
    c->have_memo = true;
    c->memo_ok = objective(c, eta, &c->memo_f, c->memo_g);
  }
  *f = c->memo_ok ? c->memo_f : BAD_VALUE;
  if (df)
    for (size_t j = 0; j < c->P; j++)
      gsl_vector_set(df, j, c->memo_ok ? c->memo_g[j] : 0);
}

static double gsl_f(const gsl_vector *v, void *p) {
  double f;
  gsl_fdf(v, p, &f, NULL);
  return f;
}

static void gsl_df(const gsl_vector *v, void *p, gsl_vector *df) {
  double f;
  gsl_fdf(v, p, &f, df);
}

static double norm(const double *g, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; j++)
    s += g[j] * g[j];
  return sqrt(s);
}

/* BFGS from eta (updated in place). Returns iterations used. */
static int run_bfgs(fit_ctx *c, double *eta, int max_iter, double tol, bool *ok) {
  size_t P = c->P;
  gsl_multimin_function_fdf fdf = {gsl_f, gsl_df, gsl_fdf, P, c};
  gsl_vector *x0 = gsl_vector_alloc(P);
  gsl_multimin_fdfminimizer *m =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, P);
  *ok = x0 && m;
  int it = 0;
  if (*ok) {
    for (size_t j = 0; j < P; j++)
      gsl_vector_set(x0, j, eta[j]);
    gsl_multimin_fdfminimizer_set(m, &fdf, x0, 0.1, 0.1);
    while (it < max_iter) {
      it++;
      if (gsl_multimin_fdfminimizer_iterate(m) != GSL_SUCCESS)
        break;
      if (gsl_multimin_test_gradient(m->gradient, tol) == GSL_SUCCESS)
        break;
    }
    for (size_t j = 0; j < P; j++)
      eta[j] = gsl_vector_get(m->x, j);
  }
  gsl_multimin_fdfminimizer_free(m);
  gsl_vector_free(x0);
  return it;
}

/* Hessian of the objective in eta by forward differences of the analytic gradient (g0 is
 * the gradient at eta): P evaluations; the O(h) error (~1e-5 relative) is far below the
 * sampling error the standard errors describe. */
static bool hessian(fit_ctx *c, const double *eta, const double *g0, double H[P_MAX][P_MAX]) {
  const double h = 1e-5;
  size_t P = c->P;
  for (size_t j = 0; j < P; j++) {
    double e1[P_MAX], g1[P_MAX], f;
    memcpy(e1, eta, P * sizeof *eta);
    e1[j] += h;
    if (!objective(c, e1, &f, g1))
      return false;
    for (size_t i = 0; i < P; i++)
      H[i][j] = (g1[i] - g0[i]) / h;
  }
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < i; j++)
      H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
  return true;
}

/* Inverse of a small symmetric positive-definite matrix by Cholesky. Hand-written because
 * gsl_linalg_cholesky_decomp reports "not positive definite" through GSL's error handler,
 * which aborts by default; here it is an ordinary outcome (false). */
static bool spd_inverse(size_t n, double A[P_MAX][P_MAX], double inv[P_MAX][P_MAX]) {
  double L[P_MAX][P_MAX] = {{0}};
  for (size_t j = 0; j < n; j++) {
    double d = A[j][j];
    for (size_t k = 0; k < j; k++)
      d -= L[j][k] * L[j][k];
    if (!(d > 0))
      return false;
    L[j][j] = sqrt(d);
    for (size_t i = j + 1; i < n; i++) {
      double v = A[i][j];
      for (size_t k = 0; k < j; k++)
        v -= L[i][k] * L[j][k];
      L[i][j] = v / L[j][j];
    }
  }
  for (size_t col = 0; col < n; col++) {
    double y[P_MAX];
    for (size_t i = 0; i < n; i++) { /* L y = e_col */
      double v = i == col ? 1 : 0;
      for (size_t k = 0; k < i; k++)
        v -= L[i][k] * y[k];
      y[i] = v / L[i][i];
    }
    for (size_t i = n; i-- > 0;) { /* L^T x = y */
      double v = y[i];
      for (size_t k = i + 1; k < n; k++)
        v -= L[k][i] * inv[k][col];
      inv[i][col] = v / L[i][i];
    }
  }
  return true;
}

/* Newton steps from the BFGS answer (sharpens flat likelihoods such as Pareto/NBD's) with
 * the Hessian taken once at the BFGS answer and left in H. */
static bool newton_polish(fit_ctx *c, double *eta, double tol, double H[P_MAX][P_MAX],
                          double *gnorm) {
  size_t P = c->P;
  double f, g[P_MAX], Hi[P_MAX][P_MAX];
  if (!objective(c, eta, &f, g) || !hessian(c, eta, g, H))
    return false;
  bool spd = spd_inverse(P, H, Hi);
  double start[P_MAX], moved_max = 0;
  memcpy(start, eta, P * sizeof *eta);
  for (int step = 0; spd && step < 6 && norm(g, P) > tol * 1e-3; step++) {
    double trial[P_MAX], ft, gt[P_MAX], lambda = 1;
    bool moved = false;
    for (int half = 0; half < 10 && !moved; half++, lambda *= 0.5) {
      for (size_t i = 0; i < P; i++) {
        double d = 0;
        for (size_t j = 0; j < P; j++)
          d -= Hi[i][j] * g[j];
        trial[i] = eta[i] + lambda * d;
      }
      moved = objective(c, trial, &ft, gt) && ft <= f;
    }
    if (!moved)
      break;
    memcpy(eta, trial, P * sizeof *eta);
    memcpy(g, gt, P * sizeof *g);
    f = ft;
  }
  *gnorm = norm(g, P);
  for (size_t j = 0; j < P; j++)
    moved_max = fmax(moved_max, fabs(eta[j] - start[j]));
  return moved_max < 1e-4 || hessian(c, eta, g, H); /* standard errors at the optimum */
}

static const clv_family *family_of(patron_clv_kind kind) {
  switch (kind) {
  case PATRON_CLV_BGNBD: return &patron__clv_bgnbd_family;
  case PATRON_CLV_MBGNBD: return &patron__clv_mbgnbd_family;
  case PATRON_CLV_PARETONBD: return &patron__clv_pnbd_family;
  case PATRON_CLV_GAMMAGAMMA: return &patron__clv_gg_family;
  case PATRON_CLV_BGBB: return &patron__clv_bgbb_family;
  }
  return NULL;
}

static patron_status check_support(patron_clv_kind kind, const patron_clv_summary *s,
                                   patron_error *err) {
  bool spend = kind == PATRON_CLV_GAMMAGAMMA;
  if (s->total_weight < 2 || s->n < 1)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             spend ? "Gamma-Gamma needs at least 2 repeat customers with "
                                     "positive spend"
                                   : "%s needs at least 2 customers",
                             patron_clv_kind_name(kind));
  if (!spend && !(s->repeat_weight > 0))
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "%s cannot be fitted: no customer made a repeat purchase",
                             patron_clv_kind_name(kind));
  if (spend && s->n < 2)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "Gamma-Gamma cannot be fitted: every repeat customer has the "
                             "same frequency and spend");
  return PATRON_OK;
}

static bool ctx_init(fit_ctx *c, patron_clv_kind kind, const patron_clv_summary *s,
                     const patron_clv_fit_options *o) {
  memset(c, 0, sizeof *c);
  c->fam = family_of(kind);
  for (size_t j = 0; j < P_MAX; j++) /* alpha, beta (time) and gamma (money) are scales */
    c->unitless[j] =
        kind == PATRON_CLV_BGBB || /* BG/BB: four beta shapes */
        (!(j == 1 && kind != PATRON_CLV_GAMMAGAMMA) && !(j == 3 && kind == PATRON_CLV_PARETONBD) &&
         !(j == 2 && kind == PATRON_CLV_GAMMAGAMMA));
  c->s = s;
  c->P = c->fam->n_params;
  c->W = s->total_weight;
  c->penalizer = o && o->penalizer > 0 ? o->penalizer : 0;
  c->log_penalizer = o && o->log_penalizer > 0 ? o->log_penalizer : 0;
  c->threads = o && o->threads > 0 ? o->threads : patron__default_threads();
  if (c->threads > MAX_THREADS)
    c->threads = MAX_THREADS;
  c->n_blocks = (s->n + BLOCK_ROWS - 1) / BLOCK_ROWS;
  c->block = malloc(c->n_blocks * (1 + c->P) * sizeof *c->block);
  c->cache.xc = malloc((s->n_x ? s->n_x : 1) * CLV_XC * sizeof(double));
  c->cache.tc = malloc((s->n_t ? s->n_t : 1) * CLV_TC * sizeof(double));
  return c->block && c->cache.xc && c->cache.tc;
}

static void ctx_free(fit_ctx *c) {
  free(c->block);
  free(c->cache.xc);
  free(c->cache.tc);
  free(c->cache.ser);
}

enum { WARM_ROWS = 65536, WARM_STRIDE = 16 };

/* A Horvitz-Thompson subsample of the rows: every row with weight >= k, and one row in k
 * of the others with its weight times k, so its log-likelihood estimates the full one.
 * Shares the distinct-value tables of s; free with free(sub->x). */
static bool subsample(const patron_clv_summary *s, size_t k, patron_clv_summary *sub) {
  *sub = *s;
  size_t cap = s->n / k + 1, n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += s->w[i] >= (double)k && i % k != 0;
  cap += n;
  double *d = malloc(cap * (5 * sizeof(double) + 3 * sizeof(uint32_t)));
  if (!d)
    return false;
  sub->x = d, sub->tx = d + cap, sub->T = d + 2 * cap, sub->m = d + 3 * cap;
  sub->w = d + 4 * cap;
  sub->ix = (uint32_t *)(d + 5 * cap), sub->itx = sub->ix + cap, sub->iT = sub->itx + cap;
  sub->n = 0;
  sub->total_weight = 0;
  for (size_t i = 0; i < s->n; i++) {
    bool heavy = s->w[i] >= (double)k;
    if (!heavy && i % k != 0)
      continue;
    size_t j = sub->n++;
    sub->x[j] = s->x[i], sub->tx[j] = s->tx[i], sub->T[j] = s->T[i], sub->m[j] = s->m[i];
    sub->w[j] = heavy ? s->w[i] : s->w[i] * (double)k;
    sub->ix[j] = s->ix[i], sub->itx[j] = s->itx[i], sub->iT[j] = s->iT[i];
    sub->total_weight += sub->w[j];
  }
  return true;
}

/* Starting values for a large fit from a loose fit on a subsample (saves most full-data
 * evaluations). False when it could not help; eta is then unchanged. */
static bool warm_start(fit_ctx *c, double *eta) {
  patron_clv_summary sub;
  fit_ctx w = *c;
  if (!subsample(c->s, WARM_STRIDE, &sub))
    return false;
  w.s = &sub;
  w.W = sub.total_weight;
  w.n_blocks = (sub.n + BLOCK_ROWS - 1) / BLOCK_ROWS;
  w.have_memo = false;
  w.n_evals = 0; /* another summary */
  double e[P_MAX], f, g[P_MAX];
  memcpy(e, eta, sizeof e);
  bool ok = sub.repeat_weight > 0 && objective(&w, e, &f, g);
  if (ok)
    run_bfgs(&w, e, 200, 1e-4, &ok);
  for (size_t j = 0; ok && j < c->P; j++)
    ok = fabs(e[j]) < MAX_ABS_ETA;
  if (ok)
    memcpy(eta, e, c->P * sizeof *eta);
  c->cache = w.cache; /* prepare() may have grown the shared cache */
  free(sub.x);
  return ok;
}

/* Appends a sentence to the model's warnings. */
static void warn(patron_clv_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(patron_clv_model *m, const char *fmt, ...) {
  size_t used = strlen(m->warning);
  if (used && used + 2 < sizeof m->warning)
    memcpy(m->warning + used, "; ", 3), used += 2;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->warning + used, sizeof m->warning - used, fmt, ap);
  va_end(ap);
}

static patron_status not_identified(patron_clv_kind kind, const double *eta, size_t P,
                                    patron_error *err) {
  for (size_t j = 0; j < P; j++)
    if (!(fabs(eta[j]) < MAX_ABS_ETA))
      return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                               "%s: parameter %s runs off to %s; the data cannot identify "
                               "the model",
                               patron_clv_kind_name(kind), patron_clv_param_name(kind, j),
                               eta[j] > 0 ? "infinity" : "zero");
  return PATRON_OK;
}

/* Optimise (warm start + Newton for large data, else BFGS + Newton polish), and fill the
 * model's parameters, standard errors and diagnostics. */
static patron_status optimise(fit_ctx *c, patron_clv_kind kind, const patron_clv_fit_options *o,
                              patron_clv_model *m, patron_error *err) {
  size_t P = c->P;
  double eta[P_MAX], H[P_MAX][P_MAX], cov[P_MAX][P_MAX], f, g[P_MAX];
  for (size_t j = 0; j < P; j++)
    eta[j] = o && o->init && o->init[j] > 0 ? log(o->init[j]) : 0;
  bool warm = !(o && o->init) && c->s->n >= WARM_ROWS && warm_start(c, eta);
  if (!warm && !objective(c, eta, &f, g))
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "%s: the log-likelihood is not finite at the starting values",
                             patron_clv_kind_name(kind));
  int max_iter = o && o->max_iter > 0 ? o->max_iter : 500;
  double tol = o && o->tol > 0 ? o->tol : 1e-7;
  bool ok = true, done = false;
  if (warm)
    done = newton_polish(c, eta, tol, H, &m->grad_norm) && m->grad_norm < tol;
  if (!done) {
    m->iterations = run_bfgs(c, eta, max_iter, tol, &ok);
    if (!ok)
      return PATRON__OOM(err);
    patron_status st = not_identified(kind, eta, P, err);
    if (st != PATRON_OK)
      return st;
    if (!newton_polish(c, eta, tol, H, &m->grad_norm) || !(m->grad_norm < tol * 100))
      return patron__error_set(err, PATRON_ERR_NOCONV, NULL, 0, 0,
                               "%s: the optimiser did not converge (gradient norm %.3g after "
                               "%d iterations)",
                               patron_clv_kind_name(kind), m->grad_norm, m->iterations);
  }
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < P; j++)
      H[i][j] *= c->W; /* Hessian of -LL (plus penalty) */
  bool have_se = spd_inverse(P, H, cov);
  double ll, gl[P_MAX];
  for (size_t j = 0; j < P; j++)
    m->theta[j] = exp(eta[j]);
  if (!loglik(c, m->theta, &ll, gl))
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "log-likelihood lost");
  for (size_t j = 0; j < P; j++)
    m->se[j] = have_se ? m->theta[j] * sqrt(cov[j][j]) : NAN;
  m->ll = ll;
  m->converged = true;
  if (!have_se) /* a flat ridge: the optimum predicts, but its spread is unknown */
    warn(m, "the Hessian at the optimum is not positive definite: the data barely identify "
            "the parameters (standard errors unavailable); predictions hold, a small "
            "--penalizer (e.g. 0.001) makes the fit well-posed");
  return PATRON_OK;
}

/* A parameter at the edge of its range: the model degenerates (Pareto/NBD with s -> 0:
 * nobody drops out; BG/NBD with a, b -> 0: customers either leave at once or never). */
static void warn_degenerate(patron_clv_model *m) {
  const double *t = m->theta;
  if (m->kind == PATRON_CLV_GAMMAGAMMA)
    return;
  /* the mean dropout: per purchase for BG and MBG (a / (a + b)), per unit for Pareto (s/beta) */
  double dropout = m->kind == PATRON_CLV_PARETONBD ? t[2] / t[3] : t[2] / (t[2] + t[3]);
  size_t j = t[2] < t[3] ? 2 : 3;
  if (t[2] < 1e-4 || dropout < 1e-5)
    warn(m,
         "%s = %.3g: the model degenerates to customers who never drop out (mean dropout "
         "%.2g), so P(alive) is about 1 for everyone; compare models with --holdout-end, "
         "add --penalizer or use a longer history",
         patron_clv_param_name(m->kind, j), t[j], dropout);
}

static double spend_correlation(const patron_clv_summary *s) {
  long double sw = 0, sx = 0, sm = 0, sxx = 0, smm = 0, sxm = 0;
  for (size_t i = 0; i < s->n; i++) {
    long double w = s->w[i], x = s->x[i], m = s->m[i];
    sw += w;
    sx += w * x;
    sm += w * m;
    sxx += w * x * x;
    smm += w * m * m;
    sxm += w * x * m;
  }
  long double vx = sxx / sw - (sx / sw) * (sx / sw), vm = smm / sw - (sm / sw) * (sm / sw);
  if (!(vx > 0 && vm > 0))
    return 0;
  return (double)((sxm / sw - (sx / sw) * (sm / sw)) / sqrtl(vx * vm));
}

patron_status patron_clv_fit_summary(patron_clv_kind kind, const patron_clv_summary *s,
                                     const patron_clv_fit_options *opts, patron_clv_model **out,
                                     patron_error *err) {
  *out = NULL;
  if (!family_of(kind) || !s)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "unknown CLV model kind");
  patron_status st = check_support(kind, s, err);
  if (st != PATRON_OK)
    return st;
  patron_clv_model *m = calloc(1, sizeof *m);
  fit_ctx c;
  if (!ctx_init(&c, kind, s, opts) || !m) {
    ctx_free(&c);
    free(m);
    return PATRON__OOM(err);
  }
  m->kind = kind;
  m->penalizer = c.penalizer;
  m->n_customers = s->total_weight;
  st = optimise(&c, kind, opts, m, err);
  ctx_free(&c);
  if (st != PATRON_OK) {
    free(m);
    return st;
  }
  warn_degenerate(m);
  if (kind == PATRON_CLV_GAMMAGAMMA) {
    m->spend_corr = spend_correlation(s);
    if (fabs(m->spend_corr) > 0.3)
      warn(m,
           "frequency and mean spend are correlated (r = %.2f); the Gamma-Gamma model "
           "assumes they are independent",
           m->spend_corr);
  }
  *out = m;
  return PATRON_OK;
}

patron_status patron_clv_fit(patron_clv_kind kind, const patron_clv_data *data,
                             const patron_clv_fit_options *opts, patron_clv_model **out,
                             patron_error *err) {
  *out = NULL;
  if (!family_of(kind))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "unknown CLV model kind");
  patron_clv_summary *s = NULL;
  if (kind == PATRON_CLV_BGBB && patron_clv_bgbb_check(data, err) != PATRON_OK)
    return err->status;
  patron_status st = kind == PATRON_CLV_GAMMAGAMMA ? patron__clv_compress_spend(data, &s, err)
                                                   : patron_clv_compress(data, &s, err);
  if (st == PATRON_OK)
    st = patron_clv_fit_summary(kind, s, opts, out, err);
  patron_clv_summary_free(s);
  return st;
}
