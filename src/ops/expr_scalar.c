/* Scalar semantics of the expression language (SPEC section 6), shared by the vectorized
 * and the row evaluators: exact fixed-point numbers (1e-4 units) next to doubles, SQL null
 * propagation, comparisons, arithmetic (division by zero is null), LIKE on bytes, IN as in
 * SQL, the scalar functions and the birthday rules (29 Feb counts as 28 Feb). */
#include "ops/expr_int.h"

#include <math.h>
#include <string.h>

static const int64_t scale = PATRON_MONEY_SCALE;

static xcell null_cell(void) {
  xcell c = {.i = 0, .len = 0, .null = 1};
  return c;
}

static xcell int_cell(int64_t v) {
  xcell c = {.i = v, .len = 0, .null = 0};
  return c;
}

static xcell dbl_cell(double v) {
  if (!isfinite(v))
    return null_cell();
  xcell c = {.d = v, .len = 0, .null = 0};
  return c;
}

double patron__xnum(const xnode *n, const xcell *x) {
  return n->exact ? (double)x->i / (double)scale : x->d;
}

int patron__xcell_compare(const xnode *a, const xcell *x, const xnode *b, const xcell *y) {
  if (a->type == PATRON_EXPR_TEXT) {
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    return c ? (c < 0 ? -1 : 1) : (x->len > y->len) - (x->len < y->len);
  }
  if (a->type == PATRON_EXPR_NUMBER && !(a->exact && b->exact)) {
    double u = patron__xnum(a, x), v = patron__xnum(b, y);
    return (u > v) - (u < v);
  }
  return (x->i > y->i) - (x->i < y->i);
}

xcell patron__xcmp(xcmp op, const xnode *a, const xcell *x, const xnode *b, const xcell *y) {
  if (x->null || y->null)
    return null_cell();
  int c = patron__xcell_compare(a, x, b, y);
  bool r = false;
  switch (op) {
  case C_EQ: r = c == 0; break;
  case C_NE: r = c != 0; break;
  case C_LT: r = c < 0; break;
  case C_LE: r = c <= 0; break;
  case C_GT: r = c > 0; break;
  case C_GE: r = c >= 0; break;
  }
  return int_cell(r);
}

/* (a * b) / scale rounded half away from zero; false on overflow. */
static bool fixed_mul(int64_t a, int64_t b, int64_t *out) {
  __int128 p = (__int128)a * b, q = p / scale, r = p % scale;
  if (2 * (r < 0 ? -r : r) >= scale)
    q += p < 0 ? -1 : 1;
  if (q > INT64_MAX || q < INT64_MIN)
    return false;
  *out = (int64_t)q;
  return true;
}

static xcell exact_arith(xarith op, int64_t a, int64_t b) {
  int64_t r = 0;
  bool ok = true;
  switch (op) {
  case A_ADD: ok = !__builtin_add_overflow(a, b, &r); break;
  case A_SUB: ok = !__builtin_sub_overflow(a, b, &r); break;
  case A_MUL: ok = fixed_mul(a, b, &r); break;
  case A_MOD:
    if (b == 0 || (b == -1 && a == INT64_MIN))
      return b == 0 ? null_cell() : int_cell(0);
    r = a % b;
    break;
  case A_DIV: break;
  }
  return ok ? int_cell(r) : null_cell();
}

xcell patron__xarith(const xnode *n, const xnode *a, const xcell *x, const xnode *b,
                     const xcell *y) {
  if (x->null || y->null)
    return null_cell();
  xarith op = (xarith)n->sub;
  if (op == A_DIV) {
    if (a->exact && b->exact)
      return y->i == 0 ? null_cell() : dbl_cell((double)x->i / (double)y->i);
    double v = patron__xnum(b, y);
    return v == 0 ? null_cell() : dbl_cell(patron__xnum(a, x) / v);
  }
  if (n->exact)
    return exact_arith(op, x->i, y->i);
  double u = patron__xnum(a, x), v = patron__xnum(b, y);
  switch (op) {
  case A_ADD: return dbl_cell(u + v);
  case A_SUB: return dbl_cell(u - v);
  case A_MUL: return dbl_cell(u * v);
  case A_MOD: return v == 0 ? null_cell() : dbl_cell(fmod(u, v));
  case A_DIV: break;
  }
  return null_cell();
}

xcell patron__xneg(const xnode *n, const xcell *x) {
  if (x->null)
    return null_cell();
  if (!n->exact)
    return dbl_cell(-x->d);
  return x->i == INT64_MIN ? null_cell() : int_cell(-x->i);
}

bool patron__xlike(const char *s, size_t n, const char *p, size_t m) {
  size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;
  while (i < n) {
    if (j < m && (p[j] == '_' || p[j] == s[i]) && p[j] != '%') {
      i++, j++;
    } else if (j < m && p[j] == '%') {
      star = j++, mark = i;
    } else if (star != SIZE_MAX) {
      j = star + 1, i = ++mark;
    } else {
      return false;
    }
  }
  while (j < m && p[j] == '%')
    j++;
  return j == m;
}

/* Binary search of a constant set (sorted by patron__xcell_compare under `kind`). */
static bool set_contains(const xnode *n, const xnode *kind, const xcell *x) {
  size_t lo = 0, hi = n->n_set;
  const xnode *left = n->kids[0];
  xcell probe = *x;
  if (left->type == PATRON_EXPR_NUMBER && left->exact && !kind->exact)
    probe.d = patron__xnum(left, x);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = patron__xcell_compare(kind, &n->set[mid], kind, &probe);
    if (c == 0)
      return true;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

xcell patron__xin(const xnode *n, const xcell *x, const xcell *items, size_t n_items) {
  if (x->null)
    return null_cell();
  bool found = false, saw_null = false;
  if (n->set || n->n_kids == 1) {
    xnode kind = {.type = n->kids[0]->type, .exact = n->exact};
    found = n->n_set > 0 && set_contains(n, &kind, x);
    saw_null = n->set_has_null;
  } else {
    for (size_t k = 0; k < n_items && !found; k++) {
      if (items[k].null)
        saw_null = true;
      else
        found = patron__xcell_compare(n->kids[0], x, n->kids[k + 1], &items[k]) == 0;
    }
  }
  if (!found && saw_null)
    return null_cell();
  return int_cell(found != (n->sub == 1));
}

int64_t patron__age_years(int32_t birth, int32_t today) {
  int by, bm, bd, y, m, d;
  patron_civil_from_days(birth, &by, &bm, &bd);
  patron_civil_from_days(today, &y, &m, &d);
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (bm == 2 && bd == 29 && !leap)
    bd = 28;
  return y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
}

static int32_t birthday_in(int year, int bm, int bd) {
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return patron_days_from_civil(year, bm, bm == 2 && bd == 29 && !leap ? 28 : bd);
}

int32_t patron__days_to_birthday(int32_t birth, int32_t today) {
  int by, bm, bd, y, m, d;
  patron_civil_from_days(birth, &by, &bm, &bd);
  patron_civil_from_days(today, &y, &m, &d);
  int32_t next = birthday_in(y, bm, bd);
  if (next < today)
    next = birthday_in(y + 1, bm, bd);
  return next - today;
}

static xcell pick(const xnode *n, const xcell *args, bool greatest) {
  xcell best = null_cell();
  const xnode *best_node = NULL;
  for (size_t k = 0; k < n->n_kids; k++) {
    if (args[k].null)
      continue;
    int c = best_node ? patron__xcell_compare(n->kids[k], &args[k], best_node, &best) : 0;
    if (!best_node || (greatest ? c > 0 : c < 0))
      best = args[k], best_node = n->kids[k];
  }
  if (best_node && n->type == PATRON_EXPR_NUMBER && best_node->exact && !n->exact)
    best.d = patron__xnum(best_node, &best);
  return best;
}

static xcell coalesce(const xnode *n, const xcell *args) {
  for (size_t k = 0; k < n->n_kids; k++) {
    if (args[k].null)
      continue;
    xcell c = args[k];
    if (n->type == PATRON_EXPR_NUMBER && n->kids[k]->exact && !n->exact)
      c.d = patron__xnum(n->kids[k], &c);
    return c;
  }
  return null_cell();
}

static xcell change_case(patron_expr *e, const xcell *x, bool upper) {
  char *s = patron__arena_strdup(&e->scratch, x->s, x->len);
  if (!s)
    return null_cell();
  for (size_t i = 0; i < x->len; i++)
    if (upper ? (s[i] >= 'a' && s[i] <= 'z') : (s[i] >= 'A' && s[i] <= 'Z'))
      s[i] = (char)(s[i] ^ 0x20);
  xcell c = {.s = s, .len = x->len, .null = 0};
  return c;
}

static bool starts_with(const xcell *s, const xcell *p) {
  return p->len <= s->len && memcmp(s->s, p->s, p->len) == 0;
}

static bool contains(const xcell *s, const xcell *p) {
  return p->len == 0 || memmem(s->s, s->len, p->s, p->len) != NULL;
}

static xcell birth_func(const patron_expr *e, xfunc f, size_t row) {
  int32_t b = e->birth_day ? e->birth_day[row] : PATRON_NO_DAY;
  if (b == PATRON_NO_DAY || b > e->as_of_day)
    return null_cell();
  int64_t v =
      f == F_AGE ? patron__age_years(b, e->as_of_day) : patron__days_to_birthday(b, e->as_of_day);
  return int_cell(v * scale);
}

static xcell math_func(const xnode *n, const xcell *x) {
  double v = patron__xnum(n->kids[0], x);
  switch ((xfunc)n->sub) {
  case F_LN: return v > 0 ? dbl_cell(log(v)) : null_cell();
  case F_LOG1P: return v > -1 ? dbl_cell(log1p(v)) : null_cell();
  default: return dbl_cell(exp(v));
  }
}

xcell patron__xfunc(patron_expr *e, const xnode *n, const xcell *args, size_t row) {
  xfunc f = (xfunc)n->sub;
  if (f == F_AGE || f == F_DAYS_TO_BIRTHDAY)
    return birth_func(e, f, row);
  if (f == F_COALESCE)
    return coalesce(n, args);
  if (f == F_LEAST || f == F_GREATEST)
    return pick(n, args, f == F_GREATEST);
  for (size_t k = 0; k < n->n_kids; k++)
    if (args[k].null)
      return null_cell();
  switch (f) {
  case F_DAYS_SINCE: return int_cell(((int64_t)e->as_of_day - args[0].i) * scale);
  case F_ABS:
    if (!n->exact)
      return dbl_cell(fabs(args[0].d));
    return args[0].i == INT64_MIN ? null_cell() : int_cell(args[0].i < 0 ? -args[0].i : args[0].i);
  case F_LOWER: return change_case(e, &args[0], false);
  case F_UPPER: return change_case(e, &args[0], true);
  case F_STARTS_WITH: return int_cell(starts_with(&args[0], &args[1]));
  case F_CONTAINS: return int_cell(contains(&args[0], &args[1]));
  default: return math_func(n, &args[0]);
  }
}

xcell patron__xsource_cell(const xsource *s, size_t row) {
  switch (s->ctype) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)s->data)[row];
    if (v == PATRON_NULL_INT || (!s->as_bool && (v > INT64_MAX / scale || v < -INT64_MAX / scale)))
      return null_cell();
    return int_cell(s->as_bool ? v != 0 : v * scale);
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)s->data)[row];
    return isnan(v) ? null_cell() : dbl_cell(v);
  }
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)s->data)[row];
    return v == PATRON_NULL_MONEY ? null_cell() : int_cell(v);
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)s->data)[row];
    return v == PATRON_NO_DAY ? null_cell() : int_cell(v);
  }
  case PATRON_COL_CATEGORY: {
    int32_t code = ((const int32_t *)s->data)[row];
    if (s->as_bool) /* a rule tag: labels "1", "0" */
      return code < 0 || code > 1 ? null_cell() : int_cell(code == 0);
    if (code < 0 || code >= s->n_labels || !s->labels[code] || !s->labels[code][0])
      return null_cell();
    xcell c = {.s = s->labels[code], .len = (uint32_t)strlen(s->labels[code]), .null = 0};
    return c;
  }
  case PATRON_COL_STRING: {
    const char *v = ((const char *const *)s->data)[row];
    if (!v || !v[0])
      return null_cell();
    xcell c = {.s = v, .len = (uint32_t)strlen(v), .null = 0};
    return c;
  }
  }
  return null_cell();
}
