/* Unit tests for recommendations (include/patron/recommend.h, SPEC section 18) on a
 * hand-computed fixture: baskets (refunds and empty values left out, duplicates counted
 * once), rule figures and their exact order with tied lifts, thresholds, similar values,
 * per-customer picks with exclusions, reasons and the popular fill, the evaluation against
 * popularity, and independence from the thread count. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

/* Baskets: o1 {A,B}, o2 {A,C}, o3 {A,B,C}, o5 {B}, o6 {C}, o7 {A,B}: N = 6.
 * n(A) = 4, n(B) = 4, n(C) = 3, n(AB) = 3, n(AC) = 2, n(BC) = 1, n(ABC) = 1. */
static const char orders_csv[] = "customer_id,order_id,order_time,amount,item_id,category\n"
                                 "c1,o1,2024-01-01,10,A,x\n"
                                 "c1,o1,2024-01-01,5,B,x\n"
                                 "c1,o2,2024-03-01,7,A,x\n"
                                 "c1,o2,2024-03-01,7,C,y\n"
                                 "c2,o3,2024-01-05,3,A,x\n"
                                 "c2,o3,2024-01-05,3,B,x\n"
                                 "c2,o3,2024-01-05,3,C,y\n"
                                 "c2,o4,2024-02-01,-3,A,x\n" /* a refund: no basket */
                                 "c2,o8,2024-02-02,4,,x\n"   /* no item: no item basket */
                                 "c3,o5,2024-02-10,4,B,x\n"
                                 "c3,o5,2024-02-10,4,B,x\n"
                                 "c3,o6,2024-05-01,9,C,y\n"
                                 "c4,o7,2024-05-02,2,A,x\n"
                                 "c4,o7,2024-05-02,2,B,x\n";
static const char events_csv[] = "customer_id,event_time,event_type,item_id\n"
                                 "p1,2024-05-01 10:00:00,view,C\n"
                                 "p1,2024-05-01 10:05:00,cart,A\n";

static patron_dataset *load(int threads) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "reco_orders.csv", orders_csv);
  o.paths[PATRON_FILE_EVENTS] = fixture_file(1, "reco_events.csv", events_csv);
  o.keep_lines = true;
  o.n_threads = threads;
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &ds, &err), PATRON_OK);
  return ds;
}

static patron_recommender *fit(const patron_dataset *ds, uint64_t support, double confidence,
                               int threads) {
  patron_recommend_options o;
  patron_recommend_options_init(&o);
  o.min_support = support;
  o.min_confidence = confidence;
  o.n_threads = threads;
  patron_recommender *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommender_fit(ds, &o, &m, &err), PATRON_OK);
  return m;
}

typedef struct rule_row {
  const char *ant, *cons;
  int64_t orders, ant_n, cons_n;
} rule_row;

static void check_rules(const patron_table *t, const rule_row *want, size_t n) {
  assert_int_equal(patron_table_n_rows(t), n);
  const char *const *ant = patron_table_find(t, "antecedent")->data;
  const char *const *cons = patron_table_find(t, "consequent")->data;
  const double *sup = patron_table_find(t, "support")->data;
  const double *conf = patron_table_find(t, "confidence")->data;
  const double *lift = patron_table_find(t, "lift")->data;
  const int64_t *orders = patron_table_find(t, "orders")->data;
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(ant[i], want[i].ant);
    assert_string_equal(cons[i], want[i].cons);
    assert_int_equal(orders[i], want[i].orders);
    assert_true(fabs(sup[i] - (double)want[i].orders / 6) < 1e-12);
    assert_true(fabs(conf[i] - (double)want[i].orders / (double)want[i].ant_n) < 1e-12);
    double l = (double)want[i].orders * 6 / ((double)want[i].ant_n * (double)want[i].cons_n);
    assert_true(fabs(lift[i] - l) < 1e-12);
  }
}

/* Lifts: B|C->A 1.5; A->B and B->A 1.125 (tie: antecedent bytewise); A->C, C->A 1.0;
 * A|C->B 0.75; A|B->C 2/3; B->C, C->B 0.5. */
static void test_rules_all(void **state) {
  (void)state;
  patron_dataset *ds = load(1);
  patron_recommender *m = fit(ds, 1, 0, 1);
  patron_table *t = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommender_rules(m, &t, &err), PATRON_OK);
  const rule_row want[] = {{"B|C", "A", 1, 1, 4}, {"A", "B", 3, 4, 4}, {"B", "A", 3, 4, 4},
                           {"A", "C", 2, 4, 3},   {"C", "A", 2, 3, 4}, {"A|C", "B", 1, 2, 4},
                           {"A|B", "C", 1, 3, 3}, {"B", "C", 1, 4, 3}, {"C", "B", 1, 3, 4}};
  check_rules(t, want, sizeof want / sizeof *want);
  patron_recommender_stats s;
  patron_recommender_stats_get(m, &s);
  assert_int_equal(s.baskets, 6);
  assert_int_equal(s.values, 3);
  patron_table_free(t);
  patron_recommender_free(m);
  patron_dataset_free(ds);
}

static void test_rules_thresholds(void **state) {
  (void)state;
  patron_dataset *ds = load(2);
  patron_recommender *m = fit(ds, 2, 0, 2); /* only AB (3) and AC (2) reach 2 baskets */
  patron_table *t = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommender_rules(m, &t, &err), PATRON_OK);
  const rule_row want[] = {
      {"A", "B", 3, 4, 4}, {"B", "A", 3, 4, 4}, {"A", "C", 2, 4, 3}, {"C", "A", 2, 3, 4}};
  check_rules(t, want, 4);
  patron_table_free(t);
  patron_recommender_free(m);
  m = fit(ds, 1, 0.6, 2); /* confidence >= 0.6: B|C->A 1, A->B 0.75, B->A 0.75, C->A 2/3 */
  assert_int_equal(patron_recommender_rules(m, &t, &err), PATRON_OK);
  const rule_row want2[] = {
      {"B|C", "A", 1, 1, 4}, {"A", "B", 3, 4, 4}, {"B", "A", 3, 4, 4}, {"C", "A", 2, 3, 4}};
  check_rules(t, want2, 4);
  patron_table_free(t);
  patron_recommender_free(m);
  patron_dataset_free(ds);
}

/* score(A, B) = 3 / sqrt(4 x 4) = 0.75, score(A, C) = 2 / sqrt(12), score(B, C) = 1 / sqrt(12)
 * (no co-view: p1 views one item a day). */
static void test_similar(void **state) {
  (void)state;
  patron_dataset *ds = load(1);
  patron_recommender *m = fit(ds, 1, 0, 1);
  patron_table *t = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommender_similar(m, &t, &err), PATRON_OK);
  assert_int_equal(patron_table_n_rows(t), 6);
  const char *const *value = patron_table_find(t, "value")->data;
  const char *const *similar = patron_table_find(t, "similar")->data;
  const double *score = patron_table_find(t, "score")->data;
  const int64_t *rank = patron_table_find(t, "rank")->data;
  const char *want[6][2] = {{"A", "B"}, {"A", "C"}, {"B", "A"}, {"B", "C"}, {"C", "A"}, {"C", "B"}};
  const double want_score[6] = {0.75, 2 / sqrt(12), 0.75, 1 / sqrt(12), 2 / sqrt(12), 1 / sqrt(12)};
  for (int i = 0; i < 6; i++) {
    assert_string_equal(value[i], want[i][0]);
    assert_string_equal(similar[i], want[i][1]);
    assert_true(fabs(score[i] - want_score[i]) < 1e-6);
    assert_int_equal(rank[i], 1 + i % 2);
  }
  patron_table_free(t);
  patron_recommender_free(m);
  patron_dataset_free(ds);
}

static size_t rows_of(const patron_table *t, const char *id, size_t *first) {
  const char *const *ids = patron_table_find(t, "customer_id")->data;
  size_t n = 0;
  for (size_t r = 0; r < patron_table_n_rows(t); r++)
    if (strcmp(ids[r], id) == 0) {
      if (!n)
        *first = r;
      n++;
    }
  return n;
}

/* As of 2024-05-03, exclusions from 2024-02-03. c3 bought B (83 days ago) and C (2 days
 * ago), both excluded: A scores exp(-83/180) 0.75 + exp(-2/180) 2/sqrt(12), mostly from C.
 * c1 bought A, B, C; A and C on 2024-03-01 (excluded): B remains. p1 viewed C: C itself
 * (0.5 exp(-2/30)) first, then A and B through C. */
static void test_customers(void **state) {
  (void)state;
  patron_dataset *ds = load(1);
  patron_recommender *m = fit(ds, 1, 0, 1);
  patron_table *t = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommend_customers(m, NULL, 0, 2, &t, &err), PATRON_OK);
  const char *const *value = patron_table_find(t, "value")->data;
  const char *const *reason = patron_table_find(t, "reason")->data;
  const double *score = patron_table_find(t, "score")->data;
  size_t r = 0;
  assert_int_equal(rows_of(t, "c3", &r), 1); /* nothing else left to offer c3 */
  assert_string_equal(value[r], "A");
  assert_string_equal(reason[r], "bought_with:C");
  assert_true(fabs(score[r] - (exp(-83.0 / 180) * 0.75 + exp(-2.0 / 180) * 2 / sqrt(12))) < 1e-6);
  assert_int_equal(rows_of(t, "c1", &r), 1);
  assert_string_equal(value[r], "B");
  assert_int_equal(strncmp(reason[r], "bought_with:", 12), 0);
  assert_int_equal(rows_of(t, "p1", &r), 2);
  assert_string_equal(value[r], "C");
  assert_string_equal(reason[r], "viewed:C");
  assert_true(fabs(score[r] - 0.5 * exp(-2.0 / 30)) < 1e-6);
  assert_string_equal(value[r + 1], "A");
  assert_string_equal(reason[r + 1], "viewed:C");
  char buf[16];
  uint32_t p1 = patron_dataset_find_customer(ds, "p1", 2);
  assert_int_equal(patron_recommend_join(m, p1, 3, buf, sizeof buf), 3);
  assert_string_equal(buf, "C|A|B");
  assert_int_equal(patron_recommend_join(m, p1, 3, buf, 3), 1); /* "C|A" needs 4 bytes */
  assert_string_equal(buf, "C");
  patron_table_free(t);
  patron_recommender_free(m);
  patron_dataset_free(ds);
}

/* Split 2024-04-03 (D = 30), k = 1. Buyers in the window: c3 {C}, c4 {A, B}. Popularity
 * before the split: B (3 customers), then A, C (2): B for both -> c4 hits. The model: c3's
 * B is excluded, A offered (miss); c4 has no history at the split: a prospect, whose
 * favourite is the most common first-purchase value, B (hit). Both: hit rate 1/2,
 * precision 1/2, recall (0 + 1/2) / 2; coverage 2/3 (A, B of A, B, C) and 1/3. */
static void test_evaluate(void **state) {
  (void)state;
  patron_dataset *ds = load(1);
  patron_recommend_options o;
  patron_recommend_options_init(&o);
  o.min_support = 1;
  o.k = 1;
  patron_recommend_eval e;
  patron_error err = {0};
  assert_int_equal(patron_recommend_evaluate(ds, &o, 30, &e, &err), PATRON_OK);
  assert_int_equal(e.split_day, patron_days_from_civil(2024, 4, 3));
  assert_int_equal(e.customers, 2);
  assert_int_equal(e.catalogue, 3);
  const patron_reco_scores *s[2] = {&e.model, &e.popular};
  for (int i = 0; i < 2; i++) {
    assert_true(fabs(s[i]->hit_rate - 0.5) < 1e-12);
    assert_true(fabs(s[i]->precision - 0.5) < 1e-12);
    assert_true(fabs(s[i]->recall - 0.25) < 1e-12);
  }
  assert_true(fabs(e.model.coverage - 2.0 / 3) < 1e-12);
  assert_true(fabs(e.popular.coverage - 1.0 / 3) < 1e-12);
  char *json = patron_recommend_eval_to_json(&e, &o);
  assert_non_null(strstr(json, "\"popularity\""));
  free(json);
  patron_dataset_free(ds);
}

static void test_category_level_and_errors(void **state) {
  (void)state;
  patron_dataset *ds = load(1);
  patron_recommend_options o;
  patron_recommend_options_init(&o);
  o.level = PATRON_RECO_CATEGORY;
  o.min_support = 1;
  patron_recommender *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_recommender_fit(ds, &o, &m, &err), PATRON_OK);
  patron_recommender_stats s;
  patron_recommender_stats_get(m, &s);
  assert_int_equal(s.baskets, 7); /* o8 holds category x: a basket at this level */
  patron_recommender_free(m);
  o.level = PATRON_RECO_BRAND; /* no brand column */
  assert_int_equal(patron_recommender_fit(ds, &o, &m, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "brand"));
  patron_reco_level l;
  assert_false(patron_reco_level_parse("sku", &l));
  assert_true(patron_reco_level_parse("brand", &l) && l == PATRON_RECO_BRAND);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_rules_all), cmocka_unit_test(test_rules_thresholds),
                 cmocka_unit_test(test_similar), cmocka_unit_test(test_customers),
                 cmocka_unit_test(test_evaluate), cmocka_unit_test(test_category_level_and_errors))
