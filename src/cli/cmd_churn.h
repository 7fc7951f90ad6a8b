/* Shared by `patron churn` and `patron propensity` (same flags, different label), and the
 * hook `patron analyze --churn-model DIR` uses to add the score column. */
#ifndef PATRON_CLI_CMD_CHURN_H
#define PATRON_CLI_CMD_CHURN_H

#include "cli.h"

/* `patron COMMAND train|score ...`; argv[0] is the command name. */
int cli_churn_main(const char *command, patron_churn_task task, int argc, char **argv);

/* Model directory I/O: DIR/schema.json + DIR/model.json. */
patron_status cli_churn_model_read(const char *dir, patron_churn_model **out, patron_error *err);

/* Loads the model in dir and appends its score column to the profile's table (rows
 * outside the model's population get none). */
patron_status cli_churn_add_column(const char *dir, const patron_dataset *ds,
                                   patron_profile *profile, patron_error *err);

#endif
