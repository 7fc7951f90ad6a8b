/* The main job: load the exports, build profiles as of a date, write the outputs of SPEC
 * section 4 and print the segment report. */
#include "analysis.h"
#include "cmd_churn.h"
#include "report_print.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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
}

static void lap(cli_run *s, const char *step) {
  s->timings[s->n_timings++] = (patron_timing){step, cli_seconds_since(&s->clock)};
  clock_gettime(CLOCK_MONOTONIC, &s->clock);
}

static patron_status write_outputs(const cli_analysis *a, cli_run *s, patron_error *err) {
  char path[4096];
  const char *dir = a->out_dir;
  patron_status st = patron_write_table_csv(patron_profile_table_const(s->profile),
                                            cli_path(path, sizeof path, dir, "profiles.csv"), err);
  if (st == PATRON_OK)
    st = patron_write_segments_csv(s->segments, s->n_segments,
                                   cli_path(path, sizeof path, dir, "segments.csv"), err);
  cli_path(path, sizeof path, dir, "rejects.csv");
  if (st == PATRON_OK && patron_dataset_n_rejects(s->ds))
    st = patron_write_rejects_csv(s->ds, path, err);
  else if (st == PATRON_OK)
    unlink(path); /* a stale rejects.csv from an earlier run would mislead */
  lap(s, "write");
  if (st == PATRON_OK)
    st = patron_write_summary_json(s->ds, s->profile, s->timings, s->n_timings,
                                   cli_path(path, sizeof path, dir, "summary.json"), err);
  return st;
}

static void print_report(const cli_analysis *a, const cli_run *s) {
  if (a->quiet)
    return;
  cli_print_inputs(stdout, s->ds);
  cli_print_headline(stdout, s->profile);
  cli_print_segments(stdout, s->segments, s->n_segments);
  cli_tiers_print(stdout, &a->tiers, &s->tiers);
  printf("\nWrote %s/profiles.csv, segments.csv, summary.json%s\n", a->out_dir,
         patron_dataset_n_rejects(s->ds) ? ", rejects.csv" : "");
}

/* CLV columns. When the data cannot support a model (too few repeat buyers, no
 * convergence) they stay empty with a note; other failures (memory) end the run. */
static patron_status add_clv_columns(const char *command, const cli_analysis *a, cli_run *s,
                                     patron_error *run_err) {
  patron_error err = {0};
  patron_clv_profile_options o = a->clv_options;
  o.threads = a->inputs.load.n_threads;
  patron_status st = patron_clv_profile_columns(patron_profile_table(s->profile), s->ds,
                                                patron_profile_customers(s->profile),
                                                patron_profile_as_of(s->profile), &o, &err);
  bool data_limit = st == PATRON_ERR_DOMAIN || st == PATRON_ERR_NOCONV || st == PATRON_ERR_INPUT;
  if (st == PATRON_OK || data_limit) {
    if (data_limit && !a->quiet)
      printf("Note: CLV columns left empty (%s: %s)\n", command, err.message);
    return PATRON_OK;
  }
  *run_err = err;
  return st;
}

/* The models that append columns to the profile, each timed, then the segment report. */
static patron_status run_models(const char *command, cli_analysis *a, cli_run *s,
                                patron_error *err) {
  patron_status st = PATRON_OK;
  if (a->spec_only)
    return patron_segment_report(patron_profile_table_const(s->profile), &s->segments,
                                 &s->n_segments, err);
  if (a->clv && (st = add_clv_columns(command, a, s, err)) != PATRON_OK)
    return st;
  lap(s, "clv");
  a->repurchase.n_threads = a->inputs.load.n_threads;
  if ((st = patron_repurchase_profile(s->profile, s->ds, &a->repurchase, err)) != PATRON_OK)
    return st;
  lap(s, "repurchase");
  if (a->churn_model) {
    if ((st = cli_churn_add_column(a->churn_model, s->ds, s->profile, err)) != PATRON_OK)
      return st;
    lap(s, "churn");
  }
  if ((st = cli_tiers_apply(&a->tiers, s->ds, s->profile, &s->tiers, err)) != PATRON_OK)
    return st;
  lap(s, "cluster_tiers");
  return patron_segment_report(patron_profile_table_const(s->profile), &s->segments, &s->n_segments,
                               err);
}

patron_status cli_analysis_compute(const char *command, cli_analysis *a, cli_run *s,
                                   patron_error *err) {
  clock_gettime(CLOCK_MONOTONIC, &s->clock);
  a->inputs.load.progress = cli_progress;
  patron_status st = patron_dataset_load(&a->inputs.load, &s->ds, err);
  if (st == PATRON_OK) {
    lap(s, "load");
    st = patron_profile_build(s->ds, &a->profile, &s->profile, err);
  }
  if (st == PATRON_OK) {
    lap(s, "profile");
    st = run_models(command, a, s, err);
  }
  if (st == PATRON_OK)
    cli_tiers_warn(command, &s->tiers);
  return st;
}

void cli_run_free(cli_run *s) {
  free(s->segments);
  patron_profile_free(s->profile);
  cli_tiers_done(&s->tiers); /* after the profile: it owns cluster_label's labels */
  patron_dataset_free(s->ds);
  *s = (cli_run){0};
}

int cli_run_analysis(const char *command, cli_analysis *a) {
  patron_error err = {0};
  cli_run s = {0};
  if (!cli_make_dir(command, a->out_dir))
    return CLI_EXIT_FAIL;
  patron_status st = cli_analysis_compute(command, a, &s, &err);
  if (st == PATRON_OK)
    st = write_outputs(a, &s, &err);
  if (st == PATRON_OK)
    print_report(a, &s);
  cli_run_free(&s);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail(command, &err);
}
