/* patron demo: a synthetic retail world (patron gen) analyzed end to end (patron analyze),
 * so a new user sees every output without data of their own. */
#include "analysis.h"
#include "demo_loop.h"
#include "demo_monitor.h"
#include "cmd_experiment.h"

#include <stdio.h>
#include <string.h>

/* The demo's rule files (SPEC 7) and example audience (SPEC 8), written into DIR. */
static const char demo_tags[] =
    "# Rule tags (patron analyze --tags): each line NAME: EXPRESSION adds a 1/0 column\n"
    "big_spender: monetary >= 2000\n"
    "browses_not_buys: items_viewed_unbought(30, 3) >= 1\n"
    "cart_left: cart_abandoned(72)\n"
    "app_regular: frequency >= 4 and preferred_channel = 'app'\n";
static const char demo_segments[] =
    "# A custom segmentation (patron analyze --segments): the first matching rule wins\n"
    "vip: big_spender and recency_days <= 90\n"
    "win_back: lifecycle in ('dormant', 'churned') and monetary >= 500\n"
    "convert_browsers: frequency is null and events('view', 30) >= 5\n"
    "nurture_new: lifecycle = 'new'\n";
static const char demo_where[] =
    "lifecycle in ('silent', 'dormant') and events('view', 30) >= 3 and purchases(30) = 0";

static const char usage[] =
    "Usage: patron demo [--customers N] [--seed S] [--out DIR]\n\n"
    "Generates a synthetic retail world (members, order lines, behaviour events) into\n"
    "DIR/data and analyzes it into DIR (profiles.csv, segments.csv, summary.json),\n"
    "printing the segment report; then runs the daily loop on a store DIR/store.db: a\n"
    "snapshot a month earlier, the lifecycle movements between the two, the campaign plan\n"
    "and a trigger run, each printed; then monitoring with a planted data problem\n"
    "(DIR/monitor: one alert) and an experiment with a planted effect, assigned and\n"
    "evaluated (DIR/experiment; docs/MONITORING.md, docs/EXPERIMENTS.md); then\n"
    "recommends what to offer each customer into DIR/recommend (rules, similar items,\n"
    "recommendations, an evaluation against popularity) and writes the HTML report\n"
    "DIR/report.html. The analysis uses the example\n"
    "rule files DIR/demo_tags.txt and DIR/demo_segments.txt (tag columns and a\n"
    "custom_segment segmentation), and an example audience with a behaviour condition is\n"
    "selected into DIR/audience_winback.csv (and, after the month-earlier snapshot, who\n"
    "slipped from active into DIR/audience_slipped.csv: moved() over the store); the\n"
    "portrait of the high-value tier against\n"
    "all customers goes to DIR/portrait (TGI per dimension, affinity, quartiles), and the\n"
    "customers most like the champions into DIR/lookalike_champions.csv (with\n"
    "DIR/lookalike.json, docs/LOOKALIKE.md).\n\n"
    "  --customers N   members to generate (default 100000)\n"
    "  --seed S        random seed (default 1)\n"
    "  --out DIR       output directory (default ./demo-out)\n"
    "  -h, --help      this help\n";

enum { OPT_CUSTOMERS = 1, OPT_SEED, OPT_OUT };

static const struct option long_options[] = {
    {"customers", required_argument, NULL, OPT_CUSTOMERS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

typedef struct demo_args {
  long customers, seed;
  const char *out;
} demo_args;

static bool parse_args(int argc, char **argv, demo_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    switch (opt) {
    case OPT_CUSTOMERS:
      if (!cli_parse_long("demo", "--customers", optarg, 1, 100000000, &a->customers))
        return false;
      break;
    case OPT_SEED:
      if (!cli_parse_long("demo", "--seed", optarg, 0, 2147483647, &a->seed))
        return false;
      break;
    case OPT_OUT: a->out = optarg; break;
    default: cli_bad_option("demo", opt, argv, long_options); return false;
    }
  }
  if (optind < argc) {
    cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
    return false;
  }
  return true;
}

static int generate(const demo_args *a, const char *data_dir) {
  patron_gen_options g;
  patron_gen_options_default(&g);
  g.n_customers = (uint64_t)a->customers;
  g.seed = (uint64_t)a->seed;
  g.progress = cli_progress;
  patron_gen_stats stats;
  patron_error err = {0};
  if (patron_gen_world(&g, data_dir, &stats, &err) != PATRON_OK)
    return cli_fail("demo", &err);
  printf("Generated %llu customers, %llu orders (%llu order rows), %llu events into %s\n\n",
         (unsigned long long)stats.customers, (unsigned long long)stats.orders,
         (unsigned long long)stats.order_rows, (unsigned long long)stats.events, data_dir);
  return CLI_EXIT_OK;
}

static bool write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  bool ok = f && fputs(text, f) >= 0;
  if (f && fclose(f) != 0)
    ok = false;
  if (!ok)
    fprintf(stderr, "patron demo: cannot write %s\n", path);
  return ok;
}

/* `patron audience` on the demo's data, printed like the command prints it. */
static int example_audience(const demo_args *a, const char *orders, const char *customers,
                            const char *events, const char *tags) {
  char out[4096];
  cli_path(out, sizeof out, a->out, "audience_winback.csv");
  printf("\nExample audience: patron audience --where \"%s\" --tags %s\n\n", demo_where, tags);
  fflush(stdout);
  char *argv[] = {"audience",
                  "--orders",
                  (char *)orders,
                  "--customers",
                  (char *)customers,
                  "--events",
                  (char *)events,
                  "--tags",
                  (char *)tags,
                  "--where",
                  (char *)demo_where,
                  "--columns",
                  "monetary,lifecycle,events_30d,tags",
                  "--order-by",
                  "monetary:desc",
                  "--by",
                  "lifecycle",
                  "--out",
                  out,
                  NULL};
  const cli_command *cmd = cli_find_command("audience");
  return cmd ? cmd->run((int)(sizeof argv / sizeof *argv) - 1, argv) : CLI_EXIT_OK;
}

/* The portrait of the high-value tier against all customers (`patron portrait`, SPEC 17),
 * into OUT/portrait. */
static int portrait(const char *out, char *orders, char *customers) {
  char dir[4096];
  cli_path(dir, sizeof dir, out, "portrait");
  printf("\n== patron portrait --where \"tier = 'high_value'\" --name high_value --out %s\n\n",
         dir);
  fflush(stdout);
  char *argv[] = {
      "portrait", "--orders",   orders,  "--customers", customers, "--where", "tier = 'high_value'",
      "--name",   "high_value", "--out", dir,           NULL};
  return cli_find_command("portrait")->run((int)(sizeof argv / sizeof *argv) - 1, argv);
}

/* `patron lookalike` on the demo's data: the customers most like the champions. */
static int example_lookalike(const char *out, char *orders, char *customers, char *events) {
  char file[4096];
  cli_path(file, sizeof file, out, "lookalike_champions.csv");
  printf(
      "\nExample lookalike: patron lookalike --seed-where \"segment = 'champions'\" --top 5\n\n");
  fflush(stdout);
  char *argv[] = {"lookalike",
                  "--orders",
                  orders,
                  "--customers",
                  customers,
                  "--events",
                  events,
                  "--seed-where",
                  "segment = 'champions'",
                  "--top",
                  "5",
                  "--out",
                  file,
                  NULL};
  return cli_find_command("lookalike")->run((int)(sizeof argv / sizeof *argv) - 1, argv);
}

/* What to offer each customer: `patron recommend` on the same files, with a 30-day
 * evaluation against popularity, into OUT/recommend. */
static int recommend(const char *out, char *orders, char *customers, char *events) {
  char dir[4096];
  cli_path(dir, sizeof dir, out, "recommend");
  printf("\n== patron recommend --orders %s --events %s --customers %s --k 5 "
         "--evaluate-days 30 --out %s\n",
         orders, events, customers, dir);
  fflush(stdout);
  char *argv[] = {"recommend",   "--orders", orders, "--events", events,
                  "--customers", customers,  "--k",  "5",        "--evaluate-days",
                  "30",          "--out",    dir,    NULL};
  return cli_find_command("recommend")->run((int)(sizeof argv / sizeof *argv) - 1, argv);
}

/* The HTML report of the same data (`patron report`, analysed in memory so the cohort
 * triangle is included), and how to open the dashboard on the demo's store. */
static int report(const char *out, char *orders, char *customers, char *events, const char *db) {
  char html[4096];
  cli_path(html, sizeof html, out, "report.html");
  char *argv[] = {"report",   "--orders", orders,  "--customers", customers,
                  "--events", events,     "--out", html,          NULL};
  int rc = cli_demo_run_command("report", (int)(sizeof argv / sizeof *argv) - 1, argv);
  if (rc == CLI_EXIT_OK)
    printf("\nOpen %s in a browser (it loads nothing from the network). The same figures\n"
           "live in the dashboard: write a tokens file (docs/SERVER.md) and run\n"
           "  patron serve --db %s --tokens tokens.txt\n"
           "(with --orders %s --customers %s --rules %s/rules.json too, the\n"
           "customer page shows order histories and the experiments page verdicts)\n",
           html, db, orders, customers, out);
  return rc;
}

static void remove_store(const char *db) {
  char side[4200];
  remove(db);
  snprintf(side, sizeof side, "%s-wal", db);
  remove(side);
  snprintf(side, sizeof side, "%s-shm", db);
  remove(side);
}

static int run(int argc, char **argv) {
  demo_args a = {100000, 1, "demo-out"};
  if (!parse_args(argc, argv, &a))
    return CLI_EXIT_USAGE;
  char data_dir[4096], orders[4096], customers[4096], events[4096], db[4096];
  cli_path(data_dir, sizeof data_dir, a.out, "data");
  if (!cli_make_dir("demo", data_dir))
    return CLI_EXIT_FAIL;
  int rc = generate(&a, data_dir);
  if (rc != CLI_EXIT_OK)
    return rc;
  cli_analysis an;
  cli_analysis_init(&an);
  an.inputs.load.paths[PATRON_FILE_ORDERS] =
      cli_path(orders, sizeof orders, data_dir, "orders.csv");
  an.inputs.load.paths[PATRON_FILE_CUSTOMERS] =
      cli_path(customers, sizeof customers, data_dir, "customers.csv");
  an.inputs.load.paths[PATRON_FILE_EVENTS] =
      cli_path(events, sizeof events, data_dir, "events.csv");
  char tags[4096], segments[4096];
  an.out_dir = a.out;
  an.db = cli_path(db, sizeof db, a.out, "store.db");
  remove_store(db); /* the demo's own store: each demo starts its loop afresh */
  an.tags.tags_file = cli_path(tags, sizeof tags, a.out, "demo_tags.txt");
  an.tags.segments_file = cli_path(segments, sizeof segments, a.out, "demo_segments.txt");
  if (!write_text(tags, demo_tags) || !write_text(segments, demo_segments))
    rc = CLI_EXIT_FAIL;
  else
    rc = cli_run_analysis("demo", &an);
  if (rc == CLI_EXIT_OK)
    rc = example_audience(&a, orders, customers, events, tags);
  if (rc == CLI_EXIT_OK)
    rc = portrait(a.out, orders, customers);
  if (rc == CLI_EXIT_OK)
    rc = example_lookalike(a.out, orders, customers, events);
  cli_inputs_free(&an.inputs);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_loop(a.out, db, orders, customers, events);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_monitor(a.out, db, orders, customers);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_experiment(a.out, data_dir);
  if (rc == CLI_EXIT_OK)
    rc = recommend(a.out, orders, customers, events);
  if (rc == CLI_EXIT_OK)
    rc = report(a.out, orders, customers, events, db);
  return rc;
}

const cli_command cli_cmd_demo = {"demo", run, "generate a synthetic world and analyze it", usage};
