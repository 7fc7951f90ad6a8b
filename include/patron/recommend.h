/* Recommendations (SPEC section 18): association rules over baskets (exact counts of
 * itemsets of up to 3 values, the definitions of Agrawal & Srikant 1994 and of Spark MLlib
 * FPGrowth / mlxtend), similar values from co-purchase and co-view (cosine), and the next
 * best values for each customer with a reason, plus a time-split evaluation against a
 * popularity baseline. Method and measures: docs/RECOMMEND.md. */
#ifndef PATRON_RECOMMEND_H
#define PATRON_RECOMMEND_H

#include "patron/dataset.h"
#include "patron/table.h"

typedef enum patron_reco_level {
  PATRON_RECO_ITEM,     /* order lines' item_id, events' item_id */
  PATRON_RECO_CATEGORY, /* category */
  PATRON_RECO_BRAND     /* brand; a viewed item counts as its brand (from the order lines) */
} patron_reco_level;

typedef struct patron_recommend_options {
  patron_reco_level level;
  int k;                 /* recommendations and similar values per row (SPEC: 10) */
  uint64_t min_support;  /* rules need this many baskets (SPEC: 10) */
  double min_confidence; /* rules need this confidence (SPEC: 0.05) */
  int32_t as_of_day;     /* fit on rows before this day; PATRON_NO_DAY: the dataset's as-of */
  int exclude_days;      /* no value bought in these days before as-of is recommended (90) */
  int view_days;         /* views in these days before as-of are the customer's interests
                            and make the co-view counts (90) */
  int n_threads;         /* 0: all cores; results never depend on it */
  bool no_rules;         /* a fit for recommendations and similar values only: no association
                            rules (patron_recommender_rules then gives none); the
                            recommendations do not depend on them */
} patron_recommend_options;

PATRON_API void patron_recommend_options_init(patron_recommend_options *opts);
/* "item", "category", "brand" -> level; false for anything else. */
PATRON_API bool patron_reco_level_parse(const char *s, patron_reco_level *out);

/* A fitted recommender: baskets, counts, rules, similar values, segment favourites. It
 * borrows the dataset (which must outlive it). */
typedef struct patron_recommender patron_recommender;

/* Fits on the dataset's purchases and views before opts->as_of_day. The dataset must be
 * loaded with keep_lines (PATRON_ERR_USAGE otherwise, and for options out of range);
 * PATRON_ERR_INPUT when the order lines have no value at the level (no item_id column...).
 * Returns PATRON_OK, PATRON_ERR_USAGE, PATRON_ERR_INPUT, PATRON_ERR_NOMEM.
 * Free with patron_recommender_free. */
PATRON_API patron_status patron_recommender_fit(const patron_dataset *ds,
                                                const patron_recommend_options *opts,
                                                patron_recommender **out, patron_error *err);
PATRON_API void patron_recommender_free(patron_recommender *m);

/* Counts behind the fit: baskets (purchases with a value at the level), distinct values
 * bought, rules kept. */
typedef struct patron_recommender_stats {
  size_t baskets, values, rules, view_days;
} patron_recommender_stats;
PATRON_API void patron_recommender_stats_get(const patron_recommender *m,
                                             patron_recommender_stats *out);

/* rules.csv: antecedent, consequent, support, confidence, lift, orders, sorted per SPEC 18.
 * *out is the caller's (patron_table_free); its strings live as long as m. */
PATRON_API patron_status patron_recommender_rules(const patron_recommender *m, patron_table **out,
                                                  patron_error *err);
/* similar.csv: value, similar, score, rank (rank 1 = most similar; at most k per value). */
PATRON_API patron_status patron_recommender_similar(const patron_recommender *m, patron_table **out,
                                                    patron_error *err);

/* recommendations.csv for the given dataset customers (indexes; NULL = every customer of
 * the profile as of the fit day, in customer_id order): customer_id, rank, value, score,
 * reason, at most k rows per customer (k <= 0: the fit's k). The library call behind
 * `audience --recommend K` and trigger rules with "recommend": K. */
PATRON_API patron_status patron_recommend_customers(const patron_recommender *m,
                                                    const uint32_t *customers, size_t n_customers,
                                                    int k, patron_table **out, patron_error *err);

/* One customer's recommended values (at most k, best first) joined by `|` into buf (cap
 * bytes, NUL-terminated; cut at a value boundary when short). Returns the count. It
 * allocates a scratch of the level's size per call: for many customers, use
 * patron_recommend_customers once. */
PATRON_API size_t patron_recommend_join(const patron_recommender *m, uint32_t customer, int k,
                                        char *buf, size_t cap);

/* Time-split evaluation (--evaluate-days D): fit as of (as_of - D), recommend k values to
 * each customer with a purchase in [as_of - D, as_of), score against the values they
 * bought then; the same for the popularity baseline (the k values bought by the most
 * customers before the split, ties bytewise, nothing excluded). */
typedef struct patron_reco_scores {
  double hit_rate, precision, recall, coverage;
} patron_reco_scores;

typedef struct patron_recommend_eval {
  int32_t split_day, as_of_day;
  int days, k;
  size_t customers;         /* customers with a purchase in the window */
  size_t catalogue;         /* distinct values bought before the split */
  patron_reco_scores model; /* the recommender */
  patron_reco_scores popular;
} patron_recommend_eval;

PATRON_API patron_status patron_recommend_evaluate(const patron_dataset *ds,
                                                   const patron_recommend_options *opts, int days,
                                                   patron_recommend_eval *out, patron_error *err);

/* recommend.json: the evaluation with its options. Returns a string to free(), NULL when
 * memory runs out. */
PATRON_API char *patron_recommend_eval_to_json(const patron_recommend_eval *e,
                                               const patron_recommend_options *opts);

#endif
