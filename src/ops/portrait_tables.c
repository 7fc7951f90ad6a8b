/* The output tables of the portrait (SPEC section 17) from the merged counts:
 * portrait.csv (share of each dimension value in the group and in the base, TGI =
 * 100 x share / base_share), affinity.csv (the same over category and brand spend) and
 * stats.csv (count, mean and quartiles by linear interpolation, numpy's and pandas'
 * default, found by selection in linear time rather than by sorting). */
#include "core/core_int.h"
#include "core/exec.h"
#include "ops/expr_int.h"
#include "ops/portrait_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[] = {
    "recency_days", "frequency", "monetary", "avg_order_value", "clv_365d", "p_alive", "age"};
#define N_METRICS (sizeof metric_names / sizeof metric_names[0])

static double median3(double a, double b, double c) {
  return a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
}

/* Moves the k-th smallest of v[0..n) to v[k], none larger before it, none smaller after
 * (a quickselect with a three-way partition: ties, frequent here, end it early). */
static void select_kth(double *v, size_t n, size_t k) {
  size_t lo = 0, hi = n;
  while (hi - lo > 1) {
    double pivot = median3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]), t;
    size_t lt = lo, i = lo, gt = hi;
    while (i < gt) {
      if (v[i] < pivot)
        t = v[lt], v[lt++] = v[i], v[i++] = t;
      else if (v[i] > pivot)
        t = v[--gt], v[gt] = v[i], v[i] = t;
      else
        i++;
    }
    if (k < lt)
      hi = lt;
    else if (k >= gt)
      lo = gt;
    else
      return;
  }
}

/* The linear-interpolation quantile at position h (0-based, h in [lo, hi - 1]) among the
 * order statistics held by v[lo..hi) (ranks lo..hi - 1 of the whole, in any order). */
static double quantile_in(double *v, size_t lo, size_t hi, double h) {
  size_t k = (size_t)floor(h);
  if (k >= hi - 1)
    k = hi - 1;
  double frac = h - (double)k;
  select_kth(v + lo, hi - lo, k - lo);
  double a = v[k];
  if (frac <= 0 || k + 1 >= hi)
    return a;
  double b = v[k + 1];
  for (size_t i = k + 2; i < hi; i++)
    if (v[i] < b)
      b = v[i];
  return a + frac * (b - a);
}

double patron_quantile_linear(double *v, size_t n, double q) {
  return n ? quantile_in(v, 0, n, (double)(n - 1) * q) : NAN;
}

/* p25, median, p75 of v[0..n): the median first, then p25 among the values below it and
 * p75 among those above (each selection on half the array). */
static void quartiles(double *v, size_t n, double out[3]) {
  if (n == 0) {
    out[0] = out[1] = out[2] = NAN;
    return;
  }
  double h = (double)(n - 1);
  size_t k50 = (size_t)floor(h * 0.5);
  out[1] = quantile_in(v, 0, n, h * 0.5);
  size_t k25 = (size_t)floor(h * 0.25);
  out[0] = k25 + 1 <= k50 ? quantile_in(v, 0, k50 + 1, h * 0.25) : quantile_in(v, 0, n, h * 0.25);
  out[2] = quantile_in(v, k50, n, h * 0.75);
}

/* The k-th smallest (0-based) of values counted in hist[0..range) (value = min + index). */
static double hist_stat(const uint32_t *hist, size_t range, int64_t min, size_t k) {
  size_t seen = 0;
  for (size_t i = 0; i < range; i++) {
    seen += hist[i];
    if (seen > k)
      return (double)(min + (int64_t)i);
  }
  return NAN;
}

/* Quartiles of whole numbers in a narrow range by counting (linear time, no reordering);
 * false when the values are not such (the caller selects instead). */
static bool counted_quartiles(const double *v, size_t n, double out[3]) {
  if (n == 0)
    return false;
  double lo = v[0], hi = v[0];
  for (size_t i = 0; i < n; i++) {
    if (v[i] != floor(v[i]))
      return false;
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  if (hi - lo >= 4.0 * (double)n + 1024)
    return false;
  size_t range = (size_t)(hi - lo) + 1;
  uint32_t *hist = calloc(range, sizeof *hist);
  if (!hist)
    return false;
  for (size_t i = 0; i < n; i++)
    hist[(size_t)(v[i] - lo)]++;
  static const double qs[] = {0.25, 0.5, 0.75};
  for (size_t q = 0; q < 3; q++) {
    double h = (double)(n - 1) * qs[q];
    size_t k = (size_t)floor(h);
    double a = hist_stat(hist, range, (int64_t)lo, k), frac = h - (double)k;
    out[q] =
        frac > 0 && k + 1 < n ? a + frac * (hist_stat(hist, range, (int64_t)lo, k + 1) - a) : a;
  }
  free(hist);
  return true;
}

typedef struct out_table {
  patron_table *t;
  const char **group, **name, **value;
  int64_t *n, *base_n;
  double *share, *base_share, *tgi;
} out_table;

static patron_status new_out(size_t n_rows, bool money, const char *name_col, out_table *o,
                             patron_error *err) {
  memset(o, 0, sizeof *o);
  o->t = patron_table_new(n_rows);
  if (!o->t)
    return PATRON__OOM(err);
  patron_status st = patron_table_add(o->t, "group", PATRON_COL_STRING, (void **)&o->group, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, name_col, PATRON_COL_STRING, (void **)&o->name, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, "value", PATRON_COL_STRING, (void **)&o->value, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, money ? "spend" : "customers",
                          money ? PATRON_COL_MONEY : PATRON_COL_INT, (void **)&o->n, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, money ? "spend_share" : "share", PATRON_COL_DOUBLE,
                          (void **)&o->share, err);
  if (st == PATRON_OK && !money)
    st = patron_table_add(o->t, "base_customers", PATRON_COL_INT, (void **)&o->base_n, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, money ? "base_spend_share" : "base_share", PATRON_COL_DOUBLE,
                          (void **)&o->base_share, err);
  if (st == PATRON_OK)
    st = patron_table_add(o->t, "tgi", PATRON_COL_DOUBLE, (void **)&o->tgi, err);
  if (st == PATRON_OK) {
    patron_table_set_decimals(o->t, money ? "spend_share" : "share", 4);
    patron_table_set_decimals(o->t, money ? "base_spend_share" : "base_share", 4);
    patron_table_set_decimals(o->t, "tgi", 1);
  }
  return st;
}

static int64_t total(const int64_t *c, size_t n) {
  int64_t s = 0;
  for (size_t i = 0; i < n; i++)
    s += c[i];
  return s;
}

/* A block of slots (one dimension or affinity level) of every group: rows for the values
 * present in the base, when the group has any; returns the rows written (o NULL: counts). */
typedef struct block {
  const char *name;
  size_t offset, n_values;
  const pdim *dim;  /* a dimension, or NULL for an affinity dictionary */
  const char *dict; /* the affinity dictionary */
} block;

static size_t fill_block(const pctx *x, const block *b, size_t g, out_table *o, size_t row,
                         const char **value_zh) {
  const int64_t *base = x->counts + b->offset, *grp = x->counts + (g + 1) * x->n_slots + b->offset;
  int64_t bt = total(base, b->n_values), gt = total(grp, b->n_values);
  size_t n = 0;
  if (gt == 0)
    return 0;
  for (size_t s = 0; s < b->n_values; s++) {
    if (base[s] <= 0)
      continue;
    if (o) {
      size_t r = row + n;
      o->group[r] = x->groups[g].name;
      o->name[r] = b->name;
      o->value[r] = b->dim ? patron__pdim_label(b->dim, x->ds, s)
                           : patron_dataset_dict_value(x->ds, b->dict, (uint32_t)s);
      o->n[r] = grp[s];
      o->share[r] = (double)grp[s] / (double)gt;
      o->base_share[r] = (double)base[s] / (double)bt;
      o->tgi[r] = 100.0 * o->share[r] / o->base_share[r];
      if (o->base_n)
        o->base_n[r] = base[s];
      if (value_zh && b->dim)
        value_zh[r] = patron__pdim_label_zh(b->dim, x->ds, s);
    }
    n++;
  }
  return n;
}

static patron_status write_blocks(const pctx *x, const block *blocks, size_t n_blocks, bool money,
                                  const char *name_col, patron_table **out, const char ***value_zh,
                                  patron_error *err) {
  size_t n_rows = 0;
  for (size_t g = 0; g < x->n_groups; g++)
    for (size_t b = 0; b < n_blocks; b++)
      n_rows += fill_block(x, &blocks[b], g, NULL, 0, NULL);
  out_table o;
  patron_status st = new_out(n_rows, money, name_col, &o, err);
  if (st == PATRON_OK && value_zh && !(*value_zh = calloc(n_rows + 1, sizeof **value_zh)))
    st = PATRON__OOM(err);
  size_t row = 0;
  for (size_t g = 0; g < x->n_groups && st == PATRON_OK; g++)
    for (size_t b = 0; b < n_blocks; b++)
      row += fill_block(x, &blocks[b], g, &o, row, value_zh ? *value_zh : NULL);
  *out = o.t;
  return st;
}

patron_status patron__portrait_tables(const pctx *x, patron_portrait *out, patron_error *err) {
  block blocks[PORTRAIT_MAX_DIMS];
  for (size_t d = 0; d < x->n_dims; d++)
    blocks[d] = (block){x->dims[d].name, x->dims[d].offset, x->dims[d].n_values, &x->dims[d], NULL};
  patron_status st =
      write_blocks(x, blocks, x->n_dims, false, "dimension", &out->portrait, &out->value_zh, err);
  for (size_t a = 0; a < x->n_aff; a++) {
    const char *level = strcmp(x->aff_dict[a], "category") == 0 ? "category" : "brand";
    blocks[a] = (block){level, x->aff_offset[a], x->aff_size[a], NULL, x->aff_dict[a]};
  }
  if (st == PATRON_OK)
    st = write_blocks(x, blocks, x->n_aff, true, "level", &out->affinity, NULL, err);
  return st;
}

/* stats.csv: one metric's value of a row as a double (NaN: none). */
typedef struct metric {
  const char *name;
  const patron_column *col; /* NULL: age from the members' birth_date */
  const int32_t *birth;
  int32_t as_of;
} metric;

static double metric_value(const metric *m, const uint32_t *cust, size_t r) {
  if (!m->col) {
    int32_t b = m->birth[cust[r]];
    return b == PATRON_NO_DAY || b > m->as_of ? NAN : (double)patron__age_years(b, m->as_of);
  }
  switch (m->col->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)m->col->data)[r];
    return v == PATRON_NULL_INT ? NAN : (double)v;
  }
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)m->col->data)[r];
    return v == PATRON_NULL_MONEY ? NAN : (double)v / PATRON_MONEY_SCALE;
  }
  case PATRON_COL_DOUBLE: return ((const double *)m->col->data)[r];
  default: return NAN;
  }
}

/* One metric's job: the base and every group (rows ordered by group). */
typedef struct stat_job {
  const pctx *x;
  metric m;
  const uint32_t *order, *start; /* rows by group: group g is order[start[g]..start[g+1]) */
  size_t *n;                     /* (n_groups + 1) results, 0 the base */
  double *mean, *p25, *p50, *p75;
  bool failed;
} stat_job;

static void stat_of(stat_job *j, size_t k, const uint32_t *rows, size_t n_rows, double *buf) {
  size_t n = 0;
  double sum = 0;
  for (size_t i = 0; i < n_rows; i++) {
    double v = metric_value(&j->m, j->x->cust, rows ? rows[i] : i);
    if (isnan(v))
      continue;
    buf[n++] = v;
    sum += v;
  }
  j->n[k] = n;
  j->mean[k] = n ? sum / (double)n : NAN;
  double q[3];
  if (!counted_quartiles(buf, n, q))
    quartiles(buf, n, q);
  j->p25[k] = q[0], j->p50[k] = q[1], j->p75[k] = q[2];
}

static void run_stat_job(void *item) {
  stat_job *j = item;
  double *buf = malloc((j->x->n_rows ? j->x->n_rows : 1) * sizeof *buf);
  if (!buf) {
    j->failed = true;
    return;
  }
  stat_of(j, 0, NULL, j->x->n_rows, buf);
  for (size_t g = 0; g < j->x->n_groups; g++)
    stat_of(j, g + 1, j->order + j->start[g], j->start[g + 1] - j->start[g], buf);
  free(buf);
}

static size_t find_metrics(const pctx *x, metric *m) {
  size_t n = 0;
  patron_members_view mv = {0};
  if (x->ds && patron_dataset_has_members(x->ds))
    patron_dataset_members(x->ds, &mv);
  for (size_t i = 0; i < N_METRICS; i++) {
    const patron_column *c = patron_table_find(x->t, metric_names[i]);
    bool numeric = c && (c->type == PATRON_COL_INT || c->type == PATRON_COL_MONEY ||
                         c->type == PATRON_COL_DOUBLE);
    if (numeric || (!c && strcmp(metric_names[i], "age") == 0 && mv.birth_day))
      m[n++] = (metric){metric_names[i], c, mv.birth_day, x->as_of};
  }
  return n;
}

/* The rows ordered by group (a counting sort). */
static bool order_rows(const pctx *x, uint32_t *order, uint32_t *start) {
  memset(start, 0, (x->n_groups + 1) * sizeof *start);
  for (size_t r = 0; r < x->n_rows; r++)
    if (x->group[r] >= 0)
      start[x->group[r] + 1]++;
  for (size_t g = 0; g < x->n_groups; g++)
    start[g + 1] += start[g];
  uint32_t *next = malloc((x->n_groups + 1) * sizeof *next);
  if (!next)
    return false;
  memcpy(next, start, (x->n_groups + 1) * sizeof *next);
  for (size_t r = 0; r < x->n_rows; r++)
    if (x->group[r] >= 0)
      order[next[x->group[r]]++] = (uint32_t)r;
  free(next);
  return true;
}

static patron_status stats_table(const pctx *x, const stat_job *jobs, size_t n_jobs,
                                 patron_table **out, patron_error *err) {
  size_t k = x->n_groups + 1;
  patron_table *t = patron_table_new(k * n_jobs);
  const char **group, **name;
  int64_t *n;
  double *v[4];
  static const char *const cols[] = {"mean", "p25", "median", "p75"};
  patron_status st =
      t ? patron_table_add(t, "group", PATRON_COL_STRING, (void **)&group, err) : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "metric", PATRON_COL_STRING, (void **)&name, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "customers", PATRON_COL_INT, (void **)&n, err);
  for (size_t c = 0; c < 4 && st == PATRON_OK; c++) {
    st = patron_table_add(t, cols[c], PATRON_COL_DOUBLE, (void **)&v[c], err);
    patron_table_set_decimals(t, cols[c], 4);
  }
  for (size_t g = 0; g < k && st == PATRON_OK; g++)
    for (size_t j = 0; j < n_jobs; j++) {
      size_t r = g * n_jobs + j;
      group[r] = g == 0 ? "(all)" : x->groups[g - 1].name;
      name[r] = jobs[j].m.name;
      n[r] = (int64_t)jobs[j].n[g];
      v[0][r] = jobs[j].mean[g], v[1][r] = jobs[j].p25[g];
      v[2][r] = jobs[j].p50[g], v[3][r] = jobs[j].p75[g];
    }
  *out = t;
  return st;
}

patron_status patron__portrait_stats(const pctx *x, const patron_portrait_options *o,
                                     patron_portrait *out, patron_error *err) {
  metric m[N_METRICS];
  size_t n_m = find_metrics(x, m), k = x->n_groups + 1;
  stat_job jobs[N_METRICS];
  uint32_t *order = malloc((x->n_rows ? x->n_rows : 1) * sizeof *order);
  uint32_t *start = malloc(k * sizeof *start);
  double *res = calloc(5 * k * (n_m ? n_m : 1), sizeof *res);
  size_t *cnt = calloc(k * (n_m ? n_m : 1), sizeof *cnt);
  patron_status st =
      order && start && res && cnt && order_rows(x, order, start) ? PATRON_OK : PATRON__OOM(err);
  for (size_t j = 0; j < n_m; j++) {
    double *r = res + 5 * k * j;
    jobs[j] = (stat_job){x, m[j], order, start, cnt + k * j, r, r + k, r + 2 * k, r + 3 * k, false};
  }
  if (st == PATRON_OK)
    patron__exec_each(o->n_threads, jobs, n_m, sizeof *jobs, run_stat_job);
  for (size_t j = 0; j < n_m && st == PATRON_OK; j++)
    if (jobs[j].failed)
      st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = stats_table(x, jobs, n_m, &out->stats, err);
  free(order), free(start), free(res), free(cnt);
  return st;
}
