/* The set of orders being collapsed from order lines: finds the order a (customer, order_id)
 * row belongs to, exactly. Each customer keeps a list of its orders (newest first) and a
 * 64-bit Bloom mask of their ids, so a new order costs no hash-table probe and a repeated
 * one is found in the customer's short list; a customer with more than
 * PATRON__ORDERS_PER_LIST orders moves to a hash table so that lookups stay O(1). */
#ifndef PATRON_ORDER_SET_H
#define PATRON_ORDER_SET_H

#include "core/intern.h"
#include "patron/parse.h"

#define PATRON__ORDERS_PER_LIST 32

typedef struct order_set {
  /* per customer */
  uint32_t *head, *count;
  uint64_t *bloom;
  size_t n_customers, customer_cap;
  /* per order */
  uint32_t *customer, *prev, *id_len, *lines;
  const char **id;
  int64_t *time;
  patron_money *value;
  size_t n, cap, first_cap;
  patron__arena ids;
  /* orders of customers past the list limit, by (customer, id): open addressing over
   * slots (hash bits << 32 | order + 1); keys are compared in the arrays above */
  uint64_t *heavy_slots;
  size_t n_heavy_slots, n_heavy;
} order_set;

void patron__order_set_free(order_set *s);
/* Sets the initial capacity for orders (a hint from the input size: untouched capacity
 * costs address space only, and fewer, larger arrays fault in as huge pages). */
void patron__order_set_hint(order_set *s, size_t n_orders);
/* Makes room for customers [0, n). False when memory runs out. */
bool patron__order_set_customers(order_set *s, size_t n);
/* The order (customer, id); a new one is appended with time INT64_MAX and value 0 and
 * *added set. PATRON__NO_INDEX when memory runs out. */
uint32_t patron__order_set_put(order_set *s, uint32_t customer, const char *id, size_t len,
                               bool *added);
/* The order (customer, id) or PATRON__NO_INDEX. */
uint32_t patron__order_set_find(const order_set *s, uint32_t customer, const char *id, size_t len);
/* Frees what only lookups need (ids, lists, masks, heavy table), keeping the per-order
 * customer, time, value and lines. Lookups are invalid afterwards. */
void patron__order_set_drop_keys(order_set *s);
/* Appends src's orders whose customer is not PATRON__NO_INDEX to dst's per-order arrays
 * (both without keys). False when memory runs out. */
bool patron__order_set_concat(order_set *dst, const order_set *src);

/* Appends an order that is known to be new without indexing it by id (each row its own
 * order, or nothing will look it up again). */
uint32_t patron__order_set_append(order_set *s, uint32_t customer);

#endif
