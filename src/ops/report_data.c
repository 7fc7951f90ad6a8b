/* The report's figures (SPEC section 14) from a profile table: KPI strip, customer and
 * revenue shares per segment of every segmentation, the R x F heatmap of mean monetary, the
 * Lorenz curve of revenue over purchasers and its Gini coefficient
 * G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n (x sorted ascending, i = 1..n). */
#include "core/core_int.h"
#include "ops/report_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double patron__report_num(const patron_column *c, size_t row) {
  switch (c->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_INT ? NAN : (double)v;
  }
  case PATRON_COL_DOUBLE: return ((const double *)c->data)[row];
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_MONEY ? NAN : (double)v / 1e4;
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v == PATRON_NO_DAY ? NAN : (double)v;
  }
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v < 0 ? NAN : (double)v;
  }
  case PATRON_COL_STRING: break;
  }
  return NAN;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Lorenz curve (101 points) and Gini over purchasers' monetary; also fills *top20 (revenue
 * share of the top 20% of purchasers). */
static json_t *lorenz(const patron_column *freq, const patron_column *mon, size_t n_rows,
                      double *gini_out, double *top20) {
  double *x = malloc((n_rows ? n_rows : 1) * sizeof *x);
  if (!x)
    return NULL;
  size_t n = 0;
  for (size_t r = 0; r < n_rows; r++) {
    double f = patron__report_num(freq, r), m = patron__report_num(mon, r);
    if (f > 0 && !isnan(m))
      x[n++] = m;
  }
  qsort(x, n, sizeof *x, cmp_double);
  long double total = 0, weighted = 0;
  for (size_t i = 0; i < n; i++) {
    total += x[i];
    weighted += (long double)(i + 1) * x[i];
  }
  double gini =
      n && total > 0 ? (double)(2 * weighted / (n * total) - (long double)(n + 1) / n) : NAN;
  json_t *points = json_array();
  long double cum = 0;
  size_t i = 0, top_from = n - (size_t)ceil(0.2 * (double)n);
  long double top = 0;
  for (size_t k = 0; k < n; k++)
    if (k >= top_from)
      top += x[k];
  for (int p = 0; p <= 100 && points; p++) {
    size_t upto = (size_t)((double)n * p / 100.0 + 0.5);
    while (i < upto)
      cum += x[i++];
    json_array_append_new(
        points, json_pack("[f,f]", p / 100.0, total > 0 ? (double)(cum / total) : p / 100.0));
  }
  free(x);
  *gini_out = gini;
  *top20 = total > 0 ? (double)(top / total) : NAN;
  return points;
}

static json_t *num_or_null(double v) { return isnan(v) || isinf(v) ? json_null() : json_real(v); }

static json_t *kpis(const patron_report_input *in, const patron_column *freq,
                    const patron_column *mon, const patron_column *rec, json_t **lorenz_out) {
  size_t n = patron_table_n_rows(in->table), buyers = 0, repeat = 0, silent = 0;
  long double revenue = 0, orders = 0;
  for (size_t r = 0; r < n; r++) {
    double f = patron__report_num(freq, r);
    if (!(f > 0))
      continue;
    buyers++;
    repeat += f >= 2;
    orders += f;
    revenue += patron__report_num(mon, r);
    silent += rec && patron__report_num(rec, r) > 180;
  }
  double gini, top20;
  json_t *points = lorenz(freq, mon, n, &gini, &top20);
  if (!points)
    return NULL;
  *lorenz_out = json_pack("{s:o,s:o}", "points", points, "gini", num_or_null(gini));
  return json_pack("{s:I,s:I,s:f,s:f,s:o,s:o,s:o,s:o}", "customers", (json_int_t)n, "purchasers",
                   (json_int_t)buyers, "revenue", (double)revenue, "orders", (double)orders,
                   "avg_order_value", num_or_null(orders > 0 ? (double)(revenue / orders) : NAN),
                   "repeat_rate", num_or_null(buyers ? (double)repeat / buyers : NAN),
                   "top20_revenue_share", num_or_null(top20), "silent_share",
                   num_or_null(buyers ? (double)silent / buyers : NAN));
}

/* One entry per segmentation column: labels, alt labels, customers, revenue and shares. */
static json_t *segmentations(const patron_table *t, patron_error *err) {
  patron_segment_row *rows = NULL;
  size_t n_rows = 0;
  if (patron_segment_report(t, &rows, &n_rows, err) != PATRON_OK)
    return NULL;
  json_t *out = json_array(), *cur = NULL;
  const char *name = NULL;
  for (size_t i = 0; i < n_rows && out; i++) {
    const patron_segment_row *s = &rows[i];
    if (!name || strcmp(name, s->segmentation) != 0) {
      name = s->segmentation;
      cur = json_pack("{s:s,s:[],s:[],s:[],s:[],s:[],s:[],s:[]}", "name", name, "labels", "alt",
                      "customers", "customer_share", "revenue", "revenue_share", "avg_monetary");
      json_array_append_new(out, cur);
    }
    json_array_append_new(json_object_get(cur, "labels"), json_string(s->segment));
    json_array_append_new(json_object_get(cur, "alt"),
                          s->segment_alt ? json_string(s->segment_alt) : json_null());
    json_array_append_new(json_object_get(cur, "customers"),
                          json_integer((json_int_t)s->customers));
    json_array_append_new(json_object_get(cur, "customer_share"), num_or_null(s->customer_share));
    json_array_append_new(json_object_get(cur, "revenue"), json_real((double)s->revenue / 1e4));
    json_array_append_new(json_object_get(cur, "revenue_share"), num_or_null(s->revenue_share));
    json_array_append_new(json_object_get(cur, "avg_monetary"), num_or_null(s->avg_monetary));
  }
  free(rows);
  return out;
}

/* R x F heatmap: [r, f, mean monetary, customers] for every scored cell. */
static json_t *rf_heatmap(const patron_table *t) {
  const patron_column *r = patron_table_find(t, "r_score"), *f = patron_table_find(t, "f_score"),
                      *m = patron_table_find(t, "monetary");
  if (!r || !f || !m)
    return json_null();
  enum { MAXB = 10 };
  long double sum[MAXB][MAXB] = {{0}};
  size_t count[MAXB][MAXB] = {{0}};
  int bins = 0;
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    double rv = patron__report_num(r, i), fv = patron__report_num(f, i);
    if (isnan(rv) || isnan(fv) || rv < 1 || fv < 1 || rv >= MAXB || fv >= MAXB)
      continue;
    int ri = (int)rv, fi = (int)fv;
    sum[ri][fi] += patron__report_num(m, i);
    count[ri][fi]++;
    bins = ri > bins ? ri : bins;
    bins = fi > bins ? fi : bins;
  }
  json_t *cells = json_array();
  for (int ri = 1; ri <= bins; ri++)
    for (int fi = 1; fi <= bins; fi++)
      if (count[ri][fi])
        json_array_append_new(cells,
                              json_pack("[i,i,f,I]", ri, fi, (double)(sum[ri][fi] / count[ri][fi]),
                                        (json_int_t)count[ri][fi]));
  return json_pack("{s:i,s:o}", "bins", bins, "cells", cells);
}

static json_t *day_json(int32_t day) {
  char buf[16];
  if (day == PATRON_NO_DAY)
    return json_null();
  buf[patron_format_day(day, buf)] = '\0';
  return json_string(buf);
}

patron_status patron_report_data(const patron_report_input *in, char **json, patron_error *err) {
  *json = NULL;
  const patron_table *t = in ? in->table : NULL;
  const patron_column *freq = t ? patron_table_find(t, "frequency") : NULL,
                      *mon = t ? patron_table_find(t, "monetary") : NULL;
  if (!freq || !mon || !patron_table_find(t, "customer_id"))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "report: the profile needs customer_id, frequency and monetary");
  json_t *lz = NULL;
  json_t *kpi = kpis(in, freq, mon, patron_table_find(t, "recency_days"), &lz);
  json_t *segs = segmentations(t, err);
  if (!segs && err->status != PATRON_OK) {
    json_decref(kpi);
    json_decref(lz);
    return err->status;
  }
  json_t *root = json_pack(
      "{s:i,s:o,s:o?,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "version", 1, "as_of",
      day_json(in->as_of), "previous_as_of", in->previous ? day_json(in->previous_as_of) : NULL,
      "kpi", kpi, "segmentations", segs, "rf_heatmap", rf_heatmap(t), "lorenz", lz, "clusters",
      patron__report_clusters(t), "palive", patron__report_palive(t), "churn_bands",
      patron__report_churn_bands(t), "movements", patron__report_movements(in, "segment"),
      "cohorts", patron__report_cohorts(in), "portrait", patron__report_portrait(in));
  char *text = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
  json_decref(root);
  if (!text)
    return PATRON__OOM(err);
  *json = text;
  return PATRON_OK;
}

patron_status patron_report_movements(const patron_table *from, const patron_table *to,
                                      const char *by, char **json, patron_error *err) {
  patron_report_input in = {.table = to, .previous = from};
  json_t *m = patron__report_movements(&in, by);
  *json = m ? json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(m);
  return *json ? PATRON_OK : PATRON__OOM(err);
}
