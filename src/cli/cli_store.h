/* The CLI's use of the store (SPEC section 10): opening it with clear errors and recording an
 * analyze run's snapshot in one transaction. */
#ifndef PATRON_CLI_STORE_H
#define PATRON_CLI_STORE_H

#include "cli.h"

/* Opens the store at path (read_only: never create or write); prints the error and returns
 * NULL on failure. Busy timeout from PATRON_BUSY_TIMEOUT_MS when set (docs/STORE.md). */
patron_store *cli_store_open(const char *command, const char *path, bool read_only);

/* Records the run's snapshot (its profile, segments rows and DIR/summary.json) as one run
 * of command; the store is left as it was on failure. */
patron_status cli_store_snapshot(patron_store *store, const char *command,
                                 const patron_pipeline_results *r, const char *out_dir,
                                 patron_error *err);

/* previous()/moved() for a --where (SPEC 6) from a store opened read only (--db). */
typedef struct cli_history {
  bool on;             /* --db given */
  patron_store *store; /* NULL: no --db, or one not created yet (every previous() null) */
  patron_history *h;
  patron_expr_function fns[2];
} cli_history;

/* Opens db read only (NULL: no history, previous() unknown); a db that does not exist is an
 * error unless may_be_new (a command that creates it afterwards). */
patron_status cli_history_open(const char *db, bool may_be_new, cli_history *hi, patron_error *err);
/* Sets *functions, *n_functions to previous()/moved() over p's table (left as they are when
 * no store was opened); they live until cli_history_close. */
patron_status cli_history_attach(cli_history *hi, const patron_profile *p,
                                 const patron_expr_function **functions, size_t *n_functions,
                                 patron_error *err);
void cli_history_close(cli_history *hi);

/* Reads a whole small text file (NUL-terminated, malloc'ed) or NULL. */
char *cli_read_text(const char *path);

#endif
