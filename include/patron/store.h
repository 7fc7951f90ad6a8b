/* The store (SPEC section 10): one SQLite 3 file holding what must outlive a run — snapshots
 * of the profile table per as-of date (every column, generically, with its catalogue), their
 * segments rows and summary, the runs, the trigger action log, rule state and experiment
 * assignments. Schema and encodings: docs/STORE.md.
 *
 * Concurrency and safety: WAL journal (readers work while one run writes), a busy timeout for
 * readers and writers, one transaction per run (patron_store_begin .. _commit; a run that
 * fails or is killed leaves the store as it was). A store written by a newer schema is
 * refused; older ones are migrated when opened for writing. */
#ifndef PATRON_STORE_H
#define PATRON_STORE_H

#include "patron/error.h"
#include "patron/output.h"
#include "patron/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema version this library writes (PRAGMA user_version). */
#define PATRON_STORE_SCHEMA_VERSION 2

typedef struct patron_store patron_store;

typedef struct patron_store_options {
  bool read_only; /* open for reading only: never creates, migrates or writes */
  int busy_ms;    /* how long to wait for another run's lock (default 5000) */
} patron_store_options;

PATRON_API void patron_store_options_init(patron_store_options *opts);

/* Opens (creating when missing, unless read_only) the store at path. Errors, each naming the
 * file: not a SQLite database or corrupt (PATRON_ERR_INPUT), a SQLite file that is not a
 * Patron store (PATRON_ERR_INPUT), a newer schema (PATRON_ERR_INPUT), read-only or locked
 * (PATRON_ERR_IO), missing with read_only (PATRON_ERR_INPUT). opts may be NULL.
 * Free with patron_store_close. */
PATRON_API patron_status patron_store_open(const char *path, const patron_store_options *opts,
                                           patron_store **out, patron_error *err);
/* Rolls back an open transaction and closes. Accepts NULL. */
PATRON_API void patron_store_close(patron_store *s);
PATRON_API const char *patron_store_path(const patron_store *s);

/* One write transaction per run (BEGIN IMMEDIATE: waits busy_ms for another writer).
 * Every write below must happen inside one. Rollback accepts a store with none open. */
PATRON_API patron_status patron_store_begin(patron_store *s, patron_error *err);
PATRON_API patron_status patron_store_commit(patron_store *s, patron_error *err);
PATRON_API void patron_store_rollback(patron_store *s);

/* Records a run (command, its as-of text, a JSON object of details or NULL) inside the open
 * transaction; its id is returned through *run_id. */
PATRON_API patron_status patron_store_run_add(patron_store *s, const char *command,
                                              const char *as_of, const char *detail_json,
                                              int64_t *run_id, patron_error *err);

/* Replaces the details of a run recorded in the open transaction (a run whose details are
 * known only after its rows are written). */
PATRON_API patron_status patron_store_run_detail(patron_store *s, int64_t run_id,
                                                 const char *detail_json, patron_error *err);

/* ---- Snapshots ---- */

typedef struct patron_snapshot_info {
  int32_t as_of; /* day number */
  size_t customers, purchasers;
  patron_money revenue;
  char created[32]; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
  int64_t run_id;
} patron_snapshot_info;

/* Writes the snapshot of as_of (replacing one of the same as-of): every column of profile
 * (which must have customer_id as a string column), the segments rows and the summary JSON
 * text (may be NULL). Inside the open transaction. */
PATRON_API patron_status patron_store_snapshot_put(patron_store *s, int64_t run_id, int32_t as_of,
                                                   const patron_table *profile,
                                                   const patron_segment_row *segments,
                                                   size_t n_segments, const char *summary_json,
                                                   patron_error *err);

/* The snapshot output of a run: begins a transaction, records the run (command, as_of),
 * writes the snapshot as patron_store_snapshot_put does and commits; on any failure rolls
 * back, leaving the store as it was. */
PATRON_API patron_status patron_store_record_snapshot(patron_store *s, const char *command,
                                                      int32_t as_of, const patron_table *profile,
                                                      const patron_segment_row *segments,
                                                      size_t n_segments, const char *summary_json,
                                                      patron_error *err);

/* Every snapshot, oldest first. *out is malloc'ed: free() it. */
PATRON_API patron_status patron_store_snapshots(patron_store *s, patron_snapshot_info **out,
                                                size_t *n, patron_error *err);

/* The latest snapshot strictly before as_of: *found false when there is none. */
PATRON_API patron_status patron_store_snapshot_before(patron_store *s, int32_t as_of, bool *found,
                                                      int32_t *found_as_of, patron_error *err);

/* A snapshot read back: a profile table whose columns (names, types, labels, decimals,
 * segmentation flags) and values are those written, rows in customer_id byte order. */
typedef struct patron_snapshot patron_snapshot;

/* Reads the snapshot of as_of. No such snapshot is PATRON_ERR_INPUT naming the date and the
 * store. Free with patron_snapshot_free. */
PATRON_API patron_status patron_store_snapshot_load(patron_store *s, int32_t as_of,
                                                    patron_snapshot **out, patron_error *err);
/* As patron_store_snapshot_load, with customer_id and only the named columns the snapshot
 * has (names NULL: every column); the others are not read (snapshots written by schema 1
 * come back whole). */
PATRON_API patron_status patron_store_snapshot_load_columns(patron_store *s, int32_t as_of,
                                                            const char *const *names,
                                                            size_t n_names, patron_snapshot **out,
                                                            patron_error *err);
PATRON_API void patron_snapshot_free(patron_snapshot *snap);
/* The table (owned by the snapshot: valid until patron_snapshot_free). */
PATRON_API const patron_table *patron_snapshot_table(const patron_snapshot *snap);
PATRON_API int32_t patron_snapshot_as_of(const patron_snapshot *snap);
/* summary.json's text as recorded ("" when none); owned by the snapshot. */
PATRON_API const char *patron_snapshot_summary(const patron_snapshot *snap);
/* The segments rows as recorded; owned by the snapshot. */
PATRON_API const patron_segment_row *patron_snapshot_segments(const patron_snapshot *snap,
                                                              size_t *n);

/* ---- Trigger actions (SPEC section 11) ---- */

typedef struct patron_action {
  char action_id[24]; /* see patron_action_id */
  const char *rule, *campaign, *channel, *customer_id;
  bool holdout;     /* arm: holdout (true) or treatment */
  int64_t fired_at; /* seconds since 1970-01-01 (the run's T, wall clock of the rules) */
  int64_t send_at;
} patron_action;

/* The idempotent id of (rule, customer_id, day of T): 16 hex digits of a 64-bit FNV-1a hash
 * of "rule\x1fcustomer_id\x1fYYYY-MM-DD" (docs/STORE.md). buf needs 17 bytes. */
PATRON_API void patron_action_id(const char *rule, const char *customer_id, int32_t day,
                                 char buf[17]);

/* Inserts the action unless its id is already logged (*inserted says which). Inside the
 * open transaction. */
PATRON_API patron_status patron_store_action_add(patron_store *s, int64_t run_id,
                                                 const patron_action *a, bool *inserted,
                                                 patron_error *err);

/* Inserts n actions of one run (run_id > 0, or 0 for none) with one prepared statement,
 * in action_id order so the key's B-tree fills page by page; ids already logged are left as
 * they are. *n_inserted (may be NULL) counts the new rows. Inside the open transaction. */
PATRON_API patron_status patron_store_actions_add(patron_store *s, int64_t run_id,
                                                  const patron_action *a, size_t n,
                                                  size_t *n_inserted, patron_error *err);

/* Calls fn for every logged action with fired_at in [since, until), oldest first. The strings
 * passed are valid during the call only. fn returns false to stop early. */
typedef bool (*patron_action_fn)(void *ctx, const patron_action *a);
PATRON_API patron_status patron_store_actions_between(patron_store *s, int64_t since, int64_t until,
                                                      patron_action_fn fn, void *ctx,
                                                      patron_error *err);

/* True when the action id is already logged. */
PATRON_API patron_status patron_store_action_exists(patron_store *s, const char *action_id,
                                                    bool *exists, patron_error *err);

/* ---- Rule state ---- */

/* Enables or disables a rule (reason may be NULL). Inside the open transaction. */
PATRON_API patron_status patron_store_rule_set(patron_store *s, const char *rule, bool enabled,
                                               const char *reason, patron_error *err);
/* A rule's state: enabled (true when the store has no state for it) and the reason text
 * ("" when none) into reason[cap]. */
PATRON_API patron_status patron_store_rule_get(patron_store *s, const char *rule, bool *enabled,
                                               char *reason, size_t cap, patron_error *err);

/* ---- Experiment assignments (SPEC section 12) ---- */

typedef struct patron_assignment {
  const char *experiment, *customer_id, *arm, *salt;
  int32_t bucket; /* 0..9999 */
} patron_assignment;

/* Records (or replaces) one assignment. Inside the open transaction. */
PATRON_API patron_status patron_store_assignment_put(patron_store *s, const patron_assignment *a,
                                                     patron_error *err);
/* Calls fn for each assignment of experiment, in customer_id byte order; strings valid during
 * the call only; fn returns false to stop. */
typedef bool (*patron_assignment_fn)(void *ctx, const patron_assignment *a);
PATRON_API patron_status patron_store_assignments(patron_store *s, const char *experiment,
                                                  patron_assignment_fn fn, void *ctx,
                                                  patron_error *err);

#endif
