/* The profile that the operational commands (trigger run, plan) act on: the inputs loaded
 * and the library pipeline run over them, as `analyze` does, without writing its files. */
#ifndef PATRON_CLI_PROFILE_H
#define PATRON_CLI_PROFILE_H

#include "cli_inputs.h"

typedef struct cli_profile {
  patron_dataset *ds;
  patron_pipeline_results r;
  patron_run run;
} cli_profile;

/* Loads the inputs and runs the pipeline as of as_of_day (PATRON_NO_DAY: the data's
 * default): the SPEC section 3 figures alone with spec_only, else the stages (CLV, tiers,
 * ...) and, with level_warning, the level_warning column. With names (n_names columns that
 * the command's expressions use), only the stages that add them run
 * (patron_pipeline_only_for); NULL: every stage. Returns CLI_EXIT_OK, or prints the error
 * and returns its exit code (usage 2, else 1; p is then freed). */
int cli_profile_build(const char *command, cli_inputs *in, int32_t as_of_day, bool spec_only,
                      bool level_warning, const char *const *names, size_t n_names, cli_profile *p);
/* The same, calling loaded(ctx, ds) once the inputs are loaded, before the pipeline runs
 * (e.g. to start work that only reads the dataset on other threads), and loaded(ctx, NULL)
 * before a failed build frees the dataset (that work must be finished when it returns). */
int cli_profile_build_hooked(const char *command, cli_inputs *in, int32_t as_of_day, bool spec_only,
                             bool level_warning, const char *const *names, size_t n_names,
                             void (*loaded)(void *ctx, const patron_dataset *ds), void *ctx,
                             cli_profile *p);
void cli_profile_free(cli_profile *p);

/* The profile of the selecting commands (audience, lookalike, portrait, experiment assign
 * --where): every order line kept (the behaviour functions read categories and items) and
 * every stage run with the tags options (built-in tags, --tags/--segments rules), as of the
 * inputs' as-of. The caller frees p with cli_profile_free whatever the result. */
patron_status cli_profile_selecting(cli_inputs *in, const patron_tags_options *tags, cli_profile *p,
                                    patron_error *err);
/* The same with the level_warning column (SPEC 10: a command given a store, --db). */
patron_status cli_profile_selecting_warned(cli_inputs *in, const patron_tags_options *tags,
                                           bool level_warning, cli_profile *p, patron_error *err);

/* Is name one of the SPEC section 3 columns (then spec_only suffices)? */
bool cli_profile_spec_column(const char *name);

#endif
