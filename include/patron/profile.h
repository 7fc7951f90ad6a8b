/* Profiles: one row per customer as of a date, with the figures and segmentations of
 * SPEC section 3. Built from a dataset; later models append columns to its table. */
#ifndef PATRON_PROFILE_H
#define PATRON_PROFILE_H

#include "patron/dataset.h"
#include "patron/table.h"

typedef struct patron_profile_options {
  int32_t as_of_day;           /* PATRON_NO_DAY: the dataset's load as-of, else the day after the
                                  latest order date */
  int bins;                    /* score bins (SPEC: 5); 2..9 so rfm_cell stays three digits */
  bool median_threshold;       /* rfm_class cuts at medians instead of means */
  double abc_a_pct, abc_b_pct; /* 15, 20 */
  int new_days, active_days, silent_days, dormant_days; /* 30, 90, 180, 365 */
  int n_threads; /* 0: all online cores (the pipeline passes the run's); results never depend on it
                  */
} patron_profile_options;

PATRON_API void patron_profile_options_init(patron_profile_options *opts);

typedef struct patron_profile patron_profile;

/* Builds the profile table: customer_id, first_purchase, last_purchase, recency_days,
 * frequency, monetary, avg_order_value, tenure_days, r_score, f_score, m_score, rfm_cell,
 * rfm_score, rfm_class, segment, value_quadrant, abc_class, lifecycle. Rows: customers
 * with an order row before as-of, members who signed up before it (or whose signup date is
 * unknown), and customers with events before it; sorted by customer_id. */
PATRON_API patron_status patron_profile_build(const patron_dataset *ds,
                                              const patron_profile_options *opts,
                                              patron_profile **out, patron_error *err);
PATRON_API void patron_profile_free(patron_profile *p);

/* The two halves of patron_profile_build, for the pipeline: the rows and base figures
 * (customer_id .. tenure_days) as of a day (PATRON_NO_DAY: patron_dataset_default_as_of),
 * then the SPEC segmentations (r_score .. lifecycle, models/segment) by opts. */
PATRON_API patron_status patron_profile_base(const patron_dataset *ds, int32_t as_of_day,
                                             patron_profile **out, patron_error *err);
PATRON_API patron_status patron_profile_segment(patron_profile *p,
                                                const patron_profile_options *opts,
                                                patron_error *err);

PATRON_API patron_table *patron_profile_table(patron_profile *p);
PATRON_API const patron_table *patron_profile_table_const(const patron_profile *p);
PATRON_API int32_t patron_profile_as_of(const patron_profile *p);
/* Row -> dataset customer index. */
PATRON_API const uint32_t *patron_profile_customers(const patron_profile *p);

/* Headline figures for summary.json. */
typedef struct patron_profile_stats {
  size_t customers, purchasers;
  patron_money revenue;       /* sum of monetary over purchasers */
  double top20_revenue_share; /* revenue of the top ceil(20%) purchasers by monetary / revenue */
  double silent_share;        /* purchasers with recency_days > 180, / purchasers */
} patron_profile_stats;

PATRON_API void patron_profile_stats_get(const patron_profile *p, patron_profile_stats *out);

#endif
