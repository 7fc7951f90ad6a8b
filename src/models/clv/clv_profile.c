/* The CLV columns of `patron analyze`: p_alive, exp_purchases_90d and clv_365d per
 * customer, from a purchase model (MBG/NBD with a weak prior on its shapes by default) and
 * Gamma-Gamma fitted in days on every customer with a purchase before the profile's as-of date. */
#include "models/clv/clv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void patron_clv_profile_options_init(patron_clv_profile_options *o) {
  memset(o, 0, sizeof *o);
  o->model = PATRON_CLV_MBGNBD; /* P(alive) falls with silence for one-time buyers too */
  o->log_penalizer = 0.03;      /* keeps the dropout shape off 0 (docs/CLV.md) */
  o->spend = true;
  o->discount_rate = 0.10;
  o->margin = 1.0;
}

typedef struct profile_cols {
  double *p_alive, *purchases, *clv;
} profile_cols;

static patron_status add_columns(patron_table *t, profile_cols *c, patron_error *err) {
  patron_status st = patron_table_add(t, "p_alive", PATRON_COL_DOUBLE, (void **)&c->p_alive, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "exp_purchases_90d", PATRON_COL_DOUBLE, (void **)&c->purchases, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "clv_365d", PATRON_COL_DOUBLE, (void **)&c->clv, err);
  if (st == PATRON_OK) {
    patron_table_set_decimals(t, "p_alive", 4);
    patron_table_set_decimals(t, "exp_purchases_90d", 4);
    patron_table_set_decimals(t, "clv_365d", 2);
  }
  return st;
}

/* The three figures for every cohort row (clv NaN when there is no spend model); s: the
 * rows' summary. */
static patron_status predict(const patron_clv_model *pm, const patron_clv_model *sm,
                             const patron_clv_data *d, const patron_clv_summary *s,
                             const patron_clv_profile_options *o, double *pa, double *e90,
                             double *clv, patron_error *err) {
  patron_clv_value_options vo = {12, o->discount_rate, o->margin, 1, 365.0 / 12};
  patron_clv_query q[] = {{.what = PATRON_CLV_P_ALIVE, .out = pa},
                          {.what = PATRON_CLV_PURCHASES, .t = 90, .out = e90},
                          {.what = PATRON_CLV_VALUE, .spend = sm, .value = &vo, .out = clv}};
  patron_status st = patron_clv_predict_many_summary(pm, d, s, q, sm ? 3 : 2, err);
  for (size_t i = 0; st == PATRON_OK && !sm && i < d->n; i++)
    clv[i] = NAN;
  return st;
}

/* Scatters cohort values into table rows through the dataset customer index. */
static void scatter(const patron_clv_cohort *c, const uint32_t *row_customer, size_t n_rows,
                    size_t n_customers, uint32_t *row_of, const double *const src[3],
                    const profile_cols *dst) {
  for (size_t i = 0; i < n_customers; i++)
    row_of[i] = UINT32_MAX;
  for (size_t r = 0; r < c->n; r++)
    row_of[c->customer[r]] = (uint32_t)r;
  for (size_t t = 0; t < n_rows; t++) {
    uint32_t r = row_of[row_customer[t]];
    if (r == UINT32_MAX)
      continue;
    dst->p_alive[t] = src[0][r], dst->purchases[t] = src[1][r], dst->clv[t] = src[2][r];
  }
}

/* One compression of a cohort's data: its purchases (x, t_x, T) or its spend (x, m). */
typedef struct compress_job {
  const patron_clv_data *d;
  bool spend;
  patron_clv_summary *s;
  patron_status st;
  patron_error err;
} compress_job;

static void compress_one(void *item) {
  compress_job *j = item;
  j->st = j->spend ? patron__clv_compress_spend(j->d, &j->s, &j->err)
                   : patron_clv_compress(j->d, &j->s, &j->err);
}

/* The purchases compressed into *s and, when the spend model is wanted, the spend into *ss
 * (NULL when it cannot be: no spend model then), side by side on the executor. */
static patron_status compress_both(const patron_clv_data *purchases, const patron_clv_data *spend,
                                   const patron_clv_profile_options *o, patron_clv_summary **s,
                                   patron_clv_summary **ss, patron_error *err) {
  compress_job jobs[2] = {{.d = purchases}, {.d = spend, .spend = true}};
  size_t n_jobs = o->spend ? 2 : 1;
  patron__exec_each(purchases->n < 10000 ? 1 : 2, jobs, n_jobs, sizeof *jobs, compress_one);
  *s = jobs[0].s;
  *ss = o->spend && jobs[1].st == PATRON_OK ? jobs[1].s : NULL;
  if (jobs[0].st != PATRON_OK)
    *err = jobs[0].err;
  return jobs[0].st;
}

/* One model's fit on its summary. */
typedef struct fit_job {
  patron_clv_kind kind;
  const patron_clv_summary *s;
  const patron_clv_fit_options *fo;
  patron_clv_model *m;
  patron_status st;
  patron_error err;
} fit_job;

static void fit_one(void *item) {
  fit_job *j = item;
  j->st = patron_clv_fit_summary(j->kind, j->s, j->fo, &j->m, &j->err);
}

/* patron__clv_profile_fit on the compressed purchases s and spend ss (NULL: no spend
 * model): the two models side by side on the executor. */
static patron_status fit_summary(const patron_clv_summary *s, const patron_clv_summary *ss,
                                 const patron_clv_profile_options *o, patron_clv_model **pm,
                                 patron_clv_model **sm, patron_error *err) {
  patron_clv_fit_options fo = {
      .threads = o->threads, .penalizer = o->penalizer, .log_penalizer = o->log_penalizer};
  fit_job jobs[2] = {{.kind = o->model, .s = s, .fo = &fo},
                     {.kind = PATRON_CLV_GAMMAGAMMA, .s = ss, .fo = &fo}};
  size_t n_jobs = o->spend && ss ? 2 : 1;
  patron__exec_each(o->threads == 1 || s->n_customers < 10000 ? 1 : 2, jobs, n_jobs, sizeof *jobs,
                    fit_one);
  *pm = jobs[0].m, *sm = jobs[1].m;
  if (!(*pm && *sm && (*sm)->theta[1] > 1)) { /* q <= 1: infinite mean order value */
    patron_clv_model_free(*sm);               /* no usable spend model: clv_365d stays empty */
    *sm = NULL;
  }
  if (jobs[0].st != PATRON_OK)
    *err = jobs[0].err;
  return jobs[0].st;
}

patron_status patron__clv_profile_fit(const patron_clv_data *purchases,
                                      const patron_clv_data *spend,
                                      const patron_clv_profile_options *o, patron_clv_model **pm,
                                      patron_clv_model **sm, patron_error *err) {
  *pm = *sm = NULL;
  patron_clv_summary *s = NULL, *ss = NULL;
  patron_status st = compress_both(purchases, spend, o, &s, &ss, err);
  if (st == PATRON_OK)
    st = fit_summary(s, ss, o, pm, sm, err);
  patron_clv_summary_free(s), patron_clv_summary_free(ss);
  return st;
}

patron_status patron__clv_profile_cohort(const patron_dataset *ds, int32_t as_of, int threads,
                                         patron_clv_cohort **out, patron_error *err) {
  patron_clv_cohort_options co;
  patron_clv_cohort_options_init(&co);
  co.calibration_end = as_of - 1;
  co.threads = threads;
  return patron_clv_cohort_build(ds, &co, out, err);
}

/* The models: fitted on the cohort (compressed into s and ss), or the given ones. */
static patron_status models(const patron_clv_summary *s, const patron_clv_summary *ss,
                            const patron_clv_profile_options *o, patron_clv_model **pm,
                            patron_clv_model **sm, patron_error *err) {
  if (!o->given)
    return fit_summary(s, ss, o, pm, sm, err);
  *pm = *sm = NULL;
  if (o->purchases_given && !(*pm = patron__clv_model_clone(o->purchases_given)))
    return PATRON__OOM(err);
  if (o->spend_given && !(*sm = patron__clv_model_clone(o->spend_given)))
    return PATRON__OOM(err);
  return PATRON_OK;
}

patron_status patron_clv_profile_columns(patron_table *t, const patron_dataset *ds,
                                         const uint32_t *row_customer, int32_t as_of,
                                         const patron_clv_profile_options *opts,
                                         patron_error *err) {
  profile_cols cols;
  patron_status st = add_columns(t, &cols, err);
  if (st != PATRON_OK)
    return st;
  patron_clv_cohort *c = NULL;
  st = patron__clv_profile_cohort(ds, as_of, opts->threads, &c, err);
  if (st != PATRON_OK)
    return st;
  size_t n_cust = patron_dataset_n_customers(ds);
  double *work = malloc((3 * c->n + 1) * sizeof *work);
  uint32_t *row_of = malloc((n_cust ? n_cust : 1) * sizeof *row_of);
  patron_clv_model *pm = NULL, *sm = NULL;
  patron_clv_summary *s = NULL, *ss = NULL;
  patron_clv_data d = patron_clv_cohort_data(c);
  patron_clv_profile_options fitted = *opts; /* given models: no spend summary needed */
  fitted.spend = opts->spend && !opts->given;
  st = work && row_of ? compress_both(&d, &d, &fitted, &s, &ss, err) : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = models(s, ss, opts, &pm, &sm, err);
  patron_clv_summary_free(ss); /* fitted: the predictions need only s */
  if (st == PATRON_OK && pm)
    st = predict(pm, sm, &d, s, opts, work, work + c->n, work + 2 * c->n, err);
  if (st == PATRON_OK && pm) {
    const double *src[3] = {work, work + c->n, work + 2 * c->n};
    scatter(c, row_customer, patron_table_n_rows(t), n_cust, row_of, src, &cols);
  }
  if (opts->purchases_out)
    *opts->purchases_out = pm, pm = NULL;
  if (opts->spend_out)
    *opts->spend_out = sm, sm = NULL;
  patron_clv_model_free(pm), patron_clv_model_free(sm);
  free(work), free(row_of);
  patron_clv_summary_free(s);
  patron_clv_cohort_free(c);
  return st;
}
