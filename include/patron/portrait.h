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

#endif
