/* Stratified reporting of an experiment: the same evaluation (SPEC section 12) within each
 * segment of a segmentation, each stratum on its own customers (its own sample-ratio test and
 * Holm adjustment), from the per-customer metrics computed once. */
#include "core/assign_int.h"

#include <stdlib.h>
#include <string.h>

/* The rows of stratum s: a shallow assignment (arms borrowed) and the metrics gathered. */
typedef struct stratum_view {
  patron_assignments a;
  double *y, *x;
} stratum_view;

static size_t gather(const patron_assignments *a, const double *y, const double *x,
                     const uint32_t *stratum, uint32_t s, stratum_view *v) {
  size_t n = 0;
  for (size_t i = 0; i < a->n; i++)
    n += stratum[i] == s;
  v->a.n = n;
  size_t k = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (stratum[i] != s)
      continue;
    v->a.arm[k] = a->arm[i];
    for (int m = 0; m < PATRON_METRIC_COUNT; m++) {
      v->y[(size_t)m * n + k] = y[(size_t)m * a->n + i];
      if (x)
        v->x[(size_t)m * n + k] = x[(size_t)m * a->n + i];
    }
    k++;
  }
  return n;
}

/* True when every arm has at least 2 customers in the stratum. */
static bool comparable(const stratum_view *v) {
  for (size_t arm = 0; arm < v->a.arms.n; arm++) {
    size_t c = 0;
    for (size_t i = 0; i < v->a.n && c < 2; i++)
      c += v->a.arm[i] == arm;
    if (c < 2)
      return false;
  }
  return true;
}

patron_status patron_experiment_evaluate_strata(const patron_assignments *a, const double *y,
                                                const double *x, const uint32_t *stratum,
                                                size_t n_strata, const patron_eval_options *o,
                                                patron_evaluation **out, patron_error *err) {
  size_t n = a->n ? a->n : 1;
  stratum_view v = {.a = {.name = a->name, .arms = a->arms}};
  v.a.arm = malloc(n * sizeof *v.a.arm);
  v.y = malloc(3 * n * sizeof *v.y);
  v.x = x ? malloc(3 * n * sizeof *v.x) : NULL;
  patron_status st = v.a.arm && v.y && (v.x || !x) ? PATRON_OK : PATRON__OOM(err);
  for (size_t s = 0; s < n_strata; s++)
    out[s] = NULL;
  for (size_t s = 0; s < n_strata && st == PATRON_OK; s++) {
    gather(a, y, x, stratum, (uint32_t)s, &v);
    if (comparable(&v))
      st = patron_experiment_evaluate_metrics(&v.a, v.y, v.x, o, &out[s], err);
  }
  free(v.a.arm);
  free(v.y);
  free(v.x);
  if (st != PATRON_OK)
    for (size_t s = 0; s < n_strata; s++) {
      patron_evaluation_free(out[s]);
      out[s] = NULL;
    }
  return st;
}
