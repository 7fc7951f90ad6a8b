/* The clustering features: a --features text ("log1p(recency_days),frequency,...") naming
 * numeric profile columns (int, money in currency units, double), each bare or through
 * signed log1p, sign(x) log(1 + |x|), which is log1p for x >= 0 and keeps a net refunder's
 * negative monetary finite and below every buyer's; and the row-major matrix of the rows
 * that have a purchase and every feature. */
#include "core/table_int.h"
#include "models/tiers/tiers_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
  const char *alias, *column;
} aliases[] = {{"recency", "recency_days"}, {"tenure", "tenure_days"}, {"aov", "avg_order_value"}};

static bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The column called text[0..len) (or its alias) in t, or NULL. */
static const patron_column *find_column(const patron_table *t, const char *text, size_t len) {
  char name[64];
  if (len >= sizeof name)
    return NULL;
  memcpy(name, text, len);
  name[len] = '\0';
  for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
    if (strcmp(name, aliases[i].alias) == 0)
      return patron_table_find(t, aliases[i].column);
  return patron_table_find(t, name);
}

static bool is_numeric(const patron_column *c) {
  return c->type == PATRON_COL_INT || c->type == PATRON_COL_MONEY || c->type == PATRON_COL_DOUBLE;
}

/* The column name inside field [at, at + len) of text (after an optional "log1p(").
 * Returns the reason when the field is malformed, with *fault its position. */
static const char *field_name(const char *text, size_t at, size_t len, bool *log1p, size_t *name_at,
                              size_t *name_len, size_t *fault) {
  while (len && text[at] == ' ')
    at++, len--;
  while (len && text[at + len - 1] == ' ')
    len--;
  *fault = at;
  *log1p = len >= 6 && memcmp(text + at, "log1p(", 6) == 0;
  if (*log1p) {
    if (text[at + len - 1] != ')')
      return *fault = at + len, "expected ')'";
    at += 6, len -= 7;
  }
  *name_at = at, *name_len = len;
  for (size_t i = 0; i < len; i++)
    if (!is_name_char(text[at + i]))
      return *fault = at + i, text[at + i] == '(' ? "unknown transform (only log1p(NAME))"
                                                  : "expected a column name";
  *fault = at;
  return len ? NULL : "expected a column name";
}

static patron_status one_feature(const char *text, size_t at, size_t len, const patron_table *t,
                                 patron__feature *f, size_t n, patron_error *err) {
  bool log1p;
  size_t name_at, name_len, fault;
  const char *why = field_name(text, at, len, &log1p, &name_at, &name_len, &fault);
  if (why)
    return patron__spec_error(err, "--features", text, fault, why);
  const patron_column *c = find_column(t, text + name_at, name_len);
  if (!c)
    return patron__spec_error(err, "--features", text, name_at,
                              "not a column of the profile table");
  if (!is_numeric(c))
    return patron__spec_error(err, "--features", text, name_at, "not a numeric column");
  for (size_t i = 0; i < n; i++)
    if (f[i].column == c && f[i].log1p == log1p)
      return patron__spec_error(err, "--features", text, name_at, "given twice");
  f[n] = (patron__feature){.column = c, .log1p = log1p};
  snprintf(f[n].name, sizeof f[n].name, log1p ? "log1p(%s)" : "%s", c->name);
  return PATRON_OK;
}

patron_status patron__features_parse(const char *text, const patron_table *t, patron__feature *f,
                                     size_t *n, patron_error *err) {
  *n = 0;
  for (size_t at = 0;;) {
    size_t len = patron__field_len(text + at, ',');
    if (*n == PATRON_CLUSTER_MAX_FEATURES)
      return patron__spec_error(err, "--features", text, at, "at most 16 features");
    patron_status st = one_feature(text, at, len, t, f, *n, err);
    if (st != PATRON_OK)
      return st;
    ++*n;
    at += len;
    if (!text[at])
      return PATRON_OK;
    at++;
  }
}

/* Value of feature f in row r; false when it is empty. */
static bool feature_value(const patron__feature *f, size_t r, double *out) {
  const patron_column *c = f->column;
  double v;
  if (c->type == PATRON_COL_DOUBLE) {
    v = ((const double *)c->data)[r];
    if (!isfinite(v))
      return false;
  } else {
    int64_t i = ((const int64_t *)c->data)[r];
    if (i == PATRON_NULL_INT)
      return false;
    v = c->type == PATRON_COL_MONEY ? (double)i / PATRON_MONEY_SCALE : (double)i;
  }
  *out = f->log1p ? (v < 0 ? -log1p(-v) : log1p(v)) : v;
  return true;
}

patron_status patron__features_matrix(const patron_table *t, const patron__feature *f, size_t d,
                                      const int64_t *freq, double **x, uint32_t **rows,
                                      size_t *n_used, size_t *n_missing, patron_error *err) {
  size_t n_rows = patron_table_n_rows(t), cap = n_rows ? n_rows : 1, n = 0;
  *n_missing = 0;
  *x = malloc(cap * d * sizeof **x);
  *rows = malloc(cap * sizeof **rows);
  if (!*x || !*rows) {
    free(*x), free(*rows);
    *x = NULL, *rows = NULL;
    return PATRON__OOM(err);
  }
  for (size_t r = 0; r < n_rows; r++) {
    if (freq[r] == PATRON_NULL_INT)
      continue;
    bool ok = true;
    for (size_t j = 0; ok && j < d; j++)
      ok = feature_value(&f[j], r, &(*x)[n * d + j]);
    if (ok)
      (*rows)[n++] = (uint32_t)r;
    else
      ++*n_missing;
  }
  *n_used = n;
  return PATRON_OK;
}
