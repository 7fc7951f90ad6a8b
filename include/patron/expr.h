/* The expression language of SPEC section 6: one language selects customers everywhere
 * (audiences, tag and segment rules, triggers, plans, monitors, lookalike seeds, the HTTP
 * API). An expression is compiled once against a profile table (names resolved, types
 * checked, constants folded, `now` bound to the as-of) and evaluated either over whole
 * columns (patron_expr_filter, patron_expr_eval_bool) or one row at a time
 * (patron_expr_eval_row); both give the same answer on every row. */
#ifndef PATRON_EXPR_H
#define PATRON_EXPR_H

#include "patron/dataset.h"
#include "patron/error.h"
#include "patron/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of SPEC section 6, each with its own error message. */
#define PATRON_EXPR_MAX_TEXT     65536
#define PATRON_EXPR_MAX_NESTING  128
#define PATRON_EXPR_MAX_IN_ITEMS 100000
/* Extension (docs/EXPRESSIONS.md): at most this many operators nested in one another. */
#define PATRON_EXPR_MAX_DEPTH 2048

typedef enum patron_expr_type {
  PATRON_EXPR_NULL, /* the literal null alone */
  PATRON_EXPR_BOOL,
  PATRON_EXPR_NUMBER,
  PATRON_EXPR_TEXT,
  PATRON_EXPR_DATE
} patron_expr_type;

/* A value. Numbers are exact fixed-point (`exact`, `fixed` in 1e-4 units) or doubles. */
typedef struct patron_expr_value {
  patron_expr_type type;
  bool is_null;
  bool exact;
  int64_t fixed;
  double dbl;
  int32_t day;
  bool boolean;
  const char *text; /* valid until the next evaluation with the same expression */
  size_t text_len;
} patron_expr_value;

/* An outside function (e.g. previous(), moved() from the store): called once per distinct
 * call at compile time; fills `out` with a whole column of the table's n_rows values
 * (type, data and, for categories, labels), owned by `ctx` and alive as long as the
 * compiled expression. Arguments that are bare names arrive in arg_names (others NULL),
 * constant arguments in arg_values. A plain message in err becomes a caret error. */
typedef struct patron_expr_call {
  const char *name; /* as registered */
  size_t n_args;
  const char *const *arg_names;
  const patron_expr_value *arg_values;
} patron_expr_call;

typedef patron_status (*patron_expr_function_fn)(void *ctx, const patron_expr_call *call,
                                                 patron_column *out, patron_error *err);

typedef struct patron_expr_function {
  const char *name; /* compared case-insensitively */
  int min_args, max_args;
  patron_expr_function_fn fn;
  void *ctx;
} patron_expr_function;

typedef struct patron_expr_env {
  const patron_table *table;     /* required: names resolve to its columns first */
  const patron_dataset *dataset; /* optional: member columns and behaviour functions */
  const uint32_t *row_customer;  /* table row -> dataset customer; required with dataset */
  int64_t as_of;                 /* the instant T (seconds); windows are [T - D days, T) */
  /* INT columns of the table read as booleans (1 true, 0 false, none null): rule tags */
  const char *const *bool_columns;
  size_t n_bool_columns;
  const patron_expr_function *functions; /* outside functions, e.g. previous()/moved() */
  size_t n_functions;
  const char *label;   /* error prefix, e.g. "--where"; NULL for none */
  bool want_condition; /* the expression must be a condition (boolean) */
  size_t max_text;     /* 0: PATRON_EXPR_MAX_TEXT (a 100,000-item list needs a larger cap) */
  int n_threads;       /* behaviour functions' columns are computed on this many threads
                          (0: all cores); the results do not depend on it */
} patron_expr_env;

typedef struct patron_expr patron_expr;

PATRON_API void patron_expr_env_init(patron_expr_env *env);

/* Compiles text (len bytes; no NUL needed). Errors are PATRON_ERR_USAGE (PATRON_ERR_LIMIT
 * for the size limits) with the caret message of SPEC section 6 and err->column = the
 * fault's byte offset + 1. The env (table, dataset, names, outside functions) must outlive
 * the expression. On success *out is freed with patron_expr_free. */
PATRON_API patron_status patron_expr_compile(const char *text, size_t len,
                                             const patron_expr_env *env, patron_expr **out,
                                             patron_error *err);
PATRON_API void patron_expr_free(patron_expr *e);

/* Calls fn with each name the text refers to as a column (a name not followed by "(", and
 * not a keyword or `now`), unresolved and possibly repeated; stops at a lexical error (which
 * the compile reports). Lets a caller compute only the columns its expressions need. */
PATRON_API void patron_expr_names(const char *text, size_t len,
                                  void (*fn)(void *ctx, const char *name, size_t len), void *ctx);
PATRON_API patron_expr_type patron_expr_result_type(const patron_expr *e);

/* Vectorized filter: of rows_in (n_in ascending table rows; NULL = every row), writes to
 * rows_out (room for n_in, or n_rows when rows_in is NULL) those where the expression is
 * true, in order, and their number to *n_out. `and` evaluates its right side only on the
 * rows its left side kept. Not thread-safe on one expression. */
PATRON_API patron_status patron_expr_filter(patron_expr *e, const uint32_t *rows_in, size_t n_in,
                                            uint32_t *rows_out, size_t *n_out, patron_error *err);

/* Count-only filter: the number of table rows where the condition is true (the same rows
 * patron_expr_filter keeps), without writing them out. copies are n_copies compiled copies
 * of one expression over one table (each used by one thread at a time: pass one per thread
 * wanted); blocks of rows are spread over them with the executor. The count does not depend
 * on n_copies. */
PATRON_API patron_status patron_expr_count(patron_expr *const *copies, size_t n_copies,
                                           size_t *count, patron_error *err);

/* Vectorized three-valued result of a condition over rows (NULL = every row): out[i] = 1
 * (true), 0 (false) or -1 (null). */
PATRON_API patron_status patron_expr_eval_bool(patron_expr *e, const uint32_t *rows, size_t n,
                                               int8_t *out, patron_error *err);

/* Row-at-a-time evaluation of one table row. */
PATRON_API patron_status patron_expr_eval_row(patron_expr *e, size_t row, patron_expr_value *out,
                                              patron_error *err);

#endif
