/* The built-in tags of SPEC section 7 under MPI (mpi_int.h; docs/SCALE.md section 9): every
 * rank computes the tag columns of its own customers with the single-process code, from
 * inputs combined over the ranks, so that every rank adds the same columns with the same
 * labels: a non-zero discount or a birth_date on any rank, and the category, brand and
 * channel labels as the byte-ordered union of every rank's dictionary values (each order
 * and event row is loaded by one rank only, so the union is the single process's
 * dictionary). */
#include "mpi/mpi_int.h"
#include "ops/tags_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* This rank's labels of one dictionary as NUL-terminated strings one after another. */
static char *pack_labels(const patron__tag_inputs *in, int d, int *len) {
  size_t n = 0;
  for (size_t i = 0; i < in->n_labels[d]; i++)
    n += strlen(in->labels[d][i]) + 1;
  char *buf = n <= INT_MAX ? malloc(n ? n : 1) : NULL, *w = buf;
  for (size_t i = 0; buf && i < in->n_labels[d]; i++)
    w = stpcpy(w, in->labels[d][i]) + 1;
  *len = (int)n;
  return buf;
}

/* The sorted, distinct labels in `all` (total bytes of NUL-terminated strings), owned by ts. */
static bool union_labels(patron_tagset *ts, char *all, size_t total, patron__tag_inputs *in,
                         int d) {
  size_t n = 0;
  for (size_t at = 0; at < total; at += strlen(all + at) + 1)
    n++;
  const char **labels = malloc((n ? n : 1) * sizeof *labels);
  bool owned = patron__tagset_own(ts, all);
  if (!patron__tagset_own(ts, labels) || !owned)
    return false;
  n = 0;
  for (size_t at = 0; at < total; at += strlen(all + at) + 1)
    labels[n++] = all + at;
  qsort(labels, n, sizeof *labels, by_text);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || strcmp(labels[k - 1], labels[i]) != 0)
      labels[k++] = labels[i];
  in->labels[d] = labels, in->n_labels[d] = k;
  return true;
}

/* Every rank's labels of dictionary d, gathered to all and merged. Collective. */
static patron_status global_labels(MPI_Comm comm, patron_tagset *ts, patron__tag_inputs *in, int d,
                                   patron_error *err) {
  int n, len;
  MPI_Comm_size(comm, &n);
  char *mine = pack_labels(in, d, &len), *all = NULL;
  int *counts = malloc((size_t)n * sizeof *counts), *displs = malloc((size_t)n * sizeof *displs);
  patron_status st =
      patron__mpi_agree(comm, mine && counts && displs ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK) {
    MPI_Allgather(&len, 1, MPI_INT, counts, 1, MPI_INT, comm);
    size_t total = 0;
    for (int i = 0; i < n; i++)
      displs[i] = (int)total, total += (size_t)counts[i];
    all = total <= INT_MAX ? malloc(total ? total : 1) : NULL;
    st = patron__mpi_agree(comm, all ? PATRON_OK : PATRON__OOM(err), err);
    if (st == PATRON_OK) {
      MPI_Allgatherv(mine, len, MPI_CHAR, all, counts, displs, MPI_CHAR, comm);
      st = union_labels(ts, all, total, in, d) ? PATRON_OK : PATRON__OOM(err);
    } else
      free(all);
  }
  free(mine), free(counts), free(displs);
  return st;
}

patron_status patron__mpi_tags(MPI_Comm comm, const patron_dataset *ds, patron_profile *local,
                               const patron_tags_options *o, patron_tagset *ts, patron_error *err) {
  patron__tag_inputs in;
  patron_status st = patron__mpi_agree(comm, patron__tags_inputs(ts, ds, local, &in, err), err);
  if (st != PATRON_OK)
    return st;
  int mine[2] = {in.discount, in.birth_date}, any[2];
  MPI_Allreduce(mine, any, 2, MPI_INT, MPI_LOR, comm);
  in.discount = any[0], in.birth_date = any[1];
  for (int d = 0; st == PATRON_OK && d < PATRON__TAG_DICTS; d++)
    st = patron__mpi_agree(comm, global_labels(comm, ts, &in, d, err), err);
  if (st == PATRON_OK)
    st = patron__tags_builtin_with(ts, local, ds, o, &in, 0, err);
  return patron__mpi_agree(comm, st, err);
}
