/* Value tiers (docs/TIERS.md): high_value = value index in the top 20% AND spend over the
 * last 365 days > 5000 AND repurchase rate (purchases - 1) / purchases in that window > 40%;
 * potential = rank in [20%, 70%) AND a cart event in the last 30 days later than the last
 * purchase; maintain = bottom 10% AND recency_days > 180 AND frequency >= 2; else regular.
 * Also the recent-activity figures they need and the --tiers option text. */
#include "core/exec.h"
#include "core/sort.h"
#include "core/table_int.h"
#include "models/tiers/tiers_int.h"
#include "patron/tiers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const tier_labels[PATRON_TIER_COUNT] = {"high_value", "potential", "maintain",
                                                           "regular"};
static const char *const tier_labels_zh[PATRON_TIER_COUNT] = {"高价值客户", "潜力客户", "维护客户",
                                                              "普通客户"};

/* ---- Option texts ----------------------------------------------------------------------- */

patron_status patron__spec_error(patron_error *err, const char *flag, const char *text, size_t at,
                                 const char *why) {
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, (uint32_t)at + 1,
                           "%s %s\n  %s\n  %*s^ %s", flag, text, text, (int)at, "", why);
}

bool patron__spec_number(const char *text, size_t len, double *out) {
  char buf[64];
  while (len && (*text == ' ' || *text == '\t'))
    text++, len--;
  while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
    len--;
  if (len == 0 || len >= sizeof buf)
    return false;
  memcpy(buf, text, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (errno || *end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

void patron_tier_options_init(patron_tier_options *o) {
  *o = (patron_tier_options){.high_top_pct = 20,
                             .high_spend = 5000,
                             .high_repurchase_pct = 40,
                             .potential_from_pct = 20,
                             .potential_to_pct = 70,
                             .cart_days = 30,
                             .cart_event = "cart",
                             .maintain_bottom_pct = 10,
                             .maintain_idle_days = 180,
                             .maintain_min_purchases = 2,
                             .window_days = 365};
}

enum key_kind { KEY_PCT, KEY_MONEY, KEY_DAYS, KEY_TEXT };

typedef struct tier_key {
  const char *name;
  enum key_kind kind;
  size_t offset;
} tier_key;

#define TIER_KEY(name, kind, field)                                                                \
  { name, kind, offsetof(patron_tier_options, field) }
static const tier_key tier_keys[] = {
    TIER_KEY("high_top", KEY_PCT, high_top_pct),
    TIER_KEY("high_spend", KEY_MONEY, high_spend),
    TIER_KEY("high_repurchase", KEY_PCT, high_repurchase_pct),
    TIER_KEY("potential_from", KEY_PCT, potential_from_pct),
    TIER_KEY("potential_to", KEY_PCT, potential_to_pct),
    TIER_KEY("cart_days", KEY_DAYS, cart_days),
    TIER_KEY("cart_event", KEY_TEXT, cart_event),
    TIER_KEY("maintain_bottom", KEY_PCT, maintain_bottom_pct),
    TIER_KEY("idle_days", KEY_DAYS, maintain_idle_days),
    TIER_KEY("min_purchases", KEY_DAYS, maintain_min_purchases),
    TIER_KEY("window_days", KEY_DAYS, window_days),
};
#define N_TIER_KEYS (sizeof tier_keys / sizeof *tier_keys)

static const tier_key *find_tier_key(const char *name, size_t len) {
  for (size_t i = 0; i < N_TIER_KEYS; i++)
    if (strlen(tier_keys[i].name) == len && memcmp(tier_keys[i].name, name, len) == 0)
      return &tier_keys[i];
  return NULL;
}

/* Stores the value text[at..at+len) of key k into o; the reason when it is bad. */
static const char *set_tier_value(const tier_key *k, const char *v, size_t len,
                                  patron_tier_options *o) {
  char *field = (char *)o + k->offset;
  if (k->kind == KEY_TEXT) {
    if (len == 0 || len >= sizeof o->cart_event)
      return "expected an event type (1 to 63 characters)";
    memcpy(field, v, len);
    field[len] = '\0';
    return NULL;
  }
  double x;
  if (!patron__spec_number(v, len, &x))
    return "expected a number";
  if (k->kind == KEY_PCT && (x < 0 || x > 100))
    return "expected a percentage from 0 to 100";
  if (k->kind == KEY_MONEY && (x < 0 || x > 1e12))
    return "expected an amount from 0 to 1e12";
  if (k->kind == KEY_DAYS && (x < 1 || x > 100000 || x != floor(x)))
    return "expected a whole number from 1 to 100000";
  if (k->kind == KEY_DAYS)
    *(int *)(void *)field = (int)x;
  else
    *(double *)(void *)field = x;
  return NULL;
}

static patron_status tier_field(const char *text, size_t at, size_t len, patron_tier_options *o,
                                patron_error *err) {
  while (len && text[at] == ' ') /* blanks before a key */
    at++, len--;
  const char *f = text + at, *eq = memchr(f, '=', len);
  if (!eq)
    return patron__spec_error(err, "--tiers", text, at, "expected KEY=VALUE");
  const tier_key *k = find_tier_key(f, (size_t)(eq - f));
  if (!k)
    return patron__spec_error(err, "--tiers", text, at,
                              "unknown key (high_top, high_spend, high_repurchase, potential_from, "
                              "potential_to, cart_days, cart_event, maintain_bottom, idle_days, "
                              "min_purchases, window_days)");
  size_t value_at = (size_t)(eq - text) + 1;
  const char *why = set_tier_value(k, text + value_at, len - (value_at - at), o);
  return why ? patron__spec_error(err, "--tiers", text, value_at, why) : PATRON_OK;
}

patron_status patron_tier_options_parse(const char *text, patron_tier_options *o,
                                        patron_error *err) {
  patron_tier_options next = *o;
  for (size_t at = 0;;) {
    size_t len = patron__field_len(text + at, ',');
    patron_status st = tier_field(text, at, len, &next, err);
    if (st != PATRON_OK)
      return st;
    at += len;
    if (!text[at])
      break;
    at++;
  }
  if (next.potential_from_pct >= next.potential_to_pct) {
    const char *p = strstr(text, "potential_");
    return patron__spec_error(err, "--tiers", text, p ? (size_t)(p - text) : 0,
                              "potential_from must be below potential_to");
  }
  *o = next;
  return PATRON_OK;
}

/* ---- Recent activity ---------------------------------------------------------------------- */

void patron_activity_free(patron_activity *a) {
  if (!a)
    return;
  free(a->spend);
  free(a->purchases);
  free(a->cart_after_purchase);
  *a = (patron_activity){0};
}

/* The code of the cart event type, 0 when the events have none. */
static uint32_t cart_code(const patron_dataset *ds, const char *cart_event) {
  size_t n = patron_dataset_dict_size(ds, "event_type");
  for (uint32_t c = 1; c < n; c++)
    if (strcmp(patron_dataset_dict_value(ds, "event_type", c), cart_event) == 0)
      return c;
  return 0;
}

typedef struct window {
  int64_t end, from, cart_from; /* seconds: as_of, as_of - window, as_of - cart window */
} window;

/* Spend and purchases of customer c in the window; returns the last purchase's time. */
static int64_t order_activity(const patron_orders_view *ov, uint32_t c, const window *w,
                              patron_money *spend, int64_t *purchases) {
  uint32_t lo = ov->start[c], hi = ov->start[c + 1];
  while (hi > lo && ov->time[hi - 1] >= w->end)
    hi--;
  int64_t last = INT64_MIN;
  patron_money sum = 0;
  int64_t count = 0;
  for (uint32_t o = hi; o-- > lo;) {
    bool in_window = ov->time[o] >= w->from;
    if (!in_window && last != INT64_MIN)
      break;
    if (ov->value[o] > 0 && last == INT64_MIN)
      last = ov->time[o];
    if (in_window)
      sum += ov->value[o], count += ov->value[o] > 0;
  }
  *spend = sum;
  *purchases = count;
  return last;
}

/* Is c's latest cart event before as-of inside the cart window and after last purchase? */
static bool cart_after(const patron_events_view *ev, uint32_t c, uint32_t code, const window *w,
                       int64_t last_purchase) {
  uint32_t lo = ev->start[c], hi = ev->start[c + 1];
  for (uint32_t e = hi; e-- > lo;) {
    if (ev->time[e] >= w->end)
      continue;
    if (ev->time[e] < w->cart_from)
      return false;
    if (ev->type[e] == code)
      return ev->time[e] > last_purchase;
  }
  return false;
}

static patron_status activity_alloc(size_t n, patron_activity *out, patron_error *err) {
  size_t cap = n ? n : 1;
  *out = (patron_activity){.n = n};
  out->spend = malloc(cap * sizeof *out->spend);
  out->purchases = malloc(cap * sizeof *out->purchases);
  out->cart_after_purchase = calloc(cap, 1);
  if (out->spend && out->purchases && out->cart_after_purchase)
    return PATRON_OK;
  patron_activity_free(out);
  return PATRON__OOM(err);
}

/* The inputs of one activity computation, shared by its blocks of rows. */
typedef struct activity_job {
  patron_orders_view ov;
  patron_events_view ev;
  const uint32_t *cust;
  window w;
  uint32_t code;
  patron_activity *out;
} activity_job;

static void activity_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  activity_job *j = ctx;
  for (size_t r = lo; r < hi; r++) {
    uint32_t c = j->cust[r];
    int64_t last = order_activity(&j->ov, c, &j->w, &j->out->spend[r], &j->out->purchases[r]);
    j->out->cart_after_purchase[r] =
        j->code && last != INT64_MIN && cart_after(&j->ev, c, j->code, &j->w, last);
  }
}

enum { ACTIVITY_BLOCK = 16384 };

/* patron_activity_compute on n_threads (0: all online cores); each row is its own. */
static patron_status activity_with(const patron_dataset *ds, const patron_profile *p,
                                   int window_days, int cart_days, const char *cart_event,
                                   int n_threads, patron_activity *out, patron_error *err) {
  if (window_days < 1 || cart_days < 1 || !cart_event)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "activity windows must be at least 1 day");
  size_t n = patron_table_n_rows(patron_profile_table_const(p));
  patron_status st = activity_alloc(n, out, err);
  if (st != PATRON_OK)
    return st;
  int64_t as_of = patron_profile_as_of(p);
  activity_job j = {
      .cust = patron_profile_customers(p),
      .w = {as_of * 86400, (as_of - window_days) * 86400, (as_of - cart_days) * 86400},
      .out = out};
  patron_dataset_orders(ds, &j.ov);
  out->has_events = patron_dataset_has_events(ds);
  j.code = out->has_events ? cart_code(ds, cart_event) : 0;
  out->has_cart_type = j.code != 0;
  if (j.code)
    patron_dataset_events(ds, &j.ev);
  patron__exec_ranges(n_threads, n, ACTIVITY_BLOCK, activity_block, &j);
  return PATRON_OK;
}

patron_status patron_activity_compute(const patron_dataset *ds, const patron_profile *p,
                                      int window_days, int cart_days, const char *cart_event,
                                      patron_activity *out, patron_error *err) {
  return activity_with(ds, p, window_days, cart_days, cart_event, 0, out, err);
}

/* ---- Tiers --------------------------------------------------------------------------------- */

typedef struct tier_inputs {
  const double *index;
  const int64_t *recency, *frequency;
  const patron_activity *a;
  const patron_tier_options *o;
  patron_money high_spend;
  size_t n; /* purchasers ranked */
} tier_inputs;

/* higher / lower: purchasers with a strictly larger / smaller value index. */
static int32_t tier_of(const tier_inputs *in, size_t r, size_t higher, size_t lower) {
  const patron_tier_options *o = in->o;
  double n = (double)in->n, hi = 100.0 * (double)higher, lo = 100.0 * (double)lower;
  int64_t p = in->a->purchases[r];
  if (hi < o->high_top_pct * n && in->a->spend[r] > in->high_spend && p > 0 &&
      100.0 * (double)(p - 1) > o->high_repurchase_pct * (double)p)
    return PATRON_TIER_HIGH_VALUE;
  if (hi >= o->potential_from_pct * n && hi < o->potential_to_pct * n &&
      in->a->cart_after_purchase[r])
    return PATRON_TIER_POTENTIAL;
  if (lo < o->maintain_bottom_pct * n && in->recency[r] > o->maintain_idle_days &&
      in->frequency[r] >= o->maintain_min_purchases)
    return PATRON_TIER_MAINTAIN;
  return PATRON_TIER_REGULAR;
}

/* Ranks purchasers by value index (radix sort of order-preserving keys) and assigns. */
static bool assign_tiers(tier_inputs *in, size_t n_rows, int32_t *tier) {
  size_t cap = n_rows ? n_rows : 1, n = 0;
  uint64_t *keys = malloc(cap * sizeof *keys);
  uint32_t *idx = malloc(cap * sizeof *idx);
  bool ok = keys && idx;
  for (size_t r = 0; ok && r < n_rows; r++)
    if (in->frequency[r] != PATRON_NULL_INT && isfinite(in->index[r]))
      keys[n] = patron__key_f64(in->index[r]), idx[n++] = (uint32_t)r;
  in->n = n;
  ok = ok && patron__radix_sort(keys, idx, n);
  for (size_t a = 0; ok && a < n;) {
    size_t b = a + 1;
    while (b < n && keys[b] == keys[a])
      b++;
    for (size_t j = a; j < b; j++)
      tier[idx[j]] = tier_of(in, idx[j], n - b, a);
    a = b;
  }
  free(keys);
  free(idx);
  return ok;
}

static const char *potential_note(const patron_activity *a) {
  if (!a->has_events)
    return "potential needs an events file (--events) with cart events: nobody can be "
           "potential without one";
  if (!a->has_cart_type)
    return "the events file has no cart events: nobody can be potential";
  return NULL;
}

patron_status patron_tiers(patron_table *t, const patron_activity *a, const patron_tier_options *o,
                           patron_tier_info *info, patron_error *err) {
  const char *step = "tier";
  tier_inputs in = {.index = patron__column_data(t, "value_index", PATRON_COL_DOUBLE, step, err),
                    .recency = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err),
                    .frequency = patron__column_data(t, "frequency", PATRON_COL_INT, step, err),
                    .a = a,
                    .o = o,
                    .high_spend = (patron_money)llround(o->high_spend * PATRON_MONEY_SCALE)};
  if (!in.index || !in.recency || !in.frequency)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t n_rows = patron_table_n_rows(t);
  if (a->n != n_rows)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "tier: the activity has %zu rows, the table %zu", a->n, n_rows);
  int32_t *tier;
  patron_status st = patron_table_add_category(t, "tier", tier_labels, tier_labels_zh,
                                               PATRON_TIER_COUNT, true, &tier, err);
  if (st != PATRON_OK)
    return st;
  if (!assign_tiers(&in, n_rows, tier))
    return PATRON__OOM(err);
  if (info) {
    *info = (patron_tier_info){.potential_note = potential_note(a)};
    for (size_t r = 0; r < n_rows; r++)
      if (tier[r] >= 0)
        info->counts[tier[r]]++;
  }
  return PATRON_OK;
}

/* ---- Everything for analyze -------------------------------------------------------------------
 */

void patron_value_tiers_options_init(patron_value_tiers_options *o) {
  patron_value_index_options_init(&o->index);
  patron_tier_options_init(&o->tiers);
  patron_level_options_init(&o->levels);
  o->n_threads = 0;
}

patron_status patron_value_tiers_add(patron_profile *p, const patron_dataset *ds,
                                     const patron_value_tiers_options *o,
                                     patron_value_tiers_info *info, patron_error *err) {
  patron_activity a;
  patron_status st = activity_with(ds, p, o->tiers.window_days, o->tiers.cart_days,
                                   o->tiers.cart_event, o->n_threads, &a, err);
  if (st == PATRON_OK)
    st = patron_value_tiers_with(p, &a, o, info, err);
  patron_activity_free(&a);
  return st;
}

patron_status patron_value_tiers_with(patron_profile *p, const patron_activity *a,
                                      const patron_value_tiers_options *o,
                                      patron_value_tiers_info *info, patron_error *err) {
  patron_value_tiers_info local;
  info = info ? info : &local;
  *info = (patron_value_tiers_info){0};
  patron_table *t = patron_profile_table(p);
  patron_status st = patron__value_index_with(t, &o->index, o->n_threads, &info->index, err);
  if (st == PATRON_OK)
    st = patron_tiers(t, a, &o->tiers, &info->tiers, err);
  if (st == PATRON_OK)
    st = patron_member_levels(t, a, &o->levels, info->levels, err);
  return st;
}
