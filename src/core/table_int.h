/* Internal table helpers for models: fetch a required input column by name and type. */
#ifndef PATRON_TABLE_INT_H
#define PATRON_TABLE_INT_H

#include "core/core_int.h"
#include "patron/table.h"

/* Data of column `name` of `type`, or NULL with an error naming the missing column and the
 * step (`needed_by`) that needs it. */
void *patron__column_data(const patron_table *t, const char *name, patron_col_type type,
                          const char *needed_by, patron_error *err);

/* A view of t for a stage that runs beside others (src/ops/pipeline.c): a table whose first
 * columns are t's as they are now (shared, not copied: they must not change while the view
 * lives), to which the stage adds its own. NULL when out of memory. Free it with
 * patron_table_free (which frees only the view's own columns). */
patron_table *patron__table_view(const patron_table *t);
/* Moves the columns the view added (and what they own) into t, placed where t's columns
 * stood when the view was made: before any column t gained since. The view keeps only
 * the shared columns. Errors: PATRON_ERR_INTERNAL (a name already in t), PATRON_ERR_NOMEM
 * (then nothing moved). */
patron_status patron__table_adopt(patron_table *t, patron_table *view, patron_error *err);

#endif
