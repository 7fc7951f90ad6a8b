/* Audiences (SPEC section 8): the customers of a profile that a condition of the expression
 * language selects, minus a suppression list, optionally only those reachable on a channel,
 * ordered and capped; and a table of the chosen columns for those rows. */
#ifndef PATRON_AUDIENCE_H
#define PATRON_AUDIENCE_H

#include "patron/dataset.h"
#include "patron/expr.h"
#include "patron/profile.h"

typedef struct patron_audience_options {
  const char *where;          /* required: a condition (SPEC section 6) */
  const char *order_by;       /* a profile column, or NULL: customer_id order */
  bool order_desc;            /* ties stay in customer_id order */
  size_t limit;               /* 0: no limit; applied last */
  const char *const *exclude; /* ids to drop (a suppression list); unknown ids are ignored */
  size_t n_exclude;
  int64_t as_of;     /* the instant T of the expression; 0: the profile's as-of day */
  const char *label; /* names the expression in errors (NULL: "--where") */
  const patron_expr_function *functions; /* outside functions (previous(), moved()) or NULL */
  size_t n_functions;
} patron_audience_options;

PATRON_API void patron_audience_options_init(patron_audience_options *o);

typedef struct patron_audience {
  uint32_t *rows;    /* profile table rows, in output order */
  size_t n_rows;     /* after the limit */
  size_t n_selected; /* before the limit */
  size_t n_excluded; /* matched rows dropped by the suppression list */
} patron_audience;

/* Selects the audience. Expression errors are PATRON_ERR_USAGE with the caret message
 * (label "--where"); an unknown order_by column is PATRON_ERR_USAGE with a suggestion. */
PATRON_API patron_status patron_audience_select(const patron_profile *p, const patron_dataset *ds,
                                                const patron_audience_options *o,
                                                patron_audience *out, patron_error *err);
PATRON_API void patron_audience_free(patron_audience *a);

/* A new table (free with patron_table_free) of the given rows and columns of t, in that
 * order; column names and labels are borrowed from t (t must outlive it). An unknown column
 * is PATRON_ERR_USAGE naming it with a suggestion. */
PATRON_API patron_status patron_table_select_rows(const patron_table *t, const uint32_t *rows,
                                                  size_t n_rows, const char *const *columns,
                                                  size_t n_columns, patron_table **out,
                                                  patron_error *err);

#endif
