/* The main job: load the exports, build profiles as of a date, write the outputs of SPEC
 * section 4 and print the segment report. */
#include "analysis.h"
#include "cli_load.h"
#include "cli_store.h"
#include "report_print.h"

#include <stdio.h>
#include <stdlib.h>

void cli_analysis_init(cli_analysis *a) {
  cli_inputs_init(&a->inputs);
  patron_profile_options_init(&a->profile);
  patron_repurchase_options_init(&a->repurchase);
  cli_tiers_init(&a->tiers, true);
  a->out_dir = NULL;
  a->quiet = false;
  a->clv = true;
  patron_clv_profile_options_init(&a->clv_options);
  a->churn_model = NULL;
  a->spec_only = false;
  a->db = NULL;
  a->review_days = 30;
  patron_output_options_init(&a->output);
}

/* The library pipeline's options from analyze's flags. */
static void pipeline_options(const cli_analysis *a, patron_pipeline_options *o) {
  patron_pipeline_options_init(o);
  o->profile = a->profile;
  o->spec_only = a->spec_only;
  o->clv = a->clv;
  o->clv_options = a->clv_options;
  o->repurchase = a->repurchase;
  o->churn_model_dir = a->churn_model;
  o->cluster = a->tiers.cluster;
  o->value = a->tiers.value;
  o->level_warning = a->db != NULL;
  o->review_days = a->review_days;
}

static void print_report(FILE *out, const cli_analysis *a, const patron_dataset *ds,
                         const patron_pipeline_results *r) {
  cli_print_inputs(out, ds);
  cli_print_headline(out, r->profile);
  cli_print_segments(out, r->segments, r->n_segments, a->profile.median_threshold);
  cli_tiers_print(out, &a->tiers, r);
}

/* DIR/report.txt: the report as printed (also under --quiet), for people who open DIR. */
static patron_status save_report(const cli_analysis *a, const patron_dataset *ds,
                                 const patron_pipeline_results *r, patron_error *err) {
  char path[4096];
  FILE *f = fopen(cli_path(path, sizeof path, a->out_dir, "report.txt"), "w");
  if (f)
    print_report(f, a, ds, r);
  if (f && fclose(f) == 0)
    return PATRON_OK;
  snprintf(err->message, sizeof err->message, "cannot write %.400s", path);
  return err->status = PATRON_ERR_IO;
}

int cli_run_analysis(const char *command, cli_analysis *a) {
  patron_error err = {0};
  patron_run run;
  patron_run_init(&run);
  run.as_of_day = a->inputs.load.as_of_day;
  run.n_threads = a->inputs.load.n_threads;
  run.progress = a->inputs.load.progress = cli_progress;
  patron_pipeline_options o;
  pipeline_options(a, &o);
  patron_pipeline_results r = {0};
  patron_dataset *ds = NULL;
  if (!cli_make_dir(command, a->out_dir))
    return CLI_EXIT_FAIL;
  patron_store *store = NULL; /* opened first: a bad store fails before the long work */
  if (a->db && !(store = cli_store_open(command, a->db, false)))
    return CLI_EXIT_FAIL;
  char rejects[4096];
  int rc = cli_load(command, &a->inputs.load,
                    cli_path(rejects, sizeof rejects, a->out_dir, "rejects.csv"), &run, &ds);
  if (rc != CLI_EXIT_OK) {
    patron_store_close(store);
    patron_run_free_contents(&run);
    return rc;
  }
  patron_run_lap(&run, "load");
  patron_status st = patron_pipeline_run(ds, &o, &run, &r, &err);
  if (st == PATRON_OK)
    st = patron_pipeline_write(a->out_dir, &a->output, ds, &r, &run, &err);
  if (st == PATRON_OK && store)
    st = cli_store_snapshot(store, command, &r, a->out_dir, &err);
  if (st == PATRON_OK)
    st = save_report(a, ds, &r, &err);
  if (st == PATRON_OK) {
    cli_print_warnings(command, &run);
    if (!a->quiet) {
      print_report(stdout, a, ds, &r);
      printf("\nWrote %s/profiles.csv, segments.csv, summary.json, report.txt%s\n", a->out_dir,
             patron_dataset_n_rejects(ds) ? ", rejects.csv" : "");
    }
  }
  patron_pipeline_results_free(&r);
  patron_dataset_free(ds);
  patron_store_close(store);
  patron_run_free_contents(&run);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(command, &err);
}
