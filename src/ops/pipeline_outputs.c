/* The files of a pipeline run (SPEC section 4): profiles.csv, segments.csv, rejects.csv,
 * summary.json in one directory. Each is written under a temporary name and all are
 * renamed into place only once every one is complete, so an interrupted run never leaves
 * a truncated file beside another run's files. */
#include "core/core_int.h"
#include "io/files.h"
#include "patron/pipeline.h"

#include <unistd.h>

enum { PROFILES, SEGMENTS, REJECTS, SUMMARY, N_FILES };
static const char *const names[N_FILES] = {"profiles.csv", "segments.csv", "rejects.csv",
                                           "summary.json"};

static patron_status write_file(int which, patron_sink *s, const patron_dataset *ds,
                                const patron_pipeline_results *r, patron_run *run,
                                patron_error *err) {
  switch (which) {
  case PROFILES: return patron_write_table_csv_to(patron_profile_table_const(r->profile), s, err);
  case SEGMENTS: return patron_write_segments_csv_to(r->segments, r->n_segments, s, err);
  case REJECTS: return patron_write_rejects_csv_to(ds, s, err);
  default:
    patron_run_lap(run, "write");
    return patron_write_run_summary_json_to(ds, r->profile, run, s, err);
  }
}

patron_status patron_pipeline_write(const char *dir, const patron_output_options *o,
                                    const patron_dataset *ds, const patron_pipeline_results *r,
                                    patron_run *run, patron_error *err) {
  char paths[N_FILES][4096];
  patron_sink *sinks[N_FILES] = {0};
  patron_status st = PATRON_OK;
  for (int i = 0; st == PATRON_OK && i < N_FILES; i++)
    if ((st = patron__path_join(paths[i], sizeof paths[i], dir, names[i], err)) == PATRON_OK)
      st = patron__check_not_input(paths[i], ds, err);
  bool rejects = patron_dataset_n_rejects(ds) > 0;
  for (int i = 0; st == PATRON_OK && i < N_FILES; i++) {
    if (i == REJECTS && !rejects)
      continue;
    st = patron_sink_file(paths[i], o, &sinks[i], err);
    if (st == PATRON_OK)
      st = write_file(i, sinks[i], ds, r, run, err);
    if (st == PATRON_OK)
      st = patron_sink_finish(sinks[i], err);
  }
  for (int i = 0; i < N_FILES; i++) {
    if (st == PATRON_OK)
      st = patron_sink_close(sinks[i], err);
    else
      patron_sink_abort(sinks[i]);
  }
  if (st == PATRON_OK && !rejects)
    unlink(paths[REJECTS]); /* a stale rejects.csv from an earlier run would mislead */
  return st;
}
