/* k-means benchmark: synthetic RFM-like customers (log1p recency, frequency, monetary,
 * standardized), fits with k-means++ and n_init restarts, a fit from given centres for the
 * point-for-point check against scikit-learn, and the k scan. Writes the matrix and the
 * fixed-init results as raw little-endian files that bench/kmeans_sklearn.py reads.
 * Usage: kmeans_bench [--n N] [--threads T] [--n-init R] [--reps R] [--dir DIR] [--no-scan]
 *        kmeans_bench --fit-only K [--threads T] [--n-init R] [--dir DIR]
 * (--reps: each k-means++ fit is timed R times and the fastest kept: the machine is shared.
 * --fit-only: one fit of DIR/x.f64, printing "seconds inertia", so that the scikit-learn
 * script can alternate the two programs and both see the same load.) */
#include "patron/kmeans.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Recency in days, purchase count and spend drawn from skewed laws with a few segments. */
static void make_customers(double *x, size_t n, unsigned long seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  for (size_t i = 0; i < n; i++) {
    double u = gsl_rng_uniform(r);
    double mu_f = u < 0.5 ? 0.3 : u < 0.85 ? 1.2 : 2.5;
    double freq = 1 + (double)gsl_ran_poisson(r, exp(mu_f + gsl_ran_gaussian(r, 0.5)));
    double rec = 1 + gsl_ran_exponential(r, u < 0.5 ? 300 : u < 0.85 ? 90 : 20);
    double mon = freq * gsl_ran_lognormal(r, 3.5 + 0.3 * (u >= 0.85), 0.8);
    x[3 * i] = log1p(rec), x[3 * i + 1] = log1p(freq), x[3 * i + 2] = log1p(mon);
  }
  gsl_rng_free(r);
}

static int write_file(const char *dir, const char *name, const void *p, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, bytes, f) != bytes || fclose(f) != 0) {
    fprintf(stderr, "kmeans_bench: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

static int fail(const patron_error *e) {
  fprintf(stderr, "kmeans_bench: %s\n", e->message);
  return 1;
}

/* k-means++ fit with n_init restarts, best time of reps: prints it and saves it for the
 * scikit-learn side (fit_kK.txt: seconds inertia). */
static int bench_fit(const double *x, size_t n, size_t k, size_t n_init, int threads, size_t reps,
                     const char *dir, int32_t *labels) {
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = k, o.n_init = n_init, o.n_threads = threads;
  double centers[3 * 64], best = INFINITY;
  patron_kmeans_info info;
  patron_error e = {0};
  for (size_t r = 0; r < reps; r++) {
    double t0 = now();
    if (patron_kmeans_fit(x, n, 3, &o, NULL, centers, labels, &info, &e) != PATRON_OK)
      return fail(&e);
    best = fmin(best, now() - t0);
  }
  printf("fit k=%zu n_init=%zu threads=%d: %.3f s (best of %zu) inertia %.6f n_iter %zu "
         "converged %d distances/row %.1f\n",
         k, n_init, threads, best, reps, info.inertia, info.n_iter, info.converged,
         (double)info.n_distance / (double)n);
  char name[64], text[128];
  snprintf(name, sizeof name, "fit_k%zu.txt", k);
  int len = snprintf(text, sizeof text, "%.6f %.10g\n", best, info.inertia);
  return write_file(dir, name, text, (size_t)len);
}

/* Fit from k given rows (every n/k-th) and save init, labels and inertia for sklearn. */
static int bench_fixed_init(const double *x, size_t n, size_t k, const char *dir, int32_t *labels) {
  double init[3 * 64], centers[3 * 64];
  for (size_t c = 0; c < k; c++)
    memcpy(init + 3 * c, x + 3 * (c * (n / k) + 7), 3 * sizeof *init);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = k;
  patron_kmeans_info info;
  patron_error e = {0};
  double t0 = now();
  if (patron_kmeans_fit(x, n, 3, &o, init, centers, labels, &info, &e) != PATRON_OK)
    return fail(&e);
  printf("fixed-init k=%zu: %.3f s inertia %.10g n_iter %zu\n", k, now() - t0, info.inertia,
         info.n_iter);
  char name[64];
  snprintf(name, sizeof name, "init_k%zu.f64", k);
  int rc = write_file(dir, name, init, 3 * k * sizeof *init);
  snprintf(name, sizeof name, "labels_k%zu.i32", k);
  rc |= write_file(dir, name, labels, n * sizeof *labels);
  snprintf(name, sizeof name, "inertia_k%zu.f64", k);
  return rc | write_file(dir, name, &info.inertia, sizeof info.inertia);
}

static int bench_scan(const double *x, size_t n, size_t n_init, int threads) {
  patron_kmeans_scan_options so;
  patron_kmeans_scan_options_init(&so);
  so.fit.n_init = n_init, so.fit.n_threads = threads;
  patron_kmeans_scan_row rows[9];
  size_t n_rows, best;
  patron_error e = {0};
  double t0 = now();
  if (patron_kmeans_scan(x, n, 3, &so, rows, &n_rows, &best, NULL, NULL, &e) != PATRON_OK)
    return fail(&e);
  printf("scan k=2..10 (scan_n_init=%zu, chosen k refitted with n_init=%zu): %.3f s, best "
         "k=%zu\n",
         so.scan_n_init, n_init, now() - t0, best);
  for (size_t i = 0; i < n_rows; i++)
    printf("  k=%zu inertia %.1f silhouette %.4f calinski_harabasz %.1f n_iter %zu\n", rows[i].k,
           rows[i].inertia, rows[i].silhouette, rows[i].calinski_harabasz, rows[i].n_iter);
  return 0;
}

/* One timed k-means++ fit of the matrix saved in dir. */
static int fit_only(const char *dir, size_t k, size_t n_init, int threads) {
  char path[4096];
  snprintf(path, sizeof path, "%s/x.f64", dir);
  FILE *f = fopen(path, "rb");
  if (!f || fseek(f, 0, SEEK_END) != 0) {
    fprintf(stderr, "kmeans_bench: cannot read %s\n", path);
    return 1;
  }
  size_t n = (size_t)ftell(f) / (3 * sizeof(double));
  double *x = malloc(n * 3 * sizeof *x), centers[3 * 64];
  int32_t *labels = malloc(n * sizeof *labels);
  rewind(f);
  if (!x || !labels || fread(x, 3 * sizeof *x, n, f) != n)
    return 1;
  fclose(f);
  patron_kmeans_options o;
  patron_kmeans_options_init(&o);
  o.k = k, o.n_init = n_init, o.n_threads = threads;
  patron_kmeans_info info;
  patron_error e = {0};
  double t0 = now();
  if (patron_kmeans_fit(x, n, 3, &o, NULL, centers, labels, &info, &e) != PATRON_OK)
    return fail(&e);
  printf("%.6f %.10g\n", now() - t0, info.inertia);
  free(x);
  free(labels);
  return 0;
}

int main(int argc, char **argv) {
  size_t n = 1000000, n_init = 10, reps = 3;
  int threads = 0, scan = 1;
  size_t only_k = 0;
  const char *dir = "/tmp/kmeans_bench";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc)
      n = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = (int)strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--n-init") && i + 1 < argc)
      n_init = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--fit-only") && i + 1 < argc)
      only_k = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--no-scan"))
      scan = 0;
    else {
      fprintf(stderr, "usage: kmeans_bench [--n N] [--threads T] [--n-init R] [--reps R] "
                      "[--dir DIR] [--no-scan] | --fit-only K\n");
      return 2;
    }
  }
  if (only_k > 0 && only_k <= 64)
    return fit_only(dir, only_k, n_init, threads);
  double *x = malloc(n * 3 * sizeof *x);
  int32_t *labels = malloc(n * sizeof *labels);
  if (!x || !labels)
    return 1;
  make_customers(x, n, 42);
  patron_error e = {0};
  if (patron_kmeans_standardize(x, n, 3, NULL, NULL, NULL, &e) != PATRON_OK)
    return fail(&e);
  int rc = write_file(dir, "x.f64", x, n * 3 * sizeof *x);
  printf("n=%zu d=3\n", n);
  for (size_t k = 5; k <= 8 && !rc; k += 3)
    rc = bench_fit(x, n, k, n_init, threads, reps ? reps : 1, dir, labels) ||
         bench_fixed_init(x, n, k, dir, labels);
  if (!rc && scan)
    rc = bench_scan(x, n, n_init, threads);
  free(x);
  free(labels);
  return rc;
}
