/* The conditions of trigger rules (SPEC section 11, step 1): each enabled rule's `where`
 * compiled once with the expression language (SPEC section 6) and evaluated over every
 * customer with the vectorized filter. */
#include "core/core_int.h"
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

static patron_status match_one(const patron_trigger_rule *rule, size_t i,
                               const patron_expr_env *base, const char *file, uint32_t **rows,
                               size_t *n, patron_error *err) {
  char label[64];
  snprintf(label, sizeof label, "rules[%zu].where", i);
  patron_expr_env env = *base;
  env.label = label;
  env.want_condition = true;
  patron_expr *e = NULL;
  patron_error inner = {0};
  patron_status st = patron_expr_compile(rule->where, strlen(rule->where), &env, &e, &inner);
  if (st != PATRON_OK)
    return patron__error_set(err, PATRON_ERR_INPUT, file, 0, 0,
                             "rule '%s': %s\n(to run the other rules without it, set "
                             "\"enabled\": false on rule '%s')",
                             rule->name, inner.message, rule->name);
  size_t n_rows = patron_table_n_rows(env.table);
  if (!(*rows = malloc((n_rows ? n_rows : 1) * sizeof **rows)))
    st = PATRON__OOM(err);
  else if ((st = patron_expr_filter(e, NULL, n_rows, *rows, n, &inner)) != PATRON_OK)
    st = patron__error_set(err, st, file, 0, 0, "rule '%s': %s", rule->name, inner.message);
  patron_expr_free(e);
  return st;
}

patron_status patron_trigger_match(const patron_trigger_rules *r, const patron_expr_env *env,
                                   const char *file, uint32_t ***matched, size_t **n_matched,
                                   patron_error *err) {
  *matched = calloc(r->n_rules + 1, sizeof **matched);
  *n_matched = calloc(r->n_rules + 1, sizeof **n_matched);
  patron_status st = *matched && *n_matched ? PATRON_OK : PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < r->n_rules; i++)
    if (r->rules[i].enabled)
      st = match_one(&r->rules[i], i, env, file, &(*matched)[i], &(*n_matched)[i], err);
  if (st != PATRON_OK) {
    patron_trigger_matches_free(*matched, *n_matched, r->n_rules);
    *matched = NULL;
    *n_matched = NULL;
  }
  return st;
}
