/* patron experiment assign INPUTS --where EXPR (SPEC section 12): the customers an expression
 * selects from the profile analyze would compute (the same load, pipeline and selection as
 * `patron audience --where`, SPEC section 8), in customer_id byte order, assigned to arms by
 * the GrowthBook hash (src/ops/experiment_assign.c). */
#include "cmd_experiment.h"
#include "cli_profile.h"
#include "cli_store.h"

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
  patron_audience_options sel;
  patron_audience_options_init(&sel);
  sel.where = w->where;
  /* the store records the assignments afterwards: it may not exist yet */
  cli_history hi;
  patron_status st = cli_history_open(w->db, true, &hi, err);
  if (st != PATRON_OK)
    return st;
  cli_profile p;
  patron_audience au = {0};
  st = cli_profile_selecting_warned(in, w->tags, w->db != NULL, &p, err);
  if (st == PATRON_OK)
    st = cli_history_attach(&hi, p.r.profile, &sel.functions, &sel.n_functions, err);
  if (st == PATRON_OK)
    st = patron_audience_select(p.r.profile, p.ds, &sel, &au, err);
  if (st == PATRON_OK)
    st = assign_rows(patron_profile_table_const(p.r.profile), &au, w, out, err);
  patron_audience_free(&au);
  cli_profile_free(&p);
  cli_history_close(&hi);
  return st;
}
