/* Monitoring: the SPEC section 13 metrics of a small snapshot computed by hand, the
 * data-quality metrics from a summary.json text, alert rules (min, max, max_change, prefix
 * patterns, the defaults, --since) on a planted change, and rule-file errors. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "patron/patron.h"

static const char *const LIFE[6] = {"prospect", "new", "active", "silent", "dormant", "churned"};

/* Five customers: one prospect and four purchasers with frequency 1, 2, 3, 1, monetary
 * 10, 20, 30, 40 (times scale), recency 5, 10, 400, 20, lifecycle new, active, churned, silent. */
static patron_table *snapshot(double scale) {
  patron_table *t = patron_table_new(5);
  patron_error err = {0};
  int64_t *freq, *rec;
  patron_money *mon;
  int32_t *life;
  assert_int_equal(patron_table_add(t, "frequency", PATRON_COL_INT, (void **)&freq, &err), 0);
  assert_int_equal(patron_table_add(t, "monetary", PATRON_COL_MONEY, (void **)&mon, &err), 0);
  assert_int_equal(patron_table_add(t, "recency_days", PATRON_COL_INT, (void **)&rec, &err), 0);
  assert_int_equal(patron_table_add_category(t, "lifecycle", LIFE, NULL, 6, true, &life, &err), 0);
  const int64_t f[5] = {PATRON_NULL_INT, 1, 2, 3, 1}, r[5] = {PATRON_NULL_INT, 5, 10, 400, 20};
  const double m[5] = {0, 10, 20, 30, 40};
  const int32_t l[5] = {0, 1, 2, 5, 3};
  for (int i = 0; i < 5; i++) {
    freq[i] = f[i], rec[i] = r[i], life[i] = l[i];
    mon[i] = i ? (patron_money)llround(m[i] * scale * PATRON_MONEY_SCALE) : PATRON_NULL_MONEY;
  }
  return t;
}

static const char SUMMARY[] =
    "{\"inputs\": {\"orders\": {\"rows_read\": 200, \"rows_rejected\": 4, \"empty_cells\": "
    "{\"category\": 50, \"amount\": 0}}, \"customers\": {\"rows_read\": 100, \"rows_rejected\": "
    "8, \"empty_cells\": {\"city\": 10}}}}";

static double metric(const patron_monitor *m, int32_t as_of, const char *name) {
  for (size_t i = 0; i < patron_monitor_n_metrics(m); i++) {
    patron_metric_value v = patron_monitor_metric(m, i);
    if (v.as_of == as_of && strcmp(v.name, name) == 0)
      return v.value;
  }
  fail_msg("no metric %s", name);
  return NAN;
}

static void metrics_by_hand(void **state) {
  (void)state;
  patron_alert_rules *rules;
  patron_error err = {0};
  assert_int_equal(patron_alert_rules_default(&rules, &err), PATRON_OK);
  patron_monitor *m = patron_monitor_new(rules, PATRON_NO_DAY);
  patron_table *t = snapshot(1);
  assert_int_equal(patron_monitor_add(m, 100, t, SUMMARY, &err), PATRON_OK);
  const struct {
    const char *name;
    double want;
  } expect[] = {
      {"customers", 5},
      {"purchasers", 4},
      {"revenue", 100},
      {"aov", 100.0 / 7},
      {"repurchase_rate", 0.5},
      {"recency_mean", 435.0 / 4},
      {"recency_median", 15},
      {"frequency_mean", 7.0 / 4},
      {"frequency_median", 1.5},
      {"monetary_mean", 25},
      {"monetary_median", 25},
      {"active_share", 0.5},
      {"churned_share", 0.25},
      {"reject_rate", 12.0 / 300},
      {"rows_read:orders", 200},
      {"empty_rate:orders.category", 0.25},
      {"empty_rate:orders.amount", 0},
      {"empty_rate:customers.city", 0.1},
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
    assert_true(fabs(metric(m, 100, expect[i].name) - expect[i].want) < 1e-12);
  assert_int_equal(patron_monitor_n_alerts(m), 0); /* no previous snapshot, reject_rate 4% */
  patron_monitor_free(m);
  patron_table_free(t);
  patron_alert_rules_free(rules);
}

static void planted_change_alerts(void **state) {
  (void)state;
  static const char text[] = "{\"alerts\": [{\"metric\": \"repurchase_rate\", \"min\": 0.6},"
                             "{\"metric\": \"monetary_*\", \"max_change\": 0.2},"
                             "{\"metric\": \"reject_rate\", \"max\": 0.05}]}";
  patron_alert_rules *rules;
  patron_error err = {0};
  assert_int_equal(patron_alert_rules_parse(text, strlen(text), "rules.json", &rules, &err),
                   PATRON_OK);
  assert_int_equal(patron_alert_rules_count(rules), 3);
  patron_monitor *m = patron_monitor_new(rules, 101);
  patron_table *a = snapshot(1), *b = snapshot(1.5);
  assert_int_equal(patron_monitor_add(m, 100, a, SUMMARY, &err), PATRON_OK);
  assert_int_equal(patron_monitor_n_alerts(m), 0); /* before --since: not checked */
  assert_int_equal(patron_monitor_add(m, 101, b, "", &err), PATRON_OK);
  /* repurchase_rate 0.5 < 0.6; monetary_mean and monetary_median +50% */
  assert_int_equal(patron_monitor_n_alerts(m), 3);
  patron_alert x = patron_monitor_alert(m, 0);
  assert_string_equal(x.metric, "repurchase_rate");
  assert_string_equal(x.rule, "min 0.6");
  x = patron_monitor_alert(m, 1);
  assert_string_equal(x.metric, "monetary_mean");
  assert_string_equal(x.message,
                      "monetary_mean changed by +50.0% (from 25 to 37.5), more than 20%");
  assert_int_equal(patron_monitor_add(m, 101, b, "", &err), PATRON_ERR_USAGE);
  patron_monitor_free(m);
  patron_table_free(a);
  patron_table_free(b);
  patron_alert_rules_free(rules);
}

static void rules_errors(void **state) {
  (void)state;
  const char *bad[] = {
      "",
      "[]",
      "{\"alerts\": {}}",
      "{\"alerts\": [{\"metric\": \"aov\"}]}",
      "{\"alerts\": [{\"metric\": \"aov\", \"mx\": 1}]}",
      "{\"alerts\": [{\"metric\": 3, \"max\": 1}]}",
      "{\"alerts\": [{\"metric\": \"aov\", \"max\": \"1\"}]}",
      "{\"alerts\": [{\"metric\": \"aov\", \"max_change\": -1}]}",
      "{\"alerts\": [], \"extra\": 1}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    patron_alert_rules *rules = NULL;
    patron_error err = {0};
    assert_int_equal(patron_alert_rules_parse(bad[i], strlen(bad[i]), "r.json", &rules, &err),
                     PATRON_ERR_INPUT);
    assert_null(rules);
    assert_string_equal(err.file, "r.json");
  }
}

static void missing_column(void **state) {
  (void)state;
  patron_alert_rules *rules;
  patron_error err = {0};
  assert_int_equal(patron_alert_rules_default(&rules, &err), PATRON_OK);
  patron_monitor *m = patron_monitor_new(rules, PATRON_NO_DAY);
  patron_table *t = patron_table_new(1);
  assert_int_equal(patron_monitor_add(m, 1, t, NULL, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "frequency"));
  patron_monitor_free(m);
  patron_table_free(t);
  patron_alert_rules_free(rules);
}

PATRON_TEST_MAIN(cmocka_unit_test(metrics_by_hand), cmocka_unit_test(planted_change_alerts),
                 cmocka_unit_test(rules_errors), cmocka_unit_test(missing_column))
