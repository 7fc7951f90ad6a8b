/* The campaign plan (SPEC section 11): a campaign matrix (rows = a segmentation such as
 * lifecycle; campaigns with a group, channels in order of preference and a fit per row value)
 * turned into one campaign and channel per customer. docs/PLAN.md. */
#ifndef PATRON_PLAN_H
#define PATRON_PLAN_H

#include "patron/error.h"
#include "patron/table.h"
#include "patron/trigger.h"

#include <stddef.h>

typedef struct patron_plan_fit {
  char *value; /* a value of the rows segmentation */
  double fit;  /* >= 0; campaigns are chosen from fit >= 1 */
} patron_plan_fit;

typedef struct patron_plan_campaign {
  char *name, *group;
  char **channels;
  size_t n_channels;
  patron_plan_fit *fits;
  size_t n_fits;
} patron_plan_campaign;

typedef struct patron_plan_matrix {
  char *rows; /* the profile column whose value picks the campaign */
  patron_plan_campaign *campaigns;
  size_t n_campaigns;
} patron_plan_matrix;

/* Parses a matrix file's text (len bytes); `file` names it in errors (syntax errors with
 * line and column, others with the member path). PATRON_ERR_INPUT. Free with
 * patron_plan_matrix_free. */
PATRON_API patron_status patron_plan_matrix_parse(const char *text, size_t len, const char *file,
                                                  patron_plan_matrix **out, patron_error *err);
PATRON_API patron_status patron_plan_matrix_load(const char *path, patron_plan_matrix **out,
                                                 patron_error *err);
PATRON_API void patron_plan_matrix_free(patron_plan_matrix *m);

/* The default matrix of `patron plan init` (the seeds' item, brand and VIP campaigns by
 * active, silent, dormant and churned customers), NUL-terminated JSON. */
PATRON_API const char *patron_plan_matrix_default(void);

/* One customer's plan. */
typedef struct patron_plan_row {
  const char *row;     /* the rows value ("" when empty) */
  long campaign;       /* index into the matrix's campaigns, or -1 */
  double fit;          /* 0 without a campaign */
  const char *channel; /* the first reachable channel, or "none" */
} patron_plan_row;

/* For every row of table: the campaign with the highest fit >= 1 for its value of
 * m->rows (ties: file order) and its first channel the customer can be reached on (contact
 * and consent as for triggers; contacts may be NULL). row_customer maps table rows to
 * dataset customers. *out (malloc'ed, n_rows entries) points into table and m. A missing
 * rows column is PATRON_ERR_INPUT. */
PATRON_API patron_status patron_plan_compute(const patron_plan_matrix *m, const patron_table *table,
                                             const uint32_t *row_customer,
                                             const patron_contacts *contacts, patron_plan_row **out,
                                             patron_error *err);

/* plan.csv (customer_id,row,campaign,fit,channel) and plan_summary.csv
 * (row,campaign,customers; rows in first-seen order of the matrix's values, then others);
 * o (NULL: defaults) as for every CSV writer (--excel). */
PATRON_API patron_status patron_plan_write(const patron_plan_matrix *m, const patron_table *table,
                                           const patron_plan_row *plan, const char *dir,
                                           const patron_output_options *o, patron_error *err);

#endif
