/* The logistic-regression baseline of the churn models: heavy-tailed columns go through
 * asinh(), every column is standardized with the training rows' mean and standard
 * deviation (missing -> the mean, i.e. 0 after standardizing) and clipped to +-Z_CLIP
 * (a column nearly constant at training, like BG/NBD's P(alive) when every customer looks
 * alive, would otherwise turn small later shifts into huge inputs), then
 * patron_logistic_fit. */
#include "models/churn/churn_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z_CLIP 6.0

static double transform(const patron_churn_model *m, size_t j, float v) {
  if (isnan(v))
    return NAN;
  return patron_feature_schema_heavy(m->schema, j) ? asinh((double)v) : (double)v;
}

/* Mean and standard deviation of each transformed column over n rows (NaN skipped). */
static void standardization(patron_churn_model *m, const float *x, size_t n, size_t p) {
  for (size_t j = 0; j < p; j++) {
    long double s = 0, s2 = 0;
    double k = 0;
    for (size_t i = 0; i < n; i++) {
      double v = transform(m, j, x[i * p + j]);
      if (!isnan(v)) {
        s += v;
        s2 += (long double)v * v;
        k++;
      }
    }
    double mean = k > 0 ? (double)(s / k) : 0;
    double var = k > 1 ? (double)((s2 - s * s / k) / (k - 1)) : 0;
    m->mean[j] = mean;
    double sd = var > 0 ? sqrt(var) : 0;
    /* (nearly) constant column: contributes nothing */
    m->scale[j] = sd > 1e-5 * fmax(1, fabs(mean)) ? sd : 0;
  }
}

static double z_value(const patron_churn_model *m, size_t j, float raw) {
  double v = transform(m, j, raw);
  if (isnan(v) || m->scale[j] == 0)
    return 0;
  return fmax(-Z_CLIP, fmin(Z_CLIP, (v - m->mean[j]) / m->scale[j]));
}

static void standardize_rows(const patron_churn_model *m, const float *x, size_t n, size_t p,
                             float *z) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++)
      z[i * p + j] = (float)z_value(m, j, x[i * p + j]);
}

static double *class_weights(const float *y, size_t n) {
  double pos = 0;
  for (size_t i = 0; i < n; i++)
    pos += y[i];
  double *w = malloc(n * sizeof *w + 1);
  if (!w)
    return NULL;
  for (size_t i = 0; i < n; i++)
    w[i] = y[i] ? (double)n / (2 * pos) : (double)n / (2 * ((double)n - pos));
  return w;
}

patron_status patron__lr_fit(patron_churn_model *m, const patron__fit_rows *r,
                             const patron_churn_options *o, patron_error *err) {
  size_t p = r->p, n = r->n;
  if (!m->beta) {
    m->beta = calloc(p + 1, sizeof *m->beta);
    m->mean = calloc(p ? p : 1, sizeof *m->mean);
    m->scale = calloc(p ? p : 1, sizeof *m->scale);
  }
  float *z = malloc(n * p * sizeof *z + 1);
  double *w = o->balanced ? class_weights(r->y, n) : NULL;
  if (!m->beta || !m->mean || !m->scale || !z || (o->balanced && !w)) {
    free(z);
    free(w);
    return PATRON__OOM(err);
  }
  standardization(m, r->x, n, p);
  standardize_rows(m, r->x, n, p, z);
  patron_status st = patron_logistic_fit(z, r->y, w, n, p, o->l2, m->n_threads, m->beta, err);
  free(z);
  free(w);
  return st;
}

patron_status patron__lr_predict(const patron_churn_model *m, const float *x, size_t n, double *out,
                                 patron_error *err) {
  size_t p = patron_feature_schema_n_columns(m->schema);
  (void)err;
  for (size_t i = 0; i < n; i++) {
    double eta = m->beta[p];
    for (size_t j = 0; j < p; j++)
      eta += m->beta[j] * (double)(float)z_value(m, j, x[i * p + j]);
    out[i] = 1 / (1 + exp(-eta));
  }
  return PATRON_OK;
}
