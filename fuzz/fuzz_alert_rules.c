/* Fuzz harness for the monitoring alert rules (patron_alert_rules_parse, src/ops/
 * monitor_rules.c) and the experiment arms spec (patron_arms_parse, src/ops/
 * experiment_assign.c). Input: byte 0 even = a rules JSON file, odd = an --arms text.
 * Checks: accepted rules run over two small snapshots without error; every alert names a
 * metric the monitor computed and a rule of the accepted kinds; a failure leaves nothing
 * allocated and a message; accepted arms have >= 2 unique names with weights >= 0 adding up
 * to more than 0, and every bucket maps to an arm of weight > 0. */
#include "fuzz.h"

#include <math.h>

#include "patron/patron.h"

static const char *const LIFE[3] = {"new", "active", "churned"};

static patron_table *snapshot(int64_t scale) {
  patron_table *t = patron_table_new(3);
  patron_error err = {0};
  int64_t *freq, *rec;
  patron_money *mon;
  int32_t *life;
  FUZZ_CHECK(t && patron_table_add(t, "frequency", PATRON_COL_INT, (void **)&freq, &err) == 0 &&
                 patron_table_add(t, "monetary", PATRON_COL_MONEY, (void **)&mon, &err) == 0 &&
                 patron_table_add(t, "recency_days", PATRON_COL_INT, (void **)&rec, &err) == 0 &&
                 patron_table_add_category(t, "lifecycle", LIFE, NULL, 3, true, &life, &err) == 0,
             "table");
  for (int i = 0; i < 3; i++)
    freq[i] = i + 1, rec[i] = 10 * i + 1, mon[i] = scale * (i + 1) * 10000, life[i] = i;
  return t;
}

static void run_rules(const patron_alert_rules *rules) {
  static const char summary[] = "{\"inputs\": {\"orders\": {\"rows_read\": 10, "
                                "\"rows_rejected\": 1, \"empty_cells\": {\"category\": 3}}}}";
  patron_monitor *m = patron_monitor_new(rules, PATRON_NO_DAY);
  FUZZ_CHECK(m, "monitor");
  patron_table *a = snapshot(1), *b = snapshot(3);
  patron_error err = {0};
  FUZZ_CHECK(patron_monitor_add(m, 10, a, summary, &err) == PATRON_OK, "%s", err.message);
  FUZZ_CHECK(patron_monitor_add(m, 11, b, "", &err) == PATRON_OK, "%s", err.message);
  for (size_t i = 0; i < patron_monitor_n_alerts(m); i++) {
    patron_alert x = patron_monitor_alert(m, i);
    bool known = false;
    for (size_t k = 0; k < patron_monitor_n_metrics(m) && !known; k++) {
      patron_metric_value v = patron_monitor_metric(m, k);
      known = v.as_of == x.as_of && strcmp(v.name, x.metric) == 0;
    }
    FUZZ_CHECK(known, "alert on unknown metric %s", x.metric);
    FUZZ_CHECK(strncmp(x.rule, "min ", 4) == 0 || strncmp(x.rule, "max ", 4) == 0 ||
                   strncmp(x.rule, "max_change ", 11) == 0,
               "rule text %s", x.rule);
  }
  patron_monitor_free(m);
  patron_table_free(a);
  patron_table_free(b);
}

static void check_arms(const char *text) {
  patron_arms arms;
  patron_error err = {0};
  if (patron_arms_parse(text, &arms, &err) != PATRON_OK) {
    FUZZ_CHECK(err.message[0] && arms.n == 0 && !arms.names, "failure without message");
    return;
  }
  double sum = 0;
  FUZZ_CHECK(arms.n >= 2, "fewer than 2 arms");
  for (size_t i = 0; i < arms.n; i++) {
    FUZZ_CHECK(arms.weights[i] >= 0 && isfinite(arms.weights[i]), "weight");
    sum += arms.weights[i];
    for (size_t j = 0; j < i; j++)
      FUZZ_CHECK(strcmp(arms.names[i], arms.names[j]) != 0, "arm named twice");
  }
  FUZZ_CHECK(sum > 0, "weights add up to 0");
  for (uint32_t b = 0; b < 10000; b += 37) {
    size_t arm = 99;
    FUZZ_CHECK(patron_hash_choose_arm(b, arms.weights, arms.n, &arm, &err) == PATRON_OK &&
                   arm < arms.n && arms.weights[arm] > 0,
               "bucket %u", b);
  }
  patron_arms_clear(&arms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  char *text = malloc(size);
  FUZZ_CHECK(text, "out of memory");
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  if (data[0] % 2) {
    check_arms(text);
  } else {
    patron_alert_rules *rules = NULL;
    patron_error err = {0};
    if (patron_alert_rules_parse(text, size - 1, "fuzz.json", &rules, &err) == PATRON_OK)
      run_rules(rules);
    else
      FUZZ_CHECK(!rules && err.message[0], "failure without message");
    patron_alert_rules_free(rules);
  }
  free(text);
  return 0;
}
