/* Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves",
 * and Fader & Hardie's note "The Gamma-Gamma model of monetary value"): order values
 * z ~ Gamma(p, nu), nu ~ Gamma(q, gamma). Log-density of a customer's mean repeat value
 * m over x orders (as in lifetimes):
 *   lG(px+q) - lG(px) - lG(q) + q log g + (px-1) log m + px log x - (px+q) log(x m + g). */
#include "models/clv/clv_int.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>

static double lgam(double v) {
  int sign;
  return lgamma_r(v, &sign);
}

static void prepare(const double *th, const patron_clv_summary *s, clv_cache *c) {
  double p = th[0], q = th[1], lg_q = lgam(q), ps_q = gsl_sf_psi(q);
  for (size_t j = 0; j < s->n_x; j++) {
    double x = s->ux[j], px = p * x, *o = c->xc + j * CLV_XC;
    double ps_pxq = gsl_sf_psi(px + q);
    o[0] = lgam(px + q) - lgam(px) - lg_q;
    o[1] = ps_pxq - gsl_sf_psi(px);
    o[2] = ps_pxq - ps_q;
    o[3] = log(x);
  }
}

static bool eval(const double *th, const patron_clv_summary *s, const clv_cache *c, size_t lo,
                 size_t hi, double *ll, double *grad) {
  double p = th[0], q = th[1], g = th[2], lg = log(g);
  double sl = 0, g0 = 0, g1 = 0, g2 = 0;
  for (size_t i = lo; i < hi; i++) {
    const double *xc = c->xc + (size_t)s->ix[i] * CLV_XC;
    double x = s->x[i], m = s->m[i], w = s->w[i], px = p * x;
    double lm = log(m), lxm = log(x * m + g);
    sl += w * (xc[0] + q * lg + (px - 1) * lm + px * xc[3] - (px + q) * lxm);
    g0 += w * x * (xc[1] + lm + xc[3] - lxm);
    g1 += w * (xc[2] + lg - lxm);
    g2 += w * (q / g - (px + q) / (x * m + g));
  }
  *ll += sl;
  grad[0] += g0;
  grad[1] += g1;
  grad[2] += g2;
  return isfinite(sl) && isfinite(g0 + g1 + g2);
}

const clv_family patron__clv_gg_family = {3, prepare, eval};
