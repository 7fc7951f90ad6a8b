/* The conditions of trigger rules (SPEC section 11, step 1): each enabled rule's `where`
 * compiled once with the expression language (SPEC section 6), in order, then evaluated over
 * every customer with the vectorized filter, the rules side by side on the executor. */
#include "core/core_int.h"
#include "core/exec.h"
#include "patron/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void patron_trigger_matches_free(uint32_t **matched, size_t *n_matched, size_t n_rules) {
  for (size_t i = 0; matched && i < n_rules; i++)
    free(matched[i]);
  free(matched);
  free(n_matched);
}

/* One enabled rule: its compiled condition, then (on a thread of its own) the rows it keeps. */
typedef struct match_job {
  const patron_trigger_rule *rule;
  const char *file;
  patron_expr *e;
  uint32_t *rows;
  size_t n, n_rows;
  patron_status st;
  patron_error err;
} match_job;

static patron_status compile_one(match_job *j, size_t i, const patron_expr_env *base,
                                 patron_error *err) {
  char label[64];
  snprintf(label, sizeof label, "rules[%zu].where", i);
  patron_expr_env env = *base;
  env.label = label;
  env.want_condition = true;
  patron_error inner = {0};
  patron_status st =
      patron_expr_compile(j->rule->where, strlen(j->rule->where), &env, &j->e, &inner);
  if (st != PATRON_OK)
    return patron__error_set(err, PATRON_ERR_INPUT, j->file, 0, 0,
                             "rule '%s': %s\n(to run the other rules without it, set "
                             "\"enabled\": false on rule '%s')",
                             j->rule->name, inner.message, j->rule->name);
  j->n_rows = patron_table_n_rows(base->table);
  if (!(j->rows = malloc((j->n_rows ? j->n_rows : 1) * sizeof *j->rows)))
    return PATRON__OOM(err);
  return PATRON_OK;
}

/* Outside functions (previous(), moved()) ran at compile time, so filtering reads only
 * the expression's own state and the shared inputs: the rules filter side by side. */
static void filter_one(void *item) {
  match_job *j = item;
  patron_error inner = {0};
  j->st = patron_expr_filter(j->e, NULL, j->n_rows, j->rows, &j->n, &inner);
  if (j->st != PATRON_OK)
    patron__error_set(&j->err, j->st, j->file, 0, 0, "rule '%s': %s", j->rule->name, inner.message);
}

static patron_status match_all(const patron_trigger_rules *r, const patron_expr_env *env,
                               const char *file, match_job *jobs, size_t *n_jobs,
                               uint32_t **matched, size_t *n_matched, patron_error *err) {
  patron_status st = PATRON_OK;
  size_t *rule_of = malloc((r->n_rules + 1) * sizeof *rule_of);
  if (!rule_of)
    return PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < r->n_rules; i++)
    if (r->rules[i].enabled) {
      jobs[*n_jobs] = (match_job){.rule = &r->rules[i], .file = file};
      rule_of[*n_jobs] = i;
      st = compile_one(&jobs[(*n_jobs)++], i, env, err);
    }
  if (st == PATRON_OK)
    patron__exec_each(env->n_threads, jobs, *n_jobs, sizeof *jobs, filter_one);
  for (size_t k = 0; st == PATRON_OK && k < *n_jobs; k++) { /* the first failure in order */
    if (jobs[k].st != PATRON_OK) {
      *err = jobs[k].err;
      st = jobs[k].st;
    }
    matched[rule_of[k]] = jobs[k].rows, n_matched[rule_of[k]] = jobs[k].n;
    jobs[k].rows = NULL;
  }
  free(rule_of);
  return st;
}

patron_status patron_trigger_match(const patron_trigger_rules *r, const patron_expr_env *env,
                                   const char *file, uint32_t ***matched, size_t **n_matched,
                                   patron_error *err) {
  *matched = calloc(r->n_rules + 1, sizeof **matched);
  *n_matched = calloc(r->n_rules + 1, sizeof **n_matched);
  match_job *jobs = calloc(r->n_rules + 1, sizeof *jobs);
  size_t n_jobs = 0;
  patron_status st = *matched && *n_matched && jobs ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = match_all(r, env, file, jobs, &n_jobs, *matched, *n_matched, err);
  for (size_t k = 0; jobs && k < n_jobs; k++) {
    patron_expr_free(jobs[k].e);
    free(jobs[k].rows);
  }
  free(jobs);
  if (st != PATRON_OK) {
    patron_trigger_matches_free(*matched, *n_matched, r->n_rules);
    *matched = NULL;
    *n_matched = NULL;
  }
  return st;
}
