/* patron cluster: k-means clusters of the customers with a purchase (docs/TIERS.md), with k
 * fixed or chosen by silhouette; writes assignments, centroids, the k scan and the cluster
 * report, and prints the scan and the report. */
#include "cli_inputs.h"
#include "cli_tiers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: patron cluster --orders FILE [--customers FILE] [--events FILE] --out DIR\n"
    "                      [OPTIONS]\n\n"
    "Clusters the customers with a purchase by k-means on their features (by default\n"
    "log1p of recency, frequency and monetary, standardized), names each cluster after\n"
    "the rfm_class of its centroid, and writes DIR/assignments.csv (customer_id, figures,\n"
    "cluster, cluster_label), centroids.csv (in feature units), k_scan.csv (inertia,\n"
    "silhouette, Calinski-Harabasz per k) and report.csv (size, share, revenue, revenue\n"
    "share, mean recency, frequency, monetary per cluster).\n\n" CLI_INPUT_USAGE
    "\n" CLI_CLUSTER_USAGE(
        "auto", "10") "\nOutput:\n"
                      "  --out DIR            output directory (created when missing; required)\n"
                      "  --quiet              no report on stdout\n"
                      "  -h, --help           this help\n";

enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_CLUSTER_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct cluster_args {
  cli_inputs inputs;
  cli_tiers tiers;
  const char *out_dir;
  bool quiet;
} cluster_args;

/* ---- Output tables ----------------------------------------------------------------------- */

static patron_status oom(patron_error *err) {
  *err = (patron_error){.status = PATRON_ERR_NOMEM};
  snprintf(err->message, sizeof err->message, "%s", patron_strerror(PATRON_ERR_NOMEM));
  return PATRON_ERR_NOMEM;
}

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

static patron_status write_report(const patron_cluster_result *c, const char *path,
                                  patron_error *err) {
  patron_table *t = patron_table_new(c->k);
  if (!t)
    return oom(err);
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
    st = patron_write_table_csv(t, path, err);
  }
  patron_table_free(t);
  return st;
}

static patron_status write_centroids(const patron_cluster_result *c, const char *path,
                                     patron_error *err) {
  patron_table *t = patron_table_new(c->k);
  if (!t)
    return oom(err);
  patron_status st = cluster_columns(t, c, err);
  for (size_t j = 0; st == PATRON_OK && j < c->n_features; j++) {
    double *v = column(t, c->feature_names[j], PATRON_COL_DOUBLE, &st, err);
    for (size_t i = 0; v && i < c->k; i++)
      v[i] = c->centroids[i * c->n_features + j];
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

static patron_status write_scan(const patron_cluster_result *c, const char *path,
                                patron_error *err) {
  patron_table *t = patron_table_new(c->n_scan);
  if (!t)
    return oom(err);
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
  if (st == PATRON_OK) {
    patron_table_set_decimals(t, "silhouette", 6);
    st = patron_write_table_csv(t, path, err);
  }
  patron_table_free(t);
  return st;
}

/* customer_id, recency_days, frequency, monetary, cluster, cluster_label of every row. */
static patron_status write_assignments(const patron_table *p, const char *path, patron_error *err) {
  static const char *const names[] = {"customer_id", "recency_days", "frequency",
                                      "monetary",    "cluster",      "cluster_label"};
  size_t n = patron_table_n_rows(p);
  patron_table *t = patron_table_new(n);
  if (!t)
    return oom(err);
  patron_status st = PATRON_OK;
  for (size_t j = 0; st == PATRON_OK && j < sizeof names / sizeof *names; j++) {
    const patron_column *src = patron_table_find(p, names[j]);
    void *dst = NULL;
    if (src->type == PATRON_COL_CATEGORY)
      st = patron_table_add_category(t, src->name, src->labels, src->alt_labels, src->n_labels,
                                     false, (int32_t **)&dst, err);
    else
      dst = column(t, src->name, src->type, &st, err);
    size_t size = src->type == PATRON_COL_CATEGORY ? sizeof(int32_t) : 8;
    if (st == PATRON_OK)
      memcpy(dst, src->data, n * size);
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

static patron_status write_all(const char *dir, const patron_table *p,
                               const patron_cluster_result *c, patron_error *err) {
  char path[4096];
  patron_status st = write_assignments(p, cli_path(path, sizeof path, dir, "assignments.csv"), err);
  if (st == PATRON_OK)
    st = write_centroids(c, cli_path(path, sizeof path, dir, "centroids.csv"), err);
  if (st == PATRON_OK)
    st = write_scan(c, cli_path(path, sizeof path, dir, "k_scan.csv"), err);
  if (st == PATRON_OK)
    st = write_report(c, cli_path(path, sizeof path, dir, "report.csv"), err);
  return st;
}

/* ---- The printed report ---------------------------------------------------------------------- */

static void print_scan(const patron_cluster_result *c) {
  printf("\n%4s %16s %11s %18s %7s\n", "k", "inertia", "silhouette", "calinski_harabasz", "n_iter");
  for (size_t i = 0; i < c->n_scan; i++) {
    const patron_kmeans_scan_row *r = &c->scan[i];
    printf("%4zu %16.2f ", r->k, r->inertia);
    if (r->silhouette_defined)
      printf("%11.4f ", r->silhouette);
    else
      printf("%11s ", "-");
    if (r->ch_defined)
      printf("%18.1f ", r->calinski_harabasz);
    else
      printf("%18s ", "-");
    printf("%7zu%s\n", r->n_iter, r->k == c->k ? "  <- chosen" : "");
  }
}

static void print_report(const cluster_args *a, const patron_cluster_result *c) {
  const patron_cluster_options *o = &a->tiers.cluster;
  printf("Clustered %zu customers with a purchase on ", c->n_clustered);
  for (size_t j = 0; j < c->n_features; j++)
    printf("%s%s%s", j ? ", " : "", c->feature_names[j], c->zero_variance[j] ? " (constant)" : "");
  if (o->k)
    printf(": k = %zu\n", c->k);
  else
    printf(": k = %zu, the largest silhouette of k = %zu..%zu\n", c->k, o->scan.k_min,
           o->scan.k_max);
  if (!o->k && c->n_scan && c->scan[c->n_scan - 1].k < o->scan.k_max)
    printf("The scan stopped at k = %zu: the data has too few distinct customers for more\n",
           c->scan[c->n_scan - 1].k);
  if (c->n_missing)
    printf("%zu customers with a purchase were left out: a feature was empty\n", c->n_missing);
  if (c->n_scan)
    print_scan(c);
  printf("\n%3s %-22s %10s %7s %16s %7s %9s %9s %12s\n", "#", "cluster_label", "customers", "share",
         "revenue", "share", "recency", "frequency", "monetary");
  for (size_t i = 0; i < c->k; i++) {
    const patron_kmeans_report_row *r = &c->report[i];
    printf("%3zu %-22s %10zu %6.1f%% %16.2f %6.1f%% %9.1f %9.2f %12.2f\n", i + 1, r->label,
           r->customers, 100 * r->customer_share, r->revenue, 100 * r->revenue_share, r->recency,
           r->frequency, r->monetary);
  }
  printf("\nWrote %s/assignments.csv, centroids.csv, k_scan.csv, report.csv\n", a->out_dir);
}

/* ---- The command --------------------------------------------------------------------------- */

/* The pipeline's cluster stage alone, on profiles as of the load's date. */
static int cluster(cluster_args *a) {
  patron_error err = {0};
  patron_dataset *ds = NULL;
  patron_run run;
  patron_run_init(&run);
  run.as_of_day = a->inputs.load.as_of_day;
  run.n_threads = a->inputs.load.n_threads;
  run.progress = a->inputs.load.progress = cli_progress;
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.cluster = a->tiers.cluster;
  o.only = "cluster";
  patron_pipeline_results r = {0};
  if (!cli_make_dir("cluster", a->out_dir))
    return CLI_EXIT_FAIL;
  patron_status st = patron_dataset_load(&a->inputs.load, &ds, &err);
  if (st == PATRON_OK)
    st = patron_pipeline_run(ds, &o, &run, &r, &err);
  const patron_cluster_result *c = r.clustering ? patron_clustering_result(r.clustering) : NULL;
  if (st == PATRON_OK)
    st = write_all(a->out_dir, patron_profile_table_const(r.profile), c, &err);
  if (st == PATRON_OK && !a->quiet)
    print_report(a, c);
  patron_pipeline_results_free(&r);
  patron_dataset_free(ds);
  patron_run_free_contents(&run);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("cluster", &err);
}

static int own_option(cluster_args *a, int opt, const char *arg) {
  if (opt == OPT_OUT)
    a->out_dir = arg;
  else if (opt == OPT_QUIET)
    a->quiet = true;
  else
    return cli_usage_error("cluster", "unknown option"), -1;
  return 1;
}

static int run(int argc, char **argv) {
  cluster_args a = {.out_dir = NULL};
  cli_inputs_init(&a.inputs);
  cli_tiers_init(&a.tiers, false);
  int opt, rc = CLI_EXIT_USAGE;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':') {
      cli_usage_error("cluster", "%s '%s'", opt == ':' ? "missing value for" : "unknown option",
                      argv[optind - 1]);
      goto done;
    }
    int handled = cli_inputs_option(&a.inputs, "cluster", opt, optarg);
    if (handled == 0)
      handled = cli_tiers_option(&a.tiers, "cluster", opt, optarg);
    if (handled == 0)
      handled = own_option(&a, opt, optarg);
    if (handled < 0)
      goto done;
  }
  if (optind < argc) {
    cli_usage_error("cluster", "unexpected argument '%s'", argv[optind]);
    goto done;
  }
  if (!cli_inputs_ready(&a.inputs, "cluster"))
    goto done;
  if (!a.out_dir) {
    cli_usage_error("cluster", "--out DIR is required");
    goto done;
  }
  rc = cluster(&a);
done:
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_cluster = {
    "cluster", run, "k-means clusters of customers, k chosen by silhouette", usage};
