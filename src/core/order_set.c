/* Order candidates appended while loading, collapsed per customer afterwards (see
 * order_set.h). */
#include "core/order_set.h"
#include "core/exec.h"

#include <stdlib.h>
#include <string.h>

static bool grow_u32(uint32_t **a, size_t cap) {
  uint32_t *p = patron__realloc_big(*a, cap * sizeof *p);
  if (p)
    *a = p;
  return p != NULL;
}

static bool grow_64(void *a, size_t cap) {
  void **pa = a;
  void *p = patron__realloc_big(*pa, cap * 8);
  if (p)
    *pa = p;
  return p != NULL;
}

/* The time column's base: 2000-01-01 00:00:00 (narrow times cover 1931-12-13 to 2068-01-19). */
enum { TIME_BASE = 946684800 };

static size_t col_size(const order_col *c) { return c->wide ? 8 : 4; }

static bool grow_col(order_col *c, size_t cap) {
  void *p = patron__realloc_big(c->data, cap * col_size(c));
  if (p)
    c->data = p;
  return p != NULL;
}

/* Widens a narrow column to 64 bits in place: its n values, room for cap. */
static bool widen(order_col *c, size_t n, size_t cap) {
  int64_t *w = patron__realloc_big(c->data, (cap ? cap : 1) * sizeof *w);
  if (!w)
    return false;
  const int32_t *v = (const int32_t *)(void *)w;
  for (size_t i = n; i-- > 0;) /* backwards: value i is read before its bytes are written */
    w[i] = c->base + v[i];
  c->data = w;
  c->wide = true;
  return true;
}

/* Value i of a column of s (widened first when v does not fit); false when out of memory. */
static bool col_set(order_set *s, order_col *c, size_t i, int64_t v) {
  if (!c->wide && v >= c->base + INT32_MIN && v <= c->base + INT32_MAX) {
    ((int32_t *)c->data)[i] = (int32_t)(v - c->base);
    return true;
  }
  if (!c->wide && !widen(c, s->n, s->cap))
    return false;
  ((int64_t *)c->data)[i] = v;
  return true;
}

static void copy_cell(order_col *c, size_t to, size_t from) {
  if (c->wide)
    ((int64_t *)c->data)[to] = ((const int64_t *)c->data)[from];
  else
    ((int32_t *)c->data)[to] = ((const int32_t *)c->data)[from];
}

static bool reserve_orders(order_set *s, size_t need) {
  if (need <= s->cap)
    return true;
  size_t cap = s->cap ? s->cap * 2 : (s->first_cap ? s->first_cap : 4096);
  while (cap < need)
    cap *= 2;
  if (!s->cap)
    s->time.base = TIME_BASE, s->value.base = 0;
  if (!grow_64(&s->id_key, cap) || !grow_col(&s->time, cap) || !grow_col(&s->value, cap) ||
      !grow_u32(&s->customer, cap) || !grow_u32(&s->lines, cap))
    return false;
  uint8_t *tag = patron__realloc_big(s->id_tag, cap);
  if (!tag)
    return false;
  s->id_tag = tag;
  s->cap = cap;
  return true;
}

/* id_tag values: 1 + the length of an id kept in id_key (at most 8 bytes), or: */
enum { TAG_NONE = 0, TAG_LONG = 10 }; /* no id; id_key points at (uint32 length, bytes) */

static size_t id_len(const order_set *s, uint32_t o) {
  if (s->id_tag[o] != TAG_LONG)
    return (size_t)s->id_tag[o] - 1;
  uint32_t n;
  memcpy(&n, (const char *)(uintptr_t)s->id_key[o], sizeof n);
  return n;
}

/* The bytes of order o's id (which has one). */
static const char *id_bytes(const order_set *s, uint32_t o) {
  return s->id_tag[o] == TAG_LONG ? (const char *)(uintptr_t)s->id_key[o] + sizeof(uint32_t)
                                  : (const char *)&s->id_key[o];
}

/* Total order on ids: shorter first, then bytes (numeric order for plain numbers). */
static int cmp_ids(const char *a, size_t alen, const char *b, size_t blen) {
  if (alen != blen)
    return alen < blen ? -1 : 1;
  return memcmp(a, b, alen);
}

static bool same_ids(const order_set *s, uint32_t a, uint32_t b) {
  uint8_t tag = s->id_tag[a];
  if (tag != s->id_tag[b] || tag == TAG_NONE)
    return false;
  if (tag != TAG_LONG)
    return s->id_key[a] == s->id_key[b];
  size_t len = id_len(s, a);
  return len == id_len(s, b) && memcmp(id_bytes(s, a), id_bytes(s, b), len) == 0;
}

/* Whether order o's id comes before (id, len) in cmp_ids' order; key is id's id_key. Two
 * short ids compare as words with their first byte most significant (no memcmp call). */
static bool id_before(const order_set *s, uint32_t o, const char *id, size_t len, uint64_t key) {
  if (s->id_tag[o] == TAG_LONG || len > 8)
    return cmp_ids(id_bytes(s, o), id_len(s, o), id, len) < 0;
  size_t olen = (size_t)s->id_tag[o] - 1;
  if (olen != len)
    return olen < len;
  return __builtin_bswap64(s->id_key[o]) < __builtin_bswap64(key);
}

/* The id_key of a new id (a copy in the arena for a long one); false when memory runs out. */
static bool make_key(order_set *s, const char *id, size_t len, uint64_t *key) {
  *key = patron__short_key(id, len);
  if (len <= 8)
    return true;
  char small[256], *rec = len + 4 <= sizeof small ? small : malloc(len + 4);
  uint32_t n = (uint32_t)len;
  if (!rec)
    return false;
  memcpy(rec, &n, sizeof n);
  memcpy(rec + sizeof n, id, len);
  const char *copy = patron__arena_strdup(&s->ids, rec, len + sizeof n);
  if (rec != small)
    free(rec);
  *key = (uint64_t)(uintptr_t)copy;
  return copy != NULL;
}

uint32_t patron__order_set_add(order_set *s, uint32_t customer, const char *id, size_t len,
                               int64_t t, patron_money amount) {
  uint64_t key = 0;
  if (s->n >= UINT32_MAX - 1 || (id && len > UINT32_MAX - 8) || !reserve_orders(s, s->n + 1) ||
      (id && !make_key(s, id, len, &key)))
    return PATRON__NO_INDEX;
  uint32_t o = (uint32_t)s->n;
  if (!col_set(s, &s->time, o, t) || !col_set(s, &s->value, o, amount))
    return PATRON__NO_INDEX;
  if (o == 0)
    s->increasing = true;
  else if (!id || s->id_tag[o - 1] == TAG_NONE)
    s->increasing = false;
  else if (s->increasing)
    s->increasing = id_before(s, o - 1, id, len, key);
  s->n++;
  s->customer[o] = customer;
  s->id_tag[o] = !id ? TAG_NONE : len <= 8 ? (uint8_t)(len + 1) : TAG_LONG;
  s->id_key[o] = key;
  s->lines[o] = 1;
  return o;
}

bool patron__order_set_add_line(order_set *s, uint32_t o, int64_t t, patron_money amount) {
  s->lines[o]++;
  if (t < patron__order_col_get(&s->time, o) && !col_set(s, &s->time, o, t))
    return false;
  uint64_t sum = (uint64_t)patron__order_col_get(&s->value, o) + (uint64_t)amount;
  return col_set(s, &s->value, o, (patron_money)sum);
}

bool patron__order_set_is(const order_set *s, uint32_t o, uint32_t customer, const char *id,
                          size_t len) {
  if (s->customer[o] != customer)
    return false;
  if (len <= 8)
    return s->id_tag[o] == len + 1 && s->id_key[o] == patron__short_key(id, len);
  return s->id_tag[o] == TAG_LONG && id_len(s, o) == len && memcmp(id_bytes(s, o), id, len) == 0;
}

/* Copies n cells of `size` bytes (customers through remap when it is not NULL) from src
 * to dst in blocks on the executor: the fresh pages are faulted in by every thread. */
enum { CONCAT_BLOCK = 1 << 18 };

typedef struct col_copy {
  char *dst;
  const char *src;
  size_t size;
  const uint32_t *remap;
} col_copy;

static void copy_range(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const col_copy *c = ctx;
  if (!c->remap) {
    memcpy(c->dst + lo * c->size, c->src + lo * c->size, (hi - lo) * c->size);
    return;
  }
  uint32_t *d = (uint32_t *)(void *)c->dst;
  const uint32_t *s = (const uint32_t *)(const void *)c->src;
  for (size_t i = lo; i < hi; i++)
    d[i] = c->remap[s[i]];
}

static void copy_cells(int n_threads, void *dst, const void *src, size_t n, size_t size,
                       const uint32_t *remap) {
  col_copy c = {dst, src, size, remap};
  patron__exec_ranges(n_threads, n, CONCAT_BLOCK, copy_range, &c);
}

bool patron__order_set_concat(order_set *dst, order_set *src, const uint32_t *remap,
                              int n_threads) {
  if (!src->n)
    return true;
  if (!dst->n) {
    order_set keep = *src;
    if (remap)
      for (size_t o = 0; o < keep.n; o++)
        keep.customer[o] = remap[keep.customer[o]];
    patron__order_set_free(dst);
    *dst = keep;
    memset(src, 0, sizeof *src);
    return true;
  }
  size_t base = dst->n;
  order_col *cols[2][2] = {{&dst->time, &src->time}, {&dst->value, &src->value}};
  for (int k = 0; k < 2; k++) /* one width for both */
    if (cols[k][0]->wide != cols[k][1]->wide &&
        !(cols[k][0]->wide ? widen(cols[k][1], src->n, src->cap)
                           : widen(cols[k][0], dst->n, dst->cap)))
      return false;
  if (base + src->n >= UINT32_MAX - 1 || !reserve_orders(dst, base + src->n))
    return false;
  uint32_t a = (uint32_t)base - 1;
  bool boundary = dst->id_tag[a] != TAG_NONE && src->id_tag[0] != TAG_NONE &&
                  cmp_ids(id_bytes(dst, a), id_len(dst, a), id_bytes(src, 0), id_len(src, 0)) < 0;
  dst->increasing = dst->increasing && src->increasing && boundary;
  /* column by column, each source column freed once copied: the memory peak stays near
   * one copy of the orders plus one column */
  size_t n = src->n, tz = col_size(&src->time), vz = col_size(&src->value);
  copy_cells(n_threads, dst->customer + base, src->customer, n, sizeof *src->customer, remap);
  free(src->customer), src->customer = NULL;
  copy_cells(n_threads, dst->lines + base, src->lines, n, sizeof *src->lines, NULL);
  free(src->lines), src->lines = NULL;
  copy_cells(n_threads, dst->id_tag + base, src->id_tag, n, 1, NULL);
  free(src->id_tag), src->id_tag = NULL;
  copy_cells(n_threads, dst->id_key + base, src->id_key, n, sizeof *src->id_key, NULL);
  free(src->id_key), src->id_key = NULL;
  copy_cells(n_threads, (char *)dst->time.data + base * tz, src->time.data, n, tz, NULL);
  free(src->time.data), src->time.data = NULL;
  copy_cells(n_threads, (char *)dst->value.data + base * vz, src->value.data, n, vz, NULL);
  dst->n = base + src->n;
  patron__arena_adopt(&dst->ids, &src->ids); /* long ids keep their addresses */
  patron__order_set_free(src);
  return true;
}

/* a + b wrapping (the loader checked that no money sum can leave the int64 range); the
 * values are wide here (patron__order_set_collapse), and the earlier of two times fits
 * wherever they both do. */
static void merge_into(order_set *s, uint32_t keep, uint32_t drop) {
  int64_t *value = s->value.data;
  value[keep] = (patron_money)((uint64_t)value[keep] + (uint64_t)value[drop]);
  s->lines[keep] += s->lines[drop];
  if (patron__order_col_get(&s->time, drop) < patron__order_col_get(&s->time, keep))
    copy_cell(&s->time, keep, drop);
}

/* Marks duplicates in r[0..m) (orders of one customer, ascending) with NO_INDEX after
 * merging them into the first of their id: pairwise for short ranges. */
static void collapse_small(order_set *s, uint32_t *r, size_t m, uint32_t *canon) {
  for (size_t i = 0; i < m; i++) {
    if (r[i] == PATRON__NO_INDEX || s->id_tag[r[i]] == TAG_NONE)
      continue;
    for (size_t j = i + 1; j < m; j++)
      if (r[j] != PATRON__NO_INDEX && same_ids(s, r[i], r[j])) {
        merge_into(s, r[i], r[j]);
        if (canon)
          canon[r[j]] = r[i];
        r[j] = PATRON__NO_INDEX;
      }
  }
}

typedef struct keyed {
  uint64_t hash;
  uint32_t pos;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The same for long ranges: sorted by id hash, then pairwise within equal hashes. False
 * when memory runs out. */
static bool collapse_large(order_set *s, uint32_t *r, size_t m, uint32_t *canon) {
  keyed *k = malloc(m * sizeof *k);
  uint32_t *run = malloc(m * sizeof *run);
  if (!k || !run) {
    free(k);
    free(run);
    return false;
  }
  for (size_t i = 0; i < m; i++) {
    uint32_t o = r[i];
    k[i].pos = (uint32_t)i;
    k[i].hash = s->id_tag[o] == TAG_NONE ? (uint64_t)i
                                         : patron__hash_bytes(id_bytes(s, o), id_len(s, o), 0);
  }
  qsort(k, m, sizeof *k, cmp_keyed);
  for (size_t g0 = 0, g1; g0 < m; g0 = g1) {
    for (g1 = g0 + 1; g1 < m && k[g1].hash == k[g0].hash; g1++)
      ;
    if (g1 - g0 < 2)
      continue;
    for (size_t i = g0; i < g1; i++)
      run[i - g0] = r[k[i].pos]; /* ascending pos: the first of an id is kept */
    collapse_small(s, run, g1 - g0, canon);
    for (size_t i = g0; i < g1; i++)
      r[k[i].pos] = run[i - g0];
  }
  free(k);
  free(run);
  return true;
}

bool patron__order_set_collapse(order_set *s, uint32_t *perm, uint32_t *start, size_t n_customers,
                                uint32_t *canon, size_t *n_out) {
  if (canon)
    for (size_t o = 0; o < s->n; o++)
      canon[o] = (uint32_t)o;
  *n_out = start[n_customers];
  if (s->increasing)
    return true;
  if (!s->value.wide && !widen(&s->value, s->n, s->cap)) /* sums need not fit */
    return false;
  size_t out = 0;
  for (size_t c = 0; c < n_customers; c++) {
    uint32_t a = start[c], b = start[c + 1];
    uint32_t *r = perm + a;
    size_t m = b - a;
    if (m > 1 && !(m > 32 && collapse_large(s, r, m, canon)))
      collapse_small(s, r, m, canon); /* also when the large path ran out of memory */
    start[c] = (uint32_t)out;
    for (size_t i = 0; i < m; i++)
      if (r[i] != PATRON__NO_INDEX)
        perm[out++] = r[i];
  }
  start[n_customers] = (uint32_t)out;
  *n_out = out;
  return true;
}

void patron__order_set_drop_keys(order_set *s) {
  free(s->customer), free(s->id_tag), free(s->id_key);
  s->customer = NULL;
  s->id_tag = NULL;
  s->id_key = NULL;
  patron__arena_free(&s->ids);
}

void patron__order_set_hint(order_set *s, size_t n_orders) {
  s->first_cap = n_orders < 4096 ? 4096 : n_orders;
}

void patron__order_set_free(order_set *s) {
  free(s->customer), free(s->lines), free(s->id_tag);
  free(s->id_key), free(s->time.data), free(s->value.data);
  patron__arena_free(&s->ids);
  memset(s, 0, sizeof *s);
}
