/* Point-in-time features: hand-computed values on a fixture as of C = 2024-04-01, the
 * population rules, the no-leakage property (perturbing, dropping and adding rows dated on
 * or after C leaves the encoded feature matrix bitwise identical), thread independence,
 * the schema's one-hot levels and its JSON round trip.
 * Fixture (A): purchases 2024-01-02 100 (age 90 days), 03-02 50 (age 30), 03-27 30 (two
 * lines, age 5), a refund 03-22 -20, and 999 on C itself (future). (B): 2023-12-01 40
 * (age 122) + a future order. (C): only a future order, but a view before C. (D): a member
 * who signs up after C. */
#include "test_util.h"
#include "fixture.h"
#include "churn_world.h"

#include <math.h>

static const char orders[] =
    "customer_id,order_id,order_time,amount,category,brand,channel,discount\n"
    "A,a1,2024-01-02 10:00:00,100,x,b1,online,10\n"
    "A,a2,2024-03-02 10:00:00,50,y,b2,app,0\n"
    "A,a3,2024-03-22 10:00:00,-20,y,b2,app,0\n"
    "A,a4,2024-03-27 10:00:00,20,x,b1,online,0\n"
    "A,a4,2024-03-27 10:00:00,10,z,b3,online,0\n"
    "A,a5,2024-04-01 00:00:00,999,q,b9,store,0\n"
    "B,b1,2023-12-01,40,x,b1,online,0\n"
    "B,b2,2024-05-01,40,x,b1,online,0\n"
    "C,c1,2024-04-15,70,x,b1,online,0\n";
static const char events[] = "customer_id,event_time,event_type\n"
                             "A,2024-02-01 09:00:00,favorite\n"
                             "A,2024-03-20 09:00:00,cart\n"
                             "A,2024-03-30 10:00:00,view\n"
                             "A,2024-03-30 11:00:00,cart\n"
                             "A,2024-04-02 11:00:00,view\n"
                             "C,2024-03-01 11:00:00,view\n";
static const char members[] = "customer_id,gender,birth_date,city,signup_date\n"
                              "A,F,1990-06-01,X,2023-01-01\n"
                              "B,M,,Y,2023-11-01\n"
                              "D,F,1980-01-01,Z,2024-06-01\n";

static patron_dataset *load_fixture(void) {
  return churn_world_load(fixture_file(0, "orders.csv", orders),
                          fixture_file(1, "customers.csv", members),
                          fixture_file(2, "events.csv", events));
}

static patron_features *compute(const patron_dataset *ds, int32_t cutoff, patron_population pop,
                                bool clv, int threads) {
  patron_features_options o;
  patron_features_options_init(&o);
  o.cutoff_day = cutoff;
  o.population = pop;
  o.clv = clv;
  o.n_threads = threads;
  patron_features *f = NULL;
  patron_error err = {0};
  assert_int_equal(patron_features_compute(ds, &o, &f, &err), PATRON_OK);
  return f;
}

static double value(const patron_features *f, const char *name, size_t row) {
  const double *col = patron_features_numeric(f, name);
  assert_non_null(col);
  return col[row];
}

#define ASSERT_NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9 * (1 + fabs(b)))

static void hand_computed_orders(void **state) {
  (void)state;
  patron_dataset *ds = load_fixture();
  patron_features *f =
      compute(ds, patron_days_from_civil(2024, 4, 1), PATRON_POPULATION_PURCHASERS, false, 1);
  assert_int_equal(patron_features_n_rows(f), 2); /* A, B */
  assert_int_equal(patron_features_groups(f), PATRON_FEATURES_ORDERS | PATRON_FEATURES_LINES |
                                                  PATRON_FEATURES_EVENTS | PATRON_FEATURES_MEMBERS);
  ASSERT_NEAR(value(f, "recency_days", 0), 5);
  ASSERT_NEAR(value(f, "frequency", 0), 3);
  ASSERT_NEAR(value(f, "monetary", 0), 160); /* 100 + 50 - 20 + 30; the 999 is on C */
  ASSERT_NEAR(value(f, "avg_order_value", 0), 160.0 / 3);
  ASSERT_NEAR(value(f, "tenure_days", 0), 90);
  ASSERT_NEAR(value(f, "purchases_30d", 0), 2); /* ages 30 and 5 */
  ASSERT_NEAR(value(f, "purchases_90d", 0), 3);
  ASSERT_NEAR(value(f, "spend_30d", 0), 80);
  ASSERT_NEAR(value(f, "spend_90d", 0), 180);
  ASSERT_NEAR(value(f, "purchase_trend_90d", 0), 3);
  ASSERT_NEAR(value(f, "spend_trend_90d", 0), log1p(180));
  ASSERT_NEAR(value(f, "gap_mean_days", 0), 42.5); /* gaps 60, 25 */
  ASSERT_NEAR(value(f, "gap_sd_days", 0), sqrt(612.5));
  ASSERT_NEAR(value(f, "recency_gap_ratio", 0), 5 / 42.5);
  ASSERT_NEAR(value(f, "refund_share", 0), 20.0 / 180);
  /* scores among A and B: A is better on all three */
  ASSERT_NEAR(value(f, "r_score", 0), 3);
  ASSERT_NEAR(value(f, "r_score", 1), 1);
  ASSERT_NEAR(value(f, "m_score", 0), 3);
  ASSERT_NEAR(value(f, "recency_days", 1), 122);
  assert_true(isnan(value(f, "gap_mean_days", 1)));
  assert_true(isnan(value(f, "bgnbd_p_alive", 0))); /* clv off */
  patron_features_free(f);
  patron_dataset_free(ds);
}

static void hand_computed_lines_events_members(void **state) {
  (void)state;
  patron_dataset *ds = load_fixture();
  patron_features *f =
      compute(ds, patron_days_from_civil(2024, 4, 1), PATRON_POPULATION_PURCHASERS, false, 2);
  ASSERT_NEAR(value(f, "n_categories", 0), 3); /* x y z (q is on C) */
  ASSERT_NEAR(value(f, "n_brands", 0), 3);
  ASSERT_NEAR(value(f, "n_channels", 0), 2);
  ASSERT_NEAR(value(f, "discount_share", 0), 10.0 / 190);
  ASSERT_NEAR(value(f, "views_7d", 0), 1);
  ASSERT_NEAR(value(f, "views_30d", 0), 1);
  ASSERT_NEAR(value(f, "carts_7d", 0), 1);
  ASSERT_NEAR(value(f, "carts_30d", 0), 2);
  ASSERT_NEAR(value(f, "favorites_30d", 0), 0);
  ASSERT_NEAR(value(f, "events_30d", 0), 3);
  ASSERT_NEAR(value(f, "abandoned_carts_30d", 0), 1); /* the 03-30 cart; 03-20 was bought */
  ASSERT_NEAR(value(f, "days_since_last_event", 0), 2);
  ASSERT_NEAR(value(f, "member_days", 0), 456);
  /* one-hot: main channel online, gender F, age band 25-34 */
  patron_feature_schema *s = NULL;
  patron_error err = {0};
  const patron_features *sets[] = {f};
  assert_int_equal(patron_feature_schema_fit(sets, 1, 20, 0, &s, &err), PATRON_OK);
  size_t p = patron_feature_schema_n_columns(s);
  float *x = calloc(2 * p, sizeof *x);
  assert_int_equal(patron_feature_schema_encode(s, f, x, &err), PATRON_OK);
  int hits = 0;
  for (size_t j = 0; j < p; j++) {
    const char *name = patron_feature_schema_column(s, j);
    if (x[j] == 1.0f && strchr(name, '='))
      hits += !strcmp(name, "main_channel=online") + !strcmp(name, "gender=F") +
              !strcmp(name, "age_band=25-34") + !strcmp(name, "city=X");
  }
  assert_int_equal(hits, 4);
  free(x);
  patron_feature_schema_free(s);
  patron_features_free(f);
  patron_dataset_free(ds);
}

static void population_rules(void **state) {
  (void)state;
  patron_dataset *ds = load_fixture();
  patron_features *f =
      compute(ds, patron_days_from_civil(2024, 4, 1), PATRON_POPULATION_ALL, false, 1);
  assert_int_equal(patron_features_n_rows(f), 3); /* A, B, C (a view); not D (signs up later) */
  assert_string_equal(patron_dataset_customer_id(ds, patron_features_customers(f)[2]), "C");
  assert_true(isnan(value(f, "recency_days", 2)));
  ASSERT_NEAR(value(f, "frequency", 2), 0);
  patron_features_free(f);
  patron_features_options o;
  patron_features_options_init(&o);
  o.cutoff_day = patron_days_from_civil(2023, 1, 1);
  patron_error err = {0};
  assert_int_equal(patron_features_compute(ds, &o, &f, &err), PATRON_ERR_DOMAIN);
  assert_non_null(
      strstr(err.message, "no customers with a purchase before the cut-off 2023-01-01"));
  patron_dataset_free(ds);
}

/* ---- No leakage -------------------------------------------------------------------------- */

/* Rewrites a generated CSV: rows whose time field (column `tcol`) is on or after `cut`
 * are dropped (every third), altered (`alter` replaces field `acol`) or kept; then `extra`
 * rows are appended. */
static void perturb(const char *path, int tcol, const char *cut, int acol, const char *alter,
                    const char *extra) {
  FILE *in = fopen(path, "rb");
  char tmp[256];
  snprintf(tmp, sizeof tmp, "%s.new", path);
  FILE *out = fopen(tmp, "wb");
  assert_non_null(in);
  assert_non_null(out);
  char line[4096];
  long future = 0;
  for (int row = 0; fgets(line, sizeof line, in); row++) {
    char *fields[32];
    int n = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line; n < 32; p++) {
      fields[n++] = p;
      p = strchr(p, ',');
      if (!p)
        break;
      *p = '\0';
    }
    bool is_future = row > 0 && tcol < n && strcmp(fields[tcol], cut) >= 0;
    if (is_future && future++ % 3 == 0)
      continue;
    if (is_future && acol < n)
      fields[acol] = (char *)alter;
    for (int i = 0; i < n; i++)
      fprintf(out, "%s%s", i ? "," : "", fields[i]);
    fputc('\n', out);
  }
  fputs(extra, out);
  fclose(in);
  fclose(out);
  assert_int_equal(rename(tmp, path), 0);
}

static float *encoded(const patron_dataset *ds, patron_population pop,
                      const patron_feature_schema *s, patron_features **keep) {
  patron_features *f = compute(ds, patron_days_from_civil(2025, 10, 1), pop, true, 2);
  size_t p = patron_feature_schema_n_columns(s), n = patron_features_n_rows(f);
  float *x = malloc(n * p * sizeof *x);
  patron_error err = {0};
  assert_int_equal(patron_feature_schema_encode(s, f, x, &err), PATRON_OK);
  *keep = f;
  return x;
}

static void check_no_leak(patron_population pop) {
  churn_world w;
  churn_world_make(&w, 3000, 5);
  patron_dataset *a = churn_world_load(w.orders, w.customers, w.events);
  int32_t cut = patron_days_from_civil(2025, 10, 1);
  patron_features *fa = compute(a, cut, pop, true, 2);
  assert_null(patron_features_note(fa)); /* BG/NBD fitted */
  const patron_features *sets[] = {fa};
  patron_feature_schema *s = NULL;
  patron_error err = {0};
  assert_int_equal(patron_feature_schema_fit(sets, 1, 20, 0.005, &s, &err), PATRON_OK);
  perturb(w.orders, 2, "2025-10-01", 3, "12345.67",
          "C0000001,X1,2025-11-01 10:00:00,50.00,1,newcat,B99,newchannel,S001,5.00\n"
          "Z9999999,X2,2025-10-02 10:00:00,80.00,1,grocery,B00,online,,0.00\n");
  perturb(w.events, 1, "2025-10-01", 2, "cart",
          "C0000002,2025-10-05 10:00:00,view,I01001,grocery\n");
  perturb(w.customers, 4, "2025-10-01", 3, "Atlantis",
          "Z9999998,F,1990-01-01,Atlantis,2025-11-01,gold\n");
  patron_dataset *b = churn_world_load(w.orders, w.customers, w.events);
  patron_features *fa2, *fb;
  float *xa = encoded(a, pop, s, &fa2), *xb = encoded(b, pop, s, &fb);
  size_t n = patron_features_n_rows(fa);
  assert_int_equal(patron_features_n_rows(fb), n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(patron_dataset_customer_id(a, patron_features_customers(fa)[i]),
                        patron_dataset_customer_id(b, patron_features_customers(fb)[i]));
  assert_memory_equal(xa, xb, n * patron_feature_schema_n_columns(s) * sizeof *xa);
  free(xa), free(xb);
  patron_features_free(fa), patron_features_free(fa2), patron_features_free(fb);
  patron_feature_schema_free(s);
  patron_dataset_free(a), patron_dataset_free(b);
  churn_world_remove(&w);
}

static void future_rows_change_no_feature_churn(void **state) {
  (void)state;
  check_no_leak(PATRON_POPULATION_PURCHASERS);
}

static void future_rows_change_no_feature_propensity(void **state) {
  (void)state;
  check_no_leak(PATRON_POPULATION_ALL);
}

static void threads_do_not_change_features(void **state) {
  (void)state;
  churn_world w;
  churn_world_make(&w, 12000, 2);
  patron_dataset *ds = churn_world_load(w.orders, w.customers, w.events);
  int32_t cut = patron_days_from_civil(2025, 6, 1);
  patron_features *f1 = compute(ds, cut, PATRON_POPULATION_ALL, true, 1);
  patron_features *f2 = compute(ds, cut, PATRON_POPULATION_ALL, true, 2);
  size_t n = patron_features_n_rows(f1);
  assert_int_equal(patron_features_n_rows(f2), n);
  const char *names[] = {"recency_days",
                         "gap_sd_days",
                         "n_brands",
                         "abandoned_carts_30d",
                         "member_days",
                         "bgnbd_p_alive",
                         "bgnbd_expected_purchases"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++)
    assert_memory_equal(patron_features_numeric(f1, names[k]),
                        patron_features_numeric(f2, names[k]), n * sizeof(double));
  patron_features_free(f1), patron_features_free(f2);
  patron_dataset_free(ds);
  churn_world_remove(&w);
}

static void schema_json_round_trip_and_levels(void **state) {
  (void)state;
  patron_dataset *ds = load_fixture();
  patron_features *f =
      compute(ds, patron_days_from_civil(2024, 4, 1), PATRON_POPULATION_ALL, false, 1);
  const patron_features *sets[] = {f};
  patron_feature_schema *s = NULL, *back = NULL;
  patron_error err = {0};
  /* cap of 1 level: X, Y and (none) (C is no member) tie; "(none)" sorts first */
  assert_int_equal(patron_feature_schema_fit(sets, 1, 1, 0, &s, &err), PATRON_OK);
  char *text = patron_feature_schema_to_json(s);
  assert_non_null(strstr(text, "\"city=(none)\""));
  assert_null(strstr(text, "\"city=Y\""));
  assert_int_equal(patron_feature_schema_from_json(text, &back, &err), PATRON_OK);
  assert_int_equal(patron_feature_schema_n_columns(back), patron_feature_schema_n_columns(s));
  for (size_t j = 0; j < patron_feature_schema_n_columns(s); j++)
    assert_string_equal(patron_feature_schema_column(back, j), patron_feature_schema_column(s, j));
  patron_feature_schema *bad = NULL;
  assert_int_equal(patron_feature_schema_from_json("{\"groups\":[\"events\"]}", &bad, &err),
                   PATRON_ERR_INPUT);
  assert_null(bad);
  free(text);
  patron_feature_schema_free(back);
  patron_feature_schema_free(s);
  patron_features_free(f);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(hand_computed_orders),
                 cmocka_unit_test(hand_computed_lines_events_members),
                 cmocka_unit_test(population_rules),
                 cmocka_unit_test(future_rows_change_no_feature_churn),
                 cmocka_unit_test(future_rows_change_no_feature_propensity),
                 cmocka_unit_test(threads_do_not_change_features),
                 cmocka_unit_test(schema_json_round_trip_and_levels))
