/* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", eq. 6) and
 * MBG/NBD (Batislam, Denizel & Filiztekin 2007) log-likelihood kernels with analytic
 * gradients in (r, alpha, a, b). Both are
 *   L = B(a, b+x+k)/B(a, b) G(r+x)/G(r) alpha^r [(alpha+T)^-(r+x) + c (alpha+t_x)^-(r+x)]
 * with k = 0, c = [x>0] a/(b+x-1) for BG/NBD and k = 1, c = a/(b+x) for MBG/NBD. */
#include "models/clv/clv_int.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>

static double lgam(double v) {
  int sign;
  return lgamma_r(v, &sign);
}

/* Per distinct x: constant, d/dr, d/da, d/db, log c, 1/(b+x-1+k), has-second-term. */
static void prepare_kind(const double *th, const patron_clv_summary *s, clv_cache *c, int k) {
  double r = th[0], alpha = th[1], a = th[2], b = th[3];
  double lg_r = lgam(r), lg_b = lgam(b), lg_ab = lgam(a + b);
  double ps_r = gsl_sf_psi(r), ps_b = gsl_sf_psi(b), ps_ab = gsl_sf_psi(a + b);
  for (size_t j = 0; j < s->n_x; j++) {
    double x = s->ux[j], bx = b + x + k, *o = c->xc + j * CLV_XC;
    o[0] = lgam(r + x) - lg_r + lgam(bx) - lgam(a + bx) - lg_b + lg_ab;
    o[1] = gsl_sf_psi(r + x) - ps_r;
    o[2] = ps_ab - gsl_sf_psi(a + bx);
    o[3] = gsl_sf_psi(bx) - ps_b + o[2];
    bool two = k == 1 || x > 0;
    double den = b + x - 1 + k;
    o[4] = two ? log(a) - log(den) : 0;
    o[5] = two ? 1 / den : 0;
    o[6] = two;
  }
  for (size_t j = 0; j < s->n_t; j++) {
    c->tc[j * CLV_TC] = log(alpha + s->ut[j]);
    c->tc[j * CLV_TC + 1] = 1 / (alpha + s->ut[j]);
  }
}

static void prepare_bg(const double *th, const patron_clv_summary *s, clv_cache *c) {
  prepare_kind(th, s, c, 0);
}

static void prepare_mbg(const double *th, const patron_clv_summary *s, clv_cache *c) {
  prepare_kind(th, s, c, 1);
}

static bool eval_bg(const double *th, const patron_clv_summary *s, const clv_cache *c, size_t lo,
                    size_t hi, double *ll, double *grad) {
  double r = th[0], alpha = th[1], a = th[2], log_alpha = log(alpha);
  double sl = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
  for (size_t i = lo; i < hi; i++) {
    const double *xc = c->xc + (size_t)s->ix[i] * CLV_XC;
    const double *tT = c->tc + (size_t)s->iT[i] * CLV_TC;
    double k = r + s->x[i], w = s->w[i];
    double l1 = -k * tT[0], logd = l1, w1 = 1, w2 = 0, lt = 0, it = 0;
    if (xc[6] != 0) {
      const double *tt = c->tc + (size_t)s->itx[i] * CLV_TC;
      lt = tt[0];
      it = tt[1];
      double d = xc[4] - k * lt - l1; /* log of term 2 / term 1 */
      double e = exp(-fabs(d)), inv = 1 / (1 + e);
      logd = (d > 0 ? l1 + d : l1) + log1p(e);
      w2 = d > 0 ? inv : e * inv;
      w1 = 1 - w2;
    }
    sl += w * (xc[0] + r * log_alpha + logd);
    g0 += w * (xc[1] + log_alpha - w1 * tT[0] - w2 * lt);
    g1 += w * (r / alpha - k * (w1 * tT[1] + w2 * it));
    g2 += w * (xc[2] + w2 / a);
    g3 += w * (xc[3] - w2 * xc[5]);
  }
  *ll += sl;
  grad[0] += g0;
  grad[1] += g1;
  grad[2] += g2;
  grad[3] += g3;
  return isfinite(sl) && isfinite(g0 + g1 + g2 + g3);
}

double patron__clv_logaddexp(double a, double b) {
  if (a < b) {
    double t = a;
    a = b;
    b = t;
  }
  if (b == -INFINITY)
    return a;
  return a + log1p(exp(b - a));
}

const clv_family patron__clv_bgnbd_family = {4, prepare_bg, eval_bg};
const clv_family patron__clv_mbgnbd_family = {4, prepare_mbg, eval_bg};
