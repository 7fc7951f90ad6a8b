/* The profile of the operational commands (trigger run, plan) and of the selecting ones
 * (audience, lookalike, portrait, experiment assign --where): the inputs loaded and the
 * library pipeline run as `analyze` runs it. */
#include "cli_profile.h"

#include <stdlib.h>
#include <string.h>

bool cli_profile_spec_column(const char *name) {
  static const char *const spec[] = {"rfm_class", "segment", "value_quadrant", "abc_class",
                                     "lifecycle"};
  for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++)
    if (strcmp(spec[i], name) == 0)
      return true;
  return false;
}

void cli_profile_free(cli_profile *p) {
  patron_pipeline_results_free(&p->r);
  patron_dataset_free(p->ds);
  patron_run_free_contents(&p->run);
  p->ds = NULL;
}

/* Loads the inputs and runs the pipeline o as of as_of_day into p (p->run initialised
 * here; the caller frees p whatever the result). */
static patron_status load_and_run(cli_inputs *in, int32_t as_of_day,
                                  const patron_pipeline_options *o,
                                  void (*loaded)(void *ctx, const patron_dataset *ds), void *ctx,
                                  cli_profile *p, patron_error *err) {
  *p = (cli_profile){0};
  patron_run_init(&p->run);
  p->run.as_of_day = as_of_day;
  p->run.n_threads = in->load.n_threads;
  p->run.progress = in->load.progress = cli_progress;
  patron_status st = patron_dataset_load(&in->load, &p->ds, err);
  if (st != PATRON_OK)
    return st;
  patron_run_lap(&p->run, "load");
  if (loaded)
    loaded(ctx, p->ds);
  return patron_pipeline_run(p->ds, o, &p->run, &p->r, err);
}

int cli_profile_build(const char *command, cli_inputs *in, int32_t as_of_day, bool spec_only,
                      bool level_warning, const char *const *names, size_t n_names,
                      cli_profile *p) {
  return cli_profile_build_hooked(command, in, as_of_day, spec_only, level_warning, names, n_names,
                                  NULL, NULL, p);
}

int cli_profile_build_hooked(const char *command, cli_inputs *in, int32_t as_of_day, bool spec_only,
                             bool level_warning, const char *const *names, size_t n_names,
                             void (*loaded)(void *ctx, const patron_dataset *ds), void *ctx,
                             cli_profile *p) {
  patron_error err = {0};
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.spec_only = spec_only;
  o.level_warning = level_warning;
  char *only = NULL;
  patron_status st = names ? patron_pipeline_only_for(&o, names, n_names, &only, &err) : PATRON_OK;
  o.only = only;
  if (st == PATRON_OK)
    st = load_and_run(in, as_of_day, &o, loaded, ctx, p, &err);
  else
    *p = (cli_profile){0}, patron_run_init(&p->run);
  free(only);
  if (st == PATRON_OK)
    return CLI_EXIT_OK;
  if (loaded && p->ds)
    loaded(ctx, NULL);
  cli_profile_free(p);
  return cli_fail(command, &err);
}

patron_status cli_profile_selecting(cli_inputs *in, const patron_tags_options *tags, cli_profile *p,
                                    patron_error *err) {
  return cli_profile_selecting_warned(in, tags, false, p, err);
}

patron_status cli_profile_selecting_warned(cli_inputs *in, const patron_tags_options *tags,
                                           bool level_warning, cli_profile *p, patron_error *err) {
  in->load.keep_lines = true;
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.tags = *tags;
  o.level_warning = level_warning;
  return load_and_run(in, in->load.as_of_day, &o, NULL, NULL, p, err);
}
