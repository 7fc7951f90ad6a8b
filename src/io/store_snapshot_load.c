/* Reading a snapshot back from the store (SPEC section 10): the column catalogue becomes a
 * patron_table's columns and each row's packed values (docs/STORE.md) its cells, so every
 * column written — including ones added after this code — round-trips. */
#include "io/store_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct patron_snapshot {
  patron_table *table;
  int32_t as_of;
  char *summary;
  patron_segment_row *segments;
  size_t n_segments;
  patron__arena arena; /* names, labels, string cells */
  void **blocks;       /* label arrays */
  size_t n_blocks, cap_blocks;
};

typedef struct load_col {
  patron_col_type type;
  void *data;
  int32_t n_labels;
  bool is_id;
  bool skip; /* not asked for: its blocks are not read */
} load_col;

/* Which columns to read: customer_id always, else all or the named ones. */
typedef struct wanted {
  const char *const *names;
  size_t n;
  bool by_row; /* a schema 1 snapshot: every column is decoded anyway */
} wanted;

static bool is_wanted(const wanted *w, const char *name) {
  if (!w->names || w->by_row || strcmp(name, "customer_id") == 0)
    return true;
  for (size_t i = 0; i < w->n; i++)
    if (strcmp(w->names[i], name) == 0)
      return true;
  return false;
}

void patron_snapshot_free(patron_snapshot *snap) {
  if (!snap)
    return;
  patron_table_free(snap->table);
  free(snap->summary);
  free(snap->segments);
  for (size_t i = 0; i < snap->n_blocks; i++)
    free(snap->blocks[i]);
  free(snap->blocks);
  patron__arena_free(&snap->arena);
  free(snap);
}

const patron_table *patron_snapshot_table(const patron_snapshot *snap) { return snap->table; }
int32_t patron_snapshot_as_of(const patron_snapshot *snap) { return snap->as_of; }
const char *patron_snapshot_summary(const patron_snapshot *snap) {
  return snap->summary ? snap->summary : "";
}
const patron_segment_row *patron_snapshot_segments(const patron_snapshot *snap, size_t *n) {
  *n = snap->n_segments;
  return snap->segments;
}

static const char *keep(patron_snapshot *snap, const unsigned char *s) {
  return s ? patron__arena_strdup(&snap->arena, (const char *)s, strlen((const char *)s)) : NULL;
}

static patron_status corrupt(patron_store *s, const char *what, patron_error *err) {
  return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0, "corrupt snapshot: %s", what);
}

/* ---- the catalogue ---- */

static bool parse_type(const char *name, patron_col_type *out) {
  static const char *const names[] = {"int", "double", "money", "date", "category", "string"};
  for (int i = 0; i < 6; i++)
    if (name && strcmp(name, names[i]) == 0)
      return *out = (patron_col_type)i, true;
  return false;
}

/* A JSON array of label texts (or nulls) into an array owned by the snapshot. */
static const char *const *parse_labels(patron_snapshot *snap, const unsigned char *text,
                                       int32_t *n) {
  if (!text)
    return NULL;
  json_t *a = json_loads((const char *)text, 0, NULL);
  if (!json_is_array(a) || json_array_size(a) > INT32_MAX ||
      !patron__reserve((void **)&snap->blocks, &snap->cap_blocks, snap->n_blocks + 1,
                       sizeof *snap->blocks)) {
    json_decref(a);
    return NULL;
  }
  size_t len = json_array_size(a);
  const char **labels = calloc(len ? len : 1, sizeof *labels);
  for (size_t i = 0; labels && i < len; i++) {
    const char *v = json_string_value(json_array_get(a, i));
    labels[i] = v ? keep(snap, (const unsigned char *)v) : NULL;
  }
  json_decref(a);
  if (labels)
    snap->blocks[snap->n_blocks++] = labels;
  *n = (int32_t)len;
  return labels;
}

static patron_status add_column(patron_store *s, patron_snapshot *snap, sqlite3_stmt *st,
                                const wanted *w, load_col *lc, patron_error *err) {
  const unsigned char *text = sqlite3_column_text(st, 0);
  if (!text || !parse_type((const char *)sqlite3_column_text(st, 1), &lc->type))
    return corrupt(s, "bad column catalogue", err);
  if ((lc->skip = !is_wanted(w, (const char *)text)))
    return PATRON_OK;
  const char *name = keep(snap, text);
  if (!name)
    return PATRON__OOM(err);
  lc->is_id = strcmp(name, "customer_id") == 0 && lc->type == PATRON_COL_STRING;
  if (lc->type != PATRON_COL_CATEGORY) {
    patron_status ps = patron_table_add(snap->table, name, lc->type, &lc->data, err);
    if (ps == PATRON_OK && lc->type == PATRON_COL_DOUBLE)
      patron_table_set_decimals(snap->table, name, sqlite3_column_int(st, 2));
    return ps;
  }
  int32_t n = 0, n_alt = 0;
  const char *const *labels = parse_labels(snap, sqlite3_column_text(st, 4), &n);
  const char *const *alt = parse_labels(snap, sqlite3_column_text(st, 5), &n_alt);
  if (!labels || (alt && n_alt != n))
    return corrupt(s, "bad category labels", err);
  lc->n_labels = n;
  return patron_table_add_category(snap->table, name, labels, alt, n, sqlite3_column_int(st, 3),
                                   (int32_t **)&lc->data, err);
}

static patron_status load_catalogue(patron_store *s, patron_snapshot *snap, int64_t id,
                                    const wanted *w, load_col **cols, size_t *n_cols,
                                    patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT name, type, decimals, segmentation, labels, alt_labels FROM snapshot_columns"
      " WHERE snapshot_id = ? ORDER BY position",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int64(st, 1, id);
  size_t cap = 0;
  int rc;
  while (ps == PATRON_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!patron__reserve((void **)cols, &cap, *n_cols + 1, sizeof **cols))
      ps = PATRON__OOM(err);
    else
      ps = add_column(s, snap, st, w, &(*cols)[(*n_cols)++], err);
  }
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    ps = patron__store_fail(s, rc, "reading the snapshot's columns", err);
  sqlite3_finalize(st);
  return ps;
}

/* ---- the rows ---- */

typedef struct cursor {
  const unsigned char *p, *end;
} cursor;

static bool get_varint(cursor *c, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && c->p < c->end; shift += 7) {
    unsigned char byte = *c->p++;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return *out = v, true;
  }
  return false;
}

/* false when the stored value is "none" (or malformed: *ok cleared). */
static bool get_int(cursor *c, int64_t *v, bool *ok) {
  uint64_t z;
  if (!get_varint(c, &z))
    return *ok = false, false;
  if (z == 0)
    return false;
  z -= 1;
  *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return true;
}

static bool get_value(patron_snapshot *snap, cursor *c, const load_col *lc, size_t row) {
  bool ok = true;
  int64_t v = 0;
  switch (lc->type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY:
    ((int64_t *)lc->data)[row] = get_int(c, &v, &ok) ? v : INT64_MIN;
    return ok;
  case PATRON_COL_DATE:
    ((int32_t *)lc->data)[row] = get_int(c, &v, &ok) ? (int32_t)v : PATRON_NO_DAY;
    return ok;
  case PATRON_COL_CATEGORY:
    ((int32_t *)lc->data)[row] = get_int(c, &v, &ok) ? (int32_t)v : PATRON_NULL_CODE;
    return ok && v >= -1 && v < lc->n_labels;
  case PATRON_COL_DOUBLE: {
    if (c->p >= c->end)
      return false;
    double d = NAN;
    if (*c->p++) {
      if (c->end - c->p < (ptrdiff_t)sizeof d)
        return false;
      memcpy(&d, c->p, sizeof d);
      c->p += sizeof d;
    }
    ((double *)lc->data)[row] = d;
    return true;
  }
  case PATRON_COL_STRING: {
    uint64_t n;
    if (!get_varint(c, &n) || n > (uint64_t)(c->end - c->p) + 1)
      return false;
    const char *s = n ? patron__arena_strdup(&snap->arena, (const char *)c->p, n - 1) : NULL;
    c->p += n ? n - 1 : 0;
    ((const char **)lc->data)[row] = s;
    return !n || s;
  }
  }
  return false;
}

static patron_status decode_row(patron_store *s, patron_snapshot *snap, sqlite3_stmt *st,
                                const load_col *cols, size_t n_cols, size_t row,
                                patron_error *err) {
  const unsigned char *blob = sqlite3_column_blob(st, 1);
  cursor c = {blob, blob + sqlite3_column_bytes(st, 1)};
  for (size_t i = 0; i < n_cols; i++) {
    if (cols[i].is_id) {
      const char *id = keep(snap, sqlite3_column_text(st, 0));
      if (!id)
        return PATRON__OOM(err);
      ((const char **)cols[i].data)[row] = id;
    } else if (!get_value(snap, &c, &cols[i], row)) {
      return corrupt(s, "a profile row does not match its columns", err);
    }
  }
  return c.p == c.end ? PATRON_OK : corrupt(s, "a profile row is longer than its columns", err);
}

static patron_status load_rows(patron_store *s, patron_snapshot *snap, int64_t id,
                               const load_col *cols, size_t n_cols, size_t n_rows,
                               patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps =
      patron__store_prepare(s,
                            "SELECT customer_id, vals FROM snapshot_profiles WHERE snapshot_id = ?"
                            " ORDER BY customer_id",
                            &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int64(st, 1, id);
  size_t row = 0;
  int rc;
  while (ps == PATRON_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (row >= n_rows)
      ps = corrupt(s, "more rows than counted", err);
    else
      ps = decode_row(s, snap, st, cols, n_cols, row++, err);
  }
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    ps = patron__store_fail(s, rc, "reading the snapshot's profiles", err);
  if (ps == PATRON_OK && row != n_rows)
    ps = corrupt(s, "fewer rows than counted", err);
  sqlite3_finalize(st);
  return ps;
}

/* One block of a column (schema 2): the values of rows [block x B, ...) in order. */
static patron_status decode_block(patron_store *s, patron_snapshot *snap, sqlite3_stmt *st,
                                  const load_col *cols, size_t n_cols, size_t n_rows, size_t *done,
                                  patron_error *err) {
  int64_t pos = sqlite3_column_int64(st, 0), block = sqlite3_column_int64(st, 1);
  if (pos < 0 || (size_t)pos >= n_cols || block < 0 ||
      (size_t)block * PATRON__STORE_BLOCK != done[pos] || done[pos] >= n_rows)
    return corrupt(s, "a block of values out of place", err);
  size_t end = done[pos] + PATRON__STORE_BLOCK < n_rows ? done[pos] + PATRON__STORE_BLOCK : n_rows;
  if (cols[pos].skip) {
    done[pos] = end;
    return PATRON_OK;
  }
  const unsigned char *blob = sqlite3_column_blob(st, 2);
  cursor c = {blob, blob + sqlite3_column_bytes(st, 2)};
  for (size_t row = done[pos]; row < end; row++)
    if (!get_value(snap, &c, &cols[pos], row))
      return corrupt(s, "a block of values does not match its column", err);
  done[pos] = end;
  return c.p == c.end ? PATRON_OK : corrupt(s, "a block of values is too long", err);
}

static patron_status load_blocks(patron_store *s, patron_snapshot *snap, int64_t id,
                                 const load_col *cols, size_t n_cols, size_t n_rows,
                                 patron_error *err) {
  size_t *done = calloc(n_cols ? n_cols : 1, sizeof *done);
  sqlite3_stmt *st = NULL;
  patron_status ps = done
                         ? patron__store_prepare(s,
                                                 "SELECT position, block, vals FROM snapshot_blocks"
                                                 " WHERE snapshot_id = ? ORDER BY position, block",
                                                 &st, err)
                         : PATRON__OOM(err);
  int rc = SQLITE_DONE;
  if (ps == PATRON_OK)
    sqlite3_bind_int64(st, 1, id);
  while (ps == PATRON_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    ps = decode_block(s, snap, st, cols, n_cols, n_rows, done, err);
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    ps = patron__store_fail(s, rc, "reading the snapshot's profiles", err);
  for (size_t i = 0; ps == PATRON_OK && i < n_cols; i++)
    if (done[i] != n_rows)
      ps = corrupt(s, "a column has fewer values than rows", err);
  sqlite3_finalize(st);
  free(done);
  return ps;
}

/* ---- segments ---- */

static double column_double(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static patron_status load_segments(patron_store *s, patron_snapshot *snap, int64_t id,
                                   patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT segmentation, segment, segment_alt, customers, customer_share, revenue,"
      " revenue_share, avg_recency_days, avg_frequency, avg_monetary FROM snapshot_segments"
      " WHERE snapshot_id = ? ORDER BY position",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int64(st, 1, id);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!patron__reserve((void **)&snap->segments, &cap, snap->n_segments + 1,
                         sizeof *snap->segments)) {
      ps = PATRON__OOM(err);
      break;
    }
    snap->segments[snap->n_segments++] = (patron_segment_row){
        .segmentation = keep(snap, sqlite3_column_text(st, 0)),
        .segment = keep(snap, sqlite3_column_text(st, 1)),
        .segment_alt = keep(snap, sqlite3_column_text(st, 2)),
        .customers = (size_t)sqlite3_column_int64(st, 3),
        .customer_share = column_double(st, 4),
        .revenue = sqlite3_column_int64(st, 5),
        .revenue_share = column_double(st, 6),
        .avg_recency_days = column_double(st, 7),
        .avg_frequency = column_double(st, 8),
        .avg_monetary = column_double(st, 9),
    };
  }
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    ps = patron__store_fail(s, rc, "reading the snapshot's segments", err);
  sqlite3_finalize(st);
  return ps;
}

/* ---- the snapshot ---- */

/* The snapshot's id, summary and rows; *by_row for a snapshot written by schema 1 (one
 * snapshot_profiles row per customer). */
static patron_status find(patron_store *s, patron_snapshot *snap, int64_t *id, size_t *n_rows,
                          bool *by_row, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT id, summary, customers, EXISTS (SELECT 1 FROM snapshot_profiles p WHERE "
      "p.snapshot_id = snapshots.id) FROM snapshots WHERE as_of_day = ?",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int(st, 1, snap->as_of);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    const unsigned char *sum = sqlite3_column_text(st, 1);
    snap->summary = sum ? strdup((const char *)sum) : NULL;
    *n_rows = (size_t)sqlite3_column_int64(st, 2);
    *by_row = sqlite3_column_int(st, 3) != 0;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) {
    char day[11];
    patron_format_day(snap->as_of, day);
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0, "no snapshot as of %s", day);
  }
  return rc == SQLITE_ROW ? PATRON_OK : patron__store_fail(s, rc, "finding the snapshot", err);
}

patron_status patron_store_snapshot_load(patron_store *s, int32_t as_of, patron_snapshot **out,
                                         patron_error *err) {
  return patron_store_snapshot_load_columns(s, as_of, NULL, 0, out, err);
}

patron_status patron_store_snapshot_load_columns(patron_store *s, int32_t as_of,
                                                 const char *const *names, size_t n_names,
                                                 patron_snapshot **out, patron_error *err) {
  *out = NULL;
  patron_snapshot *snap = calloc(1, sizeof *snap);
  if (!snap)
    return PATRON__OOM(err);
  snap->as_of = as_of;
  int64_t id = 0;
  size_t n_rows = 0, n_cols = 0;
  wanted w = {names, n_names, false};
  load_col *cols = NULL;
  /* one read transaction: the rows and the catalogue come from the same committed state */
  patron_status ps = s->in_tx ? PATRON_OK : patron__store_exec(s, "BEGIN", "reading", err);
  bool own_tx = !s->in_tx && ps == PATRON_OK;
  if (ps == PATRON_OK)
    ps = find(s, snap, &id, &n_rows, &w.by_row, err);
  if (ps == PATRON_OK && !(snap->table = patron_table_new(n_rows)))
    ps = PATRON__OOM(err);
  if (ps == PATRON_OK)
    ps = load_catalogue(s, snap, id, &w, &cols, &n_cols, err);
  if (ps == PATRON_OK)
    ps = w.by_row ? load_rows(s, snap, id, cols, n_cols, n_rows, err)
                  : load_blocks(s, snap, id, cols, n_cols, n_rows, err);
  if (ps == PATRON_OK)
    ps = load_segments(s, snap, id, err);
  if (own_tx)
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
  free(cols);
  if (ps != PATRON_OK) {
    patron_snapshot_free(snap);
    return ps;
  }
  *out = snap;
  return PATRON_OK;
}
