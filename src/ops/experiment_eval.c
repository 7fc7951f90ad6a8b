/* Experiment evaluation (SPEC section 12): per assigned customer, conversion, revenue and
 * orders over [start, start + window) (and the same over the pre-period for CUPED); then,
 * per non-control arm and metric, the comparison with control (experiment_stats.c), the
 * sample-ratio-mismatch p, Holm's adjustment over all rows and the verdicts in SPEC order. */
#include "core/assign_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patron/output.h"

#define DAY 86400

void patron_eval_options_init(patron_eval_options *o) {
  memset(o, 0, sizeof *o);
  o->start_day = PATRON_NO_DAY;
  o->window_days = 30;
  o->cap_percentile = NAN;
  o->pre_days = 90;
  o->alpha = 0.05;
  o->min_lift = 0.05;
  o->power = 0.8;
}

const char *patron_verdict_name(patron_verdict v) {
  static const char *const names[] = {"invalid", "effective", "harmful", "ineffective",
                                      "inconclusive"};
  return v <= PATRON_VERDICT_INCONCLUSIVE ? names[v] : "";
}

const char *patron_metric_name(patron_metric m) {
  static const char *const names[] = {"conversion", "revenue", "orders"};
  return m < PATRON_METRIC_COUNT ? names[m] : "";
}

void patron_evaluation_free(patron_evaluation *e) {
  if (!e)
    return;
  free(e->experiment);
  patron_arms_clear(&e->arms);
  free(e->arm_n);
  free(e->rows);
  free(e);
}

/* Sums one customer's orders with time in [from, to) into conversion, revenue, orders. */
static void window_sums(const patron_orders_view *ov, uint32_t c, int64_t from, int64_t to,
                        double out[3]) {
  patron_money revenue = 0;
  size_t purchases = 0;
  for (uint32_t k = ov->start[c]; k < ov->start[c + 1]; k++) {
    if (ov->time[k] < from || ov->time[k] >= to)
      continue;
    revenue += ov->value[k];
    purchases += ov->value[k] > 0;
  }
  out[0] = purchases > 0;
  out[1] = (double)revenue / PATRON_MONEY_SCALE;
  out[2] = (double)purchases;
}

/* Metrics of assigned customer i over [from, from + window) (from = start[i], or the shared
 * start when start is NULL) into y, and over the pre-period into x when not NULL. */
static size_t fill_metrics(const patron_assignments *a, const patron_dataset *ds,
                           const int64_t *start, int64_t shared, int64_t window, int64_t pre,
                           double *y, double *x) {
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  size_t n = a->n, unknown = 0;
  for (size_t i = 0; i < n; i++) {
    double w[3] = {0, 0, 0}, p[3] = {0, 0, 0};
    int64_t from = start ? start[i] : shared;
    uint32_t c = patron_dataset_find_customer(ds, a->ids[i], strlen(a->ids[i]));
    if (c == UINT32_MAX) {
      unknown++;
    } else {
      window_sums(&ov, c, from, from + window, w);
      if (x)
        window_sums(&ov, c, from - pre, from, p);
    }
    for (int m = 0; m < PATRON_METRIC_COUNT; m++) {
      y[(size_t)m * n + i] = w[m];
      if (x)
        x[(size_t)m * n + i] = p[m];
    }
  }
  return unknown;
}

patron_status patron_experiment_metrics(const patron_assignments *a, const patron_dataset *ds,
                                        const patron_eval_options *o, double *y, double *x,
                                        size_t *n_unknown, patron_error *err) {
  if (o->start_day == PATRON_NO_DAY || o->window_days < 1 || (x && o->pre_days < 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "an evaluation needs a start day, a window and a pre-period >= 1");
  size_t unknown = fill_metrics(a, ds, NULL, (int64_t)o->start_day * DAY,
                                (int64_t)o->window_days * DAY, (int64_t)o->pre_days * DAY, y, x);
  if (n_unknown)
    *n_unknown = unknown;
  return PATRON_OK;
}

patron_status patron_experiment_metrics_from(const patron_assignments *a, const patron_dataset *ds,
                                             const int64_t *start, const patron_eval_options *o,
                                             double *y, double *x, size_t *n_unknown,
                                             patron_error *err) {
  if (o->window_days < 1 || (x && o->pre_days < 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "an evaluation needs a window and a pre-period >= 1");
  size_t unknown = fill_metrics(a, ds, start, 0, (int64_t)o->window_days * DAY,
                                (int64_t)o->pre_days * DAY, y, x);
  if (n_unknown)
    *n_unknown = unknown;
  return PATRON_OK;
}

/* Per-arm moments of v (two passes, long double sums). */
static void arm_moments(const double *v, const uint32_t *arm, size_t n, size_t k,
                        patron_moments *out, long double *work) {
  long double *sum = work, *ss = work + k;
  for (size_t j = 0; j < k; j++)
    sum[j] = ss[j] = 0, out[j].n = 0;
  for (size_t i = 0; i < n; i++)
    sum[arm[i]] += v[i], out[arm[i]].n++;
  for (size_t j = 0; j < k; j++)
    out[j].mean = out[j].n ? (double)(sum[j] / (long double)out[j].n) : NAN;
  for (size_t i = 0; i < n; i++) {
    long double d = (long double)v[i] - out[arm[i]].mean;
    ss[arm[i]] += d * d;
  }
  for (size_t j = 0; j < k; j++)
    out[j].var = out[j].n > 1 ? (double)(ss[j] / (long double)(out[j].n - 1)) : NAN;
}

static void cap_values(double *v, size_t n, double cap) {
  for (size_t i = 0; i < n; i++)
    v[i] = v[i] > cap ? cap : v[i];
}

/* The pooled P-th percentile of v (on a copy); NaN when memory runs out. */
static double pooled_percentile(const double *v, size_t n, double p) {
  double *copy = malloc((n ? n : 1) * sizeof *copy);
  if (!copy)
    return NAN;
  memcpy(copy, v, n * sizeof *copy);
  double q = patron_stats_percentile(copy, n, p);
  free(copy);
  return q;
}

/* Per-arm sample size to detect a relative lift of min_lift over the control's figure. */
static double required_n(patron_metric m, patron_moments c, const patron_eval_options *o) {
  double n = NAN, mde = c.mean * o->min_lift;
  patron_error ignored = {0};
  if (m == PATRON_METRIC_CONVERSION)
    patron_stats_size_proportion(c.mean, mde, o->alpha, o->power, &n, &ignored);
  else
    patron_stats_size_mean(sqrt(c.var), mde, o->alpha, o->power, &n, &ignored);
  return ignored.status == PATRON_OK ? n : NAN;
}

static patron_verdict verdict(const patron_result_row *r, double min_lift) {
  if (r->srm_p < 0.001)
    return PATRON_VERDICT_INVALID;
  if (r->c.diff_low > 0)
    return PATRON_VERDICT_EFFECTIVE;
  if (r->c.diff_high < 0)
    return PATRON_VERDICT_HARMFUL;
  if (r->c.lift_high < min_lift)
    return PATRON_VERDICT_INEFFECTIVE;
  return PATRON_VERDICT_INCONCLUSIVE;
}

typedef struct eval_work {
  double *y;            /* adjusted metrics, metric-major */
  patron_moments *mom;  /* per arm */
  long double *scratch; /* 2 k */
} eval_work;

static patron_status compare_metric(const patron_assignments *a, patron_evaluation *e,
                                    const eval_work *w, patron_metric m,
                                    const patron_eval_options *o, patron_error *err) {
  size_t n = a->n, k = a->arms.n, c = e->control;
  const double *v = w->y + (size_t)m * n;
  arm_moments(v, a->arm, n, k, w->mom, w->scratch);
  patron_status st = PATRON_OK;
  for (size_t arm = 0; arm < k && st == PATRON_OK; arm++) {
    if (arm == c)
      continue;
    patron_result_row *r = &e->rows[e->n_rows++];
    *r = (patron_result_row){
        .metric = m, .arm = arm, .n = w->mom[arm].n, .control_n = w->mom[c].n, .srm_p = e->srm_p};
    if (m == PATRON_METRIC_CONVERSION)
      st = patron_stats_proportions(
          (size_t)llround(w->mom[arm].mean * (double)w->mom[arm].n), w->mom[arm].n,
          (size_t)llround(w->mom[c].mean * (double)w->mom[c].n), w->mom[c].n, o->alpha, &r->c, err);
    else
      st = patron_stats_means(w->mom[arm], w->mom[c], o->alpha, &r->c, err);
    r->required_n = required_n(m, w->mom[c], o);
  }
  return st;
}

/* Copies y, caps revenue, applies CUPED; fills e->cap and e->theta. */
static patron_status adjust(const patron_assignments *a, const double *y, const double *x,
                            const patron_eval_options *o, patron_evaluation *e, double *out,
                            patron_error *err) {
  size_t n = a->n;
  memcpy(out, y, 3 * n * sizeof *out);
  double *xr = NULL;
  e->cap = e->theta[0] = e->theta[1] = NAN;
  if (!isnan(o->cap_percentile)) {
    double *rev = out + n;
    e->cap = pooled_percentile(rev, n, o->cap_percentile);
    if (isnan(e->cap))
      return PATRON__OOM(err);
    cap_values(rev, n, e->cap);
  }
  if (!o->cuped)
    return PATRON_OK;
  if (!x)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "CUPED needs pre-period metrics");
  if (!isnan(o->cap_percentile)) { /* the pre-period revenue capped at its own percentile */
    if (!(xr = malloc(n * sizeof *xr)))
      return PATRON__OOM(err);
    memcpy(xr, x + n, n * sizeof *xr);
    double cap = pooled_percentile(xr, n, o->cap_percentile);
    cap_values(xr, n, cap);
  }
  patron_stats_cuped(out + n, xr ? xr : x + n, n, &e->theta[0]);
  patron_stats_cuped(out + 2 * n, x + 2 * n, n, &e->theta[1]);
  free(xr);
  return PATRON_OK;
}

static patron_evaluation *evaluation_new(const patron_assignments *a) {
  patron_evaluation *e = calloc(1, sizeof *e);
  if (!e)
    return NULL;
  e->experiment = strdup(a->name);
  e->arm_n = calloc(a->arms.n, sizeof *e->arm_n);
  e->rows = calloc(PATRON_METRIC_COUNT * a->arms.n, sizeof *e->rows);
  if (!e->experiment || !e->arm_n || !e->rows || !patron__arms_copy(&e->arms, &a->arms)) {
    patron_evaluation_free(e);
    return NULL;
  }
  e->control = patron_arms_control(&a->arms);
  for (size_t i = 0; i < a->n; i++)
    e->arm_n[a->arm[i]]++;
  e->srm_p = patron_stats_srm_p(e->arm_n, a->arms.weights, a->arms.n);
  return e;
}

static patron_status finish(patron_evaluation *e, const patron_eval_options *o, patron_error *err) {
  double *p = malloc(e->n_rows * sizeof *p);
  if (!p)
    return PATRON__OOM(err);
  for (size_t i = 0; i < e->n_rows; i++)
    p[i] = e->rows[i].c.p_value;
  patron_status st = patron_stats_holm(p, e->n_rows, p, err);
  for (size_t i = 0; st == PATRON_OK && i < e->n_rows; i++) {
    e->rows[i].p_adjusted = e->n_rows > 1 ? p[i] : e->rows[i].c.p_value;
    e->rows[i].verdict = verdict(&e->rows[i], o->min_lift);
  }
  free(p);
  return st;
}

patron_status patron_experiment_evaluate_metrics(const patron_assignments *a, const double *y,
                                                 const double *x, const patron_eval_options *o,
                                                 patron_evaluation **out, patron_error *err) {
  if (a->arms.n < 2)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "an experiment needs at least 2 arms");
  patron_evaluation *e = evaluation_new(a);
  eval_work w = {malloc((a->n ? 3 * a->n : 1) * sizeof(double)),
                 malloc(a->arms.n * sizeof(patron_moments)),
                 malloc(2 * a->arms.n * sizeof(long double))};
  patron_status st = e && w.y && w.mom && w.scratch ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = adjust(a, y, x, o, e, w.y, err);
  for (int m = 0; m < PATRON_METRIC_COUNT && st == PATRON_OK; m++)
    st = compare_metric(a, e, &w, (patron_metric)m, o, err);
  if (st == PATRON_OK)
    st = finish(e, o, err);
  free(w.y);
  free(w.mom);
  free(w.scratch);
  if (st != PATRON_OK) {
    patron_evaluation_free(e);
    return st;
  }
  *out = e;
  return PATRON_OK;
}

patron_status patron_experiment_evaluate(const patron_assignments *a, const patron_dataset *ds,
                                         const patron_eval_options *o, patron_evaluation **out,
                                         patron_error *err) {
  size_t n = a->n ? a->n : 1;
  double *y = malloc(3 * n * sizeof *y), *x = o->cuped ? malloc(3 * n * sizeof *x) : NULL;
  patron_status st = y && (x || !o->cuped) ? PATRON_OK : PATRON__OOM(err);
  size_t unknown = 0;
  if (st == PATRON_OK)
    st = patron_experiment_metrics(a, ds, o, y, x, &unknown, err);
  if (st == PATRON_OK)
    st = patron_experiment_evaluate_metrics(a, y, x, o, out, err);
  if (st == PATRON_OK)
    (*out)->n_unknown = unknown;
  free(y);
  free(x);
  return st;
}
