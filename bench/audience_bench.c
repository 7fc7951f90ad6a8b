/* Audience selection benchmark (SPEC section 8: "selected in well under a second once the
 * profile is built"): a profile-like table of N customers (recency_days, frequency,
 * monetary, lifecycle, city, p_alive with nulls for prospects), a 5-predicate condition
 * compiled and filtered (vectorized) R times; writes the table as CSV for
 * bench/audience_pandas.py, which times pandas boolean indexing on the same rows.
 * Usage: audience_bench [--n N] [--reps R] [--dir DIR] */
#include "patron/patron.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const lifecycle[] = {"prospect", "new",     "active",
                                        "silent",   "dormant", "churned"};
static const char *const cities[] = {"Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou",
                                     "Chengdu",  "Wuhan",   "Nanjing",  "Xian",      "Suzhou"};
static const char where[] = "frequency >= 2 and monetary > 500 and recency_days <= 180 and "
                            "lifecycle in ('active', 'silent') and p_alive > 0.5";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static patron_table *make_table(size_t n) {
  patron_table *t = patron_table_new(n);
  patron_error err = {0};
  const char **id, **city;
  int64_t *rec, *freq, *mon;
  int32_t *life;
  double *alive;
  if (patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, &err) ||
      patron_table_add(t, "recency_days", PATRON_COL_INT, (void **)&rec, &err) ||
      patron_table_add(t, "frequency", PATRON_COL_INT, (void **)&freq, &err) ||
      patron_table_add(t, "monetary", PATRON_COL_MONEY, (void **)&mon, &err) ||
      patron_table_add_category(t, "lifecycle", lifecycle, NULL, 6, true, &life, &err) ||
      patron_table_add(t, "city", PATRON_COL_STRING, (void **)&city, &err) ||
      patron_table_add(t, "p_alive", PATRON_COL_DOUBLE, (void **)&alive, &err)) {
    fprintf(stderr, "%s\n", err.message);
    exit(1);
  }
  uint64_t s = 42;
  char buf[16];
  for (size_t i = 0; i < n; i++) {
    snprintf(buf, sizeof buf, "C%08zu", i);
    id[i] = patron_table_intern(t, buf);
    city[i] = cities[next(&s) % 10];
    if (next(&s) % 10 == 0) { /* a prospect: no figures */
      life[i] = 0;
      continue;
    }
    rec[i] = 1 + (int64_t)(next(&s) % 730);
    freq[i] = 1 + (int64_t)(next(&s) % 12);
    mon[i] = (int64_t)(next(&s) % 300000) * 100; /* up to 3,000.00 */
    life[i] = rec[i] <= 30 ? 1 : rec[i] <= 90 ? 2 : rec[i] <= 180 ? 3 : rec[i] <= 365 ? 4 : 5;
    alive[i] = (double)(next(&s) % 10000) / 10000.0;
  }
  return t;
}

int main(int argc, char **argv) {
  size_t n = 1000000;
  int reps = 5;
  const char *dir = "/tmp/audience_bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--n") == 0)
      n = (size_t)strtoull(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--reps") == 0)
      reps = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--dir") == 0)
      dir = argv[i + 1];
  }
  patron_table *t = make_table(n);
  char path[4096];
  snprintf(path, sizeof path, "%s/profile.csv", dir);
  patron_error err = {0};
  if (patron_write_table_csv(t, path, &err) != PATRON_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  uint32_t *rows = malloc(n * sizeof *rows);
  double best = INFINITY, best_compile = INFINITY;
  size_t kept = 0;
  for (int r = 0; r < reps; r++) {
    patron_expr_env env;
    patron_expr_env_init(&env);
    env.table = t;
    env.want_condition = true;
    patron_expr *e = NULL;
    double t0 = now();
    if (patron_expr_compile(where, strlen(where), &env, &e, &err) != PATRON_OK) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    double t1 = now();
    patron_expr_filter(e, NULL, 0, rows, &kept, &err);
    double t2 = now();
    best_compile = fmin(best_compile, t1 - t0);
    best = fmin(best, t2 - t0);
    patron_expr_free(e);
  }
  printf("patron   %zu customers, %zu selected: %.4f s (compile %.6f s), best of %d\n", n, kept,
         best, best_compile, reps);
  printf("where: %s\n", where);
  free(rows);
  patron_table_free(t);
  return 0;
}
