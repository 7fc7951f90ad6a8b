/* The output tables of a clustering (the files of `patron cluster`, docs/TIERS.md):
 * report.csv (size, shares, revenue and mean figures per cluster), centroids.csv (in
 * feature units), k_scan.csv (inertia, silhouette, Calinski-Harabasz per k tried). */
#include "core/core_int.h"
#include "patron/tiers.h"

#include <math.h>

/* Adds a column to t and returns its data (NULL after an error, which *st keeps). */
static void *column(patron_table *t, const char *name, patron_col_type type, patron_status *st,
                    patron_error *err) {
  void *data = NULL;
  if (*st == PATRON_OK)
    *st = patron_table_add(t, name, type, &data, err);
  return *st == PATRON_OK ? data : NULL;
}

/* cluster (1..k) and cluster_label columns for k rows. */
static patron_status cluster_columns(patron_table *t, const patron_cluster_result *c,
                                     patron_error *err) {
  patron_status st = PATRON_OK;
  int64_t *num = column(t, "cluster", PATRON_COL_INT, &st, err);
  int32_t *code = NULL;
  if (st == PATRON_OK)
    st = patron_table_add_category(t, "cluster_label", c->labels, c->labels_zh, (int32_t)c->k,
                                   false, &code, err);
  for (size_t i = 0; st == PATRON_OK && i < c->k; i++)
    num[i] = (int64_t)i + 1, code[i] = (int32_t)i;
  return st;
}

static patron_status report_table(const patron_cluster_result *c, patron_table **out,
                                  patron_error *err) {
  patron_table *t = *out = patron_table_new(c->k);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = cluster_columns(t, c, err);
  int64_t *n = column(t, "customers", PATRON_COL_INT, &st, err);
  double *share = column(t, "customer_share", PATRON_COL_DOUBLE, &st, err);
  double *rev = column(t, "revenue", PATRON_COL_DOUBLE, &st, err);
  double *rshare = column(t, "revenue_share", PATRON_COL_DOUBLE, &st, err);
  double *rec = column(t, "recency_days", PATRON_COL_DOUBLE, &st, err);
  double *freq = column(t, "frequency", PATRON_COL_DOUBLE, &st, err);
  double *mon = column(t, "monetary", PATRON_COL_DOUBLE, &st, err);
  for (size_t i = 0; st == PATRON_OK && i < c->k; i++) {
    const patron_kmeans_report_row *r = &c->report[i];
    n[i] = (int64_t)r->customers, share[i] = r->customer_share, rev[i] = r->revenue;
    rshare[i] = r->revenue_share, rec[i] = r->recency, freq[i] = r->frequency;
    mon[i] = r->monetary;
  }
  if (st == PATRON_OK) {
    patron_table_set_decimals(t, "revenue", 2);
    patron_table_set_decimals(t, "recency_days", 2);
    patron_table_set_decimals(t, "frequency", 2);
    patron_table_set_decimals(t, "monetary", 2);
  }
  return st;
}

static patron_status centroid_table(const patron_cluster_result *c, patron_table **out,
                                    patron_error *err) {
  patron_table *t = *out = patron_table_new(c->k);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = cluster_columns(t, c, err);
  for (size_t j = 0; st == PATRON_OK && j < c->n_features; j++) {
    double *v = column(t, c->feature_names[j], PATRON_COL_DOUBLE, &st, err);
    for (size_t i = 0; v && i < c->k; i++)
      v[i] = c->centroids[i * c->n_features + j];
  }
  return st;
}

static patron_status scan_table(const patron_cluster_result *c, patron_table **out,
                                patron_error *err) {
  patron_table *t = *out = patron_table_new(c->n_scan);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  int64_t *k = column(t, "k", PATRON_COL_INT, &st, err);
  double *inertia = column(t, "inertia", PATRON_COL_DOUBLE, &st, err);
  double *sil = column(t, "silhouette", PATRON_COL_DOUBLE, &st, err);
  double *ch = column(t, "calinski_harabasz", PATRON_COL_DOUBLE, &st, err);
  int64_t *iter = column(t, "n_iter", PATRON_COL_INT, &st, err);
  int64_t *conv = column(t, "converged", PATRON_COL_INT, &st, err);
  int64_t *chosen = column(t, "chosen", PATRON_COL_INT, &st, err);
  for (size_t i = 0; st == PATRON_OK && i < c->n_scan; i++) {
    const patron_kmeans_scan_row *r = &c->scan[i];
    k[i] = (int64_t)r->k, inertia[i] = r->inertia, iter[i] = (int64_t)r->n_iter;
    sil[i] = r->silhouette_defined ? r->silhouette : NAN;
    ch[i] = r->ch_defined ? r->calinski_harabasz : NAN;
    conv[i] = r->converged, chosen[i] = r->k == c->k;
  }
  if (st == PATRON_OK)
    patron_table_set_decimals(t, "silhouette", 6);
  return st;
}

patron_status patron_cluster_output_tables(const patron_cluster_result *c,
                                           patron_table *out[PATRON_CLUSTER_TABLES],
                                           patron_error *err) {
  for (int i = 0; i < PATRON_CLUSTER_TABLES; i++)
    out[i] = NULL;
  patron_status st = report_table(c, &out[PATRON_CLUSTER_REPORT], err);
  if (st == PATRON_OK)
    st = centroid_table(c, &out[PATRON_CLUSTER_CENTROIDS], err);
  if (st == PATRON_OK)
    st = scan_table(c, &out[PATRON_CLUSTER_SCAN], err);
  if (st != PATRON_OK)
    for (int i = 0; i < PATRON_CLUSTER_TABLES; i++)
      patron_table_free(out[i]), out[i] = NULL;
  return st;
}
