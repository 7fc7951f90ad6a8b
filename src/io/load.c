/* patron_dataset_load: runs the loaders in order (orders, customers, events) and
 * finalizes the dataset (customers sorted by id, per-customer indexes); through the dataset
 * cache (dataset_cache.c) when a cache directory is given. */
#include "io/cache_int.h"
#include "io/load_int.h"

#include <stdlib.h>
#include <string.h>

void patron_load_options_init(patron_load_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->as_of_day = PATRON_NO_DAY;
  opts->since_day = PATRON_NO_DAY;
}

static patron_status check_options(const patron_load_options *opts, patron_error *err) {
  if (!opts->paths[PATRON_FILE_ORDERS])
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "an orders file is required");
  if (opts->date_format)
    return patron_check_time_format(opts->date_format, err);
  return PATRON_OK;
}

patron_status patron_dataset_load(const patron_load_options *opts, patron_dataset **out,
                                  patron_error *err) {
  *out = NULL;
  patron_status st = check_options(opts, err);
  if (st != PATRON_OK)
    return st;
  return opts->cache_dir ? patron__dataset_load_cached(opts, out, err)
                         : patron__dataset_load_files(opts, out, err);
}

patron_status patron__dataset_load_files(const patron_load_options *opts, patron_dataset **out,
                                         patron_error *err) {
  *out = NULL;
  patron_status st = PATRON_OK;
  patron_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return PATRON__OOM(err);
  ds->max_order_time = INT64_MIN;
  ds->load_as_of = opts->as_of_day;
  ds->n_threads = patron__load_threads(opts);
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    ds->reports[k].path = opts->paths[k];
    if (opts->paths[k] && !(ds->paths[k] = strdup(opts->paths[k])))
      st = PATRON__OOM(err);
    ds->reports[k].path = ds->paths[k];
  }
  if (st == PATRON_OK)
    st = patron__load_orders(ds, opts, err);
  if (st == PATRON_OK && opts->paths[PATRON_FILE_CUSTOMERS])
    st = patron__load_members(ds, opts, err);
  if (st == PATRON_OK && opts->paths[PATRON_FILE_EVENTS])
    st = patron__load_events(ds, opts, err);
  if (st == PATRON_OK)
    st = patron__dataset_finalize(ds, err);
  if (st != PATRON_OK) {
    patron_dataset_free(ds);
    return st;
  }
  *out = ds;
  return PATRON_OK;
}
