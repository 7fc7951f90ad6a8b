/* Trigger rules with "recommend": K (SPEC section 18): each action of such a rule carries the
 * customer's first K recommended values and their reasons (the recommender of
 * src/models/recommend/ with patron recommend's defaults, fitted once per run as of the run's
 * day; docs/TRIGGERS.md "Recommendations in actions"). */
#include "core/core_int.h"
#include "patron/recommend.h"
#include "patron/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool patron_trigger_rules_recommend(const patron_trigger_rules *r) {
  for (size_t i = 0; i < r->n_rules; i++)
    if (r->rules[i].enabled && r->rules[i].recommend > 0)
      return true;
  return false;
}

/* The action's K (0: its rule does not recommend). */
static int action_k(const patron_trigger_rules *rules, const patron_action *a) {
  for (size_t i = 0; i < rules->n_rules; i++)
    if (strcmp(rules->rules[i].name, a->rule) == 0)
      return rules->rules[i].recommend;
  return 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The recommendations of the customers (sorted, distinct dataset indexes): first[i] is the
 * first row of customer i in t, count[i] its rows. */
typedef struct reco_rows {
  uint32_t *customer;
  size_t n;
  size_t *first, *count;
  patron_table *t; /* its strings are the model's */
} reco_rows;

static void reco_rows_free(reco_rows *rr) {
  free(rr->customer), free(rr->first), free(rr->count);
  patron_table_free(rr->t);
}

/* Distinct customers of the recommending actions and the largest K among them. */
static patron_status collect(const patron_trigger_result *r, const patron_trigger_rules *rules,
                             const patron_dataset *ds, reco_rows *rr, int *k_max,
                             patron_error *err) {
  rr->customer = malloc((r->n_actions + 1) * sizeof *rr->customer);
  if (!rr->customer)
    return PATRON__OOM(err);
  for (size_t i = 0; i < r->n_actions; i++) {
    int k = action_k(rules, &r->actions[i]);
    const char *id = r->actions[i].customer_id;
    uint32_t c = k > 0 ? patron_dataset_find_customer(ds, id, strlen(id)) : UINT32_MAX;
    if (c == UINT32_MAX)
      continue;
    rr->customer[rr->n++] = c;
    *k_max = k > *k_max ? k : *k_max;
  }
  qsort(rr->customer, rr->n, sizeof *rr->customer, cmp_u32);
  size_t m = 0;
  for (size_t i = 0; i < rr->n; i++)
    if (m == 0 || rr->customer[m - 1] != rr->customer[i])
      rr->customer[m++] = rr->customer[i];
  rr->n = m;
  return PATRON_OK;
}

/* Each customer's rows in the table (rows come in the customers' order). */
static patron_status index_rows(const patron_dataset *ds, reco_rows *rr, patron_error *err) {
  rr->first = calloc(rr->n + 1, sizeof *rr->first);
  rr->count = calloc(rr->n + 1, sizeof *rr->count);
  if (!rr->first || !rr->count)
    return PATRON__OOM(err);
  const char *const *rid = patron_table_find(rr->t, "customer_id")->data;
  size_t n_rows = patron_table_n_rows(rr->t), row = 0;
  for (size_t i = 0; i < rr->n; i++) {
    const char *id = patron_dataset_customer_id(ds, rr->customer[i]);
    rr->first[i] = row;
    while (row < n_rows && strcmp(rid[row], id) == 0)
      row++;
    rr->count[i] = row - rr->first[i];
  }
  return PATRON_OK;
}

/* The first n cells of col from row first joined by `|` (malloc'ed). */
static char *join(const char *const *col, size_t first, size_t n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += strlen(col[first + i]) + 1;
  char *s = malloc(len + 1), *p = s;
  for (size_t i = 0; s && i < n; i++) {
    size_t l = strlen(col[first + i]);
    if (i)
      *p++ = '|';
    memcpy(p, col[first + i], l);
    p += l;
  }
  if (s)
    *p = '\0';
  return s;
}

static patron_status fill(patron_trigger_result *r, const patron_trigger_rules *rules,
                          const patron_dataset *ds, const reco_rows *rr, patron_error *err) {
  const char *const *value = patron_table_find(rr->t, "value")->data;
  const char *const *reason = patron_table_find(rr->t, "reason")->data;
  for (size_t i = 0; i < r->n_actions; i++) {
    int k = action_k(rules, &r->actions[i]);
    const char *id = r->actions[i].customer_id;
    uint32_t c = k > 0 ? patron_dataset_find_customer(ds, id, strlen(id)) : UINT32_MAX;
    uint32_t *hit = c == UINT32_MAX ? NULL : bsearch(&c, rr->customer, rr->n, sizeof c, cmp_u32);
    if (!hit || rr->count[hit - rr->customer] == 0)
      continue;
    size_t at = (size_t)(hit - rr->customer), n = rr->count[at];
    n = n < (size_t)k ? n : (size_t)k;
    r->items[i] = join(value, rr->first[at], n);
    r->reasons[i] = join(reason, rr->first[at], n);
    if (!r->items[i] || !r->reasons[i])
      return PATRON__OOM(err);
  }
  return PATRON_OK;
}

void patron_trigger_fit_run(patron_trigger_fit *fit, const patron_trigger_rules *rules,
                            const patron_dataset *ds, int32_t as_of_day, int n_threads) {
  *fit = (patron_trigger_fit){.status = PATRON_OK};
  if (!patron_trigger_rules_recommend(rules))
    return;
  patron_recommend_options o;
  patron_recommend_options_init(&o);
  o.as_of_day = as_of_day;
  o.n_threads = n_threads;
  o.no_rules = true; /* the actions carry recommendations, never rules */
  fit->status = patron_recommender_fit(ds, &o, &fit->model, &fit->error);
}

void patron_trigger_fit_free(patron_trigger_fit *fit) {
  patron_recommender_free(fit->model);
  fit->model = NULL;
}

/* The customers' rows from the fitted model; a fit without values at the level (an input
 * error) leaves them empty with a warning. */
static patron_status recommend_rows(const patron_dataset *ds, const patron_trigger_fit *fit, int k,
                                    reco_rows *rr, char warning[256], patron_error *err) {
  if (fit->status == PATRON_ERR_INPUT) {
    if (warning)
      snprintf(warning, 256, "%.250s", fit->error.message);
    return PATRON_OK;
  }
  if (fit->status != PATRON_OK) {
    *err = fit->error;
    return fit->status;
  }
  patron_status st = patron_recommend_customers(fit->model, rr->customer, rr->n, k, &rr->t, err);
  return st == PATRON_OK ? index_rows(ds, rr, err) : st;
}

patron_status patron_trigger_recommend(patron_trigger_result *r, const patron_trigger_rules *rules,
                                       const patron_dataset *ds, const patron_trigger_fit *fit,
                                       char warning[256], patron_error *err) {
  if (warning)
    warning[0] = '\0';
  if (!patron_trigger_rules_recommend(rules))
    return PATRON_OK;
  r->items = calloc(r->n_actions + 1, sizeof *r->items);
  r->reasons = calloc(r->n_actions + 1, sizeof *r->reasons);
  if (!r->items || !r->reasons)
    return PATRON__OOM(err);
  reco_rows rr = {0};
  int k = 0;
  patron_status st = collect(r, rules, ds, &rr, &k, err);
  if (st == PATRON_OK && rr.n > 0)
    st = recommend_rows(ds, fit, k, &rr, warning, err);
  if (st == PATRON_OK && rr.t)
    st = fill(r, rules, ds, &rr, err);
  reco_rows_free(&rr);
  return st;
}
