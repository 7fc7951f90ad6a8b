/* patron gen: writes a synthetic retail world (customers.csv, orders.csv, events.csv) with
 * the library's generator (include/patron/gen.h; model in docs/GENERATOR.md). */
#include "cli.h"
#include "patron/gen.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "Usage: patron gen --customers N --out DIR [OPTIONS]\n"
    "\n"
    "Writes a deterministic synthetic retail world as CSV files (SPEC section 1 columns):\n"
    "  customers.csv  customer_id,gender,birth_date,city,signup_date,level,name,phone,\n"
    "                 email,wechat_id,consent_sms,consent_email,consent_wechat,timezone,\n"
    "                 source   (contact fields are personal data)\n"
    "  orders.csv     customer_id,order_id,order_time,amount,quantity,category,brand,\n"
    "                 channel,store_id,discount,item_id   (one row per order line;\n"
    "                 refunds are R... orders with a negative amount)\n"
    "  events.csv     customer_id,event_time,event_type,item_id,category\n"
    "Rows are grouped by customer (C0000001 first), each customer's rows in time order.\n"
    "The same seed and options give byte-identical files for any --threads.\n"
    "\n"
    "Purchases follow a Pareto/NBD process: each purchaser buys at rate lambda ~ Gamma(r,\n"
    "alpha) per year until dropping out at rate mu ~ Gamma(s, beta) per year. With the\n"
    "defaults each customer yields about 4.6 orders, 9.9 order rows (~79 bytes each) and\n"
    "36 events: 1,000,000 customers give ~9.9M order rows (781 MB); use --customers\n"
    "1015000 for ~10M rows. Planted patterns: items bought together (partners), browse\n"
    "then buy, browse without buying, abandoned carts. Model: docs/GENERATOR.md.\n"
    "\n"
    "Options:\n"
    "  --customers N       members to create (required, 1..1000000000)\n"
    "  --out DIR           output directory, created when missing (required)\n"
    "  --seed S            master seed (default 1)\n"
    "  --end YYYY-MM-DD    last day with data (default 2025-12-31)\n"
    "  --years Y           length of the history (default 3)\n"
    "  --r X --alpha X     purchase-rate Gamma shape and rate, per year (0.6, 0.075)\n"
    "  --s X --beta X      dropout-rate Gamma shape and rate, per year (1.0, 0.3)\n"
    "  --spend-sigma X     sd of the customers' log price level (0.35)\n"
    "  --line-sigma X      sd of a line's log price around it (0.25)\n"
    "  --prospects X       share of members who never buy (0.03)\n"
    "  --refund-rate X     share of orders refunded later (0.02)\n"
    "  --browse-rate X     browsing sessions without purchase per purchase (1.0)\n"
    "  --items N           items per category (10 categories; default 1000, up to 6000)\n"
    "  --time-ordered      orders.csv and events.csv rows in time order, customers\n"
    "                      interleaved (like a real export; default: grouped by customer)\n"
    "  --no-events         do not write events.csv\n"
    "  --orders-only       write orders.csv only\n"
    "  --threads N         worker threads (default: all cores; output does not change)\n"
    "  --quiet             no summary line\n"
    "\n"
    "Prints one summary line: customers, orders, order rows, events, bytes, seconds.\n";

enum {
  OPT_CUSTOMERS = 256,
  OPT_OUT,
  OPT_SEED,
  OPT_END,
  OPT_YEARS,
  OPT_R,
  OPT_ALPHA,
  OPT_S,
  OPT_BETA,
  OPT_SPEND_SIGMA,
  OPT_LINE_SIGMA,
  OPT_PROSPECTS,
  OPT_REFUND_RATE,
  OPT_BROWSE_RATE,
  OPT_ITEMS,
  OPT_TIME_ORDERED,
  OPT_NO_EVENTS,
  OPT_ORDERS_ONLY,
  OPT_THREADS,
  OPT_QUIET
};

static const struct option long_options[] = {
    {"customers", required_argument, NULL, OPT_CUSTOMERS},
    {"out", required_argument, NULL, OPT_OUT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"end", required_argument, NULL, OPT_END},
    {"years", required_argument, NULL, OPT_YEARS},
    {"r", required_argument, NULL, OPT_R},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"s", required_argument, NULL, OPT_S},
    {"beta", required_argument, NULL, OPT_BETA},
    {"spend-sigma", required_argument, NULL, OPT_SPEND_SIGMA},
    {"line-sigma", required_argument, NULL, OPT_LINE_SIGMA},
    {"prospects", required_argument, NULL, OPT_PROSPECTS},
    {"refund-rate", required_argument, NULL, OPT_REFUND_RATE},
    {"browse-rate", required_argument, NULL, OPT_BROWSE_RATE},
    {"items", required_argument, NULL, OPT_ITEMS},
    {"time-ordered", no_argument, NULL, OPT_TIME_ORDERED},
    {"no-events", no_argument, NULL, OPT_NO_EVENTS},
    {"orders-only", no_argument, NULL, OPT_ORDERS_ONLY},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0}};

typedef struct gen_args {
  patron_gen_options opts;
  const char *out;
  bool have_customers, quiet;
} gen_args;

/* The flags that take a double, with where each one goes. */
static double *double_target(gen_args *a, int opt) {
  switch (opt) {
  case OPT_YEARS: return &a->opts.years;
  case OPT_R: return &a->opts.r;
  case OPT_ALPHA: return &a->opts.alpha;
  case OPT_S: return &a->opts.s;
  case OPT_BETA: return &a->opts.beta;
  case OPT_SPEND_SIGMA: return &a->opts.spend_sigma;
  case OPT_LINE_SIGMA: return &a->opts.line_sigma;
  case OPT_PROSPECTS: return &a->opts.prospect_share;
  case OPT_REFUND_RATE: return &a->opts.refund_rate;
  case OPT_BROWSE_RATE: return &a->opts.browse_rate;
  default: return NULL;
  }
}

static bool parse_one(gen_args *a, int opt, const char *flag, const char *val) {
  long v;
  double *d = double_target(a, opt);
  if (d)
    return cli_parse_double("gen", flag, val, d);
  switch (opt) {
  case OPT_CUSTOMERS:
    a->have_customers = true;
    if (!cli_parse_long("gen", flag, val, 1, 1000000000L, &v))
      return false;
    a->opts.n_customers = (uint64_t)v;
    return true;
  case OPT_SEED:
    if (!cli_parse_long("gen", flag, val, 0, 9223372036854775807L, &v))
      return false;
    a->opts.seed = (uint64_t)v;
    return true;
  case OPT_ITEMS:
    if (!cli_parse_long("gen", flag, val, 10, 6000, &v))
      return false;
    a->opts.items_per_category = (uint32_t)v;
    return true;
  case OPT_THREADS:
    if (!cli_parse_long("gen", flag, val, 0, 256, &v))
      return false;
    a->opts.threads = (int)v;
    return true;
  case OPT_END: return cli_parse_day("gen", flag, val, &a->opts.end_day);
  case OPT_OUT: a->out = val; return true;
  case OPT_NO_EVENTS: a->opts.events = false; return true;
  case OPT_TIME_ORDERED: a->opts.time_ordered = true; return true;
  case OPT_ORDERS_ONLY: a->opts.events = a->opts.customers = false; return true;
  case OPT_QUIET: a->quiet = true; return true;
  default: return false;
  }
}

static int parse_args(int argc, char **argv, gen_args *a) {
  patron_gen_options_default(&a->opts);
  a->opts.progress = cli_progress;
  optind = 0;
  opterr = 0;
  int opt, index = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, &index)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("gen", opt, argv, long_options);
    char flag[32];
    snprintf(flag, sizeof flag, "--%s", long_options[index].name);
    if (!parse_one(a, opt, flag, optarg))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
  if (!a->have_customers)
    return cli_usage_error("gen", "--customers N is required");
  if (!a->out)
    return cli_usage_error("gen", "--out DIR is required");
  return CLI_EXIT_OK;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run(int argc, char **argv) {
  gen_args a = {0};
  int rc = parse_args(argc, argv, &a);
  if (rc != CLI_EXIT_OK)
    return rc;
  patron_error err = {0};
  patron_gen_stats st;
  double t0 = now_seconds();
  if (patron_gen_world(&a.opts, a.out, &st, &err) != PATRON_OK)
    return cli_fail("gen", &err);
  if (!a.quiet)
    printf("gen: %llu customers (%llu purchasers), %llu orders + %llu refunds, "
           "%llu order rows, %llu events, %llu bytes in %s (%.1f s)\n",
           (unsigned long long)st.customers, (unsigned long long)st.purchasers,
           (unsigned long long)st.orders, (unsigned long long)st.refunds,
           (unsigned long long)st.order_rows, (unsigned long long)st.events,
           (unsigned long long)st.bytes, a.out, now_seconds() - t0);
  return CLI_EXIT_OK;
}

const cli_command cli_cmd_gen = {"gen", run, "generate a synthetic retail data set (CSV)", usage};
