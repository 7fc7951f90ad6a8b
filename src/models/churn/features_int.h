/* Internal layout of the point-in-time feature sets shared by features.c (computation) and
 * features_schema.c (schema, one-hot encoding). Not part of the public API. */
#ifndef PATRON_MODELS_FEATURES_INT_H
#define PATRON_MODELS_FEATURES_INT_H

#include "core/core_int.h"
#include "patron/features.h"

#include <jansson.h>
#include <string.h>

/* Numeric features, in column order. */
#define PATRON__NUMERIC_FEATURES(X)                                                                \
  X(F_RECENCY, "recency_days", PATRON_FEATURES_ORDERS, 1)                                          \
  X(F_FREQUENCY, "frequency", PATRON_FEATURES_ORDERS, 1)                                           \
  X(F_MONETARY, "monetary", PATRON_FEATURES_ORDERS, 1)                                             \
  X(F_AOV, "avg_order_value", PATRON_FEATURES_ORDERS, 1)                                           \
  X(F_TENURE, "tenure_days", PATRON_FEATURES_ORDERS, 0)                                            \
  X(F_RSCORE, "r_score", PATRON_FEATURES_ORDERS, 0)                                                \
  X(F_FSCORE, "f_score", PATRON_FEATURES_ORDERS, 0)                                                \
  X(F_MSCORE, "m_score", PATRON_FEATURES_ORDERS, 0)                                                \
  X(F_P30, "purchases_30d", PATRON_FEATURES_ORDERS, 1)                                             \
  X(F_P90, "purchases_90d", PATRON_FEATURES_ORDERS, 1)                                             \
  X(F_P180, "purchases_180d", PATRON_FEATURES_ORDERS, 1)                                           \
  X(F_P365, "purchases_365d", PATRON_FEATURES_ORDERS, 1)                                           \
  X(F_S30, "spend_30d", PATRON_FEATURES_ORDERS, 1)                                                 \
  X(F_S90, "spend_90d", PATRON_FEATURES_ORDERS, 1)                                                 \
  X(F_S180, "spend_180d", PATRON_FEATURES_ORDERS, 1)                                               \
  X(F_S365, "spend_365d", PATRON_FEATURES_ORDERS, 1)                                               \
  X(F_PTREND, "purchase_trend_90d", PATRON_FEATURES_ORDERS, 0)                                     \
  X(F_STREND, "spend_trend_90d", PATRON_FEATURES_ORDERS, 0)                                        \
  X(F_GAP_MEAN, "gap_mean_days", PATRON_FEATURES_ORDERS, 1)                                        \
  X(F_GAP_SD, "gap_sd_days", PATRON_FEATURES_ORDERS, 1)                                            \
  X(F_RECENCY_GAP, "recency_gap_ratio", PATRON_FEATURES_ORDERS, 1)                                 \
  X(F_REFUND_SHARE, "refund_share", PATRON_FEATURES_ORDERS, 0)                                     \
  X(F_N_CATEGORIES, "n_categories", PATRON_FEATURES_LINES, 1)                                      \
  X(F_N_BRANDS, "n_brands", PATRON_FEATURES_LINES, 1)                                              \
  X(F_N_CHANNELS, "n_channels", PATRON_FEATURES_LINES, 0)                                          \
  X(F_DISCOUNT_SHARE, "discount_share", PATRON_FEATURES_LINES, 0)                                  \
  X(F_VIEWS7, "views_7d", PATRON_FEATURES_EVENTS, 1)                                               \
  X(F_VIEWS30, "views_30d", PATRON_FEATURES_EVENTS, 1)                                             \
  X(F_CARTS7, "carts_7d", PATRON_FEATURES_EVENTS, 1)                                               \
  X(F_CARTS30, "carts_30d", PATRON_FEATURES_EVENTS, 1)                                             \
  X(F_FAVS7, "favorites_7d", PATRON_FEATURES_EVENTS, 1)                                            \
  X(F_FAVS30, "favorites_30d", PATRON_FEATURES_EVENTS, 1)                                          \
  X(F_EVENTS30, "events_30d", PATRON_FEATURES_EVENTS, 1)                                           \
  X(F_ABANDONED30, "abandoned_carts_30d", PATRON_FEATURES_EVENTS, 1)                               \
  X(F_EVENT_RECENCY, "days_since_last_event", PATRON_FEATURES_EVENTS, 1)                           \
  X(F_MEMBER_DAYS, "member_days", PATRON_FEATURES_MEMBERS, 0)                                      \
  X(F_P_ALIVE, "bgnbd_p_alive", PATRON_FEATURES_CLV, 0)                                            \
  X(F_EXP_PURCHASES, "bgnbd_expected_purchases", PATRON_FEATURES_CLV, 1)

/* Categorical features (one-hot through the schema). */
#define PATRON__CATEGORICAL_FEATURES(X)                                                            \
  X(C_MAIN_CHANNEL, "main_channel", PATRON_FEATURES_LINES)                                         \
  X(C_GENDER, "gender", PATRON_FEATURES_MEMBERS)                                                   \
  X(C_CITY, "city", PATRON_FEATURES_MEMBERS)                                                       \
  X(C_AGE_BAND, "age_band", PATRON_FEATURES_MEMBERS)

enum {
#define PATRON_X(id, name, group, heavy) id,
  PATRON__NUMERIC_FEATURES(PATRON_X)
#undef PATRON_X
      PATRON__N_NUMERIC
};
enum {
#define PATRON_X(id, name, group) id,
  PATRON__CATEGORICAL_FEATURES(PATRON_X)
#undef PATRON_X
      PATRON__N_CATEGORICAL
};

typedef struct patron__feature_def {
  const char *name;
  unsigned group;
  bool heavy;
} patron__feature_def;

extern const patron__feature_def patron__numeric_defs[PATRON__N_NUMERIC];
extern const patron__feature_def patron__categorical_defs[PATRON__N_CATEGORICAL];

/* Label of a categorical code: "(none)" for the empty value. */
#define PATRON__LEVEL_NONE  "(none)"
#define PATRON__LEVEL_OTHER "(other)"

struct patron_features {
  size_t n_rows;
  int32_t cutoff;
  unsigned groups;
  uint32_t *customer;
  /* column-major: feature k's value for row i is num[at[k] * n_rows + i] (NaN = none); the
   * features of groups not computed share one column of NaN (patron__features_col) */
  double *num;
  uint8_t at[PATRON__N_NUMERIC];
  uint32_t *cat;                              /* column-major codes: cat[k * n_rows + i] */
  const char **labels[PATRON__N_CATEGORICAL]; /* labels[k][code] (owned array) */
  size_t n_labels[PATRON__N_CATEGORICAL];
  double clv_params[4]; /* BG/NBD r, alpha, a, b (weeks) when clv_fitted */
  bool clv_fitted;
  char note[256];
};

/* Numeric feature k's column (n_rows values). */
static inline double *patron__features_col(const patron_features *f, int k) {
  return f->num + (size_t)f->at[k] * f->n_rows;
}

/* Key of a double such that unsigned order = numeric order (no NaN; -0 == +0), for
 * patron__radix_sort. */
static inline uint64_t patron__double_key(double v) {
  uint64_t b;
  if (v == 0)
    v = 0;
  memcpy(&b, &v, sizeof b);
  return (b >> 63) ? ~b : b | (1ull << 63);
}

/* Rank groups: for each of n rows with keys, the number of rows with a strictly smaller
 * key (ties share it), by a stable radix sort. keys are consumed. false on OOM. */
bool patron__count_below(uint64_t *keys, size_t n, uint32_t *below);

/* The global counts of a distributed run (the MPI backend, docs/SCALE.md section 9), where
 * one dataset holds some customers only: the rank scores count over every part's customers.
 * count: below[j] = the customers of every part with a key strictly smaller than keys[j]
 * (keys are not consumed), *n_total = the customers with a key in every part; sum: *v
 * summed over the parts. Both are collective (every part calls them in the same order)
 * and return false on every part when one runs out of memory. */
typedef struct patron__rank_counter {
  bool (*count)(void *ctx, const uint64_t *keys, size_t n, uint32_t *below, size_t *n_total);
  bool (*sum)(void *ctx, size_t *v);
  void *ctx;
} patron__rank_counter;

/* patron_features_compute over one part of a distributed run (rc NULL: the whole data). */
patron_status patron__features_compute_with(const patron_dataset *ds,
                                            const patron_features_options *o,
                                            const patron__rank_counter *rc, patron_features **out,
                                            patron_error *err);

/* Encoding feature set f with schema s (the groups checked, each categorical code's column
 * found once); patron__encoding_rows writes rows [lo, hi) as hi - lo rows of
 * patron_feature_schema_n_columns(s) floats from out, and may run on several threads at
 * once. Errors of init as patron_feature_schema_encode's; free with patron__encoding_free
 * (after a failed init too). */
typedef struct patron__encoding {
  const patron_feature_schema *s;
  const patron_features *f;
  size_t *maps[PATRON__N_CATEGORICAL]; /* categorical column c's code -> matrix column */
} patron__encoding;
patron_status patron__encoding_init(patron__encoding *e, const patron_feature_schema *s,
                                    const patron_features *f, patron_error *err);
void patron__encoding_rows(const patron__encoding *e, size_t lo, size_t hi, float *out);
void patron__encoding_free(patron__encoding *e);

/* Schema <-> JSON objects (for embedding in a model's schema.json). */
json_t *patron__feature_schema_json(const patron_feature_schema *s);
patron_status patron__feature_schema_parse(json_t *o, patron_feature_schema **out,
                                           patron_error *err);

/* Text of the groups in a mask, e.g. "orders, events" (static buffer per call site). */
const char *patron__groups_text(unsigned groups, char *buf, size_t cap);

#endif
