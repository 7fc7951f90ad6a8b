/* Collective helpers of the MPI backend (mpi_int.h): an all-to-all of byte blocks with
 * 64-bit counts: one MPI_Alltoallv when every rank's volumes fit int displacements, else
 * rounds through staging buffers whose int counts and displacements stay below INT_MAX
 * (MPI 3's MPI_Alltoallv takes ints; MPI 4's large-count MPI_Alltoallv_c is not in the
 * OpenMPI of Debian 12), and agreement on a status. */
#include "mpi/mpi_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t patron__mpi_chunk_bytes(int n_ranks) {
  size_t chunk = (256u << 20) / (size_t)n_ranks; /* staging: <= 256 MiB each way per round */
  const char *env = getenv("PATRON_MPI_CHUNK_BYTES");
  if (env && *env) {
    unsigned long long v = strtoull(env, NULL, 10);
    if (v > 0 && v < chunk)
      chunk = (size_t)v;
  }
  return chunk ? chunk : 1;
}

patron_status patron__mpi_agree(MPI_Comm comm, patron_status st, patron_error *err) {
  int rank, lowest;
  MPI_Comm_rank(comm, &rank);
  int mine = st != PATRON_OK ? rank : INT_MAX;
  MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, comm);
  if (lowest == INT_MAX)
    return PATRON_OK;
  int code = (int)st;
  MPI_Bcast(&code, 1, MPI_INT, lowest, comm);
  if (st != PATRON_OK)
    return st;
  return patron__error_set(err, (patron_status)code, NULL, 0, 0, "rank %d failed (see its message)",
                           lowest);
}

/* Rounds needed for every pair to move its bytes, agreed by all ranks. */
static uint64_t rounds_needed(MPI_Comm comm, const uint64_t *send, const uint64_t *recv, int n,
                              size_t chunk) {
  uint64_t mine = 1, all;
  for (int r = 0; r < n; r++) {
    uint64_t a = (send[r] + chunk - 1) / chunk, b = (recv[r] + chunk - 1) / chunk;
    mine = a > mine ? a : mine;
    mine = b > mine ? b : mine;
  }
  MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_MAX, comm);
  return all;
}

/* The bytes of a pair moved in round k: [k chunk, (k + 1) chunk) of its block, clipped. */
static int slice(uint64_t count, uint64_t k, size_t chunk) {
  uint64_t lo = k * chunk;
  if (lo >= count)
    return 0;
  return (int)(count - lo < chunk ? count - lo : chunk);
}

typedef struct plan {
  int n;
  size_t chunk;
  uint64_t *send_off, *recv_off; /* where each block starts */
  int *scount, *sdispl, *rcount, *rdispl;
  char *sstage, *rstage;
} plan;

static void plan_free(plan *p) {
  free(p->send_off), free(p->recv_off), free(p->scount), free(p->sdispl), free(p->rcount);
  free(p->rdispl), free(p->sstage), free(p->rstage);
}

static bool plan_init(plan *p, int n, const uint64_t *send_counts, const uint64_t *recv_counts,
                      size_t reserve) {
  *p = (plan){.n = n, .chunk = patron__mpi_chunk_bytes(n)};
  p->send_off = malloc(n * sizeof *p->send_off), p->recv_off = malloc(n * sizeof *p->recv_off);
  p->scount = malloc(n * sizeof(int)), p->sdispl = malloc(n * sizeof(int));
  p->rcount = malloc(n * sizeof(int)), p->rdispl = malloc(n * sizeof(int));
  if (!p->send_off || !p->recv_off || !p->scount || !p->sdispl || !p->rcount || !p->rdispl)
    return false;
  uint64_t s = 0, r = reserve;
  for (int i = 0; i < n; i++) {
    p->send_off[i] = s, p->recv_off[i] = r;
    s += send_counts[i], r += recv_counts[i];
  }
  return true;
}

/* One round: stage each pair's slice, exchange, copy the received slices into place. */
static void round_k(MPI_Comm comm, plan *p, uint64_t k, const char *send,
                    const uint64_t *send_counts, char *recv, const uint64_t *recv_counts) {
  int sd = 0, rd = 0;
  for (int i = 0; i < p->n; i++) {
    p->scount[i] = slice(send_counts[i], k, p->chunk), p->sdispl[i] = sd;
    if (p->scount[i])
      memcpy(p->sstage + sd, send + p->send_off[i] + k * p->chunk, (size_t)p->scount[i]);
    sd += p->scount[i];
    p->rcount[i] = slice(recv_counts[i], k, p->chunk), p->rdispl[i] = rd;
    rd += p->rcount[i];
  }
  MPI_Alltoallv(p->sstage, p->scount, p->sdispl, MPI_BYTE, p->rstage, p->rcount, p->rdispl,
                MPI_BYTE, comm);
  for (int i = 0; i < p->n; i++)
    if (p->rcount[i])
      memcpy(recv + p->recv_off[i] + k * p->chunk, p->rstage + p->rdispl[i], (size_t)p->rcount[i]);
}

/* The whole exchange in one MPI_Alltoallv, straight between the caller's buffers, when
 * every rank's volumes fit its int displacements; false (on every rank) when they do not
 * or PATRON_MPI_CHUNK_BYTES asks for rounds. */
static bool direct(MPI_Comm comm, plan *p, const char *send, const uint64_t *send_counts,
                   char *recv, const uint64_t *recv_counts) {
  int n = p->n, fits = !getenv("PATRON_MPI_CHUNK_BYTES"), all;
  for (int i = 0; i < n; i++)
    fits &=
        p->send_off[i] + send_counts[i] <= INT_MAX && p->recv_off[i] + recv_counts[i] <= INT_MAX;
  MPI_Allreduce(&fits, &all, 1, MPI_INT, MPI_MIN, comm);
  if (!all)
    return false;
  for (int i = 0; i < n; i++) {
    p->scount[i] = (int)send_counts[i], p->sdispl[i] = (int)p->send_off[i];
    p->rcount[i] = (int)recv_counts[i], p->rdispl[i] = (int)p->recv_off[i];
  }
  MPI_Alltoallv(send, p->scount, p->sdispl, MPI_BYTE, recv, p->rcount, p->rdispl, MPI_BYTE, comm);
  return true;
}

/* In rounds through staging buffers of at most chunk bytes per pair. */
static patron_status in_rounds(MPI_Comm comm, plan *p, const char *send,
                               const uint64_t *send_counts, char *recv, const uint64_t *recv_counts,
                               patron_error *err) {
  p->sstage = malloc(p->chunk * (size_t)p->n), p->rstage = malloc(p->chunk * (size_t)p->n);
  patron_status st =
      patron__mpi_agree(comm, p->sstage && p->rstage ? PATRON_OK : PATRON__OOM(err), err);
  uint64_t rounds =
      st == PATRON_OK ? rounds_needed(comm, send_counts, recv_counts, p->n, p->chunk) : 0;
  for (uint64_t k = 0; k < rounds; k++)
    round_k(comm, p, k, send, send_counts, recv, recv_counts);
  return st;
}

patron_status patron__mpi_alltoallv(MPI_Comm comm, const char *send, const uint64_t *send_counts,
                                    size_t reserve, char **recv, uint64_t *recv_counts,
                                    patron_error *err) {
  int n;
  MPI_Comm_size(comm, &n);
  *recv = NULL;
  MPI_Alltoall(send_counts, 1, MPI_UINT64_T, recv_counts, 1, MPI_UINT64_T, comm);
  uint64_t total = reserve;
  for (int i = 0; i < n; i++)
    total += recv_counts[i];
  plan p;
  bool ok = plan_init(&p, n, send_counts, recv_counts, reserve) &&
            (*recv = malloc(total ? total : 1)) != NULL;
  patron_status st = patron__mpi_agree(comm, ok ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK && !direct(comm, &p, send, send_counts, *recv, recv_counts))
    st = in_rounds(comm, &p, send, send_counts, *recv, recv_counts, err);
  if (st != PATRON_OK) {
    free(*recv);
    *recv = NULL;
  }
  plan_free(&p);
  return st;
}
