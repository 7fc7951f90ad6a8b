/* CLV cohorts and what surrounds the models: (x, t_x, T, mean repeat value) and holdout
 * figures from transactions (hand-computed), the summary-table reader and its rejects,
 * holdout evaluation, weekly tracking (against FHL's closed-form E[X(t)]), model.json round
 * trips, the analyze columns, and CDNOW read by the loader straight from the raw file. */
#include "test_util.h"

#include <gsl/gsl_sf_hyperg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "patron/clv.h"
#include "patron/patron.h"

#define CDNOW PATRON_SHARED_DATA "/cdnow/"

/* A: two orders on 01-01 (10 + 5), 01-03 (20), 01-10 (0), holdout 01-12 (30), after the
 * holdout 01-20 (40). B: a refund only. C: first purchase in the holdout. D: one purchase. */
static const char ORDERS[] = "customer_id,order_id,order_time,amount\n"
                             "A,1,2024-01-01 09:00,10\n"
                             "A,2,2024-01-01 18:00,5\n"
                             "A,3,2024-01-03,20\n"
                             "A,4,2024-01-10 23:59,0\n"
                             "A,5,2024-01-12,30\n"
                             "A,6,2024-01-20,40\n"
                             "B,7,2024-01-02,-5\n"
                             "C,8,2024-01-11,12\n"
                             "D,9,2024-01-05,7\n";

static patron_dataset *load_orders(const char *text, int32_t as_of) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", text);
  lo.as_of_day = as_of;
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  return ds;
}

static int32_t day(int y, int m, int d) { return patron_days_from_civil(y, m, d); }

static patron_clv_cohort *cohort(const patron_dataset *ds, bool zero, double unit) {
  patron_clv_cohort_options o;
  patron_clv_cohort_options_init(&o);
  o.calibration_end = day(2024, 1, 10);
  o.holdout_end = day(2024, 1, 15);
  o.zero_value_purchases = zero;
  o.unit_days = unit;
  patron_clv_cohort *c = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_cohort_build(ds, &o, &c, &err), PATRON_OK);
  return c;
}

static void cohort_from_transactions(void **state) {
  (void)state;
  patron_dataset *ds = load_orders(ORDERS, day(2024, 1, 16));
  assert_int_equal(patron_dataset_file_report(ds, PATRON_FILE_ORDERS)->after_as_of, 1);
  patron_clv_cohort *c = cohort(ds, false, 1);
  assert_int_equal(c->n, 2); /* A and D: B never bought, C first bought in the holdout */
  assert_string_equal(patron_dataset_customer_id(ds, c->customer[0]), "A");
  assert_true(c->x[0] == 1 && c->t_x[0] == 2 && c->T[0] == 9); /* days 01-01, 01-03 */
  assert_true(c->monetary[0] == 20 && c->spend[0] == 35);
  assert_true(c->holdout_x[0] == 1 && c->holdout_spend[0] == 30);
  assert_true(c->x[1] == 0 && c->t_x[1] == 0 && c->T[1] == 5 && c->monetary[1] == 0);
  assert_true(c->holdout_length == 5);
  patron_clv_cohort_free(c);
  c = cohort(ds, true, 7); /* the 0-value order of 01-10 is a purchase; weeks */
  assert_true(c->x[0] == 2 && fabs(c->t_x[0] - 9 / 7.0) < 1e-15 && c->monetary[0] == 10);
  assert_true(fabs(c->T[1] - 5 / 7.0) < 1e-15 && fabs(c->holdout_length - 5 / 7.0) < 1e-15);
  patron_clv_cohort_free(c);
  patron_dataset_free(ds);
}

/* Without a calibration end the cohort ends on the day before the load as-of. */
static void cohort_default_end(void **state) {
  (void)state;
  patron_dataset *ds = load_orders(ORDERS, day(2024, 1, 11));
  patron_clv_cohort_options o;
  patron_clv_cohort_options_init(&o);
  patron_clv_cohort *c = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_cohort_build(ds, &o, &c, &err), PATRON_OK);
  assert_int_equal(c->calibration_end, day(2024, 1, 10));
  assert_null(c->holdout_x);
  assert_true(c->n == 2 && c->T[0] == 9);
  patron_clv_cohort_free(c);
  o.calibration_end = day(2024, 1, 10);
  o.holdout_end = day(2024, 1, 10);
  assert_int_equal(patron_clv_cohort_build(ds, &o, &c, &err), PATRON_ERR_USAGE);
  patron_dataset_free(ds);
}

static const char SUMMARY[] = "id,frequency,recency,T,monetary_value\n"
                              "b,2,10,20,5.5\n"
                              "z,0,3,20,0\n"  /* recency without repeat purchases */
                              "y,1,30,20,4\n" /* recency > T */
                              "x,abc,1,2,3\n" /* not a number */
                              "w,-1,0,2,0\n"  /* negative */
                              "b,1,1,1,1\n"   /* repeated id */
                              "v,1.5,1,2,3\n" /* not a whole frequency */
                              "u,1,1,2,-3\n"  /* negative spend */
                              "t,2,5,10\n"    /* a field short */
                              "a,0,0,7.25,0\n";

static void summary_file(void **state) {
  (void)state;
  patron_load_options lo;
  patron_load_options_init(&lo);
  const char *maps[] = {"customer_id=id"};
  lo.maps = maps;
  lo.n_maps = 1;
  lo.n_threads = 2;
  const char *path = fixture_file(1, "summary.csv", SUMMARY);
  patron_dataset *ds = NULL;
  patron_clv_cohort *c = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_summary_load(&lo, path, 7, &ds, &c, &err), PATRON_OK);
  assert_int_equal(c->n, 2);
  assert_string_equal(patron_dataset_customer_id(ds, c->customer[0]), "a"); /* sorted */
  assert_true(c->x[0] == 0 && c->T[0] == 7.25 && c->unit_days == 7 && c->has_monetary);
  assert_true(c->x[1] == 2 && c->t_x[1] == 10 && c->monetary[1] == 5.5);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_true(r->rows_read == 10 && r->rows_used == 2 && r->rows_rejected == 8);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_IMPOSSIBLE_SUMMARY], 5);
  static const uint64_t lines[] = {3, 4, 5, 6, 7, 8, 9, 10};
  static const char *const cols[] = {"recency", "T",         "frequency",      "frequency",
                                     "id",      "frequency", "monetary_value", ""};
  assert_int_equal(patron_dataset_n_rejects(ds), 8);
  for (size_t i = 0; i < 8; i++) {
    patron_reject rj;
    patron_dataset_reject(ds, i, &rj);
    assert_int_equal(rj.line, lines[i]);
    assert_string_equal(rj.column, cols[i]);
  }
  patron_clv_cohort_free(c);
  patron_dataset_free(ds);
  lo.strict = true;
  assert_int_equal(patron_clv_summary_load(&lo, path, 7, &ds, &c, &err), PATRON_ERR_INPUT);
  assert_int_equal(err.line, 3);
  assert_non_null(strstr(err.message, "impossible_summary in column 'recency'"));
  assert_null(ds);
}

static void summary_missing_column(void **state) {
  (void)state;
  patron_load_options lo;
  patron_load_options_init(&lo);
  patron_dataset *ds = NULL;
  patron_clv_cohort *c = NULL;
  patron_error err = {0};
  const char *path = fixture_file(2, "nofreq.csv", "customer_id,recency,T\n1,0,3\n");
  assert_int_equal(patron_clv_summary_load(&lo, path, 1, &ds, &c, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "'frequency'"));
  const char *bad[] = {"summary.nonsense=x"};
  lo.maps = bad;
  lo.n_maps = 1;
  patron_error_clear(&err);
  assert_int_equal(patron_clv_summary_load(&lo, path, 1, &ds, &c, &err), PATRON_ERR_USAGE);
}

static void evaluation(void **state) {
  (void)state;
  double x[] = {0, 1, 9}, hx[] = {1, 0, 4}, hs[] = {10, 0, 40}, e[] = {0.5, 0.5, 4};
  double es[] = {5, 5, 40};
  patron_clv_cohort c = {
      .n = 3, .x = x, .holdout_x = hx, .holdout_spend = hs, .holdout_length = 39};
  patron_clv_evaluation ev;
  patron_error err = {0};
  assert_int_equal(patron_clv_evaluate(&c, e, es, &ev, &err), PATRON_OK);
  assert_true(ev.purchases.actual_total == 5 && ev.purchases.expected_total == 5);
  assert_true(fabs(ev.purchases.mae - 1.0 / 3) < 1e-15);
  assert_true(fabs(ev.purchases.rmse - sqrt(0.5 / 3)) < 1e-15);
  assert_true(ev.purchases.correlation > 0.9 && ev.purchases.correlation <= 1);
  assert_true(fabs(ev.spend.mae - 10.0 / 3) < 1e-12);
  assert_int_equal(ev.by_frequency[0].customers, 1);
  assert_int_equal(ev.by_frequency[7].customers, 1); /* 9 purchases: the 7+ group */
  assert_true(ev.by_frequency[7].actual_purchases == 4 && ev.by_frequency[1].expected_spend == 5);
  assert_true(isnan(ev.by_frequency[3].actual_purchases));
  c.holdout_x = NULL;
  assert_int_equal(patron_clv_evaluate(&c, e, es, &ev, &err), PATRON_ERR_USAGE);
}

static void fit_json_round_trip(void **state) {
  (void)state;
  double pp[] = {0.243, 4.414, 0.793, 2.426}, gp[] = {6.25, 3.74, 15.44};
  patron_clv_model *pm = NULL, *sm = NULL, *p2 = NULL, *s2 = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_model_new(PATRON_CLV_BGNBD, pp, &pm, &err), PATRON_OK);
  assert_int_equal(patron_clv_model_new(PATRON_CLV_GAMMAGAMMA, gp, &sm, &err), PATRON_OK);
  char *text = patron_clv_fit_to_json(pm, sm, 7, day(1997, 9, 30));
  assert_non_null(strstr(text, "\"calibration_end\": \"1997-09-30\""));
  double unit = 0;
  assert_int_equal(patron_clv_fit_from_json(text, &p2, &s2, &unit, &err), PATRON_OK);
  assert_true(unit == 7 && patron_clv_model_param(p2, 3) == 2.426);
  assert_true(patron_clv_model_param(s2, 2) == 15.44);
  patron_clv_model_free(p2), patron_clv_model_free(s2), free(text);
  text = patron_clv_model_to_json(pm); /* a bare purchase model: unit 1, no spend */
  assert_int_equal(patron_clv_fit_from_json(text, &p2, &s2, &unit, &err), PATRON_OK);
  assert_true(unit == 1 && s2 == NULL);
  patron_clv_model_free(p2), free(text);
  text = patron_clv_model_to_json(sm); /* spend alone cannot predict purchases */
  assert_int_equal(patron_clv_fit_from_json(text, &p2, &s2, &unit, &err), PATRON_ERR_INPUT);
  assert_null(p2);
  free(text);
  assert_int_equal(
      patron_clv_fit_from_json("{\"schema\":\"patron.clv.fit\"}", &p2, &s2, &unit, &err),
      PATRON_ERR_INPUT);
  patron_clv_model_free(pm), patron_clv_model_free(sm);
}

/* CDNOW's sample read by the loader from the raw file (blank-separated, no header,
 * YYYYMMDD, no order id), as `patron clv fit --orders CDNOW_sample.txt ...` does. */
static patron_dataset *cdnow_raw(void) {
  if (access(CDNOW "CDNOW_sample.txt", R_OK) != 0)
    skip(); /* ../shared/data/cdnow is absent: nothing to validate against */
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = CDNOW "CDNOW_sample.txt";
  lo.delimiter = ' ';
  lo.no_header = true;
  lo.columns = "master_id,customer_id,order_time,quantity,amount";
  lo.date_format = "%Y%m%d";
  lo.order_per_row = true;
  lo.as_of_day = day(1998, 7, 1);
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  return ds;
}

static patron_clv_cohort *cdnow_cohort(const patron_dataset *ds) {
  patron_clv_cohort_options o;
  patron_clv_cohort_options_init(&o);
  o.calibration_end = day(1997, 9, 30);
  o.holdout_end = day(1998, 6, 30);
  o.unit_days = 7;
  o.zero_value_purchases = true;
  patron_clv_cohort *c = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_cohort_build(ds, &o, &c, &err), PATRON_OK);
  return c;
}

/* The published BG/NBD fit (FHL 2005: 0.243, 4.414, 0.793, 2.426, LL -9582.4) and the
 * sample's totals: 2,357 customers, 946 repeat buyers, 2,457 repeat purchases; the
 * holdout has 1,882 repeat purchase days. */
static void cdnow_from_raw_transactions(void **state) {
  (void)state;
  patron_dataset *ds = cdnow_raw();
  patron_clv_cohort *c = cdnow_cohort(ds);
  double sx = 0, hx = 0;
  size_t repeaters = 0;
  for (size_t i = 0; i < c->n; i++)
    sx += c->x[i], hx += c->holdout_x[i], repeaters += c->x[i] > 0;
  assert_true(c->n == 2357 && repeaters == 946 && sx == 2457 && hx == 1882);
  assert_true(fabs(c->T[0] - 272 / 7.0) < 1e-12); /* customer 0001: 1997-01-01 */
  patron_clv_data d = patron_clv_cohort_data(c);
  patron_clv_model *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_fit(PATRON_CLV_BGNBD, &d, NULL, &m, &err), PATRON_OK);
  static const double pub[] = {0.243, 4.414, 0.793, 2.426};
  for (size_t j = 0; j < 4; j++)
    assert_true(fabs(patron_clv_model_param(m, j) - pub[j]) < 0.0005);
  assert_true(fabs(patron_clv_model_log_likelihood(m) + 9582.43) < 0.005);
  patron_clv_model_free(m);
  patron_clv_cohort_free(c);
  patron_dataset_free(ds);
}

/* FHL 2005 eq. 7: E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1;
 * t/(alpha+t))]. */
static double bg_expected(const double *th, double t) {
  double r = th[0], al = th[1], a = th[2], b = th[3];
  return (a + b - 1) / (a - 1) *
         (1 - pow(al / (al + t), r) * gsl_sf_hyperg_2F1(r, b, a + b - 1, t / (al + t)));
}

/* Tracking: week 39 holds every calibration repeat purchase (2,457), week 78 adds the
 * holdout's 1,882; the expected curve equals the cohort sum of FHL's closed form. */
static void cdnow_tracking(void **state) {
  (void)state;
  patron_dataset *ds = cdnow_raw();
  patron_clv_cohort *c = cdnow_cohort(ds);
  patron_clv_cohort_options o;
  patron_clv_cohort_options_init(&o);
  o.zero_value_purchases = true;
  double th[] = {0.243, 4.414, 0.793, 2.426};
  patron_clv_model *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_clv_model_new(PATRON_CLV_BGNBD, th, &m, &err), PATRON_OK);
  int32_t start;
  size_t weeks;
  double *act, *ex;
  assert_int_equal(patron_clv_tracking(ds, c, &o, m, &start, &weeks, &act, &ex, &err), PATRON_OK);
  assert_true(start == day(1997, 1, 1) && weeks == 78);
  assert_true(act[38] == 2457 && act[77] == 2457 + 1882);
  for (size_t w = 38; w < 78; w += 39) {
    long double want = 0;
    int32_t end = start + (int32_t)(7 * w + 6);
    for (size_t i = 0; i < c->n; i++)
      want += bg_expected(th, (end - c->first_day[i]) / 7.0);
    printf("week %zu: actual %.0f expected %.2f (closed form %.2f)\n", w + 1, act[w], ex[w],
           (double)want);
    assert_true(fabs(ex[w] - (double)want) < 1e-6 * (double)want);
  }
  free(act), free(ex);
  patron_clv_model_free(m);
  patron_clv_cohort_free(c);
  patron_dataset_free(ds);
}

/* analyze's columns: filled for purchasers (probabilities in [0, 1]), empty otherwise. */
static void profile_columns(void **state) {
  (void)state;
  patron_dataset *ds = cdnow_raw();
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = day(1997, 10, 1);
  patron_profile *p = NULL;
  patron_error err = {0};
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  patron_clv_profile_options co;
  patron_clv_profile_options_init(&co);
  patron_table *t = patron_profile_table(p);
  assert_int_equal(
      patron_clv_profile_columns(t, ds, patron_profile_customers(p), po.as_of_day, &co, &err),
      PATRON_OK);
  const double *pa = patron_table_find(t, "p_alive")->data;
  const double *e90 = patron_table_find(t, "exp_purchases_90d")->data;
  const double *clv = patron_table_find(t, "clv_365d")->data;
  const int64_t *freq = patron_table_find(t, "frequency")->data;
  size_t filled = 0;
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    bool buyer = freq[i] != PATRON_NULL_INT && freq[i] > 0;
    assert_true(buyer == isfinite(pa[i]) && buyer == isfinite(clv[i]));
    if (buyer)
      assert_true(pa[i] >= 0 && pa[i] <= 1 && e90[i] >= 0 && clv[i] >= 0);
    filled += buyer;
  }
  assert_int_equal(filled, 2349); /* 8 customers bought only for $0 */
  patron_profile_free(p);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(cohort_from_transactions), cmocka_unit_test(cohort_default_end),
                 cmocka_unit_test(summary_file), cmocka_unit_test(summary_missing_column),
                 cmocka_unit_test(evaluation), cmocka_unit_test(fit_json_round_trip),
                 cmocka_unit_test(cdnow_from_raw_transactions), cmocka_unit_test(cdnow_tracking),
                 cmocka_unit_test(profile_columns))
