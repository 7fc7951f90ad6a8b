/* Shared by `patron churn` and `patron propensity` (same flags, different label). */
#ifndef PATRON_CLI_CMD_CHURN_H
#define PATRON_CLI_CMD_CHURN_H

#include "cli.h"

/* `patron COMMAND train|score ...`; argv[0] is the command name. */
int cli_churn_main(const char *command, patron_churn_task task, int argc, char **argv);

#endif
