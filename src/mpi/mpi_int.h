/* The MPI backend of SPEC section 15 (docs/SCALE.md, section "MPI"): every rank reads a
 * byte range of the orders file, lines are routed to the rank owning their customer (hash
 * of customer_id), each rank loads and profiles its own customers with the single-process
 * code, and rank 0 assembles the global profile. Built only when CMake finds MPI. */
#ifndef PATRON_MPI_INT_H
#define PATRON_MPI_INT_H

#include "core/core_int.h"
#include "core/profile_int.h"
#include "patron/clv.h"
#include "patron/dataset.h"
#include "patron/tags.h"

#include <mpi.h>

/* Bytes sent to one rank per round of patron__mpi_alltoallv: the counts of MPI's
 * Alltoallv are ints, so volumes past INT_MAX travel in rounds of at most this much per
 * pair. PATRON_MPI_CHUNK_BYTES (environment) lowers it and forces rounds whatever the
 * volume, which the tests use. */
size_t patron__mpi_chunk_bytes(int n_ranks);

/* All-to-all exchange of byte blocks with 64-bit counts: send holds the blocks for ranks
 * 0..n-1 one after another (send_counts[r] bytes for rank r). On success *recv (malloc'ed,
 * the caller frees) holds `reserve` free bytes and then the blocks received from ranks
 * 0..n-1 in rank order, recv_counts[r] bytes from rank r. Collective; every rank returns
 * the same status (PATRON_ERR_NOMEM when any rank ran out of memory). */
patron_status patron__mpi_alltoallv(MPI_Comm comm, const char *send, const uint64_t *send_counts,
                                    size_t reserve, char **recv, uint64_t *recv_counts,
                                    patron_error *err);

/* The status every rank agrees on: the first failure of any rank (PATRON_OK when none).
 * Ranks that did not fail get a message naming the rank that did. Collective. */
patron_status patron__mpi_agree(MPI_Comm comm, patron_status st, patron_error *err);

/* This rank's part of the input file opts->paths[kind] (orders, customers or events) after
 * the shuffle: the file's header bytes, then every line of the file whose customer this
 * rank owns, in file order (a line is read by the rank whose byte range holds its first
 * byte; lines without a readable customer_id stay with their reader, whose loader rejects
 * them). *header_lines is the header's physical line count, *delimiter the file's.
 * Collective. */
typedef struct patron__mpi_part {
  char *text; /* malloc'ed */
  size_t len;
  uint64_t header_lines;
  char delimiter;
} patron__mpi_part;
patron_status patron__mpi_shuffle(MPI_Comm comm, const patron_load_options *opts,
                                  patron_file_kind kind, patron__mpi_part *out, patron_error *err);

/* The owner rank of a customer id among n ranks. */
int patron__mpi_owner(const char *id, size_t len, int n_ranks);

/* The report of input file `kind` of every rank summed into rank 0's ds (rows, rejects by
 * reason, empty cells, lines: header lines counted once); its path becomes `path`. Rank 0's
 * own rejects are dropped (their line numbers are those of its part). Collective. */
void patron__mpi_merge_report(MPI_Comm comm, patron_dataset *ds, patron_file_kind kind,
                              uint64_t header_lines, const char *path);

/* Gathers every rank's base profile rows (customer_id .. tenure_days of `local`) to rank 0,
 * which gets in *out one profile of all rows sorted by customer_id (byte order), as of
 * as_of; the ids point into *ids (malloc'ed; free after the profile). The columns after
 * tenure_days that every rank added to `local` (the same on every rank) travel with the
 * rows into *given, a table in *out's row order (without columns when there are none;
 * free it); *origin (malloc'ed) the rank each row came from.
 * Other ranks get NULL. Collective. */
patron_status patron__mpi_gather_profile(MPI_Comm comm, const patron_profile *local, int32_t as_of,
                                         patron_profile **out, char **ids, patron_table **given,
                                         int32_t **origin, patron_error *err);

/* The CLV columns (p_alive, exp_purchases_90d, clv_365d) added to every rank's `local`
 * profile: each rank's distinct (x, t_x, T) and (x, mean spend) rows with their counts go
 * to rank 0, which fits the models as the single process does (mpi_clv.c says why the
 * parameters are the same bits) and broadcasts them; every rank predicts its customers.
 * *pm, *sm receive the models on every rank (NULL when not fitted; the caller frees them);
 * on rank 0, note receives the reason when the data cannot support the purchase model
 * (the columns then stay empty, as in one process). Collective. */
patron_status patron__mpi_clv(MPI_Comm comm, const patron_dataset *ds, patron_profile *local,
                              const patron_clv_profile_options *o, patron_clv_model **pm,
                              patron_clv_model **sm, char *note, size_t cap, patron_error *err);

/* The built-in tag columns (SPEC section 7) added to every rank's `local` profile with the
 * single-process code, from inputs combined over the ranks (a discount or a birth_date on
 * any rank; the union of the ranks' category, brand and channel values as labels), so the
 * columns and labels are the same on every rank and the codes the single process's. The
 * labels live in ts. Collective. */
patron_status patron__mpi_tags(MPI_Comm comm, const patron_dataset *ds, patron_profile *local,
                               const patron_tags_options *o, patron_tagset *ts, patron_error *err);

/* The churn column (--churn-model, the model in dir) of every rank's `local` profile: the
 * single-process scoring of the rank's customers, with the features' rank scores counted
 * over every rank's customers (mpi_churn.c). Collective. */
patron_status patron__mpi_churn(MPI_Comm comm, const char *dir, const patron_dataset *ds,
                                patron_profile *local, patron_error *err);

/* The rule files (o->tags_file, o->segments_file) over every rank's customers: rank 0
 * sends each rank the columns of `global` (its profile table before the rules stage; NULL
 * on other ranks) for that rank's rows (`origin`: each row's rank, from the gather); each
 * rank rebuilds its customers' profile, runs the rules over its dataset and sends back the
 * rule columns, which rank 0 adds to `given` in its row order (mpi_rules.c). Collective. */
patron_status patron__mpi_rules(MPI_Comm comm, const patron_dataset *ds, int32_t as_of,
                                const patron_table *global, const int32_t *origin,
                                const patron_tags_options *o, patron_table *given,
                                patron_error *err);

#endif
