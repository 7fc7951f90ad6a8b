/* Cohorts for the buy-till-you-die models: per-customer (x, t_x, T, mean repeat value) as of
 * a calibration end, and actual holdout purchases and spend, from a dataset's time-sorted
 * orders (one purchase per customer-day, the first excluded, as in Fader, Hardie & Lee
 * 2005 and lifetimes' summary_data_from_transaction_data). */
#include "models/clv/clv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void patron_clv_cohort_options_init(patron_clv_cohort_options *o) {
  memset(o, 0, sizeof *o);
  o->calibration_end = PATRON_NO_DAY;
  o->holdout_end = PATRON_NO_DAY;
  o->unit_days = 1;
}

void patron_clv_cohort_free(patron_clv_cohort *c) {
  if (!c)
    return;
  free(c->customer), free(c->x), free(c->t_x), free(c->T), free(c->monetary);
  free(c->spend), free(c->first_day), free(c->holdout_x), free(c->holdout_spend);
  free(c);
}

patron_clv_data patron_clv_cohort_data(const patron_clv_cohort *c) {
  return (patron_clv_data){c->n, c->x, c->t_x, c->T, NULL, c->monetary};
}

/* Allocates the cohort's columns for n rows (spend/first_day/holdout on request). */
patron_clv_cohort *patron__clv_cohort_alloc(size_t n, bool transactions, bool holdout) {
  patron_clv_cohort *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  size_t m = n ? n : 1;
  c->n = n;
  c->customer = malloc(m * sizeof *c->customer);
  c->x = malloc(m * sizeof(double)), c->t_x = malloc(m * sizeof(double));
  c->T = malloc(m * sizeof(double)), c->monetary = calloc(m, sizeof(double));
  bool ok = c->customer && c->x && c->t_x && c->T && c->monetary;
  if (transactions) {
    c->spend = malloc(m * sizeof(double)), c->first_day = malloc(m * sizeof(int32_t));
    ok = ok && c->spend && c->first_day;
  }
  if (holdout) {
    c->holdout_x = calloc(m, sizeof(double)), c->holdout_spend = calloc(m, sizeof(double));
    ok = ok && c->holdout_x && c->holdout_spend;
  }
  if (!ok) {
    patron_clv_cohort_free(c);
    return NULL;
  }
  return c;
}

/* One customer's purchases, day by day. */
typedef struct walk {
  const patron_orders_view *ov;
  bool zero_ok;
} walk;

typedef struct customer_figures {
  int32_t first, last; /* calibration purchase days; first = NO_DAY: no purchase */
  int64_t x, hx;       /* repeat days; holdout days */
  long double repeat_value, total, holdout_value;
} customer_figures;

static bool is_purchase(const walk *w, patron_money v) { return v > 0 || (v == 0 && w->zero_ok); }

static void figures(const walk *w, uint32_t c, int32_t cal_end, int32_t hold_end,
                    customer_figures *f) {
  const patron_orders_view *ov = w->ov;
  *f = (customer_figures){.first = PATRON_NO_DAY, .last = PATRON_NO_DAY};
  int32_t prev = PATRON_NO_DAY;
  for (uint32_t i = ov->start[c]; i < ov->start[c + 1]; i++) {
    if (!is_purchase(w, ov->value[i]))
      continue;
    int32_t day = patron_day_of_time(ov->time[i]);
    long double v = (long double)ov->value[i] / PATRON_MONEY_SCALE;
    if (day > hold_end)
      break;
    bool new_day = day != prev;
    prev = day;
    if (day > cal_end) {
      if (f->first == PATRON_NO_DAY)
        break; /* first purchase after the calibration: not in the cohort */
      f->hx += new_day;
      f->holdout_value += v;
      continue;
    }
    if (f->first == PATRON_NO_DAY)
      f->first = day;
    else if (day != f->first)
      f->repeat_value += v;
    f->x += new_day && day != f->first;
    f->last = day;
    f->total += v;
  }
}

/* True when customer c has a purchase on or before cal_end (a cohort row). */
static bool in_cohort(const walk *w, uint32_t c, int32_t cal_end) {
  const patron_orders_view *ov = w->ov;
  for (uint32_t i = ov->start[c]; i < ov->start[c + 1]; i++)
    if (is_purchase(w, ov->value[i]))
      return patron_day_of_time(ov->time[i]) <= cal_end;
  return false;
}

static void fill_row(patron_clv_cohort *c, size_t r, uint32_t cust, const customer_figures *f,
                     double unit) {
  c->customer[r] = cust;
  c->x[r] = (double)f->x;
  c->t_x[r] = (f->last - f->first) / unit;
  c->T[r] = (c->calibration_end - f->first) / unit;
  c->monetary[r] = f->x ? (double)(f->repeat_value / f->x) : 0;
  c->spend[r] = (double)f->total;
  c->first_day[r] = f->first;
  if (c->holdout_x) {
    c->holdout_x[r] = (double)f->hx;
    c->holdout_spend[r] = (double)f->holdout_value;
  }
}

/* The cohort built in two passes over blocks of customers on the executor: the rows of each
 * block are counted, then each block's rows are filled from its first row on (customer
 * order, as one pass would). */
enum { COHORT_BLOCK = 4096 };

typedef struct cohort_job {
  const walk *w;
  int32_t cal_end, hold_end;
  size_t *first_row; /* per block: its count in the first pass, its first row in the second */
  patron_clv_cohort *c;
  double unit;
} cohort_job;

static void count_block(void *arg, size_t lo, size_t hi, int worker) {
  (void)worker;
  cohort_job *j = arg;
  size_t n = 0;
  for (size_t c = lo; c < hi; c++)
    n += in_cohort(j->w, (uint32_t)c, j->cal_end);
  j->first_row[lo / COHORT_BLOCK] = n;
}

static void fill_block(void *arg, size_t lo, size_t hi, int worker) {
  (void)worker;
  cohort_job *j = arg;
  size_t r = j->first_row[lo / COHORT_BLOCK];
  for (size_t c = lo; c < hi; c++) {
    customer_figures f;
    figures(j->w, (uint32_t)c, j->cal_end, j->hold_end, &f);
    if (f.first != PATRON_NO_DAY)
      fill_row(j->c, r++, (uint32_t)c, &f, j->unit);
  }
}

/* Threads for n customers (one below 10,000). */
static int cohort_threads(size_t n, int n_threads) {
  return n < 10000 || n_threads < 1 ? 1 : n_threads;
}

static int32_t default_calibration_end(const patron_dataset *ds) {
  int32_t as_of = patron_dataset_default_as_of(ds);
  return as_of == PATRON_NO_DAY ? PATRON_NO_DAY : as_of - 1;
}

static patron_status check_options(const patron_clv_cohort_options *o, int32_t cal_end,
                                   patron_error *err) {
  if (!(o->unit_days >= 0) || o->unit_days > 3660)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the time unit must be a positive number of days");
  if (o->holdout_end != PATRON_NO_DAY && cal_end != PATRON_NO_DAY && o->holdout_end <= cal_end)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the holdout must end after the calibration period");
  return PATRON_OK;
}

patron_status patron_clv_cohort_build(const patron_dataset *ds,
                                      const patron_clv_cohort_options *opts,
                                      patron_clv_cohort **out, patron_error *err) {
  *out = NULL;
  int32_t cal_end =
      opts->calibration_end != PATRON_NO_DAY ? opts->calibration_end : default_calibration_end(ds);
  patron_status st = check_options(opts, cal_end, err);
  if (st != PATRON_OK)
    return st;
  bool holdout = opts->holdout_end != PATRON_NO_DAY;
  size_t n = patron_dataset_n_customers(ds), n_blocks = (n + COHORT_BLOCK - 1) / COHORT_BLOCK;
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  walk w = {&ov, opts->zero_value_purchases};
  cohort_job job = {&w,
                    cal_end,
                    holdout ? opts->holdout_end : cal_end,
                    malloc((n_blocks ? n_blocks : 1) * sizeof *job.first_row),
                    NULL,
                    opts->unit_days > 0 ? opts->unit_days : 1};
  if (!job.first_row)
    return PATRON__OOM(err);
  int threads = cohort_threads(n, opts->threads > 0 ? opts->threads : patron__default_threads());
  patron__exec_ranges(threads, n, COHORT_BLOCK, count_block, &job);
  size_t rows = 0;
  for (size_t b = 0; b < n_blocks; b++) {
    size_t count = job.first_row[b];
    job.first_row[b] = rows;
    rows += count;
  }
  patron_clv_cohort *c = job.c = patron__clv_cohort_alloc(rows, true, holdout);
  if (c) {
    c->unit_days = job.unit;
    c->calibration_end = cal_end;
    c->holdout_end = holdout ? opts->holdout_end : PATRON_NO_DAY;
    c->holdout_length = holdout ? (opts->holdout_end - cal_end) / job.unit : 0;
    c->has_monetary = true;
    patron__exec_ranges(threads, n, COHORT_BLOCK, fill_block, &job);
  }
  free(job.first_row);
  if (!c)
    return PATRON__OOM(err);
  *out = c;
  return PATRON_OK;
}

/* ---- Tracking ----------------------------------------------------------------------------- */

/* Adds each repeat purchase day of cohort row r's customer (on or before `last`) to
 * per_day[day - start]. */
static void repeat_days(const walk *w, uint32_t cust, int32_t start, int32_t last,
                        double *per_day) {
  const patron_orders_view *ov = w->ov;
  int32_t prev = PATRON_NO_DAY;
  bool first = true;
  for (uint32_t i = ov->start[cust]; i < ov->start[cust + 1]; i++) {
    if (!is_purchase(w, ov->value[i]))
      continue;
    int32_t day = patron_day_of_time(ov->time[i]);
    if (day > last)
      break;
    if (day != prev && !first)
      per_day[day - start] += 1;
    first = false;
    prev = day;
  }
}

/* Unconditional E[X(d / unit)] for d = 0..span days: a customer seen only at time 0. */
static patron_status expected_by_day(const patron_clv_model *m, double unit, size_t span,
                                     double *ex, patron_error *err) {
  double zero = 0;
  patron_clv_data one = {1, &zero, &zero, &zero, NULL, NULL};
  patron_status st = PATRON_OK;
  for (size_t d = 0; d <= span && st == PATRON_OK; d++)
    st = patron_clv_predict_purchases(m, &one, (double)d / unit, &ex[d], err);
  return st;
}

patron_status patron_clv_tracking(const patron_dataset *ds, const patron_clv_cohort *c,
                                  const patron_clv_cohort_options *opts,
                                  const patron_clv_model *purchases, int32_t *start_day,
                                  size_t *n_weeks, double **actual, double **expected,
                                  patron_error *err) {
  *actual = *expected = NULL;
  if (!c->first_day || c->n == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "tracking needs a cohort built from transactions");
  int32_t start = c->first_day[0],
          end = c->holdout_end != PATRON_NO_DAY ? c->holdout_end : c->calibration_end;
  for (size_t r = 0; r < c->n; r++)
    start = c->first_day[r] < start ? c->first_day[r] : start;
  size_t span = (size_t)(end - start) + 1, weeks = (span + 6) / 7;
  double *per_day = calloc(weeks * 7, sizeof *per_day), *ex = malloc((weeks * 7 + 1) * sizeof *ex);
  double *first_count = calloc(weeks * 7, sizeof *first_count);
  double *act = calloc(weeks, sizeof *act), *exp_ = calloc(weeks, sizeof *exp_);
  patron_status st = per_day && ex && first_count && act && exp_ ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = expected_by_day(purchases, c->unit_days, weeks * 7, ex, err);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  walk w = {&ov, opts->zero_value_purchases};
  for (size_t r = 0; st == PATRON_OK && r < c->n; r++) {
    repeat_days(&w, c->customer[r], start, end, per_day);
    first_count[c->first_day[r] - start] += 1;
  }
  for (size_t wk = 0; st == PATRON_OK && wk < weeks; wk++) {
    size_t last = 7 * wk + 6; /* day offset of the week's last day */
    long double a = 0, e = 0;
    for (size_t d = 0; d <= last; d++) {
      a += per_day[d];
      e += first_count[d] * ex[last - d];
    }
    act[wk] = (double)a;
    exp_[wk] = (double)e;
  }
  free(per_day), free(ex), free(first_count);
  if (st != PATRON_OK) {
    free(act), free(exp_);
    return st;
  }
  *start_day = start;
  *n_weeks = weeks;
  *actual = act;
  *expected = exp_;
  return PATRON_OK;
}

void patron_clv_historical_value(const patron_clv_cohort *c, double margin, double lifetime_years,
                                 double cost, double *annual_revenue, double *hist_value) {
  for (size_t i = 0; i < c->n; i++) {
    if (!c->spend || !c->has_monetary) { /* no amounts: no value */
      annual_revenue[i] = hist_value[i] = NAN;
      continue;
    }
    double years = (c->T[i] * c->unit_days + 1) / 365.0;
    annual_revenue[i] = c->spend[i] / years;
    double span = lifetime_years > 0 ? lifetime_years : years;
    hist_value[i] = (margin > 0 ? margin : 1) * annual_revenue[i] * span - cost;
  }
}
