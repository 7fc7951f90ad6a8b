/* Experiment statistics: hand fixtures (Newcombe 1998's worked example 56/70 vs 48/80, Holm,
 * percentiles, the sample-size formulas), arm parsing, and simulations with a seeded GSL
 * generator: 1,000 A/A experiments (hash-assigned, like the product) must give a two-sided
 * false-positive rate near alpha (effective or harmful: 3-7% at alpha 0.05; effective alone
 * is one-sided, near alpha / 2) and intervals that cover the true difference about 95% of
 * the time, with and without a planted effect. scipy/statsmodels agreement on every figure
 * is checked by tests/cli/experiment_reference.sh. */
#include "test_util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static void newcombe_worked_example(void **state) {
  (void)state;
  patron_comparison c;
  patron_error err = {0};
  assert_int_equal(patron_stats_proportions(56, 70, 48, 80, 0.05, &c, &err), PATRON_OK);
  assert_true(fabs(c.diff - 0.2) < 1e-12);
  /* Newcombe (1998), Table II, example (a), method 10: 0.0524 to 0.3339 */
  assert_true(fabs(c.diff_low - 0.0524) < 5e-5);
  assert_true(fabs(c.diff_high - 0.3339) < 5e-5);
  /* pooled z: p = 104/150, z = 0.2 / sqrt(p (1 - p) (1/70 + 1/80)) */
  double p = 104.0 / 150, z = 0.2 / sqrt(p * (1 - p) * (1.0 / 70 + 1.0 / 80));
  assert_true(fabs(c.p_value - erfc(z / sqrt(2))) < 1e-12);
}

static void holm_by_hand(void **state) {
  (void)state;
  const double p[4] = {0.01, 0.04, 0.03, 0.005};
  double adj[4];
  patron_error err = {0};
  assert_int_equal(patron_stats_holm(p, 4, adj, &err), PATRON_OK);
  /* sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.06, 0.04) */
  assert_true(fabs(adj[3] - 0.02) < 1e-15 && fabs(adj[0] - 0.03) < 1e-15);
  assert_true(fabs(adj[2] - 0.06) < 1e-15 && fabs(adj[1] - 0.06) < 1e-15);
}

static void percentile_and_srm(void **state) {
  (void)state;
  double v[5] = {5, 1, 4, 2, 3};
  assert_true(fabs(patron_stats_percentile(v, 5, 90) - 4.6) < 1e-12);
  assert_true(fabs(patron_stats_percentile(v, 5, 0) - 1) < 1e-12);
  assert_true(isnan(patron_stats_percentile(v, 0, 50)));
  const size_t counts[2] = {520, 480};
  const double w[2] = {1, 1};
  /* chi2 = 2 * 20^2 / 500 = 1.6 on 1 df: p = erfc(sqrt(0.8)) */
  assert_true(fabs(patron_stats_srm_p(counts, w, 2) - erfc(sqrt(0.8))) < 1e-12);
}

static void sample_sizes(void **state) {
  (void)state;
  double n;
  patron_error err = {0};
  /* computed by hand with z_0.975 = 1.959964, z_0.8 = 0.841621 */
  assert_int_equal(patron_stats_size_proportion(0.05, 0.01, 0.05, 0.8, &n, &err), PATRON_OK);
  assert_true(n == 8158);
  assert_int_equal(patron_stats_size_mean(10, 2, 0.05, 0.8, &n, &err), PATRON_OK);
  assert_true(n == 393);
  assert_int_equal(patron_stats_size_proportion(0.995, 0.01, 0.05, 0.8, &n, &err),
                   PATRON_ERR_USAGE);
}

static void arms_parse(void **state) {
  (void)state;
  patron_arms arms;
  patron_error err = {0};
  assert_int_equal(patron_arms_parse("a:1,control:3,b", &arms, &err), PATRON_OK);
  assert_int_equal(arms.n, 3);
  assert_string_equal(arms.names[2], "b");
  assert_true(arms.weights[1] == 3 && arms.weights[2] == 1);
  assert_int_equal(patron_arms_control(&arms), 1);
  patron_arms_clear(&arms);
  const char *bad[] = {"control", "a:1,a:2", "a:-1,b", "a:0,b:0", "a,,b", "a b,c"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    patron_error_clear(&err);
    assert_int_equal(patron_arms_parse(bad[i], &arms, &err), PATRON_ERR_USAGE);
  }
}

/* Window sums by hand: rows of one order summed, refunds in revenue only, the window's start
 * included and its end excluded, per-customer starts (trigger actions' fired_at). */
static void window_metrics_by_hand(void **state) {
  (void)state;
  char path[] = "/tmp/patron-test-exp-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("customer_id,order_id,order_time,amount\n"
        "A,1,2026-01-01 00:00:00,10\n"  /* start day: in */
        "A,1,2026-01-01 00:00:00,5\n"   /* same order */
        "A,2,2026-01-05 10:00:00,-4\n"  /* refund: revenue only */
        "A,3,2026-01-31 00:00:00,100\n" /* start + 30: out */
        "B,4,2025-12-31 23:59:59,7\n"   /* pre-period */
        "B,5,2026-01-20 08:00:00,-2\n"
        "B,6,2026-01-20 09:00:00,2\n", /* B: value 2 > 0, a purchase */
        f);
  fclose(f);
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = path;
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &ds, &err), PATRON_OK);
  unlink(path);
  patron_arms arms;
  assert_int_equal(patron_arms_parse("control,treatment", &arms, &err), PATRON_OK);
  const char *ids[3] = {"A", "B", "Z"};
  patron_assignments *a = NULL;
  assert_int_equal(patron_experiment_assign("t", ids, 3, &arms, "t", &a, &err), PATRON_OK);
  patron_eval_options o;
  patron_eval_options_init(&o);
  o.start_day = patron_days_from_civil(2026, 1, 1);
  double y[9], x[9];
  size_t unknown = 0;
  assert_int_equal(patron_experiment_metrics(a, ds, &o, y, x, &unknown, &err), PATRON_OK);
  const double want_y[9] = {1, 1, 0, 11, 0, 0, 1, 1, 0}, want_x[9] = {0, 1, 0, 0, 7, 0, 0, 1, 0};
  for (int i = 0; i < 9; i++)
    assert_true(fabs(y[i] - want_y[i]) < 1e-9 && fabs(x[i] - want_x[i]) < 1e-9);
  assert_int_equal(unknown, 1);
  /* A from Jan 5 10:00 (the refund in, the order of Jan 31 in too), B from Jan 20 08:30 */
  const int64_t day = 86400, jan1 = (int64_t)o.start_day * day;
  const int64_t start[3] = {jan1 + 4 * day + 36000, jan1 + 19 * day + 30600, jan1};
  assert_int_equal(patron_experiment_metrics_from(a, ds, start, &o, y, NULL, &unknown, &err),
                   PATRON_OK);
  const double want_from[9] = {1, 1, 0, 96, 2, 0, 1, 1, 0};
  for (int i = 0; i < 9; i++)
    assert_true(fabs(y[i] - want_from[i]) < 1e-9);
  patron_assignments_free(a);
  patron_arms_clear(&arms);
  patron_dataset_free(ds);
}

enum { SIMS = 1000, N = 2000 };

typedef struct sim_counts {
  int effective, significant, covered[2];
} sim_counts;

/* One hash-assigned experiment of N customers: conversion p0 (p1 in treatment), revenue
 * lognormal when converted. Counts verdicts and interval coverage of the true differences. */
static void one_experiment(gsl_rng *rng, int sim, double p0, double p1, sim_counts *out) {
  static char text[N][16];
  const char *ids[N];
  for (int i = 0; i < N; i++) {
    snprintf(text[i], sizeof text[i], "C%06d", i);
    ids[i] = text[i];
  }
  char salt[32];
  snprintf(salt, sizeof salt, "aa-%d", sim);
  patron_arms arms;
  patron_error err = {0};
  patron_assignments *a = NULL;
  patron_evaluation *e = NULL;
  assert_int_equal(patron_arms_parse("control:50,treatment:50", &arms, &err), PATRON_OK);
  assert_int_equal(patron_experiment_assign(salt, ids, N, &arms, salt, &a, &err), PATRON_OK);
  static double y[3 * N];
  for (int i = 0; i < N; i++) {
    double p = a->arm[i] == 1 ? p1 : p0;
    int conv = gsl_rng_uniform(rng) < p;
    y[i] = conv;
    y[N + i] = conv ? exp(3 + gsl_ran_gaussian(rng, 0.8)) : 0;
    y[2 * N + i] = conv ? 1 + gsl_ran_poisson(rng, 0.3) : 0;
  }
  patron_eval_options o;
  patron_eval_options_init(&o);
  o.start_day = 0;
  assert_int_equal(patron_experiment_evaluate_metrics(a, y, NULL, &o, &e, &err), PATRON_OK);
  const patron_result_row *conv = &e->rows[0], *rev = &e->rows[1];
  double mean_rev = exp(3 + 0.32); /* E lognormal(3, 0.8) */
  out->effective += conv->verdict == PATRON_VERDICT_EFFECTIVE;
  out->significant += conv->c.diff_low > 0 || conv->c.diff_high < 0;
  out->covered[0] += conv->c.diff_low <= p1 - p0 && p1 - p0 <= conv->c.diff_high;
  double true_rev = (p1 - p0) * mean_rev;
  out->covered[1] += rev->c.diff_low <= true_rev && true_rev <= rev->c.diff_high;
  patron_evaluation_free(e);
  patron_assignments_free(a);
  patron_arms_clear(&arms);
}

static void aa_false_positive_rate(void **state) {
  (void)state;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20261207);
  sim_counts c = {0};
  for (int s = 0; s < SIMS; s++)
    one_experiment(rng, s, 0.1, 0.1, &c);
  gsl_rng_free(rng);
  printf("A/A: effective %d, significant %d, coverage %d %d of %d\n", c.effective, c.significant,
         c.covered[0], c.covered[1], SIMS);
  assert_true(c.significant >= 30 && c.significant <= 70);
  assert_true(c.effective >= 10 && c.effective <= 40);
  assert_true(c.covered[0] >= 930 && c.covered[0] <= 970);
  assert_true(c.covered[1] >= 930 && c.covered[1] <= 970);
}

static void coverage_with_effect(void **state) {
  (void)state;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 7);
  sim_counts c = {0};
  for (int s = 0; s < SIMS; s++)
    one_experiment(rng, s, 0.1, 0.13, &c);
  gsl_rng_free(rng);
  printf("effect: effective %d, coverage %d %d of %d\n", c.effective, c.covered[0], c.covered[1],
         SIMS);
  assert_true(c.covered[0] >= 930 && c.covered[0] <= 970);
  assert_true(c.covered[1] >= 930 && c.covered[1] <= 970);
  assert_true(c.effective > 500); /* power of about 0.8 for +3 pp at 1,000 per arm */
}

PATRON_TEST_MAIN(cmocka_unit_test(newcombe_worked_example), cmocka_unit_test(holm_by_hand),
                 cmocka_unit_test(percentile_and_srm), cmocka_unit_test(sample_sizes),
                 cmocka_unit_test(arms_parse), cmocka_unit_test(window_metrics_by_hand),
                 cmocka_unit_test(aa_false_positive_rate), cmocka_unit_test(coverage_with_effect))
