/* The library pipeline (include/patron/pipeline.h) and the run context (run.h) on a small
 * hand-made fixture: the default as-of (the day after the latest order), stage selection,
 * the stage table's contract, cancellation, timings and warnings. */
#include "test_util.h"
#include "fixture.h"
#include "core/run_int.h"

#include <math.h>

static const char orders[] = "customer_id,order_id,order_time,amount\n"
                             "A,a1,2024-01-05,50\n"
                             "A,a2,2024-01-10,100\n"
                             "B,b1,2024-01-01,200\n"
                             "C,c1,2023-06-01,30\n"
                             "C,c2,2023-07-01,30\n"
                             "D,d1,2022-12-01,500\n";

static patron_dataset *load(int32_t as_of) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  o.as_of_day = as_of;
  patron_dataset *ds = NULL;
  assert_int_equal(patron_dataset_load(&o, &ds, NULL), PATRON_OK);
  return ds;
}

static int32_t day(const char *s) {
  int32_t d;
  assert_int_equal(patron_parse_day(s, strlen(s), &d), PATRON_OK);
  return d;
}

/* Latest order 2024-01-10: the default as-of is 2024-01-11; a load as-of wins. */
static void test_default_as_of(void **state) {
  (void)state;
  patron_dataset *ds = load(PATRON_NO_DAY);
  assert_int_equal(patron_dataset_default_as_of(ds), day("2024-01-11"));
  patron_dataset_free(ds);
  ds = load(day("2023-12-01"));
  assert_int_equal(patron_dataset_default_as_of(ds), day("2023-12-01"));
  patron_dataset_free(ds);
}

static bool timed(const patron_run *run, const char *step) {
  for (size_t i = 0; i < run->n_timings; i++)
    if (strcmp(run->timings[i].step, step) == 0)
      return true;
  return false;
}

/* --spec-only: the profile and the segment report, no model column, and the run's as-of
 * receives the date used. */
static void test_spec_only(void **state) {
  (void)state;
  patron_dataset *ds = load(PATRON_NO_DAY);
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.spec_only = true;
  patron_run run;
  patron_run_init(&run);
  patron_pipeline_results r;
  patron_error err = {0};
  assert_int_equal(patron_pipeline_run(ds, &o, &run, &r, &err), PATRON_OK);
  assert_int_equal(run.as_of_day, day("2024-01-11"));
  const patron_table *t = patron_profile_table_const(r.profile);
  assert_int_equal(patron_table_n_columns(t), 18);
  assert_null(patron_table_find(t, "p_alive"));
  assert_non_null(r.segments);
  assert_true(timed(&run, "profile") && timed(&run, "segment_report") && !timed(&run, "clv"));
  patron_pipeline_results_free(&r);
  patron_run_free_contents(&run);
  patron_dataset_free(ds);
}

/* `only` runs the named stages alone (the per-model commands); an unknown name is a usage
 * error. */
static void test_only(void **state) {
  (void)state;
  patron_dataset *ds = load(PATRON_NO_DAY);
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.only = "repurchase";
  patron_run run;
  patron_run_init(&run);
  patron_pipeline_results r;
  assert_int_equal(patron_pipeline_run(ds, &o, &run, &r, NULL), PATRON_OK);
  const patron_table *t = patron_profile_table_const(r.profile);
  assert_non_null(patron_table_find(t, "repurchase_status"));
  assert_null(patron_table_find(t, "cluster"));
  assert_null(r.segments);
  patron_pipeline_results_free(&r);
  o.only = "repurchase,nope";
  patron_error err = {0};
  assert_int_equal(patron_pipeline_run(ds, &o, &run, &r, &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "'nope'"));
  patron_pipeline_results_free(&r);
  patron_run_free_contents(&run);
  patron_dataset_free(ds);
}

/* A raised cancel flag stops the run before the first stage. */
static void test_cancel(void **state) {
  (void)state;
  patron_dataset *ds = load(PATRON_NO_DAY);
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  atomic_bool stop = true;
  patron_run run;
  patron_run_init(&run);
  run.cancel = &stop;
  patron_pipeline_results r;
  patron_error err = {0};
  assert_int_equal(patron_pipeline_run(ds, &o, &run, &r, &err), PATRON_ERR_CANCELLED);
  assert_null(patron_table_find(patron_profile_table_const(r.profile), "p_alive"));
  patron_pipeline_results_free(&r);
  patron_run_free_contents(&run);
  patron_dataset_free(ds);
}

/* Every stage has a name, a description and both functions; names are unique. */
static void test_stage_table(void **state) {
  (void)state;
  size_t n;
  const patron_stage *s = patron_pipeline_stages(&n);
  assert_true(n >= 6);
  for (size_t i = 0; i < n; i++) {
    assert_true(s[i].name && s[i].needs && s[i].enabled && s[i].run);
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(s[i].name, s[j].name);
  }
  assert_string_equal(s[n - 1].name, "segment_report");
}

static const char rich_orders[] =
    "customer_id,order_id,order_time,amount,category,brand,channel,discount,item_id\n"
    "A,a1,2024-01-05,50,tea,X,app,5,I1\n"
    "A,a2,2024-01-10,100,cup,Y,store,0,I2\n"
    "B,b1,2023-11-01,200,tea,X,app,0,I1\n"
    "B,b2,2023-12-01,210,tea,X,app,0,I1\n"
    "C,c1,2023-06-01,30,cup,Y,web,3,I2\n"
    "C,c2,2023-07-01,30,cup,Y,web,0,I2\n"
    "D,d1,2022-12-01,500,tea,Z,store,0,I3\n";
static const char rich_members[] = "customer_id,birth_date,signup_date,gender,city,level\n"
                                   "A,1990-02-03,2023-01-01,f,x,gold\n"
                                   "B,1985-05-06,2022-01-01,m,y,\n"
                                   "E,2000-01-01,2023-05-01,f,x,\n";
static const char rich_events[] = "customer_id,event_time,event_type,item_id\n"
                                  "A,2024-01-09,view,I1\n"
                                  "B,2024-01-08,cart,I2\n";

static patron_profile *rich_profile(patron_dataset **ds, const char *only) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(1, "orders.csv", rich_orders);
  lo.paths[PATRON_FILE_CUSTOMERS] = fixture_file(2, "customers.csv", rich_members);
  lo.paths[PATRON_FILE_EVENTS] = fixture_file(3, "events.csv", rich_events);
  lo.keep_lines = true;
  if (!*ds)
    assert_int_equal(patron_dataset_load(&lo, ds, NULL), PATRON_OK);
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.level_warning = true;
  o.only = only;
  patron_run run;
  patron_run_init(&run);
  patron_pipeline_results r;
  patron_error err = {0};
  assert_int_equal(patron_pipeline_run(*ds, &o, &run, &r, &err), PATRON_OK);
  patron_profile *p = r.profile;
  r.profile = NULL;
  patron_pipeline_results_free(&r);
  patron_run_free_contents(&run);
  return p;
}

/* Every column a stage adds on a fixture with every input is in that stage's `adds` list,
 * so patron_pipeline_only_for never leaves out a stage an expression needs. */
static void test_stage_adds(void **state) {
  (void)state;
  patron_dataset *ds = NULL;
  patron_profile *base = rich_profile(&ds, ""), *full = rich_profile(&ds, NULL);
  const patron_table *tb = patron_profile_table_const(base);
  const patron_table *tf = patron_profile_table_const(full);
  assert_true(patron_table_n_columns(tf) > patron_table_n_columns(tb) + 20);
  size_t n;
  const patron_stage *s = patron_pipeline_stages(&n);
  for (size_t c = 0; c < patron_table_n_columns(tf); c++) {
    const char *name = patron_table_column(tf, c)->name;
    if (patron_table_find(tb, name))
      continue;
    size_t owners = 0;
    for (size_t i = 0; i < n; i++) {
      if (!s[i].adds)
        continue;
      size_t len = strlen(name);
      for (const char *p = s[i].adds; (p = strstr(p, name)) != NULL; p += len)
        owners += (p == s[i].adds || p[-1] == ',') && (p[len] == ',' || p[len] == '\0');
    }
    if (owners != 1)
      fail_msg("column %s is in %zu stages' adds lists", name, owners);
  }
  patron_profile_free(base);
  patron_profile_free(full);
  patron_dataset_free(ds);
}

/* The stages an expression's names need: those that add them, and what they read. */
static void test_only_for(void **state) {
  (void)state;
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.level_warning = true;
  char *only = NULL;
  const char *const warn[] = {"recency_days", "level_warning"};
  assert_int_equal(patron_pipeline_only_for(&o, warn, 2, &only, NULL), PATRON_OK);
  assert_string_equal(only, "tiers,level_warning");
  free(only);
  const char *const base[] = {"lifecycle", "monetary", "city"};
  assert_int_equal(patron_pipeline_only_for(&o, base, 3, &only, NULL), PATRON_OK);
  assert_string_equal(only, "");
  free(only);
  const char *const models[] = {"stage", "p_alive", "repurchase_status"};
  assert_int_equal(patron_pipeline_only_for(&o, models, 3, &only, NULL), PATRON_OK);
  assert_string_equal(only, "clv,repurchase,relationship_stage");
  free(only);
  o.clv = false; /* a disabled stage is never asked for */
  assert_int_equal(patron_pipeline_only_for(&o, models, 3, &only, NULL), PATRON_OK);
  assert_string_equal(only, "repurchase,relationship_stage");
  free(only);
  o.tags.tags_file = "tags.txt"; /* rule columns are known only when the rules run */
  assert_int_equal(patron_pipeline_only_for(&o, models, 3, &only, NULL), PATRON_OK);
  assert_null(only);
}

/* Warnings are kept in order; laps are recorded with non-negative times. */
static void test_run_warnings(void **state) {
  (void)state;
  patron_run run;
  patron_run_init(&run);
  patron_run_warn(&run, "first %d", 1);
  patron_run_warn(&run, "second");
  assert_int_equal(patron_run_lap(&run, "step"), PATRON_OK);
  assert_int_equal(run.n_warnings, 2);
  assert_string_equal(run.warnings[0], "first 1");
  assert_string_equal(run.warnings[1], "second");
  assert_true(run.n_timings == 1 && run.timings[0].seconds >= 0);
  assert_false(patron_run_cancelled(&run));
  patron_run_free_contents(&run);
  patron_run_free_contents(&run);
}

/* A lane's timings, warnings, sections and notes join the run's where they stood when the
 * lane forked, whatever the main run gained meanwhile. */
static void test_run_lane_join(void **state) {
  (void)state;
  patron_run run, lane;
  patron__run_mark mark;
  patron_run_init(&run);
  run.n_threads = 3;
  patron_run_warn(&run, "before");
  patron__run_fork(&run, &lane, &mark);
  assert_int_equal(lane.n_threads, 3);
  patron_run_warn(&lane, "lane");
  patron_run_note(&lane, "lane note");
  patron_run_add_section(&lane, "clv", "{}");
  patron_run_lap(&lane, "clv");
  patron_run_warn(&run, "after");
  patron_run_lap(&run, "tiers");
  patron__run_join(&run, &lane, &mark);
  patron_run_free_contents(&lane);
  assert_int_equal(run.n_warnings, 3);
  assert_string_equal(run.warnings[0], "before");
  assert_string_equal(run.warnings[1], "lane");
  assert_string_equal(run.warnings[2], "after");
  assert_true(run.n_timings == 2 && strcmp(run.timings[0].step, "clv") == 0 &&
              strcmp(run.timings[1].step, "tiers") == 0);
  assert_true(run.n_sections == 1 && strcmp(run.section_keys[0], "clv") == 0);
  assert_true(run.n_notes == 1 && strcmp(run.notes[0], "lane note") == 0);
  patron_run_free_contents(&run);
}

/* Two threads run clv beside the later stages: the same columns, in the same order, with
 * the same cells as one thread. */
static void test_lanes_same_table(void **state) {
  (void)state;
  patron_dataset *ds = load(PATRON_NO_DAY);
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  patron_pipeline_results r[2];
  for (int k = 0; k < 2; k++) {
    patron_run run;
    patron_run_init(&run);
    run.n_threads = k + 1;
    assert_int_equal(patron_pipeline_run(ds, &o, &run, &r[k], NULL), PATRON_OK);
    patron_run_free_contents(&run);
  }
  const patron_table *a = patron_profile_table_const(r[0].profile);
  const patron_table *b = patron_profile_table_const(r[1].profile);
  assert_int_equal(patron_table_n_columns(a), patron_table_n_columns(b));
  assert_non_null(patron_table_find(a, "clv_365d"));
  for (size_t i = 0; i < patron_table_n_columns(a); i++) {
    const patron_column *x = patron_table_column(a, i), *y = patron_table_column(b, i);
    assert_string_equal(x->name, y->name);
    size_t size = x->type == PATRON_COL_CATEGORY || x->type == PATRON_COL_DATE ? 4 : 8;
    if (x->type != PATRON_COL_STRING)
      assert_memory_equal(x->data, y->data, size * patron_table_n_rows(a));
  }
  patron_pipeline_results_free(&r[0]);
  patron_pipeline_results_free(&r[1]);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_default_as_of), cmocka_unit_test(test_spec_only),
                 cmocka_unit_test(test_run_lane_join), cmocka_unit_test(test_lanes_same_table),
                 cmocka_unit_test(test_only), cmocka_unit_test(test_cancel),
                 cmocka_unit_test(test_stage_table), cmocka_unit_test(test_stage_adds),
                 cmocka_unit_test(test_only_for), cmocka_unit_test(test_run_warnings))
