/* The feature dump shared by the churn and propensity commands (cmd_churn_io.c). */
#ifndef PATRON_CLI_CMD_CHURN_INT_H
#define PATRON_CLI_CMD_CHURN_INT_H

#include "cli.h"

/* customer_id, cutoff, set (train/valid), label, then every schema column (empty = missing). */
patron_status cli_churn_dump_features(const char *path, const patron_dataset *ds,
                                      const patron_churn_trainset *ts, patron_error *err);

#endif
