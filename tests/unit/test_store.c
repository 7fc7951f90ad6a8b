/* Unit tests for the store (SPEC section 10, docs/STORE.md): every column type round-trips
 * through a snapshot, replacing an as-of, rollback leaves nothing, newer/foreign/corrupt files
 * are refused, action ids are idempotent, rule state and assignments are kept. */
#include "test_util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static char *temp_path(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "/tmp/patron_test_store_%d_%s", (int)getpid(), name);
  char extra[300];
  unlink(path);
  snprintf(extra, sizeof extra, "%s-wal", path);
  unlink(extra);
  snprintf(extra, sizeof extra, "%s-shm", path);
  unlink(extra);
  return path;
}

static patron_store *open_store(const char *path, bool read_only) {
  patron_store_options o;
  patron_store_options_init(&o);
  o.read_only = read_only;
  patron_store *s = NULL;
  patron_error err = {0};
  assert_int_equal(patron_store_open(path, &o, &s, &err), PATRON_OK);
  return s;
}

/* customer_id plus one column of every type, with "none" cells. */
static patron_table *sample_table(void) {
  static const char *const labels[] = {"low", "high"};
  static const char *const alt[] = {"低", "高"};
  patron_table *t = patron_table_new(3);
  const char **id, **s;
  int64_t *n;
  patron_money *m;
  int32_t *d, *cat;
  double *x;
  assert_int_equal(patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, NULL),
                   PATRON_OK);
  assert_int_equal(patron_table_add(t, "n", PATRON_COL_INT, (void **)&n, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "m", PATRON_COL_MONEY, (void **)&m, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "d", PATRON_COL_DATE, (void **)&d, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "x", PATRON_COL_DOUBLE, (void **)&x, NULL), PATRON_OK);
  assert_int_equal(patron_table_add_category(t, "c", labels, alt, 2, true, &cat, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "s", PATRON_COL_STRING, (void **)&s, NULL), PATRON_OK);
  patron_table_set_decimals(t, "x", 3);
  id[0] = "a1", id[1] = "b2", id[2] = "c3";
  n[0] = -5, n[1] = INT64_MAX, n[2] = PATRON_NULL_INT;
  m[0] = 123456, m[1] = -1, m[2] = PATRON_NULL_MONEY;
  d[0] = 19000, d[1] = -3, d[2] = PATRON_NO_DAY;
  x[0] = 0.1, x[1] = -1e300, x[2] = NAN;
  cat[0] = 1, cat[1] = PATRON_NULL_CODE, cat[2] = 0;
  s[0] = "", s[1] = "quo\"te,\n", s[2] = NULL;
  return t;
}

static void put_snapshot(patron_store *s, int32_t as_of, const patron_table *t) {
  patron_error err = {0};
  int64_t run = 0;
  patron_segment_row seg = {.segmentation = "c",
                            .segment = "low",
                            .customers = 1,
                            .customer_share = 1.0 / 3,
                            .revenue = 123456,
                            .revenue_share = NAN,
                            .avg_recency_days = 2.5,
                            .avg_frequency = NAN,
                            .avg_monetary = 12.3456};
  assert_int_equal(patron_store_begin(s, &err), PATRON_OK);
  assert_int_equal(patron_store_run_add(s, "test", "2020-01-01", NULL, &run, &err), PATRON_OK);
  assert_int_equal(patron_store_snapshot_put(s, run, as_of, t, &seg, 1, "{\"a\":1}", &err),
                   PATRON_OK);
  assert_int_equal(patron_store_commit(s, &err), PATRON_OK);
}

static void assert_same_column(const patron_column *a, const patron_column *b, size_t rows) {
  assert_string_equal(a->name, b->name);
  assert_int_equal(a->type, b->type);
  assert_int_equal(a->segmentation, b->segmentation);
  for (size_t r = 0; r < rows; r++) {
    switch (a->type) {
    case PATRON_COL_INT:
    case PATRON_COL_MONEY: assert_true(((int64_t *)a->data)[r] == ((int64_t *)b->data)[r]); break;
    case PATRON_COL_DATE:
    case PATRON_COL_CATEGORY:
      assert_int_equal(((int32_t *)a->data)[r], ((int32_t *)b->data)[r]);
      break;
    case PATRON_COL_DOUBLE: {
      double x = ((double *)a->data)[r], y = ((double *)b->data)[r];
      assert_true((isnan(x) && isnan(y)) || x == y);
      break;
    }
    case PATRON_COL_STRING: {
      const char *x = ((const char **)a->data)[r], *y = ((const char **)b->data)[r];
      assert_true((!x && !y) || (x && y && strcmp(x, y) == 0));
      break;
    }
    }
  }
}

static void test_snapshot_round_trip(void **state) {
  (void)state;
  const char *path = temp_path("rt");
  patron_store *s = open_store(path, false);
  patron_table *t = sample_table();
  put_snapshot(s, 19000, t);
  patron_store_close(s);

  s = open_store(path, true);
  patron_snapshot *snap = NULL;
  patron_error err = {0};
  assert_int_equal(patron_store_snapshot_load(s, 19000, &snap, &err), PATRON_OK);
  const patron_table *back = patron_snapshot_table(snap);
  assert_int_equal(patron_table_n_rows(back), 3);
  assert_int_equal(patron_table_n_columns(back), patron_table_n_columns(t));
  for (size_t i = 0; i < patron_table_n_columns(t); i++)
    assert_same_column(patron_table_column(t, i), patron_table_column(back, i), 3);
  const patron_column *c = patron_table_find(back, "c");
  assert_string_equal(c->labels[1], "high");
  assert_string_equal(c->alt_labels[0], "低");
  assert_int_equal(patron_table_find(back, "x")->decimals, 3);
  assert_string_equal(patron_snapshot_summary(snap), "{\"a\":1}");
  size_t n_seg;
  const patron_segment_row *seg = patron_snapshot_segments(snap, &n_seg);
  assert_int_equal(n_seg, 1);
  assert_string_equal(seg->segment, "low");
  assert_true(isnan(seg->revenue_share) && seg->revenue == 123456);
  patron_snapshot_free(snap);
  /* a subset of the columns: customer_id and the named ones the snapshot has, in order */
  const char *const names[] = {"s", "nope", "m"};
  assert_int_equal(patron_store_snapshot_load_columns(s, 19000, names, 3, &snap, &err), PATRON_OK);
  back = patron_snapshot_table(snap);
  assert_int_equal(patron_table_n_columns(back), 3);
  assert_same_column(patron_table_column(t, 0), patron_table_column(back, 0), 3);
  assert_same_column(patron_table_find(t, "m"), patron_table_column(back, 1), 3);
  assert_same_column(patron_table_find(t, "s"), patron_table_column(back, 2), 3);
  patron_snapshot_free(snap);
  patron_store_close(s);
  patron_table_free(t);
}

static void expect_open_error(const char *path, bool read_only, const char *text);

/* More rows than one block (PATRON__STORE_BLOCK = 65536), ids in reverse byte order: read
 * back in customer_id byte order, every value with its row. */
static void test_blocks_in_id_order(void **state) {
  (void)state;
  enum { N = 140000 };
  patron_table *t = patron_table_new(N);
  const char **id;
  int64_t *n;
  assert_int_equal(patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, NULL),
                   PATRON_OK);
  assert_int_equal(patron_table_add(t, "n", PATRON_COL_INT, (void **)&n, NULL), PATRON_OK);
  char *text = malloc((size_t)N * 8);
  for (int r = 0; r < N; r++) {
    snprintf(text + (size_t)r * 8, 8, "c%06d", N - 1 - r);
    id[r] = text + (size_t)r * 8;
    n[r] = r % 7 == 0 ? PATRON_NULL_INT : N - 1 - r;
  }
  const char *path = temp_path("blocks");
  patron_store *s = open_store(path, false);
  put_snapshot(s, 19000, t);
  patron_snapshot *snap = NULL;
  patron_error err = {0};
  assert_int_equal(patron_store_snapshot_load(s, 19000, &snap, &err), PATRON_OK);
  const patron_table *back = patron_snapshot_table(snap);
  assert_int_equal(patron_table_n_rows(back), N);
  const char *const *bid = patron_table_find(back, "customer_id")->data;
  const int64_t *bn = patron_table_find(back, "n")->data;
  for (int r = 0; r < N; r++) {
    char want[8];
    snprintf(want, sizeof want, "c%06d", r);
    assert_string_equal(bid[r], want);
    assert_true(bn[r] == ((N - 1 - r) % 7 == 0 ? PATRON_NULL_INT : r));
  }
  patron_snapshot_free(snap);
  patron_store_close(s);
  patron_table_free(t);
  free(text);
}

/* A store of schema 1 (one snapshot_profiles row per customer): read-only opens are refused,
 * a writer migrates it, and its snapshot still reads back. */
static void test_schema1_store(void **state) {
  (void)state;
  const char *path = temp_path("schema1");
  patron_store_close(open_store(path, false));
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "DROP TABLE snapshot_blocks; PRAGMA user_version = 1;"
                   "INSERT INTO snapshots VALUES (7, '2022-01-01', 18993, 2, 0, 0, NULL, 'x', "
                   "NULL);"
                   "INSERT INTO snapshot_columns VALUES (7, 0, 'customer_id', 'string', 0, 0, "
                   "NULL, NULL), (7, 1, 'n', 'int', 0, 0, NULL, NULL);"
                   "INSERT INTO snapshot_profiles VALUES (7, 'b', x'05'), (7, 'a', x'00');",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  expect_open_error(path, true, "older schema");
  patron_store *s = open_store(path, false);
  patron_snapshot *snap = NULL;
  patron_error err = {0};
  assert_int_equal(patron_store_snapshot_load(s, 18993, &snap, &err), PATRON_OK);
  const patron_table *back = patron_snapshot_table(snap);
  assert_int_equal(patron_table_n_rows(back), 2);
  const char *const *id = patron_table_find(back, "customer_id")->data;
  const int64_t *n = patron_table_find(back, "n")->data;
  assert_string_equal(id[0], "a");
  assert_string_equal(id[1], "b");
  assert_true(n[0] == PATRON_NULL_INT && n[1] == 2);
  patron_snapshot_free(snap);
  patron_table *t = sample_table();
  put_snapshot(s, 19000, t); /* the migrated store takes new snapshots */
  assert_int_equal(patron_store_snapshot_load(s, 19000, &snap, &err), PATRON_OK);
  assert_int_equal(patron_table_n_rows(patron_snapshot_table(snap)), 3);
  patron_snapshot_free(snap);
  patron_store_close(s);
  patron_table_free(t);
}

static void test_replace_and_list(void **state) {
  (void)state;
  const char *path = temp_path("replace");
  patron_store *s = open_store(path, false);
  patron_table *t = sample_table();
  put_snapshot(s, 19000, t);
  put_snapshot(s, 19000, t);
  put_snapshot(s, 18990, t);
  patron_snapshot_info *info;
  size_t n;
  patron_error err = {0};
  assert_int_equal(patron_store_snapshots(s, &info, &n, &err), PATRON_OK);
  assert_int_equal(n, 2);
  assert_int_equal(info[0].as_of, 18990);
  assert_int_equal(info[1].customers, 3);
  free(info);
  bool found;
  int32_t before;
  assert_int_equal(patron_store_snapshot_before(s, 19000, &found, &before, &err), PATRON_OK);
  assert_true(found && before == 18990);
  assert_int_equal(patron_store_snapshot_before(s, 18990, &found, &before, &err), PATRON_OK);
  assert_false(found);
  patron_snapshot *snap;
  assert_int_equal(patron_store_snapshot_load(s, 18000, &snap, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "no snapshot as of"));
  patron_store_close(s);
  patron_table_free(t);
}

static void test_rollback_leaves_nothing(void **state) {
  (void)state;
  const char *path = temp_path("rollback");
  patron_store *s = open_store(path, false);
  patron_table *t = sample_table();
  patron_error err = {0};
  int64_t run;
  assert_int_equal(patron_store_begin(s, &err), PATRON_OK);
  assert_int_equal(patron_store_run_add(s, "test", NULL, NULL, &run, &err), PATRON_OK);
  assert_int_equal(patron_store_snapshot_put(s, run, 19000, t, NULL, 0, NULL, &err), PATRON_OK);
  patron_store_rollback(s);
  patron_snapshot_info *info;
  size_t n;
  assert_int_equal(patron_store_snapshots(s, &info, &n, &err), PATRON_OK);
  assert_int_equal(n, 0);
  free(info);
  /* a write outside a transaction is refused */
  assert_int_equal(patron_store_snapshot_put(s, 0, 19000, t, NULL, 0, NULL, &err),
                   PATRON_ERR_USAGE);
  patron_store_close(s);
  patron_table_free(t);
}

static void expect_open_error(const char *path, bool read_only, const char *text) {
  patron_store_options o;
  patron_store_options_init(&o);
  o.read_only = read_only;
  patron_store *s = NULL;
  patron_error err = {0};
  assert_int_not_equal(patron_store_open(path, &o, &s, &err), PATRON_OK);
  assert_null(s);
  if (!strstr(err.message, text))
    fail_msg("expected '%s' in '%s'", text, err.message);
  assert_string_equal(err.file, path);
}

static void test_refuses_bad_files(void **state) {
  (void)state;
  const char *path = temp_path("text");
  FILE *f = fopen(path, "w");
  fputs("customer_id,amount\nthis is no database at all, just some text......\n", f);
  fclose(f);
  expect_open_error(path, false, "not a SQLite database");
  expect_open_error(path, true, "not a SQLite database");
  path = temp_path("missing");
  expect_open_error(path, true, "no such store");

  path = temp_path("foreign");
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
  sqlite3_close(db);
  expect_open_error(path, false, "not a Patron store");

  path = temp_path("newer");
  patron_store_close(open_store(path, false));
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
  sqlite3_close(db);
  expect_open_error(path, false, "newer than this patron");
  expect_open_error(path, true, "schema version 99");
}

static void test_locked_store(void **state) {
  (void)state;
  const char *path = temp_path("locked");
  patron_store *a = open_store(path, false);
  patron_error err = {0};
  assert_int_equal(patron_store_begin(a, &err), PATRON_OK);
  patron_store_options o;
  patron_store_options_init(&o);
  o.busy_ms = 50;
  patron_store *b = NULL;
  assert_int_equal(patron_store_open(path, &o, &b, &err), PATRON_OK);
  assert_int_equal(patron_store_begin(b, &err), PATRON_ERR_IO);
  assert_non_null(strstr(err.message, "locked by another run"));
  /* readers still read while the writer holds its transaction (WAL) */
  patron_snapshot_info *info;
  size_t n;
  patron_error err2 = {0};
  assert_int_equal(patron_store_snapshots(b, &info, &n, &err2), PATRON_OK);
  free(info);
  patron_store_close(b);
  patron_store_close(a);
}

static void test_actions_idempotent(void **state) {
  (void)state;
  char id1[17], id2[17], id3[17];
  patron_action_id("r", "c1", 100, id1);
  patron_action_id("r", "c1", 100, id2);
  patron_action_id("r", "c1", 101, id3);
  assert_string_equal(id1, id2);
  assert_string_not_equal(id1, id3);
  assert_int_equal(strlen(id1), 16);

  const char *path = temp_path("actions");
  patron_store *s = open_store(path, false);
  patron_error err = {0};
  patron_action a = {.rule = "r",
                     .campaign = "c",
                     .channel = "sms",
                     .customer_id = "c1",
                     .fired_at = 1000,
                     .send_at = 2000};
  memcpy(a.action_id, id1, 17);
  bool inserted;
  assert_int_equal(patron_store_begin(s, &err), PATRON_OK);
  assert_int_equal(patron_store_action_add(s, 0, &a, &inserted, &err), PATRON_OK);
  assert_true(inserted);
  assert_int_equal(patron_store_action_add(s, 0, &a, &inserted, &err), PATRON_OK);
  assert_false(inserted);
  assert_int_equal(patron_store_rule_set(s, "r", false, "ineffective", &err), PATRON_OK);
  patron_assignment as = {"exp", "c1", "control", "exp", 42};
  assert_int_equal(patron_store_assignment_put(s, &as, &err), PATRON_OK);
  assert_int_equal(patron_store_commit(s, &err), PATRON_OK);
  bool exists, enabled;
  assert_int_equal(patron_store_action_exists(s, id1, &exists, &err), PATRON_OK);
  assert_true(exists);
  char reason[64];
  assert_int_equal(patron_store_rule_get(s, "r", &enabled, reason, sizeof reason, &err), PATRON_OK);
  assert_false(enabled);
  assert_string_equal(reason, "ineffective");
  assert_int_equal(patron_store_rule_get(s, "other", &enabled, reason, sizeof reason, &err),
                   PATRON_OK);
  assert_true(enabled);
  patron_store_close(s);
}

static bool collect_ids(void *ctx, const patron_action *a) {
  char *out = ctx;
  strcat(out, a->customer_id);
  strcat(out, a->holdout ? "h " : "t ");
  return true;
}

/* The batch insert logs every new action once, whatever the input order, and leaves an id
 * already logged as it was. */
static void test_actions_batch(void **state) {
  (void)state;
  const char *path = temp_path("actions_batch");
  patron_store *s = open_store(path, false);
  patron_error err = {0};
  const char *customers[] = {"c3", "c1", "c2", "c1"};
  patron_action a[4];
  for (int i = 0; i < 4; i++) {
    a[i] = (patron_action){.rule = "r",
                           .customer_id = customers[i],
                           .fired_at = 1000 + i,
                           .send_at = 5000,
                           .holdout = i == 3};
    patron_action_id("r", customers[i], 1, a[i].action_id);
  }
  size_t n = 99;
  bool inserted;
  assert_int_equal(patron_store_begin(s, &err), PATRON_OK);
  assert_int_equal(patron_store_action_add(s, 0, &a[2], &inserted, &err), PATRON_OK);
  assert_int_equal(patron_store_actions_add(s, 0, a, 0, &n, &err), PATRON_OK);
  assert_int_equal(n, 0);
  /* c2 is logged already; c1 comes twice in the batch: its first (treatment) is kept */
  assert_int_equal(patron_store_actions_add(s, 0, a, 4, &n, &err), PATRON_OK);
  assert_int_equal(n, 2);
  assert_int_equal(patron_store_commit(s, &err), PATRON_OK);
  char got[64] = "";
  assert_int_equal(patron_store_actions_between(s, 0, 9999, collect_ids, got, &err), PATRON_OK);
  assert_string_equal(got, "c3t c1t c2t ");
  patron_store_close(s);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_snapshot_round_trip),
                 cmocka_unit_test(test_blocks_in_id_order), cmocka_unit_test(test_schema1_store),
                 cmocka_unit_test(test_replace_and_list),
                 cmocka_unit_test(test_rollback_leaves_nothing),
                 cmocka_unit_test(test_refuses_bad_files), cmocka_unit_test(test_locked_store),
                 cmocka_unit_test(test_actions_idempotent), cmocka_unit_test(test_actions_batch))
