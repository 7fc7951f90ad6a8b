/* `patron reduce`: the reduce step of the streaming contract (SPEC 15, docs/SCALE.md). */
#include "cli.h"
#include "patron/stream.h"

#include <string.h>

static const char usage[] =
    "Usage: patron reduce [--no-counters] < SORTED_ROWS > CUSTOMERS\n"
    "\n"
    "The reduce step of the streaming contract (docs/SCALE.md). Reads patron map's lines\n"
    "sorted by customer_id in byte order (LC_ALL=C sort -t$'\\t' -k1,1; any partition that\n"
    "keeps each customer's lines in one reducer) and writes one tab-separated line per\n"
    "customer:\n"
    "  customer_id TAB first_purchase TAB last_purchase TAB frequency TAB monetary TAB aov\n"
    "(\\N when the customer has no purchase), then its partial summary and the merged\n"
    "counts under an empty key. Give every reducer's output to patron finalize.\n";

static int run(int argc, char **argv) {
  bool counters = true;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-counters") == 0)
      counters = false;
    else
      return cli_usage_error("reduce", "unknown argument '%s' (the rows come on stdin)", argv[i]);
  }
  patron_error err = {0};
  return patron_stream_reduce(stdin, stdout, counters ? stderr : NULL, &err) == PATRON_OK
             ? CLI_EXIT_OK
             : cli_fail("reduce", &err);
}

const cli_command cli_cmd_reduce = {"reduce", run,
                                    "streaming reduce step: sorted rows to customer lines", usage};
