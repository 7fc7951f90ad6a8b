/* Baskets and view-days for the recommender (SPEC section 18): a basket is a purchase's
 * (order with value > 0, before as-of) distinct values at the level; a view-day is a
 * customer's distinct viewed values on one calendar day within the view window. Built per
 * block of customers on all cores (the core executor) and concatenated in customer order.
 * Also the small helpers: counting maps, set lists. */
#include "models/recommend/reco_int.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- counting map */

static size_t slot_of(uint64_t key, size_t cap) {
  key ^= key >> 31;
  key *= 0x9e3779b97f4a7c15ull;
  key ^= key >> 29;
  return (size_t)key & (cap - 1);
}

static bool map_grow(reco_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 1024;
  uint64_t *keys = calloc(cap, sizeof *keys);
  uint32_t *vals = malloc(cap * sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i])
      continue;
    size_t s = slot_of(m->keys[i], cap);
    while (keys[s])
      s = (s + 1) & (cap - 1);
    keys[s] = m->keys[i];
    vals[s] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return true;
}

bool patron__reco_map_add(reco_map *m, uint64_t key, uint32_t by) {
  if ((m->n + 1) * 2 > m->cap && !map_grow(m))
    return false;
  size_t s = slot_of(key, m->cap);
  while (m->keys[s] && m->keys[s] != key)
    s = (s + 1) & (m->cap - 1);
  if (!m->keys[s]) {
    m->keys[s] = key;
    m->vals[s] = 0;
    m->n++;
  }
  m->vals[s] += by;
  return true;
}

void patron__reco_map_free(reco_map *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- set lists */

bool patron__reco_sets_push(reco_sets *s, int32_t day, const uint32_t *vals, size_t n) {
  if (!s->start) {
    s->start = malloc(sizeof *s->start);
    if (!s->start)
      return false;
    s->start[0] = 0;
  }
  size_t old = s->cap;
  if (!patron__reserve((void **)&s->day, &s->cap, s->n + 1, sizeof *s->day))
    return false;
  if (s->cap != old || s->n == 0) {
    uint32_t *start = realloc(s->start, (s->cap + 1) * sizeof *start);
    if (!start)
      return false;
    s->start = start;
  }
  if (!patron__reserve((void **)&s->vals, &s->cap_vals, s->n_vals + n, sizeof *s->vals))
    return false;
  if (n)
    memcpy(s->vals + s->n_vals, vals, n * sizeof *vals);
  s->n_vals += n;
  s->day[s->n++] = day;
  s->start[s->n] = (uint32_t)s->n_vals;
  return true;
}

bool patron__reco_sets_append(reco_sets *dst, const reco_sets *src) {
  if (!src->n)
    return true;
  size_t old = dst->cap;
  if (!patron__reserve((void **)&dst->day, &dst->cap, dst->n + src->n, sizeof *dst->day))
    return false;
  if (dst->cap != old || !dst->start) {
    uint32_t *start = realloc(dst->start, (dst->cap + 1) * sizeof *start);
    if (!start)
      return false;
    if (!dst->start)
      start[0] = 0;
    dst->start = start;
  }
  if (!patron__reserve((void **)&dst->vals, &dst->cap_vals, dst->n_vals + src->n_vals,
                       sizeof *dst->vals))
    return false;
  if (src->n_vals)
    memcpy(dst->vals + dst->n_vals, src->vals, src->n_vals * sizeof *src->vals);
  memcpy(dst->day + dst->n, src->day, src->n * sizeof *src->day);
  for (size_t i = 1; i <= src->n; i++)
    dst->start[dst->n + i] = (uint32_t)(dst->n_vals + src->start[i]);
  dst->n += src->n;
  dst->n_vals += src->n_vals;
  return true;
}

void patron__reco_sets_free(reco_sets *s) {
  free(s->start);
  free(s->vals);
  free(s->day);
  memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- building the sets */

enum { CUSTOMER_BLOCK = 4096 };

typedef struct build_job {
  patron_recommender *m;
  patron_orders_view ov;
  patron_lines_view lv;
  patron_events_view ev;
  const uint32_t *line_code;  /* per line: the value's code at the level */
  const uint32_t *event_code; /* per event code of the item/category -> value code */
  uint32_t view_type;         /* code of "view", RECO_NONE when absent */
  int64_t end_t, view_from_t;
  reco_sets *blocks, *vblocks; /* per block */
  uint32_t *bcount, *vcount;   /* per customer: baskets, view-days */
  bool failed;
} build_job;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Ascending: an insertion sort for a customer's few keys, else qsort. */
static void sort_u64(uint64_t *v, size_t n) {
  if (n > 32) {
    qsort(v, n, sizeof *v, cmp_u64);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    uint64_t x = v[i];
    size_t k = i;
    for (; k > 0 && v[k - 1] > x; k--)
      v[k] = v[k - 1];
    v[k] = x;
  }
}

/* Sorts (group << 32 | code) keys ascending. A customer's rows usually come in time order,
 * so the groups already ascend: then each group is sorted on its own. */
static void sort_keys(uint64_t *v, size_t n) {
  size_t i = 1;
  while (i < n && v[i - 1] >> 32 <= v[i] >> 32)
    i++;
  if (i < n) {
    sort_u64(v, n);
    return;
  }
  for (size_t lo = 0, hi; lo < n; lo = hi) {
    for (hi = lo + 1; hi < n && v[hi] >> 32 == v[lo] >> 32;)
      hi++;
    sort_u64(v + lo, hi - lo);
  }
}

/* Sorts (group << 32 | code) pairs and pushes each group's distinct codes as one set. */
static bool push_groups(reco_sets *out, uint64_t *pairs, size_t n, const int32_t *group_day,
                        uint32_t *tmp, uint32_t *count) {
  sort_keys(pairs, n);
  size_t i = 0;
  while (i < n) {
    uint32_t g = (uint32_t)(pairs[i] >> 32);
    size_t k = 0;
    for (; i < n && (uint32_t)(pairs[i] >> 32) == g; i++)
      if (k == 0 || tmp[k - 1] != (uint32_t)pairs[i])
        tmp[k++] = (uint32_t)pairs[i];
    if (!patron__reco_sets_push(out, group_day[g], tmp, k))
      return false;
    (*count)++;
  }
  return true;
}

typedef struct build_scratch {
  uint64_t *pairs;
  uint32_t *tmp;
  int32_t *day;
  size_t cap;
} build_scratch;

static bool scratch_room(build_scratch *s, size_t n) {
  if (n <= s->cap)
    return true;
  size_t cap = s->cap ? s->cap : 256;
  while (cap < n)
    cap *= 2;
  uint64_t *p = realloc(s->pairs, cap * sizeof *p);
  if (p)
    s->pairs = p;
  uint32_t *t = realloc(s->tmp, cap * sizeof *t);
  if (t)
    s->tmp = t;
  int32_t *d = realloc(s->day, cap * sizeof *d);
  if (d)
    s->day = d;
  if (!p || !t || !d)
    return false;
  s->cap = cap;
  return true;
}

/* Customer c's baskets: lines of purchases before as-of with a value, grouped by order. */
static bool customer_baskets(build_job *j, build_scratch *s, uint32_t c, reco_sets *out) {
  uint32_t lo = j->lv.start[c], hi = j->lv.start[c + 1], first = j->ov.start[c];
  uint32_t n_orders = j->ov.start[c + 1] - first;
  if (!scratch_room(s, (hi - lo) + n_orders + 1))
    return false;
  size_t n = 0;
  for (uint32_t i = lo; i < hi; i++) {
    uint32_t o = j->lv.order[i], v = j->line_code[i];
    if (!v || j->ov.value[o] <= 0 || j->ov.time[o] >= j->end_t)
      continue;
    s->pairs[n++] = (uint64_t)(o - first) << 32 | v;
  }
  for (uint32_t o = 0; o < n_orders; o++)
    s->day[o] = patron__reco_day(j->ov.time[first + o]);
  return push_groups(out, s->pairs, n, s->day, s->tmp, &j->bcount[c]);
}

/* Customer c's view-days in [view_from, end). Groups are days since view_from. */
static bool customer_views(build_job *j, build_scratch *s, uint32_t c, reco_sets *out) {
  if (!j->ev.start || j->view_type == RECO_NONE)
    return true;
  uint32_t lo = j->ev.start[c], hi = j->ev.start[c + 1];
  size_t room = hi - lo + 1, days = (size_t)j->m->o.view_days + 2;
  if (!scratch_room(s, room > days ? room : days))
    return false;
  size_t n = 0;
  int32_t base = patron__reco_day(j->view_from_t);
  for (uint32_t i = lo; i < hi; i++) {
    int64_t t = j->ev.time[i];
    uint32_t v = j->event_code[i];
    if (j->ev.type[i] != j->view_type || !v || t < j->view_from_t || t >= j->end_t)
      continue;
    uint32_t g = (uint32_t)(patron__reco_day(t) - base);
    s->day[g] = base + (int32_t)g;
    s->pairs[n++] = (uint64_t)g << 32 | v;
  }
  return push_groups(out, s->pairs, n, s->day, s->tmp, &j->vcount[c]);
}

static void build_range(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  build_job *j = ctx;
  size_t b = lo / CUSTOMER_BLOCK;
  build_scratch s = {0};
  bool ok = true;
  for (size_t c = lo; c < hi && ok; c++)
    ok = customer_baskets(j, &s, (uint32_t)c, &j->blocks[b]) &&
         customer_views(j, &s, (uint32_t)c, &j->vblocks[b]);
  free(s.pairs);
  free(s.tmp);
  free(s.day);
  if (!ok)
    j->failed = true; /* a benign race: every writer stores true */
}

/* The value code of each line at the level: the lines' own column. */
static const uint32_t *line_codes(const patron_recommender *m, const patron_lines_view *lv) {
  return m->o.level == PATRON_RECO_ITEM       ? lv->item
         : m->o.level == PATRON_RECO_CATEGORY ? lv->category
                                              : lv->brand;
}

/* The brand of each event's item (an item's brand: its first line's); malloc'ed. */
static uint32_t *event_brands(const patron_recommender *m, const patron_lines_view *lv,
                              const patron_events_view *ev) {
  uint32_t *codes = calloc(ev->n_events ? ev->n_events : 1, sizeof *codes);
  size_t n_items = patron_dataset_dict_size(m->ds, "item");
  uint32_t *brand = calloc(n_items ? n_items : 1, sizeof *brand);
  if (!codes || !brand)
    return free(codes), free(brand), NULL;
  for (size_t i = 0; i < lv->n_lines; i++)
    if (lv->item[i] && !brand[lv->item[i]])
      brand[lv->item[i]] = lv->brand[i];
  for (size_t i = 0; i < ev->n_events; i++)
    codes[i] = brand[ev->item[i]];
  free(brand);
  return codes;
}

static uint32_t view_code(const patron_dataset *ds) {
  size_t n = patron_dataset_dict_size(ds, "event_type");
  for (uint32_t k = 1; k < n; k++)
    if (strcmp(patron_dataset_dict_value(ds, "event_type", k), "view") == 0)
      return k;
  return RECO_NONE;
}

/* Concatenates the blocks and turns per-customer counts into offsets. */
static bool gather(patron_recommender *m, build_job *j, size_t n_blocks) {
  bool ok = true;
  for (size_t b = 0; b < n_blocks; b++) {
    ok = ok && patron__reco_sets_append(&m->baskets, &j->blocks[b]) &&
         patron__reco_sets_append(&m->views, &j->vblocks[b]);
    patron__reco_sets_free(&j->blocks[b]);
    patron__reco_sets_free(&j->vblocks[b]);
  }
  uint32_t bs = 0, vs = 0;
  for (size_t c = 0; c < m->n_customers && ok; c++) {
    uint32_t nb = j->bcount[c], nv = j->vcount[c];
    m->bstart[c] = bs, m->vstart[c] = vs;
    bs += nb, vs += nv;
  }
  m->bstart[m->n_customers] = bs, m->vstart[m->n_customers] = vs;
  if (ok && !m->baskets.start)
    ok = (m->baskets.start = calloc(1, sizeof *m->baskets.start)) != NULL;
  if (ok && !m->views.start)
    ok = (m->views.start = calloc(1, sizeof *m->views.start)) != NULL;
  return ok;
}

patron_status patron__reco_build_sets(patron_recommender *m, patron_error *err) {
  build_job j = {.m = m};
  patron_dataset_orders(m->ds, &j.ov);
  patron_dataset_lines(m->ds, &j.lv);
  bool events = patron_dataset_has_events(m->ds);
  if (events)
    patron_dataset_events(m->ds, &j.ev);
  j.view_type = events ? view_code(m->ds) : RECO_NONE;
  j.end_t = (int64_t)m->as_of * 86400;
  j.view_from_t = j.end_t - (int64_t)m->o.view_days * 86400;
  size_t n_blocks = (m->n_customers + CUSTOMER_BLOCK - 1) / CUSTOMER_BLOCK;
  uint32_t *brands =
      events && m->o.level == PATRON_RECO_BRAND ? event_brands(m, &j.lv, &j.ev) : NULL;
  j.line_code = line_codes(m, &j.lv);
  j.event_code = !events                              ? NULL
                 : m->o.level == PATRON_RECO_ITEM     ? j.ev.item
                 : m->o.level == PATRON_RECO_CATEGORY ? j.ev.category
                                                      : brands;
  j.blocks = calloc(n_blocks + 1, sizeof *j.blocks);
  j.vblocks = calloc(n_blocks + 1, sizeof *j.vblocks);
  j.bcount = calloc(m->n_customers + 1, sizeof *j.bcount);
  j.vcount = calloc(m->n_customers + 1, sizeof *j.vcount);
  m->bstart = malloc((m->n_customers + 1) * sizeof *m->bstart);
  m->vstart = malloc((m->n_customers + 1) * sizeof *m->vstart);
  bool ok = (j.event_code || !events) && j.blocks && j.vblocks && j.bcount && j.vcount &&
            m->bstart && m->vstart;
  if (ok)
    patron__exec_ranges(m->threads, m->n_customers, CUSTOMER_BLOCK, build_range, &j);
  ok = ok && !j.failed && gather(m, &j, n_blocks);
  for (size_t b = 0; !ok && j.blocks && j.vblocks && b < n_blocks; b++) {
    patron__reco_sets_free(&j.blocks[b]);
    patron__reco_sets_free(&j.vblocks[b]);
  }
  free(brands), free(j.blocks), free(j.vblocks), free(j.bcount), free(j.vcount);
  return ok ? PATRON_OK : PATRON__OOM(err);
}
