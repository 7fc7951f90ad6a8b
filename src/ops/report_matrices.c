/* The report's model figures: P(alive) and expected purchases by frequency x recency band,
 * churn-risk bands (the churn model's churn_risk, else 1 - P(alive)), cluster sizes and
 * centres, movements between two snapshots (customers matched by id; rows are sorted by
 * customer_id, so a merge join) and the cohort retention triangle (customers by month of
 * first purchase; share of the cohort with an order k months later). */
#include "ops/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_FB = 6, N_RB = 5 };
static const char *const F_BANDS[N_FB] = {"1", "2", "3", "4-5", "6-10", "11+"};
static const char *const R_BANDS[N_RB] = {"0-30", "31-90", "91-180", "181-365", "366+"};

static int f_band(double f) {
  return f <= 1 ? 0 : f <= 2 ? 1 : f <= 3 ? 2 : f <= 5 ? 3 : f <= 10 ? 4 : 5;
}
static int r_band(double r) { return r <= 30 ? 0 : r <= 90 ? 1 : r <= 180 ? 2 : r <= 365 ? 3 : 4; }

static json_t *labels(const char *const *l, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_string(l[i]));
  return a;
}

/* Mean of `value` per (recency band, frequency band) as [r, f, mean, customers] cells. */
static json_t *band_means(const patron_table *t, const patron_column *value) {
  const patron_column *f = patron_table_find(t, "frequency"),
                      *r = patron_table_find(t, "recency_days");
  long double sum[N_RB][N_FB] = {{0}};
  size_t n[N_RB][N_FB] = {{0}};
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    double fv = patron__report_num(f, i), rv = patron__report_num(r, i),
           v = patron__report_num(value, i);
    if (!(fv > 0) || isnan(rv) || isnan(v))
      continue;
    sum[r_band(rv)][f_band(fv)] += v;
    n[r_band(rv)][f_band(fv)]++;
  }
  json_t *cells = json_array();
  for (int a = 0; a < N_RB; a++)
    for (int b = 0; b < N_FB; b++)
      if (n[a][b])
        json_array_append_new(cells, json_pack("[i,i,f,I]", a, b, (double)(sum[a][b] / n[a][b]),
                                               (json_int_t)n[a][b]));
  return cells;
}

json_t *patron__report_palive(const patron_table *t) {
  const patron_column *p = patron_table_find(t, "p_alive"),
                      *e = patron_table_find(t, "exp_purchases_90d");
  if (!p || !e || !patron_table_find(t, "recency_days"))
    return json_null();
  return json_pack("{s:o,s:o,s:o,s:o}", "recency_bands", labels(R_BANDS, N_RB), "frequency_bands",
                   labels(F_BANDS, N_FB), "p_alive", band_means(t, p), "exp_purchases_90d",
                   band_means(t, e));
}

json_t *patron__report_churn_bands(const patron_table *t) {
  static const char *const BANDS[] = {"low", "medium", "high", "very_high"};
  const patron_column *c = patron_table_find(t, "churn_risk");
  const char *source = "churn_risk";
  if (!c) {
    c = patron_table_find(t, "p_alive");
    source = "p_alive";
  }
  if (!c)
    return json_null();
  size_t n[4] = {0};
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    double v = patron__report_num(c, i);
    if (isnan(v))
      continue;
    double risk = c->name[0] == 'p' ? 1 - v : v;
    n[risk < 0.25 ? 0 : risk < 0.5 ? 1 : risk < 0.75 ? 2 : 3]++;
  }
  return json_pack("{s:s,s:o,s:[I,I,I,I]}", "source", source, "bands", labels(BANDS, 4),
                   "customers", (json_int_t)n[0], (json_int_t)n[1], (json_int_t)n[2],
                   (json_int_t)n[3]);
}

json_t *patron__report_clusters(const patron_table *t) {
  const patron_column *c = patron_table_find(t, "cluster_label");
  const patron_column *cols[3] = {patron_table_find(t, "recency_days"),
                                  patron_table_find(t, "frequency"),
                                  patron_table_find(t, "monetary")};
  if (!c || c->type != PATRON_COL_CATEGORY || !cols[0] || !cols[1] || !cols[2] || c->n_labels <= 0)
    return json_null();
  size_t k = (size_t)c->n_labels;
  long double *sum = calloc(k * 3, sizeof *sum);
  size_t *n = calloc(k, sizeof *n);
  json_t *out = sum && n ? json_array() : NULL;
  for (size_t i = 0; out && i < patron_table_n_rows(t); i++) {
    int32_t code = ((const int32_t *)c->data)[i];
    if (code < 0 || (size_t)code >= k)
      continue;
    n[code]++;
    for (int j = 0; j < 3; j++) {
      double v = patron__report_num(cols[j], i);
      sum[code * 3 + j] += isnan(v) ? 0 : v;
    }
  }
  for (size_t g = 0; out && g < k; g++)
    if (n[g])
      json_array_append_new(out,
                            json_pack("{s:s,s:I,s:f,s:f,s:f}", "label", c->labels[g], "customers",
                                      (json_int_t)n[g], "recency", (double)(sum[g * 3] / n[g]),
                                      "frequency", (double)(sum[g * 3 + 1] / n[g]), "monetary",
                                      (double)(sum[g * 3 + 2] / n[g])));
  free(sum);
  free(n);
  return out;
}

/* Counts of (from label, to label) pairs; customers new since the previous snapshot come
 * from "(new)". Links as [from, to, customers]. */
json_t *patron__report_movements(const patron_report_input *in, const char *by) {
  const patron_table *a = in->previous, *b = in->table;
  const patron_column *ca = a ? patron_table_find(a, by) : NULL, *cb = patron_table_find(b, by);
  const patron_column *ia = a ? patron_table_find(a, "customer_id") : NULL,
                      *ib = patron_table_find(b, "customer_id");
  if (!ca || !cb || !ia || !ib || ca->type != PATRON_COL_CATEGORY ||
      cb->type != PATRON_COL_CATEGORY)
    return json_null();
  size_t na = (size_t)ca->n_labels + 1, nb = (size_t)cb->n_labels;
  size_t *count = calloc(na * (nb ? nb : 1), sizeof *count);
  if (!count)
    return NULL;
  const char *const *ida = ia->data, *const *idb = ib->data;
  size_t i = 0, n_a = patron_table_n_rows(a);
  for (size_t j = 0; j < patron_table_n_rows(b); j++) {
    while (i < n_a && strcmp(ida[i], idb[j]) < 0)
      i++;
    int32_t to = ((const int32_t *)cb->data)[j];
    if (to < 0)
      continue;
    size_t from = (size_t)ca->n_labels; /* (new) */
    if (i < n_a && strcmp(ida[i], idb[j]) == 0 && ((const int32_t *)ca->data)[i] >= 0)
      from = (size_t)((const int32_t *)ca->data)[i];
    count[from * nb + (size_t)to]++;
  }
  json_t *links = json_array();
  for (size_t f = 0; f < na; f++)
    for (size_t t = 0; t < nb; t++)
      if (count[f * nb + t])
        json_array_append_new(links, json_pack("[s,s,I]", f < na - 1 ? ca->labels[f] : "(new)",
                                               cb->labels[t], (json_int_t)count[f * nb + t]));
  free(count);
  return json_pack("{s:s,s:o}", "by", by, "links", links);
}

static int month_index(int64_t seconds) {
  int y, m, d;
  int64_t day = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  patron_civil_from_days((int32_t)day, &y, &m, &d);
  return y * 12 + (m - 1);
}

enum { MAX_COHORTS = 36 };

/* Retention triangle over the last MAX_COHORTS first-purchase months before as-of. */
json_t *patron__report_cohorts(const patron_report_input *in) {
  if (!in->ds || !in->customers || in->as_of == PATRON_NO_DAY)
    return json_null();
  patron_orders_view o;
  patron_dataset_orders(in->ds, &o);
  int64_t limit = (int64_t)in->as_of * 86400;
  int last = month_index(limit - 1), first = last - MAX_COHORTS + 1;
  size_t size[MAX_COHORTS] = {0}, active[MAX_COHORTS][MAX_COHORTS] = {{0}};
  for (size_t r = 0; r < patron_table_n_rows(in->table); r++) {
    uint32_t c = in->customers[r];
    uint32_t s = o.start[c], e = o.start[c + 1];
    if (s == e || o.time[s] >= limit)
      continue;
    int cohort = month_index(o.time[s]);
    if (cohort < first)
      continue;
    size[cohort - first]++;
    int seen = -1;
    for (uint32_t k = s; k < e && o.time[k] < limit; k++) {
      int off = month_index(o.time[k]) - cohort;
      if (off != seen && off < MAX_COHORTS)
        active[cohort - first][off]++;
      seen = off;
    }
  }
  json_t *months = json_array(), *sizes = json_array(), *rows = json_array();
  for (int c = 0; c < MAX_COHORTS; c++) {
    if (!size[c])
      continue;
    char label[16];
    int mi = first + c;
    snprintf(label, sizeof label, "%04d-%02d", mi / 12, mi % 12 + 1);
    json_array_append_new(months, json_string(label));
    json_array_append_new(sizes, json_integer((json_int_t)size[c]));
    json_t *row = json_array();
    for (int k = 0; k <= last - mi; k++)
      json_array_append_new(row, json_real((double)active[c][k] / (double)size[c]));
    json_array_append_new(rows, row);
  }
  return json_pack("{s:o,s:o,s:o}", "months", months, "sizes", sizes, "retention", rows);
}
