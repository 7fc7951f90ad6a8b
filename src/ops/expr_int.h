/* Insides of the expression language (SPEC section 6): the typed tree built by the parser
 * (expr_parse.c), the scalar semantics shared by both evaluators (expr_scalar.c), the
 * behaviour functions over the dataset's per-customer ranges (expr_behaviour.c), the
 * vectorized evaluator (expr_vector.c) and the row evaluator (expr_row.c). */
#ifndef PATRON_OPS_EXPR_INT_H
#define PATRON_OPS_EXPR_INT_H

#include "core/core_int.h"
#include "patron/expr.h"

/* One value of a statically typed node: bool/exact number/date in i, double in d, text in
 * s (len bytes). */
typedef struct xcell {
  union {
    int64_t i;
    double d;
    const char *s;
  };
  uint32_t len;
  uint8_t null;
} xcell;

typedef enum xop {
  X_CONST,
  X_COLUMN,
  X_AND,
  X_OR,
  X_NOT,
  X_CMP,
  X_IN,
  X_ISNULL,
  X_LIKE,
  X_ARITH,
  X_NEG,
  X_FUNC,
  X_BEHAV
} xop;

typedef enum xcmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE } xcmp;
typedef enum xarith { A_ADD, A_SUB, A_MUL, A_DIV, A_MOD } xarith;

typedef enum xfunc {
  F_DAYS_SINCE,
  F_AGE,
  F_DAYS_TO_BIRTHDAY,
  F_COALESCE,
  F_ABS,
  F_LN,
  F_LOG1P,
  F_EXP,
  F_LEAST,
  F_GREATEST,
  F_LOWER,
  F_UPPER,
  F_STARTS_WITH,
  F_CONTAINS
} xfunc;

typedef enum xbehav { B_PURCHASES, B_SPEND, B_EVENTS, B_ITEMS_VU, B_CART_ABANDONED } xbehav;

/* A column source: a table column, a column derived at compile time, or an outside
 * function's column. */
typedef struct xsource {
  patron_col_type ctype;
  const void *data;
  const char *const *labels;
  int32_t n_labels;
  bool as_bool;
} xsource;

/* One distinct behaviour call, shared by every node making it; its column is computed on
 * first vectorized use (int64: counts, money, or 0/1). */
typedef struct xbehaviour {
  xbehav kind;
  int64_t days, hours, min_views;
  uint32_t category, event_type; /* dictionary codes; UINT32_MAX: the value is absent */
  bool has_category;
  int64_t *column;
} xbehaviour;

typedef struct xnode xnode;
struct xnode {
  xop op;
  patron_expr_type type;
  bool exact;     /* numbers */
  int sub;        /* xcmp, xarith, xfunc; X_NOT/X_IN/X_LIKE/X_ISNULL: 1 when negated */
  size_t offset;  /* byte offset of the node's text */
  uint32_t depth; /* 1 + the deepest operand's depth */
  xnode **kids;
  size_t n_kids;
  xcell value; /* X_CONST */
  xsource src; /* X_COLUMN */
  xbehaviour *behav;
  /* X_IN with only constant items: sorted, null-free values and whether a null was listed */
  xcell *set;
  size_t n_set;
  bool set_has_null;
  char *pattern; /* X_LIKE */
  size_t pattern_len;
};

struct patron_expr {
  patron_expr_env env;
  const char *text;
  size_t len;
  xnode *root;
  size_t n_rows;
  int32_t as_of_day;
  /* member columns read by the tree (per table row) */
  int32_t *birth_day;
  /* everything the tree owns */
  void **owned;
  size_t n_owned, cap_owned;
  xbehaviour **behaviours;
  size_t n_behaviours, cap_behaviours;
  patron__arena scratch; /* texts made by lower/upper during one evaluation */
};

/* Registers memory the expression frees with it; false when out of memory (p is freed). */
bool patron__expr_own(patron_expr *e, void *p);

/* Scalar semantics (expr_scalar.c). */
int patron__xcell_compare(const xnode *a, const xcell *x, const xnode *b, const xcell *y);
xcell patron__xcmp(xcmp op, const xnode *a, const xcell *x, const xnode *b, const xcell *y);
xcell patron__xarith(const xnode *n, const xnode *a, const xcell *x, const xnode *b,
                     const xcell *y);
xcell patron__xneg(const xnode *n, const xcell *x);
bool patron__xlike(const char *s, size_t n, const char *p, size_t m);
xcell patron__xin(const xnode *n, const xcell *x, const xcell *items, size_t n_items);
xcell patron__xfunc(patron_expr *e, const xnode *n, const xcell *args, size_t row);
double patron__xnum(const xnode *n, const xcell *x);
xcell patron__xsource_cell(const xsource *s, size_t row);
int32_t patron__days_to_birthday(int32_t birth, int32_t today);
int64_t patron__age_years(int32_t birth, int32_t today);

/* Behaviour functions (expr_behaviour.c): one customer, and the whole column. */
int64_t patron__behaviour_one(const patron_expr *e, const xbehaviour *b, uint32_t customer);
patron_status patron__behaviour_column(patron_expr *e, xbehaviour *b, patron_error *err);

/* Evaluators. */
xcell patron__expr_row(patron_expr *e, const xnode *n, size_t row);
patron_status patron__expr_vector(patron_expr *e, const xnode *n, const uint32_t *rows,
                                  size_t n_rows, xcell *out, patron_error *err);

/* Parser (expr_parse.c): builds e->root. */
patron_status patron__expr_parse(patron_expr *e, patron_error *err);

#endif
