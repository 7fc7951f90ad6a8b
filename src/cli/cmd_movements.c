/* patron movements: who moved between two snapshots of the store, by one segmentation
 * (SPEC section 10): movements.csv, changes.csv and the from x to matrix on stdout. */
#include "cli_inputs.h"
#include "cli_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron movements --db FILE --from YYYY-MM-DD --to YYYY-MM-DD --by SEGMENTATION\n"
    "                        --out DIR\n\n"
    "Compares two snapshots recorded by 'patron analyze --db': for every customer of either,\n"
    "their value of SEGMENTATION (rfm_class, segment, lifecycle, abc_class, tier,\n"
    "member_level or any other column) in each. Writes DIR/movements.csv\n"
    "(from,to,customers,revenue; revenue = monetary in the 'to' snapshot) and\n"
    "DIR/changes.csv (customer_id,from,to,direction: up, down or changed), and prints the\n"
    "matrix. (none) = absent from a snapshot, (empty) = present with an empty value.\n\n"
    "  --db FILE        the store (required)\n"
    "  --from D, --to D the two snapshots' as-of dates (required)\n"
    "  --by NAME        the segmentation (required)\n"
    "  --out DIR        output directory (created when missing; required)\n"
    "  -h, --help       this help\n";

enum { OPT_DB = 1, OPT_FROM, OPT_TO, OPT_BY, OPT_OUT };

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},   {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},   {"by", required_argument, NULL, OPT_BY},
    {"out", required_argument, NULL, OPT_OUT}, {NULL, 0, NULL, 0},
};

typedef struct args {
  const char *db, *by, *out;
  int32_t from, to;
} args;

static size_t cell(const patron_movement *cells, size_t n, const char *f, const char *t) {
  for (size_t i = 0; i < n; i++)
    if (cells[i].from == f && cells[i].to == t)
      return cells[i].customers;
  return 0;
}

static void print_matrix(const args *a, const patron_movements *m) {
  size_t n_values, n_cells, n_changes;
  const char *const *v = patron_movements_values(m, &n_values);
  const patron_movement *cells = patron_movements_cells(m, &n_cells);
  const patron_change *changes = patron_movements_changes(m, &n_changes);
  char from[11], to[11];
  patron_format_day(a->from, from);
  patron_format_day(a->to, to);
  printf("Movements of %s from %s (rows) to %s (columns)\n\n", a->by, from, to);
  int w0 = 18;
  for (size_t i = 0; i < n_values; i++)
    w0 = (int)strlen(v[i]) > w0 ? (int)strlen(v[i]) : w0;
  printf("%-*s", w0, "");
  for (size_t j = 0; j < n_values; j++)
    printf(" %*s", (int)(strlen(v[j]) > 8 ? strlen(v[j]) : 8), v[j]);
  printf(" %10s\n", "total");
  for (size_t i = 0; i < n_values; i++) {
    size_t total = 0;
    printf("%-*s", w0, v[i]);
    for (size_t j = 0; j < n_values; j++) {
      size_t c = cell(cells, n_cells, v[i], v[j]);
      total += c;
      printf(" %*zu", (int)(strlen(v[j]) > 8 ? strlen(v[j]) : 8), c);
    }
    printf(" %10zu\n", total);
  }
  size_t by_dir[4] = {0};
  for (size_t i = 0; i < n_changes; i++)
    by_dir[changes[i].direction]++;
  printf("\nChanged: %zu customers (up %zu, down %zu, changed %zu)\n", n_changes,
         by_dir[PATRON_DIR_UP], by_dir[PATRON_DIR_DOWN], by_dir[PATRON_DIR_CHANGED]);
  printf("Wrote %s/movements.csv, changes.csv\n", a->out);
}

static patron_status compute(const args *a, patron_store *store, patron_error *err) {
  patron_snapshot *f = NULL, *t = NULL;
  patron_movements *m = NULL;
  const char *const names[] = {a->by, "monetary"}; /* the only columns movements read */
  patron_status st = patron_store_snapshot_load_columns(store, a->from, names, 2, &f, err);
  if (st == PATRON_OK)
    st = patron_store_snapshot_load_columns(store, a->to, names, 2, &t, err);
  if (st == PATRON_OK)
    st = patron_movements_compute(patron_snapshot_table(f), patron_snapshot_table(t), a->by, &m,
                                  err);
  if (st == PATRON_OK)
    st = patron_movements_write(m, a->out, err);
  if (st == PATRON_OK)
    print_matrix(a, m);
  patron_movements_free(m);
  patron_snapshot_free(t);
  patron_snapshot_free(f);
  return st;
}

static bool parse_args(int argc, char **argv, args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    switch (opt) {
    case OPT_DB: a->db = optarg; break;
    case OPT_BY: a->by = optarg; break;
    case OPT_OUT: a->out = optarg; break;
    case OPT_FROM:
      if (!cli_parse_day("movements", "--from", optarg, &a->from))
        return false;
      break;
    case OPT_TO:
      if (!cli_parse_day("movements", "--to", optarg, &a->to))
        return false;
      break;
    default: cli_bad_option("movements", opt, argv, long_options); return false;
    }
  }
  if (optind < argc)
    return cli_usage_error("movements", "unexpected argument '%s'", argv[optind]), false;
  const char *missing = !a->db                     ? "--db FILE"
                        : a->from == PATRON_NO_DAY ? "--from YYYY-MM-DD"
                        : a->to == PATRON_NO_DAY   ? "--to YYYY-MM-DD"
                        : !a->by                   ? "--by SEGMENTATION"
                        : !a->out                  ? "--out DIR"
                                                   : NULL;
  if (missing)
    return cli_usage_error("movements", "%s is required", missing), false;
  return true;
}

static int run(int argc, char **argv) {
  args a = {.from = PATRON_NO_DAY, .to = PATRON_NO_DAY};
  if (!parse_args(argc, argv, &a))
    return CLI_EXIT_USAGE;
  patron_store *store = cli_store_open("movements", a.db, true);
  if (!store)
    return CLI_EXIT_FAIL;
  int rc = CLI_EXIT_FAIL;
  patron_error err = {0};
  if (cli_make_dir("movements", a.out))
    rc = compute(&a, store, &err) == PATRON_OK ? CLI_EXIT_OK : cli_fail("movements", &err);
  patron_store_close(store);
  return rc;
}

const cli_command cli_cmd_movements = {"movements", run,
                                       "who moved between two snapshots, by a segmentation", usage};
