/* The main job: load the exports, build profiles as of a date, write the outputs of SPEC
 * section 4 and print the segment report. */
#include "analysis.h"
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
  if (!a->spec_only) /* the tags read order lines (category, brand, channel, discount) */
    a->inputs.load.keep_lines = true;
  patron_status st = patron_dataset_load(&a->inputs.load, &ds, &err);
  if (st == PATRON_OK) {
    patron_run_lap(&run, "load");
    st = patron_pipeline_run(ds, &o, &run, &r, &err);
  }
  if (st == PATRON_OK)
    st = patron_pipeline_write(a->out_dir, &a->output, ds, &r, &run, &err);
  if (st == PATRON_OK) {
    cli_print_warnings(command, &run);
    print_report(command, a, ds, &r);
  }
  patron_pipeline_results_free(&r);
  patron_dataset_free(ds);
  patron_run_free_contents(&run);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(command, &err);
}
