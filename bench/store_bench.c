/* Benchmark of the store (SPEC section 10): the snapshot write of a profile table (one
 * transaction, prepared statements), reading it back, and the movements between two
 * snapshots. Loads orders (and optionally customers) once, builds the SPEC section 3 profile
 * as of two dates 30 days apart, records both, then times each step.
 * Usage: store_bench ORDERS.csv [CUSTOMERS.csv] STORE.db */
#include "patron/patron.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const patron_error *err) {
  char buf[1024];
  fprintf(stderr, "store_bench: %s\n", patron_error_format(err, buf, sizeof buf));
  exit(1);
}

static patron_pipeline_results profile_at(const patron_dataset *ds, int32_t day) {
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.spec_only = true;
  patron_run run;
  patron_run_init(&run);
  run.as_of_day = day;
  patron_pipeline_results r = {0};
  patron_error err = {0};
  if (patron_pipeline_run(ds, &o, &run, &r, &err) != PATRON_OK)
    die(&err);
  patron_run_free_contents(&run);
  return r;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return fprintf(stderr, "usage: store_bench ORDERS [CUSTOMERS] STORE\n"), 2;
  const char *db = argv[argc - 1];
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = argv[1];
  if (argc > 3)
    lo.paths[PATRON_FILE_CUSTOMERS] = argv[2];
  patron_dataset *ds = NULL;
  patron_error err = {0};
  if (patron_dataset_load(&lo, &ds, &err) != PATRON_OK)
    die(&err);
  int32_t day = patron_dataset_default_as_of(ds);
  patron_pipeline_results a = profile_at(ds, day - 30), b = profile_at(ds, day);
  unlink(db);
  patron_store *s = NULL;
  if (patron_store_open(db, NULL, &s, &err) != PATRON_OK)
    die(&err);
  const patron_table *ta = patron_profile_table_const(a.profile);
  const patron_table *tb = patron_profile_table_const(b.profile);
  double t0 = now(), c0 = cpu();
  if (patron_store_record_snapshot(s, "bench", day - 30, ta, a.segments, a.n_segments, NULL,
                                   &err) != PATRON_OK)
    die(&err);
  double t1 = now(), c1 = cpu();
  if (patron_store_record_snapshot(s, "bench", day, tb, b.segments, b.n_segments, NULL, &err) !=
      PATRON_OK)
    die(&err);
  double t2 = now(), c2 = cpu();
  patron_snapshot *sa = NULL, *sb = NULL;
  if (patron_store_snapshot_load(s, day - 30, &sa, &err) != PATRON_OK ||
      patron_store_snapshot_load(s, day, &sb, &err) != PATRON_OK)
    die(&err);
  double t3 = now(), c3 = cpu();
  patron_movements *m = NULL;
  if (patron_movements_compute(patron_snapshot_table(sa), patron_snapshot_table(sb), "lifecycle",
                               &m, &err) != PATRON_OK)
    die(&err);
  double t4 = now(), c4 = cpu();
  printf("rows: %zu and %zu profiles, %zu columns\n", patron_table_n_rows(ta),
         patron_table_n_rows(tb), patron_table_n_columns(tb));
  printf("(wall s / CPU s of this process)\n");
  printf("snapshot write (one transaction): %.3f / %.3f and %.3f / %.3f\n", t1 - t0, c1 - c0,
         t2 - t1, c2 - c1);
  printf("two snapshots read back:          %.3f / %.3f\n", t3 - t2, c3 - c2);
  printf("movements (lifecycle):            %.3f / %.3f\n", t4 - t3, c4 - c3);
  printf("movements end to end (read + compare): %.3f / %.3f\n", t4 - t2, c4 - c2);
  patron_movements_free(m);
  patron_snapshot_free(sa);
  patron_snapshot_free(sb);
  patron_store_close(s);
  patron_pipeline_results_free(&a);
  patron_pipeline_results_free(&b);
  patron_dataset_free(ds);
  return 0;
}
