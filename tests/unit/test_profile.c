/* Profiles and the SPEC section 3 figures on a hand-computed fixture (as of 2024-01-11):
 *   A: 2024-01-05 50, 2024-01-10 100 (+ a row on 2024-01-11: after as-of)
 *   B: 2024-01-01 200          C: 2023-06-01 30, 07-01 30, 08-01 40, refund 08-05 -40
 *   D: 2022-12-01 500          E: only a refund        F: 2024-01-10 150, a zero order
 *   G: a member without orders.
 * Expected values are worked out by hand in the comments of each test. */
#include "test_util.h"
#include "fixture.h"

static const char orders[] = "customer_id,order_id,order_time,amount\n"
                             "A,a1,2024-01-05 12:00:00,50\n"
                             "A,a2,2024-01-10 08:00:00,100\n"
                             "A,a3,2024-01-11 00:00:00,999\n"
                             "B,b1,2024-01-01,200\n"
                             "C,c1,2023-06-01,30\n"
                             "C,c2,2023-07-01,30\n"
                             "C,c3,2023-08-01,40\n"
                             "C,c4,2023-08-05,-40\n"
                             "D,d1,2022-12-01,500\n"
                             "E,e1,2023-05-01,-10\n"
                             "F,f1,2024-01-10,150\n"
                             "F,f2,2024-01-10,0\n";

typedef struct fx {
  patron_dataset *ds;
  patron_profile *p;
  const patron_table *t;
} fx;

static fx build(bool median, int32_t load_as_of) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  o.paths[PATRON_FILE_CUSTOMERS] = fixture_file(1, "customers.csv", "customer_id\nG\nA\n");
  o.as_of_day = load_as_of;
  fx f = {0};
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &f.ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.median_threshold = median;
  po.as_of_day = patron_days_from_civil(2024, 1, 11);
  assert_int_equal(patron_profile_build(f.ds, &po, &f.p, &err), PATRON_OK);
  f.t = patron_profile_table_const(f.p);
  return f;
}

static void done(fx *f) {
  patron_profile_free(f->p);
  patron_dataset_free(f->ds);
}

/* Rows are A B C D E F G. */
static int64_t i64(const fx *f, const char *col, int row) {
  return ((const int64_t *)patron_table_find(f->t, col)->data)[row];
}

static const char *label(const fx *f, const char *col, int row) {
  const patron_column *c = patron_table_find(f->t, col);
  int32_t code = ((const int32_t *)c->data)[row];
  return code < 0 ? "" : c->labels[code];
}

static void test_base_figures(void **state) {
  (void)state;
  fx f = build(false, PATRON_NO_DAY);
  assert_int_equal(patron_table_n_rows(f.t), 7);
  assert_int_equal(patron_profile_as_of(f.p), patron_days_from_civil(2024, 1, 11));
  const int64_t rec[] = {1, 10, 163, 406, PATRON_NULL_INT, 1, PATRON_NULL_INT};
  const int64_t freq[] = {2, 1, 3, 1, PATRON_NULL_INT, 1, PATRON_NULL_INT};
  const int64_t ten[] = {6, 10, 224, 406, PATRON_NULL_INT, 1, PATRON_NULL_INT};
  const int64_t mon[] = {1500000,           2000000, 600000,           5000000,
                         PATRON_NULL_MONEY, 1500000, PATRON_NULL_MONEY};
  const int64_t aov[] = {750000,  2000000,          200000, 5000000, PATRON_NULL_MONEY,
                         1500000, PATRON_NULL_MONEY};
  for (int r = 0; r < 7; r++) {
    assert_true(i64(&f, "recency_days", r) == rec[r]);
    assert_true(i64(&f, "frequency", r) == freq[r]);
    assert_true(i64(&f, "tenure_days", r) == ten[r]);
    assert_true(i64(&f, "monetary", r) == mon[r]);
    assert_true(i64(&f, "avg_order_value", r) == aov[r]);
  }
  const int32_t *first = patron_table_find(f.t, "first_purchase")->data;
  assert_int_equal(first[2], patron_days_from_civil(2023, 6, 1));
  done(&f);
}

/* R: L = # strictly larger recency among {1,10,163,406,1}: A,F 3 -> 4; B 2 -> 3; C 1 -> 2;
 * D 0 -> 1. F: {2,1,3,1,1}: A 3 -> 4; B,D,F 0 -> 1; C 4 -> 5. M: {150,200,60,500,150}:
 * C 0 -> 1; A,F 1 -> 2; B 3 -> 4; D 4 -> 5. */
static void test_scores_with_ties(void **state) {
  (void)state;
  fx f = build(false, PATRON_NO_DAY);
  const int64_t cell[] = {442, 314, 251, 115, PATRON_NULL_INT, 412, PATRON_NULL_INT};
  const int64_t sum[] = {10, 8, 8, 7, PATRON_NULL_INT, 7, PATRON_NULL_INT};
  for (int r = 0; r < 7; r++) {
    assert_true(i64(&f, "rfm_cell", r) == cell[r]);
    assert_true(i64(&f, "rfm_score", r) == sum[r]);
  }
  done(&f);
}

/* Means: recency 116.2, frequency 1.6, monetary 212. Medians: 10, 1, 150. */
static void test_rfm_class_mean_and_median(void **state) {
  (void)state;
  fx f = build(false, PATRON_NO_DAY);
  const char *mean[] = {"general_value",
                        "general_develop",
                        "general_keep",
                        "important_retain",
                        "",
                        "general_develop",
                        ""};
  for (int r = 0; r < 7; r++)
    assert_string_equal(label(&f, "rfm_class", r), mean[r]);
  done(&f);
  f = build(true, PATRON_NO_DAY);
  const char *median[] = {"important_value",
                          "important_value",
                          "general_keep",
                          "important_keep",
                          "",
                          "important_value",
                          ""};
  for (int r = 0; r < 7; r++)
    assert_string_equal(label(&f, "rfm_class", r), median[r]);
  done(&f);
}

/* Quadrant: mean F 1.6, mean AOV 189. ABC (n = 5): A = ceil(0.75) = 1, B = ceil(1) = 1;
 * by monetary desc D 500, B 200, A 150, F 150 (tie: id order), C 60. */
static void test_quadrant_abc_lifecycle(void **state) {
  (void)state;
  fx f = build(false, PATRON_NO_DAY);
  const char *quad[] = {"frequent", "spender", "frequent", "spender", "", "uncertain", ""};
  const char *abc[] = {"C", "B", "C", "A", "", "C", ""};
  const char *life[] = {"new", "new", "silent", "churned", "prospect", "new", "prospect"};
  const char *seg[] = {"others", "others", "others", "others", "", "potential_loyalist", ""};
  for (int r = 0; r < 7; r++) {
    assert_string_equal(label(&f, "value_quadrant", r), quad[r]);
    assert_string_equal(label(&f, "abc_class", r), abc[r]);
    assert_string_equal(label(&f, "lifecycle", r), life[r]);
    assert_string_equal(label(&f, "segment", r), seg[r]);
  }
  done(&f);
}

/* Each named-segment rule, on score triples set directly. SPEC's first-match order means
 * potential_loyalist shadows new_customers and promising, and at_risk shadows
 * cant_lose_them: those three can never be assigned (see docs/FIGURES.md). */
static void test_segment_rules(void **state) {
  (void)state;
  const int64_t triples[][3] = {{5, 5, 5}, {2, 3, 3}, {3, 1, 3}, {5, 1, 1}, {3, 1, 1}, {2, 2, 3},
                                {2, 1, 2}, {1, 5, 5}, {1, 1, 1}, {1, 5, 1}, {4, 4, 3}, {1, 4, 4}};
  const char *want[] = {
      "champions",          "loyal_customers", "potential_loyalist", "potential_loyalist",
      "potential_loyalist", "need_attention",  "about_to_sleep",     "at_risk",
      "hibernating",        "others",          "loyal_customers",    "at_risk"};
  size_t n = sizeof triples / sizeof *triples;
  patron_table *t = patron_table_new(n);
  int64_t *r, *fq, *m;
  assert_int_equal(patron_table_add(t, "r_score", PATRON_COL_INT, (void **)&r, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "f_score", PATRON_COL_INT, (void **)&fq, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "m_score", PATRON_COL_INT, (void **)&m, NULL), PATRON_OK);
  for (size_t i = 0; i < n; i++)
    r[i] = triples[i][0], fq[i] = triples[i][1], m[i] = triples[i][2];
  assert_int_equal(patron_rfm_segments(t, 5, NULL), PATRON_OK);
  const patron_column *c = patron_table_find(t, "segment");
  for (size_t i = 0; i < n; i++)
    assert_string_equal(c->labels[((int32_t *)c->data)[i]], want[i]);
  patron_table_free(t);
}

/* With --bins 3 the top scores (3,3,3) are champions and the bottom (1,1,1) hibernating:
 * scores are put on the 1..5 scale of the rules first (3 -> 5, 2 -> 3, 1 -> 1). With 9
 * bins, 9 -> 5 and 7 -> 4. */
static void test_segment_rules_other_bins(void **state) {
  (void)state;
  const struct {
    int bins;
    int64_t r, f, m;
    const char *want;
  } cases[] = {{3, 3, 3, 3, "champions"},       {3, 1, 1, 1, "hibernating"},
               {3, 2, 2, 2, "loyal_customers"}, {9, 9, 9, 9, "champions"},
               {9, 7, 7, 7, "champions"},       {9, 2, 1, 1, "about_to_sleep"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    patron_table *t = patron_table_new(1);
    int64_t *r, *fq, *m;
    assert_int_equal(patron_table_add(t, "r_score", PATRON_COL_INT, (void **)&r, NULL), PATRON_OK);
    assert_int_equal(patron_table_add(t, "f_score", PATRON_COL_INT, (void **)&fq, NULL), PATRON_OK);
    assert_int_equal(patron_table_add(t, "m_score", PATRON_COL_INT, (void **)&m, NULL), PATRON_OK);
    r[0] = cases[i].r, fq[0] = cases[i].f, m[0] = cases[i].m;
    assert_int_equal(patron_rfm_segments(t, cases[i].bins, NULL), PATRON_OK);
    const patron_column *c = patron_table_find(t, "segment");
    assert_string_equal(c->labels[((int32_t *)c->data)[0]], cases[i].want);
    patron_table_free(t);
  }
}

/* Recomputing with an earlier as-of gives what the system said that day, whether the
 * cut happens at load or when profiling. */
static void test_as_of_consistency(void **state) {
  (void)state;
  int32_t day = patron_days_from_civil(2023, 7, 15);
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  patron_dataset *all = NULL, *cut = NULL;
  o.as_of_day = PATRON_NO_DAY;
  assert_int_equal(patron_dataset_load(&o, &all, NULL), PATRON_OK);
  o.as_of_day = day;
  assert_int_equal(patron_dataset_load(&o, &cut, NULL), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = day;
  patron_profile *p1 = NULL, *p2 = NULL;
  assert_int_equal(patron_profile_build(all, &po, &p1, NULL), PATRON_OK);
  po.as_of_day = PATRON_NO_DAY; /* the load's as-of is the default */
  assert_int_equal(patron_profile_build(cut, &po, &p2, NULL), PATRON_OK);
  const patron_table *t1 = patron_profile_table_const(p1), *t2 = patron_profile_table_const(p2);
  assert_int_equal(patron_table_n_rows(t1), 3); /* C, D, E existed by then */
  assert_int_equal(patron_table_n_rows(t2), 3);
  const char *cols[] = {"recency_days", "frequency", "monetary", "rfm_cell"};
  for (size_t c = 0; c < 4; c++)
    for (size_t r = 0; r < 3; r++)
      assert_true(((int64_t *)patron_table_find(t1, cols[c])->data)[r] ==
                  ((int64_t *)patron_table_find(t2, cols[c])->data)[r]);
  /* C as of 2023-07-15: purchases 06-01 and 07-01, recency 14 */
  assert_true(((int64_t *)patron_table_find(t1, "recency_days")->data)[0] == 14);
  patron_profile_free(p1);
  patron_profile_free(p2);
  patron_dataset_free(all);
  patron_dataset_free(cut);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_base_figures), cmocka_unit_test(test_scores_with_ties),
                 cmocka_unit_test(test_rfm_class_mean_and_median),
                 cmocka_unit_test(test_quadrant_abc_lifecycle),
                 cmocka_unit_test(test_segment_rules),
                 cmocka_unit_test(test_segment_rules_other_bins),
                 cmocka_unit_test(test_as_of_consistency))
