/* The orders loader: order lines -> orders (customer, time of the first line, sum of the
 * lines' amounts). Each worker appends order candidates (a row continuing the previous
 * row's order adds to it); workers' candidates are concatenated in file order, and
 * candidates sharing (customer, order_id) -- an order whose lines are not adjacent or
 * fall to two workers -- are merged when the dataset groups orders per customer
 * (core/order_set.h), so an order is still one order wherever its lines are.
 * Amount is the `amount` column, else quantity x unit_price (exact in 128-bit). Every money
 * sum later made from the amounts (orders, customers, revenue, segments) is bounded by the
 * sum of their absolute values, which is checked against the int64 range once loaded. */
#include "core/exec.h"
#include "io/load_int.h"

#include <stdlib.h>
#include <string.h>

enum {
  O_CUSTOMER,
  O_ORDER,
  O_TIME,
  O_AMOUNT,
  O_QUANTITY,
  O_UNIT_PRICE,
  O_CATEGORY,
  O_BRAND,
  O_CHANNEL,
  O_STORE,
  O_DISCOUNT,
  O_ITEM
};

/* Line attributes kept with keep_lines, and their dictionaries. */
enum { N_LINE_CODES = 5 };
static const int line_columns[N_LINE_CODES] = {O_CATEGORY, O_BRAND, O_CHANNEL, O_STORE, O_ITEM};
static const patron__dict_id line_dicts[N_LINE_CODES] = {PATRON__DICT_CATEGORY, PATRON__DICT_BRAND,
                                                         PATRON__DICT_CHANNEL, PATRON__DICT_STORE,
                                                         PATRON__DICT_ITEM};

/* A line attribute's values seen lately and their codes, in a slot chosen by the value's
 * length and end bytes: a category or a channel (a handful of values, one on every row) is
 * then found by one compare instead of a hash and a table probe. */
enum { CODE_SLOTS = 16, CODE_TEXT = 24 };
typedef struct code_slot {
  uint32_t len, code; /* len 0: empty */
  char text[CODE_TEXT];
} code_slot;

/* A row waiting for its customer's table slot to arrive in cache (see defer_row). */
enum { PENDING_ROWS = 16, PENDING_ID = 32 };
typedef struct pending_row {
  int64_t t;
  patron_money amount, discount;
  uint32_t codes[N_LINE_CODES]; /* with keep_lines */
  uint64_t line;
  uint32_t clen, olen, tag; /* tag: the customer id's slot tag */
  bool has_oid;
  char cid[PENDING_ID], oid[PENDING_ID];
} pending_row;

typedef struct orders_worker {
  load_worker base;
  pending_row ring[PENDING_ROWS];
  unsigned ring_head, ring_n;
  order_set orders; /* customers are this worker's local indexes */
  patron__line_store lines;
  code_slot code_cache[N_LINE_CODES][CODE_SLOTS];
  uint32_t last_order;
  patron__date_cache date_cache;
  char last_time_text[32];
  size_t last_time_len;
  int64_t last_time;
  int64_t max_time, min_time;
  unsigned __int128 abs_total; /* sum of |amount| of the rows kept */
} orders_worker;

/* The line attributes the file has no column for, the order index when the lines are
 * loaded unlinked, the time when untimed and the amount when kept only beside a discount
 * the file lacks (not stored while loading). */
static unsigned absent_line_columns(const load_file *f) {
  static const unsigned bits[N_LINE_CODES] = {PATRON__LINE_CATEGORY, PATRON__LINE_BRAND,
                                              PATRON__LINE_CHANNEL, PATRON__LINE_STORE,
                                              PATRON__LINE_ITEM};
  unsigned absent = f->field[O_DISCOUNT] < 0 ? PATRON__LINE_DISCOUNT : 0;
  absent |= f->opts->lines_unlinked ? PATRON__LINE_ORDER : 0;
  absent |= f->opts->lines_untimed ? PATRON__LINE_TIME : 0;
  absent |=
      f->opts->lines_amount_with_discount && f->field[O_DISCOUNT] < 0 ? PATRON__LINE_AMOUNT : 0;
  for (int k = 0; k < N_LINE_CODES; k++)
    absent |= f->field[line_columns[k]] < 0 ? bits[k] : 0;
  return absent;
}

/* Order (and kept line) capacity to start with: one per 48 bytes of the worker's share of
 * the file, at most 16M. It only reserves address space; pages are touched as orders
 * arrive. The customer table is sized from the whole file: in a time-ordered file every
 * worker meets nearly every customer, and a table sized from its share alone is rehashed
 * once more while full. */
static void orders_init(load_worker *b) {
  orders_worker *w = (orders_worker *)b;
  w->last_order = PATRON__NO_INDEX;
  w->max_time = INT64_MIN;
  w->min_time = INT64_MAX;
  const patron__scan *scan = &b->file->scan;
  uint64_t all = (scan->size - scan->data_start) / 48;
  uint64_t n = all / (uint64_t)b->n_workers;
  n = n > (16u << 20) ? (16u << 20) : n;
  all = all > (16u << 20) ? (16u << 20) : all;
  patron__order_set_hint(&w->orders, (size_t)n);
  patron__intern_hint(&b->customers, (size_t)all / 16); /* customers: a guess, grows if short */
  w->lines.absent = absent_line_columns(b->file);
  if (b->file->opts->keep_lines)
    patron__line_store_hint(&w->lines, (size_t)n);
}

static void orders_free_data(load_worker *b) {
  orders_worker *w = (orders_worker *)b;
  patron__order_set_free(&w->orders);
  patron__line_store_free(&w->lines);
}

/* The fixed layout's fast path first (its date's day reused while it repeats), then the
 * previous row's text, then the general parser. */
static bool parse_time_cached(orders_worker *w, const patron__csv_field *v, int64_t *out) {
  if (!w->base.file->opts->date_format &&
      patron__parse_time_fixed(v->ptr, v->len, &w->date_cache, out))
    return true;
  if (v->len == w->last_time_len && v->len && memcmp(v->ptr, w->last_time_text, v->len) == 0) {
    *out = w->last_time;
    return true;
  }
  if (!patron__parse_time_field(w->base.file, v, out))
    return false;
  if (v->len <= sizeof w->last_time_text) {
    memcpy(w->last_time_text, v->ptr, v->len);
    w->last_time_len = v->len;
    w->last_time = *out;
  }
  return true;
}

/* amount, or quantity x unit_price; returns the column at fault or -1. */
static bool has_amounts(const load_file *f) {
  return f->field[O_AMOUNT] >= 0 || (f->field[O_QUANTITY] >= 0 && f->field[O_UNIT_PRICE] >= 0);
}

static int parse_amount(const load_file *f, const patron__csv_field *fl, patron_money *out) {
  if (!has_amounts(f)) { /* amount_optional */
    *out = 0;
    return -1;
  }
  if (f->field[O_AMOUNT] >= 0) {
    const patron__csv_field *a = &fl[f->field[O_AMOUNT]];
    return patron_parse_money(a->ptr, a->len, out) == PATRON_OK ? -1 : O_AMOUNT;
  }
  /* quantity with 4 decimals, unit price with 8: the product is rounded once, to 4 */
  int64_t q, p;
  const patron__csv_field *qf = &fl[f->field[O_QUANTITY]], *pf = &fl[f->field[O_UNIT_PRICE]];
  if (patron__parse_decimal(qf->ptr, qf->len, 4, &q) != PATRON_OK)
    return O_QUANTITY;
  if (patron__parse_decimal(pf->ptr, pf->len, 8, &p) != PATRON_OK)
    return O_UNIT_PRICE;
  const __int128 scale = 100000000, half = scale / 2;
  __int128 prod = (__int128)q * p;
  prod = prod < 0 ? (prod - half) / scale : (prod + half) / scale;
  if (prod > (__int128)INT64_MAX / 1024 || prod < -(__int128)INT64_MAX / 1024)
    return O_AMOUNT;
  *out = (patron_money)prod;
  return -1;
}

/* Adds the row to its order and returns the order's index: the previous row's when it
 * continues it (rows of one order are usually adjacent), else a new candidate (candidates
 * sharing an id are merged once grouped per customer: patron__order_set_collapse).
 * PATRON__NO_INDEX when memory runs out. */
static uint32_t add_to_order(orders_worker *w, uint32_t customer, const patron__csv_field *id,
                             int64_t t, patron_money amount) {
  order_set *s = &w->orders;
  uint32_t last = w->last_order;
  if (id && last != PATRON__NO_INDEX && patron__order_set_is(s, last, customer, id->ptr, id->len))
    return patron__order_set_add_line(s, last, t, amount) ? last : PATRON__NO_INDEX;
  return w->last_order =
             patron__order_set_add(s, customer, id ? id->ptr : NULL, id ? id->len : 0, t, amount);
}

/* The worker's code of a line attribute's value, through its slot in code_cache[k] (a
 * value longer than the slot's text, or one whose slot holds another, is looked up in the
 * dictionary and takes the slot). */
static uint32_t cached_code(orders_worker *w, int k, const patron__csv_field *v) {
  size_t len = v->len;
  if (!len || len > CODE_TEXT)
    return patron__worker_code(&w->base, line_dicts[k], v);
  const unsigned char *u = (const unsigned char *)v->ptr;
  code_slot *s = &w->code_cache[k][(len + u[0] + 3u * u[len - 1]) % CODE_SLOTS];
  if (s->len == len && memcmp(s->text, v->ptr, len) == 0)
    return s->code;
  uint32_t code = patron__worker_code(&w->base, line_dicts[k], v);
  if (!w->base.oom) {
    s->len = (uint32_t)len, s->code = code;
    memcpy(s->text, v->ptr, len);
  }
  return code;
}

/* The row's line attributes as this worker's dictionary codes (0 for absent columns);
 * false when memory runs out. */
static bool line_codes(orders_worker *w, const patron__csv_record *rec,
                       uint32_t codes[N_LINE_CODES]) {
  for (int k = 0; k < N_LINE_CODES; k++) {
    int i = w->base.file->field[line_columns[k]];
    codes[k] = i < 0 ? 0 : cached_code(w, k, &rec->fields[i]);
  }
  return !w->base.oom;
}

static bool keep_line(orders_worker *w, uint32_t customer, uint32_t order, int64_t t,
                      patron_money amount, patron_money discount,
                      const uint32_t codes[N_LINE_CODES]) {
  if (!patron__line_store_push(&w->lines, customer, order, t, amount, discount, codes))
    return w->base.oom = true, false;
  return true;
}

/* Adds a row to its customer's order (a new one unless it continues the previous row's);
 * false when memory runs out. */
static bool add_row(orders_worker *w, const patron__csv_field *cid, uint32_t tag,
                    const patron__csv_field *oid, int64_t t, patron_money amount, uint32_t *c_out,
                    uint32_t *o_out) {
  uint32_t c = patron__worker_customer_tagged(&w->base, cid, tag);
  uint32_t o = c == PATRON__NO_INDEX ? c : add_to_order(w, c, oid, t, amount);
  if (o == PATRON__NO_INDEX)
    return w->base.oom = true, false;
  *c_out = c, *o_out = o;
  return true;
}

/* Adds the oldest deferred row. */
static bool add_pending(orders_worker *w) {
  pending_row *p = &w->ring[w->ring_head];
  w->ring_head = (w->ring_head + 1) % PENDING_ROWS;
  w->ring_n--;
  patron__csv_field cid = {p->cid, p->clen}, oid = {p->oid, p->olen};
  uint64_t line = w->base.line; /* messages about a new id name the row it came from */
  w->base.line = p->line;
  uint32_t c, o;
  bool ok = add_row(w, &cid, p->tag, p->has_oid ? &oid : NULL, p->t, p->amount, &c, &o);
  w->base.line = line;
  return ok && (!w->base.file->opts->keep_lines ||
                keep_line(w, c, o, p->t, p->amount, p->discount, p->codes));
}

/* Adds every deferred row, in file order. */
static bool drain(orders_worker *w) {
  while (w->ring_n)
    if (!add_pending(w))
      return false;
  return true;
}

/* Copies an id of at most PENDING_ID bytes with fixed-size, overlapping moves (a memcpy
 * of a variable length is a call, and two per row showed in profiles). */
static void copy_id(char *dst, const char *src, size_t len) {
  if (len >= 16) {
    memcpy(dst, src, 16);
    memcpy(dst + len - 16, src + len - 16, 16);
  } else if (len >= 8) {
    memcpy(dst, src, 8);
    memcpy(dst + len - 8, src + len - 8, 8);
  } else if (len >= 4) {
    memcpy(dst, src, 4);
    memcpy(dst + len - 4, src + len - 4, 4);
  } else if (len) {
    dst[0] = src[0], dst[len / 2] = src[len / 2], dst[len - 1] = src[len - 1];
  }
}

/* Defers a row by PENDING_ROWS rows after starting to load its customer's table slot: the
 * table is far larger than the caches, and a row's lookup then finds its slot loaded
 * instead of waiting for memory (rows are added in file order all the same). */
static bool defer_row(orders_worker *w, const patron__csv_record *rec, const patron__csv_field *cid,
                      const patron__csv_field *oid, int64_t t, patron_money amount,
                      patron_money discount, uint64_t line) {
  if (w->ring_n == PENDING_ROWS && !add_pending(w))
    return false;
  pending_row *p = &w->ring[(w->ring_head + w->ring_n) % PENDING_ROWS];
  if (w->base.file->opts->keep_lines && !line_codes(w, rec, p->codes))
    return false;
  w->ring_n++;
  p->discount = discount;
  p->tag = patron__intern_tag(0, cid->ptr, cid->len);
  patron__intern_prefetch_tag(&w->base.customers, p->tag);
  p->t = t, p->amount = amount, p->line = line;
  p->clen = (uint32_t)cid->len;
  copy_id(p->cid, cid->ptr, cid->len);
  p->has_oid = oid != NULL;
  p->olen = oid ? (uint32_t)oid->len : 0;
  if (oid)
    copy_id(p->oid, oid->ptr, oid->len);
  return true;
}

static bool orders_row(void *ctx, const patron__csv_record *rec, uint64_t line) {
  orders_worker *w = ctx;
  load_worker *b = &w->base;
  const load_file *f = b->file;
  bool go;
  if (!patron__worker_row_ok(b, rec, line, &go))
    return go;
  const patron__csv_field *fl = rec->fields;
  const patron__csv_field *cid = &fl[f->field[O_CUSTOMER]];
  if (!cid->len)
    return patron__worker_reject(b, rec, line, O_CUSTOMER, PATRON_REJECT_EMPTY_CUSTOMER_ID);
  bool per_row = f->opts->order_per_row;
  const patron__csv_field *oid = per_row ? NULL : &fl[f->field[O_ORDER]];
  if (oid && !oid->len)
    return patron__worker_reject(b, rec, line, O_ORDER, PATRON_REJECT_EMPTY_ORDER_ID);
  int64_t t;
  if (!parse_time_cached(w, &fl[f->field[O_TIME]], &t))
    return patron__worker_reject(b, rec, line, O_TIME, PATRON_REJECT_BAD_DATE);
  if (!patron__time_plausible(t))
    return patron__worker_reject(b, rec, line, O_TIME, PATRON_REJECT_DATE_OUT_OF_RANGE);
  patron_money amount, discount = 0;
  int bad = parse_amount(f, fl, &amount);
  if (bad >= 0)
    return patron__worker_reject(b, rec, line, bad, PATRON_REJECT_BAD_NUMBER);
  const patron__csv_field *disc = f->field[O_DISCOUNT] >= 0 ? &fl[f->field[O_DISCOUNT]] : NULL;
  if (disc && disc->len && patron_parse_money(disc->ptr, disc->len, &discount) != PATRON_OK)
    return patron__worker_reject(b, rec, line, O_DISCOUNT, PATRON_REJECT_BAD_NUMBER);
  b->rows_used++;
  if (t >= f->as_of_seconds) {
    b->after_as_of++;
    return true;
  }
  if (t < f->since_seconds) { /* kept out, but still the data's time span */
    b->before_since++;
    w->max_time = t > w->max_time ? t : w->max_time;
    w->min_time = t < w->min_time ? t : w->min_time;
    return true;
  }
  w->abs_total += (unsigned __int128)(amount < 0 ? -(__int128)amount : amount);
  if (t > w->max_time)
    w->max_time = t;
  if (t < w->min_time)
    w->min_time = t;
  if (cid->len <= PENDING_ID && (!oid || oid->len <= PENDING_ID))
    return defer_row(w, rec, cid, oid, t, amount, discount, line);
  uint32_t c, o, codes[N_LINE_CODES];
  bool lines = f->opts->keep_lines;
  return drain(w) && (!lines || line_codes(w, rec, codes)) &&
         add_row(w, cid, patron__intern_tag(0, cid->ptr, cid->len), oid, t, amount, &c, &o) &&
         (!lines || keep_line(w, c, o, t, amount, discount, codes));
}

/* The first worker's tables become the dataset's as they are (nothing merged yet). */
static void adopt_first(patron_dataset *ds, orders_worker *w) {
  ds->customers = w->base.customers;
  memset(&w->base.customers, 0, sizeof w->base.customers);
  ds->orders = w->orders;
  memset(&w->orders, 0, sizeof w->orders);
}

/* Appends one worker's order candidates to the dataset's (after the workers before it, so
 * load order is file order): the worker's order o becomes the dataset's *base + o. */
static patron_status merge_orders(patron_dataset *ds, orders_worker *w, const uint32_t *remap,
                                  size_t *base, patron_error *err) {
  *base = ds->orders.n;
  int n_threads = w->base.file->opts->n_threads;
  return patron__order_set_concat(&ds->orders, &w->orders, remap, n_threads) ? PATRON_OK
                                                                             : PATRON__OOM(err);
}

/* True when every code map of a worker's line dictionaries is the identity (the first
 * worker's, when no other file filled those dictionaries before). */
static bool same_codes(const orders_worker *w, uint32_t *const codes[N_LINE_CODES]) {
  for (int k = 0; k < N_LINE_CODES; k++)
    for (size_t i = 0; i < w->base.dicts[line_dicts[k]].n; i++)
      if (codes[k][i] != i)
        return false;
  return true;
}

/* A worker's lines appended to the dataset's at dst->n - src->n on: customers translated
 * (remap NULL: already the dataset's), orders moved by order_base, dictionary codes
 * translated too. */
typedef struct line_copy {
  patron__line_store *dst;
  const patron__line_store *src;
  size_t base, order_base;
  const uint32_t *remap;
  uint32_t *const *codes;
} line_copy;

static void copy_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const line_copy *k = ctx;
  const patron__line_store *src = k->src;
  patron__line_store *dst = k->dst;
  unsigned absent = src->absent;
  const uint32_t *from[N_LINE_CODES] = {src->category, src->brand, src->channel, src->store,
                                        src->item};
  uint32_t *to[N_LINE_CODES] = {dst->category, dst->brand, dst->channel, dst->store, dst->item};
  for (size_t i = lo, d = k->base + lo; i < hi; i++, d++) {
    dst->customer[d] = k->remap ? k->remap[src->customer[i]] : src->customer[i];
    if (!(absent & PATRON__LINE_ORDER))
      dst->order[d] = (uint32_t)(src->order[i] + k->order_base);
    if (!(absent & PATRON__LINE_TIME))
      dst->time[d] = src->time[i];
    if (!(absent & PATRON__LINE_AMOUNT))
      dst->amount[d] = src->amount[i];
    if (!(absent & PATRON__LINE_DISCOUNT))
      dst->discount[d] = src->discount[i];
    for (int c = 0; c < N_LINE_CODES; c++)
      if (!(absent & (1u << c)))
        to[c][d] = k->codes[c][from[c][i]];
  }
}

enum { COPY_BLOCK = 1 << 16 };

/* Appends a worker's kept lines, in blocks on the executor (each line has its place). */
static patron_status copy_lines(patron_dataset *ds, const orders_worker *w, const uint32_t *remap,
                                size_t order_base, uint32_t *const codes[N_LINE_CODES],
                                int n_threads, patron_error *err) {
  const patron__line_store *src = &w->lines;
  size_t base = ds->lines.n;
  if (!base)
    ds->lines.absent = src->absent;
  if (!patron__line_store_resize(&ds->lines, base + src->n))
    return PATRON__OOM(err);
  line_copy k = {&ds->lines, src, base, order_base, remap, codes};
  patron__exec_ranges(n_threads, src->n, COPY_BLOCK, copy_block, &k);
  return PATRON_OK;
}

/* Moves a worker's kept lines into the dataset: the first worker's store is adopted as it
 * is when nothing needs translating, the others' lines are copied. */
static patron_status merge_lines(patron_dataset *ds, orders_worker *w, const uint32_t *remap,
                                 size_t order_base, int n_threads, patron_error *err) {
  uint32_t *codes[N_LINE_CODES] = {NULL};
  patron_status st = PATRON_OK;
  for (int k = 0; k < N_LINE_CODES && st == PATRON_OK; k++)
    st = patron__merge_dict(ds, &w->base, line_dicts[k], &codes[k], err);
  if (st == PATRON_OK && !remap && !order_base && !ds->lines.cap && same_codes(w, codes)) {
    ds->lines = w->lines;
    memset(&w->lines, 0, sizeof w->lines);
  } else if (st == PATRON_OK)
    st = copy_lines(ds, w, remap, order_base, codes, n_threads, err);
  for (int k = 0; k < N_LINE_CODES; k++)
    free(codes[k]);
  return st;
}

/* Merges worker i (the first one is adopted as it is). */
static patron_status merge_worker(patron_dataset *ds, const load_file *f, orders_worker *w,
                                  bool first, patron_error *err) {
  uint32_t *remap = NULL;
  size_t known = ds->customers.n, order_base = 0;
  patron_status st = PATRON_OK;
  if (first && known == 0)
    adopt_first(ds, w);
  else if ((st = patron__merge_customers(ds, &w->base, &remap, err)) == PATRON_OK) {
    patron__intern_free(&w->base.customers); /* remapped: free it before the orders grow */
    st = merge_orders(ds, w, remap, &order_base, err);
  }
  if (st == PATRON_OK && f->opts->keep_lines)
    st = merge_lines(ds, w, remap, order_base, f->opts->n_threads, err);
  free(remap);
  return st;
}

static patron_status check_columns(const load_file *f, patron_error *err) {
  patron_status st = patron__load_require(f, O_CUSTOMER, NULL, err);
  if (st == PATRON_OK && !f->opts->order_per_row)
    st = patron__load_require(f, O_ORDER, " (or --order-per-row when each row is one order)", err);
  if (st == PATRON_OK)
    st = patron__load_require(f, O_TIME, NULL, err);
  if (st == PATRON_OK && !has_amounts(f) && !f->opts->amount_optional)
    st = patron__error_set(err, PATRON_ERR_INPUT, f->path, f->opts->no_header ? 0 : 1, 0,
                           "the orders file needs an 'amount' column, or both 'quantity' and "
                           "'unit_price'; map them with --map amount=HEADER");
  return st;
}

/* Every money sum stays exact: the absolute amounts must add up within int64. */
static patron_status check_money_range(const load_file *f, load_worker **b, int n,
                                       patron_error *err) {
  unsigned __int128 total = 0;
  for (int i = 0; i < n; i++)
    total += ((orders_worker *)b[i])->abs_total;
  if (total <= (unsigned __int128)INT64_MAX)
    return PATRON_OK;
  return patron__error_set(err, PATRON_ERR_INPUT, f->path, 0, 0,
                           "the amounts add up to more than 922,337,203,685,477.5807 in absolute "
                           "value, past the range of exact money sums; check the amount column "
                           "(a misplaced decimal separator, or ids read as amounts?)");
}

/* Orders spanning more than 50 years are most likely a stray date: say so. */
static void warn_span(const load_file *f, load_worker **b, int n) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < n; i++) {
    const orders_worker *w = (const orders_worker *)b[i];
    lo = w->min_time < lo ? w->min_time : lo;
    hi = w->max_time > hi ? w->max_time : hi;
  }
  if (hi == INT64_MIN || hi - lo <= (int64_t)50 * 36525 * 864)
    return;
  char first[11], last[11];
  patron_format_day(patron_day_of_time(lo), first);
  patron_format_day(patron_day_of_time(hi), last);
  patron__load_warn(f,
                    "%s: the orders span %s to %s (%lld years): check for stray dates, the "
                    "default as-of is the day after the latest order",
                    f->path, first, last, (long long)((hi - lo) / (36525LL * 864)));
}

static patron_status merge_all(patron_dataset *ds, load_file *f, load_worker **b, int n,
                               patron_error *err) {
  for (int i = 0; i < n; i++)
    if (!drain((orders_worker *)b[i]))
      return PATRON__OOM(err);
  patron_status st = check_money_range(f, b, n, err);
  warn_span(f, b, n);
  for (int i = 0; i < n && st == PATRON_OK; i++) {
    orders_worker *w = (orders_worker *)b[i];
    if (w->max_time > ds->max_order_time)
      ds->max_order_time = w->max_time;
    st = merge_worker(ds, f, w, i == 0, err);
    orders_free_data(b[i]); /* early: keeps the memory peak near one copy of the orders */
  }
  ds->has_lines = st == PATRON_OK && f->opts->keep_lines;
  ds->no_amounts = !has_amounts(f);
  return st;
}

static const load_kind orders_kind = {
    .kind = PATRON_FILE_ORDERS,
    .stage = "reading orders",
    .worker_size = sizeof(orders_worker),
    .check = check_columns,
    .init = orders_init,
    .free_data = orders_free_data,
    .row = orders_row,
    .merge = merge_all,
};

patron_status patron__load_orders(patron_dataset *ds, const patron_load_options *opts,
                                  patron_error *err) {
  return patron__load_file(ds, opts, &orders_kind, err);
}
