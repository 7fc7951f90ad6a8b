/* L2-penalized logistic regression by IRLS (Newton-Raphson on the penalized log-likelihood,
 * e.g. Hastie, Tibshirani & Friedman, ESL 4.4.1), with step halving when a step does not
 * lower the objective. The Hessian X'WX + l2 I is accumulated over fixed blocks of rows
 * (threads take blocks, sums are merged in block order, so results do not depend on the
 * thread count) and solved with GSL's Cholesky decomposition. The rank-one update of each
 * row runs four entries at a time on padded rows, four rows per pass over h (GCC/Clang
 * vector extensions: the same products and sums, in the same order, as a scalar loop over
 * one row at a time, so results do not change, while h's memory traffic falls fourfold). */
#include "core/exec.h"
#include "core/core_int.h"
#include "patron/churn.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 8192, MAX_STEPS = 50, MAX_HALVINGS = 30, MAX_THREADS = 16, ROWS = 4 };

typedef double v4d __attribute__((vector_size(32), aligned(8)));

typedef struct lr_problem {
  const float *x, *y;
  const double *w;
  size_t n, p, q; /* q = p + 1 (intercept last) */
  size_t q4;      /* q rounded up to a multiple of 4: the stride of the per-block h rows */
  const double *beta;
  size_t n_blocks;
  double *h, *g, *obj; /* per block: q*q4 (upper triangle), q, 1 */
} lr_problem;

typedef struct lr_job {
  lr_problem *pb;
  size_t first, step;
  bool failed; /* out of memory */
} lr_job;

/* h[j][k] += v * xi[j] * xi[k] for k >= j, four entries at a time from j's group of four
 * (the entries before j in that group are below the diagonal and never read). */
static void add_row(double *h, size_t q4, const double *xi, double v, size_t q) {
  for (size_t j = 0; j < q; j++) {
    double vx = v * xi[j];
    v4d s = {vx, vx, vx, vx}, a, b;
    double *hj = h + j * q4;
    for (size_t k = j & ~(size_t)3; k < q4; k += 4) {
      memcpy(&a, hj + k, sizeof a);
      memcpy(&b, xi + k, sizeof b);
      a += s * b;
      memcpy(hj + k, &a, sizeof a);
    }
  }
}

/* add_row for four rows (xi: 4 rows of q4) in one pass over h: each entry takes the rows'
 * products in row order, exactly as four add_row calls would. */
static void add_4_rows(double *h, size_t q4, const double *xi, const double *v, size_t q) {
  const double *x0 = xi, *x1 = xi + q4, *x2 = xi + 2 * q4, *x3 = xi + 3 * q4;
  for (size_t j = 0; j < q; j++) {
    double v0 = v[0] * x0[j], v1 = v[1] * x1[j], v2 = v[2] * x2[j], v3 = v[3] * x3[j];
    v4d s0 = {v0, v0, v0, v0}, s1 = {v1, v1, v1, v1}, s2 = {v2, v2, v2, v2}, s3 = {v3, v3, v3, v3},
        a, b0, b1, b2, b3;
    double *hj = h + j * q4;
    for (size_t k = j & ~(size_t)3; k < q4; k += 4) {
      memcpy(&a, hj + k, sizeof a);
      memcpy(&b0, x0 + k, sizeof b0);
      memcpy(&b1, x1 + k, sizeof b1);
      memcpy(&b2, x2 + k, sizeof b2);
      memcpy(&b3, x3 + k, sizeof b3);
      a += s0 * b0;
      a += s1 * b1;
      a += s2 * b2;
      a += s3 * b3;
      memcpy(hj + k, &a, sizeof a);
    }
  }
}

static void block_sums(lr_problem *pb, size_t b, double *xi) {
  size_t q = pb->q, q4 = pb->q4, lo = b * BLOCK, hi = lo + BLOCK < pb->n ? lo + BLOCK : pb->n;
  double *h = pb->h + b * q * q4, *g = pb->g + b * q, obj = 0, v[ROWS];
  memset(h, 0, q * q4 * sizeof *h);
  memset(g, 0, q * sizeof *g);
  size_t nr = 0;
  for (size_t i = lo; i < hi; i++) {
    double *x = xi + nr * q4, eta = pb->beta[q - 1];
    for (size_t j = 0; j + 1 < q; j++) {
      x[j] = pb->x[i * pb->p + j];
      eta += pb->beta[j] * x[j];
    }
    x[q - 1] = 1;
    double w = pb->w ? pb->w[i] : 1, y = pb->y[i];
    double pr = 1 / (1 + exp(-eta));
    /* -log-likelihood, stable for large |eta| */
    obj += w * (eta > 0 ? (1 - y) * eta + log1p(exp(-eta)) : -y * eta + log1p(exp(eta)));
    double r = w * (pr - y);
    v[nr++] = w * pr * (1 - pr);
    for (size_t j = 0; j < q; j++)
      g[j] += r * x[j];
    if (nr == ROWS)
      add_4_rows(h, q4, xi, v, q), nr = 0;
  }
  for (size_t r = 0; r < nr; r++)
    add_row(h, q4, xi + r * q4, v[r], q);
  pb->obj[b] = obj;
}

static void lr_worker(void *arg) {
  lr_job *j = arg;
  double *xi = calloc(ROWS * j->pb->q4, sizeof *xi); /* the padding stays 0 */
  j->failed = !xi;
  for (size_t b = j->first; xi && b < j->pb->n_blocks; b += j->step)
    block_sums(j->pb, b, xi);
  free(xi);
}

/* Fills H (q x q, full), g and returns the penalized objective. false on thread/memory
 * failure. */
static bool evaluate(lr_problem *pb, int threads, double l2, double *H, double *g, double *obj) {
  lr_job jobs[MAX_THREADS];
  size_t t = (size_t)threads < pb->n_blocks ? (size_t)threads : pb->n_blocks;
  bool ok = true;
  for (size_t i = 0; i < t; i++)
    jobs[i] = (lr_job){pb, i, t, false};
  patron__exec_each((int)t, jobs, t, sizeof *jobs, lr_worker);
  for (size_t i = 0; i < t; i++)
    ok = ok && !jobs[i].failed;
  size_t q = pb->q;
  long double o = 0;
  memset(H, 0, q * q * sizeof *H);
  memset(g, 0, q * sizeof *g);
  for (size_t b = 0; b < pb->n_blocks; b++) {
    o += pb->obj[b];
    for (size_t j = 0; j < q; j++) {
      g[j] += pb->g[b * q + j];
      for (size_t k = j; k < q; k++)
        H[j * q + k] += pb->h[(b * q + j) * pb->q4 + k];
    }
  }
  for (size_t j = 0; j + 1 < q; j++) {
    o += 0.5 * l2 * pb->beta[j] * pb->beta[j];
    g[j] += l2 * pb->beta[j];
    H[j * q + j] += l2;
  }
  for (size_t j = 0; j < q; j++)
    for (size_t k = 0; k < j; k++)
      H[j * q + k] = H[k * q + j];
  *obj = (double)o;
  return ok;
}

/* Solves H d = g in place of g (Cholesky). */
static bool newton_step(double *H, double *g, size_t q) {
  gsl_matrix_view hm = gsl_matrix_view_array(H, q, q);
  gsl_vector_view gv = gsl_vector_view_array(g, q);
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  int rc = gsl_linalg_cholesky_decomp1(&hm.matrix);
  if (rc == 0)
    rc = gsl_linalg_cholesky_svx(&hm.matrix, &gv.vector);
  gsl_set_error_handler(old);
  return rc == 0;
}

static patron_status check(const float *y, size_t n, patron_error *err) {
  double pos = 0;
  for (size_t i = 0; i < n; i++)
    pos += y[i] != 0;
  if (n < 2 || pos == 0 || pos == (double)n)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "logistic regression needs both classes (%zu rows, %.0f positive)", n,
                             pos);
  return PATRON_OK;
}

/* The IRLS loop on prepared buffers; *steps receives the number of Newton steps. */
static patron_status irls(lr_problem *pb, double l2, int threads, double *beta, double *H,
                          double *g, double *prev, patron_error *err) {
  size_t q = pb->q;
  double obj, best = INFINITY;
  int halvings = 0;
  for (int step = 0; step < MAX_STEPS;) {
    pb->beta = beta;
    if (!evaluate(pb, threads, l2, H, g, &obj))
      return PATRON__OOM(err);
    if (!(obj <= best)) { /* worse (or NaN): halve the step back towards prev */
      if (++halvings > MAX_HALVINGS)
        break;
      for (size_t j = 0; j < q; j++)
        beta[j] = prev[j] + 0.5 * (beta[j] - prev[j]);
      continue;
    }
    bool done = best - obj <= 1e-10 * (1 + fabs(obj));
    best = obj;
    halvings = 0;
    memcpy(prev, beta, q * sizeof *beta);
    if (!newton_step(H, g, q))
      break;
    double change = 0;
    for (size_t j = 0; j < q; j++) {
      beta[j] -= g[j];
      change = fmax(change, fabs(g[j]));
    }
    step++;
    if (done || change < 1e-9) {
      memcpy(beta, prev, q * sizeof *beta);
      return PATRON_OK;
    }
  }
  return patron__error_set(err, PATRON_ERR_NOCONV, NULL, 0, 0,
                           "logistic regression did not converge (try a larger l2 penalty)");
}

patron_status patron_logistic_fit(const float *x, const float *y, const double *w, size_t n,
                                  size_t p, double l2, int n_threads, double *beta,
                                  patron_error *err) {
  patron_status st = check(y, n, err);
  if (st != PATRON_OK)
    return st;
  size_t q = p + 1, n_blocks = (n + BLOCK - 1) / BLOCK;
  int threads = n_threads > 0 ? n_threads : patron__default_threads();
  if (threads > MAX_THREADS)
    threads = MAX_THREADS;
  lr_problem pb = {x, y, w, n, p, q, (q + 3) & ~(size_t)3, beta, n_blocks, NULL, NULL, NULL};
  pb.h = malloc(n_blocks * q * pb.q4 * sizeof *pb.h);
  pb.g = malloc(n_blocks * q * sizeof *pb.g);
  pb.obj = malloc(n_blocks * sizeof *pb.obj);
  double *H = malloc(q * q * sizeof *H), *g = malloc(q * sizeof *g);
  double *prev = malloc(q * sizeof *prev);
  if (!pb.h || !pb.g || !pb.obj || !H || !g || !prev)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    memset(beta, 0, q * sizeof *beta);
    st = irls(&pb, l2, threads, beta, H, g, prev, err);
  }
  free(pb.h);
  free(pb.g);
  free(pb.obj);
  free(H);
  free(g);
  free(prev);
  return st;
}
