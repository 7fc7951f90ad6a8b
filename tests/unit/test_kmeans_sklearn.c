/* k-means against scikit-learn 1.2 (fixtures made by tests/data/kmeans/make_fixtures.py):
 * from the same initial centres the labels must be identical and the inertia equal to
 * 1e-6 relative; from k-means++ with n_init = 10 the inertia no worse than 1% above
 * scikit-learn's; silhouette and Calinski-Harabasz of the same labels equal to 1e-9. */
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "patron/patron.h"

typedef struct fixture {
  size_t n, d, k, n_iter;
  double *init, *x;
  int32_t *labels;
  double inertia, silhouette, ch, kpp_inertia;
} fixture;

static void load(const char *name, fixture *f) {
  char path[1024];
  snprintf(path, sizeof path, "%s/kmeans/%s", PATRON_TEST_DATA, name);
  FILE *in = fopen(path, "r");
  assert_non_null(in);
  assert_int_equal(fscanf(in, "%zu %zu %zu", &f->n, &f->d, &f->k), 3);
  f->init = malloc(f->k * f->d * sizeof *f->init);
  f->x = malloc(f->n * f->d * sizeof *f->x);
  f->labels = malloc(f->n * sizeof *f->labels);
  assert_true(f->init && f->x && f->labels);
  for (size_t i = 0; i < f->k * f->d; i++)
    assert_int_equal(fscanf(in, "%lf", &f->init[i]), 1);
  for (size_t i = 0; i < f->n; i++) {
    for (size_t j = 0; j < f->d; j++)
      assert_int_equal(fscanf(in, "%lf", &f->x[i * f->d + j]), 1);
    assert_int_equal(fscanf(in, "%d", &f->labels[i]), 1);
  }
  assert_int_equal(fscanf(in, "%lf %zu %lf %lf %lf", &f->inertia, &f->n_iter, &f->silhouette,
                          &f->ch, &f->kpp_inertia),
                   5);
  fclose(in);
}

static void unload(fixture *f) {
  free(f->init);
  free(f->x);
  free(f->labels);
}

static void check_fixed_init(const char *name, bool relocates) {
  fixture f;
  load(name, &f);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = f.k;
  double *centers = malloc(f.k * f.d * sizeof *centers);
  int32_t *labels = malloc(f.n * sizeof *labels);
  patron_kmeans_info info;
  patron_error err = {0};
  assert_int_equal(patron_kmeans_fit(f.x, f.n, f.d, &o, f.init, centers, labels, &info, &err),
                   PATRON_OK);
  size_t differ = 0;
  for (size_t i = 0; i < f.n; i++)
    differ += labels[i] != f.labels[i];
  if (differ)
    print_error("%s: %zu labels differ from scikit-learn's\n", name, differ);
  assert_int_equal(differ, 0);
  assert_true(fabs(info.inertia - f.inertia) <= 1e-6 * f.inertia);
  assert_int_equal(info.n_iter, f.n_iter);
  assert_int_equal(info.n_relocated > 0, relocates);
  free(centers);
  free(labels);
  unload(&f);
}

static void check_kpp(const char *name) {
  fixture f;
  load(name, &f);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = f.k;
  double *centers = malloc(f.k * f.d * sizeof *centers);
  int32_t *labels = malloc(f.n * sizeof *labels);
  patron_kmeans_info info;
  patron_error err = {0};
  for (uint64_t seed = 0; seed < 3; seed++) {
    o.seed = seed;
    assert_int_equal(patron_kmeans_fit(f.x, f.n, f.d, &o, NULL, centers, labels, &info, &err),
                     PATRON_OK);
    if (!(info.inertia <= 1.01 * f.kpp_inertia))
      print_error("%s seed %llu: inertia %.6f vs scikit-learn %.6f\n", name,
                  (unsigned long long)seed, info.inertia, f.kpp_inertia);
    assert_true(info.inertia <= 1.01 * f.kpp_inertia);
  }
  free(centers);
  free(labels);
  unload(&f);
}

static void check_scores(const char *name) {
  fixture f;
  load(name, &f);
  patron_error err = {0};
  double sil, ch;
  assert_int_equal(patron_kmeans_silhouette(f.x, f.n, f.d, f.labels, f.k, 0, 0, &sil, &err),
                   PATRON_OK);
  assert_int_equal(patron_kmeans_calinski_harabasz(f.x, f.n, f.d, f.labels, f.k, &ch, &err),
                   PATRON_OK);
  assert_true(fabs(sil - f.silhouette) <= 1e-9 * fabs(f.silhouette));
  assert_true(fabs(ch - f.ch) <= 1e-9 * f.ch);
  unload(&f);
}

static void test_fixed_init_rfm_k5(void **state) {
  (void)state;
  check_fixed_init("rfm_k5.txt", false);
}

static void test_fixed_init_rfm_k8(void **state) {
  (void)state;
  check_fixed_init("rfm_k8.txt", false);
}

static void test_fixed_init_blobs_d2(void **state) {
  (void)state;
  check_fixed_init("blobs_d2_k4.txt", false);
}

static void test_fixed_init_blobs_d5(void **state) {
  (void)state;
  check_fixed_init("blobs_d5_k3.txt", false);
}

static void test_fixed_init_empty_cluster(void **state) {
  (void)state;
  check_fixed_init("rfm_empty_k4.txt", true);
}

static void test_kpp_within_1pct(void **state) {
  (void)state;
  check_kpp("rfm_k5.txt");
  check_kpp("rfm_k8.txt");
  check_kpp("blobs_d2_k4.txt");
  check_kpp("blobs_d5_k3.txt");
}

static void test_scores_match(void **state) {
  (void)state;
  check_scores("rfm_k5.txt");
  check_scores("blobs_d2_k4.txt");
  check_scores("blobs_d5_k3.txt");
}

PATRON_TEST_MAIN(cmocka_unit_test(test_fixed_init_rfm_k5), cmocka_unit_test(test_fixed_init_rfm_k8),
                 cmocka_unit_test(test_fixed_init_blobs_d2),
                 cmocka_unit_test(test_fixed_init_blobs_d5),
                 cmocka_unit_test(test_fixed_init_empty_cluster),
                 cmocka_unit_test(test_kpp_within_1pct), cmocka_unit_test(test_scores_match))
