/* The report's figures from a computed run (shared by `report` and `serve`). */
#ifndef PATRON_CLI_REPORT_H
#define PATRON_CLI_REPORT_H

#include "analysis.h"

/* patron_report_data over the run's profile; with compare_days > 0 the movements compare it
 * with a profile built compare_days earlier from the same inputs. *json: free(). */
patron_status cli_report_json(cli_run *s, const patron_profile_options *opts, int compare_days,
                              char **json, patron_error *err);

#endif
