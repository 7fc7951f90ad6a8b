/* Internal table helpers for models: fetch a required input column by name and type. */
#ifndef PATRON_TABLE_INT_H
#define PATRON_TABLE_INT_H

#include "core/core_int.h"
#include "patron/table.h"

/* Data of column `name` of `type`, or NULL with an error naming the missing column and the
 * step (`needed_by`) that needs it. */
void *patron__column_data(const patron_table *t, const char *name, patron_col_type type,
                          const char *needed_by, patron_error *err);

#endif
