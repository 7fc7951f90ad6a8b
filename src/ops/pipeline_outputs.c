/* The files of a pipeline run (SPEC section 4): profiles.csv, segments.csv, rejects.csv,
 * summary.json in one directory. */
#include "core/core_int.h"
#include "io/files.h"
#include "patron/pipeline.h"

#include <unistd.h>

patron_status patron_pipeline_write(const char *dir, const patron_dataset *ds,
                                    const patron_pipeline_results *r, patron_run *run,
                                    patron_error *err) {
  char path[4096];
  patron_status st = patron__path_join(path, sizeof path, dir, "profiles.csv", err);
  if (st == PATRON_OK)
    st = patron_write_table_csv(patron_profile_table_const(r->profile), path, err);
  if (st == PATRON_OK &&
      (st = patron__path_join(path, sizeof path, dir, "segments.csv", err)) == PATRON_OK)
    st = patron_write_segments_csv(r->segments, r->n_segments, path, err);
  if (st == PATRON_OK &&
      (st = patron__path_join(path, sizeof path, dir, "rejects.csv", err)) == PATRON_OK) {
    if (patron_dataset_n_rejects(ds))
      st = patron_write_rejects_csv(ds, path, err);
    else
      unlink(path); /* a stale rejects.csv from an earlier run would mislead */
  }
  if (st == PATRON_OK)
    patron_run_lap(run, "write");
  if (st == PATRON_OK &&
      (st = patron__path_join(path, sizeof path, dir, "summary.json", err)) == PATRON_OK)
    st = patron_write_run_summary_json(ds, r->profile, run, path, err);
  return st;
}
