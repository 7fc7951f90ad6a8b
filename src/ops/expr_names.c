/* Names of the expression language (SPEC section 6): profile table columns first (tags as
 * booleans, avg_order_value as the exact quotient monetary / frequency, rfm_cell as text),
 * then the members file's columns, then `now`; unknown names suggest the nearest. Also
 * constant folding and the compile entry point. */
#include "ops/expr_parse.h"
#include "patron/caret.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const member_text[] = {"gender", "city", "level"};
static const char *const member_dates[] = {"birth_date", "signup_date"};

bool patron__expr_own(patron_expr *e, void *p) {
  if (!patron__reserve((void **)&e->owned, &e->cap_owned, e->n_owned + 1, sizeof *e->owned)) {
    free(p);
    return false;
  }
  e->owned[e->n_owned++] = p;
  return true;
}

static void *owned_array(xparser *p, size_t n, size_t size) {
  void *a = calloc(n ? n : 1, size);
  if (!a || !patron__expr_own(p->e, a)) {
    PATRON__OOM(p->err);
    return NULL;
  }
  return a;
}

static bool is_bool_column(const patron_expr *e, const char *name) {
  for (size_t i = 0; i < e->env.n_bool_columns; i++)
    if (strcmp(e->env.bool_columns[i], name) == 0)
      return true;
  return false;
}

/* A rule tag: a category column whose labels are exactly "1", "0" (tags.h). */
static bool is_tag_column(const patron_column *c) {
  return c->type == PATRON_COL_CATEGORY && c->n_labels == 2 && strcmp(c->labels[0], "1") == 0 &&
         strcmp(c->labels[1], "0") == 0;
}

static xnode *column_node(xparser *p, const patron_column *c, size_t offset) {
  patron_expr_type type = PATRON_EXPR_TEXT;
  bool as_bool = (c->type == PATRON_COL_INT && is_bool_column(p->e, c->name)) || is_tag_column(c);
  if (as_bool)
    type = PATRON_EXPR_BOOL;
  else if (c->type == PATRON_COL_INT || c->type == PATRON_COL_DOUBLE || c->type == PATRON_COL_MONEY)
    type = PATRON_EXPR_NUMBER;
  else if (c->type == PATRON_COL_DATE)
    type = PATRON_EXPR_DATE;
  xnode *n = patron__xnode_new(p, X_COLUMN, type, offset, 0);
  if (!n)
    return NULL;
  n->exact = c->type == PATRON_COL_INT || c->type == PATRON_COL_MONEY;
  n->src = (xsource){c->type, c->data, c->labels, c->n_labels, as_bool};
  return n;
}

/* avg_order_value compared exactly: monetary / frequency as one correctly rounded double. */
static xnode *exact_aov(xparser *p, size_t offset) {
  const patron_column *m = patron_table_find(p->e->env.table, "monetary");
  const patron_column *f = patron_table_find(p->e->env.table, "frequency");
  double *v = owned_array(p, p->e->n_rows, sizeof *v);
  if (!v)
    return NULL;
  const int64_t *mv = m->data, *fv = f->data;
  for (size_t r = 0; r < p->e->n_rows; r++)
    v[r] = mv[r] == PATRON_NULL_MONEY || fv[r] == PATRON_NULL_INT || fv[r] <= 0
               ? (double)NAN
               : (double)mv[r] / ((double)fv[r] * PATRON_MONEY_SCALE);
  patron_column c = {.name = "avg_order_value", .type = PATRON_COL_DOUBLE, .data = v};
  return column_node(p, &c, offset);
}

/* An int column read as text (rfm_cell). */
static xnode *int_as_text(xparser *p, const patron_column *src, size_t offset) {
  const char **v = owned_array(p, p->e->n_rows, sizeof *v);
  char *buf = v ? owned_array(p, p->e->n_rows, 24) : NULL;
  if (!buf)
    return NULL;
  const int64_t *iv = src->data;
  for (size_t r = 0; r < p->e->n_rows; r++) {
    if (iv[r] == PATRON_NULL_INT)
      continue;
    snprintf(buf + 24 * r, 24, "%lld", (long long)iv[r]);
    v[r] = buf + 24 * r;
  }
  patron_column c = {.name = src->name, .type = PATRON_COL_STRING, .data = v};
  return column_node(p, &c, offset);
}

static xnode *table_name(xparser *p, const char *name, size_t offset) {
  const patron_table *t = p->e->env.table;
  const patron_column *c = patron_table_find(t, name);
  if (!c)
    return NULL;
  if (strcmp(name, "avg_order_value") == 0 && c->type == PATRON_COL_MONEY &&
      patron_table_find(t, "monetary") && patron_table_find(t, "frequency"))
    return exact_aov(p, offset);
  if (strcmp(name, "rfm_cell") == 0 && c->type == PATRON_COL_INT)
    return int_as_text(p, c, offset);
  return column_node(p, c, offset);
}

static bool has_members(const patron_expr *e) {
  return e->env.dataset && e->env.row_customer && patron_dataset_has_members(e->env.dataset);
}

/* An extra column of the members file: consent_* are numbers, every other one text
 * (SPEC 6), even when its values read as numbers. */
static xnode *member_extra(xparser *p, const char *name, size_t offset) {
  patron_expr *e = p->e;
  for (size_t k = 0; k < patron_dataset_n_member_columns(e->env.dataset); k++) {
    patron_member_column m;
    patron_dataset_member_column(e->env.dataset, k, &m);
    if (strcmp(name, m.name) != 0)
      continue;
    if (strncmp(m.name, "consent_", 8) != 0)
      m.number = NULL;
    size_t size = m.number ? sizeof(double) : sizeof(const char *);
    void *v = owned_array(p, e->n_rows, size);
    if (!v)
      return NULL;
    for (size_t r = 0; r < e->n_rows; r++) {
      uint32_t cust = e->env.row_customer[r];
      if (m.number)
        ((double *)v)[r] = m.number[cust];
      else
        ((const char **)v)[r] = m.text[cust];
    }
    patron_column c = {
        .name = m.name, .type = m.number ? PATRON_COL_DOUBLE : PATRON_COL_STRING, .data = v};
    return column_node(p, &c, offset);
  }
  return NULL;
}

static xnode *member_name(xparser *p, const char *name, size_t offset) {
  patron_expr *e = p->e;
  if (!has_members(e))
    return NULL;
  patron_members_view m;
  patron_dataset_members(e->env.dataset, &m);
  for (size_t i = 0; i < 3; i++) {
    if (strcmp(name, member_text[i]) != 0)
      continue;
    const uint32_t *codes = i == 0 ? m.gender : i == 1 ? m.city : m.level;
    const char **v = owned_array(p, e->n_rows, sizeof *v);
    if (!v)
      return NULL;
    for (size_t r = 0; r < e->n_rows; r++)
      v[r] = patron_dataset_dict_value(e->env.dataset, name, codes[e->env.row_customer[r]]);
    patron_column c = {.name = member_text[i], .type = PATRON_COL_STRING, .data = v};
    return column_node(p, &c, offset);
  }
  for (size_t i = 0; i < 2; i++) {
    if (strcmp(name, member_dates[i]) != 0)
      continue;
    const int32_t *days = i == 0 ? m.birth_day : m.signup_day;
    int32_t *v = owned_array(p, e->n_rows, sizeof *v);
    if (!v)
      return NULL;
    for (size_t r = 0; r < e->n_rows; r++)
      v[r] = days[e->env.row_customer[r]];
    patron_column c = {.name = member_dates[i], .type = PATRON_COL_DATE, .data = v};
    return column_node(p, &c, offset);
  }
  return member_extra(p, name, offset);
}

static void unknown_name(xparser *p, const char *name, size_t offset) {
  const patron_table *t = p->e->env.table;
  size_t n_cols = patron_table_n_columns(t), n = 0;
  size_t n_extra = has_members(p->e) ? patron_dataset_n_member_columns(p->e->env.dataset) : 0;
  const char **cands = calloc(n_cols + 6 + n_extra, sizeof *cands);
  if (!cands) {
    PATRON__OOM(p->err);
    return;
  }
  for (size_t i = 0; i < n_cols; i++)
    cands[n++] = patron_table_column(t, i)->name;
  if (has_members(p->e)) {
    for (size_t i = 0; i < 3; i++)
      cands[n++] = member_text[i];
    for (size_t i = 0; i < 2; i++)
      cands[n++] = member_dates[i];
    for (size_t k = 0; k < n_extra; k++) {
      patron_member_column m;
      patron_dataset_member_column(p->e->env.dataset, k, &m);
      cands[n++] = m.name;
    }
  }
  const char *s = patron_suggest(name, strlen(name), cands, n);
  if (s)
    patron__xfail(p, offset, "unknown column '%s' (did you mean %s?)", name, s);
  else
    patron__xfail(p, offset, "unknown column '%s'", name);
  free(cands);
}

xnode *patron__xnow(xparser *p, size_t offset) {
  xnode *n = patron__xnode_new(p, X_CONST, PATRON_EXPR_DATE, offset, 0);
  if (n)
    n->value.i = p->e->as_of_day;
  return n;
}

xnode *patron__xresolve_name(xparser *p, const patron__token *tok) {
  char name[256];
  size_t len = tok->len < sizeof name - 1 ? tok->len : sizeof name - 1;
  memcpy(name, p->text + tok->offset, len);
  name[len] = '\0';
  xnode *n = table_name(p, name, tok->offset);
  if (!n && p->err->status == PATRON_OK)
    n = member_name(p, name, tok->offset);
  if (!n && p->err->status == PATRON_OK && strcasecmp(name, "now") == 0)
    n = patron__xnow(p, tok->offset);
  if (!n && p->err->status == PATRON_OK)
    unknown_name(p, name, tok->offset);
  return n;
}

static bool foldable(const xnode *n) {
  if (n->op == X_CONST || n->op == X_COLUMN || n->op == X_BEHAV)
    return false;
  if (n->op == X_FUNC && (n->sub == F_AGE || n->sub == F_DAYS_TO_BIRTHDAY))
    return false;
  for (size_t k = 0; k < n->n_kids; k++)
    if (n->kids[k]->op != X_CONST)
      return false;
  return true;
}

xnode *patron__xfold(xparser *p, xnode *n) {
  if (!foldable(n))
    return n;
  xcell v = patron__expr_row(p->e, n, 0);
  if (n->type == PATRON_EXPR_TEXT && !v.null) {
    char *s = malloc(v.len + 1u);
    if (!s || !patron__expr_own(p->e, s))
      return PATRON__OOM(p->err), NULL;
    if (v.len)
      memcpy(s, v.s, v.len);
    s[v.len] = '\0';
    v.s = s;
  }
  patron__arena_free(&p->e->scratch);
  n->op = X_CONST;
  n->n_kids = 0;
  n->value = v;
  return n;
}

void patron_expr_env_init(patron_expr_env *env) { memset(env, 0, sizeof *env); }

void patron_expr_free(patron_expr *e) {
  if (!e)
    return;
  for (size_t i = 0; i < e->n_owned; i++)
    free(e->owned[i]);
  free(e->owned);
  free(e->behaviours);
  patron__arena_free(&e->scratch);
  free(e);
}

patron_expr_type patron_expr_result_type(const patron_expr *e) { return e->root->type; }

static patron_status parse_all(patron_expr *e, const char *text, size_t len, patron_error *err) {
  xparser p = {.e = e, .text = text, .len = len, .err = err};
  size_t cap = e->env.max_text ? e->env.max_text : PATRON_EXPR_MAX_TEXT;
  if (len > cap)
    return patron__xfail(&p, cap, "the expression is longer than %s",
                         cap == PATRON_EXPR_MAX_TEXT ? "64 KiB" : "the allowed size");
  if (!patron__xadvance(&p))
    return PATRON_ERR_USAGE;
  if (p.tok.kind == PATRON__TOK_END)
    return patron__xfail(&p, 0, "empty expression");
  e->root = patron__xparse_expr(&p);
  if (!e->root)
    return err->status != PATRON_OK ? err->status : PATRON_ERR_USAGE;
  if (p.tok.kind != PATRON__TOK_END)
    return patron__xfail(&p, p.tok.offset, "unexpected '%.*s' after the expression",
                         (int)(p.tok.len > 40 ? 40 : p.tok.len), text + p.tok.offset);
  if (e->env.want_condition && e->root->type != PATRON_EXPR_BOOL &&
      e->root->type != PATRON_EXPR_NULL)
    return patron__xfail(&p, 0, "the expression is not a condition (it is %s)",
                         patron__xtype_name(e->root->type));
  return PATRON_OK;
}

patron_status patron_expr_compile(const char *text, size_t len, const patron_expr_env *env,
                                  patron_expr **out, patron_error *err) {
  *out = NULL;
  patron_error local = {0};
  if (!err)
    err = &local;
  if (!env || !env->table || (env->dataset && !env->row_customer))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "an expression needs a table (and rows' customers with a dataset)");
  patron_expr *e = calloc(1, sizeof *e);
  if (!e)
    return PATRON__OOM(err);
  e->env = *env;
  e->n_rows = patron_table_n_rows(env->table);
  e->as_of_day = patron_day_of_time(env->as_of);
  patron_status st = parse_all(e, text ? text : "", text ? len : 0, err);
  if (st != PATRON_OK) {
    patron_expr_free(e);
    return st;
  }
  *out = e;
  return PATRON_OK;
}

patron_status patron_expr_eval_row(patron_expr *e, size_t row, patron_expr_value *out,
                                   patron_error *err) {
  memset(out, 0, sizeof *out);
  if (row >= e->n_rows)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "row %zu is out of range", row);
  patron__arena_free(&e->scratch);
  const xnode *n = e->root;
  xcell c = patron__expr_row(e, n, row);
  out->type = n->type;
  out->is_null = c.null || n->type == PATRON_EXPR_NULL;
  out->exact = n->exact;
  if (out->is_null)
    return PATRON_OK;
  switch (n->type) {
  case PATRON_EXPR_BOOL: out->boolean = c.i != 0; break;
  case PATRON_EXPR_NUMBER:
    if (n->exact)
      out->fixed = c.i;
    out->dbl = patron__xnum(n, &c);
    break;
  case PATRON_EXPR_DATE: out->day = (int32_t)c.i; break;
  case PATRON_EXPR_TEXT: out->text = c.s, out->text_len = c.len; break;
  case PATRON_EXPR_NULL: break;
  }
  return PATRON_OK;
}

void patron_expr_names(const char *text, size_t len,
                       void (*fn)(void *ctx, const char *name, size_t len), void *ctx) {
  static const char *const keywords[] = {"and",  "or",   "not",  "in",    "between", "is",
                                         "null", "like", "true", "false", "now"};
  size_t pos = 0;
  patron__token t = patron__next_token(text, len, &pos);
  while (t.kind != PATRON__TOK_END && t.kind != PATRON__TOK_ERROR) {
    patron__token next = patron__next_token(text, len, &pos);
    bool call = next.kind == PATRON__TOK_SYMBOL && next.len == 1 && text[next.offset] == '(';
    bool keyword = false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
      keyword |= patron__token_is(text, &t, keywords[i]);
    if (t.kind == PATRON__TOK_NAME && !call && !keyword)
      fn(ctx, text + t.offset, t.len);
    t = next;
  }
}
