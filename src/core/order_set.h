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

typedef struct order_set {
  uint32_t *customer, *lines;
  uint64_t *id_key; /* the id's bytes (zero-padded) when at most 8, else a pointer to them */
  uint8_t *id_tag;  /* the id's kind and short length (order_set.c) */
  int64_t *time;
  patron_money *value;
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
/* Appends an order candidate with time INT64_MAX, value 0 and no lines; id NULL: an order
 * without an id (never merged). PATRON__NO_INDEX when memory runs out. */
uint32_t patron__order_set_add(order_set *s, uint32_t customer, const char *id, size_t len);
/* Whether order o is (customer, id). */
bool patron__order_set_is(const order_set *s, uint32_t o, uint32_t customer, const char *id,
                          size_t len);
/* Moves src's orders to the end of dst, their customers mapped through remap (NULL: kept),
 * and empties src. False when memory runs out (dst is then unchanged). */
bool patron__order_set_concat(order_set *dst, order_set *src, const uint32_t *remap);
/* perm lists the orders customer by customer (customer k's at perm[start[k]..start[k+1]),
 * in load order). Merges each customer's candidates that share an id into the first one
 * (values and lines added, earliest time kept), removes the others from perm and start,
 * and returns the number of orders left. canon (when not NULL, one per candidate) receives
 * the candidate each one was merged into (itself when kept). */
size_t patron__order_set_collapse(order_set *s, uint32_t *perm, uint32_t *start, size_t n_customers,
                                  uint32_t *canon);

#endif
