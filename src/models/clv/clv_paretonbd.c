/* Pareto/NBD (Schmittlein, Morrison & Colombo 1987) log-likelihood with analytic gradients,
 * in the integral form of Fader & Hardie (2005, "A note on deriving the Pareto/NBD model"):
 *   L = G(r+x)/G(r) alpha^r beta^s [(alpha+T)^-(r+x) (beta+T)^-s + s K],
 *   K = int_{t_x}^{T} (alpha+y)^-(r+x) (beta+y)^-(s+1) dy.
 * K is the A0 term written as a difference of antiderivatives; each is a Gauss 2F1 taken
 * about the larger of alpha and beta and Euler-transformed so that its series has positive,
 * decreasing terms (no gsl_sf_hyperg_2F1: GSL bug 54998). Everything is in log space. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdlib.h>

enum { HYP_MAX_TERMS = 1000000 };

bool patron__clv_hyp_series(double b, double c, double z, clv_hyp *out) {
  /* t_n = (b)_n/(c)_n z^n = v_n z with v_n = (b)_n/(c)_n z^(n-1); ratios <= z < 1. */
  double s = 1, sb = 0, sc = 0, sz = 0, v = b / c, db = 1 / b, dc = -1 / c;
  double tail = z / (1 - z);
  for (int n = 1; n <= HYP_MAX_TERMS; n++) {
    double t = v * z;
    s += t;
    sb += t * db;
    sc += t * dc;
    sz += n * v;
    if ((n + 1) * v * tail <= 1e-17 * (s + sz) || t == 0) {
      out->log_s = log(s);
      out->d_b = sb / s;
      out->d_c = sc / s;
      out->d_z = sz / s;
      return true;
    }
    v *= (b + n) / (c + n) * z;
    db += 1 / (b + n);
    dc -= 1 / (c + n);
  }
  return false;
}

/* log Phi(y) and its gradient in (p, alpha, q, beta) from the series h at z, where
 * Phi(y) = (A+y)^(1-e) (B+y)^(e-1-m) / m * S(b, m+1, z), z = (B-A)/(B+y), m = p+q-1,
 * B = max(alpha, beta), and (e, b) = (q, p) when alpha >= beta, else (p, q). */
static void assemble(double p, double alpha, double q, double beta, double y, double la, double lb,
                     const clv_hyp *h, double *lphi, double g[4]) {
  bool abig = alpha >= beta;
  double A = abig ? beta : alpha, B = abig ? alpha : beta;
  double e = abig ? q : p, m = p + q - 1;
  *lphi = (1 - e) * la + (e - 1 - m) * lb - log(m) + h->log_s;
  if (!g)
    return;
  double d_e = lb - la, d_m = -lb - 1 / m + h->d_c, d_b = h->d_b;
  double d_A = (1 - e) / (A + y) - h->d_z / (B + y);
  double d_B = (e - 1 - m) / (B + y) + h->d_z * (A + y) / ((B + y) * (B + y));
  g[0] = d_m + (abig ? d_b : d_e);
  g[2] = d_m + (abig ? d_e : d_b);
  g[1] = abig ? d_B : d_A;
  g[3] = abig ? d_A : d_B;
}

static bool log_phi(double p, double alpha, double q, double beta, double y, double *lphi,
                    double g[4]) {
  bool abig = alpha >= beta;
  double A = abig ? beta : alpha, B = abig ? alpha : beta;
  clv_hyp h;
  if (!patron__clv_hyp_series(abig ? p : q, p + q, (B - A) / (B + y), &h))
    return false;
  assemble(p, alpha, q, beta, y, log(A + y), log(B + y), &h, lphi, g);
  return true;
}

/* log K = log(Phi(lo) - Phi(hi)) and its gradient from the two antiderivatives. */
static void combine(double l_lo, const double *g_lo, double l_hi, const double *g_hi, double *log_k,
                    double grad[4]) {
  double diff = l_hi - l_lo;
  if (diff > 0) /* rounding when hi is barely above lo */
    diff = 0;
  double one_minus = -expm1(diff);
  if (!(one_minus > 0)) {
    *log_k = -INFINITY;
    if (grad)
      grad[0] = grad[1] = grad[2] = grad[3] = 0;
    return;
  }
  *log_k = l_lo + log(one_minus);
  if (grad) {
    double rho = exp(diff);
    for (int j = 0; j < 4; j++)
      grad[j] = (g_lo[j] - rho * g_hi[j]) / one_minus;
  }
}

/* 8-point Gauss-Legendre on [-1, 1] (abscissae, weights). */
static const double GL8[4][2] = {{0.1834346424956498, 0.3626837833783620},
                                 {0.5255324099163290, 0.3137066458778873},
                                 {0.7966664774136267, 0.2223810344533745},
                                 {0.9602898564975363, 0.1012285362903763}};

/* K over a short interval (the difference of antiderivatives would cancel): the integrand
 * changes by a few percent at most, so Gauss-Legendre is exact to rounding. */
static void short_logk(double p, double alpha, double q, double beta, double lo, double hi,
                       double *log_k, double grad[4]) {
  double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo), lf[8], y[8], w[8], top = -INFINITY;
  for (int i = 0; i < 8; i++) {
    double u = GL8[i / 2][0] * (i % 2 ? 1 : -1);
    y[i] = mid + half * u;
    w[i] = GL8[i / 2][1] * half;
    lf[i] = -p * log(alpha + y[i]) - q * log(beta + y[i]);
    top = fmax(top, lf[i]);
  }
  double k = 0, kp = 0, ka = 0, kq = 0, kb = 0;
  for (int i = 0; i < 8; i++) {
    double f = w[i] * exp(lf[i] - top);
    k += f;
    kp -= log(alpha + y[i]) * f;
    ka -= p * f / (alpha + y[i]);
    kq -= log(beta + y[i]) * f;
    kb -= q * f / (beta + y[i]);
  }
  *log_k = top + log(k);
  if (grad) {
    grad[0] = kp / k;
    grad[1] = ka / k;
    grad[2] = kq / k;
    grad[3] = kb / k;
  }
}

enum { SHORT_FRACTION_PERCENT = 5 }; /* K below 5% of Phi(lo): use short_logk */

bool patron__clv_pnbd_logk(double p, double alpha, double q, double beta, double lo, double hi,
                           double *log_k, double grad[4]) {
  if (!(hi > lo)) {
    *log_k = -INFINITY;
    if (grad)
      grad[0] = grad[1] = grad[2] = grad[3] = 0;
    return true;
  }
  double l_lo, l_hi, g_lo[4], g_hi[4];
  if (!log_phi(p, alpha, q, beta, lo, &l_lo, grad ? g_lo : NULL) ||
      !log_phi(p, alpha, q, beta, hi, &l_hi, grad ? g_hi : NULL))
    return false;
  if (-expm1(fmin(l_hi - l_lo, 0)) < SHORT_FRACTION_PERCENT / 100.0)
    short_logk(p, alpha, q, beta, lo, hi, log_k, grad);
  else
    combine(l_lo, g_lo, l_hi, g_hi, log_k, grad);
  return true;
}

/* Fast path of the fit: the series coefficients C_n = (b)_n/(c)_n, C_n D^b_n, C_n D^c_n
 * and n C_n depend on the row only through x, so they are tabulated once per distinct x
 * and evaluation (no divisions per term). Used when few terms suffice at the largest z. */
enum { SER_MAX_TERMS = 600, SER_MAX_DOUBLES = 1 << 23 };

static void table_fill(double *t, size_t len, double b, double c) {
  double C = 1, db = 0, dc = 0;
  for (size_t n = 0; n < len; n++) {
    t[4 * n] = C;
    t[4 * n + 1] = C * db;
    t[4 * n + 2] = C * dc;
    t[4 * n + 3] = (double)n * C;
    C *= (b + (double)n) / (c + (double)n);
    db += 1 / (b + (double)n);
    dc -= 1 / (c + (double)n);
  }
}

static void prepare_table(const double *th, const patron_clv_summary *s, clv_cache *c,
                          double t_min) {
  bool abig = th[1] >= th[3];
  double A = abig ? th[3] : th[1], B = abig ? th[1] : th[3], z = (B - A) / (B + t_min);
  double need = z > 0 ? log(1e-18 * (1 - z)) / log(z) + 2 : 2;
  c->ser_ok = false;
  if (!(need < SER_MAX_TERMS) || (size_t)need * 4 * s->n_x > SER_MAX_DOUBLES)
    return;
  c->ser_len = (size_t)need;
  size_t total = c->ser_len * 4 * s->n_x;
  if (total > c->ser_cap) {
    double *t = realloc(c->ser, total * sizeof *t);
    if (!t)
      return;
    c->ser = t;
    c->ser_cap = total;
  }
  for (size_t j = 0; j < s->n_x; j++) {
    double p = th[0] + s->ux[j], q = th[2] + 1;
    table_fill(c->ser + j * c->ser_len * 4, c->ser_len, abig ? p : q, p + q);
  }
  c->ser_ok = true;
}

static void table_series(const double *t, size_t len, double z, clv_hyp *h) {
  double S = 1, Sb = 0, Sc = 0, Sz = 0, zp = 1, stop = 1e-17 * (1 - z);
  for (size_t n = 1; n < len; n++) {
    const double *c = t + 4 * n;
    Sz += c[3] * zp; /* n C_n z^(n-1) */
    zp *= z;
    S += c[0] * zp;
    Sb += c[1] * zp;
    Sc += c[2] * zp;
    if (zp * (double)n < stop)
      break;
  }
  h->log_s = log(S);
  h->d_b = Sb / S;
  h->d_c = Sc / S;
  h->d_z = Sz / S;
}

static double lgam(double v) {
  int sign;
  return lgamma_r(v, &sign);
}

/* Per distinct x: lgamma(r+x) - lgamma(r), psi(r+x) - psi(r); per distinct time
 * log(alpha+t), log(beta+t); and the series table when it is small. */
static void prepare(const double *th, const patron_clv_summary *s, clv_cache *c) {
  double r = th[0], lg_r = lgam(r), ps_r = gsl_sf_psi(r), t_min = INFINITY;
  for (size_t j = 0; j < s->n_x; j++) {
    double x = s->ux[j];
    c->xc[j * CLV_XC] = lgam(r + x) - lg_r;
    c->xc[j * CLV_XC + 1] = gsl_sf_psi(r + x) - ps_r;
  }
  for (size_t j = 0; j < s->n_t; j++) {
    c->tc[j * CLV_TC] = log(th[1] + s->ut[j]);
    c->tc[j * CLV_TC + 1] = log(th[3] + s->ut[j]);
    t_min = fmin(t_min, s->ut[j]);
  }
  prepare_table(th, s, c, s->n_t ? t_min : 0);
}

/* log K for row i via the table (fast) or the direct series. */
static bool row_logk(const double *th, const patron_clv_summary *s, const clv_cache *c, size_t i,
                     double *log_k, double gk[4]) {
  double p = th[0] + s->x[i], alpha = th[1], q = th[2] + 1, beta = th[3];
  double lo = s->tx[i], hi = s->T[i];
  if (!c->ser_ok)
    return patron__clv_pnbd_logk(p, alpha, q, beta, lo, hi, log_k, gk);
  if (!(hi > lo))
    return patron__clv_pnbd_logk(p, alpha, q, beta, lo, hi, log_k, gk);
  bool abig = alpha >= beta;
  double A = abig ? beta : alpha, B = abig ? alpha : beta, lphi[2], g[2][4];
  const double *tab = c->ser + (size_t)s->ix[i] * c->ser_len * 4;
  const uint32_t it[2] = {s->itx[i], s->iT[i]};
  const double y[2] = {lo, hi};
  for (int k = 0; k < 2; k++) {
    const double *tc = c->tc + (size_t)it[k] * CLV_TC;
    clv_hyp h;
    table_series(tab, c->ser_len, (B - A) / (B + y[k]), &h);
    assemble(p, alpha, q, beta, y[k], abig ? tc[1] : tc[0], abig ? tc[0] : tc[1], &h, &lphi[k],
             g[k]);
  }
  if (-expm1(fmin(lphi[1] - lphi[0], 0)) < SHORT_FRACTION_PERCENT / 100.0)
    short_logk(p, alpha, q, beta, lo, hi, log_k, gk);
  else
    combine(lphi[0], g[0], lphi[1], g[1], log_k, gk);
  return true;
}

static bool eval(const double *th, const patron_clv_summary *s, const clv_cache *c, size_t lo,
                 size_t hi, double *ll, double *grad) {
  double r = th[0], alpha = th[1], sp = th[2], beta = th[3];
  double la = log(alpha), lbeta = log(beta), ls = log(sp);
  double sl = 0, g[4] = {0, 0, 0, 0};
  for (size_t i = lo; i < hi; i++) {
    const double *xc = c->xc + (size_t)s->ix[i] * CLV_XC;
    const double *tT = c->tc + (size_t)s->iT[i] * CLV_TC;
    double x = s->x[i], w = s->w[i], p = r + x, T = s->T[i];
    double log_e = -p * tT[0] - sp * tT[1], log_k, gk[4];
    if (!row_logk(th, s, c, i, &log_k, gk))
      return false;
    double lsk = ls + log_k, lsum = patron__clv_logaddexp(log_e, lsk);
    double we = exp(log_e - lsum), wk = exp(lsk - lsum);
    sl += w * (xc[0] + r * la + sp * lbeta + lsum);
    g[0] += w * (xc[1] + la - we * tT[0] + wk * gk[0]);
    g[1] += w * (r / alpha - we * p / (alpha + T) + wk * gk[1]);
    g[2] += w * (lbeta - we * tT[1] + wk * (1 / sp + gk[2]));
    g[3] += w * (sp / beta - we * sp / (beta + T) + wk * gk[3]);
  }
  *ll += sl;
  for (int j = 0; j < 4; j++)
    grad[j] += g[j];
  return isfinite(sl) && isfinite(g[0] + g[1] + g[2] + g[3]);
}

const clv_family patron__clv_pnbd_family = {4, prepare, eval};
