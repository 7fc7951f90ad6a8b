/* String interning: each distinct (scope, string) gets a dense uint32 index, in order of
 * first appearance. Customer ids use scope 0; order ids are scoped by customer, because
 * "rows sharing an order_id (for one customer) are one order". Open addressing (linear
 * probing) over 16-byte slots that hold 28 hash bits and, for strings of at most 8 bytes
 * in scope 0, the length and the bytes themselves: a lookup of a short id (customer ids
 * usually are) reads one slot and nothing else, and misses never touch the strings. At
 * most 2^27 strings (the table is at most 2^28 slots). */
#ifndef PATRON_CORE_INTERN_H
#define PATRON_CORE_INTERN_H

#include "core/core_int.h"

#include <string.h>

#define PATRON__NO_INDEX UINT32_MAX

/* The bytes of a string of at most 8 bytes as a word, byte i in bits 8i..8i+7, the rest
 * zero (0 for a longer string): the same value as a memcpy into a zeroed word on a
 * little-endian machine, without the call a memcpy of a variable length costs (two
 * overlapping loads, or three single bytes). Slot keys and order ids are kept this way. */
static inline uint64_t patron__short_key(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  if (len == 0 || len > 8)
    return 0;
  if (len < 4)
    return u[0] | (uint64_t)u[len / 2] << (8 * (len / 2)) | (uint64_t)u[len - 1] << (8 * (len - 1));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t lo, hi;
  memcpy(&lo, s, 4);
  memcpy(&hi, s + len - 4, 4);
  return lo | (uint64_t)hi << (8 * (len - 4));
#else
  uint64_t k = 0;
  for (size_t i = 0; i < len; i++)
    k |= (uint64_t)u[i] << (8 * i);
  return k;
#endif
}

typedef struct patron__intern_slot {
  uint64_t key;   /* the string's bytes, zero-padded, when short (see tag) */
  uint32_t tag;   /* 28 hash bits (home position, quick filter) << 4 | short length + 1, or
                     << 4 | 0 for a string compared through str, len and scope */
  uint32_t index; /* 0 = empty, else the string's index + 1 */
} patron__intern_slot;

typedef struct patron__intern {
  patron__intern_slot *slots;
  size_t n_slots; /* a power of two */
  size_t n, cap;
  const char **str;
  uint32_t *len;
  uint32_t *scope;
  patron__arena arena;
  size_t hint; /* expected number of strings: the first allocation is sized for it */
} patron__intern;

/* Index of (scope, s); inserts it when new (*added = true). PATRON__NO_INDEX when memory
 * runs out or more than 2^27 strings would exist. */
uint32_t patron__intern_put(patron__intern *t, uint32_t scope, const char *s, size_t len,
                            bool *added);
uint32_t patron__intern_find(const patron__intern *t, uint32_t scope, const char *s, size_t len);
void patron__intern_free(patron__intern *t);
/* The slot tag of (scope, s): its hash, the same in every table. */
uint32_t patron__intern_tag(uint32_t scope, const char *s, size_t len);
/* patron__intern_put with the tag computed beforehand (patron__intern_tag), so that a put
 * after a prefetch hashes the string once. */
uint32_t patron__intern_put_tagged(patron__intern *t, uint32_t scope, const char *s, size_t len,
                                   uint32_t tag, bool *added);
/* Starts loading the slot where the string of this tag is or would go, so that a put of it
 * a little later finds it in cache (a hint only). */
void patron__intern_prefetch_tag(const patron__intern *t, uint32_t tag);
/* The same from the string. */
void patron__intern_prefetch(const patron__intern *t, uint32_t scope, const char *s, size_t len);
/* Sizes the first allocation for about n strings (saves rehashing while it fills). */
void patron__intern_hint(patron__intern *t, size_t n);

#endif
