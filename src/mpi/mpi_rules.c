/* The rule files of SPEC section 7 (--tags, --segments) under MPI (mpi_int.h; docs/SCALE.md
 * section 9). A rule reads any profile column (global scores, clusters, tiers: rank 0's)
 * and also member columns and behaviour functions (each rank's own rows). So rank 0 sends
 * every rank the columns it computed for that rank's customers; each rank rebuilds its
 * customers' profile with them (the single process's columns, in its order), runs the rule
 * files with the single-process code over its own dataset, and sends back the rules'
 * columns (the tags' codes, the segmentation's); rank 0 puts them in its row order for its
 * rules stage, which makes the columns, `tags` and the segment rows as one process does. */
#include "mpi/mpi_int.h"
#include "ops/tags_int.h"

#include <stdlib.h>
#include <string.h>

static char *put(char *p, const void *v, size_t n) { return (char *)memcpy(p, v, n) + n; }
static const char *get(const char *p, void *v, size_t n) { return memcpy(v, p, n), p + n; }

/* The columns after tenure_days (the base ones come from each rank's own data). */
static size_t first_extra(const patron_table *t) {
  const patron_column *last = patron_table_find(t, "tenure_days");
  size_t i = 0;
  while (last && patron_table_column(t, i) != last)
    i++;
  return last ? i + 1 : patron_table_n_columns(t);
}

/* Rank 0: the schema of t's columns from `from` on (name, type, decimals, segmentation,
 * labels), broadcast to every rank, which gets it in *out (malloc'ed). Collective. */
static bool bcast_schema(MPI_Comm comm, const patron_table *t, size_t from, char **out,
                         uint64_t *len) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  char *buf = NULL;
  *len = 0;
  if (rank == 0) {
    *len = 8;
    for (size_t k = from; k < patron_table_n_columns(t); k++) {
      const patron_column *c = patron_table_column(t, k);
      *len += strlen(c->name) + 1 + 13;
      for (int32_t l = 0; c->type == PATRON_COL_CATEGORY && l < c->n_labels; l++)
        *len += strlen(c->labels[l]) + 1;
    }
    char *w = buf = malloc(*len);
    uint64_t n = patron_table_n_columns(t) - from;
    w = buf ? put(w, &n, 8) : NULL;
    for (size_t k = from; w && k < patron_table_n_columns(t); k++) {
      const patron_column *c = patron_table_column(t, k);
      int32_t type = c->type, dec = c->decimals, seg = c->segmentation,
              nl = c->type == PATRON_COL_CATEGORY ? c->n_labels : 0;
      w = put(w, c->name, strlen(c->name) + 1);
      w = put(w, &type, 4), w = put(w, &dec, 4), w = put(w, &seg, 1), w = put(w, &nl, 4);
      for (int32_t l = 0; l < nl; l++)
        w = put(w, c->labels[l], strlen(c->labels[l]) + 1);
    }
  }
  MPI_Bcast(len, 1, MPI_UINT64_T, 0, comm);
  if (rank != 0)
    buf = malloc(*len ? *len : 1);
  int ok = buf != NULL, all;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, comm);
  if (all)
    MPI_Bcast(buf, (int)*len, MPI_BYTE, 0, comm);
  else
    free(buf), buf = NULL;
  *out = buf;
  return all;
}

/* Adds the schema's columns to t, filled from `cells` (8 bytes a cell, row by row). */
static patron_status add_columns(patron_table *t, const char *schema, const char *cells,
                                 patron_error *err) {
  uint64_t n_cols;
  const char *p = get(schema, &n_cols, 8);
  size_t rows = patron_table_n_rows(t), first = patron_table_n_columns(t);
  patron_status st = PATRON_OK;
  for (uint64_t k = 0; st == PATRON_OK && k < n_cols; k++) {
    const char *name = p;
    int32_t type, dec, nl, seg = 0;
    p += strlen(name) + 1;
    p = get(p, &type, 4), p = get(p, &dec, 4), p = get(p, &seg, 1), p = get(p, &nl, 4);
    const char **labels = malloc((nl ? (size_t)nl : 1) * sizeof *labels);
    for (int32_t l = 0; labels && l < nl; l++)
      labels[l] = p, p += strlen(p) + 1;
    void *data;
    st = !labels ? PATRON__OOM(err)
         : type == PATRON_COL_CATEGORY
             ? patron_table_add_category(t, name, labels, NULL, nl, seg, (int32_t **)&data, err)
             : patron_table_add(t, name, type, &data, err);
    free(labels);
    if (st == PATRON_OK && type == PATRON_COL_DOUBLE)
      patron_table_set_decimals(t, name, dec);
    if (st == PATRON_OK && type == PATRON_COL_STRING)
      st = patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "rules: string column %s", name);
  }
  for (size_t r = 0; st == PATRON_OK && r < rows; r++)
    for (uint64_t k = 0; k < n_cols; k++, cells += 8) {
      const patron_column *c = patron_table_column(t, first + k);
      int64_t v;
      get(cells, &v, 8);
      if (c->type == PATRON_COL_CATEGORY || c->type == PATRON_COL_DATE)
        ((int32_t *)c->data)[r] = (int32_t)v;
      else
        ((int64_t *)c->data)[r] = v;
    }
  return st;
}

/* Row r of t's columns from `from` on, 8 bytes a cell, at w; returns the end. */
static char *pack_row(const patron_table *t, size_t from, size_t r, char *w) {
  for (size_t k = from; k < patron_table_n_columns(t); k++) {
    const patron_column *c = patron_table_column(t, k);
    int64_t v = c->type == PATRON_COL_CATEGORY || c->type == PATRON_COL_DATE
                    ? ((const int32_t *)c->data)[r]
                    : ((const int64_t *)c->data)[r];
    w = put(w, &v, 8);
  }
  return w;
}

/* Rank 0: the cells of the global table's columns for each rank's rows, in blocks by rank;
 * every rank receives its own rows' cells into *cells (malloc'ed), *got bytes. Collective. */
static patron_status scatter_cells(MPI_Comm comm, const patron_table *global, size_t from,
                                   const int32_t *origin, char **cells, uint64_t *got,
                                   patron_error *err) {
  int n;
  MPI_Comm_size(comm, &n);
  uint64_t *send = calloc((size_t)n, sizeof *send), *recv = malloc((size_t)n * sizeof *recv);
  char **at = calloc((size_t)n, sizeof *at), *buf = NULL;
  size_t rows = global ? patron_table_n_rows(global) : 0;
  uint64_t width = global ? 8 * (patron_table_n_columns(global) - from) : 0, total = 0;
  for (size_t r = 0; send && r < rows; r++)
    send[origin[r]] += width, total += width;
  if (send && recv && at && (buf = malloc(total ? total : 1)) != NULL) {
    char *w = buf;
    for (int d = 0; d < n; d++)
      at[d] = w, w += send[d];
    for (size_t r = 0; r < rows; r++)
      at[origin[r]] = pack_row(global, from, r, at[origin[r]]);
  }
  patron_status st = patron__mpi_agree(comm, buf ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, buf, send, 0, cells, recv, err);
  *got = 0;
  for (int d = 0; st == PATRON_OK && d < n; d++)
    *got += recv[d];
  free(send), free(recv), free(at), free(buf);
  return st;
}

/* The rule columns of `t` from `from` on that travel back: the category ones (the tags'
 * columns and the segmentation; `tags` is joined again by rank 0). */
static bool travels(const patron_table *t, size_t k) {
  return patron_table_column(t, k)->type == PATRON_COL_CATEGORY;
}

/* Rank 0: the rule columns of `mine` (from `from` on, the travelling ones) added to
 * `given` (rows in rank 0's merged order) from every rank's codes: blocks of `got` in rank
 * order, recv[d] bytes from rank d, rows in that rank's order. */
static patron_status place_rules(const patron_table *mine, size_t from, size_t cols,
                                 const int32_t *origin, int n, const char *got,
                                 const uint64_t *recv, patron_table *given, patron_error *err) {
  const int32_t **at = malloc((size_t)n * sizeof *at);
  int32_t **col = malloc((cols ? cols : 1) * sizeof *col);
  patron_status st = at && col ? PATRON_OK : PATRON__OOM(err);
  for (int d = 0; st == PATRON_OK && d < n; got += recv[d], d++)
    at[d] = (const int32_t *)got;
  size_t j = 0;
  for (size_t k = from; st == PATRON_OK && k < patron_table_n_columns(mine); k++) {
    const patron_column *c = patron_table_column(mine, k);
    if (travels(mine, k))
      st = patron_table_add_category(given, c->name, c->labels, c->alt_labels, c->n_labels,
                                     c->segmentation, &col[j++], err);
  }
  for (size_t r = 0; st == PATRON_OK && r < patron_table_n_rows(given); r++)
    for (size_t k = 0; k < cols; k++)
      col[k][r] = *at[origin[r]]++;
  free(at), free(col);
  return st;
}

/* Every rank sends rank 0 its rows' rule codes (4 bytes a cell); rank 0 adds the rule
 * columns (its own rebuilt table's labels) to `given` in its row order. Collective. */
static patron_status gather_rules(MPI_Comm comm, const patron_table *mine, size_t from,
                                  const int32_t *origin, patron_table *given, patron_error *err) {
  int rank, n;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &n);
  size_t cols = 0, my_rows = patron_table_n_rows(mine);
  for (size_t k = from; k < patron_table_n_columns(mine); k++)
    cols += travels(mine, k);
  uint64_t *send = calloc((size_t)n, sizeof *send), *recv = malloc((size_t)n * sizeof *recv);
  int32_t *buf = malloc((my_rows * cols + 1) * sizeof *buf), *w = buf;
  for (size_t r = 0; buf && r < my_rows; r++)
    for (size_t k = from; k < patron_table_n_columns(mine); k++)
      if (travels(mine, k))
        *w++ = ((const int32_t *)patron_table_column(mine, k)->data)[r];
  if (send)
    send[0] = my_rows * cols * sizeof *buf;
  char *got = NULL;
  patron_status st =
      patron__mpi_agree(comm, send && recv && buf ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, (const char *)buf, send, 0, &got, recv, err);
  if (st == PATRON_OK && rank == 0)
    st = place_rules(mine, from, cols, origin, n, got, recv, given, err);
  free(send), free(recv), free(buf), free(got);
  return patron__mpi_agree(comm, st, err);
}

/* This rank's customers' profile as rank 0 holds it before the rules: the base rows of its
 * own dataset, then the schema's columns from the received cells. */
static patron_status rebuild(const patron_dataset *ds, int32_t as_of, const char *schema,
                             const char *cells, uint64_t bytes, patron_profile **out,
                             patron_error *err) {
  patron_status st = patron_profile_base(ds, as_of, out, err);
  if (st != PATRON_OK)
    return st;
  uint64_t n_cols;
  get(schema, &n_cols, 8);
  patron_table *t = patron_profile_table(*out);
  if (bytes != 8 * n_cols * patron_table_n_rows(t))
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                             "rules: %llu bytes of columns for %zu rows", (unsigned long long)bytes,
                             patron_table_n_rows(t));
  return add_columns(t, schema, cells, err);
}

patron_status patron__mpi_rules(MPI_Comm comm, const patron_dataset *ds, int32_t as_of,
                                const patron_table *global, const int32_t *origin,
                                const patron_tags_options *o, patron_table *given,
                                patron_error *err) {
  char *schema = NULL, *cells = NULL;
  uint64_t len, bytes = 0;
  size_t from = global ? first_extra(global) : 0;
  patron_status st = bcast_schema(comm, global, from, &schema, &len) ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = scatter_cells(comm, global, from, origin, &cells, &bytes, err);
  patron_profile *mine = NULL;
  patron_tagset *ts = patron_tagset_new();
  size_t before = 0;
  if (st == PATRON_OK) {
    st = rebuild(ds, as_of, schema, cells, bytes, &mine, err);
    before = mine ? patron_table_n_columns(patron_profile_table_const(mine)) : 0;
    if (st == PATRON_OK)
      st = ts ? patron_tags_rules(ts, mine, ds, o, err) : PATRON__OOM(err);
  }
  st = patron__mpi_agree(comm, st, err);
  if (st == PATRON_OK)
    st = gather_rules(comm, patron_profile_table_const(mine), before, origin, given, err);
  patron_profile_free(mine);
  patron_tagset_free(ts); /* after the profile: it owns the rule columns' labels */
  free(schema), free(cells);
  return st;
}
