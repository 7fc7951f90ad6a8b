/* The lookalike design matrix: one column per number and per frequent level of every
 * profile column (RFM figures, scores, tags, segmentations, rule tags), of the
 * point-in-time features as of the profile's as-of (behaviour windows, order-line breadth,
 * member attributes: docs/CHURN.md's list) and of the members file's extra columns
 * (patron_dataset_member_column: numbers, or texts taken as categories).
 * Numbers: asinh() when heavy-tailed, then standardised (z-score over all rows, clipped
 * to +-6, missing -> 0) with a missing indicator when 2-98% are missing (one per distinct pattern);
 * categories: one-hot of the levels held by at least 2% of rows (at most 8, most frequent first),
 * standardised the same way. Standardising over every row (not the seed) keeps the
 * matrix the same for every seed and makes Euclidean distances comparable. */
#include "core/intern.h"
#include "models/churn/features_int.h"
#include "models/lookalike/lookalike_int.h"
#include "patron/features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z_CLIP               6.0
#define MIN_SHARE            0.02
#define MAX_LEVELS           8
#define MAX_MISSING_PATTERNS 64

typedef struct builder {
  patron__lk_matrix *m;
  size_t cap;
  uint64_t missing[MAX_MISSING_PATTERNS]; /* hashes of the missing indicators added */
  size_t n_missing;
  double *tmp;   /* n values */
  int32_t *code; /* n codes */
} builder;

static float *new_column(builder *b) {
  size_t n = b->m->n;
  if (b->m->p == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 32;
    float *z = realloc(b->m->z, cap * n * sizeof *z + 1);
    if (!z)
      return NULL;
    b->m->z = z;
    b->cap = cap;
  }
  return b->m->z + b->m->p * n;
}

/* Standardises v (NaN = missing -> 0) into a new column; a constant column is skipped. */
static bool add_standardised(builder *b, const double *v) {
  size_t n = b->m->n;
  long double s = 0, s2 = 0;
  double k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) {
      s += v[i];
      s2 += (long double)v[i] * v[i];
      k++;
    }
  if (k < 2)
    return true;
  double mean = (double)(s / k), var = (double)((s2 - s * s / k) / (k - 1));
  double sd = var > 0 ? sqrt(var) : 0;
  if (!(sd > 1e-9 * fmax(1, fabs(mean))))
    return true;
  float *z = new_column(b);
  if (!z)
    return false;
  for (size_t i = 0; i < n; i++)
    z[i] = isnan(v[i]) ? 0.0f : (float)fmax(-Z_CLIP, fmin(Z_CLIP, (v[i] - mean) / sd));
  b->m->p++;
  return true;
}

/* A 0/1 column from a predicate over codes (level == code, or missing when level < 0). */
static bool add_level(builder *b, const int32_t *code, int32_t level) {
  double *v = malloc(b->m->n * sizeof *v + 1);
  if (!v)
    return false;
  for (size_t i = 0; i < b->m->n; i++)
    v[i] = level < 0 ? (code[i] < 0) : (code[i] == level);
  bool ok = add_standardised(b, v);
  free(v);
  return ok;
}

/* A missing indicator unless one with the same pattern exists (FNV-1a of the pattern). */
static bool add_missing(builder *b) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < b->m->n; i++)
    h = (h ^ (uint64_t)(b->code[i] < 0)) * 1099511628211ull;
  for (size_t k = 0; k < b->n_missing; k++)
    if (b->missing[k] == h)
      return true;
  if (b->n_missing == MAX_MISSING_PATTERNS)
    return true;
  b->missing[b->n_missing++] = h;
  return add_level(b, b->code, -1);
}

/* b->tmp holds the values: transform, standardise, missing indicator. */
static bool add_numeric(builder *b, bool heavy) {
  size_t n = b->m->n, missing = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(b->tmp[i]))
      missing++;
    else if (heavy)
      b->tmp[i] = asinh(b->tmp[i]);
  }
  for (size_t i = 0; i < n; i++)
    b->code[i] = isnan(b->tmp[i]) ? -1 : 0;
  double share = n ? (double)missing / (double)n : 0;
  if (!add_standardised(b, b->tmp))
    return false;
  return share < MIN_SHARE || share > 1 - MIN_SHARE || add_missing(b);
}

static int by_count_desc(const void *pa, const void *pb, void *counts) {
  const size_t *c = counts;
  int32_t a = *(const int32_t *)pa, bb = *(const int32_t *)pb;
  if (c[a] != c[bb])
    return c[a] > c[bb] ? -1 : 1;
  return a < bb ? -1 : a > bb;
}

/* The frequent levels of b->code (n_levels codes, -1 = missing), most frequent first. */
static bool add_category(builder *b, int32_t n_levels) {
  size_t n = b->m->n, missing = 0;
  size_t *count = calloc((size_t)n_levels + 1, sizeof *count);
  int32_t *order = malloc(((size_t)n_levels + 1) * sizeof *order);
  bool ok = count && order;
  for (size_t i = 0; ok && i < n; i++) {
    if (b->code[i] >= 0 && b->code[i] < n_levels)
      count[b->code[i]]++;
    else
      b->code[i] = -1, missing++;
  }
  for (int32_t l = 0; ok && l < n_levels; l++)
    order[l] = l;
  if (ok) /* insertion sort: few levels matter; qsort_r is not portable C17 */
    for (int32_t i = 1; i < n_levels; i++)
      for (int32_t j = i; j > 0 && by_count_desc(&order[j], &order[j - 1], count) < 0; j--) {
        int32_t t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
  for (int32_t l = 0; ok && l < n_levels && l < MAX_LEVELS; l++)
    if ((double)count[order[l]] >= MIN_SHARE * (double)n)
      ok = add_level(b, b->code, order[l]);
  double share = n ? (double)missing / (double)n : 0;
  if (ok && share >= MIN_SHARE && share <= 1 - MIN_SHARE)
    ok = add_missing(b);
  free(count);
  free(order);
  return ok;
}

/* Dense codes of a text column (NULL and "" = missing); levels beyond the first 65,536
 * distinct texts are too rare to matter and count as missing. */
static bool string_codes(builder *b, const char *const *s, int32_t *n_levels) {
  patron__intern in = {0};
  bool ok = true;
  for (size_t i = 0; ok && i < b->m->n; i++) {
    b->code[i] = -1;
    if (!s[i] || !*s[i])
      continue;
    uint32_t k = patron__intern_find(&in, 0, s[i], strlen(s[i]));
    if (k == PATRON__NO_INDEX && in.n < 65536) {
      bool added;
      k = patron__intern_put(&in, 0, s[i], strlen(s[i]), &added);
      ok = k != PATRON__NO_INDEX;
    }
    b->code[i] = k == PATRON__NO_INDEX ? -1 : (int32_t)k;
  }
  *n_levels = (int32_t)in.n;
  patron__intern_free(&in);
  return ok;
}

static bool feature_name(const char *name) {
  for (int k = 0; k < PATRON__N_NUMERIC; k++)
    if (strcmp(patron__numeric_defs[k].name, name) == 0)
      return true;
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++)
    if (strcmp(patron__categorical_defs[k].name, name) == 0)
      return true;
  return false;
}

static bool add_table_column(builder *b, const patron_column *c) {
  size_t n = b->m->n;
  double max = 0;
  switch (c->type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY:
    for (size_t i = 0; i < n; i++) {
      int64_t v = ((const int64_t *)c->data)[i];
      b->tmp[i] = v == PATRON_NULL_INT ? NAN : (double)v;
      max = isnan(b->tmp[i]) ? max : fmax(max, fabs(b->tmp[i]));
    }
    return add_numeric(b, c->type == PATRON_COL_MONEY || max > 50);
  case PATRON_COL_DOUBLE:
    for (size_t i = 0; i < n; i++) {
      b->tmp[i] = ((const double *)c->data)[i];
      max = isnan(b->tmp[i]) ? max : fmax(max, fabs(b->tmp[i]));
    }
    return add_numeric(b, max > 50);
  case PATRON_COL_CATEGORY:
    memcpy(b->code, c->data, n * sizeof *b->code);
    return add_category(b, c->n_labels);
  case PATRON_COL_STRING: {
    int32_t n_levels = 0;
    return string_codes(b, c->data, &n_levels) && add_category(b, n_levels);
  }
  default: return true; /* dates: their distances are in the numeric features */
  }
}

static bool add_table(builder *b, const patron_table *t) {
  bool ok = true;
  for (size_t j = 0; ok && j < patron_table_n_columns(t); j++) {
    const patron_column *c = patron_table_column(t, j);
    if (strcmp(c->name, "customer_id") != 0 && !feature_name(c->name))
      ok = add_table_column(b, c);
  }
  return ok;
}

/* The members file's extra columns (numbers or texts), by each row's customer. */
static bool add_member_columns(builder *b, const patron_dataset *ds, const uint32_t *cust) {
  size_t n = b->m->n;
  const char **text = malloc((n + 1) * sizeof *text);
  bool ok = text != NULL;
  for (size_t k = 0; ok && k < patron_dataset_n_member_columns(ds); k++) {
    patron_member_column m;
    patron_dataset_member_column(ds, k, &m);
    double max = 0;
    int32_t n_levels = 0;
    for (size_t i = 0; i < n; i++) {
      if (m.number) {
        b->tmp[i] = m.number[cust[i]];
        max = isnan(b->tmp[i]) ? max : fmax(max, fabs(b->tmp[i]));
      } else {
        text[i] = m.text[cust[i]];
      }
    }
    ok = m.number ? add_numeric(b, max > 50)
                  : string_codes(b, text, &n_levels) && add_category(b, n_levels);
  }
  free(text);
  return ok;
}

/* Point-in-time features, each profile row looked up by its customer. */
static bool add_features(builder *b, const patron_features *f, const uint32_t *row_of_feature) {
  size_t n = b->m->n;
  bool ok = true;
  for (int k = 0; ok && k < PATRON__N_NUMERIC; k++) {
    if (!(f->groups & patron__numeric_defs[k].group))
      continue;
    const double *col = patron__features_col(f, k);
    for (size_t i = 0; i < n; i++)
      b->tmp[i] = row_of_feature[i] == UINT32_MAX ? NAN : col[row_of_feature[i]];
    ok = add_numeric(b, patron__numeric_defs[k].heavy);
  }
  for (int k = 0; ok && k < PATRON__N_CATEGORICAL; k++) {
    if (!(f->groups & patron__categorical_defs[k].group))
      continue;
    for (size_t i = 0; i < n; i++) {
      uint32_t c =
          row_of_feature[i] == UINT32_MAX ? 0 : f->cat[(size_t)k * f->n_rows + row_of_feature[i]];
      b->code[i] = c == 0 ? -1 : (int32_t)c;
    }
    ok = add_category(b, (int32_t)f->n_labels[k]);
  }
  return ok;
}

/* Profile row -> feature row (UINT32_MAX when the customer has none). */
static uint32_t *feature_rows(const patron_profile *p, const patron_dataset *ds,
                              const patron_features *f, size_t n) {
  size_t n_cust = patron_dataset_n_customers(ds);
  uint32_t *of_customer = malloc((n_cust + 1) * sizeof *of_customer);
  uint32_t *out = malloc((n + 1) * sizeof *out);
  if (of_customer && out) {
    memset(of_customer, 0xff, (n_cust + 1) * sizeof *of_customer);
    for (size_t r = 0; r < f->n_rows; r++)
      of_customer[f->customer[r]] = (uint32_t)r;
    const uint32_t *cust = patron_profile_customers(p);
    for (size_t i = 0; i < n; i++)
      out[i] = of_customer[cust[i]];
  }
  free(of_customer);
  if (!of_customer) {
    free(out);
    return NULL;
  }
  return out;
}

patron_status patron__lk_matrix_build(const patron_profile *p, const patron_dataset *ds,
                                      int n_threads, patron__lk_matrix *out, patron_error *err) {
  const patron_table *t = patron_profile_table_const(p);
  *out = (patron__lk_matrix){patron_table_n_rows(t), 0, NULL};
  builder b = {.m = out,
               .tmp = malloc((out->n + 1) * sizeof(double)),
               .code = malloc((out->n + 1) * sizeof(int32_t))};
  patron_features_options fo;
  patron_features_options_init(&fo);
  fo.cutoff_day = patron_profile_as_of(p);
  fo.population = PATRON_POPULATION_ALL;
  fo.clv = false;
  fo.n_threads = n_threads;
  patron_features *f = NULL;
  uint32_t *rows = NULL;
  patron_status st = b.tmp && b.code ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK && patron_features_compute(ds, &fo, &f, err) != PATRON_OK) {
    patron_error_clear(err); /* nobody before the as-of: the profile columns alone */
    f = NULL;
  }
  if (st == PATRON_OK && f && !(rows = feature_rows(p, ds, f, out->n)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK && ((f && !add_features(&b, f, rows)) || !add_table(&b, t) ||
                          !add_member_columns(&b, ds, patron_profile_customers(p))))
    st = PATRON__OOM(err);
  patron_features_free(f);
  free(rows);
  free(b.tmp);
  free(b.code);
  if (st != PATRON_OK)
    patron__lk_matrix_free(out);
  return st;
}

void patron__lk_matrix_free(patron__lk_matrix *m) {
  free(m->z);
  *m = (patron__lk_matrix){0};
}
