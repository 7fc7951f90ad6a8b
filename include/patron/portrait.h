/* Relationship stage and loyalty (SPEC section 17): the `stage` segmentation (exploration,
 * formation, stability, decline: 考察期, 形成期, 稳定期, 退化期) from the purchases of the two
 * windows before as-of, and `loyalty_score` / `loyalty` from the regularity of the gaps
 * between purchase days, repeat purchases, tenure and recency against the customer's own
 * cycle (docs/PORTRAIT.md). */
#ifndef PATRON_PORTRAIT_H
#define PATRON_PORTRAIT_H

#include "patron/dataset.h"
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

#endif
