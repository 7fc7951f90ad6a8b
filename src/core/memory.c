/* Growable arrays and string arenas: the two allocation patterns every loader uses. */
#include "core/core_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void patron__advise_huge(void *p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (!p || bytes < (4u << 20))
    return;
  /* Cover whole pages from the block's first page on: glibc maps a large block as one
   * region starting a header before p, and advising all of it keeps the region in one
   * piece, so a later realloc can still move it with mremap instead of copying. */
  const uintptr_t page = 4096;
  uintptr_t start = (uintptr_t)p & ~(page - 1);
  uintptr_t end = ((uintptr_t)p + bytes + page - 1) & ~(page - 1);
  madvise((void *)start, end - start, MADV_HUGEPAGE); /* a hint: failure is harmless */
#else
  (void)p, (void)bytes;
#endif
}

void *patron__realloc_big(void *p, size_t bytes) {
  void *q = realloc(p, bytes);
  patron__advise_huge(q, bytes);
  return q;
}

bool patron__reserve(void **items, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return true;
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    if (n > SIZE_MAX / 2 / size)
      return false;
    n *= 2;
  }
  void *p = patron__realloc_big(*items, n * size);
  if (!p)
    return false;
  *items = p;
  *cap = n;
  return true;
}

struct patron__arena_block {
  patron__arena_block *next;
  size_t cap, used;
  char data[];
};

enum { ARENA_BLOCK = 1 << 20, ARENA_BLOCK_MAX = 64 << 20 };

char *patron__arena_strdup(patron__arena *arena, const char *s, size_t len) {
  patron__arena_block *b = arena->head;
  if (!b || b->cap - b->used < len + 1) {
    /* blocks double with the arena (1 MiB up to 64 MiB) so big arenas get huge pages */
    size_t cap = arena->used_bytes > ARENA_BLOCK ? arena->used_bytes : ARENA_BLOCK;
    cap = cap > ARENA_BLOCK_MAX ? ARENA_BLOCK_MAX : cap;
    cap = len + 1 > cap ? len + 1 : cap;
    b = malloc(sizeof *b + cap);
    if (!b)
      return NULL;
    patron__advise_huge(b, sizeof *b + cap);
    b->cap = cap;
    b->used = 0;
    b->next = arena->head;
    arena->head = b;
  }
  char *dst = b->data + b->used;
  memcpy(dst, s, len);
  dst[len] = '\0';
  b->used += len + 1;
  arena->used_bytes += len + 1;
  return dst;
}

void patron__arena_free(patron__arena *arena) {
  patron__arena_block *b = arena->head;
  while (b) {
    patron__arena_block *next = b->next;
    free(b);
    b = next;
  }
  arena->head = NULL;
  arena->used_bytes = 0;
}

void patron__arena_adopt(patron__arena *dst, patron__arena *src) {
  patron__arena_block *b = src->head;
  if (!b)
    return;
  while (b->next)
    b = b->next;
  b->next = dst->head;
  dst->head = src->head;
  dst->used_bytes += src->used_bytes;
  src->head = NULL;
  src->used_bytes = 0;
}

static inline uint64_t mix64(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t patron__hash_bytes(const void *data, size_t len, uint64_t seed) {
  const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
  const unsigned char *p = data;
  uint64_t h = seed ^ k0 ^ (len * k1);
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = mix64(h ^ w, k1);
    p += 8;
    len -= 8;
  }
  uint64_t tail = 0;
  memcpy(&tail, p, len);
  h = mix64(h ^ tail ^ k0, k1);
  return mix64(h, h ^ k0);
}

int patron__default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 64 ? 64 : (int)n);
}
