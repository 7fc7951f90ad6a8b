/* Trigger rules as experiments: a store with logged actions of three rules (a rule whose
 * treatment customers buy far more than its holdout, one whose holdout buys more, one whose
 * actions are too recent for a full window), orders planted accordingly; the verdicts
 * (effective, harmful, not enough customers), each customer's window from its own fired_at
 * (an order before it does not count), and --apply disabling the harmful rule only. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static const char RULES[] =
    "{\"rules\": ["
    "{\"name\": \"good\", \"where\": \"frequency >= 0\", \"campaign\": \"c\", \"channel\": "
    "\"app\", \"holdout_percent\": 50},"
    "{\"name\": \"bad\", \"where\": \"frequency >= 0\", \"campaign\": \"c\", \"channel\": "
    "\"app\", \"holdout_percent\": 50},"
    "{\"name\": \"young\", \"where\": \"frequency >= 0\", \"campaign\": \"c\", \"channel\": "
    "\"app\", \"holdout_percent\": 50}]}";

enum { PER_ARM = 40 };

static const int64_t DAY = 86400;

/* Customer k of a rule and arm buys in its window when k is below the arm's planted count. */
static void write_orders(const char *path, int64_t fired) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("customer_id,order_id,order_time,amount\n", f);
  const char *rules[2] = {"good", "bad"};
  int buyers[2][2] = {{30, 4}, {4, 30}}; /* [rule][treatment, holdout] */
  int oid = 0;
  for (int r = 0; r < 2; r++)
    for (int arm = 0; arm < 2; arm++)
      for (int k = 0; k < PER_ARM; k++) {
        /* everyone bought a day before the action: outside every window */
        fprintf(f, "%s_%c%d,O%d,2026-02-28 12:00:00,10\n", rules[r], arm ? 'h' : 't', k, ++oid);
        if (k < buyers[r][arm])
          fprintf(f, "%s_%c%d,O%d,2026-03-%02d 12:00:00,50\n", rules[r], arm ? 'h' : 't', k, ++oid,
                  2 + k % 20);
      }
  (void)fired;
  fclose(f);
}

static void log_actions(patron_store *s, const char *rule, int64_t fired, patron_error *err) {
  int64_t run = 0;
  assert_int_equal(patron_store_run_add(s, "trigger", "test", NULL, &run, err), PATRON_OK);
  for (int arm = 0; arm < 2; arm++)
    for (int k = 0; k < PER_ARM; k++) {
      char id[32];
      snprintf(id, sizeof id, "%s_%c%d", rule, arm ? 'h' : 't', k);
      patron_action a = {.rule = rule,
                         .campaign = "c",
                         .channel = "app",
                         .customer_id = id,
                         .holdout = arm == 1,
                         .fired_at = fired,
                         .send_at = fired};
      patron_action_id(rule, id, (int32_t)(fired / DAY), a.action_id);
      bool inserted = false;
      assert_int_equal(patron_store_action_add(s, run, &a, &inserted, err), PATRON_OK);
      assert_true(inserted);
    }
}

static void rules_verdicts_and_apply(void **state) {
  (void)state;
  char dir[] = "/tmp/patron-test-rules-XXXXXX", orders[256], db[256];
  assert_non_null(mkdtemp(dir));
  snprintf(orders, sizeof orders, "%s/orders.csv", dir);
  snprintf(db, sizeof db, "%s/store.db", dir);
  int64_t march1 = (int64_t)patron_days_from_civil(2026, 3, 1) * DAY;
  write_orders(orders, march1);
  patron_error err = {0};
  patron_store *s = NULL;
  assert_int_equal(patron_store_open(db, NULL, &s, &err), PATRON_OK);
  assert_int_equal(patron_store_begin(s, &err), PATRON_OK);
  log_actions(s, "good", march1, &err);
  log_actions(s, "bad", march1 + 3600, &err);
  log_actions(s, "young", march1 + 20 * DAY, &err); /* less than 30 days before T */
  assert_int_equal(patron_store_commit(s, &err), PATRON_OK);
  patron_trigger_rules *rules = NULL;
  assert_int_equal(patron_trigger_rules_parse(RULES, strlen(RULES), "r.json", &rules, &err),
                   PATRON_OK);
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = orders;
  patron_dataset *ds = NULL;
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  patron_eval_options o;
  patron_eval_options_init(&o);
  int64_t t = march1 + 40 * DAY;
  patron_rule_experiment *r = NULL;
  size_t n = 0;
  assert_int_equal(patron_experiment_rules(rules, s, ds, t, &o, &r, &n, &err), PATRON_OK);
  assert_int_equal(n, 3);
  assert_string_equal(r[0].rule, "good");
  assert_int_equal(r[0].treatment, PER_ARM);
  assert_int_equal(r[0].holdout, PER_ARM);
  assert_int_equal(r[0].verdict, PATRON_VERDICT_EFFECTIVE);
  /* conversion 30/40 vs 4/40: the pre-action purchase of everyone does not count */
  assert_true(fabs(r[0].e->rows[0].c.diff - 26.0 / 40) < 1e-12);
  assert_string_equal(r[0].e->arms.names[r[0].e->control], "holdout");
  /* "bad" fired an hour later: its window still holds every planted purchase */
  assert_int_equal(r[1].verdict, PATRON_VERDICT_HARMFUL);
  assert_null(r[2].e);
  assert_int_equal(r[2].customers, 0);
  size_t disabled = 0;
  assert_int_equal(patron_experiment_rules_apply(s, r, n, (int32_t)(t / DAY), &disabled, &err),
                   PATRON_OK);
  assert_int_equal(disabled, 1);
  bool enabled = true;
  char reason[128];
  assert_int_equal(patron_store_rule_get(s, "bad", &enabled, reason, sizeof reason, &err),
                   PATRON_OK);
  assert_false(enabled);
  assert_string_equal(reason, "experiment harmful as of 2026-04-10");
  assert_int_equal(patron_store_rule_get(s, "good", &enabled, reason, sizeof reason, &err),
                   PATRON_OK);
  assert_true(enabled);
  patron_rule_experiments_free(r, n);
  patron_dataset_free(ds);
  patron_trigger_rules_free(rules);
  patron_store_close(s);
  unlink(orders);
  unlink(db);
  char wal[300];
  snprintf(wal, sizeof wal, "%s-wal", db);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", db);
  unlink(wal);
  rmdir(dir);
}

PATRON_TEST_MAIN(cmocka_unit_test(rules_verdicts_and_apply))
