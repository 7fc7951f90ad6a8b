/* The composite value index (indicators -> standardize -> weights -> score): recency
 * (inverted), frequency and monetary, each percentile-ranked to 0..1 (mid-ranks for ties)
 * or min-max scaled on signed log1p values, then weighted (default 0.4, 0.3, 0.3). The
 * preset formula-v1, V = 0.4 ln(R + 1) + 0.3 F + 0.3 exp(M / 1000) as written in a retail
 * project plan, is kept as is for comparison, its exp term capped at 1e30 (exp overflows a
 * double above M = 709,782; the cap keeps every printed value finite and short). */
#include "core/exec.h"
#include "core/sort.h"
#include "core/table_int.h"
#include "models/tiers/tiers_int.h"
#include "patron/tiers.h"

#include <math.h>
#include <stdlib.h>

/* Cap of formula-v1's exp(M / 1000) term, reached at M = 1000 ln(1e30) = 69,077.55. */
#define FORMULA_V1_CAP 1e30

void patron_value_index_options_init(patron_value_index_options *o) {
  *o = (patron_value_index_options){PATRON_VALUE_INDEX_RANK, {0.4, 0.3, 0.3}};
}

patron_status patron_value_index_parse_method(const char *text, patron_value_index_method *out,
                                              patron_error *err) {
  static const char *const names[3] = {"rank", "minmax-log", "formula-v1"};
  for (int i = 0; i < 3; i++)
    if (strcmp(text, names[i]) == 0) {
      *out = (patron_value_index_method)i;
      return PATRON_OK;
    }
  return patron__spec_error(err, "--index", text, 0, "expected rank, minmax-log or formula-v1");
}

/* Which weight a named field sets: 0 R, 1 F, 2 M, -1 unknown. */
static int weight_slot(const char *name, size_t len) {
  static const char *const names[6] = {"r", "f", "m", "recency", "frequency", "monetary"};
  for (int i = 0; i < 6; i++)
    if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
      return i % 3;
  return -1;
}

/* One field of --weights at text + at: positional slot `pos`, or NAME=VALUE. */
static patron_status weight_field(const char *text, size_t at, size_t len, int pos, bool named,
                                  double w[3], bool seen[3], patron_error *err) {
  while (len && text[at] == ' ') /* blanks before a name */
    at++, len--;
  const char *f = text + at;
  size_t value_at = at, value_len = len;
  int slot = pos;
  if (named) {
    const char *eq = memchr(f, '=', len);
    if (!eq)
      return patron__spec_error(err, "--weights", text, at, "expected r=, f= or m=");
    slot = weight_slot(f, (size_t)(eq - f));
    if (slot < 0)
      return patron__spec_error(err, "--weights", text, at, "expected r, f or m");
    if (seen[slot])
      return patron__spec_error(err, "--weights", text, at, "given twice");
    value_at = (size_t)(eq - text) + 1;
    value_len = len - (size_t)(eq - f) - 1;
  }
  double v;
  if (!patron__spec_number(text + value_at, value_len, &v))
    return patron__spec_error(err, "--weights", text, value_at, "expected a number");
  if (v < 0)
    return patron__spec_error(err, "--weights", text, value_at, "a weight cannot be negative");
  w[slot] = v;
  seen[slot] = true;
  return PATRON_OK;
}

patron_status patron_value_index_parse_weights(const char *text, double weights[3],
                                               patron_error *err) {
  double w[3] = {0, 0, 0};
  bool seen[3] = {false, false, false}, named = strchr(text, '=') != NULL;
  size_t at = 0;
  int pos = 0;
  for (;; pos++) {
    size_t len = patron__field_len(text + at, ',');
    if (pos == 3)
      return patron__spec_error(err, "--weights", text, at, "expected three weights: R,F,M");
    patron_status st = weight_field(text, at, len, pos, named, w, seen, err);
    if (st != PATRON_OK)
      return st;
    at += len;
    if (!text[at])
      break;
    at++;
  }
  if (pos != 2)
    return patron__spec_error(err, "--weights", text, at,
                              named ? "expected r=, f= and m=" : "expected three weights: R,F,M");
  double sum = w[0] + w[1] + w[2];
  if (!(sum > 0))
    return patron__spec_error(err, "--weights", text, 0, "the weights cannot all be 0");
  for (int i = 0; i < 3; i++)
    weights[i] = w[i] / sum;
  return PATRON_OK;
}

/* sign(x) log(1 + |x|): log1p for x >= 0, mirrored for negative values. */
static double signed_log1p(double x) { return x < 0 ? -log1p(-x) : log1p(x); }

/* out[i] += weight * percentile rank of v[i] (descending: of -v[i]), mid-ranks for ties:
 * (mean 0-based position of the tied group) / (n - 1), 0.5 when n == 1. */
/* The rank fraction of each value among v (ties: their mean rank), into p. */
static bool rank_fractions(const double *v, size_t n, bool descending, double *p) {
  uint64_t *keys = malloc(n * sizeof *keys);
  uint32_t *idx = malloc(n * sizeof *idx);
  bool ok = keys && idx;
  for (size_t i = 0; ok && i < n; i++)
    keys[i] = patron__key_f64(descending ? -v[i] : v[i]), idx[i] = (uint32_t)i;
  ok = ok && patron__radix_sort(keys, idx, n);
  for (size_t a = 0; ok && a < n;) {
    size_t b = a + 1;
    while (b < n && keys[b] == keys[a])
      b++;
    double f = n > 1 ? ((double)(a + b - 1) / 2) / (double)(n - 1) : 0.5;
    for (size_t j = a; j < b; j++)
      p[idx[j]] = f;
    a = b;
  }
  free(keys);
  free(idx);
  return ok;
}

/* One column's ranks, a part of the executor. */
typedef struct rank_job {
  const double *v;
  size_t n;
  bool descending, ok;
  double *p;
} rank_job;

static void rank_run(void *item) {
  rank_job *j = item;
  j->ok = rank_fractions(j->v, j->n, j->descending, j->p);
}

/* out[i] += weight[j] * rank fraction of cols[j][i], column after column (recency
 * descending), the three columns ranked on n_threads. */
static bool add_ranks(const double *const cols[3], size_t n, const double weight[3], int n_threads,
                      double *out) {
  double *p = malloc(3 * n * sizeof *p);
  rank_job jobs[3];
  for (int j = 0; j < 3; j++)
    jobs[j] = (rank_job){cols[j], n, j == 0, false, p ? p + (size_t)j * n : NULL};
  if (p)
    patron__exec_each(n_threads, jobs, 3, sizeof *jobs, rank_run);
  bool ok = p && jobs[0].ok && jobs[1].ok && jobs[2].ok;
  for (int j = 0; ok && j < 3; j++)
    for (size_t i = 0; i < n; i++)
      out[i] += weight[j] * jobs[j].p[i];
  free(p);
  return ok;
}

static void add_minmax_log(const double *v, size_t n, bool inverted, double weight, double *out) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double l = signed_log1p(v[i]);
    lo = l < lo ? l : lo;
    hi = l > hi ? l : hi;
  }
  for (size_t i = 0; i < n; i++) {
    double s = hi > lo ? (signed_log1p(v[i]) - lo) / (hi - lo) : 0.5;
    out[i] += weight * (inverted ? 1 - s : s);
  }
}

static void formula_v1(const double *r, const double *f, const double *m, size_t n, double *out,
                       patron_value_index_info *info) {
  double max_exp = log(FORMULA_V1_CAP);
  for (size_t i = 0; i < n; i++) {
    double e = m[i] / 1000, term = FORMULA_V1_CAP;
    if (e < max_exp)
      term = exp(e);
    else
      info->n_capped++;
    out[i] = 0.4 * log(r[i] + 1) + 0.3 * f[i] + 0.3 * term;
  }
}

static patron_status check_inputs(const double *const cols[3], size_t n,
                                  const patron_value_index_options *o, patron_error *err) {
  static const char *const names[3] = {"recency", "frequency", "monetary"};
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < 3; j++)
      if (!isfinite(cols[j][i]))
        return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                                 "value index: %s of row %zu is not a finite number", names[j], i);
  for (int j = 0; o->method != PATRON_VALUE_INDEX_FORMULA_V1 && j < 3; j++)
    if (!(o->weights[j] >= 0) || !isfinite(o->weights[j]))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "value index: the weights must be finite and >= 0");
  for (size_t i = 0; o->method == PATRON_VALUE_INDEX_FORMULA_V1 && i < n; i++)
    if (cols[0][i] <= -1)
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                               "formula-v1: recency of row %zu must be above -1", i);
  return PATRON_OK;
}

/* patron_value_index_compute with the ranks on n_threads (0: all online cores). */
static patron_status compute_with(const double *recency, const double *frequency,
                                  const double *monetary, size_t n,
                                  const patron_value_index_options *o, int n_threads, double *out,
                                  patron_value_index_info *info, patron_error *err) {
  patron_value_index_info local;
  info = info ? info : &local;
  *info = (patron_value_index_info){.n_scored = n, .cap = FORMULA_V1_CAP};
  const double *const cols[3] = {recency, frequency, monetary};
  patron_status st = check_inputs(cols, n, o, err);
  if (st != PATRON_OK || n == 0)
    return st;
  if (o->method == PATRON_VALUE_INDEX_FORMULA_V1) {
    formula_v1(recency, frequency, monetary, n, out, info);
    return PATRON_OK;
  }
  double sum = o->weights[0] + o->weights[1] + o->weights[2];
  if (!(sum > 0))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "value index: the weights cannot all be 0");
  for (size_t i = 0; i < n; i++)
    out[i] = 0;
  double w[3];
  for (int j = 0; j < 3; j++)
    w[j] = o->weights[j] / sum;
  for (int j = 0; o->method == PATRON_VALUE_INDEX_MINMAX_LOG && j < 3; j++)
    add_minmax_log(cols[j], n, j == 0, w[j], out);
  if (o->method != PATRON_VALUE_INDEX_MINMAX_LOG && !add_ranks(cols, n, w, n_threads, out))
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++) /* keep 0..1 exactly despite rounding */
    out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return PATRON_OK;
}

patron_status patron_value_index_compute(const double *recency, const double *frequency,
                                         const double *monetary, size_t n,
                                         const patron_value_index_options *o, double *out,
                                         patron_value_index_info *info, patron_error *err) {
  return compute_with(recency, frequency, monetary, n, o, 0, out, info, err);
}

/* Purchasers' recency, frequency, monetary (currency units) as doubles; rows[] their rows. */
static size_t gather(const patron_table *t, const int64_t *rec, const int64_t *freq,
                     const patron_money *mon, double *r, double *f, double *m, size_t *rows) {
  size_t n = 0;
  for (size_t i = 0; i < patron_table_n_rows(t); i++) {
    if (freq[i] == PATRON_NULL_INT)
      continue;
    r[n] = (double)rec[i], f[n] = (double)freq[i];
    m[n] = (double)mon[i] / PATRON_MONEY_SCALE;
    rows[n++] = i;
  }
  return n;
}

patron_status patron__value_index_with(patron_table *t, const patron_value_index_options *o,
                                       int n_threads, patron_value_index_info *info,
                                       patron_error *err) {
  const char *step = "value_index";
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const patron_money *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, step, err);
  if (!rec || !freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t n_rows = patron_table_n_rows(t), cap = n_rows ? n_rows : 1;
  double *r = malloc(cap * sizeof *r), *f = malloc(cap * sizeof *f);
  double *m = malloc(cap * sizeof *m), *v = malloc(cap * sizeof *v);
  size_t *rows = malloc(cap * sizeof *rows);
  double *col;
  patron_status st = PATRON_OK;
  if (!r || !f || !m || !v || !rows)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    size_t n = gather(t, rec, freq, mon, r, f, m, rows);
    st = compute_with(r, f, m, n, o, n_threads, v, info, err);
    if (st == PATRON_OK)
      st = patron_table_add(t, "value_index", PATRON_COL_DOUBLE, (void **)&col, err);
    for (size_t i = 0; st == PATRON_OK && i < n; i++)
      col[rows[i]] = v[i];
    if (st == PATRON_OK)
      patron_table_set_decimals(t, "value_index", 6);
  }
  free(r);
  free(f);
  free(m);
  free(v);
  free(rows);
  return st;
}

patron_status patron_value_index(patron_table *t, const patron_value_index_options *o,
                                 patron_value_index_info *info, patron_error *err) {
  return patron__value_index_with(t, o, 0, info, err);
}
