/* Rank 0's global view in the MPI backend (mpi_int.h): the input files' reports summed over
 * ranks, and the base profile rows of every rank gathered and merged in customer_id order
 * (each rank's rows are already sorted, and a customer lives on one rank only), so the
 * profile equals the one a single process builds from the whole file. */
#include "core/dataset_int.h"
#include "mpi/mpi_int.h"

#include <stdlib.h>
#include <string.h>

enum { FIXED = 7, N_SUMS = FIXED + PATRON_REJECT_COUNT + PATRON_EMPTY_COLUMNS };

void patron__mpi_merge_report(MPI_Comm comm, patron_dataset *ds, patron_file_kind kind,
                              uint64_t header_lines, const char *path) {
  int rank, n;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &n);
  patron_file_report *r = &ds->reports[kind];
  uint64_t mine[N_SUMS], sum[N_SUMS];
  uint64_t *fixed[FIXED] = {&r->rows_read,   &r->rows_used,  &r->rows_rejected,  &r->after_as_of,
                            &r->blank_lines, &r->lines_read, &r->lines_in_quotes};
  for (int i = 0; i < FIXED; i++)
    mine[i] = *fixed[i];
  memcpy(mine + FIXED, r->rejected_by_reason, sizeof r->rejected_by_reason);
  memcpy(mine + FIXED + PATRON_REJECT_COUNT, r->empty_cells, sizeof r->empty_cells);
  MPI_Reduce(mine, sum, N_SUMS, MPI_UINT64_T, MPI_SUM, 0, comm);
  if (rank != 0)
    return;
  for (int i = 0; i < FIXED; i++)
    *fixed[i] = sum[i];
  r->lines_read -= header_lines * (uint64_t)(n - 1); /* every rank's part repeats the header */
  memcpy(r->rejected_by_reason, sum + FIXED, sizeof r->rejected_by_reason);
  memcpy(r->empty_cells, sum + FIXED + PATRON_REJECT_COUNT, sizeof r->empty_cells);
  r->path = path;
  ds->rejects.n = 0; /* rank 0's own rejects, numbered within its part: not a rejects.csv */
}

/* A row on the wire: u32 id length, the id and a NUL, then first and last (i32), recency,
 * frequency, tenure, monetary, aov (i64), then one 8-byte cell per extra column (the
 * columns after tenure_days that the ranks computed: int, money and double as they are,
 * category codes and dates widened); a block starts with its row count (u64). */
typedef struct row {
  const char *id;
  uint32_t len;
  int32_t day[2];
  int64_t v[5];
  const char *extra;
} row;

static char *put(char *p, const void *v, size_t n) { return (char *)memcpy(p, v, n) + n; }
static const char *get(const char *p, void *v, size_t n) { return memcpy(v, p, n), p + n; }

/* The columns after the base ones (tenure_days, the last). */
static size_t first_extra(const patron_table *t) {
  size_t n = patron_table_n_columns(t), i = 0;
  while (i < n && strcmp(patron_table_column(t, i)->name, "tenure_days") != 0)
    i++;
  return i < n ? i + 1 : n;
}

static bool is_narrow(const patron_column *c) {
  return c->type == PATRON_COL_CATEGORY || c->type == PATRON_COL_DATE;
}

static char *put_extras(char *w, const patron_table *t, size_t from, uint64_t r) {
  for (size_t k = from; k < patron_table_n_columns(t); k++) {
    const patron_column *c = patron_table_column(t, k);
    int64_t v = is_narrow(c) ? ((const int32_t *)c->data)[r] : 0;
    w = is_narrow(c) ? put(w, &v, 8) : put(w, (const int64_t *)c->data + r, 8);
  }
  return w;
}

static char *pack_rows(const patron_profile *p, uint64_t *len) {
  const patron_table *t = patron_profile_table_const(p);
  uint64_t n = patron_table_n_rows(t);
  size_t from = first_extra(t), n_extra = patron_table_n_columns(t) - from;
  const char **id = patron_table_find(t, "customer_id")->data;
  const int32_t *day[2] = {patron_table_find(t, "first_purchase")->data,
                           patron_table_find(t, "last_purchase")->data};
  static const char *const names[5] = {"recency_days", "frequency", "tenure_days", "monetary",
                                       "avg_order_value"};
  const int64_t *v[5];
  for (int k = 0; k < 5; k++)
    v[k] = patron_table_find(t, names[k])->data;
  *len = sizeof n;
  for (uint64_t i = 0; i < n; i++)
    *len += 4 + strlen(id[i]) + 1 + 2 * 4 + 5 * 8 + 8 * n_extra;
  char *buf = malloc(*len), *w = buf;
  if (!buf)
    return NULL;
  w = put(w, &n, sizeof n);
  for (uint64_t i = 0; i < n; i++) {
    uint32_t l = (uint32_t)strlen(id[i]);
    w = put(w, &l, 4), w = put(w, id[i], l + 1);
    for (int k = 0; k < 2; k++)
      w = put(w, &day[k][i], 4);
    for (int k = 0; k < 5; k++)
      w = put(w, &v[k][i], 8);
    w = put_extras(w, t, from, i);
  }
  return buf;
}

static const char *read_row(const char *p, size_t n_extra, row *r) {
  p = get(p, &r->len, 4);
  r->id = p;
  p += r->len + 1;
  p = get(p, r->day, sizeof r->day);
  p = get(p, r->v, sizeof r->v);
  r->extra = p;
  return p + 8 * n_extra;
}

/* Rank 0: an empty table of n rows with the extra columns of `like`. */
static patron_status given_table(const patron_table *like, size_t from, uint64_t n,
                                 patron_table **out, patron_error *err) {
  patron_table *t = patron_table_new(n);
  patron_status st = t ? PATRON_OK : PATRON__OOM(err);
  for (size_t k = from; st == PATRON_OK && k < patron_table_n_columns(like); k++) {
    const patron_column *c = patron_table_column(like, k);
    void *data;
    st = c->type == PATRON_COL_CATEGORY
             ? patron_table_add_category(t, c->name, c->labels, c->alt_labels, c->n_labels,
                                         c->segmentation, (int32_t **)&data, err)
             : patron_table_add(t, c->name, c->type, &data, err);
    if (st == PATRON_OK && c->type == PATRON_COL_DOUBLE)
      patron_table_set_decimals(t, c->name, c->decimals);
  }
  if (st != PATRON_OK)
    patron_table_free(t), t = NULL;
  *out = t;
  return st;
}

static void set_extras(patron_table *t, uint64_t r, const char *p) {
  for (size_t k = 0; k < patron_table_n_columns(t); k++, p += 8) {
    const patron_column *c = patron_table_column(t, k);
    int64_t v;
    get(p, &v, 8);
    if (is_narrow(c))
      ((int32_t *)c->data)[r] = (int32_t)v;
    else
      ((int64_t *)c->data)[r] = v;
  }
}

static int cmp_ids(const row *a, const row *b) {
  int c = memcmp(a->id, b->id, a->len < b->len ? a->len : b->len);
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

typedef struct cursor {
  const char *p;
  uint64_t left;
  row head;
} cursor;

/* Rank 0: the blocks of every rank merged into the profile's base columns and the extra
 * columns into *given (a table without columns when there are none). */
static patron_status merge_rows(const char *blocks, int n, int32_t as_of, const patron_table *like,
                                patron_profile **out, patron_table **given, int32_t **origin,
                                patron_error *err) {
  size_t from = first_extra(like), n_extra = patron_table_n_columns(like) - from;
  cursor *c = calloc((size_t)n, sizeof *c);
  if (!c)
    return PATRON__OOM(err);
  uint64_t total = 0;
  const char *p = blocks;
  for (int i = 0; i < n; i++) {
    p = get(p, &c[i].left, 8);
    total += c[i].left;
    c[i].p = p;
    for (uint64_t k = 0; k < c[i].left; k++) /* to the next block */
      p = read_row(p, n_extra, &c[i].head);
    if (c[i].left)
      c[i].p = read_row(c[i].p, n_extra, &c[i].head);
  }
  base_columns b;
  patron_status st = patron__profile_new_base(total, as_of, &b, out, err);
  *given = NULL;
  if (st == PATRON_OK) /* even without columns: the rules' columns may join it later */
    st = given_table(like, from, total, given, err);
  if (st == PATRON_OK && !(*origin = malloc((total ? total : 1) * sizeof **origin)))
    st = PATRON__OOM(err);
  for (uint64_t r = 0; st == PATRON_OK && r < total; r++) {
    int best = -1;
    for (int i = 0; i < n; i++)
      if (c[i].left && (best < 0 || cmp_ids(&c[i].head, &c[best].head) < 0))
        best = i;
    const row *h = &c[best].head;
    b.id[r] = h->id, b.first[r] = h->day[0], b.last[r] = h->day[1];
    b.recency[r] = h->v[0], b.frequency[r] = h->v[1], b.tenure[r] = h->v[2];
    b.monetary[r] = h->v[3], b.aov[r] = h->v[4];
    if (*given)
      set_extras(*given, r, h->extra);
    (*origin)[r] = best;
    if (--c[best].left)
      c[best].p = read_row(c[best].p, n_extra, &c[best].head);
  }
  free(c);
  return st;
}

patron_status patron__mpi_gather_profile(MPI_Comm comm, const patron_profile *local, int32_t as_of,
                                         patron_profile **out, char **ids, patron_table **given,
                                         int32_t **origin, patron_error *err) {
  int rank, n;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &n);
  *out = NULL, *ids = NULL, *given = NULL, *origin = NULL;
  uint64_t *send_counts = calloc((size_t)n, sizeof *send_counts);
  uint64_t *recv_counts = malloc((size_t)n * sizeof *recv_counts);
  char *send = send_counts && recv_counts ? pack_rows(local, &send_counts[0]) : NULL;
  patron_status st = patron__mpi_agree(comm, send ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, send, send_counts, 0, ids, recv_counts, err);
  if (st == PATRON_OK && rank == 0)
    st = merge_rows(*ids, n, as_of, patron_profile_table_const(local), out, given, origin, err);
  free(send), free(send_counts), free(recv_counts);
  return patron__mpi_agree(comm, st, err);
}
