/* `patron map`: the map step of the streaming contract (SPEC 15, docs/SCALE.md). */
#include "cli_inputs.h"
#include "patron/stream.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] =
    "Usage: patron map [OPTIONS] < SPLIT > ROWS\n"
    "\n"
    "The map step of the streaming contract (Hadoop Streaming, Hive/Spark TRANSFORM, Spark\n"
    "rdd.pipe; docs/SCALE.md). Reads any split of an orders file on stdin, with or without\n"
    "its header row, and writes one tab-separated line per usable row:\n"
    "  customer_id TAB order_id TAB epoch_seconds TAB amount\n"
    "then one counts line with an empty key. Bad rows are counted by reason (as analyze\n"
    "does); counters go to stderr as reporter:counter:patron,NAME,N.\n"
    "\n"
    "Options:\n"
    "  --columns A,B,...    column names by position, for splits without the header (a line\n"
    "                       equal to them is skipped as the header)\n"
    "  --map NAME=HEADER    find column NAME under HEADER (repeatable)\n"
    "  --delimiter D        comma (default), tab, semicolon, pipe or one character\n"
    "  --date-format FMT    strptime-style layout of order_time\n"
    "  --order-per-row      there is no order_id: each row is one order\n"
    "  --as-of YYYY-MM-DD   rows from this day on are counted (after_as_of) and dropped;\n"
    "                       give finalize the same date\n"
    "  --strict             stop at the first bad row (exit 1)\n"
    "  --hive-nulls         a field that is exactly \\N (Hive's and Spark's NULL) is empty\n"
    "  --no-counters        no reporter:counter lines on stderr\n";

enum { OPT_NO_COUNTERS = CLI_OPT_FIRST_FREE, OPT_HIVE_NULLS };

static int run(int argc, char **argv) {
  static const struct option long_options[] = {CLI_INPUT_LONG_OPTIONS,
                                               {"no-counters", no_argument, NULL, OPT_NO_COUNTERS},
                                               {"hive-nulls", no_argument, NULL, OPT_HIVE_NULLS},
                                               {NULL, 0, NULL, 0}};
  cli_inputs in;
  cli_inputs_init(&in);
  bool counters = true, hive_nulls = false;
  int opt, rc = CLI_EXIT_USAGE;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':') {
      cli_bad_option("map", opt, argv, long_options);
      goto done;
    }
    if (opt == OPT_NO_COUNTERS || opt == OPT_HIVE_NULLS) {
      counters = counters && opt != OPT_NO_COUNTERS;
      hive_nulls = hive_nulls || opt == OPT_HIVE_NULLS;
      continue;
    }
    if (cli_inputs_option(&in, "map", opt, optarg) != 1) {
      if (opt >= CLI_OPT_ORDERS && opt < CLI_OPT_FIRST_FREE)
        cli_usage_error("map", "option '%s' does not apply to map", argv[optind - 1]);
      goto done;
    }
  }
  if (optind < argc) {
    cli_usage_error("map", "unexpected argument '%s' (the split comes on stdin)", argv[optind]);
    goto done;
  }
  patron_error err = {0};
  rc = patron_stream_map(stdin, "<stdin>", stdout, &in.load, hive_nulls, counters ? stderr : NULL,
                         &err) == PATRON_OK
           ? CLI_EXIT_OK
           : cli_fail("map", &err);
done:
  cli_inputs_free(&in);
  return rc;
}

const cli_command cli_cmd_map = {"map", run, "streaming map step: an orders split to TSV rows",
                                 usage};
