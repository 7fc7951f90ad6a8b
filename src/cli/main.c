/* patron: the command-line entry point. Dispatches to a command from the table. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void print_overview(FILE *out) {
  fprintf(out,
          "patron %s - customer value engine\n\n"
          "Usage: patron COMMAND [OPTIONS]\n\nCommands:\n",
          PATRON_VERSION_STRING);
  for (const cli_command *const *c = cli_commands; *c; c++)
    fprintf(out, "  %-12s %s\n", (*c)->name, (*c)->summary);
  fprintf(out, "\nRun 'patron COMMAND --help' for a command's options. Every command also takes\n"
               "--config FILE: lines 'option = value' (long option names without dashes), the\n"
               "command line overriding the file.\n");
}

static bool asks_for_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      return false;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return true;
  }
  return false;
}

/* A report that could not be written (a full disk, a closed pipe) is a failed run. */
static int check_stdout(const char *name, int rc) {
  if (fflush(stdout) == 0 && !ferror(stdout))
    return rc;
  fprintf(stderr, "patron%s%s: cannot write to standard output: %s\n", *name == '-' ? "" : " ",
          *name == '-' ? "" : name, strerror(errno));
  return rc != CLI_EXIT_OK ? rc : CLI_EXIT_FAIL;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    print_overview(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    print_overview(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("patron %s\n", PATRON_VERSION_STRING);
    return CLI_EXIT_OK;
  }
  const cli_command *cmd = cli_find_command(name);
  if (!cmd) {
    fprintf(stderr, "patron: unknown command '%s'\n\n", name);
    print_overview(stderr);
    return CLI_EXIT_USAGE;
  }
  if (asks_for_help(argc - 1, argv + 1)) {
    fputs(cmd->usage, stdout);
    return CLI_EXIT_OK;
  }
  int cmd_argc = argc - 1;
  char **cmd_argv = argv + 1;
  int rc = cli_config_expand(cmd->name, cmd->usage, &cmd_argc, &cmd_argv);
  if (rc == CLI_EXIT_OK)
    rc = cmd->run(cmd_argc, cmd_argv);
  cli_config_release();
  return rc;
}

int main(int argc, char **argv) {
  if (argc > 1 && !asks_for_help(argc, argv))
    cli_heap_hugepages(argv);
  int rc = dispatch(argc, argv);
  return check_stdout(argc > 1 ? argv[1] : "", rc);
}
