/* Portrait benchmark (SPEC section 17: "a portrait of an audience over 1M customers in well
 * under a second once the profile is built"): loads DIR/orders.csv and DIR/customers.csv,
 * builds the profile analyze would (not timed) and writes it to DIR/profiles.csv for
 * bench/portrait_pandas.py; then times patron_portrait_build (portrait, affinity and stats)
 * for `--by rfm_class` and for a `--where` audience, best of R, on the default threads and on
 * one. Usage: portrait_bench --dir DIR [--reps R] */
#include "patron/patron.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char where[] = "frequency >= 2 and monetary > 500";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const patron_error *err) {
  fprintf(stderr, "portrait_bench: %s\n", err->message);
  exit(1);
}

/* Best wall seconds of R builds; *cpu_s: the CPU seconds (all threads) of that build. */
static double best_of(const patron_profile *p, const patron_dataset *ds,
                      const patron_portrait_options *o, int reps, size_t *rows, double *cpu_s) {
  double best = INFINITY;
  patron_error err = {0};
  for (int r = 0; r < reps; r++) {
    patron_portrait pt = {0};
    double t0 = now(), c0 = cpu();
    if (patron_portrait_build(p, ds, o, &pt, &err) != PATRON_OK)
      die(&err);
    if (now() - t0 < best)
      best = now() - t0, *cpu_s = cpu() - c0;
    *rows = patron_table_n_rows(pt.portrait) + patron_table_n_rows(pt.affinity) +
            patron_table_n_rows(pt.stats);
    patron_portrait_free(&pt);
  }
  return best;
}

int main(int argc, char **argv) {
  const char *dir = "/tmp/portrait_bench";
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--dir") == 0)
      dir = argv[i + 1];
    else if (strcmp(argv[i], "--reps") == 0)
      reps = atoi(argv[i + 1]);
  }
  char orders[4096], customers[4096], profiles[4096];
  snprintf(orders, sizeof orders, "%s/orders.csv", dir);
  snprintf(customers, sizeof customers, "%s/customers.csv", dir);
  snprintf(profiles, sizeof profiles, "%s/profiles.csv", dir);
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = orders;
  lo.paths[PATRON_FILE_CUSTOMERS] = customers;
  lo.keep_lines = true;
  patron_error err = {0};
  patron_dataset *ds = NULL;
  double t0 = now();
  if (patron_dataset_load(&lo, &ds, &err) != PATRON_OK)
    die(&err);
  patron_run run;
  patron_run_init(&run);
  patron_pipeline_options po;
  patron_pipeline_options_init(&po);
  patron_pipeline_results res = {0};
  if (patron_pipeline_run(ds, &po, &run, &res, &err) != PATRON_OK)
    die(&err);
  const patron_table *t = patron_profile_table_const(res.profile);
  printf("profile built (not timed): %zu customers, %.1f s\n", patron_table_n_rows(t), now() - t0);
  if (patron_write_table_csv(t, profiles, &err) != PATRON_OK)
    die(&err);
  patron_portrait_options o;
  patron_portrait_options_init(&o);
  size_t rows = 0;
  double c = 0;
  for (int threads = 0; threads <= 1; threads++) {
    o.n_threads = threads;
    o.where = NULL, o.by = "rfm_class";
    double by = best_of(res.profile, ds, &o, reps, &rows, &c);
    printf("patron   --by rfm_class (%s): %.4f s wall, %.4f s CPU, %zu output rows, best of %d\n",
           threads ? "1 thread" : "default threads", by, c, rows, reps);
    o.by = NULL, o.where = where;
    double w = best_of(res.profile, ds, &o, reps, &rows, &c);
    printf("patron   --where \"%s\" (%s): %.4f s wall, %.4f s CPU, %zu output rows, best of %d\n",
           where, threads ? "1 thread" : "default threads", w, c, rows, reps);
  }
  patron_pipeline_results_free(&res);
  patron_run_free_contents(&run);
  patron_dataset_free(ds);
  return 0;
}
