/* Repurchase cycles on a hand-computed fixture, as of 2024-03-01 (due window 14 days):
 *   A: 01-01, 01-03, 01-13, 01-16, 02-20    gaps 2 10 3 35 -> median 6.5, next 02-27 overdue
 *   B: 02-10 twice (one day), 02-20         gap 10 -> next 03-01 = as-of: due, 0 days
 *   C: 01-15, 02-14                         gap 30 -> next 03-15 = as-of + 14: not_due
 *   D: 01-14, 02-13                         gap 30 -> next 03-14: due (last day of window)
 *   E: 01-20, refund 02-01                  one purchase day: unknown
 *   F: 01-05, zero order 01-10, refund 01-15, 01-25   gap 20 -> next 02-14 overdue
 *   G: 02-01, 02-21, 03-01 and 03-05 (on/after as-of)  gap 20 -> next 03-12 due
 *   H: only a refund: not a purchaser.
 * Own cycles 6.5 10 20 20 30 30: overall median 20 (E's fallback: 01-20 + 20 = 02-09).
 * Categories (lines with amount > 0): tea A{01-01,01-03,01-13,02-20} C{01-15,02-14}
 * G{02-01,02-21} repeat; B D E F single -> cycle median(10,30,20) = 20. cups A{01-03,01-16}
 * F{01-05,01-25} repeat; B D single -> cycle median(13,20) = 16.5. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

static const char orders[] = "customer_id,order_id,order_time,amount,category\n"
                             "A,a1,2024-01-01,10,tea\n"
                             "A,a2,2024-01-03,10,tea\n"
                             "A,a2,2024-01-03,5,cups\n"
                             "A,a3,2024-01-13,10,tea\n"
                             "A,a4,2024-01-16,5,cups\n"
                             "A,a5,2024-02-20,10,tea\n"
                             "B,b1,2024-02-10 08:00,20,tea\n"
                             "B,b2,2024-02-10 19:00,20,tea\n"
                             "B,b3,2024-02-20,5,cups\n"
                             "C,c1,2024-01-15,10,tea\n"
                             "C,c2,2024-02-14,10,tea\n"
                             "D,d1,2024-01-14,5,cups\n"
                             "D,d2,2024-02-13,10,tea\n"
                             "E,e1,2024-01-20,50,tea\n"
                             "E,e2,2024-02-01,-50,tea\n"
                             "F,f1,2024-01-05,100,cups\n"
                             "F,f2,2024-01-10,30,tea\n"
                             "F,f2,2024-01-10,-30,cups\n"
                             "F,f3,2024-01-15,-20,cups\n"
                             "F,f4,2024-01-25,100,cups\n"
                             "G,g1,2024-02-01,10,tea\n"
                             "G,g2,2024-02-21,10,tea\n"
                             "G,g2,2024-02-21,5,\n"
                             "G,g3,2024-03-01,10,tea\n"
                             "G,g4,2024-03-05,10,tea\n"
                             "H,h1,2024-01-10,-10,tea\n";

static int32_t day(int m, int d) { return patron_days_from_civil(2024, m, d); }

static patron_dataset *load(bool lines, int32_t load_as_of) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  o.keep_lines = lines;
  o.as_of_day = load_as_of;
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &ds, &err), PATRON_OK);
  return ds;
}

static patron_repurchase_options options(bool fallback, int threads) {
  patron_repurchase_options o;
  patron_repurchase_options_init(&o);
  o.as_of_day = day(3, 1);
  o.fallback = fallback;
  o.n_threads = threads;
  return o;
}

static const void *col(const patron_table *t, const char *name) {
  const patron_column *c = patron_table_find(t, name);
  assert_non_null(c);
  return c->data;
}

static const char *status(const patron_table *t, size_t row) {
  const patron_column *c = patron_table_find(t, "repurchase_status");
  int32_t code = ((const int32_t *)c->data)[row];
  return code < 0 ? "" : c->labels[code];
}

/* Expected per-customer rows A..G (H has no purchase). */
static const char *const ids[7] = {"A", "B", "C", "D", "E", "F", "G"};
static const int64_t n_days[7] = {5, 2, 2, 2, 1, 2, 2};
static const double cycle[7] = {6.5, 10, 30, 30, NAN, 20, 20};
static const char *const st[7] = {"overdue", "due", "not_due", "due", "unknown", "overdue", "due"};

static void check_customers(const patron_table *t, bool fallback) {
  assert_int_equal(patron_table_n_rows(t), 7);
  const char *const *id = col(t, "customer_id");
  const int64_t *nd = col(t, "purchase_days"), *to = col(t, "days_to_next"),
                *due = col(t, "repurchase_due");
  const double *cy = col(t, "repurchase_cycle_days");
  const int32_t *next = col(t, "next_purchase_date"), *last = col(t, "last_purchase");
  const int32_t want_next[7] = {day(2, 27), day(3, 1),  day(3, 15), day(3, 14),
                                day(2, 9),  day(2, 14), day(3, 12)};
  for (int r = 0; r < 7; r++) {
    assert_string_equal(id[r], ids[r]);
    assert_true(nd[r] == n_days[r]);
    bool known = !isnan(cycle[r]) || fallback;
    assert_true(isnan(cy[r]) == !known);
    if (!known) {
      assert_string_equal(status(t, r), "unknown");
      assert_true(next[r] == PATRON_NO_DAY && due[r] == PATRON_NULL_INT);
      continue;
    }
    assert_true(cy[r] == (isnan(cycle[r]) ? 20 : cycle[r]));
    assert_int_equal(next[r], want_next[r]);
    assert_true(to[r] == want_next[r] - day(3, 1));
    assert_string_equal(status(t, r), r == 4 ? "overdue" : st[r]);
    assert_true(due[r] == (strcmp(status(t, r), "due") == 0));
  }
  assert_int_equal(last[6], day(2, 21)); /* G's rows on and after as-of are cut */
}

static void test_customers(void **state) {
  (void)state;
  patron_dataset *ds = load(false, PATRON_NO_DAY);
  patron_repurchase_options o = options(false, 1);
  patron_table *t = NULL;
  int32_t as_of = 0;
  patron_error err = {0};
  assert_int_equal(patron_repurchase_customers(ds, &o, &t, &as_of, &err), PATRON_OK);
  assert_int_equal(as_of, day(3, 1));
  check_customers(t, false);
  assert_null(patron_table_find(t, "repurchase_cycle_source"));
  patron_table_free(t);
  patron_dataset_free(ds);
}

static void test_customers_fallback(void **state) {
  (void)state;
  patron_dataset *ds = load(false, day(3, 1)); /* the cut made at load gives the same */
  patron_repurchase_options o = options(true, 2);
  patron_table *t = NULL;
  patron_error err = {0};
  assert_int_equal(patron_repurchase_customers(ds, &o, &t, NULL, &err), PATRON_OK);
  check_customers(t, true);
  const patron_column *src = patron_table_find(t, "repurchase_cycle_source");
  assert_non_null(src);
  for (int r = 0; r < 7; r++)
    assert_string_equal(src->labels[((const int32_t *)src->data)[r]], r == 4 ? "fallback" : "own");
  patron_table_free(t);
  patron_dataset_free(ds);
}

static void test_profile_columns(void **state) {
  (void)state;
  patron_dataset *ds = load(false, PATRON_NO_DAY);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = day(3, 1);
  patron_profile *p = NULL;
  patron_error err = {0};
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  patron_repurchase_options o = options(false, 0);
  o.as_of_day = day(1, 1); /* ignored: the profile's date rules */
  assert_int_equal(patron_repurchase_profile(p, ds, &o, &err), PATRON_OK);
  const patron_table *t = patron_profile_table_const(p);
  assert_int_equal(patron_table_n_rows(t), 8); /* H is a row (a refund) with no purchase */
  const int32_t *next = col(t, "next_purchase_date");
  const int64_t *due = col(t, "repurchase_due");
  const int64_t want_due[8] = {0, 1, 0, 1, PATRON_NULL_INT, 0, 1, PATRON_NULL_INT};
  for (int r = 0; r < 8; r++)
    assert_true(due[r] == want_due[r]);
  assert_int_equal(next[1], day(3, 1));
  assert_int_equal(next[7], PATRON_NO_DAY);
  assert_string_equal(status(t, 4), "unknown");
  assert_string_equal(status(t, 7), "");
  assert_true(patron_table_find(t, "repurchase_status")->segmentation);
  /* a second call would duplicate the columns */
  assert_int_equal(patron_repurchase_profile(p, ds, &o, &err), PATRON_ERR_USAGE);
  patron_profile_free(p);
  patron_dataset_free(ds);
}

/* pairs rows: A cups, A tea, B cups, B tea, C tea, D cups, D tea, E tea, F cups, F tea,
 * G tea. */
static void check_pairs(const patron_table *pairs, bool fallback) {
  static const char *const who[11] = {"A", "A", "B", "B", "C", "D", "D", "E", "F", "F", "G"};
  static const char *const cat[11] = {"cups", "tea", "cups", "tea", "tea", "cups",
                                      "tea",  "tea", "cups", "tea", "tea"};
  static const double cyc[11] = {13, 10, NAN, NAN, 30, NAN, NAN, NAN, 20, NAN, 20};
  /* next (own or fallback: cups 16.5 -> 17 days, tea 20 days) and status */
  static const int nm[11] = {1, 3, 3, 3, 3, 1, 3, 2, 2, 1, 3};
  static const int nd[11] = {29, 1, 8, 1, 15, 31, 4, 9, 14, 30, 12};
  static const char *const own_st[11] = {"overdue", "due", "",        "", "not_due", "",
                                         "",        "",    "overdue", "", "due"};
  static const char *const fb_st[11] = {"overdue", "due",     "due", "due",
                                        "not_due", "overdue", "due", "overdue",
                                        "overdue", "overdue", "due"};
  assert_int_equal(patron_table_n_rows(pairs), 11);
  const char *const *id = col(pairs, "customer_id"), *const *c = col(pairs, "category");
  const int32_t *next = col(pairs, "next_purchase_date");
  for (int r = 0; r < 11; r++) {
    assert_string_equal(id[r], who[r]);
    assert_string_equal(c[r], cat[r]);
    if (isnan(cyc[r]) && !fallback) {
      assert_string_equal(status(pairs, r), "unknown");
      continue;
    }
    assert_int_equal(next[r], day(nm[r], nd[r]));
    assert_string_equal(status(pairs, r), fallback ? fb_st[r] : own_st[r]);
  }
}

static void near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol))
    fail_msg("got %.17g, wanted %.17g", got, want);
}

static void check_report(const patron_table *rep, bool fallback) {
  assert_int_equal(patron_table_n_rows(rep), 2);
  const char *const *c = col(rep, "category");
  const int64_t *buyers = col(rep, "buyers"), *repeat = col(rep, "repeat_buyers"),
                *observed = col(rep, "observed_buyers"), *returned = col(rep, "returned_within_2x"),
                *due = col(rep, "due"), *overdue = col(rep, "overdue");
  const double *cycle = col(rep, "median_cycle_days"), *rs = col(rep, "repeat_share"),
               *fs = col(rep, "first_gap_within_2x_share"),
               *ret = col(rep, "returned_within_2x_share");
  assert_string_equal(c[0], "cups");
  assert_string_equal(c[1], "tea");
  /* cups: buyers A B D F, repeat A (13) F (20); 2x = 33; observed: first day <= 01-27:
   * A D F; returned A F. tea: 7 buyers, repeat A C G; 2x = 40; observed first day <=
   * 01-20: A C E F; returned A C. */
  const int64_t w_buyers[2] = {4, 7}, w_repeat[2] = {2, 3}, w_obs[2] = {3, 4}, w_ret[2] = {2, 2};
  const double w_cycle[2] = {16.5, 20}, w_ret_share[2] = {2.0 / 3, 0.5};
  const int64_t w_due[2][2] = {{0, 2}, {1, 4}}, w_over[2][2] = {{2, 0}, {3, 2}};
  for (int k = 0; k < 2; k++) {
    assert_true(buyers[k] == w_buyers[k] && repeat[k] == w_repeat[k]);
    assert_true(observed[k] == w_obs[k] && returned[k] == w_ret[k]);
    near(cycle[k], w_cycle[k], 0);
    near(rs[k], (double)w_repeat[k] / (double)w_buyers[k], 1e-15);
    near(fs[k], 1.0, 0);
    near(ret[k], w_ret_share[k], 1e-15);
    assert_true(due[k] == w_due[fallback][k] && overdue[k] == w_over[fallback][k]);
  }
}

static void test_categories(void **state) {
  (void)state;
  patron_dataset *ds = load(true, PATRON_NO_DAY);
  for (int fallback = 0; fallback < 2; fallback++) {
    patron_repurchase_options o = options(fallback, fallback ? 2 : 1);
    patron_table *pairs = NULL, *rep = NULL;
    patron_error err = {0};
    assert_int_equal(patron_repurchase_categories(ds, &o, &pairs, &rep, &err), PATRON_OK);
    check_pairs(pairs, fallback);
    check_report(rep, fallback);
    patron_table_free(pairs);
    patron_table_free(rep);
  }
  patron_dataset_free(ds);
}

static void test_errors(void **state) {
  (void)state;
  patron_dataset *ds = load(false, PATRON_NO_DAY);
  patron_repurchase_options o = options(false, 0);
  patron_table *a = NULL, *b = NULL;
  patron_error err = {0};
  assert_int_equal(patron_repurchase_categories(ds, &o, &a, &b, &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "keep_lines"));
  assert_null(a);
  o.due_days = 0;
  patron_error err2 = {0};
  assert_int_equal(patron_repurchase_customers(ds, &o, &a, NULL, &err2), PATRON_ERR_USAGE);
  assert_null(a);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_customers), cmocka_unit_test(test_customers_fallback),
                 cmocka_unit_test(test_profile_columns), cmocka_unit_test(test_categories),
                 cmocka_unit_test(test_errors))
