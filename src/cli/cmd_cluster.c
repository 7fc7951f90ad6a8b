/* patron cluster: k-means clusters of the customers with a purchase (docs/TIERS.md), with k
 * fixed or chosen by silhouette; writes assignments, centroids, the k scan and the cluster
 * report, and prints the scan and the report. */
#include "cli_inputs.h"
#include "cli_load.h"
#include "cli_outputs.h"
#include "cli_tiers.h"

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
                      "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE;

enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_CLUSTER_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct cluster_args {
  cli_inputs inputs;
  cli_tiers tiers;
  patron_output_options output;
  const char *out_dir;
  bool quiet;
} cluster_args;

/* ---- Output files ------------------------------------------------------------------------ */

static patron_status write_all(const cluster_args *a, const patron_dataset *ds,
                               const patron_table *p, const patron_cluster_result *c,
                               patron_error *err) {
  static const char *const cols[] = {"customer_id", "recency_days", "frequency",
                                     "monetary",    "cluster",      "cluster_label"};
  static const char *const names[] = {"assignments.csv", "report.csv", "centroids.csv",
                                      "k_scan.csv"};
  patron_table *t[4] = {0};
  patron_status st = patron_table_select(p, cols, sizeof cols / sizeof *cols, &t[0], err);
  patron_table *made[PATRON_CLUSTER_TABLES] = {0};
  if (st == PATRON_OK)
    st = patron_cluster_output_tables(c, made, err);
  t[1] = made[PATRON_CLUSTER_REPORT];
  t[2] = made[PATRON_CLUSTER_CENTROIDS];
  t[3] = made[PATRON_CLUSTER_SCAN];
  if (st == PATRON_OK)
    st = patron_write_tables_csv(a->out_dir, names, (const patron_table *const *)t, 4, &a->output,
                                 ds, err);
  for (int i = 0; i < 4; i++)
    patron_table_free(t[i]);
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
  printf("\nWrote %s/assignments.csv, centroids.csv, k_scan.csv, report.csv, summary.json\n",
         a->out_dir);
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
  char rejects[4096], summary[4096];
  cli_path(rejects, sizeof rejects, a->out_dir, "rejects.csv");
  int rc = cli_load("cluster", &a->inputs.load, rejects, &run, &ds);
  if (rc != CLI_EXIT_OK) {
    patron_run_free_contents(&run);
    return rc;
  }
  patron_run_lap(&run, "load");
  patron_status st = patron_pipeline_run(ds, &o, &run, &r, &err);
  const patron_cluster_result *c = r.clustering ? patron_clustering_result(r.clustering) : NULL;
  if (st == PATRON_OK)
    st = write_all(a, ds, patron_profile_table_const(r.profile), c, &err);
  if (st == PATRON_OK)
    st = cli_write_accounting(ds, r.profile, &run, rejects,
                              cli_path(summary, sizeof summary, a->out_dir, "summary.json"), &err);
  if (st == PATRON_OK)
    cli_print_warnings("cluster", &run);
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
  patron_output_options_init(&a.output);
  int opt, rc = CLI_EXIT_USAGE;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':') {
      cli_bad_option("cluster", opt, argv, long_options);
      goto done;
    }
    int handled = cli_inputs_option(&a.inputs, "cluster", opt, optarg);
    if (handled == 0)
      handled = cli_tiers_option(&a.tiers, "cluster", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a.output, opt);
    if (handled == 0)
      handled = own_option(&a, opt, optarg);
    if (handled < 0)
      goto done;
  }
  if (optind < argc) {
    cli_usage_error("cluster", "unexpected argument '%s'", argv[optind]);
    goto done;
  }
  if (!cli_inputs_ready(&a.inputs, "cluster") || !cli_tiers_ready(&a.tiers, "cluster"))
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
