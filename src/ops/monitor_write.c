/* metrics.csv (as_of,metric,value) and alerts.csv (as_of,metric,value,rule,message) of
 * monitoring (SPEC section 13), through the project's table writer. */
#include "ops/monitor_int.h"
#include "patron/output.h"

static patron_status base_columns(patron_table *t, int32_t **day, const char ***name,
                                  double **value, patron_error *err) {
  patron_status st = patron_table_add(t, "as_of", PATRON_COL_DATE, (void **)day, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "metric", PATRON_COL_STRING, (void **)name, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "value", PATRON_COL_DOUBLE, (void **)value, err);
  patron_table_set_decimals(t, "value", PATRON_DECIMALS_EXACT);
  return st;
}

static patron_status write_metrics(const patron_monitor *m, const char *path, patron_error *err) {
  size_t n = patron_monitor_n_metrics(m);
  patron_table *t = patron_table_new(n);
  if (!t)
    return PATRON__OOM(err);
  int32_t *day;
  const char **name;
  double *value;
  patron_status st = base_columns(t, &day, &name, &value, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    patron_metric_value v = patron_monitor_metric(m, i);
    day[i] = v.as_of, name[i] = v.name, value[i] = v.value;
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

static patron_status write_alerts(const patron_monitor *m, const char *path, patron_error *err) {
  size_t n = patron_monitor_n_alerts(m);
  patron_table *t = patron_table_new(n);
  if (!t)
    return PATRON__OOM(err);
  int32_t *day;
  const char **name, **rule, **message;
  double *value;
  patron_status st = base_columns(t, &day, &name, &value, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "rule", PATRON_COL_STRING, (void **)&rule, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "message", PATRON_COL_STRING, (void **)&message, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    patron_alert a = patron_monitor_alert(m, i);
    day[i] = a.as_of, name[i] = a.metric, value[i] = a.value;
    rule[i] = a.rule, message[i] = a.message;
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

patron_status patron_monitor_write(const patron_monitor *m, const char *metrics_path,
                                   const char *alerts_path, patron_error *err) {
  patron_status st = write_metrics(m, metrics_path, err);
  return st == PATRON_OK ? write_alerts(m, alerts_path, err) : st;
}
