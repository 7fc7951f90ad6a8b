/* Value tiers, member levels and the recent-activity figures behind them (docs/TIERS.md),
 * on hand-made tables and a small dataset with events; the --tiers and --levels texts. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

/* ---- Option texts ------------------------------------------------------------------------ */

static void test_parse_tiers(void **state) {
  (void)state;
  patron_tier_options o;
  patron_tier_options_init(&o);
  patron_error err = {0};
  assert_int_equal(patron_tier_options_parse("high_top=10,high_spend=2500.5,cart_event=add_cart,"
                                             "window_days=180,potential_to=80",
                                             &o, &err),
                   PATRON_OK);
  assert_true(o.high_top_pct == 10 && o.high_spend == 2500.5 && o.window_days == 180);
  assert_true(o.potential_to_pct == 80 && o.potential_from_pct == 20);
  assert_string_equal(o.cart_event, "add_cart");
}

static void test_parse_tiers_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t column;
    const char *why;
  } cases[] = {
      {"high_top=20,hihg_spend=5", 13, "unknown key"},
      {"high_top=abc", 10, "expected a number"},
      {"high_top=120", 10, "percentage from 0 to 100"},
      {"cart_days=0", 11, "whole number from 1"},
      {"idle_days=1.5", 11, "whole number from 1"},
      {"high_top", 1, "expected KEY=VALUE"},
      {"high_top=20,", 13, "expected KEY=VALUE"},
      {"potential_from=70,potential_to=20", 1, "potential_from must be below potential_to"},
      {"cart_event=", 12, "expected an event type"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    patron_tier_options o;
    patron_tier_options_init(&o);
    patron_error err = {0};
    assert_int_equal(patron_tier_options_parse(cases[i].text, &o, &err), PATRON_ERR_USAGE);
    if (err.column != cases[i].column || !strstr(err.message, cases[i].why) ||
        strncmp(err.message, "--tiers ", 8) != 0)
      fail_msg("'%s': column %u, message %s", cases[i].text, err.column, err.message);
    assert_true(o.high_top_pct == 20); /* unchanged on error */
  }
}

static void test_parse_levels(void **state) {
  (void)state;
  patron_level_options o;
  patron_level_options_init(&o);
  patron_error err = {0};
  assert_int_equal(patron_level_options_parse("0,500,2000,10000", &o, &err), PATRON_OK);
  assert_true(o.thresholds[1] == 500 && o.thresholds[3] == 10000);
  static const struct {
    const char *text;
    uint32_t column;
    const char *why;
  } cases[] = {
      {"0,1000,1000,20000", 8, "must be above the previous threshold"},
      {"0,1000,5000", 12, "expected four thresholds"},
      {"0,1000,5000,20000,1", 18, "expected four thresholds"},
      {"0,1k,5000,20000", 3, "expected an amount"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    patron_error e = {0};
    assert_int_equal(patron_level_options_parse(cases[i].text, &o, &e), PATRON_ERR_USAGE);
    if (e.column != cases[i].column || !strstr(e.message, cases[i].why))
      fail_msg("'%s': column %u, message %s", cases[i].text, e.column, e.message);
  }
  assert_true(o.thresholds[1] == 500);
}

/* ---- Tiers on a hand-made table ------------------------------------------------------------ */

/* 20 purchasers with value_index = row / 100 (row 0 lowest), a prospect at row 20.
 * Ranks: row r has 19 - r purchasers above it and r below. Top 20% = rows 16..19,
 * potential band [20%, 70%) = rows 6..15, bottom 10% = rows 0..1. */
typedef struct fx {
  patron_table *t;
  patron_activity a;
  int64_t *rec, *freq;
  double *vi;
} fx;

static fx make_fx(void) {
  fx f = {0};
  patron_error err = {0};
  f.t = patron_table_new(21);
  assert_int_equal(patron_table_add(f.t, "recency_days", PATRON_COL_INT, (void **)&f.rec, &err), 0);
  assert_int_equal(patron_table_add(f.t, "frequency", PATRON_COL_INT, (void **)&f.freq, &err), 0);
  assert_int_equal(patron_table_add(f.t, "value_index", PATRON_COL_DOUBLE, (void **)&f.vi, &err),
                   0);
  f.a.n = 21;
  f.a.spend = calloc(21, sizeof *f.a.spend);
  f.a.purchases = calloc(21, sizeof *f.a.purchases);
  f.a.cart_after_purchase = calloc(21, 1);
  f.a.has_events = f.a.has_cart_type = true;
  for (int r = 0; r < 20; r++)
    f.rec[r] = 10, f.freq[r] = 1, f.vi[r] = r / 100.0;
  return f;
}

static const char *tier_at(const patron_table *t, size_t r) {
  const patron_column *c = patron_table_find(t, "tier");
  int32_t code = ((const int32_t *)c->data)[r];
  return code < 0 ? "" : c->labels[code];
}

static void run_tiers(fx *f, patron_tier_info *info) {
  patron_tier_options o;
  patron_tier_options_init(&o);
  patron_error err = {0};
  assert_int_equal(patron_tiers(f->t, &f->a, &o, info, &err), PATRON_OK);
}

static void test_tiers_rules(void **state) {
  (void)state;
  fx f = make_fx();
  /* high_value needs all three: top 20%, spend > 5000, repurchase rate > 40% */
  f.a.spend[19] = 50000000, f.a.purchases[19] = 2; /* 5000.00: not above 5000 */
  f.a.spend[18] = 50000100, f.a.purchases[18] = 2; /* 5000.01, rate 50%: high */
  f.a.spend[17] = 90000000, f.a.purchases[17] = 1; /* rate 0% */
  f.a.spend[15] = 90000000, f.a.purchases[15] = 5; /* outside the top 20% */
  /* potential: rank in [20%, 70%) and a cart after the last purchase */
  f.a.cart_after_purchase[16] = 1; /* top 20% */
  f.a.cart_after_purchase[15] = 1; /* 4 above of 20 = 20%: in */
  f.a.cart_after_purchase[6] = 1;  /* 13 above = 65%: in */
  f.a.cart_after_purchase[5] = 1;  /* 14 above = 70%: out */
  /* maintain: bottom 10% AND recency > 180 AND frequency >= 2 */
  f.rec[0] = 181, f.freq[0] = 2;
  f.rec[1] = 180, f.freq[1] = 5; /* 180 days: not idle enough */
  f.rec[2] = 400, f.freq[2] = 5; /* 2 below of 20 = 10%: not in the bottom 10% */
  patron_tier_info info;
  run_tiers(&f, &info);
  const char *want[21] = {"maintain",   "regular", "regular", "regular",   "regular", "regular",
                          "potential",  "regular", "regular", "regular",   "regular", "regular",
                          "regular",    "regular", "regular", "potential", "regular", "regular",
                          "high_value", "regular", ""};
  for (size_t r = 0; r < 21; r++)
    if (strcmp(tier_at(f.t, r), want[r]))
      fail_msg("row %zu: %s, wanted %s", r, tier_at(f.t, r), want[r]);
  assert_int_equal(info.counts[PATRON_TIER_HIGH_VALUE], 1);
  assert_int_equal(info.counts[PATRON_TIER_POTENTIAL], 2);
  assert_int_equal(info.counts[PATRON_TIER_MAINTAIN], 1);
  assert_int_equal(info.counts[PATRON_TIER_REGULAR], 16);
  assert_null(info.potential_note);
  patron_table_free(f.t);
  patron_activity_free(&f.a);
}

/* Ties share a band: the position is the share of purchasers strictly above. */
static void test_tiers_ties(void **state) {
  (void)state;
  fx f = make_fx();
  for (int r = 14; r < 20; r++) /* six tied at the top: 0 above each, all in the top 20% */
    f.vi[r] = 0.9, f.a.spend[r] = 60000000, f.a.purchases[r] = 3;
  for (int r = 0; r < 4; r++) /* four tied at the bottom: 0 below each, all in the bottom 10% */
    f.vi[r] = 0, f.rec[r] = 200, f.freq[r] = 2;
  patron_tier_info info;
  run_tiers(&f, &info);
  assert_int_equal(info.counts[PATRON_TIER_HIGH_VALUE], 6);
  assert_int_equal(info.counts[PATRON_TIER_MAINTAIN], 4);
  patron_table_free(f.t);
  patron_activity_free(&f.a);
}

static void test_tiers_potential_note(void **state) {
  (void)state;
  fx f = make_fx();
  patron_tier_info info;
  f.a.has_events = f.a.has_cart_type = false;
  run_tiers(&f, &info);
  assert_non_null(strstr(info.potential_note, "needs an events file"));
  patron_table_free(f.t);
  patron_activity_free(&f.a);
  fx g = make_fx();
  g.a.has_cart_type = false;
  run_tiers(&g, &info);
  assert_non_null(strstr(info.potential_note, "no cart events"));
  patron_table_free(g.t);
  patron_activity_free(&g.a);
}

/* Thresholds are inclusive lower bounds; below the normal threshold: no level. */
static void test_member_levels(void **state) {
  (void)state;
  patron_table *t = patron_table_new(7);
  const patron_money spend[7] = {0, 9999900, 10000000, 49999999, 50000000, 200000000, -100};
  patron_activity a = {.n = 7, .spend = (patron_money *)spend};
  patron_level_options o;
  patron_level_options_init(&o);
  size_t counts[PATRON_LEVEL_COUNT];
  patron_error err = {0};
  assert_int_equal(patron_member_levels(t, &a, &o, counts, &err), PATRON_OK);
  const patron_column *c = patron_table_find(t, "member_level");
  const int32_t *l = c->data;
  const int32_t want[7] = {0, 0, 1, 1, 2, 3, PATRON_NULL_CODE};
  for (int r = 0; r < 7; r++)
    assert_int_equal(l[r], want[r]);
  assert_true(counts[0] == 2 && counts[1] == 2 && counts[2] == 1 && counts[3] == 1);
  assert_string_equal(c->labels[3], "diamond");
  assert_true(c->segmentation);
  patron_table_free(t);
}

/* ---- Activity from a dataset (as of 2024-03-01) ------------------------------------------ */

static const char orders[] =
    "customer_id,order_id,order_time,amount\n"
    "A,a0,2023-03-02 00:00:00,100\n"  /* exactly 365 days before (2024 is leap): in */
    "A,a1,2023-03-01 23:59:59,1000\n" /* one second earlier: out */
    "A,a2,2024-01-10,200\n"
    "A,a3,2024-01-20,-50\n" /* refund: netted, not a purchase */
    "A,a4,2024-03-01,999\n" /* on as-of: ignored */
    "B,b1,2024-02-10,300\n"
    "C,c1,2024-02-20,40\n"
    "D,d1,2022-01-01,70\n";
static const char events[] = "customer_id,event_time,event_type\n"
                             "A,2024-02-15,cart\n" /* after A's last purchase: yes */
                             "B,2024-02-05,cart\n" /* before B's purchase */
                             "B,2024-02-11,view\n"
                             "C,2024-02-25,cart\n"  /* after C's purchase ... */
                             "C,2024-03-01,cart\n"  /* (on as-of: ignored) */
                             "D,2024-01-15,cart\n"  /* older than 30 days */
                             "E,2024-02-20,cart\n"; /* no purchase at all */

static void activity_of(const char *events_text, patron_activity *a, patron_dataset **ds,
                        patron_profile **p) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  if (events_text)
    o.paths[PATRON_FILE_EVENTS] = fixture_file(1, "events.csv", events_text);
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 3, 1);
  assert_int_equal(patron_profile_build(*ds, &po, p, &err), PATRON_OK);
  assert_int_equal(patron_activity_compute(*ds, *p, 365, 30, "cart", a, &err), PATRON_OK);
}

static void test_activity(void **state) {
  (void)state;
  patron_activity a;
  patron_dataset *ds;
  patron_profile *p;
  activity_of(events, &a, &ds, &p);
  /* rows A B C D E */
  assert_int_equal(a.n, 5);
  const patron_money spend[5] = {2500000, 3000000, 400000, 0, 0};
  const int64_t purchases[5] = {2, 1, 1, 0, 0};
  const uint8_t cart[5] = {1, 0, 1, 0, 0};
  for (int r = 0; r < 5; r++) {
    assert_true(a.spend[r] == spend[r]);
    assert_true(a.purchases[r] == purchases[r]);
    assert_int_equal(a.cart_after_purchase[r], cart[r]);
  }
  assert_true(a.has_events && a.has_cart_type);
  patron_activity_free(&a);
  patron_profile_free(p);
  patron_dataset_free(ds);
  /* events without any cart */
  activity_of("customer_id,event_time,event_type\nA,2024-02-15,view\n", &a, &ds, &p);
  assert_true(a.has_events && !a.has_cart_type);
  assert_int_equal(a.cart_after_purchase[0], 0);
  patron_activity_free(&a);
  patron_profile_free(p);
  patron_dataset_free(ds);
}

/* value_index, tier and member_level together on the profile (what analyze runs). */
static void test_value_tiers_add(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  patron_dataset *ds;
  patron_profile *p;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 3, 1);
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  patron_value_tiers_options vo;
  patron_value_tiers_options_init(&vo);
  patron_value_tiers_info info;
  assert_int_equal(patron_value_tiers_add(p, ds, &vo, &info, &err), PATRON_OK);
  const patron_table *t = patron_profile_table_const(p);
  assert_non_null(patron_table_find(t, "value_index"));
  assert_true(patron_table_find(t, "tier")->segmentation);
  assert_true(patron_table_find(t, "member_level")->segmentation);
  assert_int_equal(info.index.n_scored, 4);
  assert_non_null(info.tiers.potential_note);
  assert_int_equal(info.levels[PATRON_LEVEL_NORMAL], 4);
  patron_profile_free(p);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_parse_tiers), cmocka_unit_test(test_parse_tiers_errors),
                 cmocka_unit_test(test_parse_levels), cmocka_unit_test(test_tiers_rules),
                 cmocka_unit_test(test_tiers_ties), cmocka_unit_test(test_tiers_potential_note),
                 cmocka_unit_test(test_member_levels), cmocka_unit_test(test_activity),
                 cmocka_unit_test(test_value_tiers_add))
