/* patron experiment evaluate --rules FILE --db STORE --orders FILE --as-of D [--apply]:
 * every trigger rule's actions as an experiment (holdout vs treatment, windows from each
 * action's fired_at), one verdict per rule printed ("browse_no_buy: +2.1 pp conversion
 * [0.8, 3.4], effective"), DIR/results.csv and DIR/rule_verdicts.csv; with --apply the
 * ineffective and harmful rules are disabled in the store. */
#include "cmd_experiment.h"

#include <stdio.h>
#include <stdlib.h>

static patron_status write_verdicts(const patron_rule_experiment *r, size_t n, bool applied,
                                    const char *path, patron_error *err) {
  patron_table *t = patron_table_new(n);
  const char **rule, **verdict, **action;
  int64_t *count[3];
  double *fig[3];
  static const char *const counts[3] = {"customers", "treatment", "holdout"};
  static const char *const figs[3] = {"conversion_diff", "conversion_diff_low",
                                      "conversion_diff_high"};
  patron_status st =
      t ? patron_table_add(t, "rule", PATRON_COL_STRING, (void **)&rule, err) : PATRON_ERR_NOMEM;
  for (int i = 0; i < 3 && st == PATRON_OK; i++)
    st = patron_table_add(t, counts[i], PATRON_COL_INT, (void **)&count[i], err);
  for (int i = 0; i < 3 && st == PATRON_OK; i++) {
    st = patron_table_add(t, figs[i], PATRON_COL_DOUBLE, (void **)&fig[i], err);
    patron_table_set_decimals(t, figs[i], PATRON_DECIMALS_EXACT);
  }
  if (st == PATRON_OK)
    st = patron_table_add(t, "verdict", PATRON_COL_STRING, (void **)&verdict, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "action", PATRON_COL_STRING, (void **)&action, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    bool off = r[i].verdict == PATRON_VERDICT_INEFFECTIVE || r[i].verdict == PATRON_VERDICT_HARMFUL;
    rule[i] = r[i].rule;
    count[0][i] = (int64_t)r[i].customers, count[1][i] = (int64_t)r[i].treatment;
    count[2][i] = (int64_t)r[i].holdout;
    if (r[i].e)
      fig[0][i] = r[i].e->rows[0].c.diff, fig[1][i] = r[i].e->rows[0].c.diff_low,
      fig[2][i] = r[i].e->rows[0].c.diff_high;
    verdict[i] = patron_verdict_name(r[i].verdict);
    action[i] = !off ? "keep" : applied ? "disabled" : "disable (use --apply)";
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}

static void print_rules(const patron_rule_experiment *r, size_t n, int window, bool applied) {
  printf("Trigger rules as experiments (treatment vs holdout, %d days from each action):\n",
         window);
  for (size_t i = 0; i < n; i++) {
    if (!r[i].e) {
      printf("%s: not enough customers yet (%zu treatment, %zu holdout with a full window)\n",
             r[i].rule, r[i].treatment, r[i].holdout);
      continue;
    }
    const patron_result_row *c = &r[i].e->rows[0];
    printf("%s: %+.1f pp conversion [%.1f, %.1f], %s", r[i].rule, 100 * c->c.diff,
           100 * c->c.diff_low, 100 * c->c.diff_high, patron_verdict_name(r[i].verdict));
    bool off = r[i].verdict == PATRON_VERDICT_INEFFECTIVE || r[i].verdict == PATRON_VERDICT_HARMFUL;
    printf("%s\n", !off ? "" : applied ? " -> disabled" : " (--apply disables it)");
  }
}

static patron_status load(const cli_rules_args *a, patron_trigger_rules **rules,
                          patron_store **store, patron_dataset **ds, patron_error *err) {
  patron_store_options so;
  patron_store_options_init(&so);
  so.read_only = !a->apply;
  patron_status st = patron_trigger_rules_load(a->rules, rules, err);
  if (st == PATRON_OK)
    st = patron_store_open(a->db, &so, store, err);
  a->load->progress = cli_progress;
  if (st == PATRON_OK)
    st = patron_dataset_load(a->load, ds, err);
  return st;
}

patron_status cli_experiment_rules(const cli_rules_args *a, patron_error *err) {
  patron_trigger_rules *rules = NULL;
  patron_store *store = NULL;
  patron_dataset *ds = NULL;
  patron_rule_experiment *r = NULL;
  size_t n = 0, disabled = 0;
  char path[4096];
  int64_t t = (int64_t)a->load->as_of_day * 86400;
  patron_status st = load(a, &rules, &store, &ds, err);
  if (st == PATRON_OK)
    st = patron_experiment_rules(rules, store, ds, t, a->opts, &r, &n, err);
  if (st == PATRON_OK && a->apply)
    st = patron_experiment_rules_apply(store, r, n, a->load->as_of_day, &disabled, err);
  if (st == PATRON_OK)
    st = cli_make_dir("experiment", a->out) ? PATRON_OK : PATRON_ERR_IO;
  patron_evaluation **e = st == PATRON_OK ? calloc(n ? n : 1, sizeof *e) : NULL;
  for (size_t i = 0; e && i < n; i++)
    e[i] = r[i].e;
  if (st == PATRON_OK && !e)
    st = PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st = patron_evaluations_write_csv((const patron_evaluation *const *)e, n,
                                      cli_path(path, sizeof path, a->out, "results.csv"), err);
  if (st == PATRON_OK)
    st = write_verdicts(r, n, a->apply, cli_path(path, sizeof path, a->out, "rule_verdicts.csv"),
                        err);
  if (st == PATRON_OK && !a->quiet) {
    print_rules(r, n, a->opts->window_days, a->apply);
    if (a->apply)
      printf("%zu rule%s disabled in %s (later trigger runs skip them: 'disabled')\n", disabled,
             disabled == 1 ? "" : "s", a->db);
  }
  free(e);
  patron_rule_experiments_free(r, n);
  patron_dataset_free(ds);
  patron_store_close(store);
  patron_trigger_rules_free(rules);
  return st;
}
