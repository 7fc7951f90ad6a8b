/* Trigger rules as experiments (SPEC section 12): the store's action log grouped by rule
 * (each customer's first action fired at least a window before T), holdout against
 * treatment with each customer's window opening at its fired_at, evaluated like any
 * experiment (experiment_eval.c); ineffective and harmful rules disabled in the store. */
#include "patron/experiment_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assign_int.h"
#include "core/intern.h"
#include "patron/hash.h"

#define DAY 86400

typedef struct rule_log {
  patron__intern ids; /* customers, in order of their first action */
  bool *holdout;
  int64_t *fired_at;
  size_t cap;
} rule_log;

typedef struct collect_ctx {
  const patron_trigger_rules *rules;
  rule_log *logs;
  bool oom;
} collect_ctx;

static bool collect(void *ctx, const patron_action *a) {
  collect_ctx *c = ctx;
  size_t r = 0;
  while (r < c->rules->n_rules && strcmp(c->rules->rules[r].name, a->rule) != 0)
    r++;
  if (r == c->rules->n_rules)
    return true; /* a rule no longer in the file */
  rule_log *log = &c->logs[r];
  bool added = false;
  uint32_t k = patron__intern_put(&log->ids, 0, a->customer_id, strlen(a->customer_id), &added);
  size_t old_cap = log->cap;
  if (k == PATRON__NO_INDEX || (added && !patron__reserve((void **)&log->holdout, &log->cap,
                                                          log->ids.n, sizeof *log->holdout)))
    return c->oom = true, false;
  if (log->cap != old_cap) {
    int64_t *f = realloc(log->fired_at, log->cap * sizeof *f);
    if (!f)
      return c->oom = true, false;
    log->fired_at = f;
  }
  if (added) {
    log->holdout[k] = a->holdout;
    log->fired_at[k] = a->fired_at;
  }
  return true;
}

/* The assignments of one rule: arms holdout, treatment. */
static patron_assignments *rule_assignments(const patron_trigger_rule *rule, const rule_log *log) {
  size_t bytes = 0;
  for (size_t i = 0; i < log->ids.n; i++)
    bytes += log->ids.len[i] + 1;
  patron_assignments *a = patron__assignments_new(rule->name, log->ids.n, bytes);
  if (!a || !patron__arms_add(&a->arms, "holdout", 7, rule->holdout_percent) ||
      !patron__arms_add(&a->arms, "treatment", 9, 100 - rule->holdout_percent)) {
    patron_assignments_free(a);
    return NULL;
  }
  char *text = a->id_text;
  for (size_t i = 0; i < log->ids.n; i++) {
    a->ids[i] = text;
    memcpy(text, log->ids.str[i], log->ids.len[i]);
    text[log->ids.len[i]] = '\0';
    text += log->ids.len[i] + 1;
    a->arm[i] = log->holdout[i] ? 0 : 1;
    a->bucket[i] = patron_hash_bucket(rule->name, strlen(rule->name), a->ids[i], log->ids.len[i]);
  }
  return a;
}

static patron_status evaluate_rule(const patron_trigger_rule *rule, const rule_log *log,
                                   const patron_dataset *ds, const patron_eval_options *o,
                                   patron_rule_experiment *out, patron_error *err) {
  *out = (patron_rule_experiment){
      .rule = rule->name, .customers = log->ids.n, .verdict = PATRON_VERDICT_INCONCLUSIVE};
  for (size_t i = 0; i < log->ids.n; i++)
    out->holdout += log->holdout[i];
  out->treatment = out->customers - out->holdout;
  if (out->holdout < 2 || out->treatment < 2)
    return PATRON_OK;
  patron_assignments *a = rule_assignments(rule, log);
  double *y = malloc(3 * log->ids.n * sizeof *y);
  patron_status st = a && y ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_experiment_metrics_from(a, ds, log->fired_at, o, y, NULL, NULL, err);
  if (st == PATRON_OK)
    st = patron_experiment_evaluate_metrics(a, y, NULL, o, &out->e, err);
  if (st == PATRON_OK)
    out->verdict = out->e->rows[0].verdict; /* conversion */
  patron_assignments_free(a);
  free(y);
  return st;
}

patron_status patron_experiment_rules(const patron_trigger_rules *rules, patron_store *store,
                                      const patron_dataset *ds, int64_t t,
                                      const patron_eval_options *o, patron_rule_experiment **out,
                                      size_t *n, patron_error *err) {
  size_t k = rules->n_rules;
  collect_ctx c = {rules, calloc(k ? k : 1, sizeof(rule_log)), false};
  patron_rule_experiment *r = calloc(k ? k : 1, sizeof *r);
  patron_status st = c.logs && r ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_store_actions_between(store, INT64_MIN, t - (int64_t)o->window_days * DAY + 1,
                                      collect, &c, err);
  if (st == PATRON_OK && c.oom)
    st = PATRON__OOM(err);
  for (size_t i = 0; i < k && st == PATRON_OK; i++)
    st = evaluate_rule(&rules->rules[i], &c.logs[i], ds, o, &r[i], err);
  for (size_t i = 0; c.logs && i < k; i++) {
    patron__intern_free(&c.logs[i].ids);
    free(c.logs[i].holdout);
    free(c.logs[i].fired_at);
  }
  free(c.logs);
  if (st != PATRON_OK) {
    patron_rule_experiments_free(r, k);
    return st;
  }
  *out = r;
  *n = k;
  return PATRON_OK;
}

void patron_rule_experiments_free(patron_rule_experiment *r, size_t n) {
  for (size_t i = 0; r && i < n; i++)
    patron_evaluation_free(r[i].e);
  free(r);
}

patron_status patron_experiment_rules_apply(patron_store *store, const patron_rule_experiment *r,
                                            size_t n, int32_t as_of_day, size_t *n_disabled,
                                            patron_error *err) {
  char day[11], reason[96];
  patron_format_day(as_of_day, day);
  *n_disabled = 0;
  patron_status st = patron_store_begin(store, err);
  for (size_t i = 0; i < n && st == PATRON_OK; i++) {
    if (r[i].verdict != PATRON_VERDICT_INEFFECTIVE && r[i].verdict != PATRON_VERDICT_HARMFUL)
      continue;
    snprintf(reason, sizeof reason, "experiment %s as of %s", patron_verdict_name(r[i].verdict),
             day);
    st = patron_store_rule_set(store, r[i].rule, false, reason, err);
    *n_disabled += st == PATRON_OK;
  }
  if (st == PATRON_OK)
    st = patron_store_commit(store, err);
  else
    patron_store_rollback(store);
  return st;
}
