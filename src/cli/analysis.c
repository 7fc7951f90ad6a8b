/* The main job: load the exports, build profiles as of a date, write the outputs of SPEC
 * section 4 and print the segment report. */
#include "analysis.h"
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
  patron_tags_options_init(&a->tags);
  a->db = NULL;
  a->review_days = 30;
  a->validate_loyalty_day = PATRON_NO_DAY;
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
  o->tags = a->tags;
  o->level_warning = a->db != NULL;
  o->review_days = a->review_days;
  o->validate_loyalty_day = a->validate_loyalty_day;
}

static void print_report(const char *command, const cli_analysis *a, const patron_dataset *ds,
                         const patron_pipeline_results *r) {
  if (a->quiet)
    return;
  if (r->clv_note[0])
    printf("Note: CLV columns left empty (%s: %s)\n", command, r->clv_note);
  cli_print_inputs(stdout, ds);
  cli_print_headline(stdout, r->profile);
  cli_print_segments(stdout, r->segments, r->n_segments);
  cli_tiers_print(stdout, &a->tiers, r);
  printf("\nWrote %s/profiles.csv, segments.csv, summary.json%s\n", a->out_dir,
         patron_dataset_n_rejects(ds) ? ", rejects.csv" : "");
}

patron_status cli_analysis_compute(const char *command, cli_analysis *a, cli_run *s,
                                   patron_error *err) {
  (void)command;
  patron_run_init(&s->run);
  s->run.as_of_day = a->inputs.load.as_of_day;
  s->run.n_threads = a->inputs.load.n_threads;
  s->run.progress = a->inputs.load.progress = cli_progress;
  patron_pipeline_options o;
  pipeline_options(a, &o);
  if (!a->spec_only) /* the tags read order lines (category, brand, channel, discount) */
    a->inputs.load.keep_lines = true;
  patron_status st = patron_dataset_load(&a->inputs.load, &s->ds, err);
  if (st == PATRON_OK) {
    patron_run_lap(&s->run, "load");
    st = patron_pipeline_run(s->ds, &o, &s->run, &s->r, err);
  }
  return st;
}

void cli_run_free(cli_run *s) {
  patron_pipeline_results_free(&s->r);
  patron_dataset_free(s->ds);
  patron_run_free_contents(&s->run);
  s->ds = NULL;
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
    st = patron_pipeline_write(a->out_dir, &a->output, s.ds, &s.r, &s.run, &err);
  if (st == PATRON_OK && store)
    st = cli_store_snapshot(store, command, &s.r, a->out_dir, &err);
  if (st == PATRON_OK) {
    cli_print_warnings(command, &s.run);
    print_report(command, a, s.ds, &s.r);
  }
  cli_run_free(&s);
  patron_store_close(store);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(command, &err);
}
