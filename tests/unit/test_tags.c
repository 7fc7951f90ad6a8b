/* Tags and custom segments (SPEC section 7) on a hand-computed fixture, as of 2024-01-11
 * (window 365 days: from 2023-01-11):
 *   A: 01-05 shoes/nike/app 50 (discount 5); 01-10 bags/gucci/store 100 + shoes/nike/store 30
 *      -> category bags (100 > 80), brand gucci, channel: app 1, store 1 -> app (byte-smaller),
 *         omnichannel 1, promo 1/2 = 0.5 high, aov 90 -> 0-100
 *   B: 2022-06-01 tv 900 (outside the window) -> preferred_* empty, aov 900 -> 500-2000,
 *      no window purchase -> promo empty
 *   C: 2023-06-01 toys/lego/app 3000 (discount 1) -> 2000+, promo 1 high, omnichannel 0
 *   M: a member only (prospect), born 2000-02-29 -> age 23 -> 18-25; events 2 in 30 days. */
#include "test_util.h"
#include "fixture.h"

static const char orders[] =
    "customer_id,order_id,order_time,amount,category,brand,channel,discount\n"
    "A,a1,2024-01-05,50,shoes,nike,app,5\n"
    "A,a2,2024-01-10 08:00,100,bags,gucci,store,0\n"
    "A,a2,2024-01-10 08:00,30,shoes,nike,store,0\n"
    "B,b1,2022-06-01,900,tv,sony,store,0\n"
    "C,c1,2023-06-01,3000,toys,lego,app,1\n";
static const char events[] = "customer_id,event_time,event_type\n"
                             "M,2024-01-01,view\n"
                             "M,2024-01-10,view\n"
                             "M,2023-11-01,view\n";
static const char members[] = "customer_id,birth_date,city\n"
                              "M,2000-02-29,Shanghai\n"
                              "A,1970-05-01,Beijing\n";

typedef struct fx {
  patron_dataset *ds;
  patron_profile *p;
  patron_tagset *ts;
} fx;

static fx build(const patron_tags_options *o) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  lo.paths[PATRON_FILE_EVENTS] = fixture_file(1, "events.csv", events);
  lo.paths[PATRON_FILE_CUSTOMERS] = fixture_file(2, "customers.csv", members);
  lo.keep_lines = true;
  fx f = {0};
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &f.ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 1, 11);
  assert_int_equal(patron_profile_build(f.ds, &po, &f.p, &err), PATRON_OK);
  f.ts = patron_tagset_new();
  assert_int_equal(patron_tags_builtin(f.ts, f.p, f.ds, o, NULL, &err), PATRON_OK);
  return f;
}

static void done(fx *f) {
  patron_profile_free(f->p);
  patron_tagset_free(f->ts);
  patron_dataset_free(f->ds);
}

/* A cell as text: category label, int, double (4 decimals), date; "" for none. */
static const char *cell(const fx *f, const char *col, size_t row) {
  static char buf[64];
  const patron_column *c = patron_table_find(patron_profile_table_const(f->p), col);
  assert_non_null(c);
  buf[0] = '\0';
  if (c->type == PATRON_COL_CATEGORY) {
    int32_t code = ((const int32_t *)c->data)[row];
    return code < 0 ? "" : c->labels[code];
  }
  if (c->type == PATRON_COL_INT) {
    int64_t v = ((const int64_t *)c->data)[row];
    if (v != PATRON_NULL_INT)
      snprintf(buf, sizeof buf, "%lld", (long long)v);
  } else if (c->type == PATRON_COL_DOUBLE) {
    double v = ((const double *)c->data)[row];
    if (v == v)
      snprintf(buf, sizeof buf, "%.4f", v);
  } else if (c->type == PATRON_COL_DATE) {
    int32_t v = ((const int32_t *)c->data)[row];
    if (v != PATRON_NO_DAY)
      patron_format_day(v, buf);
  } else if (c->type == PATRON_COL_STRING) {
    const char *v = ((const char *const *)c->data)[row];
    return v ? v : "";
  }
  return buf;
}

static void column(const fx *f, const char *col, const char *a, const char *b, const char *c,
                   const char *m) {
  const char *want[] = {a, b, c, m};
  for (size_t r = 0; r < 4; r++)
    if (strcmp(cell(f, col, r), want[r]) != 0)
      fail_msg("%s row %zu: got '%s', want '%s'", col, r, cell(f, col, r), want[r]);
}

static void builtin(void **state) {
  (void)state;
  patron_tags_options o;
  patron_tags_options_init(&o);
  fx f = build(&o);
  column(&f, "preferred_category", "bags", "", "toys", "");
  column(&f, "preferred_brand", "gucci", "", "lego", "");
  column(&f, "preferred_channel", "app", "", "app", "");
  column(&f, "omnichannel", "1", "0", "0", "");
  column(&f, "price_band", "0-100", "500-2000", "2000+", "");
  column(&f, "promo_share", "0.5000", "", "1.0000", "");
  column(&f, "promo_sensitivity", "high", "", "high", "");
  column(&f, "age_band", "46-55", "", "", "18-25");
  column(&f, "events_30d", "0", "0", "0", "2");
  column(&f, "last_event_date", "", "", "", "2024-01-10");
  done(&f);
}

static void options(void **state) {
  (void)state;
  patron_tags_options o;
  patron_tags_options_init(&o);
  patron_error err = {0};
  assert_int_equal(patron_tags_parse_price_bands("50,1000.5", &o, &err), PATRON_OK);
  o.window_days = 2000;
  fx f = build(&o);
  column(&f, "price_band", "50-1000.50", "50-1000.50", "1000.50+", "");
  column(&f, "preferred_category", "bags", "tv", "toys", "");
  done(&f);
  assert_int_equal(patron_tags_parse_price_bands("100,50", &o, &err), PATRON_ERR_USAGE);
}

static patron_status rules(fx *f, const char *tags, const char *segs, patron_error *err) {
  patron_tags_options o;
  patron_tags_options_init(&o);
  o.tags_file = tags ? fixture_file(3, "tags.txt", tags) : NULL;
  o.segments_file = segs ? fixture_file(4, "segments.txt", segs) : NULL;
  return patron_tags_rules(f->ts, f->p, f->ds, &o, err);
}

static void rule_files(void **state) {
  (void)state;
  patron_tags_options o;
  patron_tags_options_init(&o);
  fx f = build(&o);
  patron_error err = {0};
  assert_int_equal(rules(&f,
                         "# rule tags\n\nbig: monetary >= 1000\r\n"
                         "  recent : recency_days <= 30\n"
                         "big_recent: big and recent\n",
                         "whales: big\nlocals: city = 'Beijing'\n", &err),
                   PATRON_OK);
  column(&f, "big", "0", "0", "1", "");
  column(&f, "recent", "1", "0", "0", "");
  column(&f, "big_recent", "0", "0", "0", "");
  column(&f, "tags", "recent", "", "big", "");
  column(&f, "custom_segment", "locals", "others", "whales", "others");
  done(&f);
}

static void expect_rule_error(const char *tags, const char *want) {
  patron_tags_options o;
  patron_tags_options_init(&o);
  fx f = build(&o);
  patron_error err = {0};
  assert_int_equal(rules(&f, tags, NULL, &err), PATRON_ERR_USAGE);
  char buf[1024];
  patron_error_format(&err, buf, sizeof buf);
  const char *msg = strstr(buf, "tags.txt:");
  if (!msg || strncmp(msg, want, strlen(want)) != 0)
    fail_msg("got '%s', want '%s'", buf, want);
  done(&f);
}

static void rule_errors(void **state) {
  (void)state;
  expect_rule_error("ok: true\nno colon here\n", "tags.txt:2: expected NAME: EXPRESSION");
  expect_rule_error("9lives: true\n", "tags.txt:1: '9lives' is not a rule name");
  expect_rule_error("a: true\na: false\n", "tags.txt:2: rule 'a' is already defined on line 1");
  expect_rule_error("phone: true\n", "tags.txt:1: rule 'phone' would shadow the members' column");
  expect_rule_error("monetary: true\n",
                    "tags.txt:1: rule 'monetary' would shadow the profile column");
  expect_rule_error(
      "\n\nx: recency > 3\n",
      "tags.txt:3: x: unknown column 'recency' (did you mean recency_days?) at offset 0\n"
      "  recency > 3\n"
      "  ^");
  expect_rule_error("x: monetary + 1\n", "tags.txt:1: x: the expression is not a condition");
}

PATRON_TEST_MAIN(cmocka_unit_test(builtin), cmocka_unit_test(options), cmocka_unit_test(rule_files),
                 cmocka_unit_test(rule_errors))
