/* The store (SPEC section 10): opening a SQLite 3 file, the versioned schema and its
 * migrations, refusal of newer or foreign files, WAL journal, busy timeout, one write
 * transaction per run and the runs log. Schema text and rationale: docs/STORE.md. */
#include "io/store_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* PRAGMA application_id of a Patron store: "PATN". */
#define STORE_APP_ID 0x5041544e

/* migrations[v] takes a store from schema version v to v + 1. Append only. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, command TEXT NOT NULL, as_of TEXT,"
    " started TEXT NOT NULL, detail TEXT);"
    "CREATE TABLE snapshots (id INTEGER PRIMARY KEY, as_of TEXT NOT NULL UNIQUE,"
    " as_of_day INTEGER NOT NULL, customers INTEGER NOT NULL, purchasers INTEGER NOT NULL,"
    " revenue INTEGER NOT NULL, summary TEXT, created TEXT NOT NULL,"
    " run_id INTEGER REFERENCES runs(id));"
    "CREATE TABLE snapshot_columns (snapshot_id INTEGER NOT NULL, position INTEGER NOT NULL,"
    " name TEXT NOT NULL, type TEXT NOT NULL, decimals INTEGER NOT NULL,"
    " segmentation INTEGER NOT NULL, labels TEXT, alt_labels TEXT,"
    " PRIMARY KEY (snapshot_id, position)) WITHOUT ROWID;"
    "CREATE TABLE snapshot_profiles (snapshot_id INTEGER NOT NULL, customer_id TEXT NOT NULL,"
    " vals BLOB NOT NULL, PRIMARY KEY (snapshot_id, customer_id)) WITHOUT ROWID;"
    "CREATE TABLE snapshot_segments (snapshot_id INTEGER NOT NULL, position INTEGER NOT NULL,"
    " segmentation TEXT NOT NULL, segment TEXT NOT NULL, segment_alt TEXT,"
    " customers INTEGER NOT NULL, customer_share REAL, revenue INTEGER NOT NULL,"
    " revenue_share REAL, avg_recency_days REAL, avg_frequency REAL, avg_monetary REAL,"
    " PRIMARY KEY (snapshot_id, position)) WITHOUT ROWID;"
    "CREATE TABLE actions (action_id TEXT PRIMARY KEY, run_id INTEGER REFERENCES runs(id),"
    " rule TEXT NOT NULL, campaign TEXT, channel TEXT, customer_id TEXT NOT NULL,"
    " arm TEXT NOT NULL, fired_at INTEGER NOT NULL, send_at INTEGER NOT NULL);"
    "CREATE INDEX actions_by_time ON actions (fired_at);"
    "CREATE TABLE rule_state (rule TEXT PRIMARY KEY, enabled INTEGER NOT NULL, reason TEXT,"
    " updated TEXT NOT NULL);"
    "CREATE TABLE assignments (experiment TEXT NOT NULL, customer_id TEXT NOT NULL,"
    " arm TEXT NOT NULL, bucket INTEGER NOT NULL, salt TEXT NOT NULL, created TEXT NOT NULL,"
    " PRIMARY KEY (experiment, customer_id)) WITHOUT ROWID;",
    /* 1 -> 2: profiles stored by column, in blocks of rows (docs/STORE.md); snapshots of
     * version 1 keep their rows in snapshot_profiles and are read from there */
    "CREATE TABLE snapshot_blocks (snapshot_id INTEGER NOT NULL, position INTEGER NOT NULL,"
    " block INTEGER NOT NULL, vals BLOB NOT NULL, PRIMARY KEY (snapshot_id, position, block))"
    " WITHOUT ROWID;",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == PATRON_STORE_SCHEMA_VERSION,
               "one migration per schema version");

void patron_store_options_init(patron_store_options *opts) {
  *opts = (patron_store_options){.read_only = false, .busy_ms = 5000};
}

const char *patron_store_path(const patron_store *s) { return s->path; }

void patron__store_now(char buf[32]) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

patron_status patron__store_fail(patron_store *s, int rc, const char *doing, patron_error *err) {
  const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
  case SQLITE_NOMEM: return PATRON__OOM(err);
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0,
                             "not a SQLite database, or a corrupt one (%s)", msg);
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                             "the store is locked by another run (waited %d ms while %s)",
                             s->busy_ms, doing);
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                             "the store is read-only: cannot write it while %s (%s)", doing, msg);
  case SQLITE_FULL:
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                             "the disk is full while %s; the store is left as it was", doing);
  case SQLITE_IOERR:
    if (s->db && (sqlite3_system_errno(s->db) == ENOSPC || sqlite3_system_errno(s->db) == EFBIG))
      return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                               "the disk is full (%s) while %s; the store is left as it was",
                               strerror(sqlite3_system_errno(s->db)), doing);
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0, "store error while %s: %s", doing,
                             msg);
  case SQLITE_CANTOPEN:
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0, "cannot open the store (%s)", msg);
  default:
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0, "store error while %s: %s", doing,
                             msg);
  }
}

patron_status patron__store_prepare(patron_store *s, const char *sql, sqlite3_stmt **st,
                                    patron_error *err) {
  int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
  return rc == SQLITE_OK ? PATRON_OK : patron__store_fail(s, rc, "preparing a query", err);
}

patron_status patron__store_exec(patron_store *s, const char *sql, const char *doing,
                                 patron_error *err) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? PATRON_OK : patron__store_fail(s, rc, doing, err);
}

patron_status patron__store_need_tx(patron_store *s, patron_error *err) {
  if (s->in_tx)
    return PATRON_OK;
  return patron__error_set(err, PATRON_ERR_USAGE, s->path, 0, 0,
                           "store write outside a transaction (patron_store_begin first)");
}

static patron_status pragma_int(patron_store *s, const char *sql, int64_t *out, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(s, sql, &st, err);
  if (ps != PATRON_OK)
    return ps;
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE
             ? PATRON_OK
             : patron__store_fail(s, rc, "reading the schema", err);
}

static patron_status migrate(patron_store *s, int64_t from, patron_error *err) {
  patron_status st = patron_store_begin(s, err);
  for (int64_t v = from; st == PATRON_OK && v < PATRON_STORE_SCHEMA_VERSION; v++)
    st = patron__store_exec(s, migrations[v], "creating the schema", err);
  char sql[96];
  snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;", STORE_APP_ID,
           PATRON_STORE_SCHEMA_VERSION);
  if (st == PATRON_OK)
    st = patron__store_exec(s, sql, "creating the schema", err);
  if (st == PATRON_OK)
    return patron_store_commit(s, err);
  patron_store_rollback(s);
  return st;
}

/* Checks what the file is: a Patron store of a version we know, or an empty new file. */
static patron_status check_schema(patron_store *s, int64_t *version, patron_error *err) {
  int64_t app = 0, n_objects = 0;
  patron_status st = pragma_int(s, "PRAGMA user_version", version, err);
  if (st == PATRON_OK)
    st = pragma_int(s, "PRAGMA application_id", &app, err);
  if (st == PATRON_OK)
    st = pragma_int(s, "SELECT count(*) FROM sqlite_master", &n_objects, err);
  if (st != PATRON_OK)
    return st;
  if ((app != 0 && app != STORE_APP_ID) || (app == 0 && n_objects > 0))
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0,
                             "a SQLite database, but not a Patron store");
  if (*version > PATRON_STORE_SCHEMA_VERSION)
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0,
                             "the store has schema version %lld, newer than this patron "
                             "understands (%d): use a newer patron",
                             (long long)*version, PATRON_STORE_SCHEMA_VERSION);
  if (s->read_only && *version > 0 && *version < PATRON_STORE_SCHEMA_VERSION)
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0,
                             "the store has an older schema: run any command that writes to "
                             "it (analyze --db) to migrate it");
  return PATRON_OK;
}

/* The directory holding the store (where SQLite creates FILE-wal and FILE-shm). */
static void store_dir(const char *path, char *dir, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(dir, cap, ".");
  else
    snprintf(dir, cap, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

static bool exists_with(const char *path, const char *suffix) {
  char name[4200];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  return access(name, F_OK) == 0;
}

/* A writer needs the file and its directory writable: say which is not, before any work. */
static patron_status check_writable(patron_store *s, patron_error *err) {
  char dir[4096];
  store_dir(s->path, dir, sizeof dir);
  if (access(s->path, F_OK) == 0 && access(s->path, W_OK) != 0)
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                             "the store is read-only (%s): nothing was written", strerror(errno));
  if (access(dir, W_OK) != 0)
    return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                             "the store's directory %s is read-only (%s): nothing was written "
                             "(SQLite keeps FILE-wal and FILE-shm next to the store)",
                             dir, strerror(errno));
  return PATRON_OK;
}

/* A reader of a store in a directory it cannot write, with no -wal or -shm file there: no
 * run can be writing it (a writer needs both files), so SQLite may read it as immutable
 * (it cannot create the -shm file a WAL reader otherwise needs). The URI of the path. */
static bool immutable_uri(const patron_store *s, char *uri, size_t cap) {
  char dir[4096];
  store_dir(s->path, dir, sizeof dir);
  if (access(dir, W_OK) == 0 || exists_with(s->path, "-wal") || exists_with(s->path, "-shm"))
    return false;
  size_t n = (size_t)snprintf(uri, cap, "file:");
  for (const unsigned char *p = (const unsigned char *)s->path; *p && n + 4 < cap; p++)
    n += (size_t)(isalnum(*p) || strchr("/-._~", *p) ? snprintf(uri + n, cap - n, "%c", *p)
                                                     : snprintf(uri + n, cap - n, "%%%02X", *p));
  return n + 16 < cap && snprintf(uri + n, cap - n, "?immutable=1") > 0;
}

/* Does a first read on a read-only connection fail for want of writing the WAL index? */
static bool needs_recovery(sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK)
    return (sqlite3_errcode(db) & 0xff) == SQLITE_READONLY;
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return (rc & 0xff) == SQLITE_READONLY;
}

static patron_status open_db(patron_store *s, patron_error *err) {
  struct stat sb;
  if (s->read_only && stat(s->path, &sb) != 0)
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0, "no such store (%s)",
                             strerror(errno));
  if (stat(s->path, &sb) == 0 && !S_ISREG(sb.st_mode))
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0, "not a regular file");
  patron_status ps = s->read_only ? PATRON_OK : check_writable(s, err);
  if (ps != PATRON_OK)
    return ps;
  int flags = s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  char uri[8400];
  bool immutable = s->read_only && immutable_uri(s, uri, sizeof uri);
  int rc = sqlite3_open_v2(immutable ? uri : s->path, &s->db,
                           flags | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), NULL);
  if (rc == SQLITE_OK && s->read_only && !immutable && needs_recovery(s->db) &&
      access(s->path, W_OK) == 0) {
    /* a run killed while writing left a WAL index that only a read-write connection may
     * rebuild (SQLITE_READONLY_RECOVERY); this one still never writes the store's content */
    sqlite3_close_v2(s->db);
    rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  }
  if (rc != SQLITE_OK)
    return patron__store_fail(s, rc, "opening", err);
  sqlite3_busy_timeout(s->db, s->busy_ms);
  sqlite3_extended_result_codes(s->db, 0);
  return PATRON_OK;
}

/* WAL lets readers work while a run writes; synchronous=NORMAL in WAL mode keeps the store
 * consistent across a crashed or killed process (docs/STORE.md). */
static patron_status set_journal(patron_store *s, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_prepare(s, "PRAGMA journal_mode = WAL", &st, err);
  if (ps != PATRON_OK)
    return ps;
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return patron__store_fail(s, rc, "switching to the WAL journal", err);
  return patron__store_exec(s, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                            "setting up", err);
}

/* A schema-less file read without writing (created by a run killed before its first commit):
 * an empty store, read from an empty in-memory schema. */
static patron_status open_empty(patron_store *s, patron_error *err) {
  sqlite3_close_v2(s->db);
  s->db = NULL;
  int rc = sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    return patron__store_fail(s, rc, "opening", err);
  patron_status st = PATRON_OK;
  for (int v = 0; st == PATRON_OK && v < PATRON_STORE_SCHEMA_VERSION; v++)
    st = patron__store_exec(s, migrations[v], "reading an empty store", err);
  return st;
}

patron_status patron_store_open(const char *path, const patron_store_options *opts,
                                patron_store **out, patron_error *err) {
  patron_store_options defaults;
  patron_store_options_init(&defaults);
  if (!opts)
    opts = &defaults;
  *out = NULL;
  patron_store *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) {
    free(s);
    return PATRON__OOM(err);
  }
  s->read_only = opts->read_only;
  s->busy_ms = opts->busy_ms > 0 ? opts->busy_ms : defaults.busy_ms;
  int64_t version = 0;
  patron_status st = open_db(s, err);
  if (st == PATRON_OK)
    st = check_schema(s, &version, err);
  if (st == PATRON_OK && s->read_only && version == 0)
    st = open_empty(s, err);
  if (st == PATRON_OK && !s->read_only)
    st = set_journal(s, err);
  if (st == PATRON_OK && !s->read_only && version < PATRON_STORE_SCHEMA_VERSION)
    st = migrate(s, version, err);
  if (st != PATRON_OK) {
    patron_store_close(s);
    return st;
  }
  *out = s;
  return PATRON_OK;
}

void patron_store_close(patron_store *s) {
  if (!s)
    return;
  patron_store_rollback(s);
  sqlite3_close_v2(s->db);
  free(s->path);
  free(s);
}

patron_status patron_store_begin(patron_store *s, patron_error *err) {
  if (s->in_tx)
    return patron__error_set(err, PATRON_ERR_USAGE, s->path, 0, 0, "transaction already open");
  patron_status st = patron__store_exec(s, "BEGIN IMMEDIATE", "starting a run", err);
  s->in_tx = st == PATRON_OK;
  return st;
}

patron_status patron_store_commit(patron_store *s, patron_error *err) {
  patron_status st = patron__store_need_tx(s, err);
  if (st == PATRON_OK)
    st = patron__store_exec(s, "COMMIT", "committing the run", err);
  if (st != PATRON_OK)
    patron_store_rollback(s);
  s->in_tx = false;
  return st;
}

void patron_store_rollback(patron_store *s) {
  if (s->in_tx && s->db)
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->in_tx = false;
}

patron_status patron_store_run_add(patron_store *s, const char *command, const char *as_of,
                                   const char *detail_json, int64_t *run_id, patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps = patron__store_prepare(
        s, "INSERT INTO runs (command, as_of, started, detail) VALUES (?, ?, ?, ?)", &st, err);
  if (ps != PATRON_OK)
    return ps;
  char now[32];
  patron__store_now(now);
  sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, as_of, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, detail_json, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return patron__store_fail(s, rc, "recording the run", err);
  *run_id = sqlite3_last_insert_rowid(s->db);
  return PATRON_OK;
}

patron_status patron_store_run_detail(patron_store *s, int64_t run_id, const char *detail_json,
                                      patron_error *err) {
  sqlite3_stmt *st;
  patron_status ps = patron__store_need_tx(s, err);
  if (ps == PATRON_OK)
    ps = patron__store_prepare(s, "UPDATE runs SET detail = ? WHERE id = ?", &st, err);
  if (ps != PATRON_OK)
    return ps;
  sqlite3_bind_text(st, 1, detail_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, run_id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? PATRON_OK : patron__store_fail(s, rc, "recording the run", err);
}
