/* Storage for order lines kept with keep_lines (see dataset_int.h): parallel columns that
 * grow together; the columns the file lacks are left out until finalize fills them with
 * zeros (in huge pages: reading them maps one zero page per 2 MiB, not per 4 KiB). */
#include "core/dataset_int.h"

#include <stdlib.h>
#include <string.h>

enum { N_OPTIONAL = 9 };

/* The optional columns in PATRON__LINE_* bit order. */
static void optional_columns(patron__line_store *s, void **cols[N_OPTIONAL],
                             size_t sizes[N_OPTIONAL]) {
  void **c[N_OPTIONAL] = {(void **)&s->category, (void **)&s->brand, (void **)&s->channel,
                          (void **)&s->store,    (void **)&s->item,  (void **)&s->discount,
                          (void **)&s->order,    (void **)&s->time,  (void **)&s->amount};
  for (int k = 0; k < N_OPTIONAL; k++)
    cols[k] = c[k], sizes[k] = k == 5 || k >= 7 ? sizeof(int64_t) : sizeof(uint32_t);
}

static bool grow(void **a, size_t cap, size_t elem) {
  void *p = patron__realloc_big(*a, cap * elem);
  if (p)
    *a = p;
  return p != NULL;
}

static bool grow_all(patron__line_store *s) {
  size_t cap = s->cap ? s->cap * 2 : s->first_cap ? s->first_cap : 4096;
  if (!grow((void **)&s->customer, cap, sizeof *s->customer))
    return false;
  void **cols[N_OPTIONAL];
  size_t sizes[N_OPTIONAL];
  optional_columns(s, cols, sizes);
  for (int k = 0; k < N_OPTIONAL; k++)
    if (!(s->absent & (1u << k)) && !grow(cols[k], cap, sizes[k]))
      return false;
  s->cap = cap;
  return true;
}

bool patron__line_store_push(patron__line_store *s, uint32_t customer, uint32_t order, int64_t time,
                             patron_money amount, patron_money discount, const uint32_t codes[5]) {
  if (s->n == s->cap && !grow_all(s))
    return false;
  size_t k = s->n++;
  unsigned absent = s->absent;
  s->customer[k] = customer;
  if (!(absent & PATRON__LINE_ORDER))
    s->order[k] = order;
  if (!(absent & PATRON__LINE_TIME))
    s->time[k] = time;
  if (!(absent & PATRON__LINE_AMOUNT))
    s->amount[k] = amount;
  uint32_t *code_cols[5] = {s->category, s->brand, s->channel, s->store, s->item};
  for (int c = 0; c < 5; c++)
    if (!(absent & (1u << c)))
      code_cols[c][k] = codes[c];
  if (!(absent & PATRON__LINE_DISCOUNT))
    s->discount[k] = discount;
  return true;
}

void patron__line_store_hint(patron__line_store *s, size_t n) {
  s->first_cap = n < 4096 ? 4096 : n;
}

bool patron__line_store_resize(patron__line_store *s, size_t n) {
  while (s->cap < n)
    if (!grow_all(s))
      return false;
  s->n = n;
  return true;
}

bool patron__line_store_fill_absent(patron__line_store *s) {
  void **cols[N_OPTIONAL];
  size_t sizes[N_OPTIONAL];
  optional_columns(s, cols, sizes);
  for (int k = 0; k < N_OPTIONAL; k++) {
    if (*cols[k] && !(s->absent & (1u << k)))
      continue;
    free(*cols[k]);
    if (!(*cols[k] = calloc(s->n ? s->n : 1, sizes[k])))
      return false;
    patron__advise_huge(*cols[k], (s->n ? s->n : 1) * sizes[k]); /* read: the huge zero page */
  }
  s->absent = 0;
  return true;
}

void patron__line_store_free(patron__line_store *s) {
  free(s->customer), free(s->order), free(s->item), free(s->category), free(s->brand),
      free(s->channel), free(s->store);
  free(s->time), free(s->amount), free(s->discount);
  memset(s, 0, sizeof *s);
}
