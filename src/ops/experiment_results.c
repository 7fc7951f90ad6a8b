/* results.csv of an evaluation (SPEC section 12): experiment,metric,arm,n,control_n,value,
 * control_value,diff,diff_low,diff_high,lift,lift_low,lift_high,p_value,p_adjusted,srm_p,
 * verdict, figures at full precision, through the project's table writer. */
#include "core/assign_int.h"
#include "patron/output.h"

#include <stdlib.h>

static const char *const figure_names[11] = {"value",     "control_value", "diff",     "diff_low",
                                             "diff_high", "lift",          "lift_low", "lift_high",
                                             "p_value",   "p_adjusted",    "srm_p"};

static void figures(const patron_result_row *r, double out[11]) {
  const patron_comparison *c = &r->c;
  double v[11] = {c->value,    c->control_value, c->diff,    c->diff_low,   c->diff_high, c->lift,
                  c->lift_low, c->lift_high,     c->p_value, r->p_adjusted, r->srm_p};
  for (int i = 0; i < 11; i++)
    out[i] = v[i];
}

static patron_status add_columns(patron_table *t, const char ***text, int64_t **count, double **fig,
                                 patron_error *err) {
  static const char *const text_names[4] = {"experiment", "metric", "arm", "verdict"};
  patron_status st = PATRON_OK;
  for (int i = 0; i < 3 && st == PATRON_OK; i++)
    st = patron_table_add(t, text_names[i], PATRON_COL_STRING, (void **)&text[i], err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "n", PATRON_COL_INT, (void **)&count[0], err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "control_n", PATRON_COL_INT, (void **)&count[1], err);
  for (int i = 0; i < 11 && st == PATRON_OK; i++) {
    st = patron_table_add(t, figure_names[i], PATRON_COL_DOUBLE, (void **)&fig[i], err);
    patron_table_set_decimals(t, figure_names[i], PATRON_DECIMALS_EXACT);
  }
  if (st == PATRON_OK)
    st = patron_table_add(t, text_names[3], PATRON_COL_STRING, (void **)&text[3], err);
  return st;
}

patron_status patron_evaluation_write_csv(const patron_evaluation *e, const char *path,
                                          patron_error *err) {
  patron_table *t = patron_table_new(e->n_rows);
  if (!t)
    return PATRON__OOM(err);
  const char **text[4];
  int64_t *count[2];
  double *fig[11];
  patron_status st = add_columns(t, text, count, fig, err);
  for (size_t i = 0; st == PATRON_OK && i < e->n_rows; i++) {
    const patron_result_row *r = &e->rows[i];
    text[0][i] = e->experiment;
    text[1][i] = patron_metric_name(r->metric);
    text[2][i] = e->arms.names[r->arm];
    text[3][i] = patron_verdict_name(r->verdict);
    count[0][i] = (int64_t)r->n;
    count[1][i] = (int64_t)r->control_n;
    double v[11];
    figures(r, v);
    for (int k = 0; k < 11; k++)
      fig[k][i] = v[k];
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}
