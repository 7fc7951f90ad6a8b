/* The daily loop of the demo (SPEC sections 10-11): a second snapshot a month earlier,
 * the movements between the two, the campaign plan and (with the expression language) a
 * trigger run, each printed as the commands print them. */
#ifndef PATRON_CLI_DEMO_LOOP_H
#define PATRON_CLI_DEMO_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Runs after the demo's analysis recorded its snapshot in db. Returns the exit status. */
int cli_demo_loop(const char *out_dir, const char *db, const char *orders, const char *customers,
                  const char *events);

/* Runs a command from the table as a user would type it, echoing `$ patron ...` first. */
int cli_demo_run_command(const char *name, int argc, char **argv);
/* The latest snapshot's as-of day in the store at db; false when there is none. */
bool cli_demo_latest_as_of(const char *db, int32_t *day);

#endif
