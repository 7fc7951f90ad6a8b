/* Monitoring (SPEC section 13): the metrics of one snapshot from its profile table
 * (customers, purchasers, revenue, aov, repurchase_rate, recency/frequency/monetary means and
 * medians over purchasers, active_share, churned_share) and its summary.json (reject_rate,
 * rows_read:FILE, empty_rate:FILE.COLUMN); each rule checked against the snapshot and the
 * one before it (max_change relative, skipped when the previous value is 0 or unknown). */
#include "ops/monitor_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/intern.h"
#include "patron/output.h"

typedef struct metric_row {
  int32_t as_of;
  uint32_t name;
  double value;
} metric_row;

typedef struct alert_row {
  int32_t as_of;
  uint32_t metric;
  double value;
  const char *rule, *message; /* in the arena */
} alert_row;

struct patron_monitor {
  const patron_alert_rules *rules;
  int32_t since, last_as_of;
  patron__intern names;
  double *prev; /* per name: the previous snapshot's value (NaN: none) */
  size_t prev_cap;
  metric_row *metrics;
  size_t n_metrics, cap_metrics, first_current;
  alert_row *alerts;
  size_t n_alerts, cap_alerts;
  patron__arena text;
};

patron_monitor *patron_monitor_new(const patron_alert_rules *rules, int32_t since_day) {
  patron_monitor *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->rules = rules;
  m->since = since_day;
  m->last_as_of = PATRON_NO_DAY;
  return m;
}

void patron_monitor_free(patron_monitor *m) {
  if (!m)
    return;
  patron__intern_free(&m->names);
  free(m->prev);
  free(m->metrics);
  free(m->alerts);
  patron__arena_free(&m->text);
  free(m);
}

static bool put_metric(patron_monitor *m, int32_t as_of, const char *name, size_t len,
                       double value) {
  bool added;
  uint32_t id = patron__intern_put(&m->names, 0, name, len, &added);
  if (id == PATRON__NO_INDEX ||
      !patron__reserve((void **)&m->metrics, &m->cap_metrics, m->n_metrics + 1,
                       sizeof *m->metrics) ||
      !patron__reserve((void **)&m->prev, &m->prev_cap, m->names.n, sizeof *m->prev))
    return false;
  if (added)
    m->prev[id] = NAN;
  m->metrics[m->n_metrics++] = (metric_row){as_of, id, value};
  return true;
}

static bool put(patron_monitor *m, int32_t as_of, const char *name, double value) {
  return put_metric(m, as_of, name, strlen(name), value);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  if (n == 0)
    return NAN;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const patron_column *need(const patron_table *t, const char *name, patron_col_type type,
                                 patron_error *err) {
  const patron_column *c = patron_table_find(t, name);
  if (!c || c->type != type)
    patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                      "the snapshot has no %s column of the expected type", name);
  return c && c->type == type ? c : NULL;
}

/* Code of a category label, or -2 when the column has no such label. */
static int32_t label_code(const patron_column *c, const char *label) {
  for (int32_t i = 0; i < c->n_labels; i++)
    if (strcmp(c->labels[i], label) == 0)
      return i;
  return -2;
}

typedef struct rfm_sums {
  size_t purchasers, repeat, active, churned;
  long double revenue, purchases, recency;
  double *rec, *freq, *mon; /* per purchaser, for the medians */
} rfm_sums;

static void collect(const patron_table *t, const patron_column *cols[4], rfm_sums *s) {
  const int64_t *freq = cols[0]->data, *rec = cols[2]->data;
  const patron_money *mon = cols[1]->data;
  const int32_t *life = cols[3]->data;
  int32_t code_new = label_code(cols[3], "new"), code_active = label_code(cols[3], "active");
  int32_t code_churned = label_code(cols[3], "churned");
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    if (freq[i] == PATRON_NULL_INT || freq[i] < 1)
      continue;
    size_t k = s->purchasers++;
    double money = mon[i] == PATRON_NULL_MONEY ? 0 : (double)mon[i] / PATRON_MONEY_SCALE;
    s->rec[k] = rec[i] == PATRON_NULL_INT ? NAN : (double)rec[i];
    s->freq[k] = (double)freq[i];
    s->mon[k] = money;
    s->revenue += money;
    s->purchases += (long double)freq[i];
    s->recency += s->rec[k];
    s->repeat += freq[i] >= 2;
    s->active += life[i] == code_new || life[i] == code_active;
    s->churned += life[i] == code_churned;
  }
}

static patron_status profile_metrics(patron_monitor *m, int32_t as_of, const patron_table *t,
                                     patron_error *err) {
  const patron_column *cols[4] = {
      need(t, "frequency", PATRON_COL_INT, err), need(t, "monetary", PATRON_COL_MONEY, err),
      need(t, "recency_days", PATRON_COL_INT, err), need(t, "lifecycle", PATRON_COL_CATEGORY, err)};
  if (!cols[0] || !cols[1] || !cols[2] || !cols[3])
    return PATRON_ERR_INPUT;
  size_t n = patron_table_n_rows(t);
  rfm_sums s = {0};
  double *work = malloc((n ? 3 * n : 1) * sizeof *work);
  if (!work)
    return PATRON__OOM(err);
  s.rec = work, s.freq = work + n, s.mon = work + 2 * n;
  collect(t, cols, &s);
  double p = (double)s.purchasers, np = s.purchasers ? p : NAN;
  double mean_f = (double)(s.purchases / (long double)np),
         mean_r = (double)(s.recency / (long double)np);
  const char *names[14] = {"customers",        "purchasers",
                           "revenue",          "aov",
                           "repurchase_rate",  "recency_mean",
                           "recency_median",   "frequency_mean",
                           "frequency_median", "monetary_mean",
                           "monetary_median",  "active_share",
                           "churned_share",    NULL};
  double values[13] = {(double)n,
                       p,
                       (double)s.revenue,
                       s.purchases > 0 ? (double)(s.revenue / s.purchases) : NAN,
                       (double)s.repeat / np,
                       mean_r,
                       median(s.rec, s.purchasers),
                       mean_f,
                       median(s.freq, s.purchasers),
                       (double)(s.revenue / (long double)np),
                       median(s.mon, s.purchasers),
                       (double)s.active / np,
                       (double)s.churned / np};
  bool ok = true;
  for (int i = 0; i < 13 && ok; i++)
    ok = put(m, as_of, names[i], values[i]);
  free(work);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

static double count_of(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (double)json_integer_value(v) : NAN;
}

static patron_status file_metrics(patron_monitor *m, int32_t as_of, const char *file, json_t *input,
                                  double *read, double *rejected, patron_error *err) {
  double r = count_of(input, "rows_read"), j = count_of(input, "rows_rejected");
  if (isnan(r) || isnan(j))
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "summary: inputs.%s lacks rows_read or rows_rejected", file);
  *read += r, *rejected += j;
  char name[512];
  int len = snprintf(name, sizeof name, "rows_read:%s", file);
  if (!put_metric(m, as_of, name, (size_t)len, r))
    return PATRON__OOM(err);
  const char *column;
  json_t *count;
  json_object_foreach(json_object_get(input, "empty_cells"), column, count) {
    len = snprintf(name, sizeof name, "empty_rate:%s.%s", file, column);
    double c = json_is_integer(count) ? (double)json_integer_value(count) : NAN;
    if (len > 0 && (size_t)len < sizeof name &&
        !put_metric(m, as_of, name, (size_t)len, r > 0 ? c / r : NAN))
      return PATRON__OOM(err);
  }
  return PATRON_OK;
}

static patron_status summary_metrics(patron_monitor *m, int32_t as_of, const char *summary,
                                     patron_error *err) {
  if (!summary || !*summary)
    return PATRON_OK;
  json_error_t jerr;
  json_t *root = json_loads(summary, 0, &jerr);
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "summary: invalid JSON: %s",
                             jerr.text);
  double read = 0, rejected = 0;
  patron_status st = PATRON_OK;
  const char *file;
  json_t *input;
  json_object_foreach(json_object_get(root, "inputs"), file, input) {
    if (st == PATRON_OK)
      st = file_metrics(m, as_of, file, input, &read, &rejected, err);
  }
  if (st == PATRON_OK && !put(m, as_of, "reject_rate", read > 0 ? rejected / read : NAN))
    st = PATRON__OOM(err);
  json_decref(root);
  return st;
}

static bool rule_matches(const char *pattern, const char *name) {
  size_t len = strlen(pattern);
  if (len && pattern[len - 1] == '*')
    return strncmp(pattern, name, len - 1) == 0;
  return strcmp(pattern, name) == 0;
}

static bool add_alert(patron_monitor *m, const metric_row *row, const char *rule,
                      const char *message) {
  if (!patron__reserve((void **)&m->alerts, &m->cap_alerts, m->n_alerts + 1, sizeof *m->alerts))
    return false;
  const char *r = patron__arena_strdup(&m->text, rule, strlen(rule));
  const char *msg = patron__arena_strdup(&m->text, message, strlen(message));
  if (!r || !msg)
    return false;
  m->alerts[m->n_alerts++] = (alert_row){row->as_of, row->name, row->value, r, msg};
  return true;
}

/* Checks one rule on one metric; false when memory runs out. */
static bool check(patron_monitor *m, const patron__alert_rule *r, const metric_row *row) {
  const char *name = m->names.str[row->name];
  double v = row->value, prev = m->prev[row->name];
  char rule[128], msg[512];
  bool ok = true;
  if (isnan(v))
    return true;
  if (!isnan(r->min) && v < r->min) {
    snprintf(rule, sizeof rule, "min %.6g", r->min);
    snprintf(msg, sizeof msg, "%s is %.6g, below the minimum %.6g", name, v, r->min);
    ok = add_alert(m, row, rule, msg);
  }
  if (ok && !isnan(r->max) && v > r->max) {
    snprintf(rule, sizeof rule, "max %.6g", r->max);
    snprintf(msg, sizeof msg, "%s is %.6g, above the maximum %.6g", name, v, r->max);
    ok = add_alert(m, row, rule, msg);
  }
  double change = isnan(prev) || prev == 0 ? NAN : (v - prev) / fabs(prev);
  if (ok && !isnan(r->max_change) && fabs(change) > r->max_change) {
    snprintf(rule, sizeof rule, "max_change %.6g", r->max_change);
    snprintf(msg, sizeof msg, "%s changed by %+.1f%% (from %.6g to %.6g), more than %.6g%%", name,
             100 * change, prev, v, 100 * r->max_change);
    ok = add_alert(m, row, rule, msg);
  }
  return ok;
}

static patron_status check_rules(patron_monitor *m, int32_t as_of, patron_error *err) {
  bool checked = m->since == PATRON_NO_DAY || as_of >= m->since;
  for (size_t i = m->first_current; checked && i < m->n_metrics; i++)
    for (size_t k = 0; k < m->rules->n; k++)
      if (rule_matches(m->rules->items[k].metric, m->names.str[m->metrics[i].name]) &&
          !check(m, &m->rules->items[k], &m->metrics[i]))
        return PATRON__OOM(err);
  for (size_t n = 0; n < m->names.n; n++)
    m->prev[n] = NAN; /* a metric absent from this snapshot has no previous value next time */
  for (size_t i = m->first_current; i < m->n_metrics; i++)
    m->prev[m->metrics[i].name] = m->metrics[i].value;
  return PATRON_OK;
}

patron_status patron_monitor_add(patron_monitor *m, int32_t as_of, const patron_table *profile,
                                 const char *summary_json, patron_error *err) {
  if (m->last_as_of != PATRON_NO_DAY && as_of <= m->last_as_of)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "snapshots must be added in increasing as-of order");
  m->first_current = m->n_metrics;
  patron_status st = profile_metrics(m, as_of, profile, err);
  if (st == PATRON_OK)
    st = summary_metrics(m, as_of, summary_json, err);
  if (st == PATRON_OK)
    st = check_rules(m, as_of, err);
  if (st != PATRON_OK) {
    m->n_metrics = m->first_current;
    return st;
  }
  m->last_as_of = as_of;
  return PATRON_OK;
}

size_t patron_monitor_n_metrics(const patron_monitor *m) { return m->n_metrics; }

patron_metric_value patron_monitor_metric(const patron_monitor *m, size_t i) {
  const metric_row *r = &m->metrics[i];
  return (patron_metric_value){r->as_of, m->names.str[r->name], r->value};
}

size_t patron_monitor_n_alerts(const patron_monitor *m) { return m->n_alerts; }

patron_alert patron_monitor_alert(const patron_monitor *m, size_t i) {
  const alert_row *a = &m->alerts[i];
  return (patron_alert){a->as_of, m->names.str[a->metric], a->rule, a->message, a->value};
}
