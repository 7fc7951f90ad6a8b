/* Internals of the SPEC section 3 segmentations shared by the in-memory models and the
 * merged (streaming, MPI) path of docs/MERGE.md: each label as a function of a customer's
 * figures and the global cuts, and each category column with its labels. */
#ifndef PATRON_MODELS_SEGMENT_INT_H
#define PATRON_MODELS_SEGMENT_INT_H

#include "core/core_int.h"
#include "patron/table.h"

/* Named segment (SPEC 3 table order; the last code is `others`) of scores on 1..bins. */
int32_t patron__segment_code(int64_t r, int64_t f, int64_t m, int bins);
/* Lifecycle code: prospect, new, active, silent, dormant, churned. */
int32_t patron__lifecycle_code(bool purchaser, int64_t tenure, int64_t recency, int new_days,
                               int active_days, int silent_days, int dormant_days);
/* Value quadrant code: best, spender, frequent, uncertain. */
int32_t patron__quadrant_code(bool f_high, bool a_high);
/* ceil(pct% of n), exact on integers (abc_class shares). */
size_t patron__ceil_share(double pct, size_t n);

/* patron_rfm_scores with its three score columns computed on the executor (n_threads 0:
 * all online cores); the same scores for any thread count. */
patron_status patron__rfm_scores_on(patron_table *t, int bins, int n_threads, patron_error *err);

/* Add the category column with its English and Chinese labels (codes start null). */
patron_status patron__rfm_class_column(patron_table *t, int32_t **codes, patron_error *err);
patron_status patron__segment_column(patron_table *t, int32_t **codes, patron_error *err);
patron_status patron__quadrant_column(patron_table *t, int32_t **codes, patron_error *err);
patron_status patron__abc_column(patron_table *t, int32_t **codes, patron_error *err);
patron_status patron__lifecycle_column(patron_table *t, int32_t **codes, patron_error *err);

#endif
