/* The parser's state and the hooks between the grammar (expr_parse.c) and name and
 * function resolution (expr_names.c, expr_funcs.c). */
#ifndef PATRON_OPS_EXPR_PARSE_H
#define PATRON_OPS_EXPR_PARSE_H

#include "core/tokenize.h"
#include "ops/expr_int.h"

typedef struct xparser {
  patron_expr *e;
  const char *text;
  size_t len, pos;
  patron__token tok; /* current token */
  int nesting;       /* parentheses and calls open */
  patron_error *err;
} xparser;

/* Records a caret error at offset (first error wins); returns PATRON_ERR_USAGE. */
patron_status patron__xfail(xparser *p, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A new node owned by the expression (NULL after recording an error). */
xnode *patron__xnode_new(xparser *p, xop op, patron_expr_type type, size_t offset, size_t n_kids);
/* Moves to the next token; false (error recorded) on a lexical error. */
bool patron__xadvance(xparser *p);
/* Parses a whole expression (lowest precedence). */
xnode *patron__xparse_expr(xparser *p);
/* Folds a node whose operands are constants (returns it unchanged otherwise). */
xnode *patron__xfold(xparser *p, xnode *n);
/* A name (not followed by "("): a column or `now`. */
xnode *patron__xresolve_name(xparser *p, const patron__token *name);
/* A call: the current token is the "(" after the name. */
xnode *patron__xparse_call(xparser *p, const patron__token *name);
/* The as-of date as a constant (`now`). */
xnode *patron__xnow(xparser *p, size_t offset);
const char *patron__xtype_name(patron_expr_type t);

#endif
