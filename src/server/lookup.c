/* The customer lookup of GET /customers/{id}: an open-addressing hash table (linear probing,
 * a power-of-two size at least twice the rows) from customer_id to row, built once per
 * snapshot when the server starts, so a lookup costs one hash of the id and, almost always,
 * one string comparison (instead of a binary search touching ~20 ids across the table).
 * Hash: FNV-1a 64-bit over the id's bytes. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_id(const char *s) {
  uint64_t h = 14695981039346656037ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h ^ (h >> 29);
}

bool srv_index_build(srv_snapshot *snap) {
  size_t n = patron_table_n_rows(snap->s.table), size = 16;
  while (size < 2 * n)
    size *= 2;
  snap->index = calloc(size, sizeof *snap->index);
  if (!snap->index)
    return false;
  snap->index_mask = size - 1;
  const char *const *ids = snap->id->data;
  for (size_t row = 0; row < n; row++) {
    if (!ids[row])
      continue;
    size_t i = hash_id(ids[row]) & snap->index_mask;
    while (snap->index[i])
      i = (i + 1) & snap->index_mask;
    snap->index[i] = (uint32_t)row + 1;
  }
  return true;
}

size_t srv_index_find(const srv_snapshot *snap, const char *id) {
  const char *const *ids = snap->id->data;
  for (size_t i = hash_id(id) & snap->index_mask; snap->index[i]; i = (i + 1) & snap->index_mask)
    if (strcmp(ids[snap->index[i] - 1], id) == 0)
      return snap->index[i] - 1;
  return SIZE_MAX;
}
