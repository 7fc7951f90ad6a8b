/* The command table: one row per subcommand. `patron --help` and the README's command list
 * are made from (and tested against) this table. */
#include "cli.h"

#include <string.h>

extern const cli_command cli_cmd_analyze;
extern const cli_command cli_cmd_gen;
extern const cli_command cli_cmd_demo;
extern const cli_command cli_cmd_clv;
extern const cli_command cli_cmd_repurchase;
extern const cli_command cli_cmd_cluster;
extern const cli_command cli_cmd_churn;
extern const cli_command cli_cmd_propensity;
extern const cli_command cli_cmd_experiment;
extern const cli_command cli_cmd_audience;

const cli_command *const cli_commands[] = {
    &cli_cmd_analyze,    &cli_cmd_gen,      &cli_cmd_demo,  &cli_cmd_clv,
    &cli_cmd_repurchase, &cli_cmd_cluster,  &cli_cmd_churn, &cli_cmd_propensity,
    &cli_cmd_experiment, &cli_cmd_audience, NULL,
};

const cli_command *cli_find_command(const char *name) {
  for (const cli_command *const *c = cli_commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}
