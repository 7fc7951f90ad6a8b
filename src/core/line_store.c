/* Storage for order lines kept with keep_lines (see dataset_int.h): ten parallel columns
 * that grow together. */
#include "core/dataset_int.h"

#include <stdlib.h>
#include <string.h>

static bool grow(void **a, size_t cap, size_t elem) {
  void *p = patron__realloc_big(*a, cap * elem);
  if (p)
    *a = p;
  return p != NULL;
}

bool patron__line_store_push(patron__line_store *s, uint32_t customer, uint32_t order, int64_t time,
                             patron_money amount, patron_money discount, const uint32_t codes[5]) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4096;
    if (!grow((void **)&s->customer, cap, sizeof *s->customer) ||
        !grow((void **)&s->order, cap, sizeof *s->order) ||
        !grow((void **)&s->item, cap, sizeof *s->item) ||
        !grow((void **)&s->category, cap, sizeof *s->category) ||
        !grow((void **)&s->brand, cap, sizeof *s->brand) ||
        !grow((void **)&s->channel, cap, sizeof *s->channel) ||
        !grow((void **)&s->store, cap, sizeof *s->store) ||
        !grow((void **)&s->time, cap, sizeof *s->time) ||
        !grow((void **)&s->amount, cap, sizeof *s->amount) ||
        !grow((void **)&s->discount, cap, sizeof *s->discount))
      return false;
    s->cap = cap;
  }
  size_t k = s->n++;
  s->customer[k] = customer;
  s->order[k] = order;
  s->item[k] = codes[4];
  s->time[k] = time;
  s->amount[k] = amount;
  s->discount[k] = discount;
  s->category[k] = codes[0];
  s->brand[k] = codes[1];
  s->channel[k] = codes[2];
  s->store[k] = codes[3];
  return true;
}

void patron__line_store_free(patron__line_store *s) {
  free(s->customer), free(s->order), free(s->item), free(s->category), free(s->brand),
      free(s->channel), free(s->store);
  free(s->time), free(s->amount), free(s->discount);
  memset(s, 0, sizeof *s);
}
