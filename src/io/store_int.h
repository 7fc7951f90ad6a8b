/* Internal pieces of the store (SPEC section 10, docs/STORE.md): the handle, SQLite error
 * mapping and statement helpers shared by store.c, store_snapshot.c and store_log.c. */
#ifndef PATRON_STORE_INT_H
#define PATRON_STORE_INT_H

#include "core/core_int.h"
#include "patron/store.h"

#include <sqlite3.h>

/* Rows per blob of a column in snapshot_blocks (docs/STORE.md). */
#define PATRON__STORE_BLOCK 65536

struct patron_store {
  sqlite3 *db;
  char *path;
  bool in_tx;
  bool read_only;
  int busy_ms;
};

/* Records the SQLite error of rc (from s->db) as a patron error naming the store and what was
 * being done; returns the status. */
patron_status patron__store_fail(patron_store *s, int rc, const char *doing, patron_error *err);

/* Prepares sql; on failure records the error. */
patron_status patron__store_prepare(patron_store *s, const char *sql, sqlite3_stmt **st,
                                    patron_error *err);

/* Runs a statement that returns no rows (sqlite3_exec). */
patron_status patron__store_exec(patron_store *s, const char *sql, const char *doing,
                                 patron_error *err);

/* A write needs an open transaction (programming error otherwise: PATRON_ERR_USAGE). */
patron_status patron__store_need_tx(patron_store *s, patron_error *err);

/* The current UTC time as YYYY-MM-DDTHH:MM:SSZ into buf[32]. */
void patron__store_now(char buf[32]);

#endif
