/* Loading for every command that reads input files: the same accounting everywhere
 * (rejects.csv, summary.json with rows read = used + rejected) and a clear failure when no
 * order row survives the loader. */
#ifndef PATRON_CLI_LOAD_H
#define PATRON_CLI_LOAD_H

#include "cli.h"

/* Loads the files. When every order row was rejected, prints the file, the top reasons
 * with an example line and a hint, writes the rejects to rejects_path (unless NULL) and
 * fails. Implausible dates are warned about: into run's warnings (summary.json, printed by
 * the caller) when run is not NULL, else on stderr. Returns CLI_EXIT_OK (and *out) or the
 * exit status, the failure already printed. */
int cli_load(const char *command, const patron_load_options *o, const char *rejects_path,
             patron_run *run, patron_dataset **out);

/* Writes rejects.csv (or removes a stale one) and summary.json with the run's timings and
 * warnings (profile may be NULL: then only the inputs, as-of, timings and warnings). */
patron_status cli_write_accounting(const patron_dataset *ds, const patron_profile *profile,
                                   patron_run *run, const char *rejects_path,
                                   const char *summary_path, patron_error *err);

/* The same for a command without a run: timings (not owned) and no other warnings. */
patron_status cli_write_accounting_timed(const patron_dataset *ds, patron_timing *timings,
                                         size_t n_timings, const char *rejects_path,
                                         const char *summary_path, patron_error *err);

/* PATH of a file beside a score file: scores.csv -> scores.NAME (e.g. scores.rejects.csv). */
const char *cli_sibling_path(char *buf, size_t cap, const char *file, const char *name);

#endif
