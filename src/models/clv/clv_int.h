/* Internals shared by the CLV model files: the compressed summary, the model record, the
 * per-family log-likelihood kernels and the hypergeometric series used by Pareto/NBD. */
#ifndef PATRON_CLV_INT_H
#define PATRON_CLV_INT_H

#include "core/core_int.h"
#include "core/exec.h"
#include "patron/clv.h"

/* Distinct rows with summed weights. For purchase models a row is (x, t_x, T); for
 * Gamma-Gamma it is (x, m) with t_x = T = 0. ix/itx/iT index the distinct x values (ux)
 * and the distinct time values (ut, the union of t_x and T) so that kernels compute
 * special functions once per distinct value. */
struct patron_clv_summary {
  size_t n, n_x, n_t, n_customers;
  double *x, *tx, *T, *m, *w;
  uint32_t *ix, *itx, *iT;
  double *ux, *ut;
  uint32_t *index; /* customer -> row */
  double total_weight, repeat_weight;
};

struct patron_clv_model {
  patron_clv_kind kind;
  double theta[PATRON_CLV_MAX_PARAMS];
  double se[PATRON_CLV_MAX_PARAMS];
  double ll, n_customers, penalizer, grad_norm, spend_corr;
  int iterations;
  bool converged;
  char warning[600];
};

/* Per-evaluation caches: per distinct x (CLV_XC doubles each) and per distinct time
 * (CLV_TC doubles each), filled by a family's prepare() before the parallel sum. */
enum { CLV_XC = 8, CLV_TC = 2 };
typedef struct clv_cache {
  double *xc, *tc;
  double *ser; /* Pareto/NBD: per distinct x, ser_len x 4 series coefficients (or unused) */
  size_t ser_cap, ser_len;
  bool ser_ok;
} clv_cache;

/* A family's kernel: prepare caches for theta, then add sum(w * ll) and sum(w * dll/dtheta)
 * (natural parameters) over rows [lo, hi). Returns false when a value is not finite. */
typedef struct clv_family {
  size_t n_params;
  void (*prepare)(const double *theta, const patron_clv_summary *s, clv_cache *c);
  bool (*eval)(const double *theta, const patron_clv_summary *s, const clv_cache *c, size_t lo,
               size_t hi, double *ll, double *grad);
} clv_family;

extern const clv_family patron__clv_bgnbd_family;
extern const clv_family patron__clv_mbgnbd_family;
extern const clv_family patron__clv_pnbd_family;
extern const clv_family patron__clv_gg_family;
extern const clv_family patron__clv_bgbb_family; /* clv_bgbb.c */

/* Compress (x, m) pairs of customers with x > 0 and m > 0 for Gamma-Gamma. */
/* The CLV columns' parts (clv_profile.c), for drivers that split them (the MPI backend,
 * docs/SCALE.md section 9): the cohort of customers with a purchase before as_of
 * (calibration end as_of - 1, days), and the purchase model fitted on `purchases` and,
 * unless o->spend is false, Gamma-Gamma on `spend` (*sm NULL when it cannot be fitted or
 * q <= 1). patron_clv_profile_columns is exactly the two on one dataset. */
patron_status patron__clv_profile_cohort(const patron_dataset *ds, int32_t as_of, int threads,
                                         patron_clv_cohort **out, patron_error *err);
patron_status patron__clv_profile_fit(const patron_clv_data *purchases,
                                      const patron_clv_data *spend,
                                      const patron_clv_profile_options *o, patron_clv_model **pm,
                                      patron_clv_model **sm, patron_error *err);
/* A copy of a model (a plain struct: also what travels between MPI ranks as bytes). */
patron_clv_model *patron__clv_model_clone(const patron_clv_model *m);

patron_status patron__clv_compress_spend(const patron_clv_data *data, patron_clv_summary **out,
                                         patron_error *err);

/* S(b, c, z) = 2F1(1, b; c; z) = sum_n (b)_n / (c)_n z^n for 0 <= z < 1, 0 < b < c, with
 * d log S / d b, d log S / d c, d log S / d z. Returns false if the series needs more than
 * the iteration cap (z extremely close to 1). */
typedef struct clv_hyp {
  double log_s, d_b, d_c, d_z;
} clv_hyp;
bool patron__clv_hyp_series(double b, double c, double z, clv_hyp *out);

/* Pareto/NBD integral K(p, q; lo, hi) = int_lo^hi (alpha+y)^-p (beta+y)^-q dy (p > 0,
 * q > 0, p + q > 1) as log K and d log K / d(p, alpha, q, beta) (grad may be NULL).
 * log K = -inf when lo == hi. False when the series does not converge. */
bool patron__clv_pnbd_logk(double p, double alpha, double q, double beta, double lo, double hi,
                           double *log_k, double grad[4]);

/* log(exp(a) + exp(b)) without overflow. */
double patron__clv_logaddexp(double a, double b);

/* Expected value of (1 - (1 + p h)^-k) / p for p ~ Beta(a, b): the expected purchases of a
 * live BG-type customer over a horizon (h = t / (alpha + T), k = r + x). */
double patron__clv_beta_expect(double a, double b, double h, double k);

/* Validates CLV value options (PATRON_ERR_USAGE). */
patron_status patron__clv_check_value_options(const patron_clv_value_options *o, patron_error *err);

/* P(alive) of one customer under a purchase model; false when not computable. */
bool patron__clv_p_alive_one(const patron_clv_model *m, double x, double tx, double T, double *out);

/* n_sims simulated discounted values of one customer's future (posterior predictive),
 * from a generator seeded with seed; false when P(alive) is not computable. */
bool patron__clv_value_draws(const patron_clv_model *pm, const patron_clv_model *sm, double x,
                             double tx, double T, double m, const patron_clv_value_options *o,
                             int n_sims, uint64_t seed, double *v);

/* A cohort with n rows of columns (monetary zeroed); spend and first_day when built from
 * transactions, holdout columns (zeroed) on request. NULL when memory runs out. */
patron_clv_cohort *patron__clv_cohort_alloc(size_t n, bool transactions, bool holdout);

/* Per-customer work runs on the executor (core/exec.h: patron__exec_ranges). Workers worth starting
 * for n rows in blocks (requested 0 = all cores), 1..64. */
int patron__clv_threads(int requested, size_t n, size_t block);

struct patron__csv_field;
/* A decimal number in a CSV field (blanks, and a CR left by a CRLF line, around it allowed),
 * finite; false for anything else. The one number reader of the summary and BG/BB tables. */
bool patron__clv_field_number(const struct patron__csv_field *v, double *out);

#endif
