/* patron recommend: association rules, similar values and the next best values for each
 * customer (SPEC section 18; include/patron/recommend.h, docs/RECOMMEND.md), with an
 * optional time-split evaluation against a popularity baseline. */
#include "cli_inputs.h"
#include "cli_outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: patron recommend --orders FILE --out DIR [OPTIONS]\n\n"
    "What to offer each customer. Writes DIR/rules.csv (association rules over baskets:\n"
    "antecedent,consequent,support,confidence,lift,orders), DIR/similar.csv (value,similar,\n"
    "score,rank: co-purchase and co-view cosine) and DIR/recommendations.csv\n"
    "(customer_id,rank,value,score,reason: bought_with:X, viewed:X or popular:SEGMENT).\n"
    "Needs item_id (or the --level column) on the order lines; --events adds views.\n"
    "Definitions: docs/RECOMMEND.md.\n\n" CLI_INPUT_USAGE "\nRecommendations:\n"
    "  --out DIR            output directory (created when missing; required)\n"
    "  --level L            item, category or brand (default item)\n"
    "  --k N                recommendations per customer, similar values per value (10)\n"
    "  --min-support N      rules need N baskets (default 10)\n"
    "  --min-confidence C   rules need confidence C (default 0.05)\n"
    "  --exclude-days D     leave out values bought in the D days before as-of (90)\n"
    "  --view-days D        views in the D days before as-of are interests (90)\n"
    "  --evaluate-days D    also fit as of (as-of - D) and score the recommendations against\n"
    "                       the purchases of the last D days, next to a popularity baseline\n"
    "                       (printed, DIR/recommend.json)\n"
    "  --quiet              no report on stdout\n"
    "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE;

enum {
  OPT_OUT = CLI_OPT_FIRST_FREE,
  OPT_LEVEL,
  OPT_K,
  OPT_MIN_SUPPORT,
  OPT_MIN_CONFIDENCE,
  OPT_EXCLUDE_DAYS,
  OPT_VIEW_DAYS,
  OPT_EVALUATE_DAYS,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    {"out", required_argument, NULL, OPT_OUT},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"k", required_argument, NULL, OPT_K},
    {"min-support", required_argument, NULL, OPT_MIN_SUPPORT},
    {"min-confidence", required_argument, NULL, OPT_MIN_CONFIDENCE},
    {"exclude-days", required_argument, NULL, OPT_EXCLUDE_DAYS},
    {"view-days", required_argument, NULL, OPT_VIEW_DAYS},
    {"evaluate-days", required_argument, NULL, OPT_EVALUATE_DAYS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct rc_args {
  cli_inputs inputs;
  patron_recommend_options opts;
  const char *out;
  patron_output_options output; /* --excel, --csv-formula-guard */
  long evaluate_days;
  bool quiet;
} rc_args;

typedef struct rc_run {
  patron_dataset *ds;
  patron_recommender *m;
  patron_table *rules, *similar, *recs;
  patron_recommend_eval eval;
  double seconds[4]; /* load, fit, recommend (+ evaluate), write */
} rc_run;

static bool parse_number(int opt, const char *arg, rc_args *a) {
  long v;
  switch (opt) {
  case OPT_K:
    if (!cli_parse_long("recommend", "--k", arg, 1, 1000, &v))
      return false;
    a->opts.k = (int)v;
    return true;
  case OPT_MIN_SUPPORT:
    if (!cli_parse_long("recommend", "--min-support", arg, 1, 2000000000, &v))
      return false;
    a->opts.min_support = (uint64_t)v;
    return true;
  case OPT_EXCLUDE_DAYS:
    if (!cli_parse_long("recommend", "--exclude-days", arg, 0, 100000, &v))
      return false;
    a->opts.exclude_days = (int)v;
    return true;
  case OPT_VIEW_DAYS:
    if (!cli_parse_long("recommend", "--view-days", arg, 0, 100000, &v))
      return false;
    a->opts.view_days = (int)v;
    return true;
  default: return cli_parse_long("recommend", "--evaluate-days", arg, 1, 100000, &a->evaluate_days);
  }
}

static bool own_option(rc_args *a, int opt, const char *arg) {
  switch (opt) {
  case OPT_OUT: a->out = arg; return true;
  case OPT_QUIET: a->quiet = true; return true;
  case OPT_LEVEL:
    if (!patron_reco_level_parse(arg, &a->opts.level))
      return cli_usage_error("recommend", "--level must be item, category or brand, not '%s'", arg),
             false;
    return true;
  case OPT_MIN_CONFIDENCE:
    if (!cli_parse_double("recommend", "--min-confidence", arg, &a->opts.min_confidence))
      return false;
    if (!(a->opts.min_confidence >= 0 && a->opts.min_confidence <= 1))
      return cli_usage_error("recommend", "--min-confidence must be from 0 to 1"), false;
    return true;
  case OPT_K:
  case OPT_MIN_SUPPORT:
  case OPT_EXCLUDE_DAYS:
  case OPT_VIEW_DAYS:
  case OPT_EVALUATE_DAYS: return parse_number(opt, arg, a);
  default: return cli_usage_error("recommend", "unknown option"), false;
  }
}

static bool parse_args(int argc, char **argv, rc_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("recommend", opt, argv, long_options), false;
    int handled = cli_inputs_option(&a->inputs, "recommend", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return false;
  }
  if (optind < argc)
    return cli_usage_error("recommend", "unexpected argument '%s'", argv[optind]), false;
  if (!cli_inputs_ready(&a->inputs, "recommend"))
    return false;
  if (!a->out)
    return cli_usage_error("recommend", "--out DIR is required"), false;
  return true;
}

static double lap(struct timespec *clock) {
  double s = cli_seconds_since(clock);
  clock_gettime(CLOCK_MONOTONIC, clock);
  return s;
}

static patron_status compute(rc_args *a, rc_run *r, patron_error *err) {
  struct timespec clock;
  clock_gettime(CLOCK_MONOTONIC, &clock);
  a->inputs.load.keep_lines = true;
  a->inputs.load.progress = cli_progress;
  a->opts.n_threads = a->inputs.load.n_threads;
  a->opts.as_of_day = a->inputs.load.as_of_day;
  patron_status st = patron_dataset_load(&a->inputs.load, &r->ds, err);
  r->seconds[0] = lap(&clock);
  if (st == PATRON_OK)
    st = patron_recommender_fit(r->ds, &a->opts, &r->m, err);
  if (st == PATRON_OK)
    st = patron_recommender_rules(r->m, &r->rules, err);
  if (st == PATRON_OK)
    st = patron_recommender_similar(r->m, &r->similar, err);
  r->seconds[1] = lap(&clock);
  if (st == PATRON_OK)
    st = patron_recommend_customers(r->m, NULL, 0, a->opts.k, &r->recs, err);
  if (st == PATRON_OK && a->evaluate_days > 0)
    st = patron_recommend_evaluate(r->ds, &a->opts, (int)a->evaluate_days, &r->eval, err);
  r->seconds[2] = lap(&clock);
  return st;
}

static patron_status write_json(const rc_args *a, const rc_run *r, patron_error *err) {
  char path[4096];
  cli_path(path, sizeof path, a->out, "recommend.json");
  if (a->evaluate_days <= 0) {
    unlink(path); /* a stale evaluation would mislead */
    return PATRON_OK;
  }
  char *text = patron_recommend_eval_to_json(&r->eval, &a->opts);
  FILE *f = text ? fopen(path, "w") : NULL;
  bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f && fclose(f) != 0)
    ok = false;
  free(text);
  if (ok)
    return PATRON_OK;
  err->status = PATRON_ERR_IO;
  snprintf(err->message, sizeof err->message, "cannot write %.400s", path);
  return PATRON_ERR_IO;
}

static patron_status write_outputs(const rc_args *a, rc_run *r, patron_error *err) {
  struct timespec clock;
  clock_gettime(CLOCK_MONOTONIC, &clock);
  char path[4096];
  const char *names[3] = {"rules.csv", "similar.csv", "recommendations.csv"};
  const patron_table *tables[3] = {r->rules, r->similar, r->recs};
  patron_status st = PATRON_OK;
  for (int i = 0; i < 3 && st == PATRON_OK; i++)
    st = patron_write_table_csv_as(tables[i], cli_path(path, sizeof path, a->out, names[i]),
                                   &a->output, err);
  if (st == PATRON_OK)
    st = write_json(a, r, err);
  r->seconds[3] = lap(&clock);
  return st;
}

static void print_rules(const patron_table *t) {
  size_t n = patron_table_n_rows(t);
  const char *const *ant = patron_table_find(t, "antecedent")->data;
  const char *const *cons = patron_table_find(t, "consequent")->data;
  const double *conf = patron_table_find(t, "confidence")->data;
  const double *lift = patron_table_find(t, "lift")->data;
  const int64_t *orders = patron_table_find(t, "orders")->data;
  printf("\n%-28s %-14s %10s %10s %8s\n", "antecedent", "consequent", "confidence", "lift",
         "orders");
  for (size_t i = 0; i < n && i < 10; i++)
    printf("%-28.28s %-14.14s %10.4f %10.2f %8lld\n", ant[i], cons[i], conf[i], lift[i],
           (long long)orders[i]);
}

static void print_eval(const patron_recommend_eval *e) {
  char split[16];
  patron_format_day(e->split_day, split);
  printf("\nEvaluation: fit as of %s, %zu customers buying in the next %d days, k = %d\n", split,
         e->customers, e->days, e->k);
  printf("%-12s %10s %14s %12s %10s\n", "", "hit_rate", "precision@k", "recall@k", "coverage");
  const patron_reco_scores *s[2] = {&e->model, &e->popular};
  const char *names[2] = {"recommender", "popularity"};
  for (int i = 0; i < 2; i++)
    printf("%-12s %10.4f %14.4f %12.4f %10.4f\n", names[i], s[i]->hit_rate, s[i]->precision,
           s[i]->recall, s[i]->coverage);
}

static void print_report(const rc_args *a, const rc_run *r) {
  if (a->quiet)
    return;
  patron_recommender_stats s;
  patron_recommender_stats_get(r->m, &s);
  printf("Recommendations: %zu baskets, %zu values bought, %zu view-days; %zu rules, %zu "
         "recommendation rows\n",
         s.baskets, s.values, s.view_days, s.rules, patron_table_n_rows(r->recs));
  print_rules(r->rules);
  if (a->evaluate_days > 0)
    print_eval(&r->eval);
  printf("\nTimings: load %.2f s, fit %.2f s, recommend%s %.2f s, write %.2f s\n", r->seconds[0],
         r->seconds[1], a->evaluate_days > 0 ? " + evaluate" : "", r->seconds[2], r->seconds[3]);
}

static int run(int argc, char **argv) {
  rc_args a = {0};
  cli_inputs_init(&a.inputs);
  patron_recommend_options_init(&a.opts);
  patron_output_options_init(&a.output);
  rc_run r = {0};
  patron_error err = {0};
  int rc = CLI_EXIT_USAGE;
  if (!parse_args(argc, argv, &a))
    goto done;
  rc = CLI_EXIT_FAIL;
  if (!cli_make_dir("recommend", a.out))
    goto done;
  patron_status st = compute(&a, &r, &err);
  if (st == PATRON_OK)
    st = write_outputs(&a, &r, &err);
  if (st == PATRON_OK)
    print_report(&a, &r);
  rc = st == PATRON_OK          ? CLI_EXIT_OK
       : st == PATRON_ERR_USAGE ? (cli_fail("recommend", &err), CLI_EXIT_USAGE)
                                : cli_fail("recommend", &err);
done:
  patron_table_free(r.rules);
  patron_table_free(r.similar);
  patron_table_free(r.recs);
  patron_recommender_free(r.m);
  patron_dataset_free(r.ds);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_recommend = {
    "recommend", run, "association rules, similar items, next best offers per customer", usage};
