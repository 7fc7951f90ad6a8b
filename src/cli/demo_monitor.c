/* The monitoring part of `patron demo` (SPEC section 13): tomorrow's export arrives with a
 * planted data-quality problem (every 12th order row's date unreadable), is analyzed into the
 * store, and `patron monitor` (the command a scheduler runs) reports the one alert it causes,
 * reject_rate above 5%, exiting with 3. */
#include "demo_monitor.h"
#include "demo_loop.h"

#include "cli.h"
#include "cli_inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLI_EXIT_ALERTS = 3 };

static const char demo_rules[] = "{\"alerts\": [{\"metric\": \"reject_rate\", \"max\": 0.05},\n"
                                 "            {\"metric\": \"repurchase_rate\", \"min\": 0.1},\n"
                                 "            {\"metric\": \"aov\", \"max_change\": 0.2},\n"
                                 "            {\"metric\": \"customers\", \"max_change\": 0.2}]}\n";

/* Copies orders to bad, the date (third field) of every 12th data row made unreadable. */
static bool plant_bad_dates(const char *orders, const char *bad) {
  FILE *in = fopen(orders, "rb"), *out = fopen(bad, "wb");
  bool ok = in && out;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  for (long row = 0; ok && (len = getline(&line, &cap, in)) > 0; row++) {
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
    if (row > 0 && row % 12 == 0 && c3)
      ok = fprintf(out, "%.*snot-a-date%s", (int)(c2 + 1 - line), line, c3) > 0;
    else
      ok = fwrite(line, 1, (size_t)len, out) == (size_t)len;
  }
  free(line);
  if (in)
    fclose(in);
  if (out && fclose(out) != 0)
    ok = false;
  return ok;
}

int cli_demo_monitor(const char *out_dir, const char *db, const char *orders,
                     const char *customers) {
  int32_t today;
  if (!cli_demo_latest_as_of(db, &today))
    return fprintf(stderr, "patron demo: %s: no snapshot recorded\n", db), CLI_EXIT_FAIL;
  char dir[4096], bad[4096], rules[4096], run_dir[4096], mon[4096], tomorrow[11];
  cli_path(dir, sizeof dir, out_dir, "monitor");
  if (!cli_make_dir("demo", dir))
    return CLI_EXIT_FAIL;
  cli_path(bad, sizeof bad, dir, "orders_tomorrow.csv");
  cli_path(rules, sizeof rules, dir, "alerts.json");
  cli_path(run_dir, sizeof run_dir, dir, "tomorrow");
  cli_path(mon, sizeof mon, dir, "out");
  patron_format_day(today + 1, tomorrow);
  FILE *f = fopen(rules, "wb");
  bool ok = f && fputs(demo_rules, f) >= 0;
  if (f && fclose(f) != 0)
    ok = false;
  if (!ok || !plant_bad_dates(orders, bad))
    return fprintf(stderr, "patron demo: cannot write %s\n", dir), CLI_EXIT_FAIL;
  printf("\nMonitoring: tomorrow's export arrives with every 12th order row's date unreadable.\n");
  char *a1[] = {"analyze", "--orders", bad,    "--customers", (char *)customers,
                "--as-of", tomorrow,   "--db", (char *)db,    "--out",
                run_dir,   "--quiet",  NULL};
  char *a2[] = {"monitor", "--db",   (char *)db, "--rules", rules,
                "--since", tomorrow, "--out",    mon,       NULL};
  int rc = cli_demo_run_command("analyze", 12, a1);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_run_command("monitor", 9, a2);
  if (rc == CLI_EXIT_ALERTS)
    printf("(exit status 3: a scheduler alerts the team; see %s/alerts.csv)\n", mon);
  return rc == CLI_EXIT_ALERTS || rc == CLI_EXIT_OK ? CLI_EXIT_OK : rc;
}
