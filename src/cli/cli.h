/* The CLI's shared pieces: the command table entry, usage/failure reporting, the progress
 * bar. Commands use only the public library API (include/patron). */
#ifndef PATRON_CLI_H
#define PATRON_CLI_H

#include "patron/patron.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (SPEC section 5). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

typedef struct cli_command {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
  const char *summary;               /* one line for `patron --help` */
  const char *usage;                 /* full text for `patron NAME --help` */
} cli_command;

/* The command table (commands.c), NULL-terminated. */
extern const cli_command *const cli_commands[];
const cli_command *cli_find_command(const char *name);

/* Print "patron NAME: message" and a hint to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct option;
/* A getopt_long error (opt '?' or ':') as a usage error naming argv[optind - 1]: "missing
 * value for" it, or "unknown option" with the nearest of long_options' names when one is
 * close ("did you mean '--out'?"). Returns CLI_EXIT_USAGE. */
int cli_bad_option(const char *command, int opt, char **argv, const struct option *long_options);

/* Executes the program again with glibc's malloc asking for transparent huge pages, when
 * the kernel gives them only on request (cli_heap.c); returns when it does not. */
void cli_heap_hugepages(char **argv);

/* Print a library error as "patron NAME: FILE:LINE: message"; returns CLI_EXIT_FAIL. */
int cli_fail(const char *command, const patron_error *err);
/* Print a run's warnings on stderr, one "patron NAME: warning: ..." line each. */
void cli_print_warnings(const char *command, const patron_run *run);

/* Parse helpers for flag values; on failure they print a usage error naming the flag. */
bool cli_parse_long(const char *command, const char *flag, const char *text, long min, long max,
                    long *out);
bool cli_parse_double(const char *command, const char *flag, const char *text, double *out);
/* YYYY-MM-DD into days since 1970-01-01. */
bool cli_parse_day(const char *command, const char *flag, const char *text, int32_t *out);

/* Writes text to f with control characters other than line breaks and tabs escaped (\xHH),
 * so bytes echoed from input files cannot drive the terminal. */
void cli_print_escaped(FILE *f, const char *text);

/* --config FILE (SPEC section 16, cli_config.c): replaces *argc and *argv (argv[0] is the
 * command) by the file's options followed by the command line's, the command line
 * overriding the file. Returns CLI_EXIT_OK or an exit status (message printed). */
int cli_config_expand(const char *command, const char *usage, int *argc, char ***argv);
/* Frees what cli_config_expand allocated (after the command has run). */
void cli_config_release(void);

/* Progress reporting for long steps: a bar on stderr when it is a terminal, else nothing. */
void cli_progress(void *ctx, const char *stage, double fraction);

#endif
