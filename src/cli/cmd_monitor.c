/* patron monitor: the metrics of every snapshot in the store, alert rules checked against each
 * snapshot and the one before it (SPEC section 13, docs/MONITORING.md); metrics.csv,
 * alerts.csv, the alerts printed, exit status 3 when any alert fired. */
#include "cli_inputs.h"

#include <stdio.h>
#include <stdlib.h>

enum { CLI_EXIT_ALERTS = 3 };

static const char usage[] =
    "Usage: patron monitor --db STORE --out DIR [--rules FILE] [--since YYYY-MM-DD]\n\n"
    "For every snapshot in the store (patron analyze --db), oldest first: customers,\n"
    "purchasers, revenue, aov, repurchase_rate, recency/frequency/monetary means and medians,\n"
    "active_share, churned_share, reject_rate, rows_read:FILE and empty_rate:FILE.COLUMN.\n"
    "Alert rules are checked against each snapshot and the one before it. Writes\n"
    "DIR/metrics.csv (as_of,metric,value) and DIR/alerts.csv (as_of,metric,value,rule,message),\n"
    "prints the alerts and exits with 3 when any alert fired (0 when none).\n\n"
    "  --db STORE           the store (required; opened read-only)\n"
    "  --rules FILE         alert rules {\"alerts\": [{\"metric\": M, \"min\": X, \"max\": X,\n"
    "                       \"max_change\": X}]}; M may end in '*'. Default: any metric\n"
    "                       changing by more than 20%, reject_rate above 5%\n"
    "  --since YYYY-MM-DD   check rules only on snapshots from this as-of on (earlier ones\n"
    "                       still count as the previous snapshot)\n"
    "  --out DIR            output directory (required)\n"
    "  --quiet              print nothing but errors\n"
    "  -h, --help           this help\n";

enum { OPT_DB = 1, OPT_RULES, OPT_SINCE, OPT_OUT, OPT_QUIET };

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},       {"rules", required_argument, NULL, OPT_RULES},
    {"since", required_argument, NULL, OPT_SINCE}, {"out", required_argument, NULL, OPT_OUT},
    {"quiet", no_argument, NULL, OPT_QUIET},       {NULL, 0, NULL, 0},
};

typedef struct monitor_args {
  const char *db, *rules, *out;
  int32_t since;
  bool quiet;
} monitor_args;

static bool parse_args(int argc, char **argv, monitor_args *a) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    switch (opt) {
    case OPT_DB: a->db = optarg; break;
    case OPT_RULES: a->rules = optarg; break;
    case OPT_SINCE:
      if (!cli_parse_day("monitor", "--since", optarg, &a->since))
        return false;
      break;
    case OPT_OUT: a->out = optarg; break;
    case OPT_QUIET: a->quiet = true; break;
    default: return cli_bad_option("monitor", opt, argv, long_options), false;
    }
  }
  if (optind < argc)
    return cli_usage_error("monitor", "unexpected argument '%s'", argv[optind]), false;
  if (!a->db || !a->out)
    return cli_usage_error("monitor", "--db STORE and --out DIR are required"), false;
  return true;
}

/* Feeds every snapshot of the store to the monitor, oldest first. */
static patron_status feed(patron_store *s, patron_monitor *m, size_t *n_snapshots,
                          patron_error *err) {
  patron_snapshot_info *info = NULL;
  patron_status st = patron_store_snapshots(s, &info, n_snapshots, err);
  if (st == PATRON_OK && *n_snapshots == 0) {
    err->status = st = PATRON_ERR_INPUT;
    snprintf(err->message, sizeof err->message,
             "%.300s has no snapshot: run patron analyze ... --db STORE first",
             patron_store_path(s));
  }
  for (size_t i = 0; st == PATRON_OK && i < *n_snapshots; i++) {
    patron_snapshot *snap = NULL;
    st = patron_store_snapshot_load(s, info[i].as_of, &snap, err);
    if (st == PATRON_OK)
      st = patron_monitor_add(m, info[i].as_of, patron_snapshot_table(snap),
                              patron_snapshot_summary(snap), err);
    patron_snapshot_free(snap);
  }
  free(info);
  return st;
}

static void print_alerts(const patron_monitor *m, size_t n_snapshots) {
  size_t n = patron_monitor_n_alerts(m);
  printf("Monitored %zu snapshots: %zu metrics, %zu alert%s\n", n_snapshots,
         patron_monitor_n_metrics(m), n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    patron_alert a = patron_monitor_alert(m, i);
    char day[16];
    patron_format_day(a.as_of, day);
    printf("  ALERT %s  %s\n", day, a.message);
  }
}

static patron_status run_monitor(const monitor_args *a, size_t *n_alerts, patron_error *err) {
  patron_alert_rules *rules = NULL;
  patron_store *s = NULL;
  patron_monitor *m = NULL;
  patron_store_options so;
  patron_store_options_init(&so);
  so.read_only = true;
  size_t n_snapshots = 0;
  char metrics[4096], alerts[4096];
  patron_status st = a->rules ? patron_alert_rules_read(a->rules, &rules, err)
                              : patron_alert_rules_default(&rules, err);
  if (st == PATRON_OK)
    st = patron_store_open(a->db, &so, &s, err);
  if (st == PATRON_OK && !(m = patron_monitor_new(rules, a->since)))
    err->status = st = PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st = feed(s, m, &n_snapshots, err);
  if (st == PATRON_OK && !cli_make_dir("monitor", a->out))
    st = PATRON_ERR_IO;
  if (st == PATRON_OK)
    st = patron_monitor_write(m, cli_path(metrics, sizeof metrics, a->out, "metrics.csv"),
                              cli_path(alerts, sizeof alerts, a->out, "alerts.csv"), err);
  if (st == PATRON_OK) {
    *n_alerts = patron_monitor_n_alerts(m);
    if (!a->quiet)
      print_alerts(m, n_snapshots);
  }
  patron_monitor_free(m);
  patron_store_close(s);
  patron_alert_rules_free(rules);
  return st;
}

static int run(int argc, char **argv) {
  monitor_args a = {.since = PATRON_NO_DAY};
  if (!parse_args(argc, argv, &a))
    return CLI_EXIT_USAGE;
  patron_error err = {0};
  size_t n_alerts = 0;
  patron_status st = run_monitor(&a, &n_alerts, &err);
  if (st == PATRON_ERR_IO && err.status == PATRON_OK)
    return CLI_EXIT_FAIL; /* cli_make_dir printed why */
  if (st != PATRON_OK)
    return cli_fail("monitor", &err);
  return n_alerts ? CLI_EXIT_ALERTS : CLI_EXIT_OK;
}

const cli_command cli_cmd_monitor = {
    "monitor", run, "metrics of every snapshot in the store and alerts (exit 3 when any fired)",
    usage};
