/* The vectorized evaluator of the expression language (SPEC section 6): each node is
 * evaluated over a selection of table rows into a column of cells. `and` / `or` evaluate
 * each operand only on the rows whose result is still open (not yet false / true), so a
 * filter's later predicates see only the rows the earlier ones kept; three-valued (Kleene)
 * logic throughout. */
#include "ops/expr_int.h"

#include <stdlib.h>
#include <string.h>

typedef patron_status (*kid_fn)(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                                xcell *out, patron_error *err);

static void *alloc_cells(size_t m) { return malloc((m ? m : 1) * sizeof(xcell)); }

/* and (dominant false) / or (dominant true) over the still-open rows. */
static patron_status logic(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                           xcell *out, bool dominant, patron_error *err) {
  uint32_t *pos = malloc((m ? m : 1) * sizeof *pos), *sub = malloc((m ? m : 1) * sizeof *sub);
  xcell *tmp = alloc_cells(m);
  if (!pos || !sub || !tmp) {
    free(pos), free(sub), free(tmp);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < m; i++) {
    out[i] = (xcell){.i = !dominant, .len = 0, .null = 0};
    pos[i] = (uint32_t)i;
  }
  size_t open = m;
  patron_status st = PATRON_OK;
  for (size_t k = 0; k < n->n_kids && open > 0 && st == PATRON_OK; k++) {
    for (size_t j = 0; j < open; j++)
      sub[j] = rows[pos[j]];
    st = patron__expr_vector(e, n->kids[k], sub, open, tmp, err);
    size_t still = 0;
    for (size_t j = 0; j < open && st == PATRON_OK; j++) {
      if (!tmp[j].null && (tmp[j].i != 0) == dominant) {
        out[pos[j]] = (xcell){.i = dominant, .len = 0, .null = 0};
        continue;
      }
      if (tmp[j].null)
        out[pos[j]].null = 1;
      pos[still++] = pos[j];
    }
    open = still;
  }
  free(pos), free(sub), free(tmp);
  return st;
}

static patron_status in_items(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                              xcell *out, patron_error *err) {
  xcell *item = alloc_cells(m);
  uint8_t *saw_null = calloc(m ? m : 1, 1), *found = calloc(m ? m : 1, 1);
  patron_status st = item && saw_null && found ? PATRON_OK : PATRON__OOM(err);
  for (size_t k = 1; k < n->n_kids && st == PATRON_OK; k++) {
    st = patron__expr_vector(e, n->kids[k], rows, m, item, err);
    for (size_t i = 0; i < m && st == PATRON_OK; i++) {
      if (item[i].null)
        saw_null[i] = 1;
      else if (!out[i].null && !found[i])
        found[i] = patron__xcell_compare(n->kids[0], &out[i], n->kids[k], &item[i]) == 0;
    }
  }
  for (size_t i = 0; i < m && st == PATRON_OK; i++) {
    if (out[i].null || (!found[i] && saw_null[i]))
      out[i] = (xcell){.i = 0, .len = 0, .null = 1};
    else
      out[i] = (xcell){.i = found[i] != (n->sub == 1), .len = 0, .null = 0};
  }
  free(item), free(saw_null), free(found);
  return st;
}

static patron_status unary(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                           xcell *out, patron_error *err) {
  patron_status st = patron__expr_vector(e, n->kids[0], rows, m, out, err);
  if (st != PATRON_OK)
    return st;
  if (n->op == X_IN && !(n->set || n->n_kids == 1))
    return in_items(e, n, rows, m, out, err);
  for (size_t i = 0; i < m; i++) {
    xcell x = out[i];
    switch (n->op) {
    case X_NOT: out[i] = x.null ? x : (xcell){.i = !x.i, .len = 0, .null = 0}; break;
    case X_ISNULL: out[i] = (xcell){.i = x.null != (n->sub == 1), .len = 0, .null = 0}; break;
    case X_LIKE:
      if (!x.null)
        out[i] =
            (xcell){.i = patron__xlike(x.s, x.len, n->pattern, n->pattern_len) != (n->sub == 1),
                    .len = 0,
                    .null = 0};
      break;
    case X_NEG: out[i] = patron__xneg(n, &x); break;
    case X_IN: out[i] = patron__xin(n, &x, NULL, 0); break;
    default: break;
    }
  }
  return PATRON_OK;
}

static patron_status binary(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                            xcell *out, patron_error *err) {
  xcell *y = alloc_cells(m);
  if (!y)
    return PATRON__OOM(err);
  patron_status st = patron__expr_vector(e, n->kids[0], rows, m, out, err);
  if (st == PATRON_OK)
    st = patron__expr_vector(e, n->kids[1], rows, m, y, err);
  const xnode *a = n->kids[0], *b = n->kids[1];
  for (size_t i = 0; i < m && st == PATRON_OK; i++)
    out[i] = n->op == X_CMP ? patron__xcmp((xcmp)n->sub, a, &out[i], b, &y[i])
                            : patron__xarith(n, a, &out[i], b, &y[i]);
  free(y);
  return st;
}

static patron_status func(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                          xcell *out, patron_error *err) {
  size_t k_n = n->n_kids;
  xcell **cols = calloc(k_n ? k_n : 1, sizeof *cols), *args = calloc(k_n ? k_n : 1, sizeof *args);
  patron_status st = cols && args ? PATRON_OK : PATRON__OOM(err);
  for (size_t k = 0; k < k_n && st == PATRON_OK; k++) {
    cols[k] = alloc_cells(m);
    st = cols[k] ? patron__expr_vector(e, n->kids[k], rows, m, cols[k], err) : PATRON__OOM(err);
  }
  for (size_t i = 0; i < m && st == PATRON_OK; i++) {
    for (size_t k = 0; k < k_n; k++)
      args[k] = cols[k][i];
    out[i] = patron__xfunc(e, n, args, rows[i]);
  }
  for (size_t k = 0; cols && k < k_n; k++)
    free(cols[k]);
  free(cols), free(args);
  return st;
}

static patron_status behaviour(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                               xcell *out, patron_error *err) {
  patron_status st = patron__behaviour_column(e, n->behav, err);
  for (size_t i = 0; i < m && st == PATRON_OK; i++)
    out[i] = (xcell){.i = n->behav->column[rows[i]], .len = 0, .null = 0};
  return st;
}

patron_status patron__expr_vector(patron_expr *e, const xnode *n, const uint32_t *rows, size_t m,
                                  xcell *out, patron_error *err) {
  switch (n->op) {
  case X_CONST:
    for (size_t i = 0; i < m; i++)
      out[i] = n->value;
    return PATRON_OK;
  case X_COLUMN:
    for (size_t i = 0; i < m; i++)
      out[i] = patron__xsource_cell(&n->src, rows[i]);
    return PATRON_OK;
  case X_BEHAV: return behaviour(e, n, rows, m, out, err);
  case X_AND: return logic(e, n, rows, m, out, false, err);
  case X_OR: return logic(e, n, rows, m, out, true, err);
  case X_CMP:
  case X_ARITH: return binary(e, n, rows, m, out, err);
  case X_FUNC: return func(e, n, rows, m, out, err);
  default: return unary(e, n, rows, m, out, err);
  }
}

static bool cmp_holds(xcmp op, int c) {
  switch (op) {
  case C_EQ: return c == 0;
  case C_NE: return c != 0;
  case C_LT: return c < 0;
  case C_LE: return c <= 0;
  case C_GT: return c > 0;
  case C_GE: return c >= 0;
  }
  return false;
}

/* column OP constant over a raw column, without cells: the common shape of a filter's
 * predicates. Same semantics as patron__xcmp (null never kept). */
static bool fast_compare(const xnode *n, uint32_t *rows, size_t m, size_t *kept) {
  if (n->op != X_CMP)
    return false;
  const xnode *col = n->kids[0], *k = n->kids[1];
  if (col->op != X_COLUMN || k->op != X_CONST || k->value.null || col->src.as_bool ||
      col->type != PATRON_EXPR_NUMBER || k->type != PATRON_EXPR_NUMBER)
    return false;
  xcmp op = (xcmp)n->sub;
  size_t j = 0;
  const int64_t bound = INT64_MAX / PATRON_MONEY_SCALE;
  if (col->src.ctype == PATRON_COL_DOUBLE) {
    const double *v = col->src.data, c = patron__xnum(k, &k->value);
    for (size_t i = 0; i < m; i++) {
      double x = v[rows[i]];
      if (x == x && cmp_holds(op, (x > c) - (x < c)))
        rows[j++] = rows[i];
    }
  } else if (k->exact && (col->src.ctype == PATRON_COL_INT || col->src.ctype == PATRON_COL_MONEY)) {
    const int64_t *v = col->src.data, c = k->value.i;
    bool scaled = col->src.ctype == PATRON_COL_INT;
    for (size_t i = 0; i < m; i++) {
      int64_t x = v[rows[i]];
      if (x == PATRON_NULL_INT || (scaled && (x > bound || x < -bound)))
        continue;
      x = scaled ? x * PATRON_MONEY_SCALE : x;
      if (cmp_holds(op, (x > c) - (x < c)))
        rows[j++] = rows[i];
    }
  } else {
    return false;
  }
  *kept = j;
  return true;
}

/* category column IN (constants): membership decided once per label. */
static bool fast_in(const xnode *n, uint32_t *rows, size_t m, size_t *kept) {
  if (n->op != X_IN || !n->set)
    return false;
  const xnode *col = n->kids[0];
  if (col->op != X_COLUMN || col->src.ctype != PATRON_COL_CATEGORY || col->src.as_bool ||
      col->src.n_labels > 4096)
    return false;
  bool member[4096];
  int32_t nl = col->src.n_labels;
  for (int32_t c = 0; c < nl; c++) {
    const char *label = col->src.labels[c];
    xcell x = {.s = label, .len = (uint32_t)strlen(label), .null = !label[0]};
    xcell r = patron__xin(n, &x, NULL, 0);
    member[c] = !r.null && r.i == 1;
  }
  const int32_t *codes = col->src.data;
  size_t j = 0;
  for (size_t i = 0; i < m; i++) {
    int32_t c = codes[rows[i]];
    if (c >= 0 && c < nl && member[c])
      rows[j++] = rows[i];
  }
  *kept = j;
  return true;
}

/* Keeps the rows (in place) where n is true. */
static patron_status filter(patron_expr *e, const xnode *n, uint32_t *rows, size_t m, size_t *n_out,
                            patron_error *err) {
  if (fast_compare(n, rows, m, n_out) || fast_in(n, rows, m, n_out))
    return PATRON_OK;
  if (n->op == X_AND) {
    patron_status st = PATRON_OK;
    for (size_t k = 0; k < n->n_kids && st == PATRON_OK && m > 0; k++)
      st = filter(e, n->kids[k], rows, m, &m, err);
    *n_out = m;
    return st;
  }
  xcell *tmp = alloc_cells(m);
  if (!tmp)
    return PATRON__OOM(err);
  patron_status st = patron__expr_vector(e, n, rows, m, tmp, err);
  size_t kept = 0;
  for (size_t i = 0; i < m && st == PATRON_OK; i++)
    if (!tmp[i].null && tmp[i].i)
      rows[kept++] = rows[i];
  free(tmp);
  *n_out = st == PATRON_OK ? kept : 0;
  return st;
}

static patron_status check_condition(const patron_expr *e, patron_error *err) {
  if (e->root->type == PATRON_EXPR_BOOL || e->root->type == PATRON_EXPR_NULL)
    return PATRON_OK;
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "the expression is not a condition");
}

patron_status patron_expr_filter(patron_expr *e, const uint32_t *rows_in, size_t n_in,
                                 uint32_t *rows_out, size_t *n_out, patron_error *err) {
  *n_out = 0;
  patron_status st = check_condition(e, err);
  if (st != PATRON_OK)
    return st;
  if (rows_in)
    memmove(rows_out, rows_in, n_in * sizeof *rows_out);
  else
    for (size_t i = 0; i < (n_in = e->n_rows); i++)
      rows_out[i] = (uint32_t)i;
  patron__arena_free(&e->scratch);
  st = filter(e, e->root, rows_out, n_in, n_out, err);
  patron__arena_free(&e->scratch);
  return st;
}

patron_status patron_expr_eval_bool(patron_expr *e, const uint32_t *rows, size_t n, int8_t *out,
                                    patron_error *err) {
  patron_status st = check_condition(e, err);
  if (st != PATRON_OK)
    return st;
  uint32_t *all = NULL;
  if (!rows) {
    n = e->n_rows;
    if (!(all = malloc((n ? n : 1) * sizeof *all)))
      return PATRON__OOM(err);
    for (size_t i = 0; i < n; i++)
      all[i] = (uint32_t)i;
    rows = all;
  }
  xcell *tmp = alloc_cells(n);
  st = tmp ? patron__expr_vector(e, e->root, rows, n, tmp, err) : PATRON__OOM(err);
  for (size_t i = 0; i < n && st == PATRON_OK; i++)
    out[i] = tmp[i].null ? -1 : (int8_t)(tmp[i].i != 0);
  free(tmp), free(all);
  patron__arena_free(&e->scratch);
  return st;
}
