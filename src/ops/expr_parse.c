/* The grammar of SPEC section 6 by recursive descent, lowest precedence first:
 * or, and, not, predicate (non-associative: comparisons do not chain), sum, product,
 * unary minus, primary. Each node is typed as it is built (no implicit conversion but a
 * text literal read as a date where compared with one) and folded when its operands are
 * constants. */
#include "ops/expr_parse.h"
#include "patron/caret.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *patron__xtype_name(patron_expr_type t) {
  static const char *const names[] = {"null", "a condition", "a number", "text", "a date"};
  return names[t];
}

patron_status patron__xfail(xparser *p, size_t offset, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return patron_error_caret(p->err, PATRON_ERR_USAGE, p->e->env.label, p->text, p->len, offset,
                            "%s", msg);
}

static size_t depth_of(const xnode *n) { return n ? n->depth : 0; }

xnode *patron__xnode_new(xparser *p, xop op, patron_expr_type type, size_t offset, size_t n_kids) {
  xnode *n = calloc(1, sizeof *n);
  if (!n || !patron__expr_own(p->e, n)) {
    PATRON__OOM(p->err);
    return NULL;
  }
  n->op = op, n->type = type, n->offset = offset, n->n_kids = n_kids;
  if (n_kids &&
      (!(n->kids = calloc(n_kids, sizeof *n->kids)) || !patron__expr_own(p->e, n->kids))) {
    PATRON__OOM(p->err);
    return NULL;
  }
  return n;
}

bool patron__xadvance(xparser *p) {
  p->tok = patron__next_token(p->text, p->len, &p->pos);
  if (p->tok.kind == PATRON__TOK_ERROR) {
    patron__xfail(p, p->tok.offset, "%s", p->tok.error);
    return false;
  }
  return true;
}

static bool is_word(const xparser *p, const char *w) {
  return patron__token_is(p->text, &p->tok, w);
}

static bool is_symbol(const xparser *p, const char *s) {
  return p->tok.kind == PATRON__TOK_SYMBOL && p->tok.len == strlen(s) &&
         memcmp(p->text + p->tok.offset, s, p->tok.len) == 0;
}

static void unexpected(xparser *p) {
  if (p->tok.kind == PATRON__TOK_END)
    patron__xfail(p, p->tok.offset, "unexpected end of expression");
  else
    patron__xfail(p, p->tok.offset, "unexpected '%.*s'", (int)(p->tok.len > 40 ? 40 : p->tok.len),
                  p->text + p->tok.offset);
}

static bool expect_symbol(xparser *p, const char *s) {
  if (!is_symbol(p, s)) {
    unexpected(p);
    return false;
  }
  return patron__xadvance(p);
}

/* Wraps up a node: depth check (the evaluators recurse), then constant folding. */
static xnode *finish(xparser *p, xnode *n) {
  if (!n)
    return NULL;
  size_t d = 0;
  for (size_t k = 0; k < n->n_kids; k++)
    if (depth_of(n->kids[k]) > d)
      d = depth_of(n->kids[k]);
  if (d + 1 > PATRON_EXPR_MAX_DEPTH) {
    patron__xfail(p, n->offset, "more than %d operators nested in one another",
                  PATRON_EXPR_MAX_DEPTH);
    return NULL;
  }
  n = patron__xfold(p, n);
  if (n)
    n->depth = n->op == X_CONST ? 1 : (uint32_t)(d + 1);
  return n;
}

static bool want_bool(xparser *p, const xnode *n, const char *what) {
  if (n->type == PATRON_EXPR_BOOL || n->type == PATRON_EXPR_NULL)
    return true;
  patron__xfail(p, n->offset, "%s needs a condition, not %s", what, patron__xtype_name(n->type));
  return false;
}

static bool want_number(xparser *p, const xnode *n, const char *what) {
  if (n->type == PATRON_EXPR_NUMBER || n->type == PATRON_EXPR_NULL)
    return true;
  patron__xfail(p, n->offset, "%s needs a number, not %s", what, patron__xtype_name(n->type));
  return false;
}

/* Reads a text constant compared with a date as YYYY-MM-DD (in place). */
static bool text_as_date(xparser *p, xnode *n) {
  int32_t day;
  if (n->op != X_CONST || patron_parse_day(n->value.s, n->value.len, &day) != PATRON_OK) {
    patron__xfail(p, n->offset, "%s is not a date (YYYY-MM-DD)",
                  n->op == X_CONST ? "this text" : "text");
    return false;
  }
  n->type = PATRON_EXPR_DATE;
  n->value = (xcell){.i = day, .len = 0, .null = 0};
  return true;
}

/* Makes b comparable with a: same type, null, or a text literal against a date. */
static bool comparable(xparser *p, xnode *a, xnode *b, size_t at) {
  if (a->type == b->type || a->type == PATRON_EXPR_NULL || b->type == PATRON_EXPR_NULL)
    return true;
  if (a->type == PATRON_EXPR_DATE && b->type == PATRON_EXPR_TEXT && b->op == X_CONST)
    return text_as_date(p, b);
  if (b->type == PATRON_EXPR_DATE && a->type == PATRON_EXPR_TEXT && a->op == X_CONST)
    return text_as_date(p, a);
  patron__xfail(p, at, "cannot compare %s with %s", patron__xtype_name(a->type),
                patron__xtype_name(b->type));
  return false;
}

static xnode *make_cmp(xparser *p, xcmp op, xnode *a, xnode *b, size_t at) {
  if (!comparable(p, a, b, at))
    return NULL;
  xnode *n = patron__xnode_new(p, X_CMP, PATRON_EXPR_BOOL, a->offset, 2);
  if (!n)
    return NULL;
  n->sub = op, n->kids[0] = a, n->kids[1] = b;
  return finish(p, n);
}

static xnode *negate(xparser *p, xnode *inner, size_t at) {
  if (!inner)
    return NULL;
  xnode *n = patron__xnode_new(p, X_NOT, PATRON_EXPR_BOOL, at, 1);
  if (!n)
    return NULL;
  n->kids[0] = inner;
  return finish(p, n);
}

static int cmp_symbol(const xparser *p) {
  static const char *const syms[] = {"=", "!=", "<>", "<", "<=", ">", ">="};
  static const xcmp ops[] = {C_EQ, C_NE, C_NE, C_LT, C_LE, C_GT, C_GE};
  for (size_t i = 0; i < sizeof syms / sizeof *syms; i++)
    if (is_symbol(p, syms[i]))
      return (int)ops[i];
  return -1;
}

static xnode *parse_sum(xparser *p);

static xnode *parse_between(xparser *p, xnode *left, bool negated, size_t at) {
  xnode *lo = parse_sum(p);
  if (!lo)
    return NULL;
  if (!is_word(p, "and")) {
    unexpected(p);
    return NULL;
  }
  if (!patron__xadvance(p))
    return NULL;
  xnode *hi = parse_sum(p);
  if (!hi)
    return NULL;
  xnode *ge = make_cmp(p, C_GE, left, lo, at), *le = ge ? make_cmp(p, C_LE, left, hi, at) : NULL;
  xnode *n = le ? patron__xnode_new(p, X_AND, PATRON_EXPR_BOOL, left->offset, 2) : NULL;
  if (!n)
    return NULL;
  n->kids[0] = ge, n->kids[1] = le;
  n = finish(p, n);
  return negated ? negate(p, n, at) : n;
}

static int compare_set(const void *a, const void *b, void *kind) {
  return patron__xcell_compare(kind, a, kind, b);
}

/* An `in` list of constants becomes a sorted set (binary search per row). */
static bool make_set(xparser *p, xnode *n) {
  bool exact = n->kids[0]->type != PATRON_EXPR_NUMBER || n->kids[0]->exact;
  for (size_t k = 1; k < n->n_kids; k++) {
    if (n->kids[k]->op != X_CONST)
      return true;
    exact = exact && (n->kids[k]->type != PATRON_EXPR_NUMBER || n->kids[k]->exact);
  }
  n->exact = exact;
  n->set = malloc(n->n_kids * sizeof *n->set);
  if (!n->set || !patron__expr_own(p->e, n->set))
    return PATRON__OOM(p->err), false;
  for (size_t k = 1; k < n->n_kids; k++) {
    const xnode *item = n->kids[k];
    if (item->value.null) {
      n->set_has_null = true;
      continue;
    }
    xcell c = item->value;
    if (item->type == PATRON_EXPR_NUMBER && item->exact && !exact)
      c.d = patron__xnum(item, &c);
    n->set[n->n_set++] = c;
  }
  xnode kind = {.type = n->kids[0]->type, .exact = exact};
  qsort_r(n->set, n->n_set, sizeof *n->set, compare_set, &kind);
  n->n_kids = 1;
  return true;
}

static xnode *parse_in(xparser *p, xnode *left, bool negated, size_t at) {
  if (!is_symbol(p, "(")) {
    unexpected(p);
    return NULL;
  }
  if (++p->nesting > PATRON_EXPR_MAX_NESTING) {
    patron__xfail(p, p->tok.offset, "more than %d levels of parentheses and calls",
                  PATRON_EXPR_MAX_NESTING);
    return NULL;
  }
  if (!patron__xadvance(p))
    return NULL;
  xnode **items = NULL;
  size_t n_items = 0, cap = 0;
  xnode *n = NULL;
  for (;;) {
    if (n_items == PATRON_EXPR_MAX_IN_ITEMS) {
      patron__xfail(p, p->tok.offset, "more than 100,000 items in an 'in' list");
      goto done;
    }
    xnode *item = patron__xparse_expr(p);
    if (!item || !comparable(p, left, item, item->offset))
      goto done;
    if (!patron__reserve((void **)&items, &cap, n_items + 1, sizeof *items)) {
      PATRON__OOM(p->err);
      goto done;
    }
    items[n_items++] = item;
    if (!is_symbol(p, ","))
      break;
    if (!patron__xadvance(p))
      goto done;
  }
  if (!expect_symbol(p, ")"))
    goto done;
  p->nesting--;
  n = patron__xnode_new(p, X_IN, PATRON_EXPR_BOOL, left->offset, n_items + 1);
  if (n) {
    n->sub = negated, n->kids[0] = left;
    memcpy(n->kids + 1, items, n_items * sizeof *items);
    n = make_set(p, n) ? finish(p, n) : NULL;
  }
done:
  free(items);
  (void)at;
  return n;
}

static xnode *parse_like(xparser *p, xnode *left, bool negated, size_t at) {
  if (p->tok.kind != PATRON__TOK_STRING) {
    patron__xfail(p, p->tok.offset, "'like' needs a quoted pattern");
    return NULL;
  }
  if (left->type != PATRON_EXPR_TEXT && left->type != PATRON_EXPR_NULL) {
    patron__xfail(p, at, "'like' needs text, not %s", patron__xtype_name(left->type));
    return NULL;
  }
  xnode *n = patron__xnode_new(p, X_LIKE, PATRON_EXPR_BOOL, left->offset, 1);
  if (!n || !(n->pattern = malloc(p->tok.len + 1)) || !patron__expr_own(p->e, n->pattern))
    return PATRON__OOM(p->err), NULL;
  n->pattern_len = patron__token_string(p->text, &p->tok, n->pattern);
  n->sub = negated, n->kids[0] = left;
  return patron__xadvance(p) ? finish(p, n) : NULL;
}

static xnode *parse_is(xparser *p, xnode *left) {
  bool negated = is_word(p, "not");
  if (negated && !patron__xadvance(p))
    return NULL;
  if (!is_word(p, "null")) {
    unexpected(p);
    return NULL;
  }
  xnode *n = patron__xnode_new(p, X_ISNULL, PATRON_EXPR_BOOL, left->offset, 1);
  if (!n)
    return NULL;
  n->sub = negated, n->kids[0] = left;
  return patron__xadvance(p) ? finish(p, n) : NULL;
}

static bool starts_predicate(const xparser *p) {
  return cmp_symbol(p) >= 0 || is_word(p, "in") || is_word(p, "between") || is_word(p, "is") ||
         is_word(p, "like");
}

/* After "not": in, between or like must follow. */
static xnode *parse_negated(xparser *p, xnode *left, size_t at) {
  if (is_word(p, "in"))
    return patron__xadvance(p) ? parse_in(p, left, true, at) : NULL;
  if (is_word(p, "between"))
    return patron__xadvance(p) ? parse_between(p, left, true, at) : NULL;
  if (is_word(p, "like"))
    return patron__xadvance(p) ? parse_like(p, left, true, at) : NULL;
  unexpected(p);
  return NULL;
}

static xnode *parse_predicate(xparser *p) {
  xnode *left = parse_sum(p);
  if (!left)
    return NULL;
  size_t at = p->tok.offset;
  int op = cmp_symbol(p);
  xnode *n = left;
  if (op >= 0) {
    xnode *right = patron__xadvance(p) ? parse_sum(p) : NULL;
    n = right ? make_cmp(p, (xcmp)op, left, right, at) : NULL;
  } else if (is_word(p, "not")) {
    n = patron__xadvance(p) ? parse_negated(p, left, at) : NULL;
  } else if (is_word(p, "in")) {
    n = patron__xadvance(p) ? parse_in(p, left, false, at) : NULL;
  } else if (is_word(p, "between")) {
    n = patron__xadvance(p) ? parse_between(p, left, false, at) : NULL;
  } else if (is_word(p, "is")) {
    n = patron__xadvance(p) ? parse_is(p, left) : NULL;
  } else if (is_word(p, "like")) {
    n = patron__xadvance(p) ? parse_like(p, left, false, at) : NULL;
  } else {
    return left;
  }
  if (n && (starts_predicate(p) || (is_word(p, "not") && n != left))) {
    patron__xfail(p, p->tok.offset, "comparisons do not chain (use 'and' or parentheses)");
    return NULL;
  }
  return n;
}

static xnode *parse_not(xparser *p) {
  size_t count = 0, at = p->tok.offset;
  while (is_word(p, "not")) {
    count++;
    if (!patron__xadvance(p))
      return NULL;
  }
  xnode *n = parse_predicate(p);
  if (!n || count == 0)
    return n;
  if (!want_bool(p, n, "'not'"))
    return NULL;
  return count % 2 ? negate(p, n, at) : n;
}

/* and / or: a flat list of operands. */
static xnode *parse_logic(xparser *p, const char *word, xop op, xnode *(*operand)(xparser *)) {
  xnode *first = operand(p);
  if (!first || !is_word(p, word))
    return first;
  xnode **kids = NULL;
  size_t n_kids = 0, cap = 0;
  xnode *n = NULL, *k = first;
  for (;;) {
    if (!want_bool(p, k, word[0] == 'a' ? "'and'" : "'or'"))
      goto done;
    if (!patron__reserve((void **)&kids, &cap, n_kids + 1, sizeof *kids)) {
      PATRON__OOM(p->err);
      goto done;
    }
    kids[n_kids++] = k;
    if (!is_word(p, word))
      break;
    if (!patron__xadvance(p) || !(k = operand(p)))
      goto done;
  }
  n = patron__xnode_new(p, op, PATRON_EXPR_BOOL, first->offset, n_kids);
  if (n) {
    memcpy(n->kids, kids, n_kids * sizeof *kids);
    n = finish(p, n);
  }
done:
  free(kids);
  return n;
}

static xnode *parse_and(xparser *p) { return parse_logic(p, "and", X_AND, parse_not); }

xnode *patron__xparse_expr(xparser *p) { return parse_logic(p, "or", X_OR, parse_and); }

static xnode *parse_number(xparser *p) {
  const char *s = p->text + p->tok.offset;
  xnode *n = patron__xnode_new(p, X_CONST, PATRON_EXPR_NUMBER, p->tok.offset, 0);
  if (!n)
    return NULL;
  int64_t fixed;
  if (patron__parse_decimal(s, p->tok.len, 4, &fixed) == PATRON_OK && !memchr(s, 'e', p->tok.len) &&
      !memchr(s, 'E', p->tok.len)) {
    const char *dot = memchr(s, '.', p->tok.len);
    n->exact = !dot || p->tok.len - (size_t)(dot - s) - 1 <= 4;
  }
  if (n->exact) {
    n->value.i = fixed;
  } else {
    char buf[64];
    size_t m = p->tok.len < sizeof buf - 1 ? p->tok.len : sizeof buf - 1;
    memcpy(buf, s, m);
    buf[m] = '\0';
    n->value.d = strtod(buf, NULL);
  }
  return patron__xadvance(p) ? n : NULL;
}

static xnode *parse_string(xparser *p) {
  xnode *n = patron__xnode_new(p, X_CONST, PATRON_EXPR_TEXT, p->tok.offset, 0);
  char *s = n ? malloc(p->tok.len + 1) : NULL;
  if (!s || !patron__expr_own(p->e, s))
    return PATRON__OOM(p->err), NULL;
  n->value.len = (uint32_t)patron__token_string(p->text, &p->tok, s);
  n->value.s = s;
  return patron__xadvance(p) ? n : NULL;
}

static xnode *parse_constant_word(xparser *p) {
  bool is_null = is_word(p, "null");
  xnode *n = patron__xnode_new(p, X_CONST, is_null ? PATRON_EXPR_NULL : PATRON_EXPR_BOOL,
                               p->tok.offset, 0);
  if (!n)
    return NULL;
  n->value.null = is_null;
  n->value.i = is_word(p, "true");
  return patron__xadvance(p) ? n : NULL;
}

static xnode *parse_paren(xparser *p) {
  if (++p->nesting > PATRON_EXPR_MAX_NESTING) {
    patron__xfail(p, p->tok.offset, "more than %d levels of parentheses and calls",
                  PATRON_EXPR_MAX_NESTING);
    return NULL;
  }
  if (!patron__xadvance(p))
    return NULL;
  xnode *n = patron__xparse_expr(p);
  if (!n || !expect_symbol(p, ")"))
    return NULL;
  p->nesting--;
  return n;
}

static bool reserved(const xparser *p) {
  static const char *const words[] = {"and", "or", "not", "in", "between", "is", "like"};
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (is_word(p, words[i]))
      return true;
  return false;
}

static xnode *parse_primary(xparser *p) {
  switch (p->tok.kind) {
  case PATRON__TOK_NUMBER: return parse_number(p);
  case PATRON__TOK_STRING: return parse_string(p);
  case PATRON__TOK_NAME: {
    if (is_word(p, "true") || is_word(p, "false") || is_word(p, "null"))
      return parse_constant_word(p);
    if (reserved(p))
      break;
    patron__token name = p->tok;
    if (!patron__xadvance(p))
      return NULL;
    if (is_symbol(p, "("))
      return patron__xparse_call(p, &name);
    return patron__xresolve_name(p, &name);
  }
  case PATRON__TOK_SYMBOL:
    if (is_symbol(p, "("))
      return parse_paren(p);
    break;
  default: break;
  }
  unexpected(p);
  return NULL;
}

static xnode *parse_unary(xparser *p) {
  size_t count = 0, at = p->tok.offset;
  while (is_symbol(p, "-")) {
    count++;
    if (!patron__xadvance(p))
      return NULL;
  }
  xnode *x = parse_primary(p);
  if (!x || count == 0)
    return x;
  if (!want_number(p, x, "'-'"))
    return NULL;
  if (count % 2 == 0)
    return x;
  xnode *n = patron__xnode_new(p, X_NEG, x->type, at, 1);
  if (!n)
    return NULL;
  n->exact = x->exact, n->kids[0] = x;
  return finish(p, n);
}

static xnode *arith(xparser *p, xarith op, xnode *a, xnode *b, size_t at) {
  static const char *const names[] = {"'+'", "'-'", "'*'", "'/'", "'%'"};
  (void)at;
  if (!want_number(p, a, names[op]) || !want_number(p, b, names[op]))
    return NULL;
  bool null = a->type == PATRON_EXPR_NULL || b->type == PATRON_EXPR_NULL;
  xnode *n =
      patron__xnode_new(p, X_ARITH, null ? PATRON_EXPR_NULL : PATRON_EXPR_NUMBER, a->offset, 2);
  if (!n)
    return NULL;
  n->sub = op, n->kids[0] = a, n->kids[1] = b;
  n->exact = op != A_DIV && a->exact && b->exact;
  return finish(p, n);
}

static xnode *parse_binary(xparser *p, const char *const *syms, const xarith *ops, size_t n_ops,
                           xnode *(*operand)(xparser *)) {
  xnode *left = operand(p);
  while (left) {
    size_t i = 0;
    while (i < n_ops && !is_symbol(p, syms[i]))
      i++;
    if (i == n_ops)
      break;
    size_t at = p->tok.offset;
    xnode *right = patron__xadvance(p) ? operand(p) : NULL;
    left = right ? arith(p, ops[i], left, right, at) : NULL;
  }
  return left;
}

static xnode *parse_product(xparser *p) {
  static const char *const syms[] = {"*", "/", "%"};
  static const xarith ops[] = {A_MUL, A_DIV, A_MOD};
  return parse_binary(p, syms, ops, 3, parse_unary);
}

static xnode *parse_sum(xparser *p) {
  static const char *const syms[] = {"+", "-"};
  static const xarith ops[] = {A_ADD, A_SUB};
  return parse_binary(p, syms, ops, 2, parse_product);
}
