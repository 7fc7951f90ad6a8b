/* Snapshots in the store (SPEC section 10): a profile table written generically — a column
 * catalogue (name, type, decimals, segmentation, labels) and one row per customer whose
 * values are packed into a blob in catalogue order — plus its segments rows and summary,
 * and read back into a patron_table. Encoding: docs/STORE.md "snapshot_profiles.vals". */
#include "io/store_int.h"
#include "io/write_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"int", "double", "money", "date", "category", "string"};

/* ---- value encoding ---- */

static void put_varint(patron__buf *b, uint64_t v) {
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  patron__buf_put(b, tmp, n);
}

/* Integers: 0 is "none", else zigzag(v) + 1 (INT64_MIN is the int/money "none"). */
static void put_int(patron__buf *b, int64_t v, bool none) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  put_varint(b, none ? 0 : z + 1);
}

static void put_value(patron__buf *b, const patron_column *c, size_t row) {
  switch (c->type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    put_int(b, v, v == INT64_MIN);
    break;
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[row];
    put_int(b, v, v == PATRON_NO_DAY);
    break;
  }
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[row];
    put_int(b, v, v < 0);
    break;
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[row];
    patron__buf_putc(b, isnan(v) ? 0 : 1);
    if (!isnan(v))
      patron__buf_put(b, (const char *)&v, sizeof v);
    break;
  }
  case PATRON_COL_STRING: {
    const char *s = ((const char *const *)c->data)[row];
    size_t n = s ? strlen(s) : 0;
    put_varint(b, s ? n + 1 : 0);
    if (n)
      patron__buf_put(b, s, n);
    break;
  }
  }
}

/* ---- writing ---- */

static json_t *labels_json(const char *const *labels, int32_t n) {
  json_t *a = json_array();
  for (int32_t i = 0; i < n; i++)
    json_array_append_new(a, labels[i] ? json_string(labels[i]) : json_null());
  return a;
}

static char *labels_text(const char *const *labels, int32_t n) {
  if (!labels)
    return NULL;
  json_t *a = labels_json(labels, n);
  char *text = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  return text;
}

static patron_status step_done(patron_store *s, sqlite3_stmt *st, const char *doing,
                               patron_error *err) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? PATRON_OK : patron__store_fail(s, rc, doing, err);
}

static patron_status put_catalogue(patron_store *s, int64_t id, const patron_table *t,
                                   patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s, "INSERT INTO snapshot_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st, err);
  for (size_t i = 0; ps == PATRON_OK && i < patron_table_n_columns(t); i++) {
    const patron_column *c = patron_table_column(t, i);
    char *labels = c->type == PATRON_COL_CATEGORY ? labels_text(c->labels, c->n_labels) : NULL;
    char *alt = c->type == PATRON_COL_CATEGORY ? labels_text(c->alt_labels, c->n_labels) : NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    sqlite3_bind_text(st, 3, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, type_names[c->type], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, c->decimals);
    sqlite3_bind_int(st, 6, c->segmentation);
    sqlite3_bind_text(st, 7, labels, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, alt, -1, SQLITE_TRANSIENT);
    free(labels);
    free(alt);
    ps = step_done(s, st, "writing the snapshot's columns", err);
  }
  sqlite3_finalize(st);
  return ps;
}

/* The rows in customer_id byte order (the order snapshots are read back in). */
typedef struct keyed_row {
  const char *id;
  uint32_t row;
} keyed_row;

static int by_id(const void *a, const void *b) {
  return strcmp(((const keyed_row *)a)->id, ((const keyed_row *)b)->id);
}

static uint32_t *id_order(const patron_column *cid, size_t n) {
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  keyed_row *keys = malloc((n ? n : 1) * sizeof *keys);
  const char *const *ids = cid->data;
  bool sorted = true;
  for (size_t r = 0; order && keys && r < n; r++) {
    keys[r] = (keyed_row){ids[r] ? ids[r] : "", (uint32_t)r};
    sorted = sorted && (r == 0 || strcmp(keys[r - 1].id, keys[r].id) <= 0);
  }
  if (order && keys && !sorted)
    qsort(keys, n, sizeof *keys, by_id);
  for (size_t r = 0; order && keys && r < n; r++)
    order[r] = keys[r].row;
  if (!keys) {
    free(order);
    order = NULL;
  }
  free(keys);
  return order;
}

/* Each column's values, in blocks of PATRON__STORE_BLOCK rows, one blob per block
 * (docs/STORE.md "snapshot_blocks"). */
static patron_status put_blocks(patron_store *s, int64_t id, const patron_table *t,
                                const uint32_t *order, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps =
      patron__store_prepare(s, "INSERT INTO snapshot_blocks VALUES (?, ?, ?, ?)", &st, err);
  patron__buf b = {0};
  size_t n_rows = patron_table_n_rows(t);
  for (size_t i = 0; ps == PATRON_OK && i < patron_table_n_columns(t); i++) {
    const patron_column *c = patron_table_column(t, i);
    for (size_t start = 0; ps == PATRON_OK && start < n_rows; start += PATRON__STORE_BLOCK) {
      size_t end = start + PATRON__STORE_BLOCK < n_rows ? start + PATRON__STORE_BLOCK : n_rows;
      b.len = 0;
      for (size_t r = start; r < end; r++)
        put_value(&b, c, order[r]);
      if (b.oom || b.len > INT32_MAX) {
        ps = PATRON__OOM(err);
        break;
      }
      sqlite3_bind_int64(st, 1, id);
      sqlite3_bind_int64(st, 2, (int64_t)i);
      sqlite3_bind_int64(st, 3, (int64_t)(start / PATRON__STORE_BLOCK));
      sqlite3_bind_blob(st, 4, b.data ? b.data : "", (int)b.len, SQLITE_STATIC);
      ps = step_done(s, st, "writing the snapshot's profiles", err);
    }
  }
  free(b.data);
  sqlite3_finalize(st);
  return ps;
}

static patron_status put_rows(patron_store *s, int64_t id, const patron_table *t,
                              const patron_column *cid, patron_error *err) {
  uint32_t *order = id_order(cid, patron_table_n_rows(t));
  if (!order)
    return PATRON__OOM(err);
  patron_status ps = put_blocks(s, id, t, order, err);
  free(order);
  return ps;
}

static void bind_double_or_null(sqlite3_stmt *st, int i, double v) {
  if (isfinite(v))
    sqlite3_bind_double(st, i, v);
  else
    sqlite3_bind_null(st, i);
}

static patron_status put_segments(patron_store *s, int64_t id, const patron_segment_row *rows,
                                  size_t n, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s, "INSERT INTO snapshot_segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err);
  for (size_t i = 0; ps == PATRON_OK && i < n; i++) {
    const patron_segment_row *r = &rows[i];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    sqlite3_bind_text(st, 3, r->segmentation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->segment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->segment_alt, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)r->customers);
    bind_double_or_null(st, 7, r->customer_share);
    sqlite3_bind_int64(st, 8, r->revenue);
    bind_double_or_null(st, 9, r->revenue_share);
    bind_double_or_null(st, 10, r->avg_recency_days);
    bind_double_or_null(st, 11, r->avg_frequency);
    bind_double_or_null(st, 12, r->avg_monetary);
    ps = step_done(s, st, "writing the snapshot's segments", err);
  }
  sqlite3_finalize(st);
  return ps;
}

static patron_status drop_snapshot(patron_store *s, const char *as_of, patron_error *err) {
  static const char *const sql[] = {
      "DELETE FROM snapshot_profiles WHERE snapshot_id IN (SELECT id FROM snapshots WHERE as_of = "
      "?)",
      "DELETE FROM snapshot_columns WHERE snapshot_id IN (SELECT id FROM snapshots WHERE as_of = "
      "?)",
      "DELETE FROM snapshot_blocks WHERE snapshot_id IN (SELECT id FROM snapshots WHERE as_of = "
      "?)",
      "DELETE FROM snapshot_segments WHERE snapshot_id IN (SELECT id FROM snapshots WHERE as_of = "
      "?)",
      "DELETE FROM snapshots WHERE as_of = ?",
  };
  patron_status ps = PATRON_OK;
  for (size_t i = 0; ps == PATRON_OK && i < sizeof sql / sizeof sql[0]; i++) {
    sqlite3_stmt *st;
    if ((ps = patron__store_prepare(s, sql[i], &st, err)) != PATRON_OK)
      break;
    sqlite3_bind_text(st, 1, as_of, -1, SQLITE_STATIC);
    ps = step_done(s, st, "replacing the snapshot", err);
    sqlite3_finalize(st);
  }
  return ps;
}

static void headline(const patron_table *t, size_t *purchasers, patron_money *revenue) {
  const patron_column *f = patron_table_find(t, "frequency");
  const patron_column *m = patron_table_find(t, "monetary");
  *purchasers = 0;
  *revenue = 0;
  if (!f || !m || f->type != PATRON_COL_INT || m->type != PATRON_COL_MONEY)
    return;
  for (size_t r = 0; r < patron_table_n_rows(t); r++) {
    int64_t fr = ((const int64_t *)f->data)[r];
    if (fr != PATRON_NULL_INT && fr >= 1) {
      (*purchasers)++;
      *revenue += ((const int64_t *)m->data)[r];
    }
  }
}

static patron_status put_header(patron_store *s, int64_t run_id, const char *as_of, int32_t day,
                                const patron_table *t, const char *summary, int64_t *id,
                                patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "INSERT INTO snapshots (as_of, as_of_day, customers, purchasers, revenue, summary,"
      " created, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  size_t purchasers;
  patron_money revenue;
  headline(t, &purchasers, &revenue);
  char now[32];
  patron__store_now(now);
  sqlite3_bind_text(st, 1, as_of, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, day);
  sqlite3_bind_int64(st, 3, (int64_t)patron_table_n_rows(t));
  sqlite3_bind_int64(st, 4, (int64_t)purchasers);
  sqlite3_bind_int64(st, 5, revenue);
  sqlite3_bind_text(st, 6, summary, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
  if (run_id > 0)
    sqlite3_bind_int64(st, 8, run_id);
  ps = step_done(s, st, "writing the snapshot", err);
  sqlite3_finalize(st);
  *id = sqlite3_last_insert_rowid(s->db);
  return ps;
}

patron_status patron_store_snapshot_put(patron_store *s, int64_t run_id, int32_t as_of,
                                        const patron_table *profile,
                                        const patron_segment_row *segments, size_t n_segments,
                                        const char *summary_json, patron_error *err) {
  patron_status ps = patron__store_need_tx(s, err);
  if (ps != PATRON_OK)
    return ps;
  const patron_column *cid = patron_table_find(profile, "customer_id");
  if (!cid || cid->type != PATRON_COL_STRING)
    return patron__error_set(err, PATRON_ERR_USAGE, s->path, 0, 0,
                             "a snapshot needs a customer_id text column");
  char day[11];
  patron_format_day(as_of, day);
  int64_t id = 0;
  ps = drop_snapshot(s, day, err);
  if (ps == PATRON_OK)
    ps = put_header(s, run_id, day, as_of, profile, summary_json, &id, err);
  if (ps == PATRON_OK)
    ps = put_catalogue(s, id, profile, err);
  if (ps == PATRON_OK)
    ps = put_rows(s, id, profile, cid, err);
  if (ps == PATRON_OK)
    ps = put_segments(s, id, segments, n_segments, err);
  return ps;
}

patron_status patron_store_record_snapshot(patron_store *s, const char *command, int32_t as_of,
                                           const patron_table *profile,
                                           const patron_segment_row *segments, size_t n_segments,
                                           const char *summary_json, patron_error *err) {
  char day[11];
  patron_format_day(as_of, day);
  int64_t run_id = 0;
  patron_status st = patron_store_begin(s, err);
  if (st != PATRON_OK)
    return st;
  st = patron_store_run_add(s, command, day, NULL, &run_id, err);
  if (st == PATRON_OK)
    st = patron_store_snapshot_put(s, run_id, as_of, profile, segments, n_segments, summary_json,
                                   err);
  if (st == PATRON_OK)
    return patron_store_commit(s, err);
  patron_store_rollback(s);
  return st;
}

/* ---- listing ---- */

patron_status patron_store_snapshots(patron_store *s, patron_snapshot_info **out, size_t *n,
                                     patron_error *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT as_of_day, customers, purchasers, revenue, created, coalesce(run_id, 0)"
      " FROM snapshots ORDER BY as_of_day",
      &st, err);
  size_t cap = 0;
  int rc;
  while (ps == PATRON_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!patron__reserve((void **)out, &cap, *n + 1, sizeof **out)) {
      ps = PATRON__OOM(err);
      break;
    }
    patron_snapshot_info *i = &(*out)[(*n)++];
    i->as_of = sqlite3_column_int(st, 0);
    i->customers = (size_t)sqlite3_column_int64(st, 1);
    i->purchasers = (size_t)sqlite3_column_int64(st, 2);
    i->revenue = sqlite3_column_int64(st, 3);
    snprintf(i->created, sizeof i->created, "%s", (const char *)sqlite3_column_text(st, 4));
    i->run_id = sqlite3_column_int64(st, 5);
  }
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    ps = patron__store_fail(s, rc, "listing snapshots", err);
  sqlite3_finalize(st);
  if (ps != PATRON_OK) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return ps;
}

patron_status patron_store_snapshot_before(patron_store *s, int32_t as_of, bool *found,
                                           int32_t *found_as_of, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s, "SELECT max(as_of_day) FROM snapshots WHERE as_of_day < ?", &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int(st, 1, as_of);
  int rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
  *found_as_of = *found ? sqlite3_column_int(st, 0) : PATRON_NO_DAY;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? PATRON_OK : patron__store_fail(s, rc, "finding a snapshot", err);
}
