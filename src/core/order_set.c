/* Exact order lookup by (customer, order_id): per-customer lists with Bloom masks, hash
 * table for heavy customers (see order_set.h). */
#include "core/order_set.h"

#include <stdlib.h>
#include <string.h>

static uint64_t bloom_bits(uint64_t h) { return 1ull << (h & 63) | 1ull << ((h >> 6) & 63); }

static bool grow_u32(uint32_t **a, size_t cap) {
  uint32_t *p = patron__realloc_big(*a, cap * sizeof *p);
  if (p)
    *a = p;
  return p != NULL;
}

bool patron__order_set_customers(order_set *s, size_t n) {
  if (n > s->customer_cap) {
    size_t cap = s->customer_cap ? s->customer_cap : 1024;
    while (cap < n)
      cap *= 2;
    uint64_t *b = patron__realloc_big(s->bloom, cap * sizeof *b);
    if (b)
      s->bloom = b;
    if (!b || !grow_u32(&s->head, cap) || !grow_u32(&s->count, cap))
      return false;
    s->customer_cap = cap;
  }
  for (size_t c = s->n_customers; c < n; c++)
    s->head[c] = PATRON__NO_INDEX, s->count[c] = 0, s->bloom[c] = 0;
  if (n > s->n_customers)
    s->n_customers = n;
  return true;
}

static bool grow_orders(order_set *s) {
  if (s->n < s->cap)
    return true;
  size_t cap = s->cap ? s->cap * 2 : (s->first_cap ? s->first_cap : 4096);
  const char **id = patron__realloc_big(s->id, cap * sizeof *id);
  if (id)
    s->id = id;
  int64_t *t = patron__realloc_big(s->time, cap * sizeof *t);
  if (t)
    s->time = t;
  patron_money *v = patron__realloc_big(s->value, cap * sizeof *v);
  if (v)
    s->value = v;
  if (!id || !t || !v || !grow_u32(&s->customer, cap) || !grow_u32(&s->prev, cap) ||
      !grow_u32(&s->id_len, cap) || !grow_u32(&s->lines, cap))
    return false;
  s->cap = cap;
  return true;
}

uint32_t patron__order_set_append(order_set *s, uint32_t customer) {
  if (!grow_orders(s))
    return PATRON__NO_INDEX;
  uint32_t o = (uint32_t)s->n++;
  s->customer[o] = customer;
  s->prev[o] = PATRON__NO_INDEX;
  s->id[o] = "";
  s->id_len[o] = 0;
  s->time[o] = INT64_MAX;
  s->value[o] = 0;
  s->lines[o] = 0;
  return o;
}

static bool same_id(const order_set *s, uint32_t o, const char *id, size_t len) {
  return s->id_len[o] == len && memcmp(s->id[o], id, len) == 0;
}

static uint64_t heavy_hash(uint32_t c, const char *id, size_t len) {
  return patron__hash_bytes(id, len, 0x9e3779b97f4a7c15ull * (c + 1u));
}

static size_t heavy_home(uint64_t hash_or_slot, size_t n_slots) {
  return (size_t)(hash_or_slot >> 32) & (n_slots - 1);
}

/* Doubles the heavy table; slots are placed by the hash bits they carry (no rehashing). */
static bool grow_heavy(order_set *s) {
  size_t n = s->n_heavy_slots ? s->n_heavy_slots * 2 : 1024;
  uint64_t *slots = calloc(n, sizeof *slots);
  if (!slots || n > (1ull << 32)) {
    free(slots);
    return false;
  }
  patron__advise_huge(slots, n * sizeof *slots);
  for (size_t i = 0; i < s->n_heavy_slots; i++) {
    if (!s->heavy_slots[i])
      continue;
    size_t j = heavy_home(s->heavy_slots[i], n);
    while (slots[j])
      j = (j + 1) & (n - 1);
    slots[j] = s->heavy_slots[i];
  }
  free(s->heavy_slots);
  s->heavy_slots = slots;
  s->n_heavy_slots = n;
  return true;
}

static uint32_t heavy_find(const order_set *s, uint32_t c, const char *id, size_t len) {
  if (!s->n_heavy_slots)
    return PATRON__NO_INDEX;
  uint64_t h = heavy_hash(c, id, len), tag = h >> 32;
  for (size_t j = heavy_home(h, s->n_heavy_slots);; j = (j + 1) & (s->n_heavy_slots - 1)) {
    uint64_t v = s->heavy_slots[j];
    if (!v)
      return PATRON__NO_INDEX;
    uint32_t o = (uint32_t)v - 1;
    if (v >> 32 == tag && s->customer[o] == c && same_id(s, o, id, len))
      return o;
  }
}

/* Enters order o (known to be absent) in the heavy table. */
static bool index_heavy(order_set *s, uint32_t o) {
  if ((s->n_heavy + 1) * 2 > s->n_heavy_slots && !grow_heavy(s))
    return false;
  uint64_t h = heavy_hash(s->customer[o], s->id[o], s->id_len[o]);
  size_t j = heavy_home(h, s->n_heavy_slots);
  while (s->heavy_slots[j])
    j = (j + 1) & (s->n_heavy_slots - 1);
  s->heavy_slots[j] = (h & 0xffffffff00000000ull) | ((uint64_t)o + 1);
  s->n_heavy++;
  return true;
}

/* A customer crossing the list limit: index all its orders. */
static bool make_heavy(order_set *s, uint32_t c) {
  for (uint32_t o = s->head[c]; o != PATRON__NO_INDEX; o = s->prev[o])
    if (!index_heavy(s, o))
      return false;
  return true;
}

/* Lookup with the id's hash already computed. */
static uint32_t find_hashed(const order_set *s, uint32_t c, const char *id, size_t len,
                            uint64_t bits) {
  if (c >= s->n_customers)
    return PATRON__NO_INDEX;
  if (s->count[c] > PATRON__ORDERS_PER_LIST)
    return heavy_find(s, c, id, len);
  if ((s->bloom[c] & bits) != bits)
    return PATRON__NO_INDEX; /* certainly not among this customer's orders */
  for (uint32_t o = s->head[c]; o != PATRON__NO_INDEX; o = s->prev[o])
    if (same_id(s, o, id, len))
      return o;
  return PATRON__NO_INDEX;
}

uint32_t patron__order_set_find(const order_set *s, uint32_t c, const char *id, size_t len) {
  return find_hashed(s, c, id, len, bloom_bits(patron__hash_bytes(id, len, 0)));
}

uint32_t patron__order_set_put(order_set *s, uint32_t c, const char *id, size_t len, bool *added) {
  *added = false;
  uint64_t bits = bloom_bits(patron__hash_bytes(id, len, 0));
  uint32_t o = find_hashed(s, c, id, len, bits);
  if (o != PATRON__NO_INDEX)
    return o;
  const char *copy = patron__arena_strdup(&s->ids, id, len);
  if (!copy || (o = patron__order_set_append(s, c)) == PATRON__NO_INDEX)
    return PATRON__NO_INDEX;
  s->id[o] = copy;
  s->id_len[o] = (uint32_t)len;
  s->prev[o] = s->head[c];
  s->head[c] = o;
  s->bloom[c] |= bits;
  uint32_t n = ++s->count[c];
  bool indexed = n <= PATRON__ORDERS_PER_LIST ||
                 (n == PATRON__ORDERS_PER_LIST + 1 ? make_heavy(s, c) : index_heavy(s, o));
  if (!indexed)
    return PATRON__NO_INDEX;
  *added = true;
  return o;
}

void patron__order_set_drop_keys(order_set *s) {
  free(s->head), free(s->count), free(s->bloom), free(s->prev), free(s->id), free(s->id_len);
  free(s->heavy_slots);
  patron__arena_free(&s->ids);
  s->head = s->count = s->prev = s->id_len = NULL;
  s->bloom = NULL;
  s->id = NULL;
  s->heavy_slots = NULL;
  s->n_customers = s->customer_cap = s->n_heavy_slots = s->n_heavy = 0;
}

bool patron__order_set_concat(order_set *dst, const order_set *src) {
  size_t need = dst->n + src->n;
  if (need > dst->cap) {
    int64_t *t = patron__realloc_big(dst->time, need * sizeof *t);
    if (t)
      dst->time = t;
    patron_money *v = patron__realloc_big(dst->value, need * sizeof *v);
    if (v)
      dst->value = v;
    if (!t || !v || !grow_u32(&dst->customer, need) || !grow_u32(&dst->lines, need))
      return false;
    dst->cap = need;
  }
  for (size_t o = 0; o < src->n; o++) {
    if (src->customer[o] == PATRON__NO_INDEX)
      continue;
    size_t k = dst->n++;
    dst->customer[k] = src->customer[o];
    dst->time[k] = src->time[o];
    dst->value[k] = src->value[o];
    dst->lines[k] = src->lines[o];
  }
  return true;
}

void patron__order_set_hint(order_set *s, size_t n_orders) {
  s->first_cap = n_orders < 4096 ? 4096 : n_orders;
}

void patron__order_set_free(order_set *s) {
  free(s->head), free(s->count), free(s->bloom);
  free(s->customer), free(s->prev), free(s->id_len), free(s->lines);
  free(s->id), free(s->time), free(s->value);
  patron__arena_free(&s->ids);
  free(s->heavy_slots);
  memset(s, 0, sizeof *s);
}
