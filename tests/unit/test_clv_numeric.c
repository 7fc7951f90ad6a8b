/* CLV numerics: the Pareto/NBD hypergeometric series and K integral against direct
 * quadrature (no gsl_sf_hyperg_2F1 anywhere), analytic gradients against finite
 * differences, predictions against mpmath references, extreme customers, error paths,
 * compression, determinism across threads and JSON round trips. */
#include "test_util.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_int.h"
#include "patron/clv.h"

/* ---- the K integral ------------------------------------------------------------------ */

typedef struct kparams {
  double p, alpha, q, beta;
} kparams;

static double k_integrand(double y, void *v) {
  const kparams *k = v;
  return exp(-k->p * log(k->alpha + y) - k->q * log(k->beta + y));
}

/* Reference log K by adaptive quadrature (relative tolerance 1e-13). */
static double ref_log_k(kparams k, double lo, double hi) {
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
  gsl_function f = {k_integrand, &k};
  double v, e;
  gsl_integration_qags(&f, lo, hi, 0, 1e-13, 2000, w, &v, &e);
  gsl_integration_workspace_free(w);
  return log(v);
}

static void test_k_matches_quadrature(void **state) {
  (void)state;
  gsl_set_error_handler_off();
  const double cases[][6] = {
      /* p, alpha, q, beta, lo, hi */
      {0.6, 10.6, 1.6, 11.7, 0, 38.9},       {2.6, 10.6, 1.6, 11.7, 30.4, 38.9},
      {0.6, 10.0, 1.6, 10.0, 0, 38.9},       {0.6, 10.0, 1.6, 10.0 + 1e-12, 0, 38.9},
      {0.6, 50.0, 1.6, 1.0, 0, 20},          {0.6, 1.0, 1.6, 50.0, 0, 20},
      {300.6, 10.6, 1.6, 11.7, 37, 38.9},    {300.6, 1.0, 1.6, 30.0, 0.5, 38.9},
      {200.5, 30.0, 1.6, 1.0, 10, 100},      {0.3, 0.01, 1.2, 0.02, 0, 1e-4},
      {5.0, 2.0, 3.0, 400.0, 100, 1000},     {1.2, 3.0, 0.7, 2.0, 0, 52},
      {0.6, 10.0, 1.6, 11.0, 38.86, 38.8601}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const double *c = cases[i];
    double lk, g[4];
    assert_true(patron__clv_pnbd_logk(c[0], c[1], c[2], c[3], c[4], c[5], &lk, g));
    double ref = ref_log_k((kparams){c[0], c[1], c[2], c[3]}, c[4], c[5]);
    if (fabs(lk - ref) > 1e-9 * fmax(1, fabs(ref)))
      fail_msg("case %zu: log K %.15g vs quadrature %.15g", i, lk, ref);
    /* gradient against central differences of log K */
    for (int j = 0; j < 4; j++) {
      double a[4] = {c[0], c[1], c[2], c[3]}, b[4] = {c[0], c[1], c[2], c[3]}, l1, l2;
      double h = 1e-6 * a[j];
      a[j] += h;
      b[j] -= h;
      assert_true(patron__clv_pnbd_logk(a[0], a[1], a[2], a[3], c[4], c[5], &l1, NULL));
      assert_true(patron__clv_pnbd_logk(b[0], b[1], b[2], b[3], c[4], c[5], &l2, NULL));
      double num = (l1 - l2) / (2 * h);
      if (fabs(num - g[j]) > 1e-5 * fmax(1, fabs(num)))
        fail_msg("case %zu: d log K / d%d = %.10g vs numeric %.10g", i, j, g[j], num);
    }
  }
  double lk;
  assert_true(patron__clv_pnbd_logk(1, 2, 3, 4, 5, 5, &lk, NULL));
  assert_true(lk == -INFINITY);
}

/* The series against the defining sum, term by term, at moderate z. */
static void test_hyp_series(void **state) {
  (void)state;
  const double cases[][3] = {{0.5, 2.0, 0.3}, {300, 301.6, 0.9}, {1.6, 2.2, 0.99}, {2, 3, 0}};
  for (size_t i = 0; i < 4; i++) {
    double b = cases[i][0], c = cases[i][1], z = cases[i][2], s = 0, t = 1;
    for (int n = 0; n < 200000; n++) {
      s += t;
      t *= (b + n) / (c + n) * z;
    }
    clv_hyp h;
    assert_true(patron__clv_hyp_series(b, c, z, &h));
    assert_true(fabs(h.log_s - log(s)) < 1e-13);
    clv_hyp h1, h2;
    assert_true(patron__clv_hyp_series(b, c, z + 1e-7, &h1));
    if (z > 1e-7) {
      assert_true(patron__clv_hyp_series(b, c, z - 1e-7, &h2));
      assert_true(fabs((h1.log_s - h2.log_s) / 2e-7 - h.d_z) < 1e-5 * fmax(1, h.d_z));
    }
  }
}

/* ---- likelihood gradients ------------------------------------------------------------ */

static const double XS[] = {0, 1, 2, 10, 0, 3, 250, 1};
static const double TXS[] = {0, 2.5, 30.4, 35, 0, 38.86, 38.0, 0.001};
static const double TS[] = {38.86, 38.86, 38.86, 38.86, 5, 38.86, 38.86, 0.002};
static const double MS[] = {0, 12.5, 30, 44.1, 0, 8, 20, 10};

static void family_ll(const clv_family *fam, const patron_clv_summary *s, const double *th,
                      double *ll, double *g) {
  clv_cache c = {0};
  c.xc = malloc(s->n_x * CLV_XC * sizeof(double));
  c.tc = malloc(s->n_t * CLV_TC * sizeof(double));
  *ll = 0;
  memset(g, 0, 4 * sizeof *g);
  fam->prepare(th, s, &c);
  assert_true(fam->eval(th, s, &c, 0, s->n, ll, g));
  free(c.xc);
  free(c.tc);
  free(c.ser);
}

static void check_gradient(patron_clv_kind kind, const clv_family *fam, const double *th) {
  patron_clv_data d = {8, XS, TXS, TS, NULL, MS};
  patron_clv_summary *s;
  patron_error err;
  patron_error_clear(&err);
  patron_status st = kind == PATRON_CLV_GAMMAGAMMA ? patron__clv_compress_spend(&d, &s, &err)
                                                   : patron_clv_compress(&d, &s, &err);
  assert_int_equal(st, PATRON_OK);
  double ll, g[4], l1, l2, tmp[4];
  family_ll(fam, s, th, &ll, g);
  for (size_t j = 0; j < fam->n_params; j++) {
    double a[4] = {0}, b[4] = {0}, h = 1e-6 * th[j];
    memcpy(a, th, fam->n_params * sizeof *th);
    memcpy(b, th, fam->n_params * sizeof *th);
    a[j] += h;
    b[j] -= h;
    family_ll(fam, s, a, &l1, tmp);
    family_ll(fam, s, b, &l2, tmp);
    double num = (l1 - l2) / (2 * h);
    if (fabs(num - g[j]) > 1e-5 * fmax(1, fabs(num)))
      fail_msg("%s: dLL/d%s = %.10g vs numeric %.10g", patron_clv_kind_name(kind),
               patron_clv_param_name(kind, j), g[j], num);
  }
  patron_clv_summary_free(s);
}

static void test_gradients(void **state) {
  (void)state;
  const double bg[] = {0.243, 4.414, 0.793, 2.426}, pn[] = {0.553, 10.578, 0.606, 11.669};
  const double pn2[] = {0.553, 1.5, 1.606, 40.0}, pn3[] = {2.0, 10.0, 0.5, 10.0};
  const double gg[] = {6.25, 3.74, 15.44};
  check_gradient(PATRON_CLV_BGNBD, &patron__clv_bgnbd_family, bg);
  check_gradient(PATRON_CLV_MBGNBD, &patron__clv_mbgnbd_family, bg);
  check_gradient(PATRON_CLV_PARETONBD, &patron__clv_pnbd_family, pn);
  check_gradient(PATRON_CLV_PARETONBD, &patron__clv_pnbd_family, pn2);
  check_gradient(PATRON_CLV_PARETONBD, &patron__clv_pnbd_family, pn3);
  check_gradient(PATRON_CLV_GAMMAGAMMA, &patron__clv_gg_family, gg);
}

/* ---- predictions ----------------------------------------------------------------------- */

/* x, t_x, T, t; BG P(alive), E[Y]; MBG P(alive), E[Y]; Pareto P(alive), E[Y], P(any).
 * From mpmath (30 digits): FHL 2005 eq. 10/11 with hyp2f1, Batislam et al.'s analogues,
 * the Pareto/NBD A0 formula, and P(any) by 2-D quadrature over the live posterior. The
 * first row is FHL's worked example (1.226 expected purchases in the next 39 weeks). */
static const double REF[][11] = {
    {2, 30.43, 38.86, 39, 0.726578570080673, 1.22602817476714, 0.706202265118487, 1.26296062326737,
     0.869167559153011, 1.4551231932576, 0.591937276393536},
    {2, 30.43, 38.86, 52, 0.726578570080673, 1.55872080643209, 0.706202265118487, 1.59721663081809,
     0.869167559153011, 1.85082672070195, 0.631516794395309},
    {0, 0, 38.86, 39, 1, 0.195098052011263, 0.389735080918763, 0.154012746675147, 0.295286604616894,
     0.107081468215309, 0.0692851840543198},
    {0, 0, 38.86, 52, 1, 0.252073022282459, 0.389735080918763, 0.197705817416372, 0.295286604616894,
     0.136201005923905, 0.0799040483852036},
    {10, 35, 38.86, 39, 0.846941407524253, 6.16363803501694, 0.835437610412123, 5.88012405288818,
     0.92733208833942, 6.41736388522039, 0.876578219000901},
    {10, 35, 38.86, 52, 0.846941407524253, 7.73889200229807, 0.835437610412123, 7.34365863477768,
     0.92733208833942, 8.16249002852016, 0.877628279076865},
    {1, 2, 38.86, 39, 0.221870900564815, 0.212546300651201, 0.178772718144657, 0.197608970478461,
     0.175259673016306, 0.178483836574723, 0.0903839644556596},
    {1, 2, 38.86, 52, 0.221870900564815, 0.271791599816019, 0.178772718144657, 0.251287309305096,
     0.175259673016306, 0.227020403136009, 0.0996464450147283},
    {0, 0, 5.0, 39, 1, 0.696302315501386, 0.570285493934171, 0.695694325443651, 0.78746880571665,
     0.719290950929159, 0.291920891827221},
    {0, 0, 5.0, 52, 1, 0.861737257433911, 0.570285493934171, 0.853168983859017, 0.78746880571665,
     0.883249821872514, 0.311782796096714}};

static patron_clv_model *model(patron_clv_kind kind, const double *th) {
  patron_clv_model *m;
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_model_new(kind, th, &m, &err), PATRON_OK);
  return m;
}

static void near(double got, double want, double rel, const char *what, size_t row) {
  if (!(fabs(got - want) <= rel * fabs(want) + 1e-14))
    fail_msg("row %zu %s: %.15g vs reference %.15g", row, what, got, want);
}

static void test_predictions_match_reference(void **state) {
  (void)state;
  const double bg[] = {0.243, 4.414, 0.793, 2.426}, mbg[] = {0.525, 6.183, 0.891, 1.614};
  const double pn[] = {0.553, 10.578, 0.606, 11.669};
  patron_clv_model *m[3] = {model(PATRON_CLV_BGNBD, bg), model(PATRON_CLV_MBGNBD, mbg),
                            model(PATRON_CLV_PARETONBD, pn)};
  patron_error err;
  patron_error_clear(&err);
  for (size_t i = 0; i < sizeof REF / sizeof *REF; i++) {
    const double *r = REF[i];
    patron_clv_data d = {1, &r[0], &r[1], &r[2], NULL, NULL};
    for (int k = 0; k < 3; k++) {
      double pa, ey, pany;
      assert_int_equal(patron_clv_predict_p_alive(m[k], &d, &pa, &err), PATRON_OK);
      assert_int_equal(patron_clv_predict_purchases(m[k], &d, r[3], &ey, &err), PATRON_OK);
      assert_int_equal(patron_clv_predict_p_any(m[k], &d, r[3], &pany, &err), PATRON_OK);
      near(pa, r[4 + 2 * k], 1e-12, "P(alive)", i);
      near(ey, r[5 + 2 * k], 1e-9, "E[Y]", i);
      assert_true(pany > 0 && pany <= pa);
      if (k == 2)
        near(pany, r[10], 1e-9, "P(any)", i);
    }
  }
  for (int k = 0; k < 3; k++)
    patron_clv_model_free(m[k]);
}

/* P(any) is 0 at t = 0 and grows with t; for BG-type models it tends to P(alive) (a live
 * customer only leaves after a purchase), for Pareto/NBD to P(alive) E[l / (l + mu)]. */
static void test_p_any_limits(void **state) {
  (void)state;
  const double bg[] = {0.243, 4.414, 0.793, 2.426}, pn[] = {0.553, 10.578, 0.606, 11.669};
  patron_error err;
  patron_error_clear(&err);
  for (int k = 0; k < 2; k++) {
    patron_clv_model *m = model(k ? PATRON_CLV_PARETONBD : PATRON_CLV_BGNBD, k ? pn : bg);
    double x = 3, tx = 20, T = 38.86, pa, pany, prev = 0;
    patron_clv_data d = {1, &x, &tx, &T, NULL, NULL};
    assert_int_equal(patron_clv_predict_p_alive(m, &d, &pa, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_p_any(m, &d, 0, &pany, &err), PATRON_OK);
    assert_true(pany == 0);
    for (double t = 1; t < 1e8; t *= 10) {
      assert_int_equal(patron_clv_predict_p_any(m, &d, t, &pany, &err), PATRON_OK);
      assert_true(pany >= prev && pany <= pa);
      prev = pany;
    }
    if (k == 0)
      near(pany, pa, 1e-6, "P(any, t=1e7)", 0);
    patron_clv_model_free(m);
  }
}

typedef struct bparams {
  double a, b, h, k;
} bparams;

static double beta_integrand(double p, void *v) {
  const bparams *q = v;
  double g = p > 0 ? -expm1(-q->k * log1p(p * q->h)) / p : q->k * q->h;
  return g * exp((q->a - 1) * log(p) + (q->b - 1) * log1p(-p) - lgamma(q->a) - lgamma(q->b) +
                 lgamma(q->a + q->b));
}

/* The Gauss-Jacobi expectation behind BG-type E[Y] against adaptive quadrature, including
 * hundreds of purchases (b + x large) and long horizons. */
static void test_beta_expect(void **state) {
  (void)state;
  gsl_set_error_handler_off();
  const double cases[][4] = {{0.793, 2.426, 1.0, 2.24},  {0.793, 502.4, 0.4, 500.2},
                             {0.5, 3.0, 20.0, 0.3},      {2.5, 1.2, 5.0, 30},
                             {0.891, 152.6, 3.0, 150.5}, {0.3, 0.5, 0.01, 1}};
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bparams q = {cases[i][0], cases[i][1], cases[i][2], cases[i][3]};
    gsl_function f = {beta_integrand, &q};
    double ref, e;
    gsl_integration_qags(&f, 0, 1, 0, 1e-12, 2000, w, &ref, &e);
    double got = patron__clv_beta_expect(q.a, q.b, q.h, q.k);
    if (fabs(got - ref) > 1e-8 * ref)
      fail_msg("case %zu: %.15g vs quadrature %.15g", i, got, ref);
  }
  gsl_integration_workspace_free(w);
}

/* No NaN or inf for extreme customers, in every purchase model. */
static void test_extreme_customers(void **state) {
  (void)state;
  const double x[] = {0, 0, 500, 500, 300, 1, 800, 0, 150};
  const double tx[] = {0, 0, 100, 1, 1e-6, 1e-9, 100, 0, 0.5};
  const double T[] = {0, 1e-9, 100, 100, 1e-6, 1e-9, 100, 1e6, 1000};
  const size_t n = sizeof x / sizeof *x;
  const double th[3][4] = {
      {0.243, 4.414, 0.793, 2.426}, {0.525, 6.183, 0.891, 1.614}, {0.553, 10.578, 0.606, 11.669}};
  const double gg[] = {6.25, 3.74, 15.44};
  double mon[9] = {0, 0, 30, 20, 10, 5, 12, 0, 9};
  patron_clv_data d = {n, x, tx, T, NULL, mon};
  patron_clv_model *sm = model(PATRON_CLV_GAMMAGAMMA, gg);
  patron_clv_value_options vo = {12, 0.1, 0.3, 7, 0};
  patron_error err;
  patron_error_clear(&err);
  for (int k = 0; k < 3; k++) {
    patron_clv_model *m = model((patron_clv_kind)k, th[k]);
    double pa[9], ey[9], pany[9], v[9], lo[9], hi[9];
    assert_int_equal(patron_clv_predict_p_alive(m, &d, pa, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_purchases(m, &d, 52, ey, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_p_any(m, &d, 52, pany, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_value(m, sm, &d, &vo, v, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_value_range(m, sm, &d, &vo, 50, 7, lo, hi, &err),
                     PATRON_OK);
    for (size_t i = 0; i < n; i++) {
      if (!(pa[i] >= 0 && pa[i] <= 1 && pany[i] >= 0 && pany[i] <= pa[i] + 1e-15 &&
            isfinite(ey[i]) && ey[i] >= 0 && isfinite(v[i]) && v[i] >= 0 && lo[i] <= hi[i] &&
            isfinite(hi[i])))
        fail_msg("%s customer %zu: pa=%g ey=%g pany=%g v=%g lo=%g hi=%g",
                 patron_clv_kind_name((patron_clv_kind)k), i, pa[i], ey[i], pany[i], v[i], lo[i],
                 hi[i]);
    }
    assert_true(pa[0] == 1 || k == 1); /* x = 0 at T = 0: alive (MBG: may drop at 0) */
    patron_clv_model_free(m);
  }
  patron_clv_model_free(sm);
}

/* Expected CLV equals the mean of the simulated futures (same discounting, spend and
 * horizon), within Monte Carlo error; the range is reproducible with its seed. */
static void test_value_matches_simulation(void **state) {
  (void)state;
  const double bg[] = {0.243, 4.414, 0.793, 2.426}, pn[] = {0.553, 10.578, 0.606, 11.669};
  const double gg[] = {6.25, 3.74, 15.44};
  double x[] = {2, 0, 10}, tx[] = {30.43, 0, 35}, T[] = {38.86, 38.86, 38.86};
  double mon[] = {22.35, 0, 40.0};
  patron_clv_data d = {3, x, tx, T, NULL, mon};
  patron_clv_value_options vo = {12, 0.10, 0.5, 7, 0};
  patron_clv_model *sm = model(PATRON_CLV_GAMMAGAMMA, gg);
  patron_error err;
  patron_error_clear(&err);
  for (int k = 0; k < 2; k++) {
    patron_clv_model *m = model(k ? PATRON_CLV_PARETONBD : PATRON_CLV_BGNBD, k ? pn : bg);
    double v[3], lo[3], hi[3], lo2[3], hi2[3];
    assert_int_equal(patron_clv_predict_value(m, sm, &d, &vo, v, &err), PATRON_OK);
    assert_int_equal(patron_clv_predict_value_range(m, sm, &d, &vo, 200, 11, lo, hi, &err),
                     PATRON_OK);
    assert_int_equal(patron_clv_predict_value_range(m, sm, &d, &vo, 200, 11, lo2, hi2, &err),
                     PATRON_OK);
    assert_memory_equal(lo, lo2, sizeof lo);
    assert_memory_equal(hi, hi2, sizeof hi);
    for (size_t i = 0; i < 3; i++) {
      enum { N_SIMS = 200000 };
      double *draw = malloc(N_SIMS * sizeof *draw), sum = 0, sum2 = 0;
      assert_true(patron__clv_value_draws(m, sm, x[i], tx[i], T[i], mon[i], &vo, N_SIMS, 5, draw));
      for (int j = 0; j < N_SIMS; j++) {
        sum += draw[j];
        sum2 += draw[j] * draw[j];
      }
      double mean = sum / N_SIMS, se = sqrt((sum2 / N_SIMS - mean * mean) / N_SIMS);
      free(draw);
      if (fabs(mean - v[i]) > 4 * se)
        fail_msg("%s customer %zu: CLV %.4f vs simulated mean %.4f (se %.4f)",
                 patron_clv_kind_name(patron_clv_model_kind(m)), i, v[i], mean, se);
      assert_true(lo[i] <= hi[i] && lo[i] >= 0);
    }
    assert_true(v[2] > v[0] && v[0] > v[1] && v[1] > 0);
    patron_clv_model_free(m);
  }
  patron_clv_model_free(sm);
}

/* Gamma-Gamma expected order value: p (gamma + x m) / (p x + q - 1). */
static void test_spend_prediction(void **state) {
  (void)state;
  const double gg[] = {6.25, 3.74, 15.44};
  patron_clv_model *m = model(PATRON_CLV_GAMMAGAMMA, gg);
  double x[] = {2, 0, 10}, mon[] = {22.35, 0, 40}, out[3];
  patron_clv_data d = {3, x, NULL, NULL, NULL, mon};
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_predict_spend(m, &d, out, &err), PATRON_OK);
  near(out[0], 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1), 1e-14, "spend", 0);
  near(out[1], 6.25 * 15.44 / (3.74 - 1), 1e-14, "spend", 1);
  near(out[2], 6.25 * (15.44 + 400) / (62.5 + 2.74), 1e-14, "spend", 2);
  patron_clv_model_free(m);
  const double heavy[] = {6.25, 0.9, 15.44}; /* q <= 1: infinite population mean */
  m = model(PATRON_CLV_GAMMAGAMMA, heavy);
  assert_int_equal(patron_clv_predict_spend(m, &d, out, &err), PATRON_ERR_DOMAIN);
  patron_clv_model_free(m);
}

static patron_status try_fit(patron_clv_kind kind, const patron_clv_data *d, patron_error *err) {
  patron_clv_model *m = (patron_clv_model *)1;
  patron_error_clear(err);
  patron_status st = patron_clv_fit(kind, d, NULL, &m, err);
  if (st != PATRON_OK)
    assert_null(m);
  patron_clv_model_free(m);
  return st;
}

/* Data that cannot support a fit ends in a clear error, never NaN parameters. */
static void test_fit_errors(void **state) {
  (void)state;
  patron_error err;
  double x0[] = {0, 0, 0}, tx0[] = {0, 0, 0}, T0[] = {10, 20, 30}, m0[] = {0, 0, 0};
  patron_clv_data none = {3, x0, tx0, T0, NULL, m0};
  for (int k = 0; k < 4; k++) {
    assert_int_equal(try_fit((patron_clv_kind)k, &none, &err), PATRON_ERR_DOMAIN);
    assert_true(strlen(err.message) > 10);
  }
  double x1[] = {3}, tx1[] = {5}, T1[] = {10}, m1[] = {20};
  patron_clv_data one = {1, x1, tx1, T1, NULL, m1};
  for (int k = 0; k < 4; k++)
    assert_int_equal(try_fit((patron_clv_kind)k, &one, &err), PATRON_ERR_DOMAIN);
  double xb[] = {1, 2}, txb[] = {5, 12}, Tb[] = {10, 11};
  patron_clv_data bad = {2, xb, txb, Tb, NULL, NULL};
  assert_int_equal(try_fit(PATRON_CLV_BGNBD, &bad, &err), PATRON_ERR_INPUT);
  assert_int_equal(err.line, 2);
  double xn[] = {1, NAN};
  patron_clv_data nan_x = {2, xn, txb, T1, NULL, NULL};
  assert_int_equal(try_fit(PATRON_CLV_PARETONBD, &nan_x, &err), PATRON_ERR_INPUT);
  assert_int_equal(try_fit((patron_clv_kind)9, &one, &err), PATRON_ERR_USAGE);
}

/* Compression keeps one row per distinct triple with summed weights, and a fit on the
 * compressed weights equals a fit on the raw rows. */
static void test_compress(void **state) {
  (void)state;
  double x[] = {0, 1, 0, 1, 2, 0}, tx[] = {0, 3, 0, 3, 4, 0}, T[] = {10, 10, 10, 10, 10, 9};
  double w[] = {1, 2, 3, 4, 5, 6};
  patron_clv_data d = {6, x, tx, T, w, NULL};
  patron_clv_summary *s;
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_compress(&d, &s, &err), PATRON_OK);
  assert_int_equal(patron_clv_summary_rows(s), 4);
  const double *sx, *stx, *sT, *sw;
  patron_clv_summary_columns(s, &sx, &stx, &sT, &sw);
  const uint32_t *idx = patron_clv_summary_index(s);
  assert_true(sw[idx[0]] == 4 && sw[idx[1]] == 6 && sw[idx[4]] == 5 && sw[idx[5]] == 6);
  assert_true(idx[0] == idx[2] && idx[1] == idx[3]);
  patron_clv_summary_free(s);
}

static void simulate(patron_clv_kind kind, const double *th, size_t n, double *x, double *tx,
                     double *T) {
  patron_clv_sim_options so = {1, 78, 0, 1234};
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_simulate(kind, th, n, &so, x, tx, T, &err), PATRON_OK);
}

/* The fit is bitwise the same on 1 and 2 threads, and on raw vs. pre-compressed data. */
static void test_deterministic_threads(void **state) {
  (void)state;
  enum { N = 40000 };
  double *x = malloc(N * sizeof *x), *tx = malloc(N * sizeof *tx), *T = malloc(N * sizeof *T);
  const double th[] = {0.553, 10.578, 0.606, 11.669};
  simulate(PATRON_CLV_PARETONBD, th, N, x, tx, T);
  patron_clv_data d = {N, x, tx, T, NULL, NULL};
  patron_clv_model *m1, *m2;
  patron_error err;
  patron_error_clear(&err);
  patron_clv_fit_options o1 = {.threads = 1}, o2 = {.threads = 2};
  assert_int_equal(patron_clv_fit(PATRON_CLV_PARETONBD, &d, &o1, &m1, &err), PATRON_OK);
  assert_int_equal(patron_clv_fit(PATRON_CLV_PARETONBD, &d, &o2, &m2, &err), PATRON_OK);
  for (size_t j = 0; j < 4; j++) {
    assert_true(patron_clv_model_param(m1, j) == patron_clv_model_param(m2, j));
    assert_true(patron_clv_model_se(m1, j) == patron_clv_model_se(m2, j));
  }
  patron_clv_model_free(m1);
  patron_clv_model_free(m2);
  free(x);
  free(tx);
  free(T);
}

static void test_json_round_trip(void **state) {
  (void)state;
  enum { N = 3000 };
  double x[N], tx[N], T[N];
  const double th[] = {0.243, 4.414, 0.793, 2.426};
  simulate(PATRON_CLV_BGNBD, th, N, x, tx, T);
  patron_clv_data d = {N, x, tx, T, NULL, NULL};
  patron_clv_model *m, *back;
  patron_error err;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_fit(PATRON_CLV_BGNBD, &d, NULL, &m, &err), PATRON_OK);
  char *text = patron_clv_model_to_json(m);
  assert_non_null(strstr(text, "\"schema_version\": 1"));
  assert_int_equal(patron_clv_model_from_json(text, &back, &err), PATRON_OK);
  assert_int_equal(patron_clv_model_kind(back), PATRON_CLV_BGNBD);
  for (size_t j = 0; j < 4; j++) {
    assert_true(patron_clv_model_param(back, j) == patron_clv_model_param(m, j));
    assert_true(patron_clv_model_se(back, j) == patron_clv_model_se(m, j));
  }
  assert_true(patron_clv_model_log_likelihood(back) == patron_clv_model_log_likelihood(m));
  free(text);
  patron_clv_model_free(back);
  patron_clv_model_free(m);
  const char *bad[] = {"{", "[]", "{\"schema\":\"x\"}",
                       "{\"schema\":\"patron.clv.model\",\"schema_version\":2}",
                       "{\"schema\":\"patron.clv.model\",\"schema_version\":1,"
                       "\"model\":\"bgnbd\",\"params\":{\"r\":1,\"alpha\":-1,\"a\":1,\"b\":1}}"};
  for (size_t i = 0; i < 5; i++) {
    patron_error_clear(&err);
    assert_int_equal(patron_clv_model_from_json(bad[i], &back, &err), PATRON_ERR_INPUT);
    assert_null(back);
  }
}

PATRON_TEST_MAIN(cmocka_unit_test(test_k_matches_quadrature), cmocka_unit_test(test_hyp_series),
                 cmocka_unit_test(test_gradients),
                 cmocka_unit_test(test_predictions_match_reference),
                 cmocka_unit_test(test_p_any_limits), cmocka_unit_test(test_beta_expect),
                 cmocka_unit_test(test_extreme_customers),
                 cmocka_unit_test(test_value_matches_simulation),
                 cmocka_unit_test(test_spend_prediction), cmocka_unit_test(test_fit_errors),
                 cmocka_unit_test(test_compress), cmocka_unit_test(test_deterministic_threads),
                 cmocka_unit_test(test_json_round_trip))
