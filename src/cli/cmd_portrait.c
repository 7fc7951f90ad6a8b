/* patron portrait: who is in a group against all customers (SPEC section 17, 用户画像):
 * portrait.csv (TGI per dimension and value), affinity.csv (category and brand spend),
 * stats.csv (quartiles), and the summary a marketer reads (per group, per dimension the
 * values with the highest TGI among those holding at least 5% of the group). */
#include "cli_inputs.h"
#include "cli_outputs.h"
#include "cli_profile.h"
#include "cli_store.h"
#include "cli_tags.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron portrait --orders FILE [--customers FILE] [--events FILE]\n"
    "                       (--where EXPR | --by SEGMENTATION) --out DIR [OPTIONS]\n"
    "Describes one group (the customers for whom EXPR is true) or one group per value of a\n"
    "segmentation against the base of all customers: portrait.csv (share and target group\n"
    "index, TGI = 100 x share / base share, per dimension and value), affinity.csv (the same\n"
    "over category and brand spend in the tag window) and stats.csv (mean and "
    "quartiles).\n\n" CLI_INPUT_USAGE "\nPortrait:\n"
    "  --where EXPR         one group: a condition (docs/EXPRESSIONS.md)\n"
    "  --by SEGMENTATION    one group per value of a segmentation column (rfm_class, tier,\n"
    "                       lifecycle, ...) or of gender, city, level\n"
    "  --name NAME          the --where group's name (default: the expression)\n"
    "  --out DIR            the output directory (required)\n"
    "  --top N              values printed per dimension (default 3)\n"
    "  --lang en|zh         printed labels in English (default) or Chinese\n"
    "  --db STORE           the store (read only): previous(column) and moved(column) in\n"
    "                       --where, and the level_warning column (SPEC 6, 10)\n"
    "  --quiet              no summary on stdout\n"
    "  -h, --help           this help\n" CLI_TAGS_USAGE "\n" CLI_OUTPUT_USAGE;

enum {
  OPT_WHERE = CLI_OPT_FIRST_FREE,
  OPT_BY,
  OPT_NAME,
  OPT_OUT,
  OPT_TOP,
  OPT_LANG,
  OPT_DB,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    CLI_TAGS_LONG_OPTIONS,
    {"where", required_argument, NULL, OPT_WHERE},
    {"by", required_argument, NULL, OPT_BY},
    {"name", required_argument, NULL, OPT_NAME},
    {"out", required_argument, NULL, OPT_OUT},
    {"top", required_argument, NULL, OPT_TOP},
    {"lang", required_argument, NULL, OPT_LANG},
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct portrait_args {
  cli_inputs inputs;
  patron_tags_options tags;
  patron_portrait_options po;
  const char *out, *db;
  patron_output_options output; /* --excel, --csv-formula-guard */
  long top;
  bool zh, quiet;
} portrait_args;

static bool own_option(portrait_args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_WHERE: a->po.where = arg; return true;
  case OPT_BY: a->po.by = arg; return true;
  case OPT_NAME: a->po.group_name = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_TOP: return cli_parse_long("portrait", "--top", arg, 1, 100, &a->top);
  case OPT_LANG:
    if (strcmp(arg, "en") != 0 && strcmp(arg, "zh") != 0)
      return cli_usage_error("portrait", "--lang must be en or zh, not '%s'", arg), false;
    a->zh = strcmp(arg, "zh") == 0;
    return true;
  case OPT_QUIET: a->quiet = true; return true;
  case OPT_DB: a->db = arg; return true;
  default: return cli_usage_error("portrait", "unknown option"), false;
  }
}

static int parse(portrait_args *a, int argc, char **argv) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("portrait", opt, argv, long_options);
    int handled = cli_inputs_option(&a->inputs, "portrait", opt, optarg);
    if (handled == 0)
      handled = cli_tags_option(&a->tags, "portrait", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("portrait", "unexpected argument '%s'", argv[optind]);
  if (!cli_inputs_ready(&a->inputs, "portrait"))
    return CLI_EXIT_USAGE;
  if (!a->po.where == !a->po.by)
    return cli_usage_error("portrait", "give one of --where EXPR or --by SEGMENTATION");
  if (!a->out)
    return cli_usage_error("portrait", "--out DIR is required");
  return CLI_EXIT_OK;
}

/* Columns of a portrait-like table (portrait.csv, affinity.csv). */
typedef struct view {
  const char *const *group, *const *name, *const *value;
  const double *share, *tgi;
  size_t n;
} view;

static view view_of(const patron_table *t, const char *name_col, const char *share_col) {
  return (view){patron_table_find(t, "group")->data, patron_table_find(t, name_col)->data,
                patron_table_find(t, "value")->data, patron_table_find(t, share_col)->data,
                patron_table_find(t, "tgi")->data,   patron_table_n_rows(t)};
}

/* Rows [lo, hi) of one group and one dimension: the `top` values with the highest TGI among
 * those holding at least 5% of the group (ties: the larger share, then table order). */
static void print_top(const portrait_args *a, const view *v, const char *const *value_zh, size_t lo,
                      size_t hi) {
  size_t shown = 0, best[100];
  for (; shown < (size_t)a->top; shown++) {
    size_t pick = SIZE_MAX;
    for (size_t r = lo; r < hi; r++) {
      bool taken = false;
      for (size_t k = 0; k < shown; k++)
        taken |= best[k] == r;
      if (taken || v->share[r] < 0.05)
        continue;
      if (pick == SIZE_MAX || v->tgi[r] > v->tgi[pick] ||
          (v->tgi[r] == v->tgi[pick] && v->share[r] > v->share[pick]))
        pick = r;
    }
    if (pick == SIZE_MAX)
      break;
    best[shown] = pick;
  }
  if (!shown)
    return;
  const char *dim = a->zh ? patron_portrait_name_zh(v->name[lo]) : NULL;
  printf("  - %s:", dim ? dim : v->name[lo]);
  for (size_t k = 0; k < shown; k++) {
    const char *val =
        a->zh && value_zh && value_zh[best[k]] ? value_zh[best[k]] : v->value[best[k]];
    printf("%s", k ? ", " : " ");
    cli_print_escaped(stdout, val);
    printf(" %.0f%% (TGI %.0f)", 100.0 * v->share[best[k]], v->tgi[best[k]]);
  }
  printf("\n");
}

/* Each (group, dimension) run of rows of a table for group g. */
static void print_runs(const portrait_args *a, const view *v, const char *const *value_zh,
                       const char *group) {
  for (size_t r = 0; r < v->n;) {
    size_t e = r + 1;
    while (e < v->n && v->group[e] == v->group[r] && strcmp(v->name[e], v->name[r]) == 0)
      e++;
    if (strcmp(v->group[r], group) == 0)
      print_top(a, v, value_zh, r, e);
    r = e;
  }
}

/* Enough decimals for a median: none for large figures, up to 3 for shares. */
static int decimals(double v) { return fabs(v) >= 100 ? 0 : fabs(v) >= 1 ? 1 : 3; }

static void print_stats(const portrait_args *a, const patron_table *t, const char *group) {
  const char *const *g = patron_table_find(t, "group")->data;
  const char *const *m = patron_table_find(t, "metric")->data;
  const double *med = patron_table_find(t, "median")->data;
  size_t n = patron_table_n_rows(t), shown = 0;
  for (size_t r = 0; r < n; r++) {
    if (strcmp(g[r], group) != 0 || isnan(med[r]))
      continue;
    double base = NAN;
    for (size_t b = 0; b < n && strcmp(g[b], "(all)") == 0; b++)
      if (strcmp(m[b], m[r]) == 0)
        base = med[b];
    const char *name = a->zh ? patron_portrait_name_zh(m[r]) : NULL;
    printf("%s%s %.*f (%s %.*f)",
           shown++ ? ", "
           : a->zh ? "  - 中位数: "
                   : "  - median: ",
           name ? name : m[r], decimals(med[r]), med[r], a->zh ? "全体" : "all", decimals(base),
           base);
  }
  if (shown)
    printf("\n");
}

static void report(const portrait_args *a, const patron_portrait *pt) {
  if (a->quiet)
    return;
  view pv = view_of(pt->portrait, "dimension", "share");
  view av = view_of(pt->affinity, "level", "spend_share");
  for (size_t g = 0; g < pt->n_groups; g++) {
    const patron_portrait_group *gr = &pt->groups[g];
    double share =
        pt->base_customers ? 100.0 * (double)gr->customers / (double)pt->base_customers : 0.0;
    printf("%s", g ? "\n" : "");
    cli_print_escaped(stdout, a->zh && gr->name_zh ? gr->name_zh : gr->name);
    if (a->zh)
      printf(": %zu 位客户 (占全体 %zu 位的 %.1f%%)\n", gr->customers, pt->base_customers, share);
    else
      printf(": %zu customers (%.1f%% of %zu)\n", gr->customers, share, pt->base_customers);
    print_runs(a, &pv, pt->value_zh, gr->name);
    print_runs(a, &av, NULL, gr->name);
    print_stats(a, pt->stats, gr->name);
  }
  printf(a->zh ? "\n已写出 %s/portrait.csv, affinity.csv, stats.csv\n"
               : "\nWrote %s/portrait.csv, affinity.csv, stats.csv\n",
         a->out);
}

static int run_portrait(portrait_args *a) {
  patron_error err = {0};
  a->po.window_days = a->tags.window_days;
  a->po.n_threads = a->inputs.load.n_threads;
  cli_profile p = {0};
  patron_portrait pt = {0};
  cli_history hi;
  patron_status st = cli_history_open(a->db, false, &hi, &err);
  if (st == PATRON_OK)
    st = cli_profile_selecting_warned(&a->inputs, &a->tags, a->db != NULL, &p, &err);
  if (st == PATRON_OK)
    st = cli_history_attach(&hi, p.r.profile, &a->po.functions, &a->po.n_functions, &err);
  if (st == PATRON_OK)
    st = patron_portrait_build(p.r.profile, p.ds, &a->po, &pt, &err);
  if (st == PATRON_OK && !cli_make_dir("portrait", a->out))
    st = PATRON_ERR_IO, err.status = PATRON_ERR_IO;
  static const char *const files[] = {"portrait.csv", "affinity.csv", "stats.csv"};
  for (size_t i = 0; i < 3 && st == PATRON_OK; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", a->out, files[i]);
    st = patron_write_table_csv_as(i == 0   ? pt.portrait
                                   : i == 1 ? pt.affinity
                                            : pt.stats,
                                   path, &a->output, &err);
  }
  if (st == PATRON_OK)
    report(a, &pt);
  int rc = st == PATRON_OK  ? CLI_EXIT_OK
           : err.message[0] ? cli_fail("portrait", &err)
                            : CLI_EXIT_FAIL;
  patron_portrait_free(&pt);
  cli_profile_free(&p);
  cli_history_close(&hi);
  return rc;
}

static int run(int argc, char **argv) {
  portrait_args a;
  memset(&a, 0, sizeof a);
  cli_inputs_init(&a.inputs);
  patron_tags_options_init(&a.tags);
  patron_portrait_options_init(&a.po);
  patron_output_options_init(&a.output);
  a.top = 3;
  int rc = parse(&a, argc, argv);
  if (rc == CLI_EXIT_OK)
    rc = run_portrait(&a);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_portrait = {
    "portrait", run, "describe a group against all customers: TGI, affinity, quartiles (SPEC 17)",
    usage};
