/* Internal pieces of the lookalike model (src/models/lookalike): the standardised design
 * matrix every method reads. */
#ifndef PATRON_MODELS_LOOKALIKE_INT_H
#define PATRON_MODELS_LOOKALIKE_INT_H

#include "core/core_int.h"
#include "patron/lookalike.h"

/* n profile rows x p columns, column-major floats (z[j * n + i]): each column transformed (asinh
 * for heavy-tailed figures, 0/1 for a categorical level or a missing indicator), standardised over
 * all rows and clipped to +-6; a missing value is 0 (the mean). */
typedef struct patron__lk_matrix {
  size_t n, p;
  float *z;
} patron__lk_matrix;

/* Builds the matrix from the profile table (numbers, categories, short texts), the
 * point-in-time features as of the profile's as-of (behaviour, lines, member attributes)
 * and the member attribute columns of the dataset. */
patron_status patron__lk_matrix_build(const patron_profile *p, const patron_dataset *ds,
                                      int n_threads, patron__lk_matrix *out, patron_error *err);
void patron__lk_matrix_free(patron__lk_matrix *m);

#endif
