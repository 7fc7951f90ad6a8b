/* Unit tests for the trigger engine (SPEC section 11) on hand-worked cases: the rules file
 * parser and its errors, the decision order (cooldown, no_contact, cap by priority), quiet
 * hours in the member's zone, holdout arms by hash, history from the store, replays. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static const char rules_text[] =
    "{\"timezone\": \"+08:00\", \"quiet_hours\": {\"start\": \"21:00\", \"end\": \"09:00\"},\n"
    " \"caps\": {\"sms\": {\"max\": 1, \"days\": 7}},\n"
    " \"rules\": [\n"
    "  {\"name\": \"lo\", \"where\": \"true\", \"campaign\": \"c2\", \"channel\": \"sms\",\n"
    "   \"priority\": 5, \"cooldown_days\": 0},\n"
    "  {\"name\": \"hi\", \"where\": \"true\", \"campaign\": \"c1\", \"channel\": \"sms\",\n"
    "   \"priority\": 10, \"cooldown_days\": 7}]}\n";

static patron_trigger_rules *parse(const char *text) {
  patron_trigger_rules *r = NULL;
  patron_error err = {0};
  assert_int_equal(patron_trigger_rules_parse(text, strlen(text), "r.json", &r, &err), PATRON_OK);
  return r;
}

static void expect_parse_error(const char *text, const char *want, uint64_t line) {
  patron_trigger_rules *r = NULL;
  patron_error err = {0};
  assert_int_equal(patron_trigger_rules_parse(text, strlen(text), "r.json", &r, &err),
                   PATRON_ERR_INPUT);
  assert_null(r);
  if (!strstr(err.message, want))
    fail_msg("expected '%s' in '%s'", want, err.message);
  assert_string_equal(err.file, "r.json");
  assert_int_equal(err.line, line);
}

static void test_rules_parse(void **state) {
  (void)state;
  patron_trigger_rules *r = parse(rules_text);
  assert_int_equal(r->n_rules, 2);
  assert_int_equal(r->tz_minutes, 480);
  assert_true(r->quiet);
  assert_int_equal(r->quiet_start, 21 * 60);
  assert_int_equal(r->n_caps, 1);
  assert_int_equal(r->caps[0].max, 1);
  assert_string_equal(r->rules[1].name, "hi");
  assert_true(r->rules[1].enabled);
  assert_int_equal(r->rules[1].recommend, 0);
  assert_false(patron_trigger_rules_recommend(r));
  patron_trigger_rules_free(r);
  r = parse(patron_trigger_rules_example());
  assert_int_equal(r->n_rules, 7);
  assert_string_equal(r->rules[0].name, "browse_no_buy");
  assert_int_equal(r->rules[0].recommend, 3);
  assert_true(patron_trigger_rules_recommend(r));
  patron_trigger_rules_free(r);
}

static void test_rules_errors(void **state) {
  (void)state;
  expect_parse_error("{\"rules\": [\n  {\"name\": \"a\",,}]}", "", 2);
  expect_parse_error("{\"rules\": [{\"name\": \"a\", \"campaign\": \"c\", \"channel\": \"sms\"}]}",
                     "rules[0].where: missing", 0);
  expect_parse_error("{\"rules\": [{\"name\": \"a b\", \"where\": \"true\", \"campaign\": \"c\","
                     " \"channel\": \"sms\"}]}",
                     "name must be", 0);
  expect_parse_error("{\"timezone\": \"8\", \"rules\": []}", "timezone: expected an offset", 0);
  expect_parse_error("{\"rules\": [], \"rulez\": 1}", "unknown member 'rulez'", 0);
  expect_parse_error("{\"rules\": [{\"name\": \"a\", \"where\": \"true\", \"campaign\": \"c\","
                     " \"channel\": \"sms\", \"holdout_percent\": 101}]}",
                     "rules[0].holdout_percent: expected a number from 0 to 100", 0);
  expect_parse_error("{\"rules\": [{\"name\": \"a\", \"where\": \"true\", \"campaign\": \"c\","
                     " \"channel\": \"sms\"}, {\"name\": \"a\", \"where\": \"true\","
                     " \"campaign\": \"c\", \"channel\": \"sms\"}]}",
                     "rules[1].name: a rule of that name already exists", 0);
  expect_parse_error("{\"rules\": [{\"name\": \"a\", \"where\": \"true\", \"campaign\": \"c\","
                     " \"channel\": \"sms\", \"recommend\": 2.5}]}",
                     "rules[0].recommend: expected a whole number from 1 to 100", 0);
  expect_parse_error("{\"caps\": {\"sms\": {\"max\": 2}}, \"rules\": []}",
                     "caps.sms: needs both max and days", 0);
}

/* Four customers: a (phone, consent 1, +08:00), b (phone, consent 0), c (phone, consent
 * unknown, -05:00), d (no phone). */
typedef struct world {
  patron_table *table;
  const char **ids;
  uint32_t rows[4], row_customer[4];
  const char *phone[4];
  const char *none[4];
  int8_t consent[4], unknown[4];
  int32_t tz[4];
  patron_contacts contacts;
} world;

static void world_init(world *w) {
  memset(w, 0, sizeof *w);
  w->table = patron_table_new(4);
  assert_int_equal(
      patron_table_add(w->table, "customer_id", PATRON_COL_STRING, (void **)&w->ids, NULL),
      PATRON_OK);
  const char *ids[4] = {"a", "b", "c", "d"};
  const char *phones[4] = {"13800000001", "13800000002", "13800000003", NULL};
  int8_t consent[4] = {1, 0, -1, 1};
  int32_t tz[4] = {480, PATRON_NO_TZ, -300, PATRON_NO_TZ};
  for (int i = 0; i < 4; i++) {
    w->ids[i] = ids[i];
    w->rows[i] = w->row_customer[i] = (uint32_t)i;
    w->phone[i] = phones[i];
    w->consent[i] = consent[i];
    w->unknown[i] = -1;
    w->tz[i] = tz[i];
  }
  w->contacts = (patron_contacts){.n = 4,
                                  .phone = w->phone,
                                  .email = w->none,
                                  .wechat = w->none,
                                  .consent_sms = w->consent,
                                  .consent_email = w->unknown,
                                  .consent_wechat = w->unknown,
                                  .tz_minutes = w->tz};
}

static int64_t at(const char *text) {
  int64_t t;
  assert_int_equal(patron_parse_time(text, strlen(text), &t), PATRON_OK);
  return t;
}

static void decide(world *w, patron_trigger_rules *r, patron_store *store, const char *when,
                   patron_trigger_result *out) {
  const uint32_t *matched[2] = {w->rows, w->rows};
  size_t n_matched[2] = {4, 4};
  patron_trigger_input in = {.rules = r,
                             .matched = matched,
                             .n_matched = n_matched,
                             .table = w->table,
                             .row_customer = w->row_customer,
                             .contacts = &w->contacts,
                             .store = store,
                             .t = at(when)};
  patron_error err = {0};
  assert_int_equal(patron_trigger_decide(&in, out, &err), PATRON_OK);
}

static void test_decisions(void **state) {
  (void)state;
  world w;
  world_init(&w);
  patron_trigger_rules *r = parse(rules_text);
  patron_trigger_result res;
  decide(&w, r, NULL, "2024-03-01T22:00", &res);
  /* "hi" (priority 10) first: a fires, b and d have no usable contact, c fires (consent
   * unknown is not a refusal). "lo" then finds a and c at their sms cap of 1. */
  assert_int_equal(res.n_actions, 2);
  assert_string_equal(res.actions[0].customer_id, "a");
  assert_string_equal(res.actions[0].rule, "hi");
  assert_string_equal(res.actions[1].customer_id, "c");
  char buf[17];
  /* a is at +08:00 like the rules: 22:00 is quiet, sent at 09:00 the next day */
  patron_format_minute(res.actions[0].send_at, buf);
  assert_string_equal(buf, "2024-03-02T09:00");
  /* c is at -05:00: 22:00 at +08:00 is 09:00 there, the end of quiet hours: sent at once */
  assert_true(res.actions[1].send_at == res.actions[1].fired_at);
  patron_trigger_stats hi = res.stats[1], lo = res.stats[0];
  assert_int_equal(hi.matched, 4);
  assert_int_equal(hi.treatment, 2);
  assert_int_equal(hi.skipped[PATRON_SKIP_NO_CONTACT], 2);
  assert_int_equal(lo.skipped[PATRON_SKIP_NO_CONTACT], 2);
  assert_int_equal(lo.skipped[PATRON_SKIP_CAP], 2);
  assert_int_equal(lo.treatment, 0);
  char id[17];
  patron_action_id("hi", "a", patron_days_from_civil(2024, 3, 1), id);
  assert_string_equal(res.actions[0].action_id, id);
  patron_trigger_result_free(&res);
  patron_trigger_rules_free(r);
  patron_table_free(w.table);
}

static void test_history_and_replay(void **state) {
  (void)state;
  world w;
  world_init(&w);
  patron_trigger_rules *r = parse(rules_text);
  char path[128];
  snprintf(path, sizeof path, "/tmp/patron_test_trigger_%d.db", (int)getpid());
  unlink(path);
  patron_store *store = NULL;
  patron_error err = {0};
  assert_int_equal(patron_store_open(path, NULL, &store, &err), PATRON_OK);
  patron_trigger_result res;
  decide(&w, r, store, "2024-03-01T22:00", &res);
  assert_int_equal(patron_trigger_record(store, at("2024-03-01T22:00"), &res, NULL, &err),
                   PATRON_OK);
  patron_trigger_result_free(&res);
  /* the same T again: a replay, nothing new */
  decide(&w, r, store, "2024-03-01T22:00", &res);
  assert_true(res.replay);
  assert_int_equal(res.n_actions, 0);
  patron_trigger_result_free(&res);
  /* an earlier T: a replay too, and the later actions block by cooldown */
  decide(&w, r, store, "2024-02-28T10:00", &res);
  assert_true(res.replay);
  assert_int_equal(res.n_actions, 0);
  assert_int_equal(res.stats[1].skipped[PATRON_SKIP_COOLDOWN], 2);
  patron_trigger_result_free(&res);
  /* a day later: "hi" is in its 7-day cooldown; "lo" (no cooldown) meets the cap of the
   * actions logged yesterday */
  decide(&w, r, store, "2024-03-02T22:00", &res);
  assert_false(res.replay);
  assert_int_equal(res.n_actions, 0);
  assert_int_equal(res.stats[1].skipped[PATRON_SKIP_COOLDOWN], 2);
  assert_int_equal(res.stats[0].skipped[PATRON_SKIP_CAP], 2);
  patron_trigger_result_free(&res);
  /* eight days later: the cooldown and the cap window are over */
  decide(&w, r, store, "2024-03-09T12:00", &res);
  assert_int_equal(res.n_actions, 2);
  assert_true(res.actions[0].send_at == res.actions[0].fired_at); /* noon: not quiet */
  patron_trigger_result_free(&res);
  /* a rule disabled in the store */
  assert_int_equal(patron_store_begin(store, &err), PATRON_OK);
  assert_int_equal(patron_store_rule_set(store, "hi", false, "ineffective", &err), PATRON_OK);
  assert_int_equal(patron_store_commit(store, &err), PATRON_OK);
  decide(&w, r, store, "2024-03-20T12:00", &res);
  assert_int_equal(res.stats[1].skipped[PATRON_SKIP_DISABLED], 4);
  assert_int_equal(res.stats[0].treatment, 2); /* "lo" takes the cap instead */
  patron_trigger_result_free(&res);
  patron_store_close(store);
  unlink(path);
  patron_trigger_rules_free(r);
  patron_table_free(w.table);
}

static void test_holdout_by_hash(void **state) {
  (void)state;
  enum { N = 400 };
  patron_table *t = patron_table_new(N);
  const char **ids;
  assert_int_equal(patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&ids, NULL),
                   PATRON_OK);
  static char store_ids[N][16];
  uint32_t rows[N];
  for (int i = 0; i < N; i++) {
    snprintf(store_ids[i], sizeof store_ids[i], "u%04d", i);
    ids[i] = store_ids[i];
    rows[i] = (uint32_t)i;
  }
  patron_trigger_rules *r =
      parse("{\"rules\": [{\"name\": \"exp\", \"where\": \"true\", \"campaign\": \"c\","
            " \"channel\": \"app\", \"holdout_percent\": 25}]}");
  const uint32_t *matched[1] = {rows};
  size_t n_matched[1] = {N};
  patron_trigger_input in = {.rules = r,
                             .matched = matched,
                             .n_matched = n_matched,
                             .table = t,
                             .t = at("2024-01-01T10:00")};
  patron_trigger_result res;
  patron_error err = {0};
  assert_int_equal(patron_trigger_decide(&in, &res, &err), PATRON_OK);
  assert_int_equal(res.n_actions, N); /* app needs no contact */
  size_t holdout = 0;
  for (int i = 0; i < N; i++) {
    bool want = patron_hash_bucket("exp", 3, ids[i], strlen(ids[i])) < 2500;
    assert_int_equal(res.actions[i].holdout, want);
    holdout += want;
  }
  assert_int_equal(res.stats[0].holdout, holdout);
  assert_true(holdout > N / 8 && holdout < N / 2);
  patron_trigger_result_free(&res);
  patron_trigger_rules_free(r);
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_rules_parse), cmocka_unit_test(test_rules_errors),
                 cmocka_unit_test(test_decisions), cmocka_unit_test(test_history_and_replay),
                 cmocka_unit_test(test_holdout_by_hash))
