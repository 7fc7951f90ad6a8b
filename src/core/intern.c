/* String interning with open addressing (linear probing, load factor <= 1/2). */
#include "core/intern.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_of(uint32_t scope, const char *s, size_t len) {
  return patron__hash_bytes(s, len, 0x9e3779b97f4a7c15ull * (scope + 1u));
}

static bool same(const patron__intern *t, uint32_t idx, uint32_t scope, const char *s, size_t len) {
  return t->len[idx] == len && t->scope[idx] == scope && memcmp(t->str[idx], s, len) == 0;
}

/* A slot's home position comes from the hash bits kept in the slot itself, so growing the
 * table never reads the strings again. */
static size_t home(uint64_t slot_or_hash, size_t n_slots) {
  return (size_t)(slot_or_hash >> 32) & (n_slots - 1);
}

static bool grow_slots(patron__intern *t) {
  size_t n = t->n_slots ? t->n_slots * 2 : 1024;
  while (!t->n_slots && n < 2 * t->hint)
    n *= 2;
  if (n > (1ull << 32))
    return false; /* positions come from 32 hash bits */
  uint64_t *slots = calloc(n, sizeof *slots);
  if (!slots)
    return false;
  patron__advise_huge(slots, n * sizeof *slots);
  for (size_t i = 0; i < t->n_slots; i++) {
    uint64_t v = t->slots[i];
    if (!v)
      continue;
    size_t j = home(v, n);
    while (slots[j])
      j = (j + 1) & (n - 1);
    slots[j] = v;
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

uint32_t patron__intern_find(const patron__intern *t, uint32_t scope, const char *s, size_t len) {
  if (!t->n_slots)
    return PATRON__NO_INDEX;
  uint64_t h = hash_of(scope, s, len), tag = h & 0xffffffff00000000ull;
  for (size_t j = home(h, t->n_slots);; j = (j + 1) & (t->n_slots - 1)) {
    uint64_t v = t->slots[j];
    if (!v)
      return PATRON__NO_INDEX;
    uint32_t idx = (uint32_t)v - 1;
    if ((v & 0xffffffff00000000ull) == tag && same(t, idx, scope, s, len))
      return idx;
  }
}

uint32_t patron__intern_put(patron__intern *t, uint32_t scope, const char *s, size_t len,
                            bool *added) {
  *added = false;
  if (len > UINT32_MAX || t->n >= UINT32_MAX - 1)
    return PATRON__NO_INDEX;
  if ((t->n + 1) * 2 > t->n_slots && !grow_slots(t))
    return PATRON__NO_INDEX;
  uint64_t h = hash_of(scope, s, len), tag = h & 0xffffffff00000000ull;
  size_t j = home(h, t->n_slots);
  for (;; j = (j + 1) & (t->n_slots - 1)) {
    uint64_t v = t->slots[j];
    if (!v)
      break;
    uint32_t idx = (uint32_t)v - 1;
    if ((v & 0xffffffff00000000ull) == tag && same(t, idx, scope, s, len))
      return idx;
  }
  if (!append(t, scope, s, len))
    return PATRON__NO_INDEX;
  t->slots[j] = tag | (uint64_t)t->n;
  *added = true;
  return (uint32_t)(t->n - 1);
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
