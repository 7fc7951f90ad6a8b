/* Calls of the expression language (SPEC section 6): the scalar functions (days_since,
 * age, days_to_birthday, coalesce, abs, ln, log1p, exp, least, greatest, lower, upper,
 * starts_with, contains, now), the behaviour functions over the dataset (purchases, spend,
 * events, items_viewed_unbought, cart_abandoned; one shared column per distinct call), and
 * the outside functions registered in the environment (previous, moved, ...). */
#include "ops/expr_parse.h"
#include "patron/caret.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_ARGS = 256 };

typedef enum fkind { K_SCALAR, K_BEHAV, K_NOW } fkind;

typedef struct fdef {
  const char *name;
  fkind kind;
  int id; /* xfunc or xbehav */
  int min, max;
} fdef;

static const fdef builtins[] = {
    {"days_since", K_SCALAR, F_DAYS_SINCE, 1, 1},
    {"age", K_SCALAR, F_AGE, 0, 0},
    {"days_to_birthday", K_SCALAR, F_DAYS_TO_BIRTHDAY, 0, 0},
    {"coalesce", K_SCALAR, F_COALESCE, 1, MAX_ARGS},
    {"abs", K_SCALAR, F_ABS, 1, 1},
    {"ln", K_SCALAR, F_LN, 1, 1},
    {"log1p", K_SCALAR, F_LOG1P, 1, 1},
    {"exp", K_SCALAR, F_EXP, 1, 1},
    {"least", K_SCALAR, F_LEAST, 1, MAX_ARGS},
    {"greatest", K_SCALAR, F_GREATEST, 1, MAX_ARGS},
    {"lower", K_SCALAR, F_LOWER, 1, 1},
    {"upper", K_SCALAR, F_UPPER, 1, 1},
    {"starts_with", K_SCALAR, F_STARTS_WITH, 2, 2},
    {"contains", K_SCALAR, F_CONTAINS, 2, 2},
    {"purchases", K_BEHAV, B_PURCHASES, 1, 2},
    {"spend", K_BEHAV, B_SPEND, 1, 2},
    {"events", K_BEHAV, B_EVENTS, 2, 3},
    {"items_viewed_unbought", K_BEHAV, B_ITEMS_VU, 2, 2},
    {"cart_abandoned", K_BEHAV, B_CART_ABANDONED, 1, 1},
    {"now", K_NOW, 0, 0, 0},
};
enum { N_BUILTINS = sizeof builtins / sizeof *builtins };

typedef struct call_args {
  xnode *args[MAX_ARGS];
  const char *names[MAX_ARGS]; /* bare-name arguments of outside functions */
  size_t n;
} call_args;

static bool is_sym(const xparser *p, const patron__token *t, char c) {
  return t->kind == PATRON__TOK_SYMBOL && t->len == 1 && p->text[t->offset] == c;
}

/* A bare name followed by ',' or ')' (an outside function's column argument). */
static bool bare_name(xparser *p, call_args *a) {
  if (p->tok.kind != PATRON__TOK_NAME)
    return false;
  size_t pos = p->pos;
  patron__token next = patron__next_token(p->text, p->len, &pos);
  if (!is_sym(p, &next, ',') && !is_sym(p, &next, ')'))
    return false;
  char *s = malloc(p->tok.len + 1);
  if (!s || !patron__expr_own(p->e, s))
    return PATRON__OOM(p->err), false;
  memcpy(s, p->text + p->tok.offset, p->tok.len);
  s[p->tok.len] = '\0';
  a->names[a->n] = s;
  a->args[a->n] = patron__xnode_new(p, X_CONST, PATRON_EXPR_NULL, p->tok.offset, 0);
  if (a->args[a->n])
    a->args[a->n]->value.null = 1;
  return a->args[a->n] && patron__xadvance(p);
}

static bool parse_args(xparser *p, call_args *a, bool outside) {
  if (++p->nesting > PATRON_EXPR_MAX_NESTING) {
    patron__xfail(p, p->tok.offset, "more than %d levels of parentheses and calls",
                  PATRON_EXPR_MAX_NESTING);
    return false;
  }
  if (!patron__xadvance(p))
    return false;
  a->n = 0;
  if (!is_sym(p, &p->tok, ')')) {
    for (;;) {
      if (a->n == MAX_ARGS) {
        patron__xfail(p, p->tok.offset, "more than %d arguments", MAX_ARGS);
        return false;
      }
      bool named = outside && bare_name(p, a);
      if (!named && p->err->status != PATRON_OK)
        return false;
      if (!named && !(a->args[a->n] = patron__xparse_expr(p)))
        return false;
      a->n++;
      if (!is_sym(p, &p->tok, ','))
        break;
      if (!patron__xadvance(p))
        return false;
    }
  }
  if (!is_sym(p, &p->tok, ')')) {
    patron__xfail(p, p->tok.offset,
                  p->tok.kind == PATRON__TOK_END ? "unexpected end of expression"
                                                 : "expected ',' or ')'");
    return false;
  }
  p->nesting--;
  return patron__xadvance(p);
}

static bool arity(xparser *p, const char *name, size_t at, size_t n, int min, int max) {
  if ((int)n >= min && (int)n <= max)
    return true;
  if (min == max)
    patron__xfail(p, at, "%s() takes %d argument%s", name, min, min == 1 ? "" : "s");
  else if (max >= MAX_ARGS)
    patron__xfail(p, at, "%s() takes at least %d argument%s", name, min, min == 1 ? "" : "s");
  else
    patron__xfail(p, at, "%s() takes %d to %d arguments", name, min, max);
  return false;
}

static bool want(xparser *p, const xnode *n, patron_expr_type t, const char *fname) {
  if (n->type == t || n->type == PATRON_EXPR_NULL)
    return true;
  patron__xfail(p, n->offset, "%s() needs %s here, not %s", fname, patron__xtype_name(t),
                patron__xtype_name(n->type));
  return false;
}

/* coalesce / least / greatest: one type for all arguments (nulls aside). */
static bool common_type(xparser *p, xnode *n, const char *fname) {
  n->type = PATRON_EXPR_NULL;
  n->exact = true;
  for (size_t k = 0; k < n->n_kids; k++) {
    const xnode *a = n->kids[k];
    if (a->type == PATRON_EXPR_NULL)
      continue;
    if (n->type != PATRON_EXPR_NULL && a->type != n->type) {
      patron__xfail(p, a->offset, "%s() mixes %s and %s", fname, patron__xtype_name(n->type),
                    patron__xtype_name(a->type));
      return false;
    }
    n->type = a->type;
    n->exact = n->exact && (a->type != PATRON_EXPR_NUMBER || a->exact);
  }
  return true;
}

static bool birth_data(xparser *p, const char *fname, size_t at) {
  patron_expr *e = p->e;
  if (e->birth_day)
    return true;
  if (!e->env.dataset || !e->env.row_customer || !patron_dataset_has_members(e->env.dataset)) {
    patron__xfail(p, at, "%s() needs the customers file's birth_date", fname);
    return false;
  }
  patron_members_view m;
  patron_dataset_members(e->env.dataset, &m);
  int32_t *v = malloc((e->n_rows ? e->n_rows : 1) * sizeof *v);
  if (!v || !patron__expr_own(e, v))
    return PATRON__OOM(p->err), false;
  for (size_t r = 0; r < e->n_rows; r++)
    v[r] = m.birth_day[e->env.row_customer[r]];
  e->birth_day = v;
  return true;
}

static bool scalar_types(xparser *p, xnode *n, const fdef *f) {
  xfunc id = (xfunc)f->id;
  xnode **k = n->kids;
  switch (id) {
  case F_DAYS_SINCE:
    if (k[0]->type == PATRON_EXPR_TEXT && k[0]->op == X_CONST) {
      int32_t day;
      if (patron_parse_day(k[0]->value.s, k[0]->value.len, &day) != PATRON_OK)
        return patron__xfail(p, k[0]->offset, "this text is not a date (YYYY-MM-DD)"), false;
      k[0]->type = PATRON_EXPR_DATE, k[0]->value = (xcell){.i = day, .len = 0, .null = 0};
    }
    n->type = PATRON_EXPR_NUMBER, n->exact = true;
    return want(p, k[0], PATRON_EXPR_DATE, f->name);
  case F_AGE:
  case F_DAYS_TO_BIRTHDAY:
    n->type = PATRON_EXPR_NUMBER, n->exact = true;
    return birth_data(p, f->name, n->offset);
  case F_COALESCE:
  case F_LEAST:
  case F_GREATEST: return common_type(p, n, f->name);
  case F_ABS:
    n->type = PATRON_EXPR_NUMBER, n->exact = k[0]->exact;
    return want(p, k[0], PATRON_EXPR_NUMBER, f->name);
  case F_LN:
  case F_LOG1P:
  case F_EXP: n->type = PATRON_EXPR_NUMBER; return want(p, k[0], PATRON_EXPR_NUMBER, f->name);
  case F_LOWER:
  case F_UPPER: n->type = PATRON_EXPR_TEXT; return want(p, k[0], PATRON_EXPR_TEXT, f->name);
  case F_STARTS_WITH:
  case F_CONTAINS:
    n->type = PATRON_EXPR_BOOL;
    return want(p, k[0], PATRON_EXPR_TEXT, f->name) && want(p, k[1], PATRON_EXPR_TEXT, f->name);
  }
  return false;
}

/* A constant argument of a behaviour function: a whole number >= 0, or a text. */
static bool const_count(xparser *p, const xnode *a, const char *fname, int64_t *out) {
  if (a->op != X_CONST || a->type != PATRON_EXPR_NUMBER || a->value.null || !a->exact ||
      a->value.i < 0 || a->value.i % PATRON_MONEY_SCALE != 0) {
    patron__xfail(p, a->offset, "%s() needs a constant whole number >= 0 here", fname);
    return false;
  }
  *out = a->value.i / PATRON_MONEY_SCALE;
  return true;
}

static bool const_text(xparser *p, const xnode *a, const char *fname) {
  if (a->op == X_CONST && a->type == PATRON_EXPR_TEXT && !a->value.null)
    return true;
  patron__xfail(p, a->offset, "%s() needs a constant text here", fname);
  return false;
}

static uint32_t dict_code(const patron_dataset *ds, const char *dict, const xcell *v) {
  size_t n = patron_dataset_dict_size(ds, dict);
  for (size_t c = 1; c < n; c++) {
    const char *s = patron_dataset_dict_value(ds, dict, (uint32_t)c);
    if (strlen(s) == v->len && memcmp(s, v->s, v->len) == 0)
      return (uint32_t)c;
  }
  return UINT32_MAX;
}

static bool behaviour_args(xparser *p, const fdef *f, xnode **k, size_t n, xbehaviour *b) {
  const patron_dataset *ds = p->e->env.dataset;
  size_t cat = SIZE_MAX;
  switch ((xbehav)f->id) {
  case B_PURCHASES:
  case B_SPEND:
    cat = n == 2 ? 1 : SIZE_MAX;
    if (!const_count(p, k[0], f->name, &b->days))
      return false;
    break;
  case B_EVENTS:
    cat = n == 3 ? 2 : SIZE_MAX;
    if (!const_text(p, k[0], f->name) || !const_count(p, k[1], f->name, &b->days))
      return false;
    b->event_type = dict_code(ds, "event_type", &k[0]->value);
    break;
  case B_ITEMS_VU: {
    if (!const_count(p, k[0], f->name, &b->days) || !const_count(p, k[1], f->name, &b->min_views))
      return false;
    if (!patron_dataset_has_lines(ds) || !patron_dataset_has_events(ds) ||
        patron_dataset_dict_size(ds, "item") < 2) {
      patron__xfail(p, k[0]->offset, "%s() needs item_id in the orders and the events", f->name);
      return false;
    }
    xcell view = {.s = "view", .len = 4, .null = 0};
    b->event_type = dict_code(ds, "event_type", &view);
    break;
  }
  case B_CART_ABANDONED: {
    if (!const_count(p, k[0], f->name, &b->hours))
      return false;
    xcell cart = {.s = "cart", .len = 4, .null = 0};
    b->event_type = dict_code(ds, "event_type", &cart);
    break;
  }
  }
  if (cat == SIZE_MAX)
    return true;
  if (!const_text(p, k[cat], f->name))
    return false;
  if (f->id != B_EVENTS && !patron_dataset_has_lines(ds)) {
    patron__xfail(p, k[cat]->offset, "%s() by category needs the orders' category column", f->name);
    return false;
  }
  b->has_category = true;
  b->category = dict_code(ds, "category", &k[cat]->value);
  return true;
}

static xbehaviour *shared_behaviour(xparser *p, const xbehaviour *b) {
  patron_expr *e = p->e;
  for (size_t i = 0; i < e->n_behaviours; i++) {
    const xbehaviour *o = e->behaviours[i];
    if (o->kind == b->kind && o->days == b->days && o->hours == b->hours &&
        o->min_views == b->min_views && o->category == b->category &&
        o->event_type == b->event_type && o->has_category == b->has_category)
      return e->behaviours[i];
  }
  xbehaviour *nb = malloc(sizeof *nb);
  if (!nb || !patron__expr_own(e, nb) ||
      !patron__reserve((void **)&e->behaviours, &e->cap_behaviours, e->n_behaviours + 1,
                       sizeof *e->behaviours)) {
    PATRON__OOM(p->err);
    return NULL;
  }
  *nb = *b;
  e->behaviours[e->n_behaviours++] = nb;
  return nb;
}

static xnode *behaviour_call(xparser *p, const fdef *f, call_args *a, size_t at) {
  if (!p->e->env.dataset || !p->e->env.row_customer) {
    patron__xfail(p, at, "%s() needs the input data", f->name);
    return NULL;
  }
  xbehaviour b = {.kind = (xbehav)f->id, .category = UINT32_MAX, .event_type = UINT32_MAX};
  if (!behaviour_args(p, f, a->args, a->n, &b))
    return NULL;
  bool boolean = f->id == B_CART_ABANDONED;
  xnode *n = patron__xnode_new(p, X_BEHAV, boolean ? PATRON_EXPR_BOOL : PATRON_EXPR_NUMBER, at, 0);
  if (!n || !(n->behav = shared_behaviour(p, &b)))
    return NULL;
  n->exact = !boolean;
  return n;
}

static xnode *scalar_call(xparser *p, const fdef *f, call_args *a, size_t at) {
  xnode *n = patron__xnode_new(p, X_FUNC, PATRON_EXPR_NULL, at, a->n);
  if (!n)
    return NULL;
  n->sub = f->id;
  if (a->n)
    memcpy(n->kids, a->args, a->n * sizeof *a->args);
  if (!scalar_types(p, n, f))
    return NULL;
  size_t d = 0;
  for (size_t k = 0; k < n->n_kids; k++)
    d = n->kids[k]->depth > d ? n->kids[k]->depth : d;
  n->depth = (uint32_t)d + 1;
  return patron__xfold(p, n);
}

static patron_expr_type column_type(patron_col_type t) {
  switch (t) {
  case PATRON_COL_INT:
  case PATRON_COL_DOUBLE:
  case PATRON_COL_MONEY: return PATRON_EXPR_NUMBER;
  case PATRON_COL_DATE: return PATRON_EXPR_DATE;
  default: return PATRON_EXPR_TEXT;
  }
}

static xnode *outside_call(xparser *p, const patron_expr_function *f, call_args *a, size_t at) {
  patron_expr_value vals[MAX_ARGS];
  memset(vals, 0, a->n * sizeof *vals);
  for (size_t k = 0; k < a->n; k++) {
    const xnode *x = a->args[k];
    if (a->names[k])
      continue;
    if (x->op != X_CONST) {
      patron__xfail(p, x->offset, "%s() needs a column name or a constant here", f->name);
      return NULL;
    }
    vals[k] = (patron_expr_value){.type = x->type, .is_null = x->value.null, .exact = x->exact};
    if (x->type == PATRON_EXPR_TEXT)
      vals[k].text = x->value.s, vals[k].text_len = x->value.len;
    else if (x->type == PATRON_EXPR_NUMBER)
      vals[k].fixed = x->value.i, vals[k].dbl = patron__xnum(x, &x->value);
    else
      vals[k].day = (int32_t)x->value.i, vals[k].boolean = x->value.i != 0;
  }
  patron_expr_call call = {f->name, a->n, a->names, vals};
  patron_column col = {0};
  patron_error inner = {0};
  if (f->fn(f->ctx, &call, &col, &inner) != PATRON_OK || !col.data) {
    patron__xfail(p, at, "%s", inner.message[0] ? inner.message : "the function failed");
    return NULL;
  }
  xnode *n = patron__xnode_new(p, X_COLUMN, column_type(col.type), at, 0);
  if (!n)
    return NULL;
  n->exact = col.type == PATRON_COL_INT || col.type == PATRON_COL_MONEY;
  n->src = (xsource){col.type, col.data, col.labels, col.n_labels, false};
  n->depth = 1;
  return n;
}

static void unknown_function(xparser *p, const char *name, size_t at) {
  const char *cands[N_BUILTINS + 64];
  size_t n = 0;
  for (size_t i = 0; i < N_BUILTINS; i++)
    cands[n++] = builtins[i].name;
  for (size_t i = 0; i < p->e->env.n_functions && n < sizeof cands / sizeof *cands; i++)
    cands[n++] = p->e->env.functions[i].name;
  if (strcmp(name, "previous") == 0 || strcmp(name, "moved") == 0) {
    /* SPEC 6: the store's history, registered only where a store is given */
    patron__xfail(p, at, "%s() reads the store's latest snapshot before the as-of: give --db STORE",
                  name);
    return;
  }
  const char *s = patron_suggest(name, strlen(name), cands, n);
  if (s)
    patron__xfail(p, at, "unknown function '%s' (did you mean %s?)", name, s);
  else
    patron__xfail(p, at, "unknown function '%s'", name);
}

xnode *patron__xparse_call(xparser *p, const patron__token *tok) {
  char name[64];
  size_t len = tok->len < sizeof name - 1 ? tok->len : sizeof name - 1, at = tok->offset;
  memcpy(name, p->text + tok->offset, len);
  name[len] = '\0';
  for (size_t i = 0; i < p->e->env.n_functions; i++) {
    const patron_expr_function *f = &p->e->env.functions[i];
    if (strcasecmp(f->name, name) != 0)
      continue;
    call_args *a = calloc(1, sizeof *a);
    xnode *n = NULL;
    if (!a)
      return PATRON__OOM(p->err), NULL;
    if (parse_args(p, a, true) && arity(p, f->name, at, a->n, f->min_args, f->max_args))
      n = outside_call(p, f, a, at);
    free(a);
    return n;
  }
  const fdef *f = NULL;
  for (size_t i = 0; i < N_BUILTINS && !f; i++)
    if (strcasecmp(builtins[i].name, name) == 0)
      f = &builtins[i];
  if (!f) {
    unknown_function(p, name, at);
    return NULL;
  }
  call_args *a = calloc(1, sizeof *a);
  if (!a)
    return PATRON__OOM(p->err), NULL;
  xnode *n = NULL;
  if (parse_args(p, a, false) && arity(p, f->name, at, a->n, f->min, f->max)) {
    if (f->kind == K_NOW)
      n = patron__xnow(p, at);
    else if (f->kind == K_BEHAV)
      n = behaviour_call(p, f, a, at);
    else
      n = scalar_call(p, f, a, at);
  }
  free(a);
  return n;
}
