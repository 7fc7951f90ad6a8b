/* The CLI's use of the store: opening it with clear errors and recording an analyze run's
 * snapshot in one transaction (SPEC section 10). */
#include "cli_store.h"

#include <stdio.h>
#include <stdlib.h>

patron_store *cli_store_open(const char *command, const char *path, bool read_only) {
  patron_store_options o;
  patron_store_options_init(&o);
  o.read_only = read_only;
  const char *busy = getenv("PATRON_BUSY_TIMEOUT_MS");
  if (busy && *busy)
    o.busy_ms = atoi(busy) > 0 ? atoi(busy) : o.busy_ms;
  patron_store *s = NULL;
  patron_error err = {0};
  if (patron_store_open(path, &o, &s, &err) != PATRON_OK) {
    cli_fail(command, &err);
    return NULL;
  }
  return s;
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
                                 const patron_profile *profile, const patron_segment_row *segments,
                                 size_t n_segments, const char *summary_path, patron_error *err) {
  char day[11];
  int32_t as_of = patron_profile_as_of(profile);
  patron_format_day(as_of, day);
  char *summary = cli_read_text(summary_path);
  int64_t run_id = 0;
  patron_status st = patron_store_begin(store, err);
  if (st == PATRON_OK)
    st = patron_store_run_add(store, command, day, NULL, &run_id, err);
  if (st == PATRON_OK)
    st = patron_store_snapshot_put(store, run_id, as_of, patron_profile_table_const(profile),
                                   segments, n_segments, summary, err);
  if (st == PATRON_OK)
    st = patron_store_commit(store, err);
  else
    patron_store_rollback(store);
  free(summary);
  return st;
}
