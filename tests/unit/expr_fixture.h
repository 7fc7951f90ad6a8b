/* A hand-made profile-like table for the expression tests (4 rows, every column type, with
 * nulls) and helpers that evaluate an expression with both evaluators. */
#ifndef PATRON_TEST_EXPR_FIXTURE_H
#define PATRON_TEST_EXPR_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "patron/expr.h"

static const char *const expr_labels[] = {"alpha", "beta", ""};

/* freq INT: 1, 2, none, 0 | money: 100.00, 0.50, none, -3.25 | dbl: 0.1, NaN, 2.5, -1
 * day: 2024-01-01, 2024-02-29, none, 2023-12-31 | cat: alpha, beta, none, "" (null)
 * s: hello, "" (null), NULL, a_b%c | flag (tag): 1, 0, none, 1 */
static inline patron_table *expr_table_empty(size_t n) {
  patron_table *t = patron_table_new(n);
  patron_error err = {0};
  int64_t *freq, *money, *flag;
  double *dbl;
  int32_t *day, *cat;
  const char **s;
  if (patron_table_add(t, "freq", PATRON_COL_INT, (void **)&freq, &err) ||
      patron_table_add(t, "money", PATRON_COL_MONEY, (void **)&money, &err) ||
      patron_table_add(t, "dbl", PATRON_COL_DOUBLE, (void **)&dbl, &err) ||
      patron_table_add(t, "day", PATRON_COL_DATE, (void **)&day, &err) ||
      patron_table_add_category(t, "cat", expr_labels, NULL, 3, true, &cat, &err) ||
      patron_table_add(t, "s", PATRON_COL_STRING, (void **)&s, &err) ||
      patron_table_add(t, "flag", PATRON_COL_INT, (void **)&flag, &err))
    abort();
  return t;
}

static inline patron_table *expr_table(void) {
  patron_table *t = expr_table_empty(4);
  int64_t *freq = (int64_t *)patron_table_find(t, "freq")->data;
  int64_t *money = (int64_t *)patron_table_find(t, "money")->data;
  int64_t *flag = (int64_t *)patron_table_find(t, "flag")->data;
  double *dbl = (double *)patron_table_find(t, "dbl")->data;
  int32_t *day = (int32_t *)patron_table_find(t, "day")->data;
  int32_t *cat = (int32_t *)patron_table_find(t, "cat")->data;
  const char **s = (const char **)patron_table_find(t, "s")->data;
  int64_t fv[] = {1, 2, PATRON_NULL_INT, 0}, mv[] = {1000000, 5000, PATRON_NULL_MONEY, -32500};
  int64_t gv[] = {1, 0, PATRON_NULL_INT, 1};
  double dv[] = {0.1, NAN, 2.5, -1};
  int32_t yv[] = {patron_days_from_civil(2024, 1, 1), patron_days_from_civil(2024, 2, 29),
                  PATRON_NO_DAY, patron_days_from_civil(2023, 12, 31)};
  int32_t cv[] = {0, 1, -1, 2};
  const char *sv[] = {"hello", "", NULL, "a_b%c"};
  memcpy(freq, fv, sizeof fv), memcpy(money, mv, sizeof mv), memcpy(flag, gv, sizeof gv);
  memcpy(dbl, dv, sizeof dv), memcpy(day, yv, sizeof yv), memcpy(cat, cv, sizeof cv);
  memcpy(s, sv, sizeof sv);
  return t;
}

static const char *const expr_bools[] = {"flag"};

static inline void expr_env(patron_expr_env *env, const patron_table *t) {
  patron_expr_env_init(env);
  env->table = t;
  env->as_of = (int64_t)patron_days_from_civil(2024, 3, 1) * 86400;
  env->bool_columns = expr_bools;
  env->n_bool_columns = 1;
  env->label = "--where";
}

/* A value as text: null, true/false, 1.2500 (exact), 2.5 (double), 2024-01-01, 'text'. */
static inline void expr_show(const patron_expr_value *v, char *out, size_t cap) {
  if (v->is_null) {
    snprintf(out, cap, "null");
    return;
  }
  switch (v->type) {
  case PATRON_EXPR_BOOL: snprintf(out, cap, "%s", v->boolean ? "true" : "false"); break;
  case PATRON_EXPR_NUMBER:
    if (v->exact) {
      long long a = v->fixed < 0 ? -v->fixed : v->fixed;
      snprintf(out, cap, "%s%lld.%04lld", v->fixed < 0 ? "-" : "", a / 10000, a % 10000);
    } else {
      snprintf(out, cap, "%.17g", v->dbl);
    }
    break;
  case PATRON_EXPR_DATE: patron_format_day(v->day, out); break;
  case PATRON_EXPR_TEXT: snprintf(out, cap, "'%.*s'", (int)v->text_len, v->text); break;
  default: snprintf(out, cap, "null"); break;
  }
}

#endif
