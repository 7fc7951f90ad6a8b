/* The relationship stage of SPEC section 17 on a hand-computed fixture, as of 2024-01-01.
 * With --stage-days 180: recent = [2023-07-05, 2024-01-01), prior = [2023-01-06, 2023-07-05).
 *   P    a refund only: prospect -> empty
 *   E1   one purchase (2022-11-27, tenure 400) -> exploration (frequency = 1)
 *   E89  2023-10-04 .. 12-22, tenure 89, recent 3 -> exploration (tenure < 90)
 *   T90  2023-10-03, 12-22: tenure 90, recent 2 > 1.2 x 0 -> formation
 *   F7   prior 5 (01-06 .. 07-04; 2023-01-05 is before the prior window), recent 7 -> 7 > 6
 *        -> formation
 *   S6   prior 5, recent 6 = 1.2 x 5 -> stability
 *   S4   prior 5, recent 4 = 0.8 x 5 -> stability
 *   D3   prior 5, recent 3 < 4 -> decline
 *   Z0   2022-11-27, 12-17: recent 0, prior 0 -> decline (recent = 0)
 *   B    2022-11-27, 2023-07-04 (prior), 2023-07-05 (recent: the window's first day) -> 1 vs 1
 *        -> stability
 *   R    01-06 (prior), 12-02 (recent) and a refund 12-22 (not a purchase) -> stability
 *   Q    03-07, two orders on 12-22 -> recent 2 > 1.2 x 1 -> formation
 * With --stage-days 30: recent = [2023-12-02, 2024-01-01), prior = [2023-11-02, 2023-12-02):
 *   F7 recent 2 (12-02, 12-22), prior 1 (11-02) -> formation; S6 1 vs 1 -> stability;
 *   D3 and S4 0 vs 0 -> decline; B 0 vs 0 -> decline; R 1 (12-02) vs 0 -> formation. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

#define PRIOR5 "2023-01-05,2023-01-06,2023-03-07,2023-04-26,2023-06-15,2023-07-04"

static const char *const rows[][2] = {
    {"P", "-2023-12-01"},
    {"E1", "2022-11-27"},
    {"E89", "2023-10-04,2023-11-02,2023-12-22"},
    {"T90", "2023-10-03,2023-12-22"},
    {"F7", PRIOR5 ",2023-07-05,2023-07-15,2023-08-04,2023-09-23,2023-11-02,2023-12-02,2023-12-22"},
    {"S6", PRIOR5 ",2023-07-05,2023-07-15,2023-08-04,2023-09-23,2023-11-02,2023-12-02"},
    {"S4", PRIOR5 ",2023-07-05,2023-07-15,2023-08-04,2023-09-23"},
    {"D3", PRIOR5 ",2023-07-05,2023-07-15,2023-08-04"},
    {"Z0", "2022-11-27,2022-12-17"},
    {"B", "2022-11-27,2023-07-04,2023-07-05"},
    {"R", "2023-01-06,2023-12-02,-2023-12-22"},
    {"Q", "2023-03-07,2023-12-22,2023-12-22"},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* orders.csv from the table: one order per date, "-DATE" a refund of 5. */
static const char *orders_csv(void) {
  static char buf[8192];
  size_t len = (size_t)snprintf(buf, sizeof buf, "customer_id,order_id,order_time,amount\n");
  int id = 0;
  for (size_t i = 0; i < N_ROWS; i++)
    for (const char *s = rows[i][1]; *s;) {
      size_t n = strcspn(s, ",");
      bool refund = *s == '-';
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s,o%d,%.*s,%s\n", rows[i][0], id++,
                              (int)(n - refund), s + refund, refund ? "-5" : "20");
      s += n + (s[n] == ',');
    }
  return buf;
}

static const char *stage_of(const patron_dataset *ds, const patron_profile *p, const char *id) {
  const patron_table *t = patron_profile_table_const(p);
  const patron_column *c = patron_table_find(t, "stage");
  assert_non_null(c);
  const uint32_t *cust = patron_profile_customers(p);
  for (size_t r = 0; r < patron_table_n_rows(t); r++)
    if (strcmp(patron_dataset_customer_id(ds, cust[r]), id) == 0) {
      int32_t code = ((const int32_t *)c->data)[r];
      return code < 0 ? "" : c->labels[code];
    }
  fail_msg("no customer %s", id);
  return NULL;
}

static void check(int days, const char *const want[N_ROWS]) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv());
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 1, 1);
  patron_profile *p = NULL;
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  assert_int_equal(patron_stage_add(p, ds, days, &err), PATRON_OK);
  for (size_t i = 0; i < N_ROWS; i++)
    if (strcmp(stage_of(ds, p, rows[i][0]), want[i]) != 0)
      fail_msg("%s (days %d): got '%s', want '%s'", rows[i][0], days, stage_of(ds, p, rows[i][0]),
               want[i]);
  patron_profile_free(p);
  patron_dataset_free(ds);
}

static void stage_180(void **state) {
  (void)state;
  static const char *const want[N_ROWS] = {"",          "exploration", "exploration", "formation",
                                           "formation", "stability",   "stability",   "decline",
                                           "decline",   "stability",   "stability",   "formation"};
  check(180, want);
}

static void stage_30(void **state) {
  (void)state;
  static const char *const want[N_ROWS] = {"",          "exploration", "exploration", "formation",
                                           "formation", "stability",   "decline",     "decline",
                                           "decline",   "decline",     "formation",   "formation"};
  check(30, want);
}

/* Two purchase days 100 days apart, as of 50 days after the second: one gap, so CV 1 (the
 * exponential law: P(gap > 50) = e^-0.5), repeat 1 - 1/3, regularity 1/2, tenure 150. */
static void loyalty_score(void **state) {
  (void)state;
  const int32_t days[] = {1000, 1100};
  double want = (2.0 / 3.0) * exp(-50.0 / 150.0) * (0.9 + 0.1 * exp(-0.5)) * (0.75 + 0.25 * 0.5) *
                (0.75 + 0.25 * 150.0 / 515.0);
  assert_true(fabs(patron_loyalty_score(days, 2, 1150) - want) < 1e-12);
  /* one day: no cycle of its own (a year), repeat 1/2, tenure = recency */
  const int32_t one[] = {1000};
  want = 0.5 * exp(-30.0 / 150.0) * (0.9 + 0.1 * exp(-30.0 / 365.0)) * (0.75 + 0.25 * 0.5) *
         (0.75 + 0.25 * 30.0 / 395.0);
  assert_true(fabs(patron_loyalty_score(one, 1, 1030) - want) < 1e-12);
}

/* The labels on the stage fixture: prospects empty, one purchase one_time, 2+ by score. */
static void loyalty_labels(void **state) {
  (void)state;
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv());
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 1, 1);
  patron_profile *p = NULL;
  assert_int_equal(patron_profile_build(ds, &po, &p, &err), PATRON_OK);
  assert_int_equal(patron_loyalty_add(p, ds, &err), PATRON_OK);
  const patron_table *t = patron_profile_table_const(p);
  const double *score = patron_table_find(t, "loyalty_score")->data;
  const patron_column *lab = patron_table_find(t, "loyalty");
  const int64_t *freq = patron_table_find(t, "frequency")->data;
  for (size_t r = 0; r < patron_table_n_rows(t); r++) {
    int32_t code = ((const int32_t *)lab->data)[r];
    const char *want = freq[r] == PATRON_NULL_INT ? ""
                       : freq[r] == 1             ? "one_time"
                       : score[r] >= 0.6          ? "high"
                       : score[r] >= 0.3          ? "medium"
                                                  : "low";
    assert_string_equal(code < 0 ? "" : lab->labels[code], want);
    assert_true(freq[r] == PATRON_NULL_INT ? isnan(score[r]) : score[r] >= 0 && score[r] <= 1);
  }
  patron_profile_free(p);
  patron_dataset_free(ds);
}

static void stage_usage(void **state) {
  (void)state;
  patron_error err = {0};
  assert_int_equal(patron_stage_add(NULL, NULL, 0, &err), PATRON_ERR_USAGE);
}

PATRON_TEST_MAIN(cmocka_unit_test(stage_180), cmocka_unit_test(stage_30),
                 cmocka_unit_test(stage_usage), cmocka_unit_test(loyalty_score),
                 cmocka_unit_test(loyalty_labels))
