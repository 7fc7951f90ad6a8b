/* The orders being collapsed from order lines. Loading only appends: a row starts a new
 * order candidate unless it continues the previous row's order (same customer, same
 * order_id), so a load touches no lookup structure per row. Rows of one order that are not
 * adjacent (or that fall to two loader threads) give several candidates; once the
 * candidates are grouped per customer, patron__order_set_collapse merges candidates with
 * the same id into one order (sum of values and lines, earliest time), exactly: ids are
 * compared byte for byte. When every candidate's id is greater than the one before it
 * (ids increasing through the file, as invoice numbers usually are), no id repeats and the
 * collapse is skipped. */
#ifndef PATRON_ORDER_SET_H
#define PATRON_ORDER_SET_H

#include "core/intern.h"
#include "patron/parse.h"

/* A column of 64-bit values kept as 32-bit offsets from `base` while every value fits:
 * candidates' times within 68 years of 2000-01-01 and values under 214,748.3647 do, and
 * the candidates then take 25 bytes instead of 33 (less memory to fault in while loading,
 * a lower peak). The first value that does not fit widens the column to 64 bits. */
typedef struct order_col {
  void *data; /* int32_t offsets while narrow, int64_t values once wide */
  int64_t base;
  bool wide;
} order_col;

static inline int64_t patron__order_col_get(const order_col *c, size_t i) {
  return c->wide ? ((const int64_t *)c->data)[i] : c->base + ((const int32_t *)c->data)[i];
}

typedef struct order_set {
  uint32_t *customer, *lines;
  uint64_t *id_key; /* the id's bytes (zero-padded) when at most 8, else a pointer to them */
  uint8_t *id_tag;  /* the id's kind and short length (order_set.c) */
  order_col time;   /* time of the candidate's earliest line */
  order_col value;  /* sum of its lines' amounts (patron_money) */
  size_t n, cap, first_cap;
  patron__arena ids; /* ids longer than 8 bytes */
  bool increasing;   /* every candidate's id is greater than the previous candidate's */
} order_set;

void patron__order_set_free(order_set *s);
/* Frees the customers and ids (after the collapse), keeping times, values and lines. */
void patron__order_set_drop_keys(order_set *s);
/* Sets the initial capacity for orders (a hint from the input size: untouched capacity
 * costs address space only, and fewer, larger arrays fault in as huge pages). */
void patron__order_set_hint(order_set *s, size_t n_orders);
/* Appends an order candidate with its first line (time t, amount); id NULL: an order
 * without an id (never merged). PATRON__NO_INDEX when memory runs out. */
uint32_t patron__order_set_add(order_set *s, uint32_t customer, const char *id, size_t len,
                               int64_t t, patron_money amount);
/* Adds a line to candidate o: the amount to its value (wrapping: the loader rejects data
 * whose sums could wrap), one line, the earliest time kept. False when memory runs out. */
bool patron__order_set_add_line(order_set *s, uint32_t o, int64_t t, patron_money amount);
/* Whether order o is (customer, id). */
bool patron__order_set_is(const order_set *s, uint32_t o, uint32_t customer, const char *id,
                          size_t len);
/* Moves src's orders to the end of dst, their customers mapped through remap (NULL: kept),
 * and empties src; the copies run on n_threads (0: all cores). False when memory runs out
 * (dst is then unchanged). */
bool patron__order_set_concat(order_set *dst, order_set *src, const uint32_t *remap, int n_threads);
/* perm lists the orders customer by customer (customer k's at perm[start[k]..start[k+1]),
 * in load order). Merges each customer's candidates that share an id into the first one
 * (values and lines added, earliest time kept), removes the others from perm and start,
 * and sets *n_out to the number of orders left. canon (when not NULL, one per candidate)
 * receives the candidate each one was merged into (itself when kept). False when memory
 * runs out (widening the values for their sums). */
bool patron__order_set_collapse(order_set *s, uint32_t *perm, uint32_t *start, size_t n_customers,
                                uint32_t *canon, size_t *n_out);

#endif
