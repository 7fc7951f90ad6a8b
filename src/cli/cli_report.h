/* The report's figures from a computed run (shared by `report` and `serve`). */
#ifndef PATRON_CLI_REPORT_H
#define PATRON_CLI_REPORT_H

#include "analysis.h"
#include "cli_store.h"

/* patron_report_data over the run's profile; with compare_days > 0 the movements compare it
 * with a profile built compare_days earlier from the same inputs. *json: free(). */
patron_status cli_report_json(cli_run *s, const patron_profile_options *opts, int compare_days,
                              char **json, patron_error *err);

/* Snapshots read back from a store: the latest `max` up to as_of (PATRON_NO_DAY: the
 * latest), oldest first. */
typedef struct cli_store_snaps {
  patron_snapshot **snaps;
  size_t n;
} cli_store_snaps;

/* Loads them; no snapshot at all (or none on or before as_of) is PATRON_ERR_INPUT naming the
 * store. Free with cli_store_snaps_free. */
patron_status cli_store_snaps_load(patron_store *store, int32_t as_of, size_t max,
                                   cli_store_snaps *out, patron_error *err);
void cli_store_snaps_free(cli_store_snaps *s);

/* patron_report_data over the last snapshot of s, with the one before it for movements. */
patron_status cli_report_json_store(const cli_store_snaps *s, char **json, patron_error *err);

#endif
