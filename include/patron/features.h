/* Point-in-time customer features for churn and propensity models: per customer, figures
 * computed from that customer's rows dated before a cut-off day C (00:00) and nothing else
 * (SPEC section 2's as-of rule), so no future row can leak into a feature. A feature schema
 * fixes the columns (numeric features, one-hot categorical levels) at training time and
 * encodes any later feature set the same way. See docs/CHURN.md for the feature list. */
#ifndef PATRON_FEATURES_H
#define PATRON_FEATURES_H

#include "patron/dataset.h"
#include "patron/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Feature groups: which inputs a feature needs. A schema records the groups it was
 * trained with; scoring data must provide exactly those. */
enum {
  PATRON_FEATURES_ORDERS = 1u,  /* RFM, windows, trend, gaps, refunds (always) */
  PATRON_FEATURES_LINES = 2u,   /* category/brand breadth, channels, discounts (order lines) */
  PATRON_FEATURES_EVENTS = 4u,  /* views, carts, favorites (events file) */
  PATRON_FEATURES_MEMBERS = 8u, /* membership days, gender, city, age band (customers file) */
  PATRON_FEATURES_CLV = 16u     /* BG/NBD P(alive) and expected purchases, fitted as of C */
};

typedef enum patron_population {
  PATRON_POPULATION_PURCHASERS, /* customers with a purchase before C (churn) */
  PATRON_POPULATION_ALL         /* + members, refund-only and event-only customers known
                                   before C (propensity), as profile rows are chosen */
} patron_population;

typedef struct patron_features_options {
  int32_t cutoff_day;   /* C: only rows timed before C 00:00 are read */
  int32_t horizon_days; /* H for the BG/NBD expected purchases in [C, C + H) */
  patron_population population;
  bool clv;                 /* fit BG/NBD as of C and add its outputs */
  const double *clv_params; /* BG/NBD r, alpha, a, b (time in weeks) to use instead of
                               fitting (a saved model's), or NULL */
  int n_threads;            /* 0: all cores; results never depend on it */
} patron_features_options;

PATRON_API void patron_features_options_init(patron_features_options *o);

typedef struct patron_features patron_features;

/* Computes the raw features of every customer in the population as of opts->cutoff_day.
 * Groups present: orders always; lines when the dataset kept them; events and members
 * when those files were loaded; clv when asked (a BG/NBD fit that fails leaves its two
 * features empty (NaN) and a note, see patron_features_note). The dataset must outlive
 * *out (category labels point into it). Errors: PATRON_ERR_DOMAIN when no customer is
 * in the population before the cut-off; PATRON_ERR_USAGE for bad options; NOMEM.
 * Free with patron_features_free. */
PATRON_API patron_status patron_features_compute(const patron_dataset *ds,
                                                 const patron_features_options *opts,
                                                 patron_features **out, patron_error *err);
PATRON_API void patron_features_free(patron_features *f);

PATRON_API size_t patron_features_n_rows(const patron_features *f);
/* Row -> dataset customer index (ascending, so rows are in customer_id order). */
PATRON_API const uint32_t *patron_features_customers(const patron_features *f);
PATRON_API int32_t patron_features_cutoff(const patron_features *f);
PATRON_API unsigned patron_features_groups(const patron_features *f);
/* A numeric feature's column (n_rows values, NaN = none) by name, or NULL when unknown. */
PATRON_API const double *patron_features_numeric(const patron_features *f, const char *name);
/* The BG/NBD parameters used (r, alpha, a, b; weeks); false when there are none. */
PATRON_API bool patron_features_clv_params(const patron_features *f, double params[4]);
/* Why the BG/NBD features are empty, or NULL. */
PATRON_API const char *patron_features_note(const patron_features *f);

/* ---- Schema: the model's columns ------------------------------------------------------- */

typedef struct patron_feature_schema patron_feature_schema;

/* Builds the schema from the training feature sets (same groups each): every numeric
 * feature of those groups, and per categorical feature the levels seen in at least
 * min_share of the rows, the max_levels most frequent (ties by name), plus "(other)".
 * Errors: PATRON_ERR_USAGE (no sets, groups differ); NOMEM. Free with
 * patron_feature_schema_free. */
PATRON_API patron_status patron_feature_schema_fit(const patron_features *const *sets,
                                                   size_t n_sets, int max_levels, double min_share,
                                                   patron_feature_schema **out, patron_error *err);
PATRON_API void patron_feature_schema_free(patron_feature_schema *s);
PATRON_API size_t patron_feature_schema_n_columns(const patron_feature_schema *s);
/* Column name: a numeric feature's name or "feature=level" for one-hot columns. */
PATRON_API const char *patron_feature_schema_column(const patron_feature_schema *s, size_t i);
/* Heavy-tailed numeric columns (counts, money): linear models take asinh() of them. */
PATRON_API bool patron_feature_schema_heavy(const patron_feature_schema *s, size_t i);
PATRON_API unsigned patron_feature_schema_groups(const patron_feature_schema *s);

/* Encodes f into out (n_rows x n_columns floats, row-major; NaN = missing). Errors:
 * PATRON_ERR_INPUT when f's groups differ from the schema's (the message names the
 * inputs that are missing or extra). */
PATRON_API patron_status patron_feature_schema_encode(const patron_feature_schema *s,
                                                      const patron_features *f, float *out,
                                                      patron_error *err);

/* JSON text of the schema (malloc'ed; free()); NULL when memory runs out. */
PATRON_API char *patron_feature_schema_to_json(const patron_feature_schema *s);
/* Errors: PATRON_ERR_INPUT naming what is wrong. */
PATRON_API patron_status patron_feature_schema_from_json(const char *text,
                                                         patron_feature_schema **out,
                                                         patron_error *err);

#endif
