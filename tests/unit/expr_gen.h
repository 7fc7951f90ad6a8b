/* A generator of random well-typed conditions of the expression language over the table of
 * expr_fixture.h (and the random tables below), for the differential test and the
 * differential fuzz harness: both evaluators must agree on every row. */
#ifndef PATRON_TEST_EXPR_GEN_H
#define PATRON_TEST_EXPR_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/expr.h"

typedef struct egen {
  uint64_t state;
  char *buf;
  size_t len, cap;
} egen;

static inline uint64_t egen_rand(egen *g) {
  uint64_t z = (g->state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static inline unsigned egen_pick(egen *g, unsigned n) { return (unsigned)(egen_rand(g) % n); }

static inline void egen_put(egen *g, const char *s) {
  size_t n = strlen(s);
  if (g->len + n + 1 > g->cap) {
    g->cap = (g->len + n + 1) * 2;
    g->buf = realloc(g->buf, g->cap);
    if (!g->buf)
      abort();
  }
  memcpy(g->buf + g->len, s, n + 1);
  g->len += n;
}

static inline void egen_num(egen *g, int depth);
static inline void egen_text(egen *g, int depth);

static inline void egen_date(egen *g) {
  static const char *const d[] = {"day", "'2024-01-01'", "'2024-02-29'", "now", "'2023-12-31'"};
  egen_put(g, d[egen_pick(g, 5)]);
}

static inline void egen_num(egen *g, int depth) {
  static const char *const leaf[] = {
      "freq", "money",          "dbl", "0", "1", "2", "0.5", "-3.25", "100", "null", "1e1",
      "0.1",  "days_since(day)"};
  static const char *const ops[] = {" + ", " - ", " * ", " / ", " % "};
  unsigned k = depth <= 0 ? 0 : egen_pick(g, 7);
  switch (k) {
  case 0:
  case 1: egen_put(g, leaf[egen_pick(g, sizeof leaf / sizeof *leaf)]); return;
  case 2:
    egen_put(g, "(");
    egen_num(g, depth - 1);
    egen_put(g, ops[egen_pick(g, 5)]);
    egen_num(g, depth - 1);
    egen_put(g, ")");
    return;
  case 3:
    egen_put(g, "-");
    egen_num(g, depth - 1);
    return;
  case 4: {
    static const char *const f[] = {"abs(", "coalesce(", "least(", "greatest(", "ln(", "exp("};
    unsigned which = egen_pick(g, 6);
    egen_put(g, f[which]);
    egen_num(g, depth - 1);
    if (which >= 1 && which <= 3) {
      egen_put(g, ", ");
      egen_num(g, depth - 1);
    }
    egen_put(g, ")");
    return;
  }
  default: egen_put(g, leaf[egen_pick(g, 3)]); return;
  }
}

static inline void egen_text(egen *g, int depth) {
  static const char *const leaf[] = {"s", "cat", "'hello'", "'alpha'", "''", "'a_b%c'", "null"};
  unsigned k = depth <= 0 ? 0 : egen_pick(g, 4);
  if (k < 2) {
    egen_put(g, leaf[egen_pick(g, 7)]);
    return;
  }
  egen_put(g, k == 2 ? "lower(" : "coalesce(");
  egen_text(g, depth - 1);
  if (k == 3) {
    egen_put(g, ", ");
    egen_text(g, depth - 1);
  }
  egen_put(g, ")");
}

static inline void egen_cond(egen *g, int depth) {
  static const char *const cmp[] = {" = ", " != ", " < ", " <= ", " > ", " >= ", " <> "};
  static const char *const pats[] = {"'%'", "'h%'", "'_eta'", "'%l%'", "'a\\_b%'", "''"};
  unsigned k = depth <= 0 ? egen_pick(g, 3) : egen_pick(g, 13);
  switch (k) {
  case 0:
    egen_num(g, depth - 1);
    egen_put(g, cmp[egen_pick(g, 7)]);
    egen_num(g, depth - 1);
    return;
  case 1: egen_put(g, egen_pick(g, 2) ? "flag" : "true"); return;
  case 2:
    egen_text(g, depth - 1);
    egen_put(g, cmp[egen_pick(g, 7)]);
    egen_text(g, depth - 1);
    return;
  case 3:
  case 4:
    egen_put(g, "(");
    egen_cond(g, depth - 1);
    egen_put(g, k == 3 ? " and " : " or ");
    egen_cond(g, depth - 1);
    egen_put(g, ")");
    return;
  case 5:
    egen_put(g, "not ");
    egen_cond(g, depth - 1);
    return;
  case 6: {
    egen_num(g, depth - 1);
    egen_put(g, egen_pick(g, 2) ? " in (" : " not in (");
    unsigned n = 1 + egen_pick(g, 4);
    for (unsigned i = 0; i < n; i++) {
      if (i)
        egen_put(g, ", ");
      egen_num(g, depth - 2);
    }
    egen_put(g, ")");
    return;
  }
  case 7:
    egen_num(g, depth - 1);
    egen_put(g, egen_pick(g, 2) ? " between " : " not between ");
    egen_num(g, depth - 1);
    egen_put(g, " and ");
    egen_num(g, depth - 1);
    return;
  case 8:
    egen_num(g, depth - 1);
    egen_put(g, egen_pick(g, 2) ? " is null" : " is not null");
    return;
  case 9:
    egen_text(g, depth - 1);
    egen_put(g, egen_pick(g, 2) ? " like " : " not like ");
    egen_put(g, pats[egen_pick(g, 6)]);
    return;
  case 10:
    egen_date(g);
    egen_put(g, cmp[egen_pick(g, 7)]);
    egen_date(g);
    return;
  case 11:
    egen_put(g, egen_pick(g, 2) ? "starts_with(" : "contains(");
    egen_text(g, depth - 1);
    egen_put(g, ", ");
    egen_text(g, depth - 1);
    egen_put(g, ")");
    return;
  default: egen_put(g, "(flag is null)"); return;
  }
}

/* A fresh condition in g->buf (g->len bytes). */
static inline void egen_condition(egen *g, int depth) {
  g->len = 0;
  egen_put(g, "");
  egen_cond(g, depth);
}

/* Fills the fixture table's columns (n rows) with random values and nulls. */
static inline void egen_fill(egen *g, patron_table *t, size_t n) {
  static const char *const strs[] = {"hello", "", NULL, "a_b%c", "beta", "Alpha", "h"};
  int64_t *freq = (int64_t *)patron_table_find(t, "freq")->data;
  int64_t *money = (int64_t *)patron_table_find(t, "money")->data;
  int64_t *flag = (int64_t *)patron_table_find(t, "flag")->data;
  double *dbl = (double *)patron_table_find(t, "dbl")->data;
  int32_t *day = (int32_t *)patron_table_find(t, "day")->data;
  int32_t *cat = (int32_t *)patron_table_find(t, "cat")->data;
  const char **s = (const char **)patron_table_find(t, "s")->data;
  for (size_t r = 0; r < n; r++) {
    bool null = egen_pick(g, 6) == 0;
    freq[r] = null ? PATRON_NULL_INT : (int64_t)egen_pick(g, 5) - 1;
    money[r] =
        egen_pick(g, 6) == 0 ? PATRON_NULL_MONEY : ((int64_t)egen_pick(g, 2001) - 1000) * 2500;
    flag[r] = egen_pick(g, 5) == 0 ? PATRON_NULL_INT : egen_pick(g, 2);
    dbl[r] = egen_pick(g, 6) == 0 ? NAN : ((double)egen_pick(g, 41) - 20) / 4;
    day[r] = egen_pick(g, 6) == 0
                 ? PATRON_NO_DAY
                 : patron_days_from_civil(2023, 12, 30) + (int32_t)egen_pick(g, 64);
    cat[r] = (int32_t)egen_pick(g, 4) - 1;
    s[r] = strs[egen_pick(g, 7)];
  }
}

#endif
