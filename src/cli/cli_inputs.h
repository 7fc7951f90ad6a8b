/* The input options every data command shares (--orders, --customers, --events, --map,
 * --delimiter, --no-header, --columns, --date-format, --order-per-row, --strict, --as-of,
 * --threads), parsed into patron_load_options. */
#ifndef PATRON_CLI_INPUTS_H
#define PATRON_CLI_INPUTS_H

#include "cli.h"

#include <getopt.h>
#include <time.h>

enum {
  CLI_OPT_ORDERS = 1000,
  CLI_OPT_CUSTOMERS,
  CLI_OPT_EVENTS,
  CLI_OPT_MAP,
  CLI_OPT_DELIMITER,
  CLI_OPT_NO_HEADER,
  CLI_OPT_COLUMNS,
  CLI_OPT_DATE_FORMAT,
  CLI_OPT_ORDER_PER_ROW,
  CLI_OPT_STRICT,
  CLI_OPT_AS_OF,
  CLI_OPT_THREADS,
  CLI_OPT_MAX_FIELD_LINES,
  CLI_OPT_MAX_FIELD_BYTES,
  CLI_OPT_ENCODING,
  CLI_OPT_CACHE,
  CLI_OPT_FIRST_FREE /* commands number their own options from here */
};

#define CLI_INPUT_LONG_OPTIONS                                                                     \
  {"orders", required_argument, NULL, CLI_OPT_ORDERS},                                             \
      {"customers", required_argument, NULL, CLI_OPT_CUSTOMERS},                                   \
      {"events", required_argument, NULL, CLI_OPT_EVENTS},                                         \
      {"map", required_argument, NULL, CLI_OPT_MAP},                                               \
      {"delimiter", required_argument, NULL, CLI_OPT_DELIMITER},                                   \
      {"no-header", no_argument, NULL, CLI_OPT_NO_HEADER},                                         \
      {"columns", required_argument, NULL, CLI_OPT_COLUMNS},                                       \
      {"date-format", required_argument, NULL, CLI_OPT_DATE_FORMAT},                               \
      {"order-per-row", no_argument, NULL, CLI_OPT_ORDER_PER_ROW},                                 \
      {"strict", no_argument, NULL, CLI_OPT_STRICT},                                               \
      {"as-of", required_argument, NULL, CLI_OPT_AS_OF},                                           \
      {"max-field-lines", required_argument, NULL, CLI_OPT_MAX_FIELD_LINES},                       \
      {"max-field-bytes", required_argument, NULL, CLI_OPT_MAX_FIELD_BYTES},                       \
      {"encoding", required_argument, NULL, CLI_OPT_ENCODING},                                     \
      {"cache", required_argument, NULL, CLI_OPT_CACHE}, {                                         \
    "threads", required_argument, NULL, CLI_OPT_THREADS                                            \
  }

/* Usage text for the shared options (for each command's --help). */
#define CLI_INPUT_USAGE                                                                            \
  "Input:\n"                                                                                       \
  "  --orders FILE        order lines (required): customer_id, order_id, order_time, amount\n"     \
  "                       (or quantity and unit_price), optional category, brand, channel...\n"    \
  "  --customers FILE     members: customer_id, optional gender, birth_date, city,\n"              \
  "                       signup_date, level (members without orders are prospects)\n"             \
  "  --events FILE        behaviour: customer_id, event_time, event_type, optional item_id,\n"     \
  "                       category\n"                                                              \
  "  --map [FILE.]NAME=HEADER  find column NAME under HEADER (repeatable; FILE is orders,\n"       \
  "                       customers or events to map in one file only; a file without\n"           \
  "                       HEADER is an error)\n"                                                   \
  "  --delimiter D        comma, tab, semicolon, pipe, whitespace (runs of blanks) or one\n"       \
  "                       character (default: tab for .tsv files, else comma)\n"                   \
  "  --no-header          files have no header row; name the columns with --columns\n"             \
  "  --columns A,B,...    column names by position (use with --no-header)\n"                       \
  "  --date-format FMT    strptime-style layout, e.g. '%m/%d/%Y %H:%M' or '%Y%m%d'\n"              \
  "  --order-per-row      there is no order_id: each row is one order\n"                           \
  "  --strict             stop at the first bad row (FILE:LINE: reason) instead of\n"              \
  "                       writing it to rejects.csv\n"                                             \
  "  --as-of YYYY-MM-DD   compute as of this day: rows from this day on are ignored\n"             \
  "                       (default: the day after the latest order)\n"                             \
  "  --threads N          worker threads (default: all cores)\n"                                   \
  "  --max-field-lines N  line breaks a quoted field may hold (default 100); a longer one is\n"    \
  "                       a stray quote: its line is rejected (runaway_quote), reading goes on\n"  \
  "  --max-field-bytes N  bytes a quoted field may hold (default 65536, at most 1048576)\n"        \
  "  --encoding [FILE=]ENC  the files' text encoding (gbk, gb18030, latin1, ... any iconv\n"       \
  "                       name; default UTF-8); FILE is orders, customers, events or summary\n"    \
  "                       to set one file's (repeatable)\n"                                        \
  "  --cache DIR          keep the loaded files in DIR and read them back while the files and\n"   \
  "                       options stay the same (docs/CACHE.md; same results either way)\n"        \
  "  FILE may be - (standard input), a pipe or a gzip-compressed file (.gz)\n"

typedef struct cli_inputs {
  patron_load_options load;
  const char **maps;
  size_t n_maps;
  const char **encodings;
  size_t n_encodings;
} cli_inputs;

void cli_inputs_init(cli_inputs *in);
void cli_inputs_free(cli_inputs *in);
/* Handles one shared option. Returns 1 when handled, 0 when not one of ours, -1 on a usage
 * error (already printed). */
int cli_inputs_option(cli_inputs *in, const char *command, int opt, const char *arg);
/* Checks what every command needs (an orders file); prints a usage error when not. */
bool cli_inputs_ready(cli_inputs *in, const char *command);

/* Creates DIR (and its parents) when missing; prints an error naming it when it cannot. */
bool cli_make_dir(const char *command, const char *dir);
/* DIR/NAME into buf. */
const char *cli_path(char *buf, size_t cap, const char *dir, const char *name);
double cli_seconds_since(const struct timespec *start);

#endif
