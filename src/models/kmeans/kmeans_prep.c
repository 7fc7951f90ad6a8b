/* Preparing features for k-means: column standardization with the population standard
 * deviation (as scikit-learn's StandardScaler; means and variances from exact grid sums,
 * the standardized values put on the grid), and a bounded count of distinct rows (a data
 * set with fewer distinct rows than k cannot make k non-empty clusters). Both also over the
 * rows of several ranks (patron__km_part). */
#include "core/core_int.h"
#include "models/kmeans/kmeans_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Finite values below 2^bits, agreed over the ranks (the exact sums' room). */
patron_status patron__km_check_values(const double *x, size_t n, size_t d,
                                      const patron__km_part *part, int bits, patron_error *err) {
  double bound = ldexp(1.0, bits);
  size_t bad = n * d;
  for (size_t i = 0; i < n * d && bad == n * d; i++)
    if (!(fabs(x[i]) < bound))
      bad = i;
  bool ok = patron__km_all_ok(part, bad == n * d);
  if (bad < n * d)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "k-means input row %zu, feature %zu is %s 2^%d%s",
                             (size_t)patron__km_gidx(part, bad / d), bad % d,
                             isfinite(x[bad]) ? "beyond" : "not a finite number below", bits,
                             isfinite(x[bad]) && bits < 50 ? " (standardize the features)" : "");
  if (!ok)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "k-means input on another rank is not a finite number below 2^%d",
                             bits);
  return PATRON_OK;
}

/* v * 2^e rounded to the nearest integer (exact below 2^62, else already an integer). */
static patron__i128 quant_at(double v, int e) {
  double s = nearbyint(ldexp(v, e));
  return fabs(s) < 0x1p62 ? (patron__i128)(int64_t)s : (patron__i128)s;
}

/* The largest of each rank's v[0..d) (non-negative), on every rank. */
static void global_max(const patron__km_part *part, double *v, size_t d) {
  if (!patron__km_split(part))
    return;
  size_t size = (size_t)part->comm->size;
  patron__i128 all[size * d];
  memset(all, 0, sizeof all);
  for (size_t j = 0; j < d; j++) {
    uint64_t bits;
    memcpy(&bits, &v[j], sizeof bits);
    all[(size_t)part->comm->rank * d + j] = bits; /* non-negative doubles order as integers */
  }
  patron__km_sum(part, all, size * d);
  for (size_t j = 0; j < d; j++)
    for (size_t r = 0; r < size; r++) {
      uint64_t bits = (uint64_t)all[r * d + j];
      double t;
      memcpy(&t, &bits, sizeof t);
      v[j] = t > v[j] ? t : v[j];
    }
}

/* Column means and population sds from exact sums: the means on the 2^-40 grid, the
 * squared deviations on a grid as fine as the largest of them leaves room for. */
static void column_stats(const double *x, size_t n, size_t d, const patron__km_part *part,
                         double *m, double *s) {
  size_t n_all = patron__km_n_global(part, n);
  patron__i128 sum[d];
  memset(sum, 0, sizeof sum);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++)
      sum[j] += patron__km_quant(x[i * d + j]);
  patron__km_sum(part, sum, d);
  double top[d];
  for (size_t j = 0; j < d; j++) {
    m[j] = patron__km_value(sum[j]) / (double)n_all;
    top[j] = 0;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++) {
      double t = (x[i * d + j] - m[j]) * (x[i * d + j] - m[j]);
      top[j] = t > top[j] ? t : top[j];
    }
  global_max(part, top, d);
  int e[d];
  for (size_t j = 0; j < d; j++) {
    int ex;
    frexp(top[j] * (double)n_all, &ex); /* every total stays below 2^ex */
    e[j] = 124 - ex < 40 ? 124 - ex : 40;
    sum[j] = 0;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++)
      sum[j] += quant_at((x[i * d + j] - m[j]) * (x[i * d + j] - m[j]), e[j]);
  patron__km_sum(part, sum, d);
  for (size_t j = 0; j < d; j++)
    s[j] = n_all > 1 ? sqrt(ldexp((double)sum[j], -e[j]) / (double)n_all) : 0;
}

patron_status patron__km_standardize(double *x, size_t n, size_t d, const patron__km_part *part,
                                     double *mean, double *sd, bool *zero_var, patron_error *err) {
  if (patron__km_n_global(part, n) == 0 || d == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "standardize needs at least one row and one feature");
  patron_status st = patron__km_check_values(x, n, d, part, 50, err);
  if (st != PATRON_OK)
    return st;
  double m[d], s[d];
  column_stats(x, n, d, part, m, s);
  for (size_t j = 0; j < d; j++) {
    /* A spread below rounding noise of the mean is no spread: scaling it would blow
     * rounding errors up into a feature. */
    bool flat = !(s[j] > 1e-12 * fabs(m[j]));
    for (size_t i = 0; i < n; i++)
      x[i * d + j] = flat ? 0 : patron__km_on_grid((x[i * d + j] - m[j]) / s[j]);
    if (mean)
      mean[j] = m[j];
    if (sd)
      sd[j] = flat ? 0 : s[j];
    if (zero_var)
      zero_var[j] = flat;
  }
  return PATRON_OK;
}

patron_status patron_kmeans_standardize(double *x, size_t n, size_t d, double *mean, double *sd,
                                        bool *zero_var, patron_error *err) {
  return patron__km_standardize(x, n, d, NULL, mean, sd, zero_var, err);
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

/* Distinct rows among the rows of every rank (each rank's first `limit` distinct rows,
 * exchanged as grid integers), counting stops at limit. */
size_t patron__km_distinct_rows(const double *x, size_t n, size_t d, const patron__km_part *part,
                                size_t limit) {
  if (!patron__km_split(part))
    return patron_kmeans_distinct_rows(x, n, d, limit);
  size_t size = (size_t)part->comm->size, e = d + 1, cap = limit ? limit : 1;
  patron__i128 *all = calloc(size * cap * e, sizeof *all);
  size_t *seen = malloc(cap * sizeof *seen), n_seen = 0, found = 0;
  if (!patron__km_all_ok(part, all && seen)) {
    free(all), free(seen);
    return 0;
  }
  for (size_t i = 0; i < n && n_seen < limit; i++) {
    bool dup = false;
    for (size_t f = 0; f < n_seen && !dup; f++)
      dup = same_row(x + i * d, x + seen[f] * d, d);
    if (!dup)
      seen[n_seen++] = i;
  }
  patron__i128 *mine = all + (size_t)part->comm->rank * cap * e;
  for (size_t f = 0; f < n_seen; f++) {
    mine[f * e] = 1;
    for (size_t j = 0; j < d; j++)
      mine[f * e + 1 + j] = patron__km_quant(x[seen[f] * d + j]);
  }
  patron__km_sum(part, all, size * cap * e);
  for (size_t a = 0; a < size * cap && found < limit; a++) {
    bool dup = all[a * e] == 0;
    for (size_t b = 0; b < a && !dup; b++)
      dup = all[b * e] != 0 && !memcmp(all + a * e, all + b * e, e * sizeof *all);
    found += !dup;
  }
  free(all), free(seen);
  return found;
}
