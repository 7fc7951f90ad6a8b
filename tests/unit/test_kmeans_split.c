/* Unit tests for k-means over rows split into parts (src/models/kmeans/kmeans_int.h,
 * patron__km_part; docs/KMEANS.md "Exact sums"): 1..5 simulated ranks (threads adding their
 * integers through a barrier, as MPI_Allreduce does) each holding a random subset of the
 * rows (three global chunks of 8,192) must get the single process's standardization,
 * centres, inertia, iterations, labels and k scan bit for bit, including a run that
 * re-seeds an empty cluster. */
#include "test_util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "models/kmeans/kmeans_int.h"

enum { N = 20000, D = 3, K = 4, MAX_RANKS = 5 }; /* N: three global chunks of rows */

typedef struct sim {
  int size;
  pthread_barrier_t bar;
  patron__i128 *slot[MAX_RANKS];
  bool ok[MAX_RANKS];
} sim;

typedef struct rank_run {
  sim *s;
  int rank;
  patron__km_comm comm;
  const double *all; /* N x D, every row */
  const int *owner;  /* N: the rank holding each row */
  bool with_init;
  /* results */
  double mean[D], sd[D], centers[K * D], scan_centers[6 * D];
  patron_kmeans_info info;
  patron_kmeans_scan_row scan[5];
  size_t n_scan, best_k;
  int32_t labels[N], scan_labels[N]; /* by global row */
  patron_status st;
} rank_run;

static void sim_sum(void *ctx, patron__i128 *v, size_t n) {
  rank_run *r = ctx;
  sim *s = r->s;
  s->slot[r->rank] = v;
  pthread_barrier_wait(&s->bar);
  patron__i128 *t = calloc(n ? n : 1, sizeof *t);
  for (int q = 0; q < s->size; q++)
    for (size_t i = 0; i < n; i++)
      t[i] += s->slot[q][i];
  pthread_barrier_wait(&s->bar);
  memcpy(v, t, n * sizeof *t);
  free(t);
}

static bool sim_all_ok(void *ctx, bool ok) {
  rank_run *r = ctx;
  sim *s = r->s;
  s->ok[r->rank] = ok;
  pthread_barrier_wait(&s->bar);
  bool all = true;
  for (int q = 0; q < s->size; q++)
    all = all && s->ok[q];
  pthread_barrier_wait(&s->bar);
  return all;
}

/* Three RFM-like segments (log scale) with a far group, seeded. */
static void make_rows(double *x) {
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, 14);
  for (size_t i = 0; i < N; i++) {
    int c = (int)(i % 5);
    x[i * D + 0] = log1p(gsl_ran_exponential(g, c < 2 ? 30.0 : 300.0));
    x[i * D + 1] = log1p(1 + gsl_ran_poisson(g, c == 4 ? 12.0 : 1.5));
    x[i * D + 2] = log1p(gsl_ran_lognormal(g, c == 4 ? 7.0 : 4.0, 0.8));
  }
  gsl_rng_free(g);
}

static void *rank_main(void *arg) {
  rank_run *r = arg;
  size_t n = 0;
  double *x = malloc(N * D * sizeof *x);
  uint64_t *gidx = malloc(N * sizeof *gidx);
  int32_t *labels = malloc(N * sizeof *labels);
  for (size_t i = 0; i < N; i++)
    if (r->owner[i] == r->rank) {
      memcpy(x + n * D, r->all + i * D, D * sizeof *x);
      gidx[n++] = i;
    }
  r->comm = (patron__km_comm){
      .ctx = r, .rank = r->rank, .size = r->s->size, .sum = sim_sum, .all_ok = sim_all_ok};
  patron__km_part part = {.comm = &r->comm, .gidx = gidx, .n_global = N};
  patron_error err = {0};
  r->st = patron__km_standardize(x, n, D, &part, r->mean, r->sd, NULL, &err);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = K, o.n_init = 3, o.n_threads = 1, o.seed = 5;
  /* a start far from every row leaves cluster 3 empty: it is re-seeded */
  const double init[K * D] = {0, 0, 0, 1, 1, 1, -1, -1, -1, 90, 90, 90};
  if (r->st == PATRON_OK)
    r->st = patron__km_fit(x, n, D, &part, &o, r->with_init ? init : NULL, r->centers, labels,
                           &r->info, &err);
  for (size_t i = 0; i < n; i++)
    r->labels[gidx[i]] = labels[i];
  patron_kmeans_scan_options so;
  patron_kmeans_scan_options_init(&so);
  so.k_max = 6, so.silhouette_sample = 700, so.fit.n_threads = 1, so.scan_n_init = 2;
  so.fit.n_init = 2;
  if (r->st == PATRON_OK && !r->with_init)
    r->st = patron__km_scan(x, n, D, &part, &so, r->scan, &r->n_scan, &r->best_k, labels,
                            r->scan_centers, &err);
  for (size_t i = 0; i < n && !r->with_init; i++)
    r->scan_labels[gidx[i]] = labels[i];
  free(x), free(gidx), free(labels);
  return NULL;
}

/* Runs `size` ranks over a random split; the merged per-rank results in *out (rank 0's
 * figures, every rank's labels). */
static void run_split(const double *all, int size, unsigned long seed, bool with_init,
                      rank_run *out) {
  sim s = {.size = size};
  pthread_barrier_init(&s.bar, NULL, (unsigned)size);
  int *owner = malloc(N * sizeof *owner);
  gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(g, seed);
  for (size_t i = 0; i < N; i++)
    owner[i] = (int)gsl_rng_uniform_int(g, (unsigned long)size);
  gsl_rng_free(g);
  rank_run *r = calloc((size_t)size, sizeof *r);
  pthread_t t[MAX_RANKS];
  for (int q = 0; q < size; q++) {
    r[q] = (rank_run){.s = &s, .rank = q, .all = all, .owner = owner, .with_init = with_init};
    pthread_create(&t[q], NULL, rank_main, &r[q]);
  }
  for (int q = 0; q < size; q++)
    pthread_join(t[q], NULL);
  *out = r[0];
  for (int q = 0; q < size; q++) {
    assert_int_equal(r[q].st, PATRON_OK);
    assert_memory_equal(r[q].centers, r[0].centers, sizeof r[0].centers);
    for (size_t i = 0; i < N; i++)
      if (owner[i] == q) {
        out->labels[i] = r[q].labels[i];
        out->scan_labels[i] = r[q].scan_labels[i];
      }
  }
  pthread_barrier_destroy(&s.bar);
  free(owner);
  free(r);
}

static void same_fit(const rank_run *a, const rank_run *b, bool scan) {
  assert_memory_equal(a->mean, b->mean, sizeof a->mean);
  assert_memory_equal(a->sd, b->sd, sizeof a->sd);
  assert_memory_equal(a->centers, b->centers, sizeof a->centers);
  assert_memory_equal(&a->info.inertia, &b->info.inertia, sizeof a->info.inertia);
  assert_int_equal(a->info.n_iter, b->info.n_iter);
  assert_int_equal(a->info.best_init, b->info.best_init);
  assert_int_equal(a->info.n_relocated, b->info.n_relocated);
  assert_memory_equal(a->labels, b->labels, sizeof a->labels);
  if (!scan)
    return;
  assert_int_equal(a->n_scan, b->n_scan);
  assert_int_equal(a->best_k, b->best_k);
  for (size_t i = 0; i < a->n_scan; i++) {
    assert_memory_equal(&a->scan[i].inertia, &b->scan[i].inertia, sizeof(double));
    assert_memory_equal(&a->scan[i].silhouette, &b->scan[i].silhouette, sizeof(double));
    assert_memory_equal(&a->scan[i].calinski_harabasz, &b->scan[i].calinski_harabasz,
                        sizeof(double));
  }
  assert_memory_equal(a->scan_labels, b->scan_labels, sizeof a->scan_labels);
}

static void check_splits(bool with_init) {
  double *all = malloc(N * D * sizeof *all);
  make_rows(all);
  rank_run *one = malloc(sizeof *one), *got = malloc(sizeof *got);
  run_split(all, 1, 1, with_init, one);
  if (with_init)
    assert_true(one->info.n_relocated > 0);
  for (int size = 2; size <= MAX_RANKS; size++) {
    run_split(all, size, (unsigned long)size, with_init, got);
    same_fit(one, got, !with_init);
  }
  /* the one-rank split is the single process */
  double *x = malloc(N * D * sizeof *x), mean[D], sd[D], centers[K * D];
  int32_t *labels = malloc(N * sizeof *labels);
  memcpy(x, all, N * D * sizeof *x);
  patron_error err = {0};
  assert_int_equal(patron_kmeans_standardize(x, N, D, mean, sd, NULL, &err), PATRON_OK);
  assert_memory_equal(mean, one->mean, sizeof mean);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = K, o.n_init = 3, o.seed = 5;
  const double init[K * D] = {0, 0, 0, 1, 1, 1, -1, -1, -1, 90, 90, 90};
  patron_kmeans_info info;
  assert_int_equal(
      patron_kmeans_fit(x, N, D, &o, with_init ? init : NULL, centers, labels, &info, &err),
      PATRON_OK);
  assert_memory_equal(centers, one->centers, sizeof centers);
  assert_memory_equal(labels, one->labels, N * sizeof *labels);
  free(all), free(one), free(got), free(x), free(labels);
}

static void test_split_kmeanspp_and_scan(void **state) {
  (void)state;
  check_splits(false);
}

static void test_split_empty_cluster(void **state) {
  (void)state;
  check_splits(true);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_split_kmeanspp_and_scan),
                 cmocka_unit_test(test_split_empty_cluster))
