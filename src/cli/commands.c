/* The command table: one row per subcommand, listed in commands.def (one line each, so
 * branches that add commands merge cleanly). `patron --help` and the README's command list
 * are made from (and tested against) this table. */
#include "cli.h"

#include <string.h>

#define CLI_COMMAND(name) extern const cli_command cli_cmd_##name;
#include "commands.def"
#undef CLI_COMMAND

const cli_command *const cli_commands[] = {
#define CLI_COMMAND(name) &cli_cmd_##name,
#include "commands.def"
#undef CLI_COMMAND
    NULL,
};

const cli_command *cli_find_command(const char *name) {
  for (const cli_command *const *c = cli_commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}
