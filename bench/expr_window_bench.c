/* Windowed expression functions benchmark (SPEC section 6; issue goal: an audience with
 * windowed event functions over 1M customers < 1 s once the profile is built): loads
 * orders (with lines) and events, builds the profile as of the day after the latest order,
 * then for each condition below times compiling + filtering every customer (the first
 * vectorized use computes each behaviour column over the per-customer CSR ranges), best of
 * R runs; prints the counts for bench/expr_window_pandas.py to compare.
 * Usage: expr_window_bench --dir DIR [--reps R]   (DIR holds orders.csv, events.csv) */
#include "patron/patron.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const conditions[] = {
    "purchases(30) >= 1",     "spend(90) > 500",
    "events('view', 7) >= 3", "items_viewed_unbought(30, 3) >= 1",
    "cart_abandoned(48)",     "events('view', 7) >= 3 and purchases(30) = 0",
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int fail(const patron_error *err) {
  fprintf(stderr, "%s\n", err->message);
  return 1;
}

int main(int argc, char **argv) {
  const char *dir = NULL;
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--dir") == 0)
      dir = argv[i + 1];
    else if (strcmp(argv[i], "--reps") == 0)
      reps = atoi(argv[i + 1]);
  }
  if (!dir || reps < 1) {
    fprintf(stderr, "usage: expr_window_bench --dir DIR [--reps R]\n");
    return 2;
  }
  char orders[4096], events[4096];
  snprintf(orders, sizeof orders, "%s/orders.csv", dir);
  snprintf(events, sizeof events, "%s/events.csv", dir);
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = orders;
  lo.paths[PATRON_FILE_EVENTS] = events;
  lo.keep_lines = true;
  patron_error err = {0};
  patron_dataset *ds = NULL;
  patron_profile *p = NULL;
  double t0 = now();
  if (patron_dataset_load(&lo, &ds, &err) != PATRON_OK)
    return fail(&err);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_dataset_default_as_of(ds);
  if (patron_profile_build(ds, &po, &p, &err) != PATRON_OK)
    return fail(&err);
  const patron_table *t = patron_profile_table_const(p);
  size_t n = patron_table_n_rows(t);
  char day[16];
  patron_format_day(po.as_of_day, day);
  printf("loaded %zu customers in %.1f s (as of %s, not timed below)\n", n, now() - t0, day);
  uint32_t *rows = malloc(n * sizeof *rows);
  for (size_t c = 0; c < sizeof conditions / sizeof *conditions; c++) {
    double best = INFINITY;
    size_t kept = 0;
    for (int r = 0; r < reps; r++) {
      patron_expr_env env;
      patron_expr_env_init(&env);
      env.table = t;
      env.dataset = ds;
      env.row_customer = patron_profile_customers(p);
      env.as_of = (int64_t)po.as_of_day * 86400;
      patron_expr *e = NULL;
      double s = now();
      if (patron_expr_compile(conditions[c], strlen(conditions[c]), &env, &e, &err) != PATRON_OK ||
          patron_expr_filter(e, NULL, 0, rows, &kept, &err) != PATRON_OK)
        return fail(&err);
      best = fmin(best, now() - s);
      patron_expr_free(e);
    }
    printf("patron %-46s %8zu selected: %.3f s (best of %d)\n", conditions[c], kept, best, reps);
  }
  free(rows);
  patron_profile_free(p);
  patron_dataset_free(ds);
  return 0;
}
