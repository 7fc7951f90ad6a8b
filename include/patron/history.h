/* The store's history in expressions (SPEC sections 6 and 10): the outside functions
 * previous(column) — the column's value in the store's latest snapshot before the as-of — and
 * moved(column) — 'up', 'down' or 'same' between previous(column) and now by the
 * segmentation's order ('changed' where the values have no order), null when either is null.
 * Register them in a patron_expr_env (patron_expr_env.functions). */
#ifndef PATRON_HISTORY_H
#define PATRON_HISTORY_H

#include "patron/expr.h"
#include "patron/store.h"
#include "patron/table.h"

typedef struct patron_history patron_history;

/* A history for expressions over `current` (rows in customer_id byte order) as of as_of_day:
 * the snapshot used is the latest strictly before it (loaded when a function first needs it;
 * none, or store NULL: every previous() is null). store and current must outlive it. Free
 * with patron_history_free after the expressions that use it. */
PATRON_API patron_status patron_history_new(patron_store *store, const patron_table *current,
                                            int32_t as_of_day, patron_history **out,
                                            patron_error *err);
PATRON_API void patron_history_free(patron_history *h);

/* Fills out[0] (previous) and out[1] (moved) for patron_expr_env.functions; returns 2. */
PATRON_API size_t patron_history_functions(patron_history *h, patron_expr_function out[2]);

/* The as-of day of the snapshot previous() reads (PATRON_NO_DAY when none). */
PATRON_API int32_t patron_history_snapshot_day(patron_history *h);

#endif
