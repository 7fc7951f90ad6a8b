/* patron repurchase: repurchase cycles as of a date (include/patron/repurchase.h,
 * docs/REPURCHASE.md): per customer, per customer and category, per category. */
#include "cli_inputs.h"
#include "cli_load.h"
#include "cli_outputs.h"
#include "report_print.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char usage[] =
    "Usage: patron repurchase --orders FILE --out DIR [OPTIONS]\n\n"
    "Repurchase cycles as of a date: the median gap between a customer's purchase days,\n"
    "the next expected purchase date and whether it falls within the due window.\n"
    "Writes DIR/repurchase_customers.csv (one row per customer with a purchase) and, when\n"
    "the order lines have categories, DIR/repurchase_customer_categories.csv (one row per\n"
    "customer and category bought) and DIR/repurchase_categories.csv (median cycle, repeat\n"
    "buyers, share returning within twice the cycle). Definitions: "
    "docs/REPURCHASE.md.\n\n" CLI_INPUT_USAGE "\nFigures:\n"
    "  --out DIR            output directory (created when missing; required)\n"
    "  --due-days N         due when the expected date is within N days from as-of\n"
    "                       (default 14); earlier expected dates are 'overdue'\n"
    "  --fallback           customers with one purchase day take the median cycle of all\n"
    "                       customers (of the category); flagged in repurchase_cycle_source\n"
    "  --no-categories      per-customer cycles only (order lines are not kept: faster)\n"
    "  --quiet              no report on stdout\n"
    "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE;

enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_DUE_DAYS, OPT_FALLBACK, OPT_NO_CATEGORIES, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"due-days", required_argument, NULL, OPT_DUE_DAYS},
    {"fallback", no_argument, NULL, OPT_FALLBACK},
    {"no-categories", no_argument, NULL, OPT_NO_CATEGORIES},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct rp_args {
  cli_inputs inputs;
  patron_repurchase_options opts;
  const char *out;
  bool categories, quiet;
  patron_output_options output; /* --excel, --csv-formula-guard */
} rp_args;

typedef struct rp_run {
  patron_dataset *ds;
  patron_table *customers, *pairs, *report;
  int32_t as_of;
  double seconds[4]; /* load, customers, categories, write */
  int load_rc;       /* exit status of a failed load (already reported) */
} rp_run;

static bool own_option(rp_args *a, int opt, const char *arg) {
  long v;
  switch (opt) {
  case OPT_OUT: a->out = arg; return true;
  case OPT_DUE_DAYS:
    if (!cli_parse_long("repurchase", "--due-days", arg, 1, 100000, &v))
      return false;
    a->opts.due_days = (int)v;
    return true;
  case OPT_FALLBACK: a->opts.fallback = true; return true;
  case OPT_NO_CATEGORIES: a->categories = false; return true;
  case OPT_QUIET: a->quiet = true; return true;
  default: return cli_usage_error("repurchase", "unknown option"), false;
  }
}

static bool parse_args(int argc, char **argv, rp_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("repurchase", opt, argv, long_options), false;
    int handled = cli_inputs_option(&a->inputs, "repurchase", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("repurchase", "unexpected argument '%s'", argv[optind]), false;
  if (!cli_inputs_ready(&a->inputs, "repurchase"))
    return false;
  if (!a->out)
    return cli_usage_error("repurchase", "--out DIR is required"), false;
  return true;
}

static double lap(struct timespec *clock) {
  double s = cli_seconds_since(clock);
  clock_gettime(CLOCK_MONOTONIC, clock);
  return s;
}

static patron_status compute(rp_args *a, rp_run *r, patron_error *err) {
  struct timespec clock;
  clock_gettime(CLOCK_MONOTONIC, &clock);
  a->inputs.load.keep_lines = a->categories;
  a->inputs.load.progress = cli_progress;
  a->opts.n_threads = a->inputs.load.n_threads;
  a->opts.as_of_day = a->inputs.load.as_of_day;
  char rejects[4096];
  cli_path(rejects, sizeof rejects, a->out, "rejects.csv");
  if ((r->load_rc = cli_load("repurchase", &a->inputs.load, rejects, NULL, &r->ds)) != CLI_EXIT_OK)
    return PATRON_ERR_INPUT; /* already reported */
  r->seconds[0] = lap(&clock);
  patron_status st = patron_repurchase_customers(r->ds, &a->opts, &r->customers, &r->as_of, err);
  r->seconds[1] = lap(&clock);
  if (st == PATRON_OK && a->categories)
    st = patron_repurchase_categories(r->ds, &a->opts, &r->pairs, &r->report, err);
  r->seconds[2] = lap(&clock);
  return st;
}

static patron_status write_outputs(const rp_args *a, rp_run *r, patron_error *err) {
  struct timespec clock;
  clock_gettime(CLOCK_MONOTONIC, &clock);
  bool have_categories = r->report && patron_table_n_rows(r->report) > 0;
  const char *names[3] = {"repurchase_customers.csv", "repurchase_customer_categories.csv",
                          "repurchase_categories.csv"};
  /* without categories, stale category files of an earlier run are removed */
  const patron_table *tables[3] = {r->customers, have_categories ? r->pairs : NULL,
                                   have_categories ? r->report : NULL};
  patron_status st = patron_write_tables_csv(a->out, names, tables, 3, &a->output, r->ds, err);
  r->seconds[3] = lap(&clock);
  patron_timing t[4] = {{"load", r->seconds[0]},
                        {"customers", r->seconds[1]},
                        {"categories", r->seconds[2]},
                        {"write", r->seconds[3]}};
  char rejects[4096], path[4096];
  cli_path(rejects, sizeof rejects, a->out, "rejects.csv");
  if (st == PATRON_OK)
    st = cli_write_accounting_timed(r->ds, t, 4, rejects,
                                    cli_path(path, sizeof path, a->out, "summary.json"), err);
  return st;
}

/* Counts of each repurchase_status label in a table. */
static void status_counts(const patron_table *t, size_t counts[4]) {
  const patron_column *c = patron_table_find(t, "repurchase_status");
  const int32_t *code = c->data;
  for (size_t i = 0; i < 4; i++)
    counts[i] = 0;
  for (size_t r = 0; r < patron_table_n_rows(t); r++)
    if (code[r] >= 0 && code[r] < 4)
      counts[code[r]]++;
}

static void print_categories(const patron_table *t) {
  size_t n = patron_table_n_rows(t);
  if (n > 30) {
    printf("\n%zu categories: see repurchase_categories.csv\n", n);
    return;
  }
  const char *const *name = patron_table_find(t, "category")->data;
  const int64_t *buyers = patron_table_find(t, "buyers")->data;
  const int64_t *repeat = patron_table_find(t, "repeat_buyers")->data;
  const double *cycle = patron_table_find(t, "median_cycle_days")->data;
  const double *back = patron_table_find(t, "returned_within_2x_share")->data;
  const int64_t *due = patron_table_find(t, "due")->data;
  printf("\n%-20s %10s %10s %12s %14s %10s\n", "category", "buyers", "repeat", "cycle_days",
         "back_within_2x", "due");
  for (size_t r = 0; r < n; r++) {
    char c[32] = "-", b[32] = "-";
    if (!isnan(cycle[r]))
      snprintf(c, sizeof c, "%.2f", cycle[r]);
    if (!isnan(back[r]))
      snprintf(b, sizeof b, "%.1f%%", 100 * back[r]);
    cli_pad(stdout, name[r], 20, true);
    printf(" %10lld %10lld %12s %14s %10lld\n", (long long)buyers[r], (long long)repeat[r], c, b,
           (long long)due[r]);
  }
}

static void print_report(const rp_args *a, const rp_run *r) {
  if (a->quiet)
    return;
  static const char *const labels[4] = {"due", "overdue", "not_due", "unknown"};
  char day[16];
  patron_format_day(r->as_of, day);
  size_t counts[4], n = patron_table_n_rows(r->customers);
  status_counts(r->customers, counts);
  printf("Repurchase cycles as of %s (due window %d days): %zu customers with a purchase\n", day,
         a->opts.due_days, n);
  for (int i = 0; i < 4; i++)
    printf("  %-10s %10zu  %5.1f%%\n", labels[i], counts[i],
           n ? 100.0 * (double)counts[i] / (double)n : 0.0);
  if (r->report && patron_table_n_rows(r->report))
    print_categories(r->report);
  else if (a->categories)
    printf("\nNo categories in the order lines: per-customer cycles only\n");
  printf("\nTimings: load %.2f s, customers %.3f s, categories %.3f s, write %.2f s\n",
         r->seconds[0], r->seconds[1], r->seconds[2], r->seconds[3]);
}

static int run(int argc, char **argv) {
  rp_args a = {.categories = true};
  cli_inputs_init(&a.inputs);
  patron_repurchase_options_init(&a.opts);
  rp_run r = {0};
  patron_error err = {0};
  int rc = CLI_EXIT_USAGE;
  if (!parse_args(argc, argv, &a))
    goto done;
  rc = CLI_EXIT_FAIL;
  if (!cli_make_dir("repurchase", a.out))
    goto done;
  patron_status st = compute(&a, &r, &err);
  if (st == PATRON_OK)
    st = write_outputs(&a, &r, &err);
  if (st == PATRON_OK)
    print_report(&a, &r);
  rc = r.load_rc != CLI_EXIT_OK ? r.load_rc
       : st == PATRON_OK        ? CLI_EXIT_OK
                                : cli_fail("repurchase", &err);
done:
  patron_table_free(r.customers);
  patron_table_free(r.pairs);
  patron_table_free(r.report);
  patron_dataset_free(r.ds);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_repurchase = {
    "repurchase", run, "repurchase cycles, next purchase dates, due customers", usage};
