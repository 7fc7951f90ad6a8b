/* Internals of the profile table (core/profile.c) for drivers that compute the base
 * figures elsewhere and assemble the rows themselves: the MPI driver gathers every rank's
 * base rows (customer_id .. tenure_days) and builds one profile from them (docs/SCALE.md). */
#ifndef PATRON_CORE_PROFILE_INT_H
#define PATRON_CORE_PROFILE_INT_H

#include "core/core_int.h"
#include "patron/profile.h"

/* The base columns' data, in table order (customer_id .. tenure_days). */
typedef struct base_columns {
  const char **id;
  int32_t *first, *last;
  int64_t *recency, *frequency, *tenure;
  patron_money *monetary, *aov;
} base_columns;

/* A profile of n_rows rows as of a day with the base columns added (every cell "none") and
 * their data in *cols for the caller to fill; ids are not copied (they must outlive the
 * profile). No dataset stands behind its rows (patron_profile_customers is NULL): only
 * stages that read the table may run on it. Errors: PATRON_ERR_NOMEM. */
patron_status patron__profile_new_base(size_t n_rows, int32_t as_of, base_columns *cols,
                                       patron_profile **out, patron_error *err);

/* A view of p for stages that run beside others (src/ops/pipeline.c): the same rows, as-of
 * and customers, a view of p's table (core/table_int.h) to which the stages add their
 * columns. Errors: PATRON_ERR_NOMEM. */
patron_status patron__profile_view(const patron_profile *p, patron_profile **out,
                                   patron_error *err);
/* Moves the view's columns into p where p's columns stood when the view was made, then
 * frees the view (also on error: its own columns with it). Errors: those of
 * patron__table_adopt. */
patron_status patron__profile_adopt(patron_profile *p, patron_profile *view, patron_error *err);

#endif
