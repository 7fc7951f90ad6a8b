/* The behaviour functions of SPEC section 6 over the dataset's per-customer CSR ranges:
 * purchases, spend, events, cart_abandoned (windows [T - D days, T)). Each distinct call is
 * one xbehaviour; its whole column is computed once, on first vectorized use, and the row
 * evaluator computes the same figure for one customer. Values are cells: counts in 1e-4
 * units, money as is, booleans 0/1. */
#include "ops/expr_int.h"

#include <stdlib.h>

static const int64_t scale = PATRON_MONEY_SCALE;

static bool in_window(int64_t t, int64_t lo, int64_t hi) { return t >= lo && t < hi; }

/* An order "has a line of the category" when one of the customer's lines of that category
 * carries the order's time (an order's time is its first line's; lines keep no order id). */
static bool order_has_category(const patron_lines_view *lv, uint32_t c, int64_t t, uint32_t cat) {
  for (uint32_t k = lv->start[c]; k < lv->start[c + 1] && lv->time[k] <= t; k++)
    if (lv->time[k] == t && lv->category[k] == cat)
      return true;
  return false;
}

static int64_t purchases(const patron_expr *e, const xbehaviour *b, uint32_t c, int64_t lo) {
  patron_orders_view ov;
  patron_dataset_orders(e->env.dataset, &ov);
  patron_lines_view lv = {0};
  if (b->has_category)
    patron_dataset_lines(e->env.dataset, &lv);
  int64_t n = 0;
  for (uint32_t k = ov.start[c]; k < ov.start[c + 1]; k++)
    if (ov.value[k] > 0 && in_window(ov.time[k], lo, e->env.as_of) &&
        (!b->has_category || order_has_category(&lv, c, ov.time[k], b->category)))
      n++;
  return n * scale;
}

static int64_t spend(const patron_expr *e, const xbehaviour *b, uint32_t c, int64_t lo) {
  int64_t sum = 0;
  if (!b->has_category) {
    patron_orders_view ov;
    patron_dataset_orders(e->env.dataset, &ov);
    for (uint32_t k = ov.start[c]; k < ov.start[c + 1]; k++)
      if (in_window(ov.time[k], lo, e->env.as_of))
        sum += ov.value[k];
    return sum;
  }
  patron_lines_view lv;
  patron_dataset_lines(e->env.dataset, &lv);
  for (uint32_t k = lv.start[c]; k < lv.start[c + 1]; k++)
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
  for (uint32_t k = ev.start[c]; k < ev.start[c + 1]; k++)
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
  for (uint32_t k = ev.start[c]; k < ev.start[c + 1] && ev.time[k] < e->env.as_of; k++)
    if (ev.type[k] == b->event_type)
      last = ev.time[k];
  if (last == INT64_MIN || last < e->env.as_of - b->hours * 3600)
    return 0;
  patron_orders_view ov;
  patron_dataset_orders(e->env.dataset, &ov);
  for (uint32_t k = ov.start[c]; k < ov.start[c + 1]; k++)
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
  case B_ITEMS_VU: break;
  }
  return 0;
}

patron_status patron__behaviour_column(patron_expr *e, xbehaviour *b, patron_error *err) {
  if (b->column)
    return PATRON_OK;
  int64_t *col = malloc((e->n_rows ? e->n_rows : 1) * sizeof *col);
  if (!col || !patron__expr_own(e, col))
    return PATRON__OOM(err);
  for (size_t r = 0; r < e->n_rows; r++)
    col[r] = patron__behaviour_one(e, b, e->env.row_customer[r]);
  b->column = col;
  return PATRON_OK;
}
