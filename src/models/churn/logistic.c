/* L2-penalized logistic regression by IRLS (Newton-Raphson on the penalized log-likelihood,
 * e.g. Hastie, Tibshirani & Friedman, ESL 4.4.1), with step halving when a step does not
 * lower the objective. The Hessian X'WX + l2 I is accumulated over fixed blocks of rows
 * (threads take blocks, sums are merged in block order, so results do not depend on the
 * thread count) and solved with GSL's Cholesky decomposition. */
#include "core/exec.h"
#include "core/core_int.h"
#include "patron/churn.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 8192, MAX_STEPS = 50, MAX_HALVINGS = 30, MAX_THREADS = 16 };

typedef struct lr_problem {
  const float *x, *y;
  const double *w;
  size_t n, p, q; /* q = p + 1 (intercept last) */
  const double *beta;
  size_t n_blocks;
  double *h, *g, *obj; /* per block: q*q (upper triangle), q, 1 */
} lr_problem;

typedef struct lr_job {
  lr_problem *pb;
  size_t first, step;
  bool failed; /* out of memory */
} lr_job;

static void block_sums(lr_problem *pb, size_t b, double *xi) {
  size_t q = pb->q, lo = b * BLOCK, hi = lo + BLOCK < pb->n ? lo + BLOCK : pb->n;
  double *h = pb->h + b * q * q, *g = pb->g + b * q, obj = 0;
  memset(h, 0, q * q * sizeof *h);
  memset(g, 0, q * sizeof *g);
  for (size_t i = lo; i < hi; i++) {
    double eta = pb->beta[q - 1];
    for (size_t j = 0; j + 1 < q; j++) {
      xi[j] = pb->x[i * pb->p + j];
      eta += pb->beta[j] * xi[j];
    }
    xi[q - 1] = 1;
    double w = pb->w ? pb->w[i] : 1, y = pb->y[i];
    double pr = 1 / (1 + exp(-eta));
    /* -log-likelihood, stable for large |eta| */
    obj += w * (eta > 0 ? (1 - y) * eta + log1p(exp(-eta)) : -y * eta + log1p(exp(eta)));
    double r = w * (pr - y), v = w * pr * (1 - pr);
    for (size_t j = 0; j < q; j++) {
      g[j] += r * xi[j];
      double vx = v * xi[j];
      double *hj = h + j * q;
      for (size_t k = j; k < q; k++)
        hj[k] += vx * xi[k];
    }
  }
  pb->obj[b] = obj;
}

static void lr_worker(void *arg) {
  lr_job *j = arg;
  double *xi = malloc(j->pb->q * sizeof *xi);
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
        H[j * q + k] += pb->h[b * q * q + j * q + k];
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
  lr_problem pb = {x, y, w, n, p, q, beta, n_blocks, NULL, NULL, NULL};
  pb.h = malloc(n_blocks * q * q * sizeof *pb.h);
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
