/* k-means under MPI (docs/SCALE.md section 9, docs/KMEANS.md "Exact sums"): every rank
 * clusters its own purchasers; the k-means totals (standardization, centre sums and counts,
 * inertia, k-means++ draws) are exact __int128 grid sums added with MPI_Allreduce, and a
 * row's global position (its rank among every rank's clustered customers in customer_id
 * order, the single process's row order) is what draws and samples refer to, so the fit is
 * the single process's bit for bit for any number of ranks. */
#include "models/kmeans/kmeans_int.h"
#include "models/tiers/tiers_int.h"
#include "mpi/mpi_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct mpi_sums {
  MPI_Comm comm;
  MPI_Datatype type; /* 16 bytes */
  MPI_Op add;
} mpi_sums;

static void add_i128(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  for (int i = 0; i < *len; i++) {
    patron__i128 a, b;
    memcpy(&a, (char *)in + 16 * (size_t)i, 16);
    memcpy(&b, (char *)inout + 16 * (size_t)i, 16);
    b += a;
    memcpy((char *)inout + 16 * (size_t)i, &b, 16);
  }
}

static void sum(void *ctx, patron__i128 *v, size_t n) {
  const mpi_sums *m = ctx;
  while (n > 0) {
    int c = n > (1u << 24) ? (1 << 24) : (int)n;
    MPI_Allreduce(MPI_IN_PLACE, v, c, m->type, m->add, m->comm);
    v += c, n -= (size_t)c;
  }
}

static bool all_ok(void *ctx, bool ok) {
  const mpi_sums *m = ctx;
  int mine = ok, all;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, m->comm);
  return all;
}

/* Rank 0: the global positions of every rank's clustered rows. flags holds each rank's
 * block (one byte per profile row, 1 = clustered, in the rank's row order, which is its
 * customers' order in the merged profile); origin[i] is the rank merged row i came from.
 * out receives the positions per rank (uint64, concatenated), out_counts the bytes. */
static patron_status positions(const patron_profile *merged, const int32_t *origin,
                               const char *flags, const uint64_t *flag_counts, int n, char **out,
                               uint64_t *out_counts, uint64_t *n_global, patron_error *err) {
  size_t rows = patron_table_n_rows(patron_profile_table_const(merged)), total = 0;
  uint64_t *at = calloc((size_t)n, sizeof *at), *from = calloc((size_t)n, sizeof *from);
  uint64_t *cnt = calloc((size_t)n, sizeof *cnt);
  for (int r = 0; from && r < n; r++) {
    from[r] = total;
    total += flag_counts[r];
  }
  uint64_t *pos = malloc((total ? total : 1) * sizeof *pos);
  patron_status st = at && from && cnt && pos ? PATRON_OK : PATRON__OOM(err);
  uint64_t g = 0;
  for (size_t i = 0; st == PATRON_OK && i < rows; i++) {
    int s = origin[i];
    if (s < 0 || s >= n || at[s] >= flag_counts[s])
      st = patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                             "cluster: the merged rows do not match the ranks' rows");
    else if (flags[from[s] + at[s]++])
      pos[from[s] + cnt[s]++] = g++;
  }
  for (int r = 0; st == PATRON_OK && r < n; r++)
    if (at[r] != flag_counts[r])
      st = patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                             "cluster: the merged rows do not match the ranks' rows");
  char *buf = st == PATRON_OK ? malloc(g ? g * 8 : 1) : NULL, *w = buf;
  if (st == PATRON_OK && !buf)
    st = PATRON__OOM(err);
  for (int r = 0; st == PATRON_OK && r < n; r++) {
    out_counts[r] = cnt[r] * 8;
    w = (char *)memcpy(w, pos + from[r], out_counts[r]) + out_counts[r];
  }
  *out = buf;
  *n_global = g;
  free(at), free(from), free(cnt), free(pos);
  return st;
}

/* Every rank: the global positions of its clustered rows (rows[0..n), in table order). */
static patron_status exchange_positions(MPI_Comm comm, const patron_profile *local,
                                        const patron_profile *merged, const int32_t *origin,
                                        const uint32_t *rows, size_t n, uint64_t **gidx,
                                        uint64_t *n_global, patron_error *err) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  size_t n_rows = patron_table_n_rows(patron_profile_table_const(local));
  char *flags = calloc(n_rows ? n_rows : 1, 1), *recv = NULL, *back = NULL, *send = NULL;
  uint64_t *counts = calloc(4 * (size_t)size, sizeof *counts);
  patron_status st = patron__mpi_agree(comm, flags && counts ? PATRON_OK : PATRON__OOM(err), err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    flags[rows[i]] = 1;
  if (st == PATRON_OK) {
    counts[0] = n_rows; /* to rank 0 */
    st = patron__mpi_alltoallv(comm, flags, counts, 0, &recv, counts + size, err);
  }
  if (st == PATRON_OK && rank == 0)
    st = positions(merged, origin, recv, counts + size, size, &send, counts + 2 * size, n_global,
                   err);
  st = patron__mpi_agree(comm, st, err);
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, send ? send : flags, counts + 2 * size, 0, &back,
                               counts + 3 * size, err);
  if (st == PATRON_OK && counts[3 * size] != n * 8)
    st = patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                           "cluster: the positions do not match the rows");
  st = patron__mpi_agree(comm, st, err);
  if (st == PATRON_OK) {
    MPI_Bcast(n_global, 1, MPI_UINT64_T, 0, comm);
    *gidx = malloc(n ? n * 8 : 1);
    st = patron__mpi_agree(comm, *gidx ? PATRON_OK : PATRON__OOM(err), err);
  }
  if (st == PATRON_OK)
    memcpy(*gidx, back, n * 8);
  free(flags), free(recv), free(back), free(send), free(counts);
  return st;
}

patron_status patron__mpi_cluster(MPI_Comm comm, const patron_profile *local,
                                  const patron_profile *merged, const int32_t *origin,
                                  const patron_cluster_options *o, patron_clustering **out,
                                  patron_error *err) {
  *out = NULL;
  uint32_t *rows = NULL;
  size_t n = 0;
  uint64_t *gidx = NULL, n_global = 0;
  patron_status st = patron__cluster_rows(patron_profile_table_const(local), o, &rows, &n, err);
  st = patron__mpi_agree(comm, st, err);
  if (st == PATRON_OK)
    st = exchange_positions(comm, local, merged, origin, rows, n, &gidx, &n_global, err);
  if (st == PATRON_OK) {
    mpi_sums m = {.comm = comm};
    MPI_Type_contiguous(16, MPI_BYTE, &m.type);
    MPI_Type_commit(&m.type);
    MPI_Op_create(add_i128, 1, &m.add);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    patron__km_comm kc = {.ctx = &m, .rank = rank, .size = size, .sum = sum, .all_ok = all_ok};
    patron__km_part part = {.comm = &kc, .gidx = gidx, .n_global = n_global};
    st = patron__cluster_fit_part(patron_profile_table_const(local), o, &part, out, err);
    MPI_Op_free(&m.add);
    MPI_Type_free(&m.type);
  }
  free(rows), free(gidx);
  return patron__mpi_agree(comm, st, err);
}
