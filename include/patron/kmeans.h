/* k-means clustering of per-customer feature vectors: standardization, k-means++ seeding
 * (Arthur & Vassilvitskii 2007, greedy variant as in scikit-learn), Lloyd's algorithm
 * accelerated with Hamerly's bounds (Hamerly 2010), restarts, the choice of k by silhouette
 * (Rousseeuw 1987) with Calinski-Harabasz (1974) and inertia reported, and readable RFM
 * labels for clusters. Pure computation over row-major double matrices (n rows x d columns). */
#ifndef PATRON_KMEANS_H
#define PATRON_KMEANS_H

#include "patron/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Standardization ------------------------------------------------------------------ */

/* Standardize the columns of x (n x d, row-major) in place: (x - mean) / sd with the
 * population sd (divide by n, like scikit-learn's StandardScaler). A column with zero
 * variance (or n == 1) is set to 0 everywhere, gets sd = 0, and its flag in zero_var
 * (d entries; may be NULL) is set: it then plays no part in distances, and never
 * becomes NaN. mean and sd (d entries each; either may be NULL) receive the column
 * statistics, computed from exact sums (docs/KMEANS.md, "Exact sums"); the standardized
 * values are rounded to the 2^-40 grid. Returns PATRON_OK, PATRON_ERR_USAGE (n == 0 or
 * d == 0) or PATRON_ERR_INPUT (a value that is not finite or not below 2^50 in magnitude;
 * the message names row and column, 0-based). */
PATRON_API patron_status patron_kmeans_standardize(double *x, size_t n, size_t d, double *mean,
                                                   double *sd, bool *zero_var, patron_error *err);

/* ---- Fitting ---------------------------------------------------------------------------- */

typedef struct patron_kmeans_options {
  size_t k;        /* number of clusters (>= 1) */
  size_t n_init;   /* k-means++ restarts, the best inertia is kept (default 10) */
  size_t max_iter; /* Lloyd iterations per run (default 300) */
  double tol;      /* stop when the summed squared centre shift <= tol * mean column
                      variance (default 1e-4, scikit-learn's rule) */
  uint64_t seed;   /* seeds the gsl_rng (mt19937) used for k-means++ (default 0) */
  int n_threads;   /* worker threads; 0 = all online CPUs. Results do not depend on it. */
} patron_kmeans_options;

/* Fill *opt with the defaults above (k = 8, like scikit-learn). */
PATRON_API void patron_kmeans_options_init(patron_kmeans_options *opt);

typedef struct patron_kmeans_info {
  double inertia;     /* sum of squared distances of points to their centre */
  size_t n_iter;      /* Lloyd iterations of the kept run */
  bool converged;     /* the kept run stopped before max_iter */
  size_t best_init;   /* which restart was kept (0-based) */
  size_t n_relocated; /* empty clusters re-seeded during the kept run */
  size_t n_distance;  /* point-centre distances computed in all runs (pruning gauge) */
} patron_kmeans_info;

/* Fit k-means to x (n x d, row-major, finite values).
 * init: k x d starting centres, or NULL for k-means++ with opt->n_init restarts (with
 * init given, a single run is made, like scikit-learn with an explicit init array).
 * Outputs (caller-allocated): centers (k x d), labels (n entries in 0..k-1); info may be
 * NULL. Nothing is kept after the call; scratch memory is about 12 bytes per row.
 * Ties between equally distant centres go to the lowest centre index. A cluster that
 * becomes empty is re-seeded at the point farthest from its centre (as scikit-learn).
 * Returns PATRON_OK; PATRON_ERR_USAGE for bad options (k == 0, n_init == 0,
 * max_iter == 0, tol < 0, d == 0); PATRON_ERR_INPUT for a value that is not finite or
 * not below 2^24 in magnitude (the exact sums' room: standardize first; x is used rounded
 * to the 2^-40 grid);
 * PATRON_ERR_DOMAIN when n < k or x has fewer than k distinct rows (the message says how
 * many there are); PATRON_ERR_NOMEM. Reaching max_iter is not an error: see
 * info->converged. */
PATRON_API patron_status patron_kmeans_fit(const double *x, size_t n, size_t d,
                                           const patron_kmeans_options *opt, const double *init,
                                           double *centers, int32_t *labels,
                                           patron_kmeans_info *info, patron_error *err);

/* Count distinct rows of x, stopping once `limit` are found (so the cost is at most
 * n * limit row comparisons; rows equal as numbers are the same, so -0.0 == 0.0).
 * Returns the count (<= limit), or 0 when memory runs out (limit > 64) with n > 0. */
PATRON_API size_t patron_kmeans_distinct_rows(const double *x, size_t n, size_t d, size_t limit);

/* ---- Quality measures and the choice of k ----------------------------------------------- */

/* Sum of squared distances of each row to the centre of its label. */
PATRON_API patron_status patron_kmeans_inertia(const double *x, size_t n, size_t d,
                                               const double *centers, size_t k,
                                               const int32_t *labels, double *out,
                                               patron_error *err);

/* Calinski-Harabasz index over all rows: (B / (k - 1)) / (W / (n - k)) with B the
 * between-cluster and W the within-cluster sum of squares about the label means.
 * PATRON_ERR_DOMAIN when fewer than 2 labels are used, n <= k, or W == 0. */
PATRON_API patron_status patron_kmeans_calinski_harabasz(const double *x, size_t n, size_t d,
                                                         const int32_t *labels, size_t k,
                                                         double *out, patron_error *err);

/* Mean silhouette width (Euclidean). With sample_size > 0 and < n it is computed on
 * sample_size rows drawn without replacement by a gsl_rng seeded with `seed` (the same
 * rows for the same n, sample_size and seed), as scikit-learn's silhouette_score with
 * sample_size does; otherwise on all n rows (O(n^2) time). A point alone in its cluster
 * scores 0. PATRON_ERR_DOMAIN when the rows used carry fewer than 2 or more than
 * (rows - 1) distinct labels. */
PATRON_API patron_status patron_kmeans_silhouette(const double *x, size_t n, size_t d,
                                                  const int32_t *labels, size_t k,
                                                  size_t sample_size, uint64_t seed, double *out,
                                                  patron_error *err);

typedef struct patron_kmeans_scan_row {
  size_t k;
  double inertia;
  double silhouette; /* on the sample; -1 when undefined (silhouette_defined false:
                        the sample held a single cluster) */
  bool silhouette_defined;
  double calinski_harabasz; /* 0 when undefined (ch_defined false) */
  bool ch_defined;
  size_t n_iter;
  bool converged;
} patron_kmeans_scan_row;

typedef struct patron_kmeans_scan_options {
  size_t k_min, k_max;       /* default 2..10 */
  size_t silhouette_sample;  /* default 10000 (0 = all rows) */
  uint64_t sample_seed;      /* default 0 */
  size_t scan_n_init;        /* restarts per k while scanning (default 3; 0 = fit.n_init) */
  patron_kmeans_options fit; /* fit.k is ignored; fit.n_init is used for the chosen k */
} patron_kmeans_scan_options;

PATRON_API void patron_kmeans_scan_options_init(patron_kmeans_scan_options *opt);

/* Fit k = k_min..k_max (scan_n_init restarts each) and pick the k with the largest
 * defined silhouette (ties: smaller k); that k is then refitted with fit.n_init restarts,
 * and its row reports the refit.
 * rows must have room for k_max - k_min + 1 entries; *n_rows receives how many were
 * filled: fewer when x has fewer distinct rows than k_max (the scan stops there, and
 * *n_rows says so). *best_k receives the chosen k; best_labels (n entries) and
 * best_centers (k_max x d) may be NULL, else receive that fit.
 * PATRON_ERR_USAGE when k_min < 2 or k_max < k_min; PATRON_ERR_DOMAIN when not even
 * k_min clusters can be formed or no k has a defined silhouette. */
PATRON_API patron_status patron_kmeans_scan(const double *x, size_t n, size_t d,
                                            const patron_kmeans_scan_options *opt,
                                            patron_kmeans_scan_row *rows, size_t *n_rows,
                                            size_t *best_k, int32_t *best_labels,
                                            double *best_centers, patron_error *err);

/* ---- Readable labels and the report ----------------------------------------------------- */

/* Longest label written by patron_kmeans_label_rfm, terminator included. */
#define PATRON_KMEANS_LABEL_CAP 32

/* Name each cluster after the SPEC rfm_class its centroid falls in: R is high when the
 * centroid's recency <= mean recency, F high when frequency >= mean frequency, M high
 * when monetary >= mean monetary (centroids and means in original units: days, orders,
 * money). centroids is k x 3 (recency, frequency, monetary); names receives k labels such
 * as "important_value". When several clusters share a class, each of them gets a suffix
 * by rank of centroid monetary, highest first ("general_retain_1", "general_retain_2",
 * ties: higher frequency, then lower recency, then lower index). */
PATRON_API patron_status patron_kmeans_label_rfm(const double *centroids, size_t k,
                                                 const double mean[3],
                                                 char (*names)[PATRON_KMEANS_LABEL_CAP],
                                                 patron_error *err);

typedef struct patron_kmeans_report_row {
  size_t customers;
  double customer_share;
  double revenue;                      /* sum of monetary over the cluster's customers */
  double revenue_share;                /* revenue / total revenue (0 when the total is 0) */
  double recency, frequency, monetary; /* centroid in original units (cluster means) */
  char label[PATRON_KMEANS_LABEL_CAP];
} patron_kmeans_report_row;

/* One report row per cluster from the labels and the customers' recency_days, frequency
 * and monetary in original units (n entries each); labels are named with
 * patron_kmeans_label_rfm against the overall means. rows has k entries. An empty cluster
 * gets zero figures. PATRON_ERR_USAGE for n == 0 or a label outside 0..k-1. */
PATRON_API patron_status patron_kmeans_report(const int32_t *labels, size_t n, size_t k,
                                              const double *recency, const double *frequency,
                                              const double *monetary,
                                              patron_kmeans_report_row *rows, patron_error *err);

#endif
