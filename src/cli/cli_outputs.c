/* The output options shared by the commands that write CSV (see cli_outputs.h). */
#include "cli_outputs.h"

int cli_outputs_option(patron_output_options *o, int opt) {
  switch (opt) {
  case CLI_OPT_EXCEL: patron_output_options_excel(o); return 1;
  case CLI_OPT_FORMULA_GUARD: o->formula_guard = true; return 1;
  default: return 0;
  }
}
