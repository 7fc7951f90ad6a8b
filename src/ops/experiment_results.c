/* results.csv of an evaluation (SPEC section 12): experiment,metric,arm,n,control_n,value,
 * control_value,diff,diff_low,diff_high,lift,lift_low,lift_high,p_value,p_adjusted,srm_p,
 * verdict, figures at full precision, through the project's table writer; and the same rows
 * per segment of a stratified evaluation (segmentation,segment, then the same columns). */
#include "core/assign_int.h"
#include "patron/output.h"

#include <stdbool.h>
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

static patron_status add_columns(patron_table *t, bool strata, const char ***text, int64_t **count,
                                 double **fig, patron_error *err) {
  static const char *const text_names[6] = {"segmentation", "segment", "experiment",
                                            "metric",       "arm",     "verdict"};
  patron_status st = PATRON_OK;
  for (int i = strata ? 0 : 2; i < 5 && st == PATRON_OK; i++)
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
    st = patron_table_add(t, text_names[5], PATRON_COL_STRING, (void **)&text[5], err);
  return st;
}

/* Rows of every evaluation in order (each under its segment when segments is not NULL). */
static patron_status write_rows(const patron_evaluation *const *e, size_t n_eval,
                                const char *segmentation, const char *const *segments,
                                const char *path, patron_error *err) {
  size_t rows = 0;
  for (size_t k = 0; k < n_eval; k++)
    rows += e[k] ? e[k]->n_rows : 0;
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  const char **text[6];
  int64_t *count[2];
  double *fig[11];
  patron_status st = add_columns(t, segments != NULL, text, count, fig, err);
  size_t at = 0;
  for (size_t k = 0; st == PATRON_OK && k < n_eval; k++)
    for (size_t i = 0; e[k] && i < e[k]->n_rows; i++, at++) {
      const patron_result_row *r = &e[k]->rows[i];
      if (segments)
        text[0][at] = segmentation, text[1][at] = segments[k];
      text[2][at] = e[k]->experiment;
      text[3][at] = patron_metric_name(r->metric);
      text[4][at] = e[k]->arms.names[r->arm];
      text[5][at] = patron_verdict_name(r->verdict);
      count[0][at] = (int64_t)r->n;
      count[1][at] = (int64_t)r->control_n;
      double v[11];
      figures(r, v);
      for (int f = 0; f < 11; f++)
        fig[f][at] = v[f];
    }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

patron_status patron_evaluation_write_csv(const patron_evaluation *e, const char *path,
                                          patron_error *err) {
  return write_rows(&e, 1, NULL, NULL, path, err);
}

patron_status patron_evaluations_write_csv(const patron_evaluation *const *e, size_t n,
                                           const char *path, patron_error *err) {
  return write_rows(e, n, NULL, NULL, path, err);
}

patron_status patron_evaluations_write_strata_csv(const patron_evaluation *const *e,
                                                  const char *const *segments, size_t n,
                                                  const char *segmentation, const char *path,
                                                  patron_error *err) {
  return write_rows(e, n, segmentation, segments, path, err);
}
