/* patron experiment assign INPUTS --where EXPR (SPEC section 12): the customers an expression
 * selects from the profile analyze would compute (the same load, pipeline and selection as
 * `patron audience --where`, SPEC section 8), in customer_id byte order, assigned to arms by
 * the GrowthBook hash (src/ops/experiment_assign.c). */
#include "cmd_experiment.h"

#include <stdio.h>
#include <stdlib.h>

/* The selected rows' ids (borrowed from the profile table) assigned to the arms. */
static patron_status assign_rows(const patron_table *t, const patron_audience *au,
                                 const cli_where_assign *w, patron_assignments **out,
                                 patron_error *err) {
  const char *const *id = patron_table_find(t, "customer_id")->data;
  const char **ids = malloc((au->n_rows + 1) * sizeof *ids);
  if (!ids) {
    err->status = PATRON_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return PATRON_ERR_NOMEM;
  }
  for (size_t i = 0; i < au->n_rows; i++)
    ids[i] = id[au->rows[i]];
  patron_status st = patron_experiment_assign(w->name, ids, au->n_rows, w->arms, w->salt, out, err);
  free(ids);
  return st;
}

patron_status cli_experiment_assign_where(cli_inputs *in, const cli_where_assign *w,
                                          patron_assignments **out, patron_error *err) {
  in->load.keep_lines = true; /* as audience: line-level functions (categories, items) */
  patron_run run;
  patron_run_init(&run);
  run.as_of_day = in->load.as_of_day;
  run.n_threads = in->load.n_threads;
  run.progress = in->load.progress = cli_progress;
  patron_pipeline_options o;
  patron_pipeline_options_init(&o);
  o.tags = *w->tags;
  patron_audience_options sel;
  patron_audience_options_init(&sel);
  sel.where = w->where;
  patron_pipeline_results r = {0};
  patron_dataset *ds = NULL;
  patron_audience au = {0};
  patron_status st = patron_dataset_load(&in->load, &ds, err);
  if (st == PATRON_OK)
    st = patron_pipeline_run(ds, &o, &run, &r, err);
  if (st == PATRON_OK)
    st = patron_audience_select(r.profile, ds, &sel, &au, err);
  if (st == PATRON_OK)
    st = assign_rows(patron_profile_table_const(r.profile), &au, w, out, err);
  patron_audience_free(&au);
  patron_pipeline_results_free(&r);
  patron_dataset_free(ds);
  patron_run_free_contents(&run);
  return st;
}
