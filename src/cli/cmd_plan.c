/* patron plan: one campaign and channel per customer from a campaign matrix (SPEC section
 * 11); `patron plan init` writes the seeds' default matrix. Prints the matrix as marketers
 * draw it (campaigns by group down, the rows' values across, fits in the cells) and the plan. */
#include "cli_outputs.h"
#include "cli_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron plan INPUTS --matrix FILE --out DIR [--quiet]\n"
    "       patron plan init --out FILE\n\n"
    "For each customer, the campaign of the matrix with the highest fit (>= 1) for their\n"
    "value of the matrix's rows (e.g. lifecycle; ties: file order) and its first channel the\n"
    "customer can be reached on (contact and consent from --customers: sms needs phone,\n"
    "email/edm an email, wechat a wechat_id, each with its consent not 0). Writes\n"
    "DIR/plan.csv (customer_id,row,campaign,fit,channel) and DIR/plan_summary.csv\n"
    "(row,campaign,customers) and prints the matrix and the plan. 'plan init' writes the\n"
    "default matrix (item, brand and VIP campaigns by active, silent, dormant, "
    "churned).\n\n" CLI_INPUT_USAGE "\nPlan:\n"
    "  --matrix FILE        the campaign matrix JSON (required)\n"
    "  --out DIR            output directory (or FILE for 'plan init'; required)\n"
    "  --quiet              print nothing but errors\n"
    "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE;

enum { OPT_MATRIX = CLI_OPT_FIRST_FREE, OPT_OUT, OPT_QUIET };

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"matrix", required_argument, NULL, OPT_MATRIX},
    {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

static int write_text(const char *command, const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  bool ok = f && fputs(text, f) >= 0;
  if (f)
    ok = fclose(f) == 0 && ok;
  if (!ok) {
    fprintf(stderr, "patron %s: %s: cannot write\n", command, path);
    return CLI_EXIT_FAIL;
  }
  printf("Wrote %s\n", path);
  return CLI_EXIT_OK;
}

/* The distinct values of the matrix's fits, in first-seen order. */
static size_t matrix_values(const patron_plan_matrix *m, const char **out, size_t cap) {
  size_t n = 0;
  for (size_t c = 0; c < m->n_campaigns; c++)
    for (size_t i = 0; i < m->campaigns[c].n_fits; i++) {
      const char *v = m->campaigns[c].fits[i].value;
      size_t k = 0;
      while (k < n && strcmp(out[k], v) != 0)
        k++;
      if (k == n && n < cap)
        out[n++] = v;
    }
  return n;
}

static void print_matrix(const patron_plan_matrix *m) {
  const char *values[64];
  size_t n = matrix_values(m, values, 64);
  printf("Campaign matrix (rows: %s; fit 0-4, best first)\n\n", m->rows);
  printf("%-8s %-24s %-20s", "group", "campaign", "channels");
  for (size_t i = 0; i < n; i++)
    printf(" %8s", values[i]);
  printf("\n");
  for (size_t c = 0; c < m->n_campaigns; c++) {
    const patron_plan_campaign *p = &m->campaigns[c];
    char channels[256] = "";
    for (size_t k = 0; k < p->n_channels; k++)
      snprintf(channels + strlen(channels), sizeof channels - strlen(channels), "%s%s",
               k ? "," : "", p->channels[k]);
    printf("%-8s %-24s %-20s", p->group ? p->group : "", p->name, channels);
    for (size_t i = 0; i < n; i++) {
      double f = 0;
      for (size_t k = 0; k < p->n_fits; k++)
        if (strcmp(p->fits[k].value, values[i]) == 0)
          f = p->fits[k].fit;
      printf(" %8s", f > 0 ? (f >= 4 ? "****" : f >= 3 ? "***" : f >= 2 ? "**" : "*") : "-");
    }
    printf("\n");
  }
}

static void print_plan(const patron_plan_matrix *m, const patron_plan_row *plan, size_t n,
                       const char *dir) {
  printf("\nPlan for %zu customers (customers per row value and campaign; channel none = no\n"
         "reachable channel)\n\n%-12s %-24s %10s %10s\n",
         n, "row", "campaign", "customers", "no channel");
  const char *values[64];
  size_t n_values = matrix_values(m, values, 64);
  for (size_t i = 0; i < n_values; i++)
    for (size_t c = 0; c < m->n_campaigns; c++) {
      size_t count = 0, none = 0;
      for (size_t r = 0; r < n; r++)
        if (plan[r].campaign == (long)c && strcmp(plan[r].row, values[i]) == 0) {
          count++;
          none += strcmp(plan[r].channel, "none") == 0;
        }
      if (count)
        printf("%-12s %-24s %10zu %10zu\n", values[i], m->campaigns[c].name, count, none);
    }
  size_t unplanned = 0;
  for (size_t r = 0; r < n; r++)
    unplanned += plan[r].campaign < 0;
  printf("%-12s %-24s %10zu\n", "(other)", "(no campaign)", unplanned);
  printf("\nWrote %s/plan.csv, plan_summary.csv\n", dir);
}

static int plan(cli_inputs *in, const char *matrix_path, const char *out,
                const patron_output_options *oo, bool quiet) {
  patron_error err = {0};
  patron_plan_matrix *m = NULL;
  if (patron_plan_matrix_load(matrix_path, &m, &err) != PATRON_OK)
    return cli_fail("plan", &err);
  cli_profile p;
  patron_contacts contacts = {0};
  int rc = cli_make_dir("plan", out)
               ? cli_profile_build("plan", in, PATRON_NO_DAY, cli_profile_spec_column(m->rows),
                                   false, (const char *const *)&m->rows, 1, &p)
               : CLI_EXIT_FAIL;
  if (rc != CLI_EXIT_OK) {
    patron_plan_matrix_free(m);
    return rc;
  }
  const patron_table *t = patron_profile_table_const(p.r.profile);
  const uint32_t *rows = patron_profile_customers(p.r.profile);
  patron_plan_row *pl = NULL;
  patron_status st = patron_contacts_load(&in->load, p.ds, &contacts, &err);
  if (st == PATRON_OK)
    st = patron_plan_compute(m, t, rows, &contacts, &pl, &err);
  if (st == PATRON_OK)
    st = patron_plan_write(m, t, pl, out, oo, &err);
  if (st == PATRON_OK && !quiet) {
    print_matrix(m);
    print_plan(m, pl, patron_table_n_rows(t), out);
  }
  rc = st == PATRON_OK ? CLI_EXIT_OK : cli_fail("plan", &err);
  free(pl);
  patron_contacts_free(&contacts);
  cli_profile_free(&p);
  patron_plan_matrix_free(m);
  return rc;
}

static int run(int argc, char **argv) {
  bool init = argc > 1 && strcmp(argv[1], "init") == 0;
  cli_inputs in;
  cli_inputs_init(&in);
  const char *matrix = NULL, *out = NULL;
  patron_output_options oo;
  patron_output_options_init(&oo);
  bool quiet = false;
  int opt, rc = CLI_EXIT_USAGE;
  optind = init ? 2 : 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':') {
      cli_bad_option("plan", opt, argv, long_options);
      goto done;
    }
    int handled = cli_inputs_option(&in, "plan", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&oo, opt);
    if (handled < 0)
      goto done;
    if (handled == 0 && opt == OPT_MATRIX)
      matrix = optarg;
    else if (handled == 0 && opt == OPT_OUT)
      out = optarg;
    else if (handled == 0 && opt == OPT_QUIET)
      quiet = true;
  }
  if (optind < argc) {
    cli_usage_error("plan", "unexpected argument '%s'", argv[optind]);
    goto done;
  }
  if (!out) {
    cli_usage_error("plan", "--out %s is required", init ? "FILE" : "DIR");
    goto done;
  }
  if (init) {
    rc = write_text("plan", out, patron_plan_matrix_default());
    goto done;
  }
  if (!cli_inputs_ready(&in, "plan"))
    goto done;
  if (!matrix) {
    cli_usage_error("plan", "--matrix FILE is required (patron plan init writes one)");
    goto done;
  }
  rc = plan(&in, matrix, out, &oo, quiet);
done:
  cli_inputs_free(&in);
  return rc;
}

const cli_command cli_cmd_plan = {
    "plan", run, "a campaign and channel per customer from a campaign matrix", usage};
