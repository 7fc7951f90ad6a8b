/* Customer value tiers over the profile table: k-means clusters of per-customer features
 * (named after the SPEC rfm_class of their centroids), a composite value index (indicators
 * -> percentile ranks or min-max -> weights -> score), value tiers (high_value, potential,
 * maintain, regular) and member levels by spend over the last year. Every function reads
 * the columns it needs by name and appends its own; see docs/TIERS.md for the definitions. */
#ifndef PATRON_TIERS_H
#define PATRON_TIERS_H

#include "patron/dataset.h"
#include "patron/kmeans.h"
#include "patron/profile.h"
#include "patron/table.h"

/* ---- Clusters of profiles ------------------------------------------------------------ */

#define PATRON_CLUSTER_DEFAULT_FEATURES "log1p(recency_days),log1p(frequency),log1p(monetary)"
#define PATRON_CLUSTER_MAX_FEATURES     16

typedef struct patron_cluster_options {
  /* Comma-separated numeric profile columns, each bare or as log1p(NAME); NULL = the
   * default above. Aliases: recency, tenure, aov. log1p is signed: sign(x) log(1 + |x|),
   * so a net refunder's negative monetary stays finite (and below every buyer's). */
  const char *features;
  size_t k;      /* clusters; 0 = choose k by silhouette over scan.k_min..scan.k_max */
  bool fewer_ok; /* data with fewer distinct rows than k: make that many clusters (said in
                    the result) instead of failing with PATRON_ERR_DOMAIN */
  bool scores;   /* fixed k: also the silhouette (on scan.silhouette_sample rows) and
                    Calinski-Harabasz of the fit, as one scan row */
  patron_kmeans_scan_options scan; /* k range, silhouette sample, restarts; scan.fit holds
                                      n_init, max_iter, tol, seed, n_threads */
} patron_cluster_options;

/* Defaults: the default features, k = 0 (auto, 2..10), the k-means defaults (n_init 10). */
PATRON_API void patron_cluster_options_init(patron_cluster_options *o);

/* What a clustering made; arrays belong to the clustering. */
typedef struct patron_cluster_result {
  size_t k;           /* clusters made; 0 when no row could be clustered */
  size_t k_requested; /* options.k (0 = auto) */
  size_t n_clustered; /* rows clustered: purchasers with every feature present */
  size_t n_missing;   /* purchasers left out because a feature was empty */
  size_t n_features;
  const char *const *feature_names;       /* as written, e.g. "log1p(monetary)" */
  const bool *zero_variance;              /* per feature: constant, so it played no part */
  const double *centroids;                /* k x n_features in feature units (not standardized) */
  const patron_kmeans_report_row *report; /* k rows; cluster c is report[c - 1] */
  const patron_kmeans_scan_row *scan;     /* the k tried (auto), or the one k (scores) */
  size_t n_scan;
  patron_kmeans_info info;      /* the kept fit */
  const char *const *labels;    /* k names: "important_value", "general_retain_2" */
  const char *const *labels_zh; /* k Chinese names: "重要价值客户" */
} patron_cluster_result;

typedef struct patron_clustering patron_clustering;

/* Cluster the rows of t that have a purchase (frequency >= 1) and every feature: features
 * are transformed, standardized (patron_kmeans_standardize), then fitted with k-means
 * (patron_kmeans_fit) or, for k = 0, scanned (patron_kmeans_scan). Clusters are numbered
 * 1..k by centroid monetary, highest first (ties: higher frequency, lower recency), and
 * named by patron_kmeans_report. Appends `cluster` (int, 1..k) and `cluster_label`
 * (category, a segmentation); other rows stay empty. The labels of cluster_label belong
 * to *out: free it (patron_clustering_free) only after the table.
 * Errors: PATRON_ERR_USAGE for a bad feature list (the message echoes it with a caret under
 * the fault) or options; PATRON_ERR_DOMAIN when the data cannot make the clusters asked
 * for (without fewer_ok); PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_cluster_table(patron_table *t, const patron_cluster_options *o,
                                              patron_clustering **out, patron_error *err);
PATRON_API const patron_cluster_result *patron_clustering_result(const patron_clustering *c);
PATRON_API void patron_clustering_free(patron_clustering *c);

/* The tables of `patron cluster`'s files: report (cluster, cluster_label, customers,
 * customer_share, revenue, revenue_share, recency_days, frequency, monetary), centroids
 * (cluster, cluster_label, one column per feature) and the k scan (k, inertia, silhouette,
 * calinski_harabasz, n_iter, converged, chosen). Free each with patron_table_free. */
enum {
  PATRON_CLUSTER_REPORT,
  PATRON_CLUSTER_CENTROIDS,
  PATRON_CLUSTER_SCAN,
  PATRON_CLUSTER_TABLES
};
PATRON_API patron_status patron_cluster_output_tables(const patron_cluster_result *c,
                                                      patron_table *out[PATRON_CLUSTER_TABLES],
                                                      patron_error *err);

/* ---- The value index ----------------------------------------------------------------- */

typedef enum patron_value_index_method {
  PATRON_VALUE_INDEX_RANK = 0,       /* percentile ranks (mid-rank for ties) in 0..1 */
  PATRON_VALUE_INDEX_MINMAX_LOG = 1, /* min-max of signed log1p values, in 0..1 */
  PATRON_VALUE_INDEX_FORMULA_V1 = 2  /* 0.4 ln(R + 1) + 0.3 F + 0.3 exp(M / 1000), as is */
} patron_value_index_method;

typedef struct patron_value_index_options {
  patron_value_index_method method;
  double weights[3]; /* recency (inverted), frequency, monetary; normalized to sum 1;
                        unused by formula-v1 */
} patron_value_index_options;

/* rank, weights 0.4, 0.3, 0.3. */
PATRON_API void patron_value_index_options_init(patron_value_index_options *o);
/* "rank", "minmax-log" or "formula-v1". PATRON_ERR_USAGE names the bad text. */
PATRON_API patron_status patron_value_index_parse_method(const char *text,
                                                         patron_value_index_method *out,
                                                         patron_error *err);
/* "R,F,M" (e.g. "0.4,0.3,0.3") or named "r=0.4,f=0.3,m=0.3" (any order, each once):
 * finite, >= 0, not all 0; stored normalized to sum 1. PATRON_ERR_USAGE echoes the text
 * with a caret under the bad part (message starts with "--weights"). */
PATRON_API patron_status patron_value_index_parse_weights(const char *text, double weights[3],
                                                          patron_error *err);

typedef struct patron_value_index_info {
  size_t n_scored; /* rows with a purchase */
  size_t n_capped; /* formula-v1: rows whose exp(M / 1000) reached the cap (M >= 69,077.55) */
  double cap;      /* the cap of that term: 1e30 (exp overflows a double above M = 709,782) */
} patron_value_index_info;

/* The index from arrays of n customers (recency_days, frequency, monetary in currency
 * units; all finite) into out (n). info may be NULL. PATRON_ERR_USAGE for bad weights;
 * PATRON_ERR_INPUT for a non-finite input (naming the row). Never writes inf or NaN. */
PATRON_API patron_status patron_value_index_compute(const double *recency, const double *frequency,
                                                    const double *monetary, size_t n,
                                                    const patron_value_index_options *o,
                                                    double *out, patron_value_index_info *info,
                                                    patron_error *err);
/* Appends `value_index` (double) to t over its purchasers (others empty). */
PATRON_API patron_status patron_value_index(patron_table *t, const patron_value_index_options *o,
                                            patron_value_index_info *info, patron_error *err);

/* ---- Recent activity (the inputs of tiers and member levels) ------------------------ */

/* Per profile row, from the dataset's orders and events dated before as-of. */
typedef struct patron_activity {
  size_t n;                     /* rows of the profile table */
  patron_money *spend;          /* sum of order values in [as_of - window_days, as_of),
                                   refunds included (net, as monetary) */
  int64_t *purchases;           /* orders with value > 0 in that window */
  uint8_t *cart_after_purchase; /* latest cart event in [as_of - cart_days, as_of) is
                                   later than the last purchase (1) or not (0) */
  bool has_events;              /* an events file was loaded */
  bool has_cart_type;           /* ... and it has at least one event of the cart type */
} patron_activity;

/* Fills *out (arrays malloc'ed: free with patron_activity_free), on every online core.
 * cart_event is the event type counted as a cart ("cart"). window_days, cart_days >= 1. */
PATRON_API patron_status patron_activity_compute(const patron_dataset *ds, const patron_profile *p,
                                                 int window_days, int cart_days,
                                                 const char *cart_event, patron_activity *out,
                                                 patron_error *err);
PATRON_API void patron_activity_free(patron_activity *a);

/* ---- Value tiers ---------------------------------------------------------------------- */

typedef struct patron_tier_options {
  double high_top_pct;        /* value index in the top 20% (of purchasers, by rank) */
  double high_spend;          /* AND spend over the window > 5000 (currency units) */
  double high_repurchase_pct; /* AND (purchases - 1) / purchases in the window > 40% */
  double potential_from_pct;  /* rank position in [20%, 70%) ... */
  double potential_to_pct;
  int cart_days;              /* AND a cart event in the last 30 days, no purchase since */
  char cart_event[64];        /* the event_type value that is a cart: "cart" */
  double maintain_bottom_pct; /* value index in the bottom 10% ... */
  int maintain_idle_days;     /* AND recency_days > 180 */
  int maintain_min_purchases; /* AND frequency >= 2 */
  int window_days;            /* 365: the window of spend and repurchase rate */
} patron_tier_options;

PATRON_API void patron_tier_options_init(patron_tier_options *o);
/* "key=value,..." with keys high_top, high_spend, high_repurchase, potential_from,
 * potential_to, cart_days, cart_event, maintain_bottom, idle_days, min_purchases,
 * window_days; unspecified keys keep their value. Percentages in 0..100, days 1..100000.
 * PATRON_ERR_USAGE echoes the text (message starts with "--tiers") with a caret under
 * the bad part. On error *o is unchanged. */
PATRON_API patron_status patron_tier_options_parse(const char *text, patron_tier_options *o,
                                                   patron_error *err);

enum {
  PATRON_TIER_HIGH_VALUE,
  PATRON_TIER_POTENTIAL,
  PATRON_TIER_MAINTAIN,
  PATRON_TIER_REGULAR,
  PATRON_TIER_COUNT
};

typedef struct patron_tier_info {
  size_t counts[PATRON_TIER_COUNT];
  /* NULL, or why `potential` cannot be given to anyone (no events file; no cart events) */
  const char *potential_note;
} patron_tier_info;

/* Appends `tier` (category, a segmentation) to t from value_index, recency_days and
 * frequency and the activity a (a->n rows). Ranks are among purchasers: a row's position
 * is the share of purchasers with a strictly larger value index, so tied rows share a
 * band; the bottom band uses the share with a strictly smaller index. First match:
 * high_value, potential, maintain, else regular; rows without a purchase stay empty. */
PATRON_API patron_status patron_tiers(patron_table *t, const patron_activity *a,
                                      const patron_tier_options *o, patron_tier_info *info,
                                      patron_error *err);

/* ---- Member levels -------------------------------------------------------------------- */

enum {
  PATRON_LEVEL_NORMAL,
  PATRON_LEVEL_SILVER,
  PATRON_LEVEL_GOLD,
  PATRON_LEVEL_DIAMOND,
  PATRON_LEVEL_COUNT
};

typedef struct patron_level_options {
  double thresholds[PATRON_LEVEL_COUNT]; /* lower bounds, inclusive: 0, 1000, 5000, 20000 */
} patron_level_options;

PATRON_API void patron_level_options_init(patron_level_options *o);
/* "N,S,G,D": four finite, strictly increasing thresholds. PATRON_ERR_USAGE echoes the
 * text (message starts with "--levels") with a caret under the bad part. */
PATRON_API patron_status patron_level_options_parse(const char *text, patron_level_options *o,
                                                    patron_error *err);

/* Appends `member_level` (category, a segmentation) for every row: the highest level whose
 * threshold <= the row's spend (a->spend; members without orders spend 0). A spend below
 * the normal threshold (a net refund over the window, with the default 0) leaves it empty. */
PATRON_API patron_status patron_member_levels(patron_table *t, const patron_activity *a,
                                              const patron_level_options *o,
                                              size_t counts[PATRON_LEVEL_COUNT], patron_error *err);

/* ---- All of it, for analyze ----------------------------------------------------------- */

typedef struct patron_value_tiers_options {
  patron_value_index_options index;
  patron_tier_options tiers;
  patron_level_options levels; /* spend over tiers.window_days, as for high_value */
  int n_threads;               /* 0: all online cores; results never depend on it */
} patron_value_tiers_options;

typedef struct patron_value_tiers_info {
  patron_value_index_info index;
  patron_tier_info tiers;
  size_t levels[PATRON_LEVEL_COUNT];
} patron_value_tiers_info;

PATRON_API void patron_value_tiers_options_init(patron_value_tiers_options *o);
/* value_index, tier and member_level on the profile's table (activity from ds). */
PATRON_API patron_status patron_value_tiers_add(patron_profile *p, const patron_dataset *ds,
                                                const patron_value_tiers_options *o,
                                                patron_value_tiers_info *info, patron_error *err);
/* The same with the activity given (computed elsewhere: the MPI backend's ranks). */
PATRON_API patron_status patron_value_tiers_with(patron_profile *p, const patron_activity *a,
                                                 const patron_value_tiers_options *o,
                                                 patron_value_tiers_info *info, patron_error *err);

#endif
