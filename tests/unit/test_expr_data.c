/* The expression language over a loaded dataset (SPEC section 6): behaviour functions on
 * the per-customer order, line and event ranges, member columns, age/birthday functions,
 * avg_order_value compared exactly, rfm_cell as text. As of 2024-01-11 (T = 00:00):
 *   A: 2023-12-20 refund -20 (shoes, i1), 2024-01-05 50 (shoes, i1), 2024-01-10 08:00 100
 *      (bags, i2); views 01-08 i4, 01-08 i1 (bought), 01-09 i3, 01-10 i3; cart 01-10 12:00
 *      (no purchase after: abandoned)
 *   B: 2023-06-01 200 (bags), cart 2024-01-10 09:00, then an order 01-10 10:00 of 10
 *   C: 2024-01-02 100.01, 2024-01-03 100.01, 2024-01-04 100.01 (avg 100.01 exactly)
 *   M: a member only, born 2000-02-29, city Shanghai.
 * Extra member columns: source (text: M tmall, A jd), score (text as SPEC 6 says, though its
 * values read as numbers: M 2.5, A empty), code (text: M '007', A 'x1'), consent_sms (a
 * number: M 1, A 0); wechat_id is personal data and no attribute. */
#include "test_util.h"
#include "fixture.h"

static const char orders[] = "customer_id,order_id,order_time,amount,category,item_id\n"
                             "A,a0,2023-12-20,-20,shoes,i1\n"
                             "A,a1,2024-01-05,50,shoes,i1\n"
                             "A,a2,2024-01-10 08:00,100,bags,i2\n"
                             "B,b1,2023-06-01,200,bags,i2\n"
                             "B,b2,2024-01-10 10:00,10,bags,i2\n"
                             "C,c1,2024-01-02,100.01,toys,i5\n"
                             "C,c2,2024-01-03,100.01,toys,i5\n"
                             "C,c3,2024-01-04,100.01,toys,i5\n";
static const char events[] = "customer_id,event_time,event_type,item_id\n"
                             "A,2024-01-08 09:00,view,i4\n"
                             "A,2024-01-08 10:00,view,i1\n"
                             "A,2024-01-09 10:00,view,i3\n"
                             "A,2024-01-10 10:00,view,i3\n"
                             "A,2024-01-10 12:00,cart,i3\n"
                             "B,2024-01-10 09:00,cart,i2\n";
static const char members[] =
    "customer_id,birth_date,city,gender,source,score,code,wechat_id,consent_sms\n"
    "M,2000-02-29,Shanghai,F,tmall,2.5,007,wx1,1\n"
    "A,1990-01-11,Beijing,M,jd,,x1,,0\n";

typedef struct fx {
  patron_dataset *ds;
  patron_profile *p;
  patron_expr_env env;
} fx;

static fx build(void) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  o.paths[PATRON_FILE_EVENTS] = fixture_file(1, "events.csv", events);
  o.paths[PATRON_FILE_CUSTOMERS] = fixture_file(2, "customers.csv", members);
  o.keep_lines = true;
  fx f = {0};
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &f.ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 1, 11);
  assert_int_equal(patron_profile_build(f.ds, &po, &f.p, &err), PATRON_OK);
  patron_expr_env_init(&f.env);
  f.env.table = patron_profile_table_const(f.p);
  f.env.dataset = f.ds;
  f.env.row_customer = patron_profile_customers(f.p);
  f.env.as_of = (int64_t)po.as_of_day * 86400;
  return f;
}

/* Rows A B C M: the ids the condition keeps, with both evaluators. */
static void selects(const char *text, const char *want) {
  fx f = build();
  patron_expr *e = NULL;
  patron_error err = {0};
  if (patron_expr_compile(text, strlen(text), &f.env, &e, &err) != PATRON_OK)
    fail_msg("%s: %s", text, err.message);
  size_t n = patron_table_n_rows(f.env.table), n_kept = 0;
  uint32_t kept[8];
  assert_int_equal(patron_expr_filter(e, NULL, 0, kept, &n_kept, &err), PATRON_OK);
  char got[64] = "", by_row[64] = "";
  const char *const *ids = patron_table_find(f.env.table, "customer_id")->data;
  for (size_t i = 0; i < n_kept; i++)
    strcat(got, ids[kept[i]]);
  for (size_t r = 0; r < n; r++) {
    patron_expr_value v;
    assert_int_equal(patron_expr_eval_row(e, r, &v, &err), PATRON_OK);
    if (!v.is_null && v.boolean)
      strcat(by_row, ids[r]);
  }
  if (strcmp(got, want) != 0 || strcmp(by_row, want) != 0)
    fail_msg("%s: filter %s, rows %s, want %s", text, got, by_row, want);
  patron_expr_free(e);
  patron_profile_free(f.p);
  patron_dataset_free(f.ds);
}

static void behaviour(void **state) {
  (void)state;
  selects("purchases(30) = 2", "A");
  selects("purchases(30) = 3", "C");
  selects("purchases(1) = 1", "AB");
  selects("purchases(365) = 0", "M");
  selects("spend(30) = 130", "A");
  selects("spend(30) = 10", "B");
  selects("spend(400) = 210", "B");
  selects("purchases(30, 'shoes') = 1", "A");
  selects("purchases(30, 'bags') >= 1", "AB");
  selects("spend(30, 'bags') = 100", "A");
  selects("spend(30, 'nothing') = 0", "ABCM");
  selects("events('view', 7) = 4", "A");
  selects("items_viewed_unbought(7, 2) = 1", "A");
  selects("items_viewed_unbought(7, 1) = 2", "A");
  selects("items_viewed_unbought(1, 1) = 1", "A");
  selects("items_viewed_unbought(7, 3) = 0", "ABCM");
  selects("events('view', 1) = 1", "A");
  selects("events('nothing', 7) = 0", "ABCM");
  selects("cart_abandoned(24)", "A");
  selects("cart_abandoned(6)", "");
  selects("not cart_abandoned(24) and purchases(30) + purchases(30) >= 2", "BC");
}

static void members_and_exact(void **state) {
  (void)state;
  selects("city = 'Shanghai'", "M");
  selects("gender is null", "BC");
  selects("age() = 23", "M");
  selects("age() = 34", "A");
  selects("days_to_birthday() = 0", "A");
  selects("days_to_birthday() = 49", "M");
  selects("birth_date < '1995-01-01'", "A");
  selects("avg_order_value = 100.01", "C");
  selects("avg_order_value = 65", "A");
  selects("avg_order_value = 105 and avg_order_value < 105.0001", "B");
  selects("rfm_cell like '%'", "ABC");
  selects("monetary = 130", "A");
}

static void extra_columns(void **state) {
  (void)state;
  selects("source = 'tmall'", "M");
  selects("source in ('jd', 'x')", "A");
  selects("source is null", "BC");
  selects("score = '2.5'", "M");
  selects("score is null", "ABC");
  selects("code = '007'", "M");
  selects("code like 'x%'", "A");
  selects("consent_sms = 0", "A");
  selects("consent_sms = 1 and source = 'tmall'", "M");
  fx f = build();
  assert_int_equal(patron_dataset_n_member_columns(f.ds), 4);
  patron_member_column m;
  const char *names[] = {"source", "score", "code", "consent_sms"};
  const bool numeric[] = {false, true, false, true}; /* as read; expressions see text */
  for (size_t k = 0; k < 4; k++) {
    patron_dataset_member_column(f.ds, k, &m);
    assert_string_equal(m.name, names[k]);
    assert_int_equal(m.number != NULL, numeric[k]);
  }
  patron_profile_free(f.p);
  patron_dataset_free(f.ds);
}

static void member_errors(void **state) {
  (void)state;
  fx f = build();
  patron_expr *e = NULL;
  patron_error err = {0};
  const char *text = "cty = 'x'";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_string_equal(err.message, "unknown column 'cty' (did you mean city?) at offset 0\n"
                                   "  cty = 'x'\n"
                                   "  ^");
  patron_error_clear(&err);
  text = "recency > 3";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "unknown column 'recency' (did you mean recency_days?)"));
  patron_error_clear(&err);
  text = "soruce = 'jd'";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "unknown column 'soruce' (did you mean source?)"));
  patron_error_clear(&err);
  text = "source > 1";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "cannot compare text with a number"));
  patron_error_clear(&err);
  text = "score > 2"; /* every member column but consent_* is text (SPEC 6) */
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "cannot compare text with a number"));
  patron_error_clear(&err);
  text = "wechat_id is null"; /* personal data: not an attribute */
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &f.env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "unknown column 'wechat_id'"));
  patron_profile_free(f.p);
  patron_dataset_free(f.ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(behaviour), cmocka_unit_test(members_and_exact),
                 cmocka_unit_test(extra_columns), cmocka_unit_test(member_errors))
