/* Churn and propensity models end to end on synthetic worlds from patron gen (Pareto/NBD
 * dropout, so churn is learnable): both learners beat the recency-only baseline by a clear
 * margin on the time-held-out cut-off; a saved model reproduces its scores bit for bit and
 * training is reproducible; lines loaded without their times score the same as of the data's
 * end; the documented errors (no customers before the cut-off, a
 * horizon past the data, one class only, scoring data without the model's inputs); the
 * profile-table column. */
#include "test_util.h"
#include "fixture.h"
#include "churn_world.h"

#include <math.h>

static const int32_t CUTOFF_2025_10_01 = 20362;

static patron_churn_options options(patron_churn_task task, patron_churn_learner learner) {
  patron_churn_options o;
  patron_churn_options_init(&o);
  assert_int_equal(patron_days_from_civil(2025, 10, 1), CUTOFF_2025_10_01);
  static int32_t cut[1] = {CUTOFF_2025_10_01};
  o.task = task;
  o.learner = learner;
  o.cutoffs = cut;
  o.n_cutoffs = 1;
  o.n_threads = 1;    /* OpenMP barriers suffer on a loaded 2-core machine */
  o.max_rounds = 150; /* keeps the suite fast */
  return o;
}

static void beats_baseline(patron_churn_task task, patron_churn_learner learner, double margin) {
  churn_world w;
  churn_world_make(&w, 8000, 11);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events);
  patron_churn_options o = options(task, learner);
  patron_churn_trainset *ts = NULL;
  patron_churn_model *m = NULL;
  patron_churn_report r;
  patron_error err = {0};
  assert_int_equal(patron_churn_trainset_build(ds, &o, &ts, &err), PATRON_OK);
  assert_string_equal(patron_churn_trainset_validation(ts), "time");
  assert_int_equal(patron_churn_train(ts, &o, &m, &r, &err), PATRON_OK);
  print_message("AUC %.4f, recency only %.4f, lift %.2f\n", r.valid.auc, r.baseline_auc,
                r.valid.top_decile_lift);
  assert_true(r.valid.auc > r.baseline_auc + margin);
  assert_true(r.valid.top_decile_lift > 1);
  assert_int_equal(r.n_importance, patron_feature_schema_n_columns(patron_churn_model_schema(m)));
  patron_churn_report_free(&r);
  patron_churn_model_free(m);
  patron_churn_trainset_free(ts);
  patron_dataset_free(ds);
  churn_world_remove(&w);
}

static void xgboost_churn_beats_recency(void **state) {
  (void)state;
  beats_baseline(PATRON_TASK_CHURN, PATRON_LEARNER_XGBOOST, 0.02);
}

static void logistic_churn_beats_recency(void **state) {
  (void)state;
  beats_baseline(PATRON_TASK_CHURN, PATRON_LEARNER_LOGISTIC, 0.015);
}

static void xgboost_propensity_beats_recency(void **state) {
  (void)state;
  beats_baseline(PATRON_TASK_PROPENSITY, PATRON_LEARNER_XGBOOST, 0.05);
}

/* ---- Reproducibility --------------------------------------------------------------------- */

static patron_churn_model *train(const patron_dataset *ds, const patron_churn_options *o,
                                 patron_churn_trainset **ts) {
  patron_churn_model *m = NULL;
  patron_error err = {0};
  assert_int_equal(patron_churn_trainset_build(ds, o, ts, &err), PATRON_OK);
  assert_int_equal(patron_churn_train(*ts, o, &m, NULL, &err), PATRON_OK);
  return m;
}

static void round_trip(patron_churn_learner learner) {
  churn_world w;
  churn_world_make(&w, 4000, 12);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events);
  patron_churn_options o = options(PATRON_TASK_CHURN, learner);
  o.refit = true; /* the saved model is the one refit on all rows */
  o.folds = 3;    /* and cross-validation runs */
  patron_churn_trainset *ts, *ts2;
  patron_churn_model *m = train(ds, &o, &ts), *m2 = train(ds, &o, &ts2), *back = NULL;
  char *schema, *text, *schema2, *text2;
  size_t len, len2;
  patron_error err = {0};
  assert_int_equal(patron_churn_model_save(m, &schema, &text, &len, &err), PATRON_OK);
  assert_int_equal(patron_churn_model_save(m2, &schema2, &text2, &len2, &err), PATRON_OK);
  assert_int_equal(len, len2); /* same data, seed, threads: the same model */
  assert_memory_equal(text, text2, len);
  assert_string_equal(schema, schema2);
  assert_int_equal(patron_churn_model_load(schema, text, len, &back, &err), PATRON_OK);
  size_t n = patron_churn_trainset_rows(ts);
  double *p1 = malloc(n * sizeof *p1), *p2 = malloc(n * sizeof *p2);
  assert_int_equal(patron_churn_model_predict(m, patron_churn_trainset_x(ts), n, p1, &err),
                   PATRON_OK);
  assert_int_equal(patron_churn_model_predict(back, patron_churn_trainset_x(ts), n, p2, &err),
                   PATRON_OK);
  assert_memory_equal(p1, p2, n * sizeof *p1);
  patron_churn_scores s1, s2;
  assert_int_equal(patron_churn_score(m, ds, CUTOFF_2025_10_01 + 30, 1, &s1, &err), PATRON_OK);
  assert_int_equal(patron_churn_score(back, ds, CUTOFF_2025_10_01 + 30, 2, &s2, &err), PATRON_OK);
  assert_int_equal(s1.n, s2.n);
  assert_memory_equal(s1.score, s2.score, s1.n * sizeof *s1.score);
  assert_memory_equal(s1.decile, s2.decile, s1.n * sizeof *s1.decile);
  for (size_t i = 0; i < s1.n; i++)
    assert_true(s1.decile[i] >= 1 && s1.decile[i] <= 10);
  patron_churn_scores_free(&s1), patron_churn_scores_free(&s2);
  free(p1), free(p2), free(schema), free(text), free(schema2), free(text2);
  patron_churn_model_free(m), patron_churn_model_free(m2), patron_churn_model_free(back);
  patron_churn_trainset_free(ts), patron_churn_trainset_free(ts2);
  patron_dataset_free(ds);
  churn_world_remove(&w);
}

static void xgboost_saved_model_reproduces_scores(void **state) {
  (void)state;
  round_trip(PATRON_LEARNER_XGBOOST);
}

static void logistic_saved_model_reproduces_scores(void **state) {
  (void)state;
  round_trip(PATRON_LEARNER_LOGISTIC);
}

/* Scoring as of the data's end reads the lines loaded without their times (lines_untimed,
 * as `churn score` loads them) to the same scores as the time-sorted lines. */
static void untimed_lines_score_the_same(void **state) {
  (void)state;
  churn_world w;
  churn_world_make(&w, 3000, 13);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events), *untimed = NULL;
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = w.orders;
  lo.paths[PATRON_FILE_CUSTOMERS] = w.customers;
  lo.paths[PATRON_FILE_EVENTS] = w.events;
  lo.keep_lines = lo.lines_unlinked = lo.lines_untimed = true;
  lo.n_threads = 2;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &untimed, &err), PATRON_OK);
  patron_lines_view a, b;
  patron_dataset_lines(ds, &a);
  patron_dataset_lines(untimed, &b);
  assert_int_equal(a.n_lines, b.n_lines);
  assert_true(a.n_lines > 0);
  for (size_t i = 0; i < b.n_lines; i++)
    assert_int_equal(b.time[i], 0);
  patron_churn_options o = options(PATRON_TASK_CHURN, PATRON_LEARNER_XGBOOST);
  patron_churn_trainset *ts;
  patron_churn_model *m = train(ds, &o, &ts);
  int32_t end = patron_dataset_default_as_of(ds);
  assert_int_equal(patron_dataset_default_as_of(untimed), end);
  patron_churn_scores s1, s2;
  assert_int_equal(patron_churn_score(m, ds, end, 2, &s1, &err), PATRON_OK);
  assert_int_equal(patron_churn_score(m, untimed, end, 2, &s2, &err), PATRON_OK);
  assert_int_equal(s1.n, s2.n);
  assert_memory_equal(s1.customer, s2.customer, s1.n * sizeof *s1.customer);
  assert_memory_equal(s1.score, s2.score, s1.n * sizeof *s1.score);
  assert_memory_equal(s1.decile, s2.decile, s1.n * sizeof *s1.decile);
  patron_churn_scores_free(&s1), patron_churn_scores_free(&s2);
  patron_churn_model_free(m);
  patron_churn_trainset_free(ts);
  patron_dataset_free(ds), patron_dataset_free(untimed);
  churn_world_remove(&w);
}

/* ---- Errors ------------------------------------------------------------------------------ */

static const char orders[] = "customer_id,order_id,order_time,amount\n"
                             "A,a1,2024-01-01,10\n"
                             "B,b1,2024-01-05,20\n"
                             "C,c1,2024-12-01,30\n";

static patron_status try_build(const patron_dataset *ds, int32_t cutoff, int32_t horizon,
                               patron_error *err) {
  patron_churn_options o;
  patron_churn_options_init(&o);
  o.cutoffs = &cutoff;
  o.n_cutoffs = 1;
  o.horizon_days = horizon;
  o.clv = false;
  patron_churn_trainset *ts = NULL;
  patron_status st = patron_churn_trainset_build(ds, &o, &ts, err);
  patron_churn_trainset_free(ts);
  return st;
}

static void training_errors(void **state) {
  (void)state;
  patron_dataset *ds = churn_world_load(fixture_file(0, "orders.csv", orders), NULL, NULL);
  patron_error err = {0};
  assert_int_equal(try_build(ds, patron_days_from_civil(2023, 6, 1), 90, &err), PATRON_ERR_DOMAIN);
  assert_non_null(
      strstr(err.message, "no customers with a purchase before the cut-off 2023-06-01"));
  patron_error_clear(&err);
  assert_int_equal(try_build(ds, patron_days_from_civil(2024, 10, 1), 90, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "the horizon runs past the end of the data"));
  assert_non_null(strstr(err.message, "latest possible cut-off for this horizon: 2024-09-03"));
  patron_error_clear(&err);
  /* nobody is known before C - H (random hold-out), and A and B never buy again */
  assert_int_equal(try_build(ds, patron_days_from_civil(2024, 3, 1), 90, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "of one class only"));
  patron_dataset_free(ds);
}

static void scoring_data_must_match_schema(void **state) {
  (void)state;
  churn_world w;
  churn_world_make(&w, 3000, 13);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events);
  patron_churn_options o = options(PATRON_TASK_CHURN, PATRON_LEARNER_LOGISTIC);
  patron_churn_trainset *ts;
  patron_churn_model *m = train(ds, &o, &ts);
  patron_dataset *orders_only = churn_world_load(w.orders, w.customers, NULL);
  patron_churn_scores s;
  patron_error err = {0};
  assert_int_equal(patron_churn_score(m, orders_only, CUTOFF_2025_10_01, 1, &s, &err),
                   PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "events"));
  patron_churn_model_free(m);
  patron_churn_trainset_free(ts);
  patron_dataset_free(orders_only);
  patron_dataset_free(ds);
  churn_world_remove(&w);
}

static void profile_gets_churn_risk(void **state) {
  (void)state;
  churn_world w;
  churn_world_make(&w, 3000, 14);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events);
  patron_churn_options o = options(PATRON_TASK_CHURN, PATRON_LEARNER_LOGISTIC);
  patron_churn_trainset *ts;
  patron_churn_model *m = train(ds, &o, &ts);
  patron_profile_options po;
  patron_profile_options_init(&po);
  patron_profile *p = NULL;
  patron_error err = {0};
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  patron_table *t = patron_profile_table(p);
  assert_int_equal(patron_churn_append_column(m, ds, patron_profile_as_of(p), t,
                                              patron_profile_customers(p), &err),
                   PATRON_OK);
  const patron_column *risk = patron_table_find(t, "churn_risk");
  const patron_column *freq = patron_table_find(t, "frequency");
  assert_non_null(risk);
  for (size_t r = 0; r < patron_table_n_rows(t); r++) {
    double v = ((const double *)risk->data)[r];
    bool buyer = ((const int64_t *)freq->data)[r] != PATRON_NULL_INT;
    assert_true(buyer ? v >= 0 && v <= 1 : isnan(v));
  }
  patron_profile_free(p);
  patron_churn_model_free(m);
  patron_churn_trainset_free(ts);
  patron_dataset_free(ds);
  churn_world_remove(&w);
}

PATRON_TEST_MAIN(cmocka_unit_test(xgboost_churn_beats_recency),
                 cmocka_unit_test(logistic_churn_beats_recency),
                 cmocka_unit_test(xgboost_propensity_beats_recency),
                 cmocka_unit_test(xgboost_saved_model_reproduces_scores),
                 cmocka_unit_test(logistic_saved_model_reproduces_scores),
                 cmocka_unit_test(untimed_lines_score_the_same), cmocka_unit_test(training_errors),
                 cmocka_unit_test(scoring_data_must_match_schema),
                 cmocka_unit_test(profile_gets_churn_risk))
