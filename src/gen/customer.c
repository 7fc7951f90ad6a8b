/* One customer's life in the synthetic world. The plan stream draws the purchase process
 * (Pareto/NBD: Poisson purchases at rate lambda ~ Gamma(r, alpha) while alive, exponential
 * lifetime with rate mu ~ Gamma(s, beta); Schmittlein, Morrison & Colombo 1987) on a
 * seasonal clock, plus refunds; the detail stream draws who the customer is and what each
 * order holds; the events stream draws browsing. Rows are formatted straight into buffers. */
#include "core/core_int.h"
#include "gen/gen_int.h"
#include "patron/parse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NO_DAY = -1, NO_ITEM = 0xffff, NO_CATEGORY = 0xff, ID_ROOM = 32 };

typedef struct gen_order {
  int32_t day, sec;   /* window day index, second of the day */
  int32_t refund_day; /* window day index of its refund, NO_DAY when none */
  uint8_t channel, store;
} gen_order;

typedef struct gen_line {
  uint8_t category, brand;
  uint16_t item;
  int32_t quantity;
  int64_t amount; /* cents, after discount */
} gen_line;

typedef struct gen_refund {
  int32_t day, sec;
  uint8_t channel, store;
  gen_line line;
} gen_refund;

typedef struct gen_event {
  int64_t t; /* seconds since the window's first midnight */
  uint32_t seq;
  uint16_t item;
  uint8_t type, category;
} gen_event;

/* The plan-stream part of a customer. */
typedef struct gen_plan {
  int32_t signup, first; /* window day indexes; first = NO_DAY for customers who never buy */
  double lambda;         /* purchases per year while alive */
  double death;          /* window day (fractional) the customer drops out */
} gen_plan;

/* The detail-stream part. */
typedef struct gen_person {
  double log_price; /* the customer's price level */
  double channel_cum[GEN_N_CHANNELS];
  uint8_t favorite[2], city, store, gender;
  int32_t birth_day; /* PATRON_NO_DAY when unknown */
  gen_contact contact;
} gen_person;

enum { GEN_HISTORY = 8 }; /* items remembered per customer for the follow-up pattern */

struct gen_worker {
  gsl_rng *rng[GEN_N_STREAMS];
  gen_order *orders;
  size_t n_orders, cap_orders;
  gen_refund *refunds;
  size_t n_refunds, cap_refunds;
  gen_event *events;
  size_t n_events, cap_events;
  uint32_t *order_next, *refund_next; /* per day: ids used so far in this block */
  int32_t n_days;
  char cid[24];
  size_t cid_len;
  int n_items;                   /* the world's items per category */
  uint16_t history[GEN_HISTORY]; /* the customer's latest bought items (catalogue codes) */
  size_t n_history;
  bool oom;
};

gen_worker *patron__gen_worker_new(void) {
  gen_worker *wk = calloc(1, sizeof *wk);
  if (!wk)
    return NULL;
  for (int s = 0; s < GEN_N_STREAMS; s++)
    if (!(wk->rng[s] = gsl_rng_alloc(gsl_rng_taus2))) {
      patron__gen_worker_free(wk);
      return NULL;
    }
  return wk;
}

void patron__gen_worker_free(gen_worker *wk) {
  if (!wk)
    return;
  for (int s = 0; s < GEN_N_STREAMS; s++)
    gsl_rng_free(wk->rng[s]);
  free(wk->orders);
  free(wk->refunds);
  free(wk->events);
  free(wk->order_next);
  free(wk->refund_next);
  free(wk);
}

/* ---------------------------------------------------------------- the plan stream */

/* Signup position in [0, 1): density grows linearly, 1 + g x (the member base grows). */
static double signup_fraction(double u) {
  const double g = 0.6;
  return (-1 + sqrt(1 + 2 * g * u * (1 + g / 2))) / g;
}

/* The window day whose seasonal-clock interval holds tau (tau >= cum_weight[from]). */
static int32_t day_at(const gen_world *w, double tau, int32_t from) {
  int32_t lo = from, hi = w->n_days;
  if (tau >= w->cum_weight[hi])
    return hi;
  while (hi - lo > 1) {
    int32_t mid = lo + (hi - lo) / 2;
    if (w->cum_weight[mid] <= tau)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static void push_order(gen_worker *wk, int32_t day, int32_t refund_day) {
  if (!patron__reserve((void **)&wk->orders, &wk->cap_orders, wk->n_orders + 1,
                       sizeof *wk->orders)) {
    wk->oom = true;
    return;
  }
  wk->orders[wk->n_orders++] = (gen_order){.day = day, .refund_day = refund_day};
}

/* Refund of an order placed on `day`: its day, or NO_DAY (none, or after the window). */
static int32_t draw_refund(const gen_world *w, gsl_rng *rng, int32_t day) {
  if (gsl_rng_uniform(rng) >= w->opts.refund_rate)
    return NO_DAY;
  int32_t when = day + 1 + (int32_t)gsl_ran_gamma(rng, 2.0, 4.0);
  return when < w->n_days ? when : NO_DAY;
}

/* Purchases from the first one on: a Poisson process of rate lambda on the seasonal clock
 * (one clock unit = an average day), stopping at dropout or the end of the window. */
static void draw_purchases(const gen_world *w, gsl_rng *rng, gen_worker *wk, gen_plan *p) {
  int32_t day = p->first;
  double tau =
      w->cum_weight[day] + gsl_rng_uniform(rng) * (w->cum_weight[day + 1] - w->cum_weight[day]);
  double mean_gap = p->lambda > 1e-9 ? 365.25 / p->lambda : 1e12;
  while (day < w->n_days && day <= p->death) {
    push_order(wk, day, draw_refund(w, rng, day));
    tau += gsl_ran_exponential(rng, mean_gap);
    day = day_at(w, tau, day);
  }
}

static void plan_customer(const gen_world *w, gsl_rng *rng, gen_worker *wk, gen_plan *p) {
  const patron_gen_options *o = &w->opts;
  wk->n_orders = 0;
  p->signup = (int32_t)(signup_fraction(gsl_rng_uniform(rng)) * w->n_days);
  if (p->signup >= w->n_days)
    p->signup = w->n_days - 1;
  bool prospect = gsl_rng_uniform(rng) < o->prospect_share;
  double delay = gsl_rng_uniform(rng) < 0.6 ? 0 : ceil(gsl_ran_exponential(rng, 30.0));
  p->lambda = gsl_ran_gamma(rng, o->r, 1 / o->alpha);
  double mu = gsl_ran_gamma(rng, o->s, 1 / o->beta);
  double life = mu > 1e-9 ? gsl_ran_exponential(rng, 365.25 / mu) : 1e12;
  double first = p->signup + delay;
  p->first = prospect || first >= w->n_days ? NO_DAY : (int32_t)first;
  p->death = (p->first == NO_DAY ? p->signup : first) + fmin(life, 1e9);
  if (p->first != NO_DAY)
    draw_purchases(w, rng, wk, p);
}

bool patron__gen_plan_block(gen_world *w, gen_worker *wk, uint64_t block) {
  gsl_rng *rng = wk->rng[GEN_STREAM_PLAN];
  gsl_rng_set(rng, patron__gen_block_seed(w->opts.seed, block, GEN_STREAM_PLAN));
  uint32_t *orders = w->order_counts + block * (uint64_t)w->n_days;
  uint32_t *refunds = w->refund_counts + block * (uint64_t)w->n_days;
  uint64_t begin = block * w->block_size, end = begin + w->block_size;
  if (end > w->opts.n_customers)
    end = w->opts.n_customers;
  for (uint64_t c = begin; c < end; c++) {
    gen_plan p;
    plan_customer(w, rng, wk, &p);
    if (wk->oom)
      return false;
    for (size_t i = 0; i < wk->n_orders; i++) {
      orders[wk->orders[i].day]++;
      if (wk->orders[i].refund_day != NO_DAY)
        refunds[wk->orders[i].refund_day]++;
    }
  }
  return true;
}

/* ---------------------------------------------------------------- the detail stream */

static void draw_person(const gen_world *w, gsl_rng *rng, gen_person *p) {
  double u = gsl_rng_uniform(rng);
  p->gender = u < 0.02 ? 0 : u < 0.6 ? 'F' : 'M';
  double age = 18 + gsl_ran_gamma(rng, 3.0, 6.0);
  p->birth_day = gsl_rng_uniform(rng) < 0.05 || age > 85
                     ? PATRON_NO_DAY
                     : w->opts.end_day - (int32_t)(age * 365.25);
  if (p->birth_day != PATRON_NO_DAY && gsl_rng_uniform(rng) < 0.003)
    p->birth_day = patron__gen_leap_day(p->birth_day); /* leap-day birthdays, planted */
  p->city = (uint8_t)gsl_ran_discrete(rng, w->city_table);
  int n_stores = w->city_first_store[p->city + 1] - w->city_first_store[p->city];
  p->store = (uint8_t)(w->city_first_store[p->city] + gsl_rng_uniform_int(rng, n_stores));
  static const double base[GEN_N_CHANNELS] = {0.45 * 1.2, 0.30 * 1.2, 0.25 * 1.2};
  double share[GEN_N_CHANNELS];
  gsl_ran_dirichlet(rng, GEN_N_CHANNELS, base, share);
  for (int c = 0; c < GEN_N_CHANNELS; c++)
    p->channel_cum[c] = share[c] + (c ? p->channel_cum[c - 1] : 0);
  p->favorite[0] = (uint8_t)gsl_ran_discrete(rng, w->category_table);
  p->favorite[1] = (uint8_t)gsl_ran_discrete(rng, w->category_table);
  p->log_price = gsl_ran_gaussian(rng, w->opts.spend_sigma);
  patron__gen_draw_contact(rng, &p->contact);
}

/* Channel, store and time of day of each order; then orders sorted by time. */
static void draw_order_heads(const gen_world *w, gsl_rng *rng, gen_worker *wk,
                             const gen_person *p) {
  for (size_t i = 0; i < wk->n_orders; i++) {
    gen_order *o = &wk->orders[i];
    double u = gsl_rng_uniform(rng);
    o->channel = u < p->channel_cum[0] ? GEN_ONLINE : u < p->channel_cum[1] ? GEN_OFFLINE : GEN_APP;
    o->sec = (int32_t)gsl_ran_discrete(rng, w->hour_table[o->channel]) * 3600 +
             (int32_t)gsl_rng_uniform_int(rng, 3600);
    o->store =
        gsl_rng_uniform(rng) < 0.9 ? p->store : (uint8_t)gsl_rng_uniform_int(rng, GEN_N_STORES);
  }
  for (size_t i = 1; i < wk->n_orders; i++) { /* days already ascend: an insertion sort */
    gen_order o = wk->orders[i];
    size_t j = i;
    for (; j > 0 && wk->orders[j - 1].day == o.day && wk->orders[j - 1].sec > o.sec; j--)
      wk->orders[j] = wk->orders[j - 1];
    wk->orders[j] = o;
  }
}

static uint8_t draw_category(const gen_world *w, gsl_rng *rng, const gen_person *p) {
  double u = gsl_rng_uniform(rng);
  if (u < 0.55)
    return p->favorite[u < 0.38];
  return (uint8_t)gsl_ran_discrete(rng, w->category_table);
}

/* Popular items are bought more: item index ~ N u^2. */
static uint16_t draw_item(int n_items, gsl_rng *rng) {
  double u = gsl_rng_uniform(rng);
  return (uint16_t)(n_items * u * u);
}

/* Share of the price taken off an order: more often on promotion days, in December and on
 * the app. */
static double draw_discount(const gen_world *w, gsl_rng *rng, const gen_order *o) {
  static const double channel_p[GEN_N_CHANNELS] = {0.2, 0.15, 0.3};
  static const double rates[5] = {0.05, 0.1, 0.15, 0.2, 0.3};
  double p = w->day_promo[o->day] ? 0.7 : channel_p[o->channel];
  if (w->day_text[(size_t)o->day * 10 + 5] == '1' && w->day_text[(size_t)o->day * 10 + 6] == '2')
    p += 0.1;
  if (gsl_rng_uniform(rng) >= p)
    return 0;
  return rates[gsl_rng_uniform_int(rng, 5)];
}

/* A line of item `code` (category * n_items + item), or of a drawn item when code < 0. */
static void draw_line(const gen_world *w, gsl_rng *rng, const gen_person *p, double off, int code,
                      gen_line *l, int64_t *discount) {
  if (code >= 0) {
    l->category = (uint8_t)(code / w->n_items);
    l->item = (uint16_t)(code % w->n_items);
  } else {
    l->category = draw_category(w, rng, p);
    l->item = draw_item(w->n_items, rng);
  }
  l->brand = w->item_brand[l->category * w->n_items + l->item];
  double price = (double)w->item_cents[l->category * w->n_items + l->item] *
                 exp(p->log_price + gsl_ran_gaussian(rng, w->opts.line_sigma));
  int64_t unit = llround(price / 10) * 10;
  if (unit < 10)
    unit = 10;
  l->quantity = 1 + (int32_t)gsl_ran_poisson(rng, patron__gen_categories[l->category].extra_qty);
  int64_t gross = unit * l->quantity;
  *discount = llround((double)gross * off);
  l->amount = gross - *discount;
}

/* ---------------------------------------------------------------- formatting */

static char *put_row_head(char *q, const gen_worker *wk, char prefix, uint64_t id, int width) {
  q = gen_put(q, wk->cid, wk->cid_len);
  *q++ = prefix;
  q = gen_put_uint(q, id, width);
  *q++ = ',';
  return q;
}

static char *put_item(char *q, int digits, int category, int item) {
  *q++ = 'I';
  q = gen_put_uint(q, (uint64_t)category, 2);
  return gen_put_uint(q, (uint64_t)item, digits);
}

/* The tail shared by order lines and refunds: ,category,brand,channel,store,discount,item_id\n */
static char *put_line_tail(char *q, int digits, const gen_line *l, int channel, int store,
                           int64_t discount) {
  *q++ = ',';
  q = gen_put_str(q, patron__gen_categories[l->category].name);
  *q++ = ',';
  *q++ = 'B';
  q = gen_put_uint(q, l->brand, 2);
  *q++ = ',';
  q = gen_put_str(q, patron__gen_channels[channel]);
  *q++ = ',';
  if (channel == GEN_OFFLINE) {
    *q++ = 'S';
    q = gen_put_uint(q, (uint64_t)store + 1, 3);
  }
  *q++ = ',';
  q = gen_put_cents(q, discount);
  *q++ = ',';
  q = put_item(q, digits, l->category, l->item);
  *q++ = '\n';
  return q;
}

static bool emit_refund(const gen_world *w, gen_worker *wk, uint64_t block, const gen_refund *r,
                        gen_buf *out) {
  if (!patron__gen_buf_room(out, GEN_ROW_ROOM))
    return false;
  uint64_t id = w->refund_day_base[r->day] +
                w->refund_counts[block * (uint64_t)w->n_days + (uint64_t)r->day] +
                ++wk->refund_next[r->day];
  char *q = put_row_head(out->data + out->len, wk, 'R', id, w->refund_width);
  q = gen_put_time(q, w, r->day, r->sec);
  *q++ = ',';
  q = gen_put_cents(q, -r->line.amount);
  *q++ = ',';
  *q++ = '-';
  q = gen_put_uint(q, (uint64_t)r->line.quantity, 1);
  q = put_line_tail(q, w->item_digits, &r->line, r->channel, r->store, 0);
  out->len = (size_t)(q - out->data);
  return true;
}

/* Emits (and drops) pending refunds dated before (day, sec); all of them when day < 0. */
static bool flush_refunds(const gen_world *w, gen_worker *wk, uint64_t block, int32_t day,
                          int32_t sec, gen_buf *out, gen_block_stats *st) {
  size_t k = 0;
  while (k < wk->n_refunds && (day < 0 || wk->refunds[k].day < day ||
                               (wk->refunds[k].day == day && wk->refunds[k].sec < sec))) {
    if (!emit_refund(w, wk, block, &wk->refunds[k], out))
      return false;
    k++;
  }
  if (k == 0)
    return true;
  memmove(wk->refunds, wk->refunds + k, (wk->n_refunds - k) * sizeof *wk->refunds);
  wk->n_refunds -= k;
  st->refunds += k;
  st->order_rows += k;
  return true;
}

/* Keeps pending refunds sorted by time. */
static bool add_refund(gen_worker *wk, const gen_refund *r) {
  if (!patron__reserve((void **)&wk->refunds, &wk->cap_refunds, wk->n_refunds + 1,
                       sizeof *wk->refunds))
    return false;
  size_t j = wk->n_refunds++;
  for (; j > 0 && (wk->refunds[j - 1].day > r->day ||
                   (wk->refunds[j - 1].day == r->day && wk->refunds[j - 1].sec > r->sec));
       j--)
    wk->refunds[j] = wk->refunds[j - 1];
  wk->refunds[j] = *r;
  return true;
}

/* ---------------------------------------------------------------- the events stream */

static bool push_event(gen_worker *wk, int64_t t, int type, int category, int item) {
  if (!patron__reserve((void **)&wk->events, &wk->cap_events, wk->n_events + 1, sizeof *wk->events))
    return false;
  wk->events[wk->n_events] = (gen_event){.t = t,
                                         .seq = (uint32_t)wk->n_events,
                                         .item = (uint16_t)item,
                                         .type = (uint8_t)type,
                                         .category = (uint8_t)category};
  wk->n_events++;
  return true;
}

/* Browse then buy: 30% of funnels start with views of the first bought item 1-10 days
 * before the order. */
static bool considered_views(gsl_rng *rng, gen_worker *wk, int64_t t, const gen_line *l,
                             int64_t first_t) {
  if (gsl_rng_uniform(rng) >= 0.3)
    return true;
  int n = 2 + (int)gsl_ran_poisson(rng, 1.0);
  bool ok = true;
  for (int v = 0; v < n && ok; v++) {
    int64_t vt = t - 86400 - (int64_t)(gsl_rng_uniform(rng) * 9 * 86400);
    if (vt >= first_t)
      ok = push_event(wk, vt, GEN_VIEW, l->category, l->item);
  }
  return ok;
}

/* Views (and often a cart) of each bought item in the hours or days before an order. */
static bool funnel_events(gsl_rng *rng, gen_worker *wk, const gen_order *o, const gen_line *lines,
                          int n_lines, int64_t first_t) {
  static const double p_funnel[GEN_N_CHANNELS] = {0.8, 0.25, 0.85};
  static const double p_cart[GEN_N_CHANNELS] = {0.5, 0.2, 0.55};
  if (gsl_rng_uniform(rng) >= p_funnel[o->channel])
    return true;
  int64_t t = (int64_t)o->day * 86400 + o->sec;
  int64_t start = t - 300 - (int64_t)gsl_ran_exponential(rng, 20 * 3600.0);
  bool ok = true;
  if (gsl_rng_uniform(rng) < 0.3 && start >= first_t)
    ok = push_event(wk, start, GEN_SEARCH, lines[0].category, NO_ITEM);
  ok = ok && considered_views(rng, wk, t, &lines[0], first_t);
  for (int i = 0; i < n_lines && i < 3 && ok; i++) {
    int n_views = 1 + (int)gsl_ran_poisson(rng, 1.2);
    for (int v = 0; v < n_views && ok; v++) {
      int64_t vt = start + (int64_t)(gsl_rng_uniform(rng) * (double)(t - 120 - start));
      bool bought = v == n_views - 1;
      int item = bought ? lines[i].item : draw_item(wk->n_items, rng);
      if (vt >= first_t)
        ok = push_event(wk, vt, GEN_VIEW, lines[i].category, item);
      if (bought && ok && gsl_rng_uniform(rng) < p_cart[o->channel] && vt >= first_t)
        ok = push_event(wk, vt + (int64_t)(gsl_rng_uniform(rng) * (double)(t - 60 - vt)), GEN_CART,
                        lines[i].category, item);
      if (bought && ok && gsl_rng_uniform(rng) < 0.06 && vt >= first_t)
        ok = push_event(wk, vt + 30, GEN_FAVORITE, lines[i].category, item);
    }
  }
  return ok;
}

/* A browsing session that ends without a purchase: views, sometimes an abandoned cart. */
static bool browse_session(const gen_world *w, gsl_rng *rng, gen_worker *wk, const gen_person *p,
                           int64_t t) {
  int64_t end_t = (int64_t)w->n_days * 86400;
  double u = gsl_rng_uniform(rng);
  int category = draw_category(w, rng, p);
  bool ok = true;
  if (u < 0.35)
    ok = push_event(wk, t, GEN_VISIT, NO_CATEGORY, NO_ITEM);
  else if (u < 0.65)
    ok = push_event(wk, t, GEN_SEARCH, category, NO_ITEM);
  int n_views = 1 + (int)gsl_ran_poisson(rng, 1.5);
  int item = 0;
  for (int v = 0; v < n_views && ok; v++) {
    t += 20 + (int64_t)gsl_ran_exponential(rng, 60.0);
    item = draw_item(w->n_items, rng);
    if (t < end_t)
      ok = push_event(wk, t, GEN_VIEW, category, item);
    if (ok && gsl_rng_uniform(rng) < 0.05 && t + 15 < end_t)
      ok = push_event(wk, t + 15, GEN_FAVORITE, category, item);
  }
  t += 10 + (int64_t)gsl_ran_exponential(rng, 60.0);
  if (ok && gsl_rng_uniform(rng) < 0.45 && t < end_t)
    ok = push_event(wk, t, GEN_CART, category, item);
  return ok;
}

/* Browse without buying: an item viewed 5 or more times within 6 days and not bought (30% with
 * a cart at the end), about 0.8 times a year while the customer is alive. */
static bool fixation_episodes(const gen_world *w, gsl_rng *rng, gen_worker *wk, const gen_person *p,
                              const gen_plan *plan, double span) {
  int64_t end_t = (int64_t)w->n_days * 86400;
  unsigned n = gsl_ran_poisson(rng, 0.8 * w->opts.browse_rate * span / 365.25);
  bool ok = true;
  for (unsigned i = 0; i < n && ok; i++) {
    int64_t t0 = ((int64_t)plan->signup + (int64_t)(gsl_rng_uniform(rng) * span)) * 86400;
    int category = draw_category(w, rng, p), item = draw_item(w->n_items, rng);
    int n_views = 5 + (int)gsl_ran_poisson(rng, 1.5);
    int64_t last = t0;
    for (int v = 0; v < n_views && ok; v++) {
      int64_t t = t0 + (int64_t)(gsl_rng_uniform(rng) * 6 * 86400);
      last = t > last ? t : last;
      if (t < end_t)
        ok = push_event(wk, t, GEN_VIEW, category, item);
    }
    if (ok && gsl_rng_uniform(rng) < 0.3 && last + 60 < end_t)
      ok = push_event(wk, last + 60, GEN_CART, category, item);
  }
  return ok;
}

/* Sessions without purchase while the customer is alive: Poisson with a rate that follows
 * the customer's purchase rate (engaged customers browse more). */
static bool browse_events(const gen_world *w, gsl_rng *rng, gen_worker *wk, const gen_person *p,
                          const gen_plan *plan) {
  double last = fmin(plan->death, (double)w->n_days - 1e-6);
  double span = last - plan->signup;
  if (span <= 0)
    return true;
  double mean = w->opts.browse_rate * (plan->lambda + 0.5) * span / 365.25;
  unsigned n = gsl_ran_poisson(rng, mean);
  bool ok = true;
  for (unsigned i = 0; i < n && ok; i++) {
    int32_t day = plan->signup + (int32_t)(gsl_rng_uniform(rng) * span);
    int32_t sec = (int32_t)gsl_ran_discrete(rng, w->hour_table[GEN_ONLINE]) * 3600 +
                  (int32_t)gsl_rng_uniform_int(rng, 3600);
    ok = browse_session(w, rng, wk, p, (int64_t)day * 86400 + sec);
  }
  return ok && fixation_episodes(w, rng, wk, p, plan, span);
}

static int event_cmp(const void *a, const void *b) {
  const gen_event *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool emit_events(const gen_world *w, gen_worker *wk, gen_buf *out, gen_block_stats *st) {
  if (wk->n_events == 0)
    return true;
  qsort(wk->events, wk->n_events, sizeof *wk->events, event_cmp);
  for (size_t i = 0; i < wk->n_events; i++) {
    const gen_event *e = &wk->events[i];
    if (!patron__gen_buf_room(out, GEN_ROW_ROOM))
      return false;
    char *q = gen_put(out->data + out->len, wk->cid, wk->cid_len);
    q = gen_put_time(q, w, (int32_t)(e->t / 86400), (int32_t)(e->t % 86400));
    *q++ = ',';
    q = gen_put_str(q, patron__gen_event_types[e->type]);
    *q++ = ',';
    if (e->item != NO_ITEM)
      q = put_item(q, w->item_digits, e->category, e->item);
    *q++ = ',';
    if (e->category != NO_CATEGORY)
      q = gen_put_str(q, patron__gen_categories[e->category].name);
    *q++ = '\n';
    out->len = (size_t)(q - out->data);
  }
  st->events += wk->n_events;
  return true;
}

/* ---------------------------------------------------------------- orders and customers */

typedef struct gen_ctx {
  const gen_world *w;
  gen_worker *wk;
  uint64_t block;
  gen_buf *out;
  gen_block_stats *st;
  const gen_person *person;
  int64_t first_t; /* events before the signup day are not tracked */
} gen_ctx;

/* The planted co-purchase patterns: 30% of lines after the first are the previous line's
 * partner (bought together); 15% of the others are the partner of an item the customer
 * bought before (bought after it). Returns the item code, or -1 to draw one. */
static int line_item(const gen_world *w, gsl_rng *rng, const gen_worker *wk, const gen_line *prev) {
  double u = gsl_rng_uniform(rng);
  if (prev && u < 0.3)
    return w->item_partner[prev->category * w->n_items + prev->item];
  if (wk->n_history && u >= 0.85) {
    uint16_t code = wk->history[gsl_rng_uniform_int(rng, wk->n_history)];
    return w->item_partner[code];
  }
  return -1;
}

static void remember_items(gen_worker *wk, const gen_line *lines, int n_lines) {
  for (int i = 0; i < n_lines; i++) {
    if (wk->n_history == GEN_HISTORY)
      memmove(wk->history, wk->history + 1, (GEN_HISTORY - 1) * sizeof *wk->history);
    else
      wk->n_history++;
    wk->history[wk->n_history - 1] = (uint16_t)(lines[i].category * wk->n_items + lines[i].item);
  }
}

static bool emit_order(gen_ctx *c, const gen_order *o, int64_t *spend) {
  const gen_world *w = c->w;
  gen_worker *wk = c->wk;
  gsl_rng *rng = wk->rng[GEN_STREAM_DETAIL];
  gen_line lines[GEN_MAX_LINES];
  int n_lines = 1 + (int)gsl_ran_discrete(rng, w->lines_table);
  double off = draw_discount(w, rng, o);
  uint64_t id = w->order_day_base[o->day] +
                w->order_counts[c->block * (uint64_t)w->n_days + (uint64_t)o->day] +
                ++wk->order_next[o->day];
  gen_buf *out = &c->out[GEN_FILE_ORDERS];
  for (int i = 0; i < n_lines; i++) {
    int64_t discount;
    int code = line_item(w, rng, wk, i ? &lines[i - 1] : NULL);
    draw_line(w, rng, c->person, off, code, &lines[i], &discount);
    *spend += lines[i].amount;
    if (!patron__gen_buf_room(out, GEN_ROW_ROOM))
      return false;
    char *q = put_row_head(out->data + out->len, wk, 'O', id, w->order_width);
    q = gen_put_time(q, w, o->day, o->sec);
    *q++ = ',';
    q = gen_put_cents(q, lines[i].amount);
    *q++ = ',';
    q = gen_put_uint(q, (uint64_t)lines[i].quantity, 1);
    q = put_line_tail(q, w->item_digits, &lines[i], o->channel, o->store, discount);
    out->len = (size_t)(q - out->data);
  }
  c->st->order_rows += (uint64_t)n_lines;
  remember_items(wk, lines, n_lines);
  if (o->refund_day != NO_DAY) {
    gen_refund r = {.day = o->refund_day, .channel = o->channel, .store = o->store};
    r.sec = (int32_t)gsl_ran_discrete(rng, w->hour_table[o->channel]) * 3600 +
            (int32_t)gsl_rng_uniform_int(rng, 3600);
    r.line = lines[gsl_rng_uniform_int(rng, (unsigned long)n_lines)];
    *spend -= r.line.amount;
    if (!add_refund(wk, &r))
      return false;
  }
  return !w->opts.events ||
         funnel_events(wk->rng[GEN_STREAM_EVENTS], wk, o, lines, n_lines, c->first_t);
}

static bool emit_orders(gen_ctx *c, int64_t *spend) {
  gen_worker *wk = c->wk;
  wk->n_refunds = 0;
  for (size_t i = 0; i < wk->n_orders; i++) {
    const gen_order *o = &wk->orders[i];
    if (!flush_refunds(c->w, wk, c->block, o->day, o->sec, &c->out[GEN_FILE_ORDERS], c->st) ||
        !emit_order(c, o, spend))
      return false;
  }
  c->st->orders += wk->n_orders;
  return flush_refunds(c->w, wk, c->block, -1, 0, &c->out[GEN_FILE_ORDERS], c->st);
}

static const char *member_level(int64_t spend_cents) {
  if (spend_cents < 50000)
    return "normal";
  if (spend_cents < 200000)
    return "silver";
  if (spend_cents < 800000)
    return "gold";
  return "diamond";
}

static bool emit_member(gen_ctx *c, const gen_plan *plan, int64_t spend) {
  gen_buf *out = &c->out[GEN_FILE_CUSTOMERS];
  if (!patron__gen_buf_room(out, GEN_ROW_ROOM))
    return false;
  const gen_person *p = c->person;
  char *q = gen_put(out->data + out->len, c->wk->cid, c->wk->cid_len);
  if (p->gender)
    *q++ = (char)p->gender;
  *q++ = ',';
  if (p->birth_day != PATRON_NO_DAY)
    q += patron_format_day(p->birth_day, q);
  *q++ = ',';
  q = gen_put_str(q, patron__gen_cities[p->city]);
  *q++ = ',';
  q = gen_put(q, c->w->day_text + (size_t)plan->signup * 10, 10);
  *q++ = ',';
  q = gen_put_str(q, member_level(spend));
  q = patron__gen_put_contact(q, &p->contact);
  *q++ = '\n';
  out->len = (size_t)(q - out->data);
  return true;
}

static bool emit_customer(gen_ctx *c, uint64_t index) {
  const gen_world *w = c->w;
  gen_worker *wk = c->wk;
  char *q = wk->cid;
  *q++ = 'C';
  q = gen_put_uint(q, index + 1, w->customer_width);
  *q++ = ',';
  wk->cid_len = (size_t)(q - wk->cid);
  gen_plan plan;
  plan_customer(w, wk->rng[GEN_STREAM_PLAN], wk, &plan);
  if (wk->oom)
    return false;
  gen_person person;
  draw_person(w, wk->rng[GEN_STREAM_DETAIL], &person);
  c->person = &person;
  c->first_t = (int64_t)plan.signup * 86400;
  draw_order_heads(w, wk->rng[GEN_STREAM_DETAIL], wk, &person);
  wk->n_events = 0;
  wk->n_history = 0;
  int64_t spend = 0;
  if (!emit_orders(c, &spend))
    return false;
  c->st->customers++;
  c->st->purchasers += wk->n_orders > 0;
  if (w->opts.customers && !emit_member(c, &plan, spend))
    return false;
  if (!w->opts.events)
    return true;
  return browse_events(w, wk->rng[GEN_STREAM_EVENTS], wk, &person, &plan) &&
         emit_events(w, wk, &c->out[GEN_FILE_EVENTS], c->st);
}

static bool reset_day_counters(gen_worker *wk, int32_t n_days) {
  if (wk->n_days != n_days) {
    free(wk->order_next);
    free(wk->refund_next);
    wk->order_next = malloc((size_t)n_days * sizeof *wk->order_next);
    wk->refund_next = malloc((size_t)n_days * sizeof *wk->refund_next);
    wk->n_days = wk->order_next && wk->refund_next ? n_days : 0;
    if (!wk->n_days)
      return false;
  }
  memset(wk->order_next, 0, (size_t)n_days * sizeof *wk->order_next);
  memset(wk->refund_next, 0, (size_t)n_days * sizeof *wk->refund_next);
  return true;
}

bool patron__gen_block(const gen_world *w, gen_worker *wk, uint64_t block, gen_buf out[GEN_N_FILES],
                       gen_block_stats *stats) {
  if (!reset_day_counters(wk, w->n_days))
    return false;
  wk->n_items = w->n_items;
  for (int s = 0; s < GEN_N_STREAMS; s++)
    gsl_rng_set(wk->rng[s], patron__gen_block_seed(w->opts.seed, block, s));
  gen_ctx c = {.w = w, .wk = wk, .block = block, .out = out, .st = stats};
  uint64_t begin = block * w->block_size, end = begin + w->block_size;
  if (end > w->opts.n_customers)
    end = w->opts.n_customers;
  for (uint64_t i = begin; i < end; i++)
    if (!emit_customer(&c, i))
      return false;
  return true;
}
