/* String interning: each distinct (scope, string) gets a dense uint32 index, in order of
 * first appearance. Customer ids use scope 0; order ids are scoped by customer, because
 * "rows sharing an order_id (for one customer) are one order". Open addressing with the
 * upper hash bits kept in the slot, so most misses never touch the strings. */
#ifndef PATRON_CORE_INTERN_H
#define PATRON_CORE_INTERN_H

#include "core/core_int.h"

#define PATRON__NO_INDEX UINT32_MAX

typedef struct patron__intern {
  uint64_t *slots; /* 0 = empty, else (hash >> 32) << 32 | (index + 1) */
  size_t n_slots;  /* a power of two */
  size_t n, cap;
  const char **str;
  uint32_t *len;
  uint32_t *scope;
  patron__arena arena;
  size_t hint; /* expected number of strings: the first allocation is sized for it */
} patron__intern;

/* Index of (scope, s); inserts it when new (*added = true). PATRON__NO_INDEX when memory
 * runs out or more than UINT32_MAX - 1 strings would exist. */
uint32_t patron__intern_put(patron__intern *t, uint32_t scope, const char *s, size_t len,
                            bool *added);
uint32_t patron__intern_find(const patron__intern *t, uint32_t scope, const char *s, size_t len);
void patron__intern_free(patron__intern *t);
/* Sizes the first allocation for about n strings (saves rehashing while it fills). */
void patron__intern_hint(patron__intern *t, size_t n);

#endif
