/* The output options every command that writes CSV shares: --excel (a UTF-8 byte-order
 * mark so Excel shows Chinese, and the formula guard) and --csv-formula-guard alone. */
#ifndef PATRON_CLI_OUTPUTS_H
#define PATRON_CLI_OUTPUTS_H

#include "cli.h"

#include <getopt.h>

enum {
  CLI_OPT_EXCEL = 1200, /* after the inputs (1000..), the commands' own and the clusters' */
  CLI_OPT_FORMULA_GUARD
};

/* clang-format off */
#define CLI_OUTPUT_LONG_OPTIONS                                                                    \
  {"excel", no_argument, NULL, CLI_OPT_EXCEL},                                                     \
  {"csv-formula-guard", no_argument, NULL, CLI_OPT_FORMULA_GUARD}
/* clang-format on */

#define CLI_OUTPUT_USAGE                                                                           \
  "Output files:\n"                                                                                \
  "  --excel              CSV for Excel: UTF-8 with a byte-order mark (Chinese shows\n"            \
  "                       right) and --csv-formula-guard\n"                                        \
  "  --csv-formula-guard  text cells starting with = + - @ TAB or CR get a leading ' so a\n"       \
  "                       spreadsheet never runs them as formulas (OWASP CSV injection)\n"

/* Handles one of the options above into o: 1 handled, 0 not ours. */
int cli_outputs_option(patron_output_options *o, int opt);

#endif
