/* The BG/BB branch of `patron clv` (cmd_clv_bgbb.c): discrete-time models on a
 * recency/frequency table (Fader, Hardie & Shang 2010). */
#ifndef PATRON_CMD_CLV_BGBB_H
#define PATRON_CMD_CLV_BGBB_H

#include "cli.h"

#include <stdbool.h>

/* True when `patron clv fit|predict ...` asks for the BG/BB model: fit with --model bgbb,
 * predict with --model naming a BG/BB model.json. argv[1] is the subcommand. */
bool cli_clv_bgbb_wanted(int argc, char **argv);
/* Runs it; returns the exit status (0, 1 bad input or failed run, 2 usage). */
int cli_clv_bgbb_run(int argc, char **argv);

#endif
