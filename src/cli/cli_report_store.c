/* The report's and the server's snapshots read back from a store (SPEC section 10): the latest
 * few up to a day, and the report figures of the last one with the one before it. */
#include "cli_report.h"

#include <stdio.h>
#include <stdlib.h>

patron_status cli_store_snaps_load(patron_store *store, int32_t as_of, size_t max,
                                   cli_store_snaps *out, patron_error *err) {
  *out = (cli_store_snaps){0};
  patron_snapshot_info *info = NULL;
  size_t n = 0, end = 0;
  patron_status st = patron_store_snapshots(store, &info, &n, err);
  if (st != PATRON_OK)
    return st;
  while (end < n && (as_of == PATRON_NO_DAY || info[end].as_of <= as_of))
    end++;
  if (end == 0 || (as_of != PATRON_NO_DAY && info[end - 1].as_of != as_of)) {
    char day[16] = "any day";
    if (as_of != PATRON_NO_DAY)
      day[patron_format_day(as_of, day)] = '\0';
    free(info);
    snprintf(err->message, sizeof err->message, "no snapshot as of %s in the store", day);
    snprintf(err->file, sizeof err->file, "%s", patron_store_path(store));
    return err->status = PATRON_ERR_INPUT;
  }
  size_t begin = end > max ? end - max : 0;
  out->snaps = calloc(end - begin, sizeof *out->snaps);
  if (!out->snaps) {
    free(info);
    snprintf(err->message, sizeof err->message, "out of memory");
    return err->status = PATRON_ERR_NOMEM;
  }
  for (size_t i = begin; i < end && st == PATRON_OK; i++) {
    st = patron_store_snapshot_load(store, info[i].as_of, &out->snaps[out->n], err);
    if (st == PATRON_OK)
      out->n++;
  }
  free(info);
  return st;
}

void cli_store_snaps_free(cli_store_snaps *s) {
  for (size_t i = 0; i < s->n; i++)
    patron_snapshot_free(s->snaps[i]);
  free(s->snaps);
  *s = (cli_store_snaps){0};
}

patron_status cli_report_json_store(const cli_store_snaps *s, char **json, patron_error *err) {
  const patron_snapshot *cur = s->snaps[s->n - 1], *prev = s->n > 1 ? s->snaps[s->n - 2] : NULL;
  patron_report_input in = {
      .table = patron_snapshot_table(cur),
      .as_of = patron_snapshot_as_of(cur),
      .previous = prev ? patron_snapshot_table(prev) : NULL,
      .previous_as_of = prev ? patron_snapshot_as_of(prev) : PATRON_NO_DAY,
  };
  return patron_report_data(&in, json, err);
}
