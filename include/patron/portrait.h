/* Relationship stage and loyalty (SPEC section 17): the `stage` segmentation (exploration,
 * formation, stability, decline: 考察期, 形成期, 稳定期, 退化期) from the purchases of the two
 * windows before as-of, and `loyalty_score` / `loyalty` from the regularity of the gaps
 * between purchase days, repeat purchases, tenure and recency against the customer's own
 * cycle (docs/PORTRAIT.md). */
#ifndef PATRON_PORTRAIT_H
#define PATRON_PORTRAIT_H

#include "patron/dataset.h"
#include "patron/expr.h"
#include "patron/profile.h"

/* Appends `stage`: with recent = purchases in [as_of - days, as_of) and prior = purchases in
 * [as_of - 2 days, as_of - days): exploration when frequency = 1 or tenure_days < 90; else
 * formation when recent > 1.2 x prior; decline when recent < 0.8 x prior or recent = 0;
 * stability otherwise; empty for prospects. Needs frequency and tenure_days.
 * Errors: PATRON_ERR_USAGE for days < 1, PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_stage_add(patron_profile *p, const patron_dataset *ds, int days,
                                          patron_error *err);

/* One customer's loyalty from its distinct purchase days before as-of (ascending, n >= 1)
 * and the as-of day: a score in [0, 1] (docs/PORTRAIT.md). */
PATRON_API double patron_loyalty_score(const int32_t *days, size_t n, int32_t as_of);

/* Appends `loyalty_score` (4 decimals) and `loyalty` (high >= 0.6, medium >= 0.3, low below
 * for 2+ purchases; one_time for one; empty for prospects). Errors: PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_loyalty_add(patron_profile *p, const patron_dataset *ds,
                                            patron_error *err);

/* The time split of SPEC 17: features as of `day`, outcome a purchase (order value > 0) in
 * [day, day + horizon days); among customers with 2+ purchases before day, the ROC AUC of
 * loyalty_score, of frequency alone and of recency alone (lower recency_days ranks higher). */
typedef struct patron_loyalty_validation {
  int32_t day;
  int horizon_days;
  size_t customers, buyers; /* rows with 2+ purchases; those who bought in the horizon */
  double auc_loyalty, auc_frequency, auc_recency;
} patron_loyalty_validation;

/* Errors: PATRON_ERR_USAGE when no customer has 2+ purchases before day or when every one
 * (or none) bought in the horizon; those of the profile. */
PATRON_API patron_status patron_loyalty_validate(const patron_dataset *ds, int32_t day,
                                                 int horizon_days, patron_loyalty_validation *out,
                                                 patron_error *err);

/* The portrait of SPEC 17 (用户画像): one group (a condition) or one per value of a
 * segmentation, each against the base of all customers (docs/PORTRAIT.md). */
typedef struct patron_portrait_options {
  const char *where;      /* one group: a condition (SPEC 6); or */
  const char *by;         /* one group per value of a category column or gender/city/level */
  const char *group_name; /* the --where group's name; NULL: the expression's text */
  int window_days;        /* affinity: positive line amounts in [as_of - D, as_of) (365) */
  int n_threads;          /* 0: all online cores */
  const patron_expr_function *functions; /* outside functions of where (previous(), moved()) */
  size_t n_functions;
} patron_portrait_options;

PATRON_API void patron_portrait_options_init(patron_portrait_options *o);

typedef struct patron_portrait_group {
  const char *name, *name_zh; /* name_zh: the value's Chinese label, or NULL */
  size_t customers;
} patron_portrait_group;

typedef struct patron_portrait {
  size_t base_customers;
  patron_portrait_group *groups; /* in label order (--by) */
  size_t n_groups;
  /* portrait.csv: group,dimension,value,customers,share,base_customers,base_share,tgi;
   * rows group-major, then dimension (SPEC order), then value (label or dictionary order) */
  patron_table *portrait;
  const char **value_zh; /* per portrait row: the value's Chinese label, or NULL */
  /* affinity.csv: group,level,value,spend,spend_share,base_spend_share,tgi */
  patron_table *affinity;
  /* stats.csv: group,metric,customers,mean,p25,median,p75; the base first as group (all) */
  patron_table *stats;
} patron_portrait;

/* Builds the portrait of a profile (its table must outlive the result). Errors:
 * PATRON_ERR_USAGE for a bad --where (caret message) or an unknown --by (a suggestion),
 * PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_portrait_build(const patron_profile *p, const patron_dataset *ds,
                                               const patron_portrait_options *o,
                                               patron_portrait *out, patron_error *err);
/* The same over a bare profile table (e.g. a store snapshot) with --by only (a --where is
 * PATRON_ERR_USAGE): customers (row -> dataset customer) and ds may be NULL, leaving out the
 * members' dimensions, the affinity and age. */
PATRON_API patron_status patron_portrait_build_table(const patron_table *t,
                                                     const uint32_t *customers,
                                                     const patron_dataset *ds, int32_t as_of,
                                                     const patron_portrait_options *o,
                                                     patron_portrait *out, patron_error *err);
PATRON_API void patron_portrait_free(patron_portrait *pt);

/* The Chinese name of a portrait dimension, affinity level or stats metric, or NULL. */
PATRON_API const char *patron_portrait_name_zh(const char *name);

/* The q-quantile (0 <= q <= 1) of v[0..n) by linear interpolation between order
 * statistics (numpy's and pandas' default: position (n - 1) q); reorders v; NaN when n = 0. */
PATRON_API double patron_quantile_linear(double *v, size_t n, double q);

#endif
