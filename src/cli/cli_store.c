/* The CLI's use of the store: opening it with clear errors and recording an analyze run's
 * snapshot in one transaction (SPEC section 10). */
#include "cli_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static patron_status open_store(const char *path, bool read_only, patron_store **s,
                                patron_error *err) {
  patron_store_options o;
  patron_store_options_init(&o);
  o.read_only = read_only;
  const char *busy = getenv("PATRON_BUSY_TIMEOUT_MS");
  char *end = NULL;
  long ms = busy ? strtol(busy, &end, 10) : 0;
  if (busy && end != busy && *end == '\0' && ms > 0 && ms <= 3600000)
    o.busy_ms = (int)ms;
  return patron_store_open(path, &o, s, err);
}

patron_store *cli_store_open(const char *command, const char *path, bool read_only) {
  patron_store *s = NULL;
  patron_error err = {0};
  if (open_store(path, read_only, &s, &err) != PATRON_OK) {
    cli_fail(command, &err);
    return NULL;
  }
  return s;
}

patron_status cli_history_open(const char *db, bool may_be_new, cli_history *hi,
                               patron_error *err) {
  *hi = (cli_history){.on = db != NULL};
  if (!db || (may_be_new && access(db, F_OK) != 0))
    return PATRON_OK;
  return open_store(db, true, &hi->store, err);
}

patron_status cli_history_attach(cli_history *hi, const patron_profile *p,
                                 const patron_expr_function **functions, size_t *n_functions,
                                 patron_error *err) {
  if (!hi->on)
    return PATRON_OK;
  patron_history_free(hi->h);
  hi->h = NULL;
  patron_status st = patron_history_new(hi->store, patron_profile_table_const(p),
                                        patron_profile_as_of(p), &hi->h, err);
  if (st == PATRON_OK) {
    *functions = hi->fns;
    *n_functions = patron_history_functions(hi->h, hi->fns);
  }
  return st;
}

void cli_history_close(cli_history *hi) {
  patron_history_free(hi->h);
  patron_store_close(hi->store);
  *hi = (cli_history){0};
}

char *cli_read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (len >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
    size_t got = fread(buf, 1, (size_t)len, f);
    buf[got] = '\0';
  }
  fclose(f);
  return buf;
}

patron_status cli_store_snapshot(patron_store *store, const char *command,
                                 const patron_pipeline_results *r, const char *out_dir,
                                 patron_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/summary.json", out_dir);
  char *summary = cli_read_text(path);
  patron_status st = patron_store_record_snapshot(store, command, patron_profile_as_of(r->profile),
                                                  patron_profile_table_const(r->profile),
                                                  r->segments, r->n_segments, summary, err);
  free(summary);
  return st;
}
