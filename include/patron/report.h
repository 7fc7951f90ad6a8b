/* The HTML report of SPEC section 14 and the web assets shared with the dashboard.
 * patron_report_data() summarises a profile table into the figures the charts draw (a
 * small JSON document: KPIs, segment shares, R x F heatmap, Lorenz curve and Gini,
 * clusters, P(alive) matrices, churn-risk bands, movements, cohort retention);
 * patron_write_report_html() wraps that document, the page's script and style and ECharts
 * (all embedded at build time) into one self-contained HTML file. */
#ifndef PATRON_REPORT_H
#define PATRON_REPORT_H

#include "patron/dataset.h"
#include "patron/table.h"

#include <stdbool.h>

typedef struct patron_report_input {
  const patron_table *table; /* the profile as of `as_of` (required) */
  int32_t as_of;
  /* The previous snapshot (rows matched by customer_id) for the movements, or NULL. */
  const patron_table *previous;
  int32_t previous_as_of;
  /* The dataset and the row -> customer map, for the cohort retention triangle; NULL when
   * the profile comes without its orders (the triangle is then left out). */
  const patron_dataset *ds;
  const uint32_t *customers;
} patron_report_input;

/* The report's figures as JSON text (schema in docs/REPORT.md). *json is malloc'ed: free()
 * it. Errors: PATRON_ERR_USAGE (no table or no customer_id/frequency/monetary column),
 * PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_report_data(const patron_report_input *in, char **json,
                                            patron_error *err);

/* Movements of customers between two snapshots by category column `by`, as JSON
 * {"by", "links": [[from, to, customers], ...]} (customers new in `to` come from "(new)"), or
 * "null" when either table lacks the column. *json: free(). */
PATRON_API patron_status patron_report_movements(const patron_table *from, const patron_table *to,
                                                 const char *by, char **json, patron_error *err);

/* Writes the self-contained report page for `data_json` (from patron_report_data) with
 * labels in `lang` ("en" or "zh") to `path`. Errors: PATRON_ERR_USAGE (lang), PATRON_ERR_IO
 * (naming the path). */
PATRON_API patron_status patron_write_report_html(const char *data_json, const char *lang,
                                                  const char *path, patron_error *err);

/* An embedded web asset by file name ("dashboard.html", "common.js", "echarts.min.js", ...):
 * its bytes (not owned, static) and length, or NULL when there is no such asset. */
PATRON_API const char *patron_web_asset(const char *name, size_t *len);
/* Whether ECharts was embedded at build time (the pages draw no charts otherwise). */
PATRON_API bool patron_web_has_charts(void);

#endif
