/* The store's logs (SPEC sections 11-12): trigger actions with idempotent ids, rule state
 * (enabled/disabled with a reason) and experiment assignments. */
#include "core/sort.h"
#include "io/store_int.h"
#include "patron/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void patron_action_id(const char *rule, const char *customer_id, int32_t day, char buf[17]) {
  char date[11];
  patron_format_day(day, date);
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
  const char *parts[] = {rule, "\x1f", customer_id, "\x1f", date};
  for (size_t i = 0; i < 5; i++)
    for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
      h = (h ^ *p) * 0x100000001b3ULL;
  snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

static patron_status step_once(patron_store *s, sqlite3_stmt *st, const char *doing,
                               patron_error *err) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? PATRON_OK : patron__store_fail(s, rc, doing, err);
}

static const char insert_action[] =
    "INSERT OR IGNORE INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Binds the action to the statement's parameters at + 1 .. at + 9. */
static void bind_action(sqlite3_stmt *st, int at, int64_t run_id, const patron_action *a) {
  sqlite3_bind_text(st, at + 1, a->action_id, -1, SQLITE_STATIC);
  if (run_id > 0)
    sqlite3_bind_int64(st, at + 2, run_id);
  else
    sqlite3_bind_null(st, at + 2);
  sqlite3_bind_text(st, at + 3, a->rule, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, at + 4, a->campaign, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, at + 5, a->channel, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, at + 6, a->customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, at + 7, a->holdout ? "holdout" : "treatment", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, at + 8, a->fired_at);
  sqlite3_bind_int64(st, at + 9, a->send_at);
}

patron_status patron_store_action_add(patron_store *s, int64_t run_id, const patron_action *a,
                                      bool *inserted, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps = patron__store_prepare(s, insert_action, &st, err);
  if (ps != PATRON_OK)
    return ps;
  bind_action(st, 0, run_id, a);
  ps = step_once(s, st, "logging an action", err);
  *inserted = ps == PATRON_OK && sqlite3_changes(s->db) > 0;
  return ps;
}

static int cmp_action_id(const void *x, const void *y) {
  const patron_action *a = *(const patron_action *const *)x, *b = *(const patron_action *const *)y;
  int c = strcmp(a->action_id, b->action_id);
  return c ? c : (a > b) - (a < b); /* stable: the first of equal ids is the one kept */
}

/* The value of an id of 16 lowercase hex digits (patron_action_id's), false for any other:
 * among such ids the values' order is the ids' byte order. */
static bool hex_key(const char *id, uint64_t *key) {
  uint64_t k = 0;
  for (int i = 0; i < 16; i++) {
    unsigned c = (unsigned char)id[i];
    unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 16;
    if (d == 16)
      return false;
    k = k << 4 | d;
  }
  *key = k;
  return id[16] == '\0';
}

/* by_id[i] = the actions in action_id byte order, equal ids in their given order: a radix
 * sort of the ids' values when every id is patron_action_id's, else a comparison sort. */
static void sort_by_id(const patron_action *a, size_t n, const patron_action **by_id) {
  uint64_t *key = n <= UINT32_MAX ? malloc(n * sizeof *key) : NULL;
  uint32_t *at = key ? malloc(n * sizeof *at) : NULL;
  bool hex = at != NULL;
  for (size_t i = 0; i < n && hex; i++) {
    hex = hex_key(a[i].action_id, &key[i]);
    at[i] = (uint32_t)i;
  }
  hex = hex && patron__radix_sort(key, at, n);
  for (size_t i = 0; i < n; i++)
    by_id[i] = hex ? &a[at[i]] : &a[i];
  free(key), free(at);
  if (!hex)
    qsort(by_id, n, sizeof *by_id, cmp_action_id);
}

enum { ROWS_PER_INSERT = 32 }; /* rows per statement (9 parameters each) */

/* "INSERT OR IGNORE INTO actions VALUES (?...), ..." with `rows` rows, prepared. */
static patron_status prepare_insert(patron_store *s, size_t rows, sqlite3_stmt **st,
                                    patron_error *err) {
  static const char more[] = ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  char sql[sizeof insert_action + ROWS_PER_INSERT * sizeof more];
  size_t len = strlen(insert_action);
  memcpy(sql, insert_action, len + 1);
  for (size_t r = 1; r < rows && r < ROWS_PER_INSERT; r++, len += sizeof more - 1)
    memcpy(sql + len, more, sizeof more);
  return patron__store_prepare(s, sql, st, err);
}

/* The rows in action_id order, ROWS_PER_INSERT per statement (the rest one by one): the
 * primary key's B-tree is filled page by page instead of at random places, with fewer
 * statement runs (docs/STORE.md). */
static int insert_sorted(patron_store *s, sqlite3_stmt *many, sqlite3_stmt *one, int64_t run_id,
                         const patron_action **by_id, size_t n, size_t *n_inserted) {
  int rc = SQLITE_DONE;
  for (size_t i = 0, rows; i < n && rc == SQLITE_DONE; i += rows) {
    sqlite3_stmt *st = n - i >= ROWS_PER_INSERT ? many : one;
    rows = st == many ? ROWS_PER_INSERT : 1;
    for (size_t r = 0; r < rows; r++)
      bind_action(st, 9 * (int)r, run_id, by_id[i + r]);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
      *n_inserted += (size_t)sqlite3_changes(s->db);
    sqlite3_reset(st);
  }
  return rc;
}

patron_status patron_store_actions_add(patron_store *s, int64_t run_id, const patron_action *a,
                                       size_t n, size_t *n_inserted, patron_error *err) {
  size_t count = 0;
  sqlite3_stmt *many = NULL, *one = NULL;
  patron_status ps = patron__store_need_tx(s, err);
  if (n_inserted)
    *n_inserted = 0;
  if (ps != PATRON_OK || n == 0)
    return ps;
  const patron_action **by_id = malloc(n * sizeof *by_id);
  if (!by_id)
    return PATRON__OOM(err);
  sort_by_id(a, n, by_id);
  ps = prepare_insert(s, ROWS_PER_INSERT, &many, err);
  if (ps == PATRON_OK)
    ps = prepare_insert(s, 1, &one, err);
  int rc = ps == PATRON_OK ? insert_sorted(s, many, one, run_id, by_id, n, &count) : SQLITE_OK;
  sqlite3_finalize(many);
  sqlite3_finalize(one);
  free(by_id);
  if (ps == PATRON_OK && rc != SQLITE_DONE)
    return patron__store_fail(s, rc, "logging the actions", err);
  if (n_inserted)
    *n_inserted = count;
  return ps;
}

static void copy_id(char *dst, const unsigned char *src) {
  snprintf(dst, 24, "%s", src ? (const char *)src : "");
}

patron_status patron_store_actions_between(patron_store *s, int64_t since, int64_t until,
                                           patron_action_fn fn, void *ctx, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT action_id, rule, campaign, channel, customer_id, arm, fired_at, send_at"
      " FROM actions WHERE fired_at >= ? AND fired_at < ? ORDER BY fired_at, action_id",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_int64(st, 1, since);
  sqlite3_bind_int64(st, 2, until);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    patron_action a = {
        .rule = (const char *)sqlite3_column_text(st, 1),
        .campaign = (const char *)sqlite3_column_text(st, 2),
        .channel = (const char *)sqlite3_column_text(st, 3),
        .customer_id = (const char *)sqlite3_column_text(st, 4),
        .holdout = strcmp((const char *)sqlite3_column_text(st, 5), "holdout") == 0,
        .fired_at = sqlite3_column_int64(st, 6),
        .send_at = sqlite3_column_int64(st, 7),
    };
    copy_id(a.action_id, sqlite3_column_text(st, 0));
    if (!fn(ctx, &a)) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? PATRON_OK : patron__store_fail(s, rc, "reading actions", err);
}

patron_status patron_store_action_exists(patron_store *s, const char *action_id, bool *exists,
                                         patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps =
      patron__store_prepare(s, "SELECT 1 FROM actions WHERE action_id = ?", &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_text(st, 1, action_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  *exists = rc == SQLITE_ROW;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? PATRON_OK
                                               : patron__store_fail(s, rc, "reading actions", err);
}

patron_status patron_store_rule_set(patron_store *s, const char *rule, bool enabled,
                                    const char *reason, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps =
        patron__store_prepare(s, "INSERT OR REPLACE INTO rule_state VALUES (?, ?, ?, ?)", &st, err);
  if (ps != PATRON_OK)
    return ps;
  char now[32];
  patron__store_now(now);
  sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, enabled);
  sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
  return step_once(s, st, "setting a rule's state", err);
}

patron_status patron_store_rule_get(patron_store *s, const char *rule, bool *enabled, char *reason,
                                    size_t cap, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s, "SELECT enabled, coalesce(reason, '') FROM rule_state WHERE rule = ?", &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  *enabled = rc != SQLITE_ROW || sqlite3_column_int(st, 0) != 0;
  if (cap)
    snprintf(reason, cap, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : "");
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE
             ? PATRON_OK
             : patron__store_fail(s, rc, "reading a rule's state", err);
}

patron_status patron_store_assignment_put(patron_store *s, const patron_assignment *a,
                                          patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps = patron__store_prepare(s, "INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?, ?, ?)",
                               &st, err);
  if (ps != PATRON_OK)
    return ps;
  char now[32];
  patron__store_now(now);
  sqlite3_bind_text(st, 1, a->experiment, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, a->customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, a->arm, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, a->bucket);
  sqlite3_bind_text(st, 5, a->salt, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
  return step_once(s, st, "recording an assignment", err);
}

patron_status patron_store_assignments(patron_store *s, const char *experiment,
                                       patron_assignment_fn fn, void *ctx, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(
      s,
      "SELECT experiment, customer_id, arm, bucket, salt FROM assignments WHERE experiment = ?"
      " ORDER BY customer_id",
      &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_text(st, 1, experiment, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    patron_assignment a = {
        .experiment = (const char *)sqlite3_column_text(st, 0),
        .customer_id = (const char *)sqlite3_column_text(st, 1),
        .arm = (const char *)sqlite3_column_text(st, 2),
        .bucket = sqlite3_column_int(st, 3),
        .salt = (const char *)sqlite3_column_text(st, 4),
    };
    if (!fn(ctx, &a)) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? PATRON_OK : patron__store_fail(s, rc, "reading assignments", err);
}

patron_status patron_store_last_trigger(patron_store *s, bool *found, int64_t *t,
                                        patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps =
      patron__store_prepare(s, "SELECT max(as_of) FROM runs WHERE command = 'trigger'", &st, err);
  if (ps != PATRON_OK)
    return ps;
  int rc = sqlite3_step(st);
  const unsigned char *text = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
  *found =
      text && patron_parse_time((const char *)text, strlen((const char *)text), t) == PATRON_OK;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? PATRON_OK : patron__store_fail(s, rc, "reading the runs", err);
}
