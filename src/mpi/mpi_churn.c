/* The churn score (--churn-model) under MPI (mpi_int.h; docs/SCALE.md section 9): every
 * rank scores its own customers with the saved model and the single-process feature code;
 * the features' RFM scores (SPEC section 3's 1 + floor(5 L / n) over the population's
 * buyers) rank every customer, so their counts are global: each rank's keys, sorted, are
 * gathered to every rank (8 bytes a buyer), and L is found by binary search in the merged
 * keys, n is their number. Exact for any split: the counts are integers over the same
 * multiset of keys as in one process.
 * Failure: every exchange starts with a checkpoint (all_ok), so ranks stay in step when one
 * fails. A rank that fails on its own (out of memory between exchanges) says so at one
 * checkpoint; the others meet it at their next one (or at the last, after the features) and
 * fail too, instead of waiting in an exchange the failed rank never enters. */
#include "models/churn/features_int.h"
#include "mpi/mpi_int.h"
#include "ops/stages.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int by_key(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

typedef struct churn_comm {
  MPI_Comm comm;
  bool told; /* a checkpoint has failed: every rank knows */
  bool mine; /* this rank failed at a checkpoint */
} churn_comm;

/* Is every rank still well? Collective: a checkpoint. */
static bool all_ok(churn_comm *c, bool ok) {
  int mine = ok, all;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, c->comm);
  c->told |= !all;
  c->mine |= !ok;
  return all;
}

static bool global_sum(void *ctx, size_t *v) {
  churn_comm *c = ctx;
  if (!all_ok(c, true))
    return false;
  uint64_t mine = *v, all;
  MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_SUM, c->comm);
  *v = (size_t)all;
  return true;
}

/* The keys of every rank, sorted (malloc'ed), and their number. Collective. */
static uint64_t *all_keys(churn_comm *c, const uint64_t *keys, size_t n, size_t *total) {
  MPI_Comm comm = c->comm;
  int ranks;
  MPI_Comm_size(comm, &ranks);
  int *counts = malloc((size_t)ranks * sizeof *counts),
      *displs = malloc((size_t)ranks * sizeof *displs);
  int mine = n <= INT_MAX ? (int)n : -1;
  uint64_t *all = NULL;
  if (all_ok(c, counts && displs && mine >= 0)) {
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm);
    size_t sum = 0;
    for (int i = 0; i < ranks; i++)
      displs[i] = (int)sum, sum += (size_t)counts[i];
    all = sum <= INT_MAX ? malloc((sum ? sum : 1) * sizeof *all) : NULL;
    if (all_ok(c, all != NULL)) {
      MPI_Allgatherv(keys, mine, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, comm);
      qsort(all, sum, sizeof *all, by_key);
      *total = sum;
    } else
      free(all), all = NULL;
  }
  free(counts), free(displs);
  return all;
}

static bool global_below(void *ctx, const uint64_t *keys, size_t n, uint32_t *below,
                         size_t *n_total) {
  size_t total = 0;
  uint64_t *all = all_keys(ctx, keys, n, &total);
  if (!all)
    return false;
  for (size_t j = 0; j < n; j++) { /* the first merged key not below keys[j] */
    size_t lo = 0, hi = total;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (all[mid] < keys[j])
        lo = mid + 1;
      else
        hi = mid;
    }
    below[j] = (uint32_t)lo;
  }
  free(all);
  *n_total = total;
  return true;
}

patron_status patron__mpi_churn(MPI_Comm comm, const char *dir, const patron_dataset *ds,
                                patron_profile *local, patron_error *err) {
  churn_comm c = {comm, false, false};
  patron__rank_counter rc = {global_below, global_sum, &c};
  patron_status st = patron__churn_column(dir, ds, local, &rc, err);
  if (!c.told)
    all_ok(&c, st == PATRON_OK);
  if (c.told && !c.mine) { /* failed only because another rank did: the agreement says which */
    patron_error_clear(err);
    st = PATRON_OK;
  }
  return patron__mpi_agree(comm, st, err);
}
