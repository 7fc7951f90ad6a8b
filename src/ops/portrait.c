/* Relationship stage and loyalty (SPEC section 17; include/patron/portrait.h). The stage
 * compares the purchases of the two windows before as-of; the loyalty score is the
 * probability that the customer's own purchase cycle (a gamma law with the mean and the
 * coefficient of variation of the gaps between purchase days) runs longer than the time
 * since the last purchase, combined with repeat purchases, recency, regularity and tenure
 * (docs/PORTRAIT.md). */
#include "core/core_int.h"
#include "core/exec.h"
#include "ops/stages.h"
#include "patron/churn.h"
#include "patron/portrait.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stage_labels[] = {"exploration", "formation", "stability", "decline"};
static const char *const stage_labels_zh[] = {"考察期", "形成期", "稳定期", "退化期"};

static const char *const loyalty_labels[] = {"high", "medium", "low", "one_time"};
static const char *const loyalty_labels_zh[] = {"高忠诚", "中忠诚", "低忠诚", "一次性"};

static int32_t stage_of(int64_t frequency, int64_t tenure, int64_t recent, int64_t prior) {
  if (frequency == 1 || tenure < 90)
    return 0;
  if (recent * 5 > prior * 6) /* recent > 1.2 x prior, exactly */
    return 1;
  if (recent == 0 || recent * 5 < prior * 4) /* recent < 0.8 x prior */
    return 3;
  return 2;
}

/* Purchases (orders with value > 0) of customer c in [from, to). */
static int64_t purchases_between(const patron_orders_view *o, uint32_t c, int64_t from,
                                 int64_t to) {
  int64_t n = 0;
  for (uint32_t i = o->start[c]; i < o->start[c + 1]; i++)
    n += o->value[i] > 0 && o->time[i] >= from && o->time[i] < to;
  return n;
}

typedef struct stage_job {
  patron_orders_view o;
  const uint32_t *cust;
  const int64_t *freq, *tenure;
  int32_t *codes;
  int64_t end, span;
} stage_job;

static void stage_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const stage_job *j = ctx;
  for (size_t r = lo; r < hi; r++) {
    if (j->freq[r] == PATRON_NULL_INT || j->freq[r] < 1)
      continue;
    int64_t recent = purchases_between(&j->o, j->cust[r], j->end - j->span, j->end);
    int64_t prior = purchases_between(&j->o, j->cust[r], j->end - 2 * j->span, j->end - j->span);
    j->codes[r] = stage_of(j->freq[r], j->tenure[r], recent, prior);
  }
}

/* Rows are cut into blocks of ROW_BLOCK on the executor; each row's cells depend on the
 * row only, so the columns are the same for any thread count. */
enum { ROW_BLOCK = 1 << 14 };

static patron_status stage_add(patron_profile *p, const patron_dataset *ds, int days, int n_threads,
                               patron_error *err) {
  if (days < 1)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--stage-days must be at least 1, got %d", days);
  patron_table *t = patron_profile_table(p);
  stage_job j = {.cust = patron_profile_customers(p),
                 .freq = patron_table_find(t, "frequency")->data,
                 .tenure = patron_table_find(t, "tenure_days")->data,
                 .end = (int64_t)patron_profile_as_of(p) * 86400,
                 .span = (int64_t)days * 86400};
  patron_status st =
      patron_table_add_category(t, "stage", stage_labels, stage_labels_zh, 4, true, &j.codes, err);
  if (st != PATRON_OK)
    return st;
  patron_dataset_orders(ds, &j.o);
  patron__exec_ranges(n_threads, patron_table_n_rows(t), ROW_BLOCK, stage_block, &j);
  return PATRON_OK;
}

patron_status patron_stage_add(patron_profile *p, const patron_dataset *ds, int days,
                               patron_error *err) {
  return stage_add(p, ds, days, 0, err);
}

patron_status patron__stage_relationship(patron_profile *p, const patron_dataset *ds,
                                         patron_run *run, patron_error *err) {
  if (patron__stage_is_given(run, "relationship_stage"))
    return patron__stage_given(p, run, "relationship_stage", err);
  return stage_add(p, ds, run->options->tags.stage_days, run->n_threads, err);
}

/* The score's recency scale (days) and the weight of the own-cycle term: chosen on the time
 * splits of docs/PORTRAIT.md (before: 365 days and 0.25, which trailed recency alone on
 * generated data). */
#define LOYALTY_RECENCY_DAYS 150.0
#define LOYALTY_CYCLE_WEIGHT 0.1

/* The mean and coefficient of variation of the gaps between distinct purchase days; one
 * gap (or none) gives the exponential law's CV of 1. */
static void cycle_of(const int32_t *days, size_t n, int32_t as_of, double *mean, double *cv) {
  *cv = 1.0;
  if (n < 2) {
    *mean = 365.0; /* no cycle of its own: a year */
    (void)as_of;
    return;
  }
  *mean = (double)(days[n - 1] - days[0]) / (double)(n - 1);
  if (n < 3)
    return;
  double ss = 0;
  for (size_t i = 1; i < n; i++) {
    double d = (double)(days[i] - days[i - 1]) - *mean;
    ss += d * d;
  }
  *cv = sqrt(ss / (double)(n - 1)) / *mean;
}

double patron_loyalty_score(const int32_t *days, size_t n, int32_t as_of) {
  double mean, cv;
  cycle_of(days, n, as_of, &mean, &cv);
  double recency = (double)(as_of - days[n - 1]), tenure = (double)(as_of - days[0]);
  double shape = cv > 0 ? 1.0 / (cv * cv) : 16.0;
  shape = shape < 0.5 ? 0.5 : shape > 16.0 ? 16.0 : shape;
  /* P(the customer's next gap would be longer than the time already waited) */
  double on_cycle = gsl_cdf_gamma_Q(recency, shape, mean / shape);
  double repeat = 1.0 - 1.0 / (double)(n + 1);
  double regular = 1.0 / (1.0 + cv);
  double seniority = tenure / (tenure + 365.0);
  double score = repeat * exp(-recency / LOYALTY_RECENCY_DAYS) *
                 (1.0 - LOYALTY_CYCLE_WEIGHT + LOYALTY_CYCLE_WEIGHT * on_cycle) *
                 (0.75 + 0.25 * regular) * (0.75 + 0.25 * seniority);
  return score < 0 ? 0 : score > 1 ? 1 : score;
}

/* Customer c's distinct purchase days before `end` (seconds) into days; returns how many. */
static size_t purchase_days(const patron_orders_view *o, uint32_t c, int64_t end, int32_t *days) {
  size_t n = 0;
  for (uint32_t i = o->start[c]; i < o->start[c + 1] && o->time[i] < end; i++) {
    if (o->value[i] <= 0)
      continue;
    int32_t d = patron_day_of_time(o->time[i]);
    if (n == 0 || days[n - 1] != d)
      days[n++] = d;
  }
  return n;
}

static size_t max_orders(const patron_orders_view *o, size_t n_customers) {
  size_t m = 1;
  for (size_t c = 0; c < n_customers; c++)
    if (o->start[c + 1] - o->start[c] > m)
      m = o->start[c + 1] - o->start[c];
  return m;
}

typedef struct loyalty_job {
  patron_orders_view o;
  const uint32_t *cust;
  const int64_t *freq;
  double *score;
  int32_t *label, as_of;
  int32_t **days; /* one scratch array of purchase days per worker */
} loyalty_job;

static void loyalty_block(void *ctx, size_t lo, size_t hi, int worker) {
  const loyalty_job *j = ctx;
  int32_t *days = j->days[worker];
  for (size_t r = lo; r < hi; r++) {
    if (j->freq[r] == PATRON_NULL_INT || j->freq[r] < 1)
      continue;
    size_t n = purchase_days(&j->o, j->cust[r], (int64_t)j->as_of * 86400, days);
    if (n == 0)
      continue;
    double score = floor(patron_loyalty_score(days, n, j->as_of) * 10000.0 + 0.5) / 10000.0;
    j->score[r] = score;
    j->label[r] = j->freq[r] == 1 ? 3 : score >= 0.6 ? 0 : score >= 0.3 ? 1 : 2;
  }
}

static patron_status loyalty_add(patron_profile *p, const patron_dataset *ds, int n_threads,
                                 patron_error *err) {
  patron_table *t = patron_profile_table(p);
  loyalty_job j = {.cust = patron_profile_customers(p),
                   .freq = patron_table_find(t, "frequency")->data,
                   .as_of = patron_profile_as_of(p)};
  patron_status st =
      patron_table_add(t, "loyalty_score", PATRON_COL_DOUBLE, (void **)&j.score, err);
  if (st == PATRON_OK)
    st = patron_table_add_category(t, "loyalty", loyalty_labels, loyalty_labels_zh, 4, true,
                                   &j.label, err);
  if (st != PATRON_OK)
    return st;
  patron_table_set_decimals(t, "loyalty_score", 4);
  patron_dataset_orders(ds, &j.o);
  size_t n_rows = patron_table_n_rows(t), max = max_orders(&j.o, patron_dataset_n_customers(ds));
  int n_workers = patron__exec_workers(n_threads, (n_rows + ROW_BLOCK - 1) / ROW_BLOCK);
  int32_t *days[PATRON__EXEC_MAX_WORKERS] = {NULL};
  j.days = days;
  for (int w = 0; w < n_workers && st == PATRON_OK; w++)
    if (!(days[w] = malloc(max * sizeof *days[w])))
      st = PATRON__OOM(err);
  if (st == PATRON_OK)
    patron__exec_ranges(n_threads, n_rows, ROW_BLOCK, loyalty_block, &j);
  for (int w = 0; w < n_workers; w++)
    free(days[w]);
  return st;
}

patron_status patron_loyalty_add(patron_profile *p, const patron_dataset *ds, patron_error *err) {
  return loyalty_add(p, ds, 0, err);
}

patron_status patron__stage_loyalty(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err) {
  if (patron__stage_is_given(run, "loyalty"))
    return patron__stage_given(p, run, "loyalty", err);
  return loyalty_add(p, ds, run->n_threads, err);
}

enum { VALIDATION_HORIZON = 180 }; /* --validate-loyalty: a purchase in the next 180 days */

typedef struct validation_rows {
  double *loyalty, *frequency, *recency;
  float *bought;
  size_t n;
} validation_rows;

static bool bought_between(const patron_orders_view *o, uint32_t c, int64_t from, int64_t to) {
  for (uint32_t i = o->start[c]; i < o->start[c + 1]; i++)
    if (o->value[i] > 0 && o->time[i] >= from && o->time[i] < to)
      return true;
  return false;
}

/* Customer c's validation row: false when c made fewer than 2 purchases before day. */
static bool validation_row(const patron_orders_view *o, uint32_t c, int32_t day, int horizon,
                           int32_t *days, double row[3], bool *bought) {
  int64_t end = (int64_t)day * 86400;
  size_t n = purchase_days(o, c, end, days), purchases = 0;
  for (uint32_t i = o->start[c]; i < o->start[c + 1] && o->time[i] < end; i++)
    purchases += o->value[i] > 0;
  if (purchases < 2)
    return false;
  row[0] = patron_loyalty_score(days, n, day);
  row[1] = (double)purchases;
  row[2] = -(double)(day - days[n - 1]);
  *bought = bought_between(o, c, end, end + (int64_t)horizon * 86400);
  return true;
}

static void collect(const patron_dataset *ds, int32_t day, int horizon, validation_rows *v,
                    int32_t *days) {
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  for (uint32_t c = 0; c < patron_dataset_n_customers(ds); c++) {
    double row[3];
    bool bought;
    if (!validation_row(&o, c, day, horizon, days, row, &bought))
      continue;
    v->loyalty[v->n] = row[0], v->frequency[v->n] = row[1], v->recency[v->n] = row[2];
    v->bought[v->n++] = bought;
  }
}

/* The AUCs of the collected rows (out->day and horizon_days set). */
static patron_status validation_aucs(const validation_rows *v, patron_loyalty_validation *out,
                                     patron_error *err) {
  for (size_t i = 0; i < v->n; i++)
    out->buyers += v->bought[i] > 0;
  out->customers = v->n;
  if (out->buyers == 0 || out->buyers == v->n)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--validate-loyalty: %zu customers with 2+ purchases before the "
                             "day, %zu of them bought in the next %d days: no AUC",
                             v->n, out->buyers, out->horizon_days);
  out->auc_loyalty = patron_metrics_auc(v->loyalty, v->bought, v->n);
  out->auc_frequency = patron_metrics_auc(v->frequency, v->bought, v->n);
  out->auc_recency = patron_metrics_auc(v->recency, v->bought, v->n);
  return PATRON_OK;
}

static bool validation_alloc(validation_rows *v, size_t n) {
  *v = (validation_rows){malloc(n * sizeof(double) + 1), malloc(n * sizeof(double) + 1),
                         malloc(n * sizeof(double) + 1), malloc(n * sizeof(float) + 1), 0};
  return v->loyalty && v->frequency && v->recency && v->bought;
}

static void validation_free(validation_rows *v) {
  free(v->loyalty), free(v->frequency), free(v->recency), free(v->bought);
}

patron_status patron_loyalty_validate(const patron_dataset *ds, int32_t day, int horizon_days,
                                      patron_loyalty_validation *out, patron_error *err) {
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  size_t nc = patron_dataset_n_customers(ds);
  validation_rows v;
  bool ok = validation_alloc(&v, nc);
  int32_t *days = malloc(max_orders(&o, nc) * sizeof *days);
  *out = (patron_loyalty_validation){.day = day, .horizon_days = horizon_days};
  patron_status st = ok && days ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK) {
    collect(ds, day, horizon_days, &v, days);
    st = validation_aucs(&v, out, err);
  }
  validation_free(&v), free(days);
  return st;
}

/* The validation rows as hidden columns of p (an MPI rank's customers, gathered to rank 0;
 * docs/SCALE.md section 9): loyalty, frequency, recency, and bought (empty when the
 * customer made fewer than 2 purchases before day). */
static const char *const validation_columns[4] = {"validation_loyalty", "validation_frequency",
                                                  "validation_recency", "validation_bought"};

patron_status patron__loyalty_validation_columns(patron_profile *p, const patron_dataset *ds,
                                                 int32_t day, patron_error *err) {
  patron_table *t = patron_profile_table(p);
  double *col[3];
  int64_t *bought;
  patron_status st = PATRON_OK;
  for (int k = 0; k < 3 && st == PATRON_OK; k++)
    st = patron_table_add(t, validation_columns[k], PATRON_COL_DOUBLE, (void **)&col[k], err);
  if (st == PATRON_OK)
    st = patron_table_add(t, validation_columns[3], PATRON_COL_INT, (void **)&bought, err);
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  int32_t *days = malloc(max_orders(&o, patron_dataset_n_customers(ds)) * sizeof *days);
  if (st == PATRON_OK && !days)
    st = PATRON__OOM(err);
  const uint32_t *cust = patron_profile_customers(p);
  for (size_t r = 0; st == PATRON_OK && r < patron_table_n_rows(t); r++) {
    double row[3];
    bool b;
    if (!validation_row(&o, cust[r], day, VALIDATION_HORIZON, days, row, &b))
      continue;
    col[0][r] = row[0], col[1][r] = row[1], col[2][r] = row[2], bought[r] = b;
  }
  free(days);
  return st;
}

/* patron_loyalty_validate from the given columns, in the profile's (customer_id) order:
 * the single process's rows in its order. */
static patron_status validate_given(const patron_table *g, int32_t day,
                                    patron_loyalty_validation *out, patron_error *err) {
  const patron_column *c[4];
  for (int k = 0; k < 4; k++)
    if (!(c[k] = patron_table_find(g, validation_columns[k])))
      return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "no given %s",
                               validation_columns[k]);
  size_t n = patron_table_n_rows(g);
  validation_rows v;
  *out = (patron_loyalty_validation){.day = day, .horizon_days = VALIDATION_HORIZON};
  patron_status st = validation_alloc(&v, n) ? PATRON_OK : PATRON__OOM(err);
  const int64_t *bought = c[3]->data;
  for (size_t r = 0; st == PATRON_OK && r < n; r++)
    if (bought[r] != PATRON_NULL_INT) {
      v.loyalty[v.n] = ((const double *)c[0]->data)[r];
      v.frequency[v.n] = ((const double *)c[1]->data)[r];
      v.recency[v.n] = ((const double *)c[2]->data)[r];
      v.bought[v.n++] = (float)bought[r];
    }
  if (st == PATRON_OK)
    st = validation_aucs(&v, out, err);
  validation_free(&v);
  return st;
}

patron_status patron__stage_loyalty_validation(patron_profile *p, const patron_dataset *ds,
                                               patron_run *run, patron_error *err) {
  (void)p;
  patron_loyalty_validation v;
  int32_t d = run->options->validate_loyalty_day;
  patron_status st = patron__stage_is_given(run, "loyalty_validation")
                         ? validate_given(run->options->given, d, &v, err)
                         : patron_loyalty_validate(ds, d, VALIDATION_HORIZON, &v, err);
  if (st != PATRON_OK)
    return st;
  char day[11], text[512];
  patron_format_day(v.day, day);
  snprintf(text, sizeof text,
           "{\"day\": \"%s\", \"horizon_days\": %d, "
           "\"customers\": %zu, \"buyers\": %zu, \"auc_loyalty\": %.4f, "
           "\"auc_frequency\": %.4f, \"auc_recency\": %.4f}",
           day, v.horizon_days, v.customers, v.buyers, v.auc_loyalty, v.auc_frequency,
           v.auc_recency);
  patron_run_add_section(run, "loyalty_validation", text);
  return PATRON_OK;
}
