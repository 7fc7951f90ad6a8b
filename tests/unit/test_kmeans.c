/* Unit tests for k-means (include/patron/kmeans.h) on hand-made data: obvious clusters,
 * ties, k above the distinct rows, n < k, a zero-variance feature, determinism across
 * seeds and thread counts, the k scan, RFM labels and the report. */
#include "test_util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patron/patron.h"

/* n rows around k centres (k x d) with Gaussian noise sd, seeded. */
static double *make_blobs(size_t n, size_t d, size_t k, const double *centres, double sd,
                          unsigned long seed, int32_t *truth) {
  double *x = malloc(n * d * sizeof *x);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  for (size_t i = 0; i < n; i++) {
    size_t c = i % k;
    if (truth)
      truth[i] = (int32_t)c;
    for (size_t j = 0; j < d; j++)
      x[i * d + j] = centres[c * d + j] + gsl_ran_gaussian(r, sd);
  }
  gsl_rng_free(r);
  return x;
}

static patron_status fit(const double *x, size_t n, size_t d, size_t k, uint64_t seed, int threads,
                         const double *init, double *centers, int32_t *labels,
                         patron_kmeans_info *info, patron_error *err) {
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = k;
  o.seed = seed;
  o.n_threads = threads;
  return patron_kmeans_fit(x, n, d, &o, init, centers, labels, info, err);
}

/* Labels a and b describe the same partition (up to renaming the clusters). */
static int same_partition(const int32_t *a, const int32_t *b, size_t n, size_t k) {
  int32_t map[64];
  for (size_t c = 0; c < k; c++)
    map[c] = -1;
  for (size_t i = 0; i < n; i++) {
    if (map[a[i]] < 0)
      map[a[i]] = b[i];
    if (map[a[i]] != b[i])
      return 0;
  }
  return 1;
}

static void test_obvious_clusters(void **state) {
  (void)state;
  const double c[] = {0, 0, 0, 10, 10, 0, 0, 10, 10};
  int32_t truth[300], labels[300];
  double *x = make_blobs(300, 3, 3, c, 0.5, 1, truth), centers[9];
  patron_kmeans_info info;
  patron_error err = {0};
  for (uint64_t seed = 0; seed < 5; seed++) {
    assert_int_equal(fit(x, 300, 3, 3, seed, 0, NULL, centers, labels, &info, &err), PATRON_OK);
    assert_true(same_partition(truth, labels, 300, 3));
    assert_true(info.converged);
    assert_true(info.inertia < 300 * 3 * 0.5 * 0.5 * 1.3);
  }
  free(x);
}

/* Rows exactly between two centres go to the lower index, in the first assignment and
 * in later ones (1-D: centres -1 and 1 around 0, then around the final means). */
static void test_ties_lowest_index(void **state) {
  (void)state;
  const double x[] = {0, -2, 2, -3, 3};
  const double init[] = {-1, 1};
  double centers[2];
  int32_t labels[5];
  patron_kmeans_info info;
  patron_error err = {0};
  assert_int_equal(fit(x, 5, 1, 2, 0, 1, init, centers, labels, &info, &err), PATRON_OK);
  /* First pass: 0 is tied and goes to cluster 0: {0,-2,-3} mean -5/3 and {2,3} mean 2.5. */
  const int32_t want[] = {0, 0, 1, 0, 1};
  assert_memory_equal(labels, want, sizeof want);
  assert_true(fabs(centers[0] + 5.0 / 3) < 1e-15 && fabs(centers[1] - 2.5) < 1e-15);
  /* Symmetric data around symmetric centres: every row at 0 ties and goes to 0. */
  const double y[] = {0, 0, -4, 4};
  const double init2[] = {-2, 2};
  int32_t l2[4];
  assert_int_equal(fit(y, 4, 1, 2, 0, 1, init2, centers, l2, &info, &err), PATRON_OK);
  assert_int_equal(l2[0], 0);
  assert_int_equal(l2[1], 0);
  assert_int_equal(l2[2], 0);
  assert_int_equal(l2[3], 1);
}

static void test_single_cluster(void **state) {
  (void)state;
  const double x[] = {1, 10, 3, 20, 5, 60};
  double centers[2];
  int32_t labels[3];
  patron_kmeans_info info;
  patron_error err = {0};
  assert_int_equal(fit(x, 3, 2, 1, 0, 0, NULL, centers, labels, &info, &err), PATRON_OK);
  assert_true(centers[0] == 3 && centers[1] == 30);
  assert_true(labels[0] == 0 && labels[1] == 0 && labels[2] == 0);
  assert_true(fabs(info.inertia - (4 + 400 + 0 + 100 + 4 + 900)) < 1e-9);
}

static void test_k_above_distinct_rows(void **state) {
  (void)state;
  double x[20];
  for (size_t i = 0; i < 10; i++)
    x[2 * i] = (double)(i % 3), x[2 * i + 1] = i % 3 == 2 ? -0.0 : 0.0;
  double centers[8];
  int32_t labels[10];
  patron_error err = {0};
  assert_int_equal(patron_kmeans_distinct_rows(x, 10, 2, 100), 3);
  assert_int_equal(fit(x, 10, 2, 4, 0, 0, NULL, centers, labels, NULL, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "only 3"));
  /* With k = 3 = distinct rows the fit is exact. */
  patron_kmeans_info info;
  assert_int_equal(fit(x, 10, 2, 3, 0, 0, NULL, centers, labels, &info, &err), PATRON_OK);
  assert_true(info.inertia == 0);
  /* The scan stops at the distinct rows and says so through n_rows. */
  patron_kmeans_scan_options so;
  patron_kmeans_scan_options_init(&so);
  patron_kmeans_scan_row rows[9];
  size_t n_rows, best;
  patron_error_clear(&err);
  assert_int_equal(patron_kmeans_scan(x, 10, 2, &so, rows, &n_rows, &best, NULL, NULL, &err),
                   PATRON_OK);
  assert_int_equal(n_rows, 2);
  assert_true(best == 2 || best == 3);
}

static void test_n_below_k(void **state) {
  (void)state;
  const double x[] = {1, 2, 3};
  double centers[5];
  int32_t labels[3];
  patron_error err = {0};
  assert_int_equal(fit(x, 3, 1, 5, 0, 0, NULL, centers, labels, NULL, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "at least 5 rows"));
  patron_error_clear(&err);
  assert_int_equal(fit(x, 0, 1, 1, 0, 0, NULL, centers, labels, NULL, &err), PATRON_ERR_DOMAIN);
}

static void test_bad_options_and_input(void **state) {
  (void)state;
  double x[] = {1, 2, NAN, 4};
  double centers[2];
  int32_t labels[4];
  patron_error err = {0};
  assert_int_equal(fit(x, 4, 1, 2, 0, 0, NULL, centers, labels, NULL, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "row 2"));
  patron_error_clear(&err);
  assert_int_equal(fit(x, 4, 1, 0, 0, 0, NULL, centers, labels, NULL, &err), PATRON_ERR_USAGE);
  patron_error_clear(&err);
  assert_int_equal(patron_kmeans_standardize(x, 4, 1, NULL, NULL, NULL, &err), PATRON_ERR_INPUT);
}

static void test_zero_variance_feature(void **state) {
  (void)state;
  double x[40];
  for (size_t i = 0; i < 20; i++)
    x[2 * i] = i < 10 ? (double)i : 100 + (double)i, x[2 * i + 1] = 7.25;
  double mean[2], sd[2];
  bool flat[2];
  patron_error err = {0};
  assert_int_equal(patron_kmeans_standardize(x, 20, 2, mean, sd, flat, &err), PATRON_OK);
  assert_false(flat[0]);
  assert_true(flat[1]);
  assert_true(sd[1] == 0 && mean[1] == 7.25);
  double s = 0, q = 0;
  for (size_t i = 0; i < 20; i++) {
    assert_true(x[2 * i + 1] == 0);
    assert_true(isfinite(x[2 * i]));
    s += x[2 * i], q += x[2 * i] * x[2 * i];
  }
  assert_true(fabs(s) < 1e-12 && fabs(q / 20 - 1) < 1e-12);
  double centers[4];
  int32_t labels[20];
  patron_kmeans_info info;
  assert_int_equal(fit(x, 20, 2, 2, 0, 0, NULL, centers, labels, &info, &err), PATRON_OK);
  for (size_t i = 0; i < 20; i++)
    assert_int_equal(labels[i], labels[0] ^ (i >= 10));
  assert_true(centers[1] == 0 && centers[3] == 0);
}

static void test_deterministic_threads_and_seed(void **state) {
  (void)state;
  const double c[] = {0, 0, 0, 2, 1, 0, 0, 2, 1, 1, 1, 3};
  size_t n = 40000;
  double *x = make_blobs(n, 3, 4, c, 0.8, 7, NULL);
  int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  double ca[15], cb[15];
  patron_kmeans_info ia, ib;
  patron_error err = {0};
  assert_int_equal(fit(x, n, 3, 5, 42, 1, NULL, ca, a, &ia, &err), PATRON_OK);
  assert_int_equal(fit(x, n, 3, 5, 42, 2, NULL, cb, b, &ib, &err), PATRON_OK);
  assert_memory_equal(a, b, n * sizeof *a);
  assert_memory_equal(ca, cb, sizeof ca);
  assert_memory_equal(&ia.inertia, &ib.inertia, sizeof ia.inertia);
  assert_int_equal(ia.n_iter, ib.n_iter);
  assert_int_equal(fit(x, n, 3, 5, 42, 3, NULL, cb, b, &ib, &err), PATRON_OK);
  assert_memory_equal(a, b, n * sizeof *a);
  free(x);
  free(a);
  free(b);
}

static void test_scan_finds_four(void **state) {
  (void)state;
  const double c[] = {0, 0, 8, 0, 0, 8, 8, 8};
  size_t n = 4000;
  int32_t *truth = malloc(n * sizeof *truth), *best_labels = malloc(n * sizeof *truth);
  double *x = make_blobs(n, 2, 4, c, 0.7, 3, truth);
  patron_kmeans_scan_options so;
  patron_kmeans_scan_options_init(&so);
  so.silhouette_sample = 1000;
  patron_kmeans_scan_row rows[9];
  size_t n_rows, best;
  double centers[20];
  patron_error err = {0};
  assert_int_equal(
      patron_kmeans_scan(x, n, 2, &so, rows, &n_rows, &best, best_labels, centers, &err),
      PATRON_OK);
  assert_int_equal(n_rows, 9);
  assert_int_equal(best, 4);
  assert_true(same_partition(truth, best_labels, n, 4));
  for (size_t i = 0; i < n_rows; i++) {
    assert_int_equal(rows[i].k, i + 2);
    assert_true(rows[i].ch_defined && rows[i].calinski_harabasz > 0);
    assert_true(rows[i].silhouette_defined);
    assert_true(rows[i].silhouette <= rows[2].silhouette);
    if (i > 0)
      assert_true(rows[i].inertia <= rows[i - 1].inertia * 1.0001);
  }
  /* The sample is fixed by the seed: the same silhouette twice. */
  double s1, s2;
  assert_int_equal(patron_kmeans_silhouette(x, n, 2, best_labels, 4, 500, 9, &s1, &err), PATRON_OK);
  assert_int_equal(patron_kmeans_silhouette(x, n, 2, best_labels, 4, 500, 9, &s2, &err), PATRON_OK);
  assert_true(s1 == s2 && fabs(s1 - rows[2].silhouette) < 0.05);
  free(truth);
  free(best_labels);
  free(x);
}

static void test_scores_domain(void **state) {
  (void)state;
  const double x[] = {0, 1, 2, 3};
  const int32_t one[] = {0, 0, 0, 0}, all[] = {0, 1, 2, 3}, bad[] = {0, 5, 0, 0};
  double v;
  patron_error err = {0};
  assert_int_equal(patron_kmeans_silhouette(x, 4, 1, one, 1, 0, 0, &v, &err), PATRON_ERR_DOMAIN);
  assert_int_equal(patron_kmeans_silhouette(x, 4, 1, all, 4, 0, 0, &v, &err), PATRON_ERR_DOMAIN);
  assert_int_equal(patron_kmeans_calinski_harabasz(x, 4, 1, one, 1, &v, &err), PATRON_ERR_DOMAIN);
  assert_int_equal(patron_kmeans_calinski_harabasz(x, 4, 1, bad, 2, &v, &err), PATRON_ERR_USAGE);
}

static void test_label_rfm_classes(void **state) {
  (void)state;
  const double mean[3] = {100, 3, 500};
  /* recency, frequency, monetary: one centroid per class, then two general_retain. */
  const double cen[] = {50, 5, 900, 50,  1, 900, 200, 5, 900, 200, 1, 900, 50,  5, 100,
                        50, 1, 100, 200, 5, 100, 300, 1, 50,  250, 2, 80,  100, 3, 500};
  char names[10][PATRON_KMEANS_LABEL_CAP];
  patron_error err = {0};
  assert_int_equal(patron_kmeans_label_rfm(cen, 10, mean, names, &err), PATRON_OK);
  assert_string_equal(names[0], "important_value_1");
  assert_string_equal(names[1], "important_develop");
  assert_string_equal(names[2], "important_keep");
  assert_string_equal(names[3], "important_retain");
  assert_string_equal(names[4], "general_value");
  assert_string_equal(names[5], "general_develop");
  assert_string_equal(names[6], "general_keep");
  assert_string_equal(names[7], "general_retain_2"); /* monetary 50 < 80 */
  assert_string_equal(names[8], "general_retain_1");
  /* At the means exactly: R high (<=), F high (>=), M high (>=). */
  assert_string_equal(names[9], "important_value_2");
}

static void test_report_rows(void **state) {
  (void)state;
  const int32_t labels[] = {0, 1, 0, 1, 1};
  const double rec[] = {10, 300, 20, 200, 250}, freq[] = {8, 1, 6, 1, 2};
  const double mon[] = {900, 50, 700, 30, 20};
  patron_kmeans_report_row rows[2];
  patron_error err = {0};
  assert_int_equal(patron_kmeans_report(labels, 5, 2, rec, freq, mon, rows, &err), PATRON_OK);
  assert_int_equal(rows[0].customers, 2);
  assert_true(fabs(rows[0].customer_share - 0.4) < 1e-15);
  assert_true(fabs(rows[0].revenue - 1600) < 1e-9 &&
              fabs(rows[0].revenue_share - 0.941176470588235) < 1e-12);
  assert_true(rows[0].recency == 15 && rows[0].frequency == 7 && rows[0].monetary == 800);
  assert_string_equal(rows[0].label, "important_value");
  assert_string_equal(rows[1].label, "general_retain");
  assert_true(fabs(rows[1].monetary - 100.0 / 3) < 1e-12);
  const int32_t bad[] = {0, 2, 0, 1, 1};
  assert_int_equal(patron_kmeans_report(bad, 5, 2, rec, freq, mon, rows, &err), PATRON_ERR_USAGE);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_obvious_clusters), cmocka_unit_test(test_ties_lowest_index),
                 cmocka_unit_test(test_single_cluster),
                 cmocka_unit_test(test_k_above_distinct_rows), cmocka_unit_test(test_n_below_k),
                 cmocka_unit_test(test_bad_options_and_input),
                 cmocka_unit_test(test_zero_variance_feature),
                 cmocka_unit_test(test_deterministic_threads_and_seed),
                 cmocka_unit_test(test_scan_finds_four), cmocka_unit_test(test_scores_domain),
                 cmocka_unit_test(test_label_rfm_classes), cmocka_unit_test(test_report_rows))
