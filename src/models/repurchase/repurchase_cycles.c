/* Repurchase cycles, the shared part: distinct purchase days -> gaps -> median gap (an
 * insertion sort for a few gaps, GSL's quickselect median for more), the expected next day
 * (last day + the median gap rounded up), the status against the due window [as_of,
 * as_of + due_days), the columns every repurchase table carries, and the block-parallel
 * runner. Definitions: docs/REPURCHASE.md. */
#include "models/repurchase/repurchase_int.h"

#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_int.h>
#include <math.h>
#include <stdlib.h>

static const char *const status_labels[4] = {"due", "overdue", "not_due", "unknown"};
static const char *const status_labels_zh[4] = {"即将复购", "已逾期", "未到期", "未知"};
static const char *const source_labels[2] = {"own", "fallback"};

void patron_repurchase_options_init(patron_repurchase_options *o) {
  *o = (patron_repurchase_options){.as_of_day = PATRON_NO_DAY, .due_days = 14};
}

/* The median of a few gaps (sorted in place by insertion): the value GSL's median gives,
 * the middle one or the mean of the two middle ones, both exact in a double. */
static double small_median(int *gaps, size_t n) {
  for (size_t i = 1; i < n; i++) {
    int v = gaps[i];
    size_t j = i;
    for (; j > 0 && gaps[j - 1] > v; j--)
      gaps[j] = gaps[j - 1];
    gaps[j] = v;
  }
  return n % 2 ? (double)gaps[n / 2] : 0.5 * ((double)gaps[n / 2 - 1] + (double)gaps[n / 2]);
}

enum { SMALL_GAPS = 32 }; /* up to this many gaps, small_median is faster than quickselect */

void patron__cycle_of_days(const int32_t *days, size_t n, int *gaps, patron__cycle *out) {
  *out = (patron__cycle){.median_gap = NAN};
  if (!n)
    return;
  out->first_day = out->last_day = days[0];
  size_t n_gaps = 0;
  for (size_t i = 1; i < n; i++) {
    if (days[i] == out->last_day)
      continue; /* several purchases on one day count once */
    gaps[n_gaps++] = days[i] - out->last_day;
    out->last_day = days[i];
  }
  out->n_days = (uint32_t)n_gaps + 1;
  if (!n_gaps)
    return;
  out->first_gap = gaps[0];
  out->median_gap =
      n_gaps <= SMALL_GAPS ? small_median(gaps, n_gaps) : gsl_stats_int_median(gaps, 1, n_gaps);
}

double patron__median(double *values, size_t n) { return gsl_stats_median(values, 1, n); }

patron_status patron__cycle_cols_median(const patron__cycle_cols *c, size_t n, double *out,
                                        patron_error *err) {
  *out = NAN;
  size_t k = 0;
  for (size_t r = 0; r < n; r++)
    k += !isnan(c->cycle[r]);
  double *own = malloc((k ? k : 1) * sizeof *own);
  if (!own)
    return PATRON__OOM(err);
  k = 0;
  for (size_t r = 0; r < n; r++)
    if (!isnan(c->cycle[r]))
      own[k++] = c->cycle[r];
  if (k)
    *out = patron__median(own, k);
  free(own);
  return PATRON_OK;
}

patron_repurchase_status patron__cycle_status(int32_t next, int32_t as_of, int due_days) {
  if (next < as_of)
    return PATRON_REPURCHASE_OVERDUE;
  return (int64_t)next - as_of < due_days ? PATRON_REPURCHASE_DUE : PATRON_REPURCHASE_NOT_DUE;
}

typedef struct col_spec {
  const char *name;
  patron_col_type type;
  void **data;
  bool report_only;
} col_spec;

patron_status patron__cycle_cols_add(patron_table *t, bool report, bool fallback, int32_t as_of,
                                     int due_days, patron__cycle_cols *c, patron_error *err) {
  *c = (patron__cycle_cols){.as_of = as_of, .due_days = due_days};
  col_spec spec[] = {
      {"purchase_days", PATRON_COL_INT, (void **)&c->purchase_days, true},
      {"first_purchase", PATRON_COL_DATE, (void **)&c->first, true},
      {"last_purchase", PATRON_COL_DATE, (void **)&c->last, true},
      {"repurchase_cycle_days", PATRON_COL_DOUBLE, (void **)&c->cycle, false},
      {"next_purchase_date", PATRON_COL_DATE, (void **)&c->next, false},
      {"days_to_next", PATRON_COL_INT, (void **)&c->days_to_next, true},
      {"repurchase_due", PATRON_COL_INT, (void **)&c->due, false},
  };
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < sizeof spec / sizeof *spec; i++)
    if (report || !spec[i].report_only)
      st = patron_table_add(t, spec[i].name, spec[i].type, spec[i].data, err);
  if (st == PATRON_OK)
    st = patron_table_add_category(t, "repurchase_status", status_labels, status_labels_zh, 4,
                                   !report, &c->status, err);
  if (st == PATRON_OK && fallback)
    st = patron__cycle_cols_add_source(t, c, err);
  if (st == PATRON_OK)
    patron_table_set_decimals(t, "repurchase_cycle_days", 2);
  return st;
}

patron_status patron__cycle_cols_add_source(patron_table *t, patron__cycle_cols *c,
                                            patron_error *err) {
  return patron_table_add_category(t, "repurchase_cycle_source", source_labels, NULL, 2, false,
                                   &c->source, err);
}

void patron__cycle_cols_fill(const patron__cycle_cols *c, size_t row, const patron__cycle *cy) {
  if (c->purchase_days) {
    c->purchase_days[row] = cy->n_days;
    c->first[row] = cy->first_day;
    c->last[row] = cy->last_day;
  }
  if (cy->n_days >= 2)
    patron__cycle_cols_set(c, row, cy->last_day, cy->median_gap, true);
  else
    c->status[row] = PATRON_REPURCHASE_UNKNOWN;
}

void patron__cycle_cols_set(const patron__cycle_cols *c, size_t row, int32_t last_day, double cycle,
                            bool own) {
  int32_t next = patron__cycle_next(last_day, cycle);
  patron_repurchase_status st = patron__cycle_status(next, c->as_of, c->due_days);
  c->cycle[row] = cycle;
  c->next[row] = next;
  c->due[row] = st == PATRON_REPURCHASE_DUE;
  c->status[row] = (int32_t)st;
  if (c->days_to_next)
    c->days_to_next[row] = (int64_t)next - c->as_of;
  if (c->source)
    c->source[row] = own ? 0 : 1;
}

patron_status patron__repurchase_check(const patron_repurchase_options *o, patron_error *err) {
  if (o->due_days < 1 || o->due_days > 100000)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "due days must be 1..100000, got %d", o->due_days);
  return PATRON_OK;
}

patron_status patron__repurchase_as_of(const patron_dataset *ds, const patron_repurchase_options *o,
                                       int32_t *as_of, patron_error *err) {
  *as_of = o->as_of_day != PATRON_NO_DAY ? o->as_of_day : patron_dataset_default_as_of(ds);
  if (*as_of == PATRON_NO_DAY)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "no usable order rows: cannot choose an as-of date (give --as-of)");
  return PATRON_OK;
}
