/* The daily loop of `patron demo` (SPEC sections 10-11), run through the same commands a
 * user types (analyze --db a month earlier, movements, plan init + plan, trigger init +
 * trigger run), so the demo prints exactly what they print. */
#include "demo_loop.h"

#include "cli.h"
#include "cli_inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One argument as a shell reads it back: bare when plain, else in double quotes (single
 * quotes when it holds a double quote, $ or a backtick). */
static void print_shell_word(const char *s) {
  if (s[0] && !s[strcspn(s, " \t'\"$`\\|&;()<>*?!#~")]) {
    printf(" %s", s);
    return;
  }
  if (!s[strcspn(s, "\"$`\\!")]) {
    printf(" \"%s\"", s);
    return;
  }
  printf(" '");
  for (; *s; s++)
    *s == '\'' ? printf("'\\''") : putchar(*s);
  putchar('\'');
}

int cli_demo_run_command(const char *name, int argc, char **argv) {
  const cli_command *c = cli_find_command(name);
  printf("\n$ patron");
  for (int i = 0; i < argc; i++)
    print_shell_word(argv[i]);
  printf("\n\n");
  fflush(stdout);
  return c ? c->run(argc, argv) : CLI_EXIT_FAIL;
}

/* The latest snapshot's as-of (the demo's analysis) as a day number. */
bool cli_demo_latest_as_of(const char *db, int32_t *day) {
  patron_store_options o;
  patron_store_options_init(&o);
  o.read_only = true;
  patron_store *s = NULL;
  patron_snapshot_info *info = NULL;
  size_t n = 0;
  patron_error err = {0};
  bool ok = patron_store_open(db, &o, &s, &err) == PATRON_OK &&
            patron_store_snapshots(s, &info, &n, &err) == PATRON_OK && n > 0;
  if (ok)
    *day = info[n - 1].as_of;
  free(info);
  patron_store_close(s);
  return ok;
}

int cli_demo_loop(const char *out_dir, const char *db, const char *orders, const char *customers,
                  const char *events) {
  int32_t today;
  if (!cli_demo_latest_as_of(db, &today))
    return fprintf(stderr, "patron demo: %s: no snapshot recorded\n", db), CLI_EXIT_FAIL;
  char then[11], now[11], t[17], month_ago[4096], moves[4096], matrix[4096], plan[4096];
  char rules[4096], trig[4096], slipped[4096];
  patron_format_day(today - 30, then);
  patron_format_day(today, now);
  snprintf(t, sizeof t, "%sT10:00", now);
  cli_path(month_ago, sizeof month_ago, out_dir, "month_ago");
  cli_path(moves, sizeof moves, out_dir, "movements");
  cli_path(matrix, sizeof matrix, out_dir, "matrix.json");
  cli_path(plan, sizeof plan, out_dir, "plan");
  cli_path(rules, sizeof rules, out_dir, "rules.json");
  cli_path(trig, sizeof trig, out_dir, "trigger");
  cli_path(slipped, sizeof slipped, out_dir, "audience_slipped.csv");
  printf("\nThe daily loop: a snapshot a month earlier, who moved, the campaign plan%s.\n",
         cli_find_command("trigger") ? " and a trigger run" : "");
  char *a1[] = {"analyze",  "--orders",     (char *)orders, "--customers", (char *)customers,
                "--events", (char *)events, "--as-of",      then,          "--db",
                (char *)db, "--out",        month_ago,      "--quiet",     NULL};
  char *a2[] = {"movements", "--db", (char *)db,  "--from", then,  "--to",
                now,         "--by", "lifecycle", "--out",  moves, NULL};
  /* who slipped since then: previous()/moved() read the store (SPEC 6, 10) */
  char *a7[] = {"audience",
                "--orders",
                (char *)orders,
                "--customers",
                (char *)customers,
                "--events",
                (char *)events,
                "--db",
                (char *)db,
                "--where",
                "moved(lifecycle) = 'down' and previous(lifecycle) = 'active'",
                "--by",
                "lifecycle",
                "--out",
                slipped,
                NULL};
  char *a3[] = {"plan", "init", "--out", matrix, NULL};
  char *a4[] = {"plan",     "--orders", (char *)orders, "--customers", (char *)customers,
                "--matrix", matrix,     "--out",        plan,          NULL};
  char *a5[] = {"trigger", "init", "--out", rules, NULL};
  char *a6[] = {"trigger",     "run",
                "--orders",    (char *)orders,
                "--customers", (char *)customers,
                "--events",    (char *)events,
                "--rules",     rules,
                "--db",        (char *)db,
                "--as-of",     t,
                "--out",       trig,
                NULL};
  int rc = cli_demo_run_command("analyze", 14, a1);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_run_command("movements", 11, a2);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_run_command("audience", 15, a7);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_run_command("plan", 4, a3);
  if (rc == CLI_EXIT_OK)
    rc = cli_demo_run_command("plan", 9, a4);
  if (rc == CLI_EXIT_OK && cli_find_command("trigger"))
    rc = cli_demo_run_command("trigger", 4, a5);
  if (rc == CLI_EXIT_OK && cli_find_command("trigger"))
    rc = cli_demo_run_command("trigger", 16, a6);
  return rc;
}
