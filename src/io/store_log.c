/* The store's logs (SPEC sections 11-12): trigger actions with idempotent ids, rule state
 * (enabled/disabled with a reason) and experiment assignments. */
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

static void bind_action(sqlite3_stmt *st, int64_t run_id, const patron_action *a) {
  sqlite3_bind_text(st, 1, a->action_id, -1, SQLITE_STATIC);
  if (run_id > 0)
    sqlite3_bind_int64(st, 2, run_id);
  else
    sqlite3_bind_null(st, 2);
  sqlite3_bind_text(st, 3, a->rule, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, a->campaign, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, a->channel, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, a->customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, a->holdout ? "holdout" : "treatment", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 8, a->fired_at);
  sqlite3_bind_int64(st, 9, a->send_at);
}

patron_status patron_store_action_add(patron_store *s, int64_t run_id, const patron_action *a,
                                      bool *inserted, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps = patron__store_prepare(s, insert_action, &st, err);
  if (ps != PATRON_OK)
    return ps;
  bind_action(st, run_id, a);
  ps = step_once(s, st, "logging an action", err);
  *inserted = ps == PATRON_OK && sqlite3_changes(s->db) > 0;
  return ps;
}

static int cmp_action_id(const void *x, const void *y) {
  const patron_action *a = *(const patron_action *const *)x, *b = *(const patron_action *const *)y;
  int c = strcmp(a->action_id, b->action_id);
  return c ? c : (a > b) - (a < b); /* stable: the first of equal ids is the one kept */
}

/* One prepared statement for every row, the rows in action_id order: the primary key's
 * B-tree is filled page by page instead of at random places (docs/STORE.md). */
static int insert_sorted(patron_store *s, sqlite3_stmt *st, int64_t run_id,
                         const patron_action **by_id, size_t n, size_t *n_inserted) {
  int rc = SQLITE_DONE;
  for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
    bind_action(st, run_id, by_id[i]);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE && sqlite3_changes(s->db) > 0)
      (*n_inserted)++;
    sqlite3_reset(st);
  }
  return rc;
}

patron_status patron_store_actions_add(patron_store *s, int64_t run_id, const patron_action *a,
                                       size_t n, size_t *n_inserted, patron_error *err) {
  size_t count = 0;
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (n_inserted)
    *n_inserted = 0;
  if (ps != PATRON_OK || n == 0)
    return ps;
  const patron_action **by_id = malloc(n * sizeof *by_id);
  if (!by_id)
    return PATRON__OOM(err);
  ps = patron__store_prepare(s, insert_action, &st, err);
  if (ps != PATRON_OK) {
    free(by_id);
    return ps;
  }
  for (size_t i = 0; i < n; i++)
    by_id[i] = &a[i];
  qsort(by_id, n, sizeof *by_id, cmp_action_id);
  int rc = insert_sorted(s, st, run_id, by_id, n, &count);
  sqlite3_finalize(st);
  free(by_id);
  if (rc != SQLITE_DONE)
    return patron__store_fail(s, rc, "logging the actions", err);
  if (n_inserted)
    *n_inserted = count;
  return PATRON_OK;
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
