/* Internal helpers of the tiers models (value index, tiers, member levels, cluster
 * features): usage errors that echo a flag's text with a caret under the fault (as --map
 * does), number fields of such texts, and order-preserving sort keys for doubles. */
#ifndef PATRON_TIERS_INT_H
#define PATRON_TIERS_INT_H

#include "core/core_int.h"
#include "patron/table.h"
#include "patron/tiers.h"

#include <string.h>

/* patron_value_index with the three columns' ranks on n_threads (0: all online cores). */
patron_status patron__value_index_with(patron_table *t, const patron_value_index_options *o,
                                       int n_threads, patron_value_index_info *info,
                                       patron_error *err);

/* One clustering feature: a numeric profile column, bare or through signed log1p. */
typedef struct patron__feature {
  const patron_column *column;
  bool log1p;
  char name[96]; /* "log1p(monetary)" */
} patron__feature;

/* Parses a --features text against t's numeric columns into f (cap
 * PATRON_CLUSTER_MAX_FEATURES); PATRON_ERR_USAGE with a caret under the bad part. */
patron_status patron__features_parse(const char *text, const patron_table *t, patron__feature *f,
                                     size_t *n, patron_error *err);

/* The feature matrix (n_used x d, row-major, malloc'ed in *x) of the rows that have a
 * purchase (freq not none) and every feature; (*rows)[i] is the table row of matrix row i.
 * *n_missing counts purchasers left out for an empty feature. */
patron_status patron__features_matrix(const patron_table *t, const patron__feature *f, size_t d,
                                      const int64_t *freq, double **x, uint32_t **rows,
                                      size_t *n_used, size_t *n_missing, patron_error *err);

/* The clusters under MPI (docs/SCALE.md section 9). patron__cluster_rows: the table rows
 * (*rows malloc'ed, *n of them, in table order) that the clustering of o would use.
 * patron__cluster_fit_part: standardize and fit over the rows of every rank (t holds this
 * rank's customers; part->gidx the global positions of its clustered rows); collective,
 * every rank gets the same fit in *out, which writes no column. patron__cluster_table_given:
 * patron_cluster_table with the standardization, centres and figures of such a fit (the
 * rows of t must be those of every rank), each row going to its nearest centre. */
struct patron__km_part;
patron_status patron__cluster_rows(const patron_table *t, const patron_cluster_options *o,
                                   uint32_t **rows, size_t *n, patron_error *err);
patron_status patron__cluster_fit_part(const patron_table *t, const patron_cluster_options *o,
                                       const struct patron__km_part *part, patron_clustering **out,
                                       patron_error *err);
patron_status patron__cluster_table_given(patron_table *t, const patron_cluster_options *o,
                                          const patron_clustering *fit, patron_clustering **out,
                                          patron_error *err);

/* PATRON_ERR_USAGE: "FLAG TEXT\n  TEXT\n  <blanks>^ WHY"; err->column = at + 1. */
patron_status patron__spec_error(patron_error *err, const char *flag, const char *text, size_t at,
                                 const char *why);

/* A finite decimal number filling text[0..len) exactly (blanks around it allowed). */
bool patron__spec_number(const char *text, size_t len, double *out);

/* Length of the field starting at s, up to `stop` or the end of the string. */
static inline size_t patron__field_len(const char *s, char stop) {
  const char *e = strchr(s, stop);
  return e ? (size_t)(e - s) : strlen(s);
}

/* Key of a finite double such that unsigned order = numeric order (-0.0 == 0.0). */
static inline uint64_t patron__key_f64(double v) {
  uint64_t u;
  v = v == 0 ? 0.0 : v;
  memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : u ^ (1ull << 63);
}

#endif
