/* The SPEC section 3 segmentations computed from merged partial summaries (docs/MERGE.md,
 * docs/SCALE.md): what the streaming contract (`patron map | sort | patron reduce |
 * patron finalize`) and the MPI backend use so that any split of the customers gives the
 * profiles of `patron analyze --spec-only`, value for value.
 *
 *   pass 1  every part adds its customers' base figures to a partial (exact integer
 *           histograms of last_purchase and frequency, exact sums, money counted in 131,072
 *           order-preserving log-linear buckets); partials merge by adding (any order).
 *   plan    the merged partial gives as_of, the R and F score tables, the means (or
 *           medians) and, for every money rank a figure needs (m_score cuts, median, the
 *           abc cuts, the top-20% revenue cut), the bucket holding it.
 *   pass 2  every part adds its customers whose monetary falls in a selected bucket to a
 *           refine (monetary and customer_id); refines merge by adding their entries.
 *   finish  the merged refine gives each wanted rank's exact value, the abc cut ids among
 *           ties and the exact top-20% revenue; then every part labels its own customers.
 * Only integers cross a merge; the thresholds are computed by the formulas of the in-memory
 * models (models/segment), so the result cannot depend on the split. */
#ifndef PATRON_MODELS_SEG_MERGE_H
#define PATRON_MODELS_SEG_MERGE_H

#include "core/core_int.h"
#include "patron/profile.h"

/* A customer's base figures, independent of the as-of date (orders after it excluded). */
typedef struct patron__seg_customer {
  int32_t first_day, last_day; /* first and last purchase; PATRON_NO_DAY without purchase */
  int64_t frequency;           /* purchases; 0 = no purchase (a prospect row) */
  patron_money monetary, aov;  /* sum of amounts; monetary / frequency rounded (purchasers) */
} patron__seg_customer;

/* The base figures of one customer from its orders (value, time) in any order:
 * order_day[i] is the day of order i, value[i] its value. */
void patron__seg_customer_of(const int32_t *order_day, const patron_money *value, size_t n,
                             patron__seg_customer *out);

/* ---- pass 1 ------------------------------------------------------------------------- */
typedef struct patron__seg_partial patron__seg_partial;
patron__seg_partial *patron__seg_partial_new(void);
void patron__seg_partial_free(patron__seg_partial *p);
/* Adds a customer row (purchaser or not); false when memory runs out. */
bool patron__seg_partial_add(patron__seg_partial *p, const patron__seg_customer *c);
/* Notes the latest order day seen (any value, refunds included): the default as-of is the
 * day after the latest over all parts. */
void patron__seg_partial_note_day(patron__seg_partial *p, int32_t day);
/* acc += src; false when memory runs out. */
bool patron__seg_partial_merge(patron__seg_partial *acc, const patron__seg_partial *src);
/* The partial as one line of tab-separated fields (no newline), malloc'ed; NULL on OOM. */
char *patron__seg_partial_format(const patron__seg_partial *p, size_t *len);
/* Parses a formatted partial and adds it to p. Errors: PATRON_ERR_INPUT (malformed),
 * PATRON_ERR_NOMEM. */
patron_status patron__seg_partial_parse(patron__seg_partial *p, const char *text, size_t len,
                                        patron_error *err);
uint64_t patron__seg_partial_customers(const patron__seg_partial *p);

/* ---- plan, pass 2, finish -------------------------------------------------------------- */
typedef struct patron__seg_plan patron__seg_plan;
/* Checks the options as patron_profile_segment does. Errors: PATRON_ERR_USAGE (options),
 * PATRON_ERR_DOMAIN (no order and no --as-of), PATRON_ERR_NOMEM. */
patron_status patron__seg_plan_new(const patron__seg_partial *merged,
                                   const patron_profile_options *o, patron__seg_plan **out,
                                   patron_error *err);
void patron__seg_plan_free(patron__seg_plan *plan);
int32_t patron__seg_plan_as_of(const patron__seg_plan *plan);

typedef struct patron__seg_refine patron__seg_refine;
patron__seg_refine *patron__seg_refine_new(const patron__seg_plan *plan);
void patron__seg_refine_free(patron__seg_refine *r);
/* Adds a customer (ignored unless its monetary is in a selected bucket); false on OOM. */
bool patron__seg_refine_add(patron__seg_refine *r, const char *id, size_t id_len,
                            const patron__seg_customer *c);
/* acc += src (the entries of both); false on OOM. */
bool patron__seg_refine_merge(patron__seg_refine *acc, const patron__seg_refine *src);
/* Entries for shipping between processes: entry i's monetary and id. */
size_t patron__seg_refine_count(const patron__seg_refine *r);
void patron__seg_refine_entry(const patron__seg_refine *r, size_t i, patron_money *monetary,
                              const char **id, size_t *id_len);
/* Fixes the exact cuts from the merged refine. Errors: PATRON_ERR_INPUT (the refine does not
 * match pass 1: the parts changed between the passes), PATRON_ERR_NOMEM. */
patron_status patron__seg_plan_finish(patron__seg_plan *plan, patron__seg_refine *merged,
                                      patron_error *err);

/* ---- labels ---------------------------------------------------------------------------- */
typedef struct patron__seg_labels {
  int64_t recency, tenure;                   /* PATRON_NULL_INT for a prospect */
  int64_t r, f, m, cell, score;              /* scores, rfm_cell, rfm_score; PATRON_NULL_INT */
  int32_t rfm_class, segment, quadrant, abc; /* category codes; -1 = empty */
  int32_t lifecycle;
} patron__seg_labels;
void patron__seg_label(const patron__seg_plan *plan, const char *id, size_t id_len,
                       const patron__seg_customer *c, patron__seg_labels *out);
/* The summary.json figures (customers, purchasers, revenue, top-20% share, silent share). */
void patron__seg_plan_stats(const patron__seg_plan *plan, patron_profile_stats *out);

#endif
