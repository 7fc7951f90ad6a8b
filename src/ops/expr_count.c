/* Count-only evaluation of a condition (SPEC section 6; the audience count of SPEC section
 * 14): the table's rows are cut into blocks and only the number of rows kept is summed, so no
 * array of the table's size is written. A condition that is a conjunction of the filter's
 * fast shapes (number column OP constant, category column IN constants) is counted with a
 * byte mask per block: each predicate ANDs its branch-free test of a contiguous column range
 * into the mask, the mask is summed (the same semantics as expr_vector.c's fast paths: nulls
 * never kept, integers beyond +-INT64_MAX / 10^4 never kept). Any other condition is
 * filtered per block with the vectorized evaluator into a small reused buffer. Blocks are
 * spread over the threads of the executor (src/core/exec.h), one compiled copy of the
 * expression per thread (an expression is not thread-safe); the sum does not depend on the
 * thread count. */
#include "core/exec.h"
#include "ops/expr_int.h"

#include <stdlib.h>
#include <string.h>

enum { COUNT_BLOCK = 65536, MAX_PREDICATES = 32, MAX_LABELS = 4096 };

/* One predicate of the mask path. Integers: kept when x is in [a, a + span] (one unsigned
 * comparison) and, for !=, x != t. */
typedef struct mask_pred {
  patron_col_type ctype;
  const void *data;
  xcmp op;
  int64_t lo, hi, t; /* integers: valid in [lo, hi], compared with t */
  int64_t a;
  uint64_t span;
  double d;        /* doubles: compared with d */
  uint8_t *member; /* categories: member[code + 1] (code -1 is null: 0) */
  bool none;       /* no row can hold (e.g. x * 10^4 = c with c not a multiple) */
} mask_pred;

typedef struct mask_plan {
  mask_pred p[MAX_PREDICATES];
  size_t n;
} mask_plan;

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}
static int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

/* x * 10^4 OP c over integers x as x OP' t (no multiplication, so no overflow). */
static void scaled_threshold(mask_pred *p, int64_t c) {
  const int64_t s = PATRON_MONEY_SCALE;
  switch (p->op) {
  case C_GE: p->t = ceil_div(c, s); break;
  case C_LT: p->t = ceil_div(c, s); break;
  case C_GT:
  case C_LE: p->t = floor_div(c, s); break;
  case C_EQ:
  case C_NE:
    p->t = c / s;
    if (c % s != 0) { /* never equal: = holds nowhere, != wherever valid */
      p->none = p->op == C_EQ;
      p->op = C_NE;
      p->t = INT64_MIN; /* below lo: every valid x differs */
    }
    break;
  }
}

/* [lo, hi] narrowed by OP t into [a, a + span]; none when empty. */
static void int_range(mask_pred *p) {
  int64_t a = p->lo, b = p->hi, t = p->t;
  switch (p->op) {
  case C_GE: a = t > a ? t : a; break;
  case C_GT:
    p->none |= t == INT64_MAX;
    a = t != INT64_MAX && t + 1 > a ? t + 1 : a;
    break;
  case C_LE: b = t < b ? t : b; break;
  case C_LT:
    p->none |= t == INT64_MIN;
    b = t != INT64_MIN && t - 1 < b ? t - 1 : b;
    break;
  case C_EQ: a = b = t, p->none |= t < p->lo || t > p->hi; break;
  case C_NE: break;
  }
  p->none |= a > b;
  p->a = a;
  p->span = (uint64_t)b - (uint64_t)a;
}

static bool plan_compare(const xnode *n, mask_pred *p) {
  const xnode *col = n->kids[0], *k = n->kids[1];
  if (col->op != X_COLUMN || k->op != X_CONST || k->value.null || col->src.as_bool ||
      col->type != PATRON_EXPR_NUMBER || k->type != PATRON_EXPR_NUMBER)
    return false;
  *p = (mask_pred){.ctype = col->src.ctype, .data = col->src.data, .op = (xcmp)n->sub};
  if (p->ctype == PATRON_COL_DOUBLE) {
    p->d = patron__xnum(k, &k->value);
    return true;
  }
  if (!k->exact || (p->ctype != PATRON_COL_INT && p->ctype != PATRON_COL_MONEY))
    return false;
  if (p->ctype == PATRON_COL_MONEY) {
    p->lo = INT64_MIN + 1, p->hi = INT64_MAX, p->t = k->value.i;
  } else {
    p->hi = INT64_MAX / PATRON_MONEY_SCALE, p->lo = -p->hi;
    scaled_threshold(p, k->value.i);
  }
  int_range(p);
  return true;
}

static bool plan_in(const xnode *n, mask_pred *p) {
  const xnode *col = n->kids[0];
  if (!n->set || col->op != X_COLUMN || col->src.ctype != PATRON_COL_CATEGORY || col->src.as_bool ||
      col->src.n_labels > MAX_LABELS)
    return false;
  int32_t nl = col->src.n_labels;
  if (!(p->member = calloc((size_t)nl + 1, 1)))
    return false;
  for (int32_t c = 0; c < nl; c++) {
    const char *label = col->src.labels[c];
    xcell x = {.s = label, .len = (uint32_t)strlen(label), .null = !label[0]};
    xcell r = patron__xin(n, &x, NULL, 0);
    p->member[c + 1] = !r.null && r.i == 1;
  }
  p->ctype = PATRON_COL_CATEGORY;
  p->data = col->src.data;
  p->lo = nl; /* codes >= n_labels are not members */
  return true;
}

static bool plan_one(const xnode *n, mask_plan *plan) {
  if (plan->n == MAX_PREDICATES)
    return false;
  mask_pred *p = &plan->p[plan->n];
  bool ok = n->op == X_CMP ? plan_compare(n, p) : n->op == X_IN ? plan_in(n, p) : false;
  plan->n += ok;
  return ok;
}

static void plan_free(mask_plan *plan) {
  for (size_t i = 0; i < plan->n; i++)
    free(plan->p[i].member);
  plan->n = 0;
}

/* The conjunction's predicates, or false (plan emptied) when a part has no mask form. */
static bool plan_build(const xnode *root, mask_plan *plan) {
  bool ok = true;
  if (root->op == X_AND)
    for (size_t k = 0; k < root->n_kids && ok; k++)
      ok = plan_one(root->kids[k], plan);
  else
    ok = plan_one(root, plan);
  if (!ok)
    plan_free(plan);
  return ok;
}

#define DBL_LOOP(EXPR)                                                                             \
  for (size_t i = 0; i < m; i++) {                                                                 \
    double x = v[i];                                                                               \
    mask[i] &= (uint8_t)(EXPR);                                                                    \
  }

/* ANDs the predicate over rows [lo, lo + m) into mask. The bounds are read into locals first:
 * the mask's bytes may alias anything, so reading them through p inside the loops would
 * reload them on every row. */
static void apply(const mask_pred *p, size_t lo, size_t m, uint8_t *restrict mask) {
  const int64_t t = p->t, a = p->a, n_labels = p->lo;
  const uint64_t span = p->span;
  const double d = p->d;
  const uint8_t *member = p->member;
  if (p->none) {
    memset(mask, 0, m);
  } else if (p->ctype == PATRON_COL_DOUBLE) { /* NaN fails every comparison but != */
    const double *restrict v = (const double *)p->data + lo;
    switch (p->op) {
    case C_EQ: DBL_LOOP(x == d) break;
    case C_NE: DBL_LOOP((x != d) & (x == x)) break;
    case C_LT: DBL_LOOP(x < d) break;
    case C_LE: DBL_LOOP(x <= d) break;
    case C_GT: DBL_LOOP(x > d) break;
    case C_GE: DBL_LOOP(x >= d) break;
    }
  } else if (p->ctype == PATRON_COL_CATEGORY) {
    const int32_t *restrict v = (const int32_t *)p->data + lo;
    for (size_t i = 0; i < m; i++)
      mask[i] &= (uint8_t)(v[i] < n_labels && member[v[i] + 1]);
  } else {
    const int64_t *restrict v = (const int64_t *)p->data + lo;
    if (p->op == C_NE)
      for (size_t i = 0; i < m; i++)
        mask[i] &= (uint8_t)(((uint64_t)v[i] - (uint64_t)a <= span) & (v[i] != t));
    else
      for (size_t i = 0; i < m; i++)
        mask[i] &= (uint8_t)((uint64_t)v[i] - (uint64_t)a <= span);
  }
}

/* Number of 1 bytes of a 0/1 mask, eight at a time. */
static size_t mask_sum(const uint8_t *mask, size_t m) {
  size_t n = 0, i = 0;
  for (; i + 8 <= m; i += 8) {
    uint64_t w;
    memcpy(&w, mask + i, 8);
    n += (size_t)((w * 0x0101010101010101ull) >> 56);
  }
  for (; i < m; i++)
    n += mask[i];
  return n;
}

typedef struct count_ctx {
  const mask_plan *plan; /* NULL: filter each block */
  patron_expr *const *copies;
  size_t n_rows, n_parts;
  uint32_t *buf[PATRON__EXEC_MAX_WORKERS];
  size_t *kept;          /* per part */
  patron_status *status; /* per part */
  patron_error *errors;  /* per part, filled on failure only */
} count_ctx;

static void count_part(void *ctx, size_t part, int worker) {
  count_ctx *c = ctx;
  size_t lo = part * COUNT_BLOCK, hi = lo + COUNT_BLOCK < c->n_rows ? lo + COUNT_BLOCK : c->n_rows;
  uint32_t *rows = c->buf[worker];
  if (c->plan) {
    uint8_t *mask = (uint8_t *)rows;
    memset(mask, 1, hi - lo);
    for (size_t k = 0; k < c->plan->n; k++)
      apply(&c->plan->p[k], lo, hi - lo, mask);
    c->kept[part] = mask_sum(mask, hi - lo);
    c->status[part] = PATRON_OK;
    return;
  }
  for (size_t i = lo; i < hi; i++)
    rows[i - lo] = (uint32_t)i;
  c->status[part] =
      patron_expr_filter(c->copies[worker], rows, hi - lo, rows, &c->kept[part], &c->errors[part]);
}

static patron_status count_blocks(count_ctx *c, int n_workers, size_t *count, patron_error *err) {
  patron__exec_parts(n_workers, c->n_parts, count_part, c);
  for (size_t p = 0; p < c->n_parts; p++) {
    if (c->status[p] != PATRON_OK) {
      *err = c->errors[p];
      return c->status[p];
    }
    *count += c->kept[p];
  }
  return PATRON_OK;
}

static patron_status check_condition(const patron_expr *e, patron_error *err) {
  if (e->root->type == PATRON_EXPR_BOOL || e->root->type == PATRON_EXPR_NULL)
    return PATRON_OK;
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "the expression is not a condition");
}

patron_status patron_expr_count(patron_expr *const *copies, size_t n_copies, size_t *count,
                                patron_error *err) {
  *count = 0;
  if (!n_copies)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "no expression to count with");
  count_ctx c = {.copies = copies, .n_rows = copies[0]->n_rows};
  c.n_parts = (c.n_rows + COUNT_BLOCK - 1) / COUNT_BLOCK;
  if (!c.n_parts)
    return PATRON_OK;
  int n_workers = patron__exec_workers(
      n_copies > PATRON__EXEC_MAX_WORKERS ? PATRON__EXEC_MAX_WORKERS : (int)n_copies, c.n_parts);
  size_t block = c.n_rows < COUNT_BLOCK ? c.n_rows : COUNT_BLOCK;
  c.kept = calloc(c.n_parts, sizeof *c.kept);
  c.status = calloc(c.n_parts, sizeof *c.status);
  c.errors = calloc(c.n_parts, sizeof *c.errors);
  bool ok = c.kept && c.status && c.errors;
  for (int w = 0; w < n_workers; w++)
    ok = (c.buf[w] = malloc(block * sizeof *c.buf[w])) && ok;
  mask_plan plan = {.n = 0};
  patron_status st = check_condition(copies[0], err);
  if (st == PATRON_OK && ok && plan_build(copies[0]->root, &plan))
    c.plan = &plan;
  if (st == PATRON_OK)
    st = ok ? count_blocks(&c, n_workers, count, err) : PATRON__OOM(err);
  plan_free(&plan);
  for (int w = 0; w < n_workers; w++)
    free(c.buf[w]);
  free(c.kept), free(c.status), free(c.errors);
  if (st != PATRON_OK)
    *count = 0;
  return st;
}
