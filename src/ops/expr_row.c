/* The row-at-a-time evaluator of the expression language (SPEC section 6): one table row,
 * recursively, with the scalar semantics of expr_scalar.c. Used for one customer at a time
 * (the HTTP API, triggers on one event) and, in the differential test, as the reference
 * the vectorized evaluator must agree with on every row. */
#include "ops/expr_int.h"

#include <stdlib.h>

static xcell bool_cell(bool v) {
  xcell c = {.i = v, .len = 0, .null = 0};
  return c;
}

static xcell null_cell(void) {
  xcell c = {.i = 0, .len = 0, .null = 1};
  return c;
}

/* and (dominant = false) / or (dominant = true) in Kleene logic, left to right. */
static xcell logic(patron_expr *e, const xnode *n, size_t row, bool dominant) {
  bool saw_null = false;
  for (size_t k = 0; k < n->n_kids; k++) {
    xcell c = patron__expr_row(e, n->kids[k], row);
    if (c.null)
      saw_null = true;
    else if ((c.i != 0) == dominant)
      return bool_cell(dominant);
  }
  return saw_null ? null_cell() : bool_cell(!dominant);
}

/* Evaluates kids[from..] into a cell array (on the stack when small). */
static xcell with_kids(patron_expr *e, const xnode *n, size_t row, size_t from) {
  xcell local[8], *args = local;
  size_t m = n->n_kids - from;
  if (m > 8 && !(args = malloc(m * sizeof *args)))
    return null_cell();
  for (size_t k = 0; k < m; k++)
    args[k] = patron__expr_row(e, n->kids[from + k], row);
  xcell r;
  if (n->op == X_FUNC) {
    r = patron__xfunc(e, n, args, row);
  } else {
    xcell x = patron__expr_row(e, n->kids[0], row);
    r = patron__xin(n, &x, args, m);
  }
  if (args != local)
    free(args);
  return r;
}

static xcell like(patron_expr *e, const xnode *n, size_t row) {
  xcell x = patron__expr_row(e, n->kids[0], row);
  if (x.null)
    return x;
  return bool_cell(patron__xlike(x.s, x.len, n->pattern, n->pattern_len) != (n->sub == 1));
}

static xcell binary(patron_expr *e, const xnode *n, size_t row) {
  xcell x = patron__expr_row(e, n->kids[0], row), y = patron__expr_row(e, n->kids[1], row);
  if (n->op == X_CMP)
    return patron__xcmp((xcmp)n->sub, n->kids[0], &x, n->kids[1], &y);
  return patron__xarith(n, n->kids[0], &x, n->kids[1], &y);
}

xcell patron__expr_row(patron_expr *e, const xnode *n, size_t row) {
  switch (n->op) {
  case X_CONST: return n->value;
  case X_COLUMN: return patron__xsource_cell(&n->src, row);
  case X_BEHAV: {
    xcell c = {.i = patron__behaviour_one(e, n->behav, e->env.row_customer[row]), .null = 0};
    return c;
  }
  case X_AND: return logic(e, n, row, false);
  case X_OR: return logic(e, n, row, true);
  case X_NOT: {
    xcell c = patron__expr_row(e, n->kids[0], row);
    return c.null ? c : bool_cell(!c.i);
  }
  case X_CMP:
  case X_ARITH: return binary(e, n, row);
  case X_IN:
    if (n->set || n->n_kids == 1) {
      xcell x = patron__expr_row(e, n->kids[0], row);
      return patron__xin(n, &x, NULL, 0);
    }
    return with_kids(e, n, row, 1);
  case X_ISNULL: return bool_cell(patron__expr_row(e, n->kids[0], row).null != (n->sub == 1));
  case X_LIKE: return like(e, n, row);
  case X_NEG: {
    xcell x = patron__expr_row(e, n->kids[0], row);
    return patron__xneg(n, &x);
  }
  case X_FUNC: return with_kids(e, n, row, 0);
  }
  return null_cell();
}
