/* The CLV columns under MPI (mpi_int.h; docs/SCALE.md section 9, docs/CLV.md): the purchase
 * model's likelihood depends on a customer only through (x, t_x, T) and Gamma-Gamma's
 * through (x, mean spend), and the single-process fit (clv_summary.c) runs over the
 * distinct rows with summed weights in the order they first appear among the customers
 * sorted by id. Each rank therefore sends rank 0 its distinct rows, each with its integer
 * count and the smallest customer_id that has it; rank 0 sorts all rows by that id and fits
 * on them: the fit sees the same distinct rows, in the same order, with the same weights
 * (sums of integers, exact), so its parameters are the single process's bit for bit for
 * any number of ranks. The models (plain structs) are broadcast and every rank predicts its
 * own customers with the single-process code. */
#include "models/clv/clv_int.h"
#include "mpi/mpi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A distinct row on the wire: u32 id length, the id, then four doubles (x, t_x or mean
 * spend, T, count); a block is the purchase rows then the spend rows, each after its u64
 * row count. */
typedef struct wire_row {
  const char *id;
  uint32_t len;
  double v[4];
} wire_row;

static char *put(char *p, const void *v, size_t n) { return (char *)memcpy(p, v, n) + n; }
static const char *get(const char *p, void *v, size_t n) { return memcpy(v, p, n), p + n; }

/* The id of the first cohort customer of each distinct row of s. */
static const char **first_ids(const patron_clv_summary *s, const patron_clv_cohort *c,
                              const patron_dataset *ds) {
  const char **id = calloc(s->n ? s->n : 1, sizeof *id);
  const uint32_t *index = patron_clv_summary_index(s);
  for (size_t i = 0; id && i < c->n; i++)
    if (index[i] != UINT32_MAX && !id[index[i]])
      id[index[i]] = patron_dataset_customer_id(ds, c->customer[i]);
  return id;
}

static uint64_t block_bytes(const patron_clv_summary *s, const char **id) {
  uint64_t len = 8;
  for (size_t r = 0; s && r < s->n; r++)
    len += 4 + strlen(id[r]) + 4 * 8;
  return len;
}

static char *put_block(char *w, const patron_clv_summary *s, const char **id, bool spend) {
  uint64_t n = s ? s->n : 0;
  w = put(w, &n, 8);
  for (size_t r = 0; r < n; r++) {
    uint32_t l = (uint32_t)strlen(id[r]);
    double v[4] = {s->x[r], spend ? s->m[r] : s->tx[r], s->T[r], s->w[r]};
    w = put(w, &l, 4), w = put(w, id[r], l), w = put(w, v, sizeof v);
  }
  return w;
}

/* This rank's distinct rows (purchases, then spend unless ss is NULL) packed for rank 0. */
static char *pack(const patron_clv_summary *sp, const patron_clv_summary *ss,
                  const patron_clv_cohort *c, const patron_dataset *ds, uint64_t *len) {
  const char **idp = first_ids(sp, c, ds), **ids = ss ? first_ids(ss, c, ds) : NULL;
  char *buf = NULL;
  if (idp && (!ss || ids)) {
    *len = block_bytes(sp, idp) + block_bytes(ss, ids);
    if ((buf = malloc(*len)))
      put_block(put_block(buf, sp, idp, false), ss, ids, true);
  }
  free(idp), free(ids);
  return buf;
}

static int cmp_ids(const void *a, const void *b) {
  const wire_row *p = a, *q = b;
  int c = memcmp(p->id, q->id, p->len < q->len ? p->len : q->len);
  return c ? c : (p->len > q->len) - (p->len < q->len);
}

typedef struct merged {
  wire_row *rows[2]; /* purchases, spend */
  size_t n[2];
  double *col[2]; /* 4 columns of n each */
} merged;

static void merged_free(merged *m) {
  for (int k = 0; k < 2; k++)
    free(m->rows[k]), free(m->col[k]);
}

/* Rank 0: every rank's rows of both kinds, sorted by first customer_id, as columns. */
static bool merge(const char *blocks, int n_ranks, merged *m) {
  const char *p = blocks;
  size_t cap[2] = {0, 0};
  for (int r = 0; r < n_ranks; r++)
    for (int k = 0; k < 2; k++) {
      uint64_t n;
      p = get(p, &n, 8);
      if (m->n[k] + n > cap[k]) {
        cap[k] = 2 * (m->n[k] + n);
        wire_row *g = realloc(m->rows[k], cap[k] * sizeof *g);
        if (!g)
          return false;
        m->rows[k] = g;
      }
      for (uint64_t i = 0; i < n; i++) {
        wire_row *w = &m->rows[k][m->n[k]++];
        p = get(p, &w->len, 4);
        w->id = p, p += w->len;
        p = get(p, w->v, sizeof w->v);
      }
    }
  for (int k = 0; k < 2; k++) {
    size_t n = m->n[k];
    if (n)
      qsort(m->rows[k], n, sizeof *m->rows[k], cmp_ids);
    if (!(m->col[k] = malloc(4 * (n ? n : 1) * sizeof(double))))
      return false;
    for (size_t i = 0; i < n; i++)
      for (int j = 0; j < 4; j++)
        m->col[k][j * n + i] = m->rows[k][i].v[j];
  }
  return true;
}

/* Rank 0: the fits on the merged rows. A fit the data cannot support (the single process's
 * warning cases) leaves no models and its message in note. */
static patron_status fit(const merged *m, const patron_clv_profile_options *o,
                         patron_clv_model **pm, patron_clv_model **sm, char *note, size_t cap,
                         patron_error *err) {
  const double *a = m->col[0], *b = m->col[1];
  size_t na = m->n[0], nb = m->n[1];
  patron_clv_data purchases = {na, a, a + na, a + 2 * na, a + 3 * na, NULL};
  patron_clv_data spend = {nb, b, NULL, NULL, b + 3 * nb, b + nb};
  patron_error own = {0};
  patron_status st = patron__clv_profile_fit(&purchases, &spend, o, pm, sm, &own);
  if (st == PATRON_ERR_DOMAIN || st == PATRON_ERR_NOCONV || st == PATRON_ERR_INPUT) {
    snprintf(note, cap, "%s", own.message);
    patron_clv_model_free(*pm), patron_clv_model_free(*sm);
    *pm = *sm = NULL;
    return PATRON_OK;
  }
  if (st != PATRON_OK)
    *err = own;
  return st;
}

/* Rank 0's models to every rank (a model is a plain struct: its bytes). */
static patron_status broadcast(MPI_Comm comm, patron_clv_model **pm, patron_clv_model **sm,
                               patron_error *err) {
  int rank, have[2] = {*pm != NULL, *sm != NULL};
  MPI_Comm_rank(comm, &rank);
  MPI_Bcast(have, 2, MPI_INT, 0, comm);
  patron_clv_model **m[2] = {pm, sm};
  bool ok = true;
  for (int k = 0; k < 2; k++)
    if (rank != 0 && have[k] && !(*m[k] = malloc(sizeof(patron_clv_model))))
      ok = false;
  patron_status st = patron__mpi_agree(comm, ok ? PATRON_OK : PATRON__OOM(err), err);
  for (int k = 0; st == PATRON_OK && k < 2; k++)
    if (have[k])
      MPI_Bcast(*m[k], (int)sizeof(patron_clv_model), MPI_BYTE, 0, comm);
  return st;
}

/* This rank's distinct rows to rank 0, which merges them and fits. */
static patron_status gather_and_fit(MPI_Comm comm, const patron_clv_cohort *c,
                                    const patron_dataset *ds, const patron_clv_profile_options *o,
                                    patron_clv_model **pm, patron_clv_model **sm, char *note,
                                    size_t cap, patron_error *err) {
  int rank, n;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &n);
  patron_clv_data d = patron_clv_cohort_data(c);
  patron_clv_summary *sp = NULL, *ss = NULL;
  patron_status st = patron_clv_compress(&d, &sp, err);
  if (st == PATRON_OK && o->spend)
    st = patron__clv_compress_spend(&d, &ss, err);
  uint64_t *send_counts = calloc((size_t)n, sizeof *send_counts);
  uint64_t *recv_counts = malloc((size_t)n * sizeof *recv_counts);
  char *send =
      st == PATRON_OK && send_counts && recv_counts ? pack(sp, ss, c, ds, &send_counts[0]) : NULL;
  st = patron__mpi_agree(comm, st == PATRON_OK && !send ? PATRON__OOM(err) : st, err);
  char *blocks = NULL;
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, send, send_counts, 0, &blocks, recv_counts, err);
  merged m = {0};
  if (st == PATRON_OK && rank == 0)
    st = merge(blocks, n, &m) ? fit(&m, o, pm, sm, note, cap, err) : PATRON__OOM(err);
  merged_free(&m);
  free(blocks), free(send), free(send_counts), free(recv_counts);
  patron_clv_summary_free(sp), patron_clv_summary_free(ss);
  return patron__mpi_agree(comm, st, err);
}

patron_status patron__mpi_clv(MPI_Comm comm, const patron_dataset *ds, patron_profile *local,
                              const patron_clv_profile_options *o, patron_clv_model **pm,
                              patron_clv_model **sm, char *note, size_t cap, patron_error *err) {
  *pm = *sm = NULL;
  note[0] = '\0';
  int32_t as_of = patron_profile_as_of(local);
  patron_clv_cohort *c = NULL;
  patron_status st =
      patron__mpi_agree(comm, patron__clv_profile_cohort(ds, as_of, o->threads, &c, err), err);
  if (st == PATRON_OK)
    st = gather_and_fit(comm, c, ds, o, pm, sm, note, cap, err);
  patron_clv_cohort_free(c);
  if (st == PATRON_OK)
    st = broadcast(comm, pm, sm, err);
  patron_clv_profile_options given = *o;
  given.given = true, given.purchases_given = *pm, given.spend_given = *sm;
  given.purchases_out = given.spend_out = NULL;
  if (st == PATRON_OK)
    st = patron_clv_profile_columns(patron_profile_table(local), ds,
                                    patron_profile_customers(local), as_of, &given, err);
  return patron__mpi_agree(comm, st, err);
}
