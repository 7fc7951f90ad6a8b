/* String interning with open addressing (linear probing, load factor <= 1/2); short
 * strings are compared inside the slot (see intern.h). */
#include "core/intern.h"

#include <stdlib.h>
#include <string.h>

/* A string of at most 8 bytes is hashed from its short key with one 64x64->128 multiply
 * (folded), which spreads ids that differ in any byte as well as patron__hash_bytes does
 * (the same probe lengths on numeric and sequential ids) for a third of its work. */
static uint64_t hash_of(uint32_t scope, const char *s, size_t len) {
  const uint64_t seed = 0x9e3779b97f4a7c15ull * (scope + 1u);
  if (len > 8)
    return patron__hash_bytes(s, len, seed);
  const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  unsigned __int128 r =
      (unsigned __int128)(patron__short_key(s, len) ^ seed ^ k0 ^ (len * k1)) * k1;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The slot tag of (scope, s): 28 bits of its hash and, for a string kept in the slot
 * (scope 0, at most 8 bytes), its length + 1. */
static uint32_t tag_of(uint32_t scope, const char *s, size_t len) {
  uint32_t code = scope == 0 && len <= 8 ? (uint32_t)len + 1 : 0;
  return (uint32_t)(hash_of(scope, s, len) >> 36) << 4 | code;
}

static bool same(const patron__intern *t, const patron__intern_slot *v, uint32_t tag,
                 uint32_t scope, const char *s, size_t len, uint64_t key) {
  if (v->tag != tag || v->key != key)
    return false;
  if (tag & 15)
    return true; /* a short string: length and bytes are in the slot */
  uint32_t i = v->index - 1;
  return t->len[i] == len && t->scope[i] == scope && memcmp(t->str[i], s, len) == 0;
}

static size_t home(uint32_t tag, size_t n_slots) { return (tag >> 4) & (n_slots - 1); }

static bool grow_slots(patron__intern *t) {
  size_t n = t->n_slots ? t->n_slots * 2 : 1024;
  while (!t->n_slots && n < 2 * t->hint)
    n *= 2;
  if (n > (1ull << 28))
    return false; /* positions come from 28 hash bits */
  patron__intern_slot *slots = calloc(n, sizeof *slots);
  if (!slots)
    return false;
  patron__advise_huge(slots, n * sizeof *slots);
  for (size_t i = 0; i < t->n_slots; i++) {
    if (!t->slots[i].index)
      continue;
    size_t j = home(t->slots[i].tag, n);
    while (slots[j].index)
      j = (j + 1) & (n - 1);
    slots[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = slots;
  t->n_slots = n;
  return true;
}

static bool append(patron__intern *t, uint32_t scope, const char *s, size_t len) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : (t->hint > 1024 ? t->hint : 1024);
    const char **str = patron__realloc_big(t->str, cap * sizeof *str);
    if (!str)
      return false;
    t->str = str;
    uint32_t *l = patron__realloc_big(t->len, cap * sizeof *l);
    if (!l)
      return false;
    t->len = l;
    uint32_t *sc = patron__realloc_big(t->scope, cap * sizeof *sc);
    if (!sc)
      return false;
    t->scope = sc;
    t->cap = cap;
  }
  const char *copy = patron__arena_strdup(&t->arena, s, len);
  if (!copy)
    return false;
  t->str[t->n] = copy;
  t->len[t->n] = (uint32_t)len;
  t->scope[t->n] = scope;
  t->n++;
  return true;
}

/* The slot holding (scope, s), or the empty slot where it would go. */
static patron__intern_slot *probe(const patron__intern *t, uint32_t scope, const char *s,
                                  size_t len, uint32_t tag) {
  uint64_t key = patron__short_key(s, len);
  for (size_t j = home(tag, t->n_slots);; j = (j + 1) & (t->n_slots - 1)) {
    patron__intern_slot *v = &t->slots[j];
    if (!v->index || same(t, v, tag, scope, s, len, key))
      return v;
  }
}

uint32_t patron__intern_find(const patron__intern *t, uint32_t scope, const char *s, size_t len) {
  if (!t->n_slots || len > UINT32_MAX)
    return PATRON__NO_INDEX;
  const patron__intern_slot *v = probe(t, scope, s, len, tag_of(scope, s, len));
  return v->index ? v->index - 1 : PATRON__NO_INDEX;
}

uint32_t patron__intern_tag(uint32_t scope, const char *s, size_t len) {
  return tag_of(scope, s, len);
}

uint32_t patron__intern_put(patron__intern *t, uint32_t scope, const char *s, size_t len,
                            bool *added) {
  return patron__intern_put_tagged(t, scope, s, len, tag_of(scope, s, len), added);
}

uint32_t patron__intern_put_tagged(patron__intern *t, uint32_t scope, const char *s, size_t len,
                                   uint32_t tag, bool *added) {
  *added = false;
  if (len > UINT32_MAX || t->n >= (1u << 27))
    return PATRON__NO_INDEX;
  if ((t->n + 1) * 2 > t->n_slots && !grow_slots(t))
    return PATRON__NO_INDEX;
  patron__intern_slot *v = probe(t, scope, s, len, tag);
  if (v->index)
    return v->index - 1;
  if (!append(t, scope, s, len))
    return PATRON__NO_INDEX;
  *v = (patron__intern_slot){patron__short_key(s, len), tag, (uint32_t)t->n};
  *added = true;
  return (uint32_t)(t->n - 1);
}

void patron__intern_prefetch_tag(const patron__intern *t, uint32_t tag) {
  if (t->n_slots)
    __builtin_prefetch(&t->slots[home(tag, t->n_slots)]);
}

void patron__intern_prefetch(const patron__intern *t, uint32_t scope, const char *s, size_t len) {
  patron__intern_prefetch_tag(t, tag_of(scope, s, len));
}

void patron__intern_hint(patron__intern *t, size_t n) { t->hint = n; }

void patron__intern_free(patron__intern *t) {
  if (!t)
    return;
  free(t->slots);
  free(t->str);
  free(t->len);
  free(t->scope);
  patron__arena_free(&t->arena);
  memset(t, 0, sizeof *t);
}
