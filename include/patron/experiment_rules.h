/* Trigger rules as experiments (SPEC section 12): each rule's logged actions (treatment vs
 * holdout, from the store) evaluated over a window from each customer's fired_at, one
 * verdict per rule, and the rules that do not work disabled in the store. docs/EXPERIMENTS.md. */
#ifndef PATRON_EXPERIMENT_RULES_H
#define PATRON_EXPERIMENT_RULES_H

#include "patron/experiment.h"
#include "patron/store.h"
#include "patron/trigger.h"

typedef struct patron_rule_experiment {
  const char *rule; /* the rule's name (owned by the rules) */
  size_t customers; /* customers with an action old enough (their first action counts) */
  size_t treatment, holdout;
  patron_evaluation *e;   /* NULL when an arm has fewer than 2 customers */
  patron_verdict verdict; /* the rule's verdict: its conversion row's; inconclusive without e */
} patron_rule_experiment;

/* For every rule of rules: the actions logged in store that fired at least o->window_days
 * before t (seconds since 1970-01-01 on the rules' wall clock), each customer's first one;
 * arms holdout (control, weight holdout_percent) and treatment (100 - holdout_percent); the
 * metrics of ds's orders over [fired_at, fired_at + window). *out has one entry per rule in
 * file order: free with patron_rule_experiments_free. */
PATRON_API patron_status patron_experiment_rules(const patron_trigger_rules *rules,
                                                 patron_store *store, const patron_dataset *ds,
                                                 int64_t t, const patron_eval_options *o,
                                                 patron_rule_experiment **out, size_t *n,
                                                 patron_error *err);
PATRON_API void patron_rule_experiments_free(patron_rule_experiment *r, size_t n);

/* Disables, in one transaction, every rule whose verdict is ineffective or harmful (reason:
 * "experiment VERDICT as of D"); *n_disabled counts them. */
PATRON_API patron_status patron_experiment_rules_apply(patron_store *store,
                                                       const patron_rule_experiment *r, size_t n,
                                                       int32_t as_of_day, size_t *n_disabled,
                                                       patron_error *err);

/* ---- Assignments in the store (experiment assign --db, evaluate --db --name) ---- */

/* Records every assignment of a (experiment a->name, salt) in one transaction with a run
 * "experiment assign"; an earlier assignment of the same experiment and customer is replaced. */
PATRON_API patron_status patron_assignments_store_put(patron_store *store,
                                                      const patron_assignments *a, const char *salt,
                                                      patron_error *err);

/* Reads experiment `name`'s assignments (customer_id byte order; arms in order of first
 * appearance, equal weights). No assignment is PATRON_ERR_INPUT naming the experiment and the
 * store. *out is new. */
PATRON_API patron_status patron_assignments_store_get(patron_store *store, const char *name,
                                                      patron_assignments **out, patron_error *err);

#endif
