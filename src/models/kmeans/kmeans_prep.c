/* Preparing features for k-means: column standardization with the population standard
 * deviation (as scikit-learn's StandardScaler), and a bounded count of distinct rows (a
 * data set with fewer distinct rows than k cannot make k non-empty clusters). */
#include "core/core_int.h"
#include "patron/kmeans.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static patron_status check_finite(const double *x, size_t n, size_t d, patron_error *err) {
  for (size_t i = 0; i < n * d; i++)
    if (!isfinite(x[i]))
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                               "k-means input row %zu, feature %zu is not a finite number", i / d,
                               i % d);
  return PATRON_OK;
}

patron_status patron_kmeans_standardize(double *x, size_t n, size_t d, double *mean, double *sd,
                                        bool *zero_var, patron_error *err) {
  if (n == 0 || d == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "standardize needs at least one row and one feature");
  patron_status st = check_finite(x, n, d, err);
  if (st != PATRON_OK)
    return st;
  for (size_t j = 0; j < d; j++) {
    double m = gsl_stats_mean(x + j, d, n);
    double s = n > 1 ? sqrt(gsl_stats_variance_with_fixed_mean(x + j, d, n, m)) : 0;
    /* A spread below rounding noise of the mean is no spread: scaling it would blow
     * rounding errors up into a feature. */
    bool flat = !(s > 1e-12 * fabs(m));
    for (size_t i = 0; i < n; i++)
      x[i * d + j] = flat ? 0 : (x[i * d + j] - m) / s;
    if (mean)
      mean[j] = m;
    if (sd)
      sd[j] = flat ? 0 : s;
    if (zero_var)
      zero_var[j] = flat;
  }
  return PATRON_OK;
}

static bool same_row(const double *a, const double *b, size_t d) {
  for (size_t j = 0; j < d; j++)
    if (a[j] != b[j])
      return false;
  return true;
}

size_t patron_kmeans_distinct_rows(const double *x, size_t n, size_t d, size_t limit) {
  size_t found[64], n_found = 0;
  size_t *seen = limit <= 64 ? found : malloc(limit * sizeof *seen);
  if (!seen)
    return 0; /* documented: 0 means out of memory when n > 0 */
  for (size_t i = 0; i < n && n_found < limit; i++) {
    bool dup = false;
    for (size_t f = 0; f < n_found && !dup; f++)
      dup = same_row(x + i * d, x + seen[f] * d, d);
    if (!dup)
      seen[n_found++] = i;
  }
  if (seen != found)
    free(seen);
  return n_found;
}
