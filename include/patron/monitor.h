/* Monitoring (SPEC section 13): per snapshot (an as-of date, its profile table and its
 * summary.json), the business and data-quality metrics; alert rules (JSON, or the defaults)
 * checked against each snapshot and the one before it. docs/MONITORING.md. */
#ifndef PATRON_MONITOR_H
#define PATRON_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/error.h"
#include "patron/table.h"

/* ---- Alert rules ----------------------------------------------------------------------- */

typedef struct patron_alert_rules patron_alert_rules;

/* Parses {"alerts": [{"metric": NAME, "min": X, "max": X, "max_change": X}, ...]}: each rule
 * names a metric (exactly, or a prefix ending in '*': "empty_rate:*", "*") and at least one
 * of min, max, max_change (relative to the previous snapshot). Unknown keys, wrong types and
 * rules without a check are errors naming `source` (a file name for messages) and the rule.
 * Free with patron_alert_rules_free. */
PATRON_API patron_status patron_alert_rules_parse(const char *text, size_t len, const char *source,
                                                  patron_alert_rules **out, patron_error *err);
/* Reads and parses a rules file. */
PATRON_API patron_status patron_alert_rules_read(const char *path, patron_alert_rules **out,
                                                 patron_error *err);
/* The defaults: every metric changing by more than 20%, reject_rate above 5%. */
PATRON_API patron_status patron_alert_rules_default(patron_alert_rules **out, patron_error *err);
PATRON_API void patron_alert_rules_free(patron_alert_rules *rules);
PATRON_API size_t patron_alert_rules_count(const patron_alert_rules *rules);

/* ---- Metrics and alerts -------------------------------------------------------------- */

typedef struct patron_monitor patron_monitor;

typedef struct patron_metric_value {
  int32_t as_of;
  const char *name; /* owned by the monitor */
  double value;     /* NaN when undefined (e.g. a median without purchasers) */
} patron_metric_value;

typedef struct patron_alert {
  int32_t as_of;
  const char *metric, *rule, *message; /* owned by the monitor */
  double value;
} patron_alert;

/* A monitor checking rules (borrowed: must outlive the monitor) on snapshots from since_day
 * on (PATRON_NO_DAY: every snapshot); earlier snapshots still serve as "previous". NULL when
 * memory runs out. Free with patron_monitor_free. */
PATRON_API patron_monitor *patron_monitor_new(const patron_alert_rules *rules, int32_t since_day);
PATRON_API void patron_monitor_free(patron_monitor *m);

/* Adds the next snapshot (as-of dates strictly increasing): computes its metrics from the
 * profile table (columns frequency, monetary, recency_days, lifecycle) and the summary.json
 * text (inputs' rows_read, rows_rejected, empty_cells; "" or NULL: no data-quality metrics)
 * and checks the rules against it and the previous snapshot. Errors name the missing column
 * or the bad summary. */
PATRON_API patron_status patron_monitor_add(patron_monitor *m, int32_t as_of,
                                            const patron_table *profile, const char *summary_json,
                                            patron_error *err);

PATRON_API size_t patron_monitor_n_metrics(const patron_monitor *m);
PATRON_API patron_metric_value patron_monitor_metric(const patron_monitor *m, size_t i);
PATRON_API size_t patron_monitor_n_alerts(const patron_monitor *m);
PATRON_API patron_alert patron_monitor_alert(const patron_monitor *m, size_t i);

/* metrics.csv (as_of,metric,value) and alerts.csv (as_of,metric,value,rule,message). */
PATRON_API patron_status patron_monitor_write(const patron_monitor *m, const char *metrics_path,
                                              const char *alerts_path, patron_error *err);

#endif
