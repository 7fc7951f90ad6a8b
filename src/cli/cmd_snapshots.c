/* patron snapshots: the snapshots recorded in a store (SPEC section 10), one line each. */
#include "cli_store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
    "Usage: patron snapshots --db FILE [--as-of YYYY-MM-DD --out FILE.csv]\n\n"
    "Lists the snapshots in the store: as_of, customers, purchasers, revenue, created.\n"
    "With --as-of and --out, writes that snapshot's profile table back as CSV (the same\n"
    "bytes as the profiles.csv of the run that recorded it).\n\n"
    "  --db FILE     the SQLite store written by 'patron analyze --db' (required)\n"
    "  --as-of D     the snapshot to export\n"
    "  --out FILE    where to write it\n"
    "  -h, --help    this help\n";

enum { OPT_DB = 1, OPT_AS_OF, OPT_OUT };

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"as-of", required_argument, NULL, OPT_AS_OF},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

static int list(patron_store *store) {
  patron_snapshot_info *info = NULL;
  size_t n = 0;
  patron_error err = {0};
  if (patron_store_snapshots(store, &info, &n, &err) != PATRON_OK)
    return cli_fail("snapshots", &err);
  printf("%-10s  %12s  %12s  %18s  %s\n", "as_of", "customers", "purchasers", "revenue", "created");
  for (size_t i = 0; i < n; i++) {
    char day[11], money[32];
    patron_format_day(info[i].as_of, day);
    patron_format_money(info[i].revenue, money);
    printf("%-10s  %12zu  %12zu  %18s  %s\n", day, info[i].customers, info[i].purchasers, money,
           info[i].created);
  }
  if (n == 0)
    printf("(no snapshots yet: record one with patron analyze --db)\n");
  free(info);
  return CLI_EXIT_OK;
}

static int export(patron_store *store, int32_t as_of, const char *out) {
  patron_snapshot *snap = NULL;
  patron_error err = {0};
  patron_status st = patron_store_snapshot_load(store, as_of, &snap, &err);
  if (st == PATRON_OK)
    st = patron_write_table_csv(patron_snapshot_table(snap), out, &err);
  patron_snapshot_free(snap);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("snapshots", &err);
}

static int run(int argc, char **argv) {
  const char *db = NULL, *out = NULL;
  int32_t as_of = PATRON_NO_DAY;
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == OPT_DB)
      db = optarg;
    else if (opt == OPT_OUT)
      out = optarg;
    else if (opt == OPT_AS_OF) {
      if (!cli_parse_day("snapshots", "--as-of", optarg, &as_of))
        return CLI_EXIT_USAGE;
    } else
      return cli_bad_option("snapshots", opt, argv, long_options);
  }
  if (optind < argc)
    return cli_usage_error("snapshots", "unexpected argument '%s'", argv[optind]);
  if (!db)
    return cli_usage_error("snapshots", "--db FILE is required");
  if ((as_of == PATRON_NO_DAY) != (out == NULL))
    return cli_usage_error("snapshots", "--as-of and --out go together");
  patron_store *store = cli_store_open("snapshots", db, true);
  if (!store)
    return CLI_EXIT_FAIL;
  int rc = out ? export(store, as_of, out) : list(store);
  patron_store_close(store);
  return rc;
}

const cli_command cli_cmd_snapshots = {"snapshots", run, "list the snapshots in a store", usage};
