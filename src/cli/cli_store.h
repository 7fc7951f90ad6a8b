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

/* Reads a whole small text file (NUL-terminated, malloc'ed) or NULL. */
char *cli_read_text(const char *path);

#endif
