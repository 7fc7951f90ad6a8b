/* patron experiment: the subcommands shared between cmd_experiment.c and
 * cmd_experiment_eval.c. */
#ifndef PATRON_CMD_EXPERIMENT_H
#define PATRON_CMD_EXPERIMENT_H

#include "cli_inputs.h"

/* patron experiment evaluate (argv[0] = "evaluate"). */
int cli_experiment_evaluate(int argc, char **argv);

#endif
