/* Internal pieces of the report figures (report_data.c, report_matrices.c). */
#ifndef PATRON_OPS_REPORT_INT_H
#define PATRON_OPS_REPORT_INT_H

#include "patron/report.h"

#include <jansson.h>

/* A cell as a double: NaN for "none"; money in currency units; dates as day numbers;
 * categories as their code. */
double patron__report_num(const patron_column *c, size_t row);

/* Each returns a new JSON value, or json_null() when its columns are missing; NULL only when
 * out of memory. */
json_t *patron__report_palive(const patron_table *t);
json_t *patron__report_churn_bands(const patron_table *t);
json_t *patron__report_clusters(const patron_table *t);
json_t *patron__report_movements(const patron_report_input *in, const char *by);
json_t *patron__report_cohorts(const patron_report_input *in);
/* The portrait per rfm_class (report_portrait.c). */
json_t *patron__report_portrait(const patron_report_input *in);

#endif
