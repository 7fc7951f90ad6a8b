/* Repurchase cycles: per customer (and per customer and category) the median gap between
 * purchase days, the next expected purchase date and whether it is due, plus a category
 * report (median cycle, repeat buyers, share returning within twice the cycle).
 * Definitions (a SPEC extension): docs/REPURCHASE.md. */
#ifndef PATRON_REPURCHASE_H
#define PATRON_REPURCHASE_H

#include "patron/dataset.h"
#include "patron/profile.h"
#include "patron/table.h"

/* Codes of the repurchase_status column, in label order: due, overdue, not_due, unknown. */
typedef enum patron_repurchase_status {
  PATRON_REPURCHASE_DUE = 0,     /* expected date in [as_of, as_of + due_days) */
  PATRON_REPURCHASE_OVERDUE = 1, /* expected date before as_of */
  PATRON_REPURCHASE_NOT_DUE = 2, /* expected date on or after as_of + due_days */
  PATRON_REPURCHASE_UNKNOWN = 3  /* fewer than 2 purchase days (and no fallback cycle) */
} patron_repurchase_status;

typedef struct patron_repurchase_options {
  int32_t as_of_day; /* PATRON_NO_DAY: the dataset's load as-of, else the day after the
                        latest order date (as profiles do) */
  int due_days;      /* 14: due when the expected date is within [as_of, as_of + due_days) */
  bool fallback;     /* customers with one purchase day take the median cycle of all
                        customers (of the category, per category) and are flagged in a
                        repurchase_cycle_source column (own / fallback) */
  int n_threads;     /* 0: all online cores; results never depend on it */
} patron_repurchase_options;

PATRON_API void patron_repurchase_options_init(patron_repurchase_options *opts);

/* Appends to the profile table, as of the profile's date (opts->as_of_day is ignored):
 * repurchase_cycle_days (double, 2 decimals: cycles are whole, half or quarter days),
 * next_purchase_date (date), repurchase_due (int 1/0), repurchase_status (category
 * due/overdue/not_due/unknown, a segmentation),
 * and with opts->fallback repurchase_cycle_source (own/fallback). Needs only orders.
 * Rows without a purchase keep every column empty. Errors: PATRON_ERR_USAGE (bad
 * due_days, columns already present), PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_repurchase_profile(patron_profile *p, const patron_dataset *ds,
                                                   const patron_repurchase_options *opts,
                                                   patron_error *err);

/* The per-customer report: a new table (free with patron_table_free; its string columns
 * borrow the dataset's strings, so free it before the dataset) with one row per customer
 * having a purchase before as-of, by customer_id: customer_id, purchase_days,
 * first_purchase, last_purchase, repurchase_cycle_days, next_purchase_date, days_to_next,
 * repurchase_due, repurchase_status [, repurchase_cycle_source]. *as_of receives the day
 * used (may be NULL). PATRON_ERR_DOMAIN when no as-of day can be chosen. */
PATRON_API patron_status patron_repurchase_customers(const patron_dataset *ds,
                                                     const patron_repurchase_options *opts,
                                                     patron_table **out, int32_t *as_of,
                                                     patron_error *err);

/* Per customer and category, from order lines with amount > 0 and a category (the dataset
 * must be loaded with keep_lines, else PATRON_ERR_USAGE). *pairs: one row per (customer,
 * category) with a purchase day, by customer_id then category (byte order): customer_id,
 * category, then the per-customer report's columns. *report: one row per category with a
 * buyer, by category: category, buyers, repeat_buyers, repeat_share, median_cycle_days,
 * first_gap_within_2x_share, observed_buyers, returned_within_2x,
 * returned_within_2x_share, due, overdue (see docs/REPURCHASE.md). Both tables borrow the
 * dataset's strings; free them with patron_table_free before the dataset. */
PATRON_API patron_status patron_repurchase_categories(const patron_dataset *ds,
                                                      const patron_repurchase_options *opts,
                                                      patron_table **pairs, patron_table **report,
                                                      patron_error *err);

#endif
