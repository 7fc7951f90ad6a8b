/* The profile table: the hub every model reads from and appends to. A named-column table
 * with one row per customer; columns are typed arrays owned by the table. Writers (CSV,
 * JSON, segment report) are generic over it: adding a column never touches a writer.
 * "None" is a per-type sentinel: PATRON_NULL_INT, NaN, PATRON_NO_DAY, code -1, NULL. */
#ifndef PATRON_TABLE_H
#define PATRON_TABLE_H

#include "patron/error.h"
#include "patron/parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATRON_NULL_INT   INT64_MIN
#define PATRON_NULL_MONEY INT64_MIN
#define PATRON_NULL_CODE  (-1)
/* A double column's `decimals` for full precision (%.15g, or %.17g when needed to read back
 * the same double), for figures that other tools compare to many digits. */
#define PATRON_DECIMALS_EXACT (-1)
/* A double column's `decimals` for 10 significant digits (%.10g): whole numbers print as
 * integers, other values with up to 10 digits. */
#define PATRON_DECIMALS_SIG10 (-2)

typedef enum patron_col_type {
  PATRON_COL_INT,      /* int64_t */
  PATRON_COL_DOUBLE,   /* double, printed with `decimals` places */
  PATRON_COL_MONEY,    /* patron_money, printed with 2 decimals */
  PATRON_COL_DATE,     /* int32_t day number */
  PATRON_COL_CATEGORY, /* int32_t code into labels */
  PATRON_COL_STRING,   /* const char * (not owned: the dataset's strings, or copies made
                          with patron_table_intern) */
} patron_col_type;

typedef struct patron_column {
  const char *name;
  patron_col_type type;
  void *data;
  /* categories: labels[code]; alt_labels (e.g. Chinese names) may be NULL */
  const char *const *labels;
  const char *const *alt_labels;
  int32_t n_labels;
  int decimals;      /* doubles */
  bool segmentation; /* a category column that gets rows in segments.csv */
} patron_column;

typedef struct patron_table patron_table;

PATRON_API patron_table *patron_table_new(size_t n_rows);
PATRON_API void patron_table_free(patron_table *t);
PATRON_API size_t patron_table_n_rows(const patron_table *t);
PATRON_API size_t patron_table_n_columns(const patron_table *t);
PATRON_API const patron_column *patron_table_column(const patron_table *t, size_t i);
/* Column by name, or NULL. */
PATRON_API const patron_column *patron_table_find(const patron_table *t, const char *name);

/* Appends a column of n_rows elements filled with the type's "none" and returns its data
 * (owned by the table) through *data. A name already present is PATRON_ERR_USAGE.
 * `name` is copied (interned for the life of the process: a derived column's name may be
 * built at run time, e.g. a tag or a rule's name, or read back from a store, and the
 * column's name pointer stays valid even after the table is freed). */
PATRON_API patron_status patron_table_add(patron_table *t, const char *name, patron_col_type type,
                                          void **data, patron_error *err);
/* Appends a category column. Labels (and alt_labels, which may be NULL or hold NULL
 * entries) are copied like names: the caller's arrays may be freed after the call, and a
 * label pointer read from the column stays valid for the life of the process. */
PATRON_API patron_status patron_table_add_category(patron_table *t, const char *name,
                                                   const char *const *labels,
                                                   const char *const *alt_labels, int32_t n_labels,
                                                   bool segmentation, int32_t **codes,
                                                   patron_error *err);
/* A copy of s owned by the table (freed with it), for string cells whose text would not
 * outlive the table (a store read back, a computed label). NULL for s == NULL or when out
 * of memory. */
PATRON_API const char *patron_table_intern(patron_table *t, const char *s);
/* A new table with copies of the named columns of src, in the order given (all rows).
 * Errors: PATRON_ERR_USAGE naming a missing column, PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_table_select(const patron_table *src, const char *const *names,
                                             size_t n_names, patron_table **out, patron_error *err);
/* Sets the print precision of a double column. */
PATRON_API void patron_table_set_decimals(patron_table *t, const char *name, int decimals);

#endif
