/* patron experiment: the subcommands shared between cmd_experiment.c and
 * cmd_experiment_eval.c. */
#ifndef PATRON_CMD_EXPERIMENT_H
#define PATRON_CMD_EXPERIMENT_H

#include "cli_inputs.h"

/* patron experiment assign INPUTS --where EXPR (experiment_where.c): the customers EXPR
 * selects from the profile (as `patron audience --where`), in customer_id order, assigned. */
typedef struct cli_where_assign {
  const char *where, *name, *salt;
  const patron_arms *arms;
  const patron_tags_options *tags;
  const char *db; /* --db: previous()/moved() and level_warning when the store exists */
} cli_where_assign;
patron_status cli_experiment_assign_where(cli_inputs *in, const cli_where_assign *w,
                                          patron_assignments **out, patron_error *err);

/* patron experiment evaluate (argv[0] = "evaluate"). */
int cli_experiment_evaluate(int argc, char **argv);

/* The printed evaluation: arms and sizes, sample ratio, the table of rows with verdicts, one
 * line per arm a marketer can act on, and the underpowered rows. */
void cli_experiment_print(const patron_evaluation *e, const patron_eval_options *o);

/* Stratified reporting: the evaluation within each segment of `by` in segments_path (a CSV
 * with customer_id and that column), written to out_path and printed when print is set. */
patron_status cli_experiment_strata(const patron_assignments *a, const double *y, const double *x,
                                    const patron_eval_options *o, const char *segments_path,
                                    const char *by, const char *out_path, bool print,
                                    patron_error *err);

/* patron experiment evaluate --rules FILE --db STORE ... (experiment_rules.c). */
typedef struct cli_rules_args {
  const char *rules, *db, *out;
  patron_load_options *load; /* the orders; as_of_day is T's day */
  const patron_eval_options *opts;
  bool apply, quiet;
} cli_rules_args;
patron_status cli_experiment_rules(const cli_rules_args *a, patron_error *err);

/* The demo's experiment: DIR/data's customers assigned, a planted conversion effect in the
 * treatment arm's last 30 days, evaluated into DIR/experiment and printed. Exit status. */
int cli_demo_experiment(const char *out_dir, const char *data_dir);

#endif
