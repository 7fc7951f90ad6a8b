/* k-means clusters of profiles (docs/TIERS.md): the features of the purchasers, standardized,
 * fitted with a fixed k or a k chosen by silhouette (patron_kmeans_scan); clusters are
 * numbered by centroid monetary, highest first, named after the SPEC rfm_class of their
 * centroid (patron_kmeans_report), and written as the columns cluster and cluster_label.
 * The fit may also run over the rows of several MPI ranks (patron__cluster_fit_part, every
 * total exact: docs/KMEANS.md); a table then takes its clusters from that fit
 * (patron__cluster_table_given): each row goes to its nearest centre, as in the fit. */
#include "core/table_int.h"
#include "models/kmeans/kmeans_int.h"
#include "models/tiers/tiers_int.h"
#include "patron/rfm.h"

#include <stdio.h>
#include <stdlib.h>

#define ZH_LABEL_CAP 48

struct patron_clustering {
  patron_cluster_result r;
  char feature_names[PATRON_CLUSTER_MAX_FEATURES][96];
  const char *feature_ptrs[PATRON_CLUSTER_MAX_FEATURES];
  bool zero_var[PATRON_CLUSTER_MAX_FEATURES];
  double mean[PATRON_CLUSTER_MAX_FEATURES], sd[PATRON_CLUSTER_MAX_FEATURES];
  double *centroids;
  double *std_centers; /* k x d, standardized units: the fit's centres */
  patron_kmeans_report_row *report;
  patron_kmeans_scan_row *scan;
  char (*zh)[ZH_LABEL_CAP];
  const char **labels, **labels_zh;
};

/* Working state of one clustering run. */
typedef struct run {
  const patron_cluster_options *o;
  const patron__km_part *part;    /* the rows as one rank's part, or NULL */
  const patron_clustering *given; /* a fit made elsewhere, or NULL */
  size_t n, d, k;
  size_t n_all;    /* rows of every part */
  double *x;       /* n x d, standardized */
  uint32_t *rows;  /* table row of each matrix row */
  int32_t *labels; /* n */
  double *centers; /* k_max x d, standardized units */
} run;

void patron_cluster_options_init(patron_cluster_options *o) {
  *o = (patron_cluster_options){.features = PATRON_CLUSTER_DEFAULT_FEATURES};
  patron_kmeans_scan_options_init(&o->scan);
}

const patron_cluster_result *patron_clustering_result(const patron_clustering *c) { return &c->r; }

void patron_clustering_free(patron_clustering *c) {
  if (!c)
    return;
  free(c->centroids);
  free(c->std_centers);
  free(c->report);
  free(c->scan);
  free(c->zh);
  free(c->labels);
  free(c->labels_zh);
  free(c);
}

/* The fixed-k fit's figures as one scan row (silhouette on the sample). */
static void score_fixed_k(const run *w, patron_clustering *c) {
  patron_kmeans_scan_row *s = &c->scan[0];
  patron_error ignored = {0};
  *s = (patron_kmeans_scan_row){.k = w->k,
                                .inertia = c->r.info.inertia,
                                .n_iter = c->r.info.n_iter,
                                .converged = c->r.info.converged};
  const patron_kmeans_scan_options *so = &w->o->scan;
  s->silhouette_defined =
      patron__km_silhouette(w->x, w->n, w->d, w->part, w->labels, w->k, so->silhouette_sample,
                            so->sample_seed, &s->silhouette, &ignored) == PATRON_OK;
  if (!s->silhouette_defined)
    s->silhouette = -1;
  s->ch_defined = patron__km_calinski_harabasz(w->x, w->n, w->d, w->part, w->labels, w->k,
                                               &s->calinski_harabasz, &ignored) == PATRON_OK;
  if (!s->ch_defined)
    s->calinski_harabasz = 0;
  c->r.n_scan = 1;
}

static patron_status fit_fixed(run *w, patron_clustering *c, patron_error *err) {
  patron_kmeans_options fo = w->o->scan.fit;
  fo.k = w->k;
  patron_status st =
      patron__km_fit(w->x, w->n, w->d, w->part, &fo, NULL, w->centers, w->labels, &c->r.info, err);
  if (st == PATRON_OK && w->o->scores && w->k >= 2)
    score_fixed_k(w, c);
  return st;
}

static patron_status fit_scan(run *w, patron_clustering *c, patron_error *err) {
  patron_status st = patron__km_scan(w->x, w->n, w->d, w->part, &w->o->scan, c->scan, &c->r.n_scan,
                                     &w->k, w->labels, w->centers, err);
  for (size_t i = 0; st == PATRON_OK && i < c->r.n_scan; i++)
    if (c->scan[i].k == w->k)
      c->r.info = (patron_kmeans_info){.inertia = c->scan[i].inertia,
                                       .n_iter = c->scan[i].n_iter,
                                       .converged = c->scan[i].converged};
  return st;
}

/* Fixed k or the scan; with fewer_ok, k shrinks to the distinct rows of the data. */
static patron_status fit(run *w, patron_clustering *c, patron_error *err) {
  const patron_cluster_options *o = w->o;
  size_t want = o->k ? o->k : 2;
  size_t distinct = patron__km_distinct_rows(w->x, w->n, w->d, w->part, want);
  if (w->n_all && !distinct)
    return PATRON__OOM(err);
  if (o->fewer_ok && (distinct < want || (!o->k && w->n_all < 3))) {
    w->k = distinct < want ? distinct : 1;
    return w->k ? fit_fixed(w, c, err) : PATRON_OK;
  }
  if (!o->k)
    return fit_scan(w, c, err);
  if (distinct < o->k)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "%zu clusters need %zu distinct customers with a purchase; the data "
                             "has %zu (use --k %zu or less, or --k auto)",
                             o->k, o->k, distinct, distinct ? distinct : 1);
  w->k = o->k;
  return fit_fixed(w, c, err);
}

/* Does cluster a come before cluster b (monetary desc, frequency desc, recency asc)? */
static bool before(const patron_kmeans_report_row *a, const patron_kmeans_report_row *b) {
  if (a->monetary != b->monetary)
    return a->monetary > b->monetary;
  if (a->frequency != b->frequency)
    return a->frequency > b->frequency;
  return a->recency < b->recency;
}

/* order[i] = old cluster index of the i-th cluster (insertion sort: k is small, stable). */
static void cluster_order(const patron_kmeans_report_row *rep, size_t k, size_t *order) {
  for (size_t i = 0; i < k; i++) {
    size_t j = i;
    for (; j > 0 && before(&rep[i], &rep[order[j - 1]]); j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
}

/* "general_retain_2" -> "一般挽留客户 2". */
static void chinese_label(const char *name, char *out) {
  for (int code = 0; code < PATRON_RFM_CLASSES; code++) {
    const char *en = patron_rfm_class_label(code, false);
    size_t len = strlen(en);
    if (strncmp(name, en, len) == 0 && (name[len] == '\0' || name[len] == '_')) {
      snprintf(out, ZH_LABEL_CAP, "%s%s%s", patron_rfm_class_label(code, true),
               name[len] ? " " : "", name[len] ? name + len + 1 : "");
      return;
    }
  }
  snprintf(out, ZH_LABEL_CAP, "%s", name);
}

/* Recency, frequency and monetary (currency units) of the clustered rows: raw[0..3n). */
static patron_status raw_rfm(const run *w, const patron_table *t, double *raw, patron_error *err) {
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, "cluster", err);
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, "cluster", err);
  const patron_money *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, "cluster", err);
  if (!rec || !freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  for (size_t i = 0; i < w->n; i++) {
    uint32_t r = w->rows[i];
    raw[i] = (double)rec[r], raw[w->n + i] = (double)freq[r];
    raw[2 * w->n + i] = (double)mon[r] / PATRON_MONEY_SCALE;
  }
  return PATRON_OK;
}

/* Renumbers clusters in report order: report rows, centroids in feature units, labels. */
static void renumber(run *w, patron_clustering *c, const patron_kmeans_report_row *rep,
                     size_t *order, size_t *number) {
  cluster_order(rep, w->k, order);
  for (size_t i = 0; i < w->k; i++) {
    number[order[i]] = i;
    c->report[i] = rep[order[i]];
    for (size_t j = 0; j < w->d; j++) {
      double z = w->centers[order[i] * w->d + j];
      c->centroids[i * w->d + j] = c->zero_var[j] ? c->mean[j] : z * c->sd[j] + c->mean[j];
    }
  }
  for (size_t i = 0; i < w->n; i++)
    w->labels[i] = (int32_t)number[w->labels[i]];
}

static patron_status report(run *w, const patron_table *t, patron_clustering *c,
                            patron_error *err) {
  double *raw = malloc(3 * w->n * sizeof *raw);
  patron_kmeans_report_row *rep = malloc(w->k * sizeof *rep);
  size_t *order = malloc(2 * w->k * sizeof *order);
  patron_status st = raw && rep && order ? raw_rfm(w, t, raw, err) : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_kmeans_report(w->labels, w->n, w->k, raw, raw + w->n, raw + 2 * w->n, rep, err);
  if (st == PATRON_OK)
    renumber(w, c, rep, order, order + w->k);
  free(raw);
  free(rep);
  free(order);
  return st;
}

static patron_status write_columns(run *w, patron_table *t, patron_clustering *c,
                                   patron_error *err) {
  size_t k = w->k, cap = k ? k : 1;
  c->zh = malloc(cap * sizeof *c->zh);
  c->labels = malloc(cap * sizeof *c->labels);
  c->labels_zh = malloc(cap * sizeof *c->labels_zh);
  if (!c->zh || !c->labels || !c->labels_zh)
    return PATRON__OOM(err);
  for (size_t i = 0; i < k; i++) {
    c->labels[i] = c->report[i].label;
    chinese_label(c->report[i].label, c->zh[i]);
    c->labels_zh[i] = c->zh[i];
  }
  c->r.labels = c->labels;
  c->r.labels_zh = c->labels_zh;
  int64_t *num;
  int32_t *code;
  patron_status st = patron_table_add(t, "cluster", PATRON_COL_INT, (void **)&num, err);
  if (st == PATRON_OK)
    st = patron_table_add_category(t, "cluster_label", c->labels, c->labels_zh, (int32_t)k, true,
                                   &code, err);
  for (size_t i = 0; st == PATRON_OK && i < w->n; i++) {
    num[w->rows[i]] = w->labels[i] + 1;
    code[w->rows[i]] = w->labels[i];
  }
  return st;
}

/* Buffers sized for the largest k the run may make. */
static patron_status alloc_run(run *w, patron_clustering *c, patron_error *err) {
  const patron_kmeans_scan_options *so = &w->o->scan;
  size_t k_max = w->o->k ? w->o->k : so->k_max, n_scan = w->o->k ? 1 : so->k_max - so->k_min + 1;
  k_max = k_max ? k_max : 1;
  w->labels = malloc((w->n ? w->n : 1) * sizeof *w->labels);
  w->centers = malloc(k_max * w->d * sizeof *w->centers);
  c->centroids = malloc(k_max * w->d * sizeof *c->centroids);
  c->std_centers = malloc(k_max * w->d * sizeof *c->std_centers);
  c->report = malloc(k_max * sizeof *c->report);
  c->scan = malloc(n_scan * sizeof *c->scan);
  return w->labels && w->centers && c->centroids && c->std_centers && c->report && c->scan
             ? PATRON_OK
             : PATRON__OOM(err);
}

static patron_status check_options(const patron_cluster_options *o, patron_error *err) {
  const patron_kmeans_scan_options *so = &o->scan;
  if (!o->k && (so->k_min < 2 || so->k_max < so->k_min))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the k scan needs 2 <= k_min <= k_max (got %zu..%zu)", so->k_min,
                             so->k_max);
  return PATRON_OK;
}

static void describe_features(patron_clustering *c, const patron__feature *f, size_t d) {
  for (size_t j = 0; j < d; j++) {
    memcpy(c->feature_names[j], f[j].name, sizeof c->feature_names[j]);
    c->feature_ptrs[j] = c->feature_names[j];
  }
  c->r.n_features = d;
  c->r.feature_names = c->feature_ptrs;
  c->r.zero_variance = c->zero_var;
}

/* Parse the features and build the matrix of the clustered rows (not yet standardized). */
static patron_status build_matrix(const patron_table *t, run *w, patron_clustering *c,
                                  patron_error *err) {
  patron__feature f[PATRON_CLUSTER_MAX_FEATURES];
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, "cluster", err);
  if (!freq)
    return err ? err->status : PATRON_ERR_USAGE;
  patron_status st = patron__features_parse(
      w->o->features ? w->o->features : PATRON_CLUSTER_DEFAULT_FEATURES, t, f, &w->d, err);
  if (st == PATRON_OK)
    st = patron__features_matrix(t, f, w->d, freq, &w->x, &w->rows, &w->n, &c->r.n_missing, err);
  if (st != PATRON_OK)
    return st;
  describe_features(c, f, w->d);
  w->n_all = patron__km_n_global(w->part, w->n);
  c->r.n_clustered = w->n_all;
  return alloc_run(w, c, err);
}

/* The given fit's standardization, centres and figures; each row to its nearest centre
 * (the fit's own labels: its last assignment is to its final centres, lowest index on
 * ties). */
static void take_fit(run *w, patron_clustering *c) {
  const patron_clustering *g = w->given;
  size_t d = w->d;
  memcpy(c->mean, g->mean, sizeof c->mean);
  memcpy(c->sd, g->sd, sizeof c->sd);
  memcpy(c->zero_var, g->zero_var, sizeof c->zero_var);
  for (size_t i = 0; i < w->n; i++)
    for (size_t j = 0; j < d; j++) {
      double *v = &w->x[i * d + j];
      *v = c->zero_var[j] ? 0 : patron__km_on_grid((*v - c->mean[j]) / c->sd[j]);
    }
  w->k = g->r.k;
  memcpy(w->centers, g->std_centers, w->k * d * sizeof *w->centers);
  c->r.info = g->r.info;
  c->r.n_scan = g->r.n_scan;
  memcpy(c->scan, g->scan, g->r.n_scan * sizeof *c->scan);
  for (size_t i = 0; i < w->n; i++) {
    double ignored;
    w->labels[i] = (int32_t)patron__km_nearest(w->x + i * d, w->centers, w->k, d, &ignored);
  }
}

/* Standardize and fit (every part's rows), or take the given fit. */
static patron_status fit_or_take(run *w, patron_clustering *c, patron_error *err) {
  patron_status st = PATRON_OK;
  if (w->given) {
    if (w->given->r.n_features != w->d || w->given->r.n_clustered != w->n_all)
      return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                               "cluster: the given fit is of other rows");
    take_fit(w, c);
  } else {
    if (w->n_all)
      st = patron__km_standardize(w->x, w->n, w->d, w->part, c->mean, c->sd, c->zero_var, err);
    if (st == PATRON_OK && !w->n_all && !w->o->fewer_ok)
      st = patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "no customer has a purchase and every feature: nothing to cluster");
    if (st == PATRON_OK)
      st = fit(w, c, err);
  }
  c->r.k = st == PATRON_OK ? w->k : 0;
  if (c->r.k)
    memcpy(c->std_centers, w->centers, w->k * w->d * sizeof *w->centers);
  return st;
}

/* Build the matrix, fit (or take the given fit), report, write the columns. */
static patron_status cluster_run(patron_table *t, run *w, patron_clustering *c, patron_error *err) {
  patron_status st = build_matrix(t, w, c, err);
  if (st == PATRON_OK)
    st = fit_or_take(w, c, err);
  if (st == PATRON_OK && w->k)
    st = report(w, t, c, err);
  c->r.centroids = c->centroids;
  c->r.report = c->report;
  c->r.scan = c->scan;
  return st == PATRON_OK ? write_columns(w, t, c, err) : st;
}

static void run_free(run *w) {
  free(w->x);
  free(w->rows);
  free(w->labels);
  free(w->centers);
}

static patron_status cluster_with(patron_table *t, const patron_cluster_options *o,
                                  const patron_clustering *given, patron_clustering **out,
                                  patron_error *err) {
  *out = NULL;
  patron_status st = check_options(o, err);
  if (st != PATRON_OK)
    return st;
  patron_clustering *c = calloc(1, sizeof *c);
  if (!c)
    return PATRON__OOM(err);
  c->r.k_requested = o->k;
  run w = {.o = o, .given = given};
  st = cluster_run(t, &w, c, err);
  run_free(&w);
  if (st != PATRON_OK)
    patron_clustering_free(c);
  else
    *out = c;
  return st;
}

patron_status patron_cluster_table(patron_table *t, const patron_cluster_options *o,
                                   patron_clustering **out, patron_error *err) {
  return cluster_with(t, o, NULL, out, err);
}

patron_status patron__cluster_table_given(patron_table *t, const patron_cluster_options *o,
                                          const patron_clustering *fit, patron_clustering **out,
                                          patron_error *err) {
  return cluster_with(t, o, fit, out, err);
}

patron_status patron__cluster_rows(const patron_table *t, const patron_cluster_options *o,
                                   uint32_t **rows, size_t *n, patron_error *err) {
  patron_clustering c = {0};
  run w = {.o = o};
  patron__feature f[PATRON_CLUSTER_MAX_FEATURES];
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, "cluster", err);
  patron_status st = freq ? PATRON_OK : (err ? err->status : PATRON_ERR_USAGE);
  if (st == PATRON_OK)
    st = patron__features_parse(o->features ? o->features : PATRON_CLUSTER_DEFAULT_FEATURES, t, f,
                                &w.d, err);
  if (st == PATRON_OK)
    st = patron__features_matrix(t, f, w.d, freq, &w.x, &w.rows, &w.n, &c.r.n_missing, err);
  *rows = w.rows, *n = w.n;
  free(w.x);
  return st;
}

patron_status patron__cluster_fit_part(const patron_table *t, const patron_cluster_options *o,
                                       const patron__km_part *part, patron_clustering **out,
                                       patron_error *err) {
  *out = NULL;
  patron_status st = check_options(o, err);
  patron_clustering *c = st == PATRON_OK ? calloc(1, sizeof *c) : NULL;
  if (st == PATRON_OK && !c)
    st = PATRON__OOM(err);
  run w = {.o = o, .part = part};
  if (st == PATRON_OK) {
    c->r.k_requested = o->k;
    st = build_matrix(t, &w, c, err);
    if (patron__km_all_ok(part, st == PATRON_OK))
      st = fit_or_take(&w, c, err);
    else if (st == PATRON_OK)
      st = patron__error_set(err, PATRON_ERR_NOMEM, NULL, 0, 0, "cluster: another rank failed");
  }
  run_free(&w);
  if (st != PATRON_OK)
    patron_clustering_free(c);
  else
    *out = c;
  return st;
}
