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
  a->mpi = false;
  a->clv = true;
  patron_clv_profile_options_init(&a->clv_options);
  a->churn_model = NULL;
  a->spec_only = false;
  a->stages = NULL;
  a->stream = false;
  patron_tags_options_init(&a->tags);
  a->db = NULL;
  a->review_days = 30;
  a->validate_loyalty_day = PATRON_NO_DAY;
  patron_output_options_init(&a->output);
}

void cli_analysis_pipeline_options(const cli_analysis *a, patron_pipeline_options *o) {
  patron_pipeline_options_init(o);
  o->profile = a->profile;
  o->spec_only = a->spec_only;
  o->clv = a->clv;
  o->clv_options = a->clv_options;
  o->repurchase = a->repurchase;
  o->churn_model_dir = a->churn_model;
  o->cluster = a->tiers.cluster;
  o->value = a->tiers.value;
  o->tags = a->tags;
  o->level_warning = a->db != NULL;
  o->review_days = a->review_days;
  o->validate_loyalty_day = a->validate_loyalty_day;
  if (a->stages)
    o->only = a->stages_only;
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

patron_status cli_analysis_compute(const char *command, cli_analysis *a, cli_run *s,
                                   patron_error *err) {
  patron_run_init(&s->run);
  s->run.as_of_day = a->inputs.load.as_of_day;
  s->run.n_threads = a->inputs.load.n_threads;
  s->run.progress = a->inputs.load.progress = cli_progress;
  patron_pipeline_options o;
  cli_analysis_pipeline_options(a, &o);
  if (!a->spec_only) /* the tags read order lines (category, brand, channel, discount) */
    a->inputs.load.keep_lines = true;
  char rejects[4096];
  if (a->out_dir)
    cli_path(rejects, sizeof rejects, a->out_dir, "rejects.csv");
  s->load_rc = cli_load(command, &a->inputs.load, a->out_dir ? rejects : NULL, &s->run, &s->ds);
  if (s->load_rc != CLI_EXIT_OK) {
    snprintf(err->message, sizeof err->message, "the inputs could not be used (see above)");
    return err->status = PATRON_ERR_INPUT;
  }
  patron_run_lap(&s->run, "load");
  return patron_pipeline_run(s->ds, &o, &s->run, &s->r, err);
}

void cli_run_free(cli_run *s) {
  patron_pipeline_results_free(&s->r);
  patron_dataset_free(s->ds);
  patron_run_free_contents(&s->run);
  s->ds = NULL;
}

patron_status cli_analysis_output(const char *command, const cli_analysis *a, cli_run *s,
                                  patron_store *store, patron_error *err) {
  patron_status st = patron_pipeline_write(a->out_dir, &a->output, s->ds, &s->r, &s->run, err);
  if (st == PATRON_OK && store)
    st = cli_store_snapshot(store, command, &s->r, a->out_dir, err);
  if (st == PATRON_OK)
    st = save_report(a, s->ds, &s->r, err);
  if (st == PATRON_OK) {
    cli_print_warnings(command, &s->run);
    if (!a->quiet) {
      print_report(stdout, a, s->ds, &s->r);
      printf("\nWrote %s/profiles.csv, segments.csv, summary.json, report.txt%s\n", a->out_dir,
             patron_dataset_n_rejects(s->ds) ? ", rejects.csv" : "");
    }
  }
  return st;
}

int cli_run_analysis(const char *command, cli_analysis *a) {
  patron_error err = {0};
  cli_run s = {0};
  if (!cli_make_dir(command, a->out_dir))
    return CLI_EXIT_FAIL;
  patron_store *store = NULL; /* opened first: a bad store fails before the long work */
  if (a->db && !(store = cli_store_open(command, a->db, false)))
    return CLI_EXIT_FAIL;
  patron_status st = cli_analysis_compute(command, a, &s, &err);
  if (st == PATRON_OK)
    st = cli_analysis_output(command, a, &s, store, &err);
  int load_rc = s.load_rc;
  cli_run_free(&s);
  patron_store_close(store);
  if (load_rc != CLI_EXIT_OK) /* already reported */
    return load_rc;
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(command, &err);
}
