/* Internals of the portrait (SPEC 17): the dimensions, the groups and the merged counts
 * shared by src/ops/portrait_group.c (counting) and src/ops/portrait_tables.c (the three
 * output tables and the quartiles). */
#ifndef PATRON_OPS_PORTRAIT_INT_H
#define PATRON_OPS_PORTRAIT_INT_H

#include "patron/portrait.h"

/* A dimension: a table category column (codes by row) or a members dictionary (codes by
 * customer, 0 = none); values are slots [0, n_values) at `offset` in a group's counts. */
typedef struct pdim {
  const char *name;
  const int32_t *codes;
  const uint32_t *member;
  const char *dict;
  const char *const *labels, *const *alt;
  size_t n_values, offset;
} pdim;

enum { PORTRAIT_MAX_DIMS = 16 };

typedef struct pctx {
  const patron_profile *p;  /* NULL for a bare table (no --where) */
  const patron_dataset *ds; /* NULL: no members, lines or ages */
  int32_t as_of;
  const patron_table *t;
  size_t n_rows;
  const uint32_t *cust;
  int32_t *group; /* per row: its group, -1 for none */
  patron_portrait_group *groups;
  size_t n_groups;
  pdim dims[PORTRAIT_MAX_DIMS];
  size_t n_dims, n_slots;
  /* affinity: up to two dictionaries of the lines (category, brand) */
  patron_lines_view lines;
  const char *aff_dict[2];
  size_t aff_size[2], aff_offset[2], n_aff;
  int64_t lo, hi; /* the affinity window, seconds */
  /* (n_groups + 1) x n_slots: row 0 the base, row g + 1 group g; customers per dimension
   * slot, spend (money units) per affinity slot */
  int64_t *counts;
} pctx;

int32_t patron__pdim_slot(const pdim *d, const uint32_t *cust, size_t r);
const char *patron__pdim_label(const pdim *d, const patron_dataset *ds, size_t slot);
const char *patron__pdim_label_zh(const pdim *d, const patron_dataset *ds, size_t slot);

/* portrait.csv and affinity.csv from the counts. */
patron_status patron__portrait_tables(const pctx *x, patron_portrait *out, patron_error *err);
/* stats.csv: the base, then each group. */
patron_status patron__portrait_stats(const pctx *x, const patron_portrait_options *o,
                                     patron_portrait *out, patron_error *err);

#endif
