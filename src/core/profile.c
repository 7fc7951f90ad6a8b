/* The profile table as of a date (SPEC sections 2-3): which customers are rows and the
 * base figures from each customer's time-sorted orders. The SPEC segmentations are added
 * above core, by models/segment (profile_segments.c).
 * An order counts when its time is before as_of 00:00; a purchase is an order with value > 0. */
#include "core/sort.h"
#include "core/profile_int.h"
#include "core/table_int.h"
#include "patron/profile.h"

#include <stdlib.h>
#include <string.h>

struct patron_profile {
  patron_table *table;
  int32_t as_of;
  uint32_t *customers; /* row -> dataset customer */
  size_t n_rows;
  bool view; /* a view's customers are its profile's (not freed here) */
};

void patron_profile_options_init(patron_profile_options *o) {
  *o = (patron_profile_options){.as_of_day = PATRON_NO_DAY,
                                .bins = 5,
                                .abc_a_pct = 15,
                                .abc_b_pct = 20,
                                .new_days = 30,
                                .active_days = 90,
                                .silent_days = 180,
                                .dormant_days = 365};
}

/* Number of c's orders dated before `limit` (orders are time-sorted). */
static uint32_t orders_before(const patron_orders_view *ov, uint32_t c, int64_t limit) {
  uint32_t lo = ov->start[c], hi = ov->start[c + 1];
  while (lo < hi && ov->time[hi - 1] >= limit)
    hi--;
  return hi - lo;
}

static bool has_events_before(const patron_dataset *ds, uint32_t c, int64_t limit) {
  if (!patron_dataset_has_events(ds))
    return false;
  patron_events_view ev;
  patron_dataset_events(ds, &ev);
  return ev.start[c] < ev.start[c + 1] && ev.time[ev.start[c]] < limit;
}

static bool is_row(const patron_dataset *ds, const patron_orders_view *ov, uint32_t c,
                   int32_t as_of) {
  int64_t limit = (int64_t)as_of * 86400;
  if (orders_before(ov, c, limit))
    return true;
  if (patron_dataset_has_members(ds)) {
    patron_members_view m;
    patron_dataset_members(ds, &m);
    if (m.is_member[c] && (m.signup_day[c] == PATRON_NO_DAY || m.signup_day[c] < as_of))
      return true;
  }
  return has_events_before(ds, c, limit);
}

static patron_status add_base_columns(patron_table *t, base_columns *b, patron_error *err) {
  struct {
    const char *name;
    patron_col_type type;
    void **data;
  } spec[] = {
      {"customer_id", PATRON_COL_STRING, (void **)&b->id},
      {"first_purchase", PATRON_COL_DATE, (void **)&b->first},
      {"last_purchase", PATRON_COL_DATE, (void **)&b->last},
      {"recency_days", PATRON_COL_INT, (void **)&b->recency},
      {"frequency", PATRON_COL_INT, (void **)&b->frequency},
      {"monetary", PATRON_COL_MONEY, (void **)&b->monetary},
      {"avg_order_value", PATRON_COL_MONEY, (void **)&b->aov},
      {"tenure_days", PATRON_COL_INT, (void **)&b->tenure},
  };
  for (size_t i = 0; i < sizeof spec / sizeof *spec; i++) {
    patron_status st = patron_table_add(t, spec[i].name, spec[i].type, spec[i].data, err);
    if (st != PATRON_OK)
      return st;
  }
  return PATRON_OK;
}

/* money / count, rounded half away from zero. */
static patron_money money_div(patron_money total, int64_t n) {
  patron_money q = total / n, r = total % n;
  if (2 * (r < 0 ? -r : r) >= n)
    q += total < 0 ? -1 : 1;
  return q;
}

static void customer_figures(const patron_orders_view *ov, uint32_t c, int32_t as_of,
                             const base_columns *b, size_t row) {
  uint32_t lo = ov->start[c], n = orders_before(ov, c, (int64_t)as_of * 86400);
  int64_t purchases = 0;
  patron_money total = 0;
  int64_t first = 0, last = 0;
  for (uint32_t o = lo; o < lo + n; o++) {
    total += ov->value[o];
    if (ov->value[o] <= 0)
      continue;
    if (!purchases++)
      first = ov->time[o];
    last = ov->time[o];
  }
  if (!purchases)
    return; /* a prospect: every figure stays empty */
  b->first[row] = patron_day_of_time(first);
  b->last[row] = patron_day_of_time(last);
  b->recency[row] = as_of - b->last[row];
  b->tenure[row] = as_of - b->first[row];
  b->frequency[row] = purchases;
  b->monetary[row] = total;
  b->aov[row] = money_div(total, purchases);
}

static patron_status select_rows(patron_profile *p, const patron_dataset *ds,
                                 const patron_orders_view *ov, patron_error *err) {
  size_t n = patron_dataset_n_customers(ds);
  p->customers = malloc((n ? n : 1) * sizeof *p->customers);
  if (!p->customers)
    return PATRON__OOM(err);
  for (uint32_t c = 0; c < n; c++)
    if (is_row(ds, ov, c, p->as_of))
      p->customers[p->n_rows++] = c;
  return PATRON_OK;
}

static patron_status base_figures(patron_profile *p, const patron_dataset *ds, patron_error *err) {
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  patron_status st = select_rows(p, ds, &ov, err);
  if (st != PATRON_OK)
    return st;
  if (!(p->table = patron_table_new(p->n_rows)))
    return PATRON__OOM(err);
  base_columns b;
  st = add_base_columns(p->table, &b, err);
  for (size_t r = 0; st == PATRON_OK && r < p->n_rows; r++) {
    b.id[r] = patron_dataset_customer_id(ds, p->customers[r]);
    customer_figures(&ov, p->customers[r], p->as_of, &b, r);
  }
  return st;
}

patron_status patron_profile_base(const patron_dataset *ds, int32_t as_of_day, patron_profile **out,
                                  patron_error *err) {
  *out = NULL;
  patron_profile *p = calloc(1, sizeof *p);
  if (!p)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  p->as_of = as_of_day != PATRON_NO_DAY ? as_of_day : patron_dataset_default_as_of(ds);
  if (p->as_of == PATRON_NO_DAY)
    st = patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "no usable order rows: cannot choose an as-of date (give --as-of)");
  if (st == PATRON_OK)
    st = base_figures(p, ds, err);
  if (st != PATRON_OK) {
    patron_profile_free(p);
    return st;
  }
  *out = p;
  return PATRON_OK;
}

patron_status patron__profile_new_base(size_t n_rows, int32_t as_of, base_columns *cols,
                                       patron_profile **out, patron_error *err) {
  *out = NULL;
  patron_profile *p = calloc(1, sizeof *p);
  if (!p)
    return PATRON__OOM(err);
  p->as_of = as_of;
  p->n_rows = n_rows;
  patron_status st = (p->table = patron_table_new(n_rows)) ? add_base_columns(p->table, cols, err)
                                                           : PATRON__OOM(err);
  if (st != PATRON_OK) {
    patron_profile_free(p);
    return st;
  }
  *out = p;
  return PATRON_OK;
}

void patron_profile_free(patron_profile *p) {
  if (!p)
    return;
  patron_table_free(p->table);
  if (!p->view)
    free(p->customers);
  free(p);
}

patron_status patron__profile_view(const patron_profile *p, patron_profile **out,
                                   patron_error *err) {
  patron_profile *v = *out = calloc(1, sizeof *v);
  if (v && (v->table = patron__table_view(p->table))) {
    v->as_of = p->as_of, v->customers = p->customers, v->n_rows = p->n_rows, v->view = true;
    return PATRON_OK;
  }
  free(v);
  *out = NULL;
  return PATRON__OOM(err);
}

patron_status patron__profile_adopt(patron_profile *p, patron_profile *view, patron_error *err) {
  patron_status st = patron__table_adopt(p->table, view->table, err);
  patron_profile_free(view);
  return st;
}

patron_table *patron_profile_table(patron_profile *p) { return p->table; }
const patron_table *patron_profile_table_const(const patron_profile *p) { return p->table; }
int32_t patron_profile_as_of(const patron_profile *p) { return p->as_of; }
const uint32_t *patron_profile_customers(const patron_profile *p) { return p->customers; }

void patron_profile_stats_get(const patron_profile *p, patron_profile_stats *out) {
  memset(out, 0, sizeof *out);
  out->customers = p->n_rows;
  const patron_column *fc = patron_table_find(p->table, "frequency");
  const patron_column *mc = patron_table_find(p->table, "monetary");
  const patron_column *rc = patron_table_find(p->table, "recency_days");
  const int64_t *freq = fc->data, *rec = rc->data;
  const patron_money *mon = mc->data;
  patron_money *sorted = malloc((p->n_rows ? p->n_rows : 1) * sizeof *sorted);
  size_t silent = 0;
  for (size_t r = 0; r < p->n_rows; r++) {
    if (freq[r] == PATRON_NULL_INT)
      continue;
    out->revenue += mon[r];
    silent += rec[r] > 180;
    if (sorted)
      sorted[out->purchasers] = mon[r];
    out->purchasers++;
  }
  if (!out->purchasers || !sorted) {
    free(sorted);
    return;
  }
  size_t n = out->purchasers, top = (n + 4) / 5;
  long double top_sum = 0;
  /* the `top` largest end up last; their sum is exact (every partial sum of monetary
   * values is an integer within the int64 range checked at load), so in any order */
  if (!patron__select_i64(sorted, n, n - top))
    top = 0; /* out of memory: reported as 0 rather than guessed */
  for (size_t i = 0; i < top; i++)
    top_sum += sorted[n - 1 - i];
  out->top20_revenue_share = out->revenue ? (double)(top_sum / out->revenue) : 0;
  out->silent_share = (double)silent / (double)out->purchasers;
  free(sorted);
}
