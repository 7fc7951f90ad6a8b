/* The behaviour functions of SPEC section 6 over the dataset's per-customer CSR ranges:
 * purchases, spend, events, items_viewed_unbought, cart_abandoned (windows [T - D days, T)). Each
 * distinct call is one xbehaviour; its whole column is computed once, on first vectorized use, and
 * the row evaluator computes the same figure for one customer. Values are cells: counts in 1e-4
 * units, money as is, booleans 0/1. */
#include "core/exec.h"
#include "core/sort.h"
#include "ops/expr_int.h"

#include <stdlib.h>

static const int64_t scale = PATRON_MONEY_SCALE;

static bool in_window(int64_t t, int64_t lo, int64_t hi) { return t >= lo && t < hi; }

static int compare_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Sorts and dedups v[0..n); returns the new length. */
static size_t unique_u32(uint32_t *v, size_t n) {
  qsort(v, n, sizeof *v, compare_u32);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (m == 0 || v[m - 1] != v[i])
      v[m++] = v[i];
  return m;
}

/* Purchases in the window with a line of the category: distinct orders of such lines. */
static int64_t purchases_of_category(const patron_expr *e, const xbehaviour *b, uint32_t c,
                                     int64_t lo) {
  patron_orders_view ov;
  patron_lines_view lv;
  patron_dataset_orders(e->env.dataset, &ov);
  patron_dataset_lines(e->env.dataset, &lv);
  uint32_t n_lines = lv.start[c + 1] - lv.start[c], local[64], *orders = local;
  if (n_lines > 64 && !(orders = malloc(n_lines * sizeof *orders)))
    return 0;
  size_t n = 0;
  for (uint32_t k = patron__lower_bound_i64(lv.time, lv.start[c], lv.start[c + 1], lo);
       k < lv.start[c + 1]; k++) {
    uint32_t o = lv.order[k];
    if (lv.category[k] == b->category && ov.value[o] > 0 && in_window(ov.time[o], lo, e->env.as_of))
      orders[n++] = o;
  }
  n = unique_u32(orders, n);
  if (orders != local)
    free(orders);
  return (int64_t)n * scale;
}

static int64_t purchases(const patron_expr *e, const xbehaviour *b, uint32_t c, int64_t lo) {
  if (b->has_category)
    return purchases_of_category(e, b, c, lo);
  patron_orders_view ov;
  patron_dataset_orders(e->env.dataset, &ov);
  int64_t n = 0;
  for (uint32_t k = patron__lower_bound_i64(ov.time, ov.start[c], ov.start[c + 1], lo);
       k < ov.start[c + 1]; k++)
    n += ov.value[k] > 0 && in_window(ov.time[k], lo, e->env.as_of);
  return n * scale;
}

/* Distinct items with at least min_views `view` events in the window and no order line of
 * the item in the window. */
static int64_t items_viewed_unbought(const patron_expr *e, const xbehaviour *b, uint32_t c,
                                     int64_t lo) {
  patron_events_view ev;
  patron_lines_view lv;
  patron_dataset_events(e->env.dataset, &ev);
  patron_dataset_lines(e->env.dataset, &lv);
  uint32_t e0 = patron__lower_bound_i64(ev.time, ev.start[c], ev.start[c + 1], lo);
  uint32_t l0 = patron__lower_bound_i64(lv.time, lv.start[c], lv.start[c + 1], lo);
  size_t n_ev = ev.start[c + 1] - e0, n_li = lv.start[c + 1] - l0, nv = 0, nb = 0;
  if (n_ev < (size_t)(b->min_views > 0 ? b->min_views : 1))
    return 0; /* too few events in the window for any item to count */
  uint32_t *viewed = malloc((n_ev + n_li + 1) * sizeof *viewed), *bought = viewed + n_ev;
  if (!viewed)
    return 0;
  for (uint32_t k = e0; k < ev.start[c + 1]; k++)
    if (ev.type[k] == b->event_type && ev.item[k] && in_window(ev.time[k], lo, e->env.as_of))
      viewed[nv++] = ev.item[k];
  for (uint32_t k = l0; k < lv.start[c + 1]; k++)
    if (lv.item[k] && in_window(lv.time[k], lo, e->env.as_of))
      bought[nb++] = lv.item[k];
  qsort(viewed, nv, sizeof *viewed, compare_u32);
  nb = unique_u32(bought, nb);
  int64_t count = 0;
  for (size_t i = 0, j; i < nv; i = j) {
    for (j = i; j < nv && viewed[j] == viewed[i];)
      j++;
    if ((int64_t)(j - i) >= b->min_views &&
        !bsearch(&viewed[i], bought, nb, sizeof *bought, compare_u32))
      count++;
  }
  free(viewed);
  return count * scale;
}

static int64_t spend(const patron_expr *e, const xbehaviour *b, uint32_t c, int64_t lo) {
  int64_t sum = 0;
  if (!b->has_category) {
    patron_orders_view ov;
    patron_dataset_orders(e->env.dataset, &ov);
    for (uint32_t k = patron__lower_bound_i64(ov.time, ov.start[c], ov.start[c + 1], lo);
         k < ov.start[c + 1]; k++)
      if (in_window(ov.time[k], lo, e->env.as_of))
        sum += ov.value[k];
    return sum;
  }
  patron_lines_view lv;
  patron_dataset_lines(e->env.dataset, &lv);
  for (uint32_t k = patron__lower_bound_i64(lv.time, lv.start[c], lv.start[c + 1], lo);
       k < lv.start[c + 1]; k++)
    if (lv.category[k] == b->category && in_window(lv.time[k], lo, e->env.as_of))
      sum += lv.amount[k];
  return sum;
}

static int64_t events(const patron_expr *e, const xbehaviour *b, uint32_t c, int64_t lo) {
  if (!patron_dataset_has_events(e->env.dataset))
    return 0;
  patron_events_view ev;
  patron_dataset_events(e->env.dataset, &ev);
  int64_t n = 0;
  for (uint32_t k = patron__lower_bound_i64(ev.time, ev.start[c], ev.start[c + 1], lo);
       k < ev.start[c + 1]; k++)
    if (ev.type[k] == b->event_type && in_window(ev.time[k], lo, e->env.as_of) &&
        (!b->has_category || ev.category[k] == b->category))
      n++;
  return n * scale;
}

static int64_t cart_abandoned(const patron_expr *e, const xbehaviour *b, uint32_t c) {
  if (!patron_dataset_has_events(e->env.dataset))
    return 0;
  patron_events_view ev;
  patron_dataset_events(e->env.dataset, &ev);
  int64_t last = INT64_MIN;
  /* the latest cart before T counts only when within the H hours: later ones first */
  for (uint32_t k = patron__lower_bound_i64(ev.time, ev.start[c], ev.start[c + 1], e->env.as_of);
       k > ev.start[c];)
    if (ev.type[--k] == b->event_type) {
      last = ev.time[k];
      break;
    }
  if (last == INT64_MIN || last < e->env.as_of - b->hours * 3600)
    return 0;
  patron_orders_view ov;
  patron_dataset_orders(e->env.dataset, &ov);
  for (uint32_t k = patron__lower_bound_i64(ov.time, ov.start[c], ov.start[c + 1], last);
       k < ov.start[c + 1]; k++)
    if (ov.value[k] > 0 && in_window(ov.time[k], last, e->env.as_of))
      return 0;
  return 1;
}

int64_t patron__behaviour_one(const patron_expr *e, const xbehaviour *b, uint32_t customer) {
  int64_t lo = e->env.as_of - b->days * 86400;
  switch (b->kind) {
  case B_PURCHASES: return purchases(e, b, customer, lo);
  case B_SPEND: return spend(e, b, customer, lo);
  case B_EVENTS: return b->event_type == UINT32_MAX ? 0 : events(e, b, customer, lo);
  case B_CART_ABANDONED: return b->event_type == UINT32_MAX ? 0 : cart_abandoned(e, b, customer);
  case B_ITEMS_VU:
    return b->event_type == UINT32_MAX ? 0 : items_viewed_unbought(e, b, customer, lo);
  }
  return 0;
}

enum { ROW_BLOCK = 16384 };

typedef struct column_job {
  const patron_expr *e;
  const xbehaviour *b;
  int64_t *col;
} column_job;

static void column_range(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const column_job *j = ctx;
  for (size_t r = lo; r < hi; r++)
    j->col[r] = patron__behaviour_one(j->e, j->b, j->e->env.row_customer[r]);
}

/* The whole column, customers spread over env.n_threads (each row's figure depends on its
 * customer only). */
patron_status patron__behaviour_column(patron_expr *e, xbehaviour *b, patron_error *err) {
  if (b->column)
    return PATRON_OK;
  int64_t *col = malloc((e->n_rows ? e->n_rows : 1) * sizeof *col);
  if (!col || !patron__expr_own(e, col))
    return PATRON__OOM(err);
  column_job j = {e, b, col};
  patron__exec_ranges(e->env.n_threads, e->n_rows, ROW_BLOCK, column_range, &j);
  b->column = col;
  return PATRON_OK;
}
