/* The pipeline stages of SPEC section 7: `tags` (the built-in tag columns) and `rules`
 * (the --tags and --segments rule files), sharing one tag set kept in the run's results. */
#include "core/core_int.h"
#include "ops/stages.h"
#include "ops/tags_int.h"

static patron_status tagset(patron_run *run, patron_tagset **out, patron_error *err) {
  if (!run->results->tagset && !(run->results->tagset = patron_tagset_new()))
    return PATRON__OOM(err);
  *out = run->results->tagset;
  return PATRON_OK;
}

/* The tag columns the MPI ranks computed (with the combined inputs), and their notes. */
static patron_status tags_given(patron_profile *p, patron_run *run, patron_error *err) {
  patron__tag_inputs in;
  patron__tags_given_inputs(run->options->given, &in);
  patron__tags_notes(run, &in);
  return patron__stage_given(p, run, "tags", err);
}

patron_status patron__stage_tags(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                 patron_error *err) {
  if (patron__stage_is_given(run, "tags"))
    return tags_given(p, run, err);
  patron_tagset *ts = NULL;
  patron_status st = tagset(run, &ts, err);
  return st == PATRON_OK ? patron_tags_builtin(ts, p, ds, &run->options->tags, run, err) : st;
}

patron_status patron__stage_rules(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err) {
  patron_tagset *ts = NULL;
  patron_status st = tagset(run, &ts, err);
  const patron_table *given = patron__stage_is_given(run, "rules") ? run->options->given : NULL;
  return st == PATRON_OK ? patron__tags_rules_with(ts, p, ds, &run->options->tags, given, err) : st;
}
