/* Point-in-time features as of a cut-off day C: every figure is computed from the
 * customer's own rows timed before C 00:00 (orders, lines, events are time-sorted per
 * customer, so each walk stops at the first row at or after C). Rows are split over
 * threads in fixed halves; each row depends on its own data only, so results do not depend
 * on the thread count. Scores follow SPEC section 3; BG/NBD is Fader, Hardie & Lee (2005). */
#include "core/exec.h"
#include "core/sort.h"
#include "models/churn/features_int.h"
#include "patron/clv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const patron__feature_def patron__numeric_defs[PATRON__N_NUMERIC] = {
#define PATRON_X(id, name, group, heavy) {name, group, heavy},
    PATRON__NUMERIC_FEATURES(PATRON_X)
#undef PATRON_X
};
const patron__feature_def patron__categorical_defs[PATRON__N_CATEGORICAL] = {
#define PATRON_X(id, name, group) {name, group, false},
    PATRON__CATEGORICAL_FEATURES(PATRON_X)
#undef PATRON_X
};

static const char *const AGE_BANDS[] = {
    PATRON__LEVEL_NONE, "<25", "25-34", "35-44", "45-54", "55+"};
enum { N_AGE_BANDS = 6, DAY = 86400 };

void patron_features_options_init(patron_features_options *o) {
  *o = (patron_features_options){.cutoff_day = PATRON_NO_DAY,
                                 .horizon_days = 90,
                                 .population = PATRON_POPULATION_PURCHASERS,
                                 .clv = true};
}

/* Everything a worker reads. */
typedef struct fctx {
  const patron_dataset *ds;
  patron_orders_view ov;
  patron_lines_view lv;
  patron_events_view ev;
  patron_members_view mv;
  unsigned groups;
  uint32_t ev_view, ev_cart, ev_fav;
  int32_t cutoff;
  int64_t limit;
  bool all_lines; /* the data ends before the cut-off: every line counts, times unread */
  patron_features *f;
  double *clv_first, *clv_last, *clv_days; /* per row: first/last purchase day, days (then
                                            * BG/NBD's x, t_x, T, packed) */
  const patron__rank_counter *rc;          /* a distributed run's global counts, or NULL */
  size_t shared_col; /* f->num's column of the features of the groups not computed */
} fctx;

/* Per-thread scratch for distinct counts, indexed by dictionary code (n_codes: the largest
 * line dictionary's size): a code's last visit (stamp, the visit's mark) and count there,
 * and the distinct codes of the last visit in order of first appearance. */
typedef struct scratch {
  uint32_t *stamp, *count, *codes;
  size_t n_codes, n_distinct;
  uint32_t mark;
} scratch;

static void set(fctx *c, int k, size_t row, double v) { patron__features_col(c->f, k)[row] = v; }

typedef struct order_acc {
  patron_money monetary;
  long double positive, refund, spend[4], spend_prev90;
  double purchases[4], purchases_prev90, n_purchases, n_days, gap_sum, gap_sq;
  int32_t first, last, prev;
  int64_t last_purchase_time;
} order_acc;

static const int WINDOWS[4] = {30, 90, 180, 365};

static void add_purchase(order_acc *a, int32_t cutoff, int32_t day, double v) {
  a->n_purchases++;
  a->positive += v;
  int32_t age = cutoff - day; /* >= 1: day < cutoff */
  for (int w = 0; w < 4; w++)
    if (age <= WINDOWS[w]) {
      a->purchases[w]++;
      a->spend[w] += v;
    }
  if (age > 90 && age <= 180) {
    a->purchases_prev90++;
    a->spend_prev90 += v;
  }
  if (a->n_days == 0)
    a->first = day;
  if (a->n_days == 0 || day != a->prev) {
    if (a->n_days > 0) {
      double gap = day - a->prev;
      a->gap_sum += gap;
      a->gap_sq += gap * gap;
    }
    a->n_days++;
    a->prev = day;
  }
  a->last = day;
}

static void order_features(fctx *c, uint32_t cust, size_t row, order_acc *a) {
  const patron_orders_view *ov = &c->ov;
  uint32_t lo = ov->start[cust],
           hi = patron__lower_bound_i64(ov->time, lo, ov->start[cust + 1], c->limit);
  memset(a, 0, sizeof *a);
  a->last_purchase_time = INT64_MIN;
  for (uint32_t i = lo; i < hi; i++) {
    double v = (double)ov->value[i] / PATRON_MONEY_SCALE;
    a->monetary += ov->value[i];
    if (ov->value[i] > 0) {
      add_purchase(a, c->cutoff, patron_day_of_time(ov->time[i]), v);
      a->last_purchase_time = ov->time[i];
    } else if (ov->value[i] < 0) {
      a->refund -= v;
    }
  }
  bool buyer = a->n_purchases > 0;
  double recency = buyer ? c->cutoff - a->last : NAN;
  set(c, F_RECENCY, row, recency);
  set(c, F_FREQUENCY, row, a->n_purchases);
  double monetary = (double)a->monetary / PATRON_MONEY_SCALE;
  set(c, F_MONETARY, row, buyer ? monetary : NAN);
  set(c, F_AOV, row, buyer ? monetary / a->n_purchases : NAN);
  set(c, F_TENURE, row, buyer ? c->cutoff - a->first : NAN);
  for (int w = 0; w < 4; w++) {
    set(c, F_P30 + w, row, a->purchases[w]);
    set(c, F_S30 + w, row, (double)a->spend[w]);
  }
  set(c, F_PTREND, row, a->purchases[1] - a->purchases_prev90);
  set(c, F_STREND, row, log1p((double)a->spend[1]) - log1p((double)a->spend_prev90));
  double gaps = a->n_days - 1, mean = gaps >= 1 ? a->gap_sum / gaps : NAN;
  double var = gaps >= 2 ? (a->gap_sq - gaps * mean * mean) / (gaps - 1) : NAN;
  set(c, F_GAP_MEAN, row, mean);
  set(c, F_GAP_SD, row, gaps >= 2 ? sqrt(var > 0 ? var : 0) : NAN);
  set(c, F_RECENCY_GAP, row, gaps >= 1 && mean > 0 ? recency / mean : NAN);
  set(c, F_REFUND_SHARE, row, a->positive > 0 ? (double)(a->refund / a->positive) : 0);
  c->clv_first[row] = buyer ? a->first : NAN;
  c->clv_last[row] = buyer ? a->last : NAN;
  c->clv_days[row] = a->n_days;
}

static bool scratch_init(scratch *s, const fctx *c) {
  static const char *const dicts[] = {"category", "brand", "channel"};
  size_t n = 1;
  for (size_t k = 0; k < sizeof dicts / sizeof *dicts; k++) {
    size_t m = patron_dataset_dict_size(c->ds, dicts[k]);
    n = m > n ? m : n;
  }
  *s = (scratch){.stamp = calloc(n, sizeof *s->stamp),
                 .count = malloc(n * sizeof *s->count),
                 .codes = malloc(n * sizeof *s->codes),
                 .n_codes = n};
  return s->stamp && s->count && s->codes;
}

static void scratch_free(scratch *s) { free(s->stamp), free(s->count), free(s->codes); }

/* Distinct non-zero codes of codes[lo..hi), counted per code in one pass (each code's
 * stamp tells whether this visit has seen it): no sorting. */
static double distinct(scratch *s, const uint32_t *codes, uint32_t lo, uint32_t hi) {
  if (++s->mark == 0) { /* wrapped: old stamps could match again */
    memset(s->stamp, 0, s->n_codes * sizeof *s->stamp);
    s->mark = 1;
  }
  size_t d = 0;
  for (uint32_t i = lo; i < hi; i++) {
    uint32_t v = codes[i];
    if (!v)
      continue;
    if (s->stamp[v] != s->mark) {
      s->stamp[v] = s->mark;
      s->count[v] = 0;
      s->codes[d++] = v;
    }
    s->count[v]++;
  }
  s->n_distinct = d;
  return (double)d;
}

/* The most frequent channel code of the last distinct() visit (ties: the smaller label by
 * bytes, so the choice does not depend on dictionary codes); 0 when none. */
static uint32_t main_channel(const fctx *c, const scratch *s) {
  const char *const *labels = c->f->labels[C_MAIN_CHANNEL];
  uint32_t best = 0, best_n = 0;
  for (size_t i = 0; i < s->n_distinct; i++) {
    uint32_t v = s->codes[i], n = s->count[v];
    if (n > best_n || (n == best_n && strcmp(labels[v], labels[best]) < 0))
      best = v, best_n = n;
  }
  return best;
}

static void line_features(fctx *c, uint32_t cust, size_t row, scratch *s) {
  const patron_lines_view *lv = &c->lv;
  uint32_t lo = lv->start[cust], hi = lv->start[cust + 1];
  if (!c->all_lines)
    hi = patron__lower_bound_i64(lv->time, lo, hi, c->limit);
  long double paid = 0, discount = 0;
  for (uint32_t i = lo; i < hi; i++)
    if (lv->amount[i] > 0) {
      paid += lv->amount[i];
      discount += lv->discount[i];
    }
  set(c, F_DISCOUNT_SHARE, row, paid + discount > 0 ? (double)(discount / (paid + discount)) : 0);
  set(c, F_N_CATEGORIES, row, distinct(s, lv->category, lo, hi));
  set(c, F_N_BRANDS, row, distinct(s, lv->brand, lo, hi));
  set(c, F_N_CHANNELS, row, distinct(s, lv->channel, lo, hi));
  c->f->cat[(size_t)C_MAIN_CHANNEL * c->f->n_rows + row] = main_channel(c, s);
}

static void event_features(fctx *c, uint32_t cust, size_t row, int64_t last_purchase) {
  const patron_events_view *ev = &c->ev;
  uint32_t lo = ev->start[cust],
           hi = patron__lower_bound_i64(ev->time, lo, ev->start[cust + 1], c->limit);
  double v7 = 0, v30 = 0, c7 = 0, c30 = 0, f7 = 0, f30 = 0, e30 = 0, abandoned = 0;
  for (uint32_t i = lo; i < hi; i++) {
    int64_t age = c->limit - ev->time[i];
    if (age > 30 * DAY)
      continue;
    bool week = age <= 7 * DAY;
    uint32_t t = ev->type[i];
    e30++;
    if (t == c->ev_view)
      v30++, v7 += week;
    else if (t == c->ev_cart) {
      c30++, c7 += week;
      abandoned += ev->time[i] > last_purchase;
    } else if (t == c->ev_fav)
      f30++, f7 += week;
  }
  double vals[] = {v7, v30, c7, c30, f7, f30, e30, abandoned};
  for (int k = 0; k < 8; k++)
    set(c, F_VIEWS7 + k, row, vals[k]);
  set(c, F_EVENT_RECENCY, row, hi > lo ? c->cutoff - patron_day_of_time(ev->time[hi - 1]) : NAN);
}

static uint32_t age_band(int32_t birth, int32_t cutoff) {
  if (birth == PATRON_NO_DAY || birth >= cutoff)
    return 0;
  double years = (cutoff - birth) / 365.2425;
  return years < 25 ? 1 : years < 35 ? 2 : years < 45 ? 3 : years < 55 ? 4 : 5;
}

static void member_features(fctx *c, uint32_t cust, size_t row) {
  const patron_members_view *m = &c->mv;
  patron_features *f = c->f;
  bool known =
      m->is_member[cust] && m->signup_day[cust] != PATRON_NO_DAY && m->signup_day[cust] < c->cutoff;
  set(c, F_MEMBER_DAYS, row, known ? c->cutoff - m->signup_day[cust] : NAN);
  f->cat[(size_t)C_GENDER * f->n_rows + row] = m->gender[cust];
  f->cat[(size_t)C_CITY * f->n_rows + row] = m->city[cust];
  f->cat[(size_t)C_AGE_BAND * f->n_rows + row] = age_band(m->birth_day[cust], c->cutoff);
}

typedef struct job {
  fctx *c;
  size_t lo, hi;
  bool ok;
} job;

/* Marks the job's rows missing in the columns the workers do not write for every row: the
 * scores and BG/NBD's (buyers only, later) and the one shared by the groups not computed
 * (the workers do it in parallel, each touching the pages of its own rows first). */
static void clear_rows(const fctx *c, size_t lo, size_t hi) {
  static const int later[] = {F_RSCORE, F_FSCORE, F_MSCORE, F_P_ALIVE, F_EXP_PURCHASES};
  const patron_features *f = c->f;
  for (size_t j = 0; j <= sizeof later / sizeof *later; j++) {
    double *col = f->num + c->shared_col * f->n_rows;
    if (j < sizeof later / sizeof *later) {
      if (!(c->groups & patron__numeric_defs[later[j]].group))
        continue;
      col = patron__features_col(f, later[j]);
    }
    for (size_t row = lo; row < hi; row++)
      col[row] = NAN;
  }
}

static void worker(void *arg) {
  job *j = arg;
  fctx *c = j->c;
  clear_rows(c, j->lo, j->hi);
  scratch s;
  j->ok = !(c->groups & PATRON_FEATURES_LINES) || scratch_init(&s, c);
  for (size_t row = j->lo; row < j->hi && j->ok; row++) {
    uint32_t cust = c->f->customer[row];
    order_acc a;
    order_features(c, cust, row, &a);
    if (c->groups & PATRON_FEATURES_LINES)
      line_features(c, cust, row, &s);
    if (c->groups & PATRON_FEATURES_EVENTS)
      event_features(c, cust, row, a.last_purchase_time);
    if (c->groups & PATRON_FEATURES_MEMBERS)
      member_features(c, cust, row);
  }
  if (c->groups & PATRON_FEATURES_LINES)
    scratch_free(&s);
}

static bool run_workers(fctx *c, int n_threads) {
  size_t n = c->f->n_rows;
  int t = n_threads > 0 ? n_threads : patron__default_threads();
  if (t > 16)
    t = 16;
  if ((size_t)t > n / 4096 + 1)
    t = (int)(n / 4096 + 1);
  job jobs[16];
  for (int i = 0; i < t; i++)
    jobs[i] = (job){c, n * (size_t)i / (size_t)t, n * (size_t)(i + 1) / (size_t)t, false};
  patron__exec_each(t, jobs, (size_t)t, sizeof *jobs, worker);
  bool ok = true;
  for (int i = 0; i < t; i++)
    ok = ok && jobs[i].ok;
  return ok;
}

/* ---- Row selection ------------------------------------------------------------------- */

static bool in_population(const fctx *c, uint32_t cust, patron_population pop) {
  const patron_orders_view *ov = &c->ov;
  uint32_t lo = ov->start[cust],
           hi = patron__lower_bound_i64(ov->time, lo, ov->start[cust + 1], c->limit);
  for (uint32_t i = lo; i < hi; i++)
    if (ov->value[i] > 0)
      return true;
  if (pop == PATRON_POPULATION_PURCHASERS)
    return false;
  if (hi > lo)
    return true;
  if ((c->groups & PATRON_FEATURES_MEMBERS) && c->mv.is_member[cust] &&
      (c->mv.signup_day[cust] == PATRON_NO_DAY || c->mv.signup_day[cust] < c->cutoff))
    return true;
  return (c->groups & PATRON_FEATURES_EVENTS) && c->ev.start[cust] < c->ev.start[cust + 1] &&
         c->ev.time[c->ev.start[cust]] < c->limit;
}

typedef struct select_job {
  const fctx *c;
  patron_population pop;
  uint8_t *in; /* per customer: in the population */
} select_job;

static void select_range(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const select_job *j = ctx;
  for (size_t cust = lo; cust < hi; cust++)
    j->in[cust] = in_population(j->c, (uint32_t)cust, j->pop);
}

/* The population's customers in index order, found on all cores. */
static patron_status select_rows(fctx *c, patron_population pop, int n_threads, patron_error *err) {
  size_t n_customers = patron_dataset_n_customers(c->ds), n = 0;
  patron_features *f = c->f;
  f->customer = patron__realloc_big(NULL, (n_customers ? n_customers : 1) * sizeof *f->customer);
  select_job j = {c, pop, malloc(n_customers + 1)};
  if (!f->customer || !j.in) {
    free(j.in);
    return PATRON__OOM(err);
  }
  patron__exec_ranges(n_threads, n_customers, 65536, select_range, &j);
  for (uint32_t cust = 0; cust < n_customers; cust++)
    if (j.in[cust])
      f->customer[n++] = cust;
  free(j.in);
  f->n_rows = n;
  size_t all = n; /* in a distributed run, a part without customers goes on */
  if (c->rc && !c->rc->sum(c->rc->ctx, &all))
    return PATRON__OOM(err);
  if (all == 0) {
    char day[11];
    patron_format_day(c->cutoff, day);
    return patron__error_set(
        err, PATRON_ERR_DOMAIN, NULL, 0, 0, "no customers %s before the cut-off %s",
        pop == PATRON_POPULATION_PURCHASERS ? "with a purchase" : "known", day);
  }
  return PATRON_OK;
}

/* ---- Scores (SPEC section 3) ------------------------------------------------------------ */

bool patron__count_below(uint64_t *keys, size_t n, uint32_t *below) {
  uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx)
    return false;
  for (size_t i = 0; i < n; i++)
    idx[i] = (uint32_t)i;
  bool ok = patron__radix_sort(keys, idx, n);
  for (size_t i = 0, start = 0; ok && i < n; i++) {
    if (i > 0 && keys[i] != keys[i - 1])
      start = i;
    below[idx[i]] = (uint32_t)start;
  }
  free(idx);
  return ok;
}

/* score = 1 + floor(5 L / n), L = buyers with a strictly smaller value (for recency, with
 * a strictly larger one: scored on -recency). */
static bool score(const fctx *c, int src, int dst, double sign, uint64_t *keys, uint32_t *rows,
                  uint32_t *below) {
  patron_features *f = c->f;
  size_t n = 0, m = f->n_rows;
  const double *v = patron__features_col(f, src), *recency = patron__features_col(f, F_RECENCY);
  for (size_t i = 0; i < m; i++)
    if (!isnan(recency[i])) {
      keys[n] = patron__double_key(sign * v[i]);
      rows[n++] = (uint32_t)i;
    }
  size_t total = n;
  if (c->rc ? !c->rc->count(c->rc->ctx, keys, n, below, &total)
            : !patron__count_below(keys, n, below))
    return false;
  double *out = patron__features_col(f, dst);
  for (size_t j = 0; j < n; j++)
    out[rows[j]] = 1 + floor(5.0 * (double)below[j] / (double)total);
  return true;
}

static bool scores(const fctx *c) {
  size_t n = c->f->n_rows;
  uint64_t *keys = patron__realloc_big(NULL, n * sizeof *keys + 1);
  uint32_t *rows = patron__realloc_big(NULL, n * sizeof *rows + 1);
  uint32_t *below = patron__realloc_big(NULL, n * sizeof *below + 1);
  bool ok = keys && rows && below && score(c, F_RECENCY, F_RSCORE, -1, keys, rows, below) &&
            score(c, F_FREQUENCY, F_FSCORE, 1, keys, rows, below) &&
            score(c, F_MONETARY, F_MSCORE, 1, keys, rows, below);
  free(keys), free(rows), free(below);
  return ok;
}

/* ---- BG/NBD as of the cut-off ------------------------------------------------------------ */

/* P(alive) and expected purchases depend only on (x, t_x, T): predicted in one pass over
 * the distinct triples, on all cores (patron_clv_predict_many). */
static patron_status clv_predict(const patron_clv_model *model, const patron_clv_data *data,
                                 double horizon_weeks, double *alive, double *purchases,
                                 patron_error *e) {
  patron_clv_query q[] = {{.what = PATRON_CLV_P_ALIVE, .out = alive},
                          {.what = PATRON_CLV_PURCHASES, .t = horizon_weeks, .out = purchases}};
  return patron_clv_predict_many(model, data, q, 2, e);
}

/* The buyers' (x, t_x, T) packed in place over the work columns (buyer j's from row
 * i >= j, read before written); returns the number of buyers. */
static size_t pack_clv_data(const fctx *c) {
  size_t n = c->f->n_rows, m = 0;
  for (size_t i = 0; i < n; i++) {
    double first = c->clv_first[i], last = c->clv_last[i], days = c->clv_days[i];
    if (isnan(first))
      continue;
    c->clv_first[m] = days - 1; /* repeat purchase days; times in weeks */
    c->clv_last[m] = (last - first) / 7.0;
    c->clv_days[m++] = (c->cutoff - first) / 7.0;
  }
  return m;
}

/* Spreads the m buyers' values at the head of col over their rows (a buyer: a recency),
 * NaN elsewhere; from the end, so that no value is overwritten before it moves. */
static void spread_buyers(const fctx *c, double *col, size_t m) {
  const double *recency = patron__features_col(c->f, F_RECENCY);
  for (size_t i = c->f->n_rows; i-- > 0;)
    col[i] = isnan(recency[i]) ? NAN : col[--m];
}

static void clv_features(fctx *c, const patron_features_options *o) {
  patron_features *f = c->f;
  size_t m = pack_clv_data(c);
  double *alive = patron__features_col(f, F_P_ALIVE),
         *purchases = patron__features_col(f, F_EXP_PURCHASES);
  patron_clv_model *model = NULL;
  patron_error e = {0};
  patron_clv_data data = {.n = m, .x = c->clv_first, .t_x = c->clv_last, .T = c->clv_days};
  patron_clv_fit_options fo = {.threads = o->n_threads, .penalizer = 0.001};
  patron_status st = o->clv_params
                         ? patron_clv_model_new(PATRON_CLV_BGNBD, o->clv_params, &model, &e)
                         : patron_clv_fit(PATRON_CLV_BGNBD, &data, &fo, &model, &e);
  if (st == PATRON_OK)
    st = clv_predict(model, &data, o->horizon_days / 7.0, alive, purchases, &e);
  if (st != PATRON_OK) {
    snprintf(f->note, sizeof f->note, "BG/NBD not fitted: %.200s", e.message);
    for (size_t i = 0; i < f->n_rows; i++)
      alive[i] = purchases[i] = NAN;
  } else {
    for (int k = 0; k < 4; k++)
      f->clv_params[k] = patron_clv_model_param(model, (size_t)k);
    f->clv_fitted = true;
    spread_buyers(c, alive, m);
    spread_buyers(c, purchases, m);
  }
  patron_clv_model_free(model);
}

/* ---- Assembly ----------------------------------------------------------------------------- */

static uint32_t event_code(const patron_dataset *ds, const char *name) {
  size_t n = patron_dataset_dict_size(ds, "event_type");
  for (uint32_t i = 1; i < n; i++)
    if (strcmp(patron_dataset_dict_value(ds, "event_type", i), name) == 0)
      return i;
  return UINT32_MAX;
}

static bool dict_labels(patron_features *f, int k, const patron_dataset *ds, const char *dict) {
  size_t n = patron_dataset_dict_size(ds, dict);
  f->n_labels[k] = n ? n : 1;
  f->labels[k] = malloc(f->n_labels[k] * sizeof *f->labels[k]);
  if (!f->labels[k])
    return false;
  f->labels[k][0] = PATRON__LEVEL_NONE;
  for (uint32_t i = 1; i < n; i++)
    f->labels[k][i] = patron_dataset_dict_value(ds, dict, i);
  return true;
}

static bool init_labels(patron_features *f, const patron_dataset *ds) {
  static const char *const dicts[PATRON__N_CATEGORICAL] = {"channel", "gender", "city", NULL};
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++)
    if (dicts[k] && !dict_labels(f, k, ds, dicts[k]))
      return false;
  f->labels[C_AGE_BAND] = malloc(sizeof AGE_BANDS);
  if (!f->labels[C_AGE_BAND])
    return false;
  memcpy(f->labels[C_AGE_BAND], AGE_BANDS, sizeof AGE_BANDS);
  f->n_labels[C_AGE_BAND] = N_AGE_BANDS;
  return true;
}

static void init_ctx(fctx *c, const patron_dataset *ds, const patron_features_options *o) {
  memset(c, 0, sizeof *c);
  c->ds = ds;
  c->cutoff = o->cutoff_day;
  c->limit = (int64_t)o->cutoff_day * DAY;
  c->groups = PATRON_FEATURES_ORDERS;
  patron_dataset_orders(ds, &c->ov);
  if (patron_dataset_has_lines(ds)) {
    c->groups |= PATRON_FEATURES_LINES;
    patron_dataset_lines(ds, &c->lv);
    /* a load keeps no row on or after its as-of day, the default one included: scoring as
     * of it reads lines loaded without their times (lines_untimed) */
    int32_t end = patron_dataset_default_as_of(ds);
    c->all_lines = end != PATRON_NO_DAY && o->cutoff_day >= end;
  }
  if (patron_dataset_has_events(ds)) {
    c->groups |= PATRON_FEATURES_EVENTS;
    patron_dataset_events(ds, &c->ev);
    c->ev_view = event_code(ds, "view");
    c->ev_cart = event_code(ds, "cart");
    c->ev_fav = event_code(ds, "favorite");
  }
  if (patron_dataset_has_members(ds)) {
    c->groups |= PATRON_FEATURES_MEMBERS;
    patron_dataset_members(ds, &c->mv);
  }
  if (o->clv)
    c->groups |= PATRON_FEATURES_CLV;
}

/* A column for each numeric feature of the groups computed, then one shared by the others
 * (NaN only); returns the shared column's index. */
static size_t place_columns(patron_features *f, unsigned groups) {
  size_t n = 0;
  for (int k = 0; k < PATRON__N_NUMERIC; k++)
    if (groups & patron__numeric_defs[k].group)
      f->at[k] = (uint8_t)n++;
  for (int k = 0; k < PATRON__N_NUMERIC; k++)
    if (!(groups & patron__numeric_defs[k].group))
      f->at[k] = (uint8_t)n;
  return n;
}

static patron_status compute(fctx *c, const patron_features_options *o, patron_error *err) {
  patron_features *f = c->f;
  patron_status st = select_rows(c, o->population, o->n_threads, err);
  if (st != PATRON_OK)
    return st;
  size_t n = f->n_rows;
  c->shared_col = place_columns(f, c->groups);
  /* big and written once: in huge pages (far fewer page faults) */
  f->num = patron__realloc_big(NULL, (c->shared_col + 1) * n * sizeof *f->num + 1);
  f->cat = calloc((size_t)PATRON__N_CATEGORICAL * n + 1, sizeof *f->cat);
  patron__advise_huge(f->cat, ((size_t)PATRON__N_CATEGORICAL * n + 1) * sizeof *f->cat);
  double *work = patron__realloc_big(NULL, 3 * n * sizeof *work + 1);
  if (!f->num || !f->cat || !work || !init_labels(f, c->ds)) {
    free(work);
    return PATRON__OOM(err);
  }
  c->clv_first = work;
  c->clv_last = work + n;
  c->clv_days = work + 2 * n;
  if (!run_workers(c, o->n_threads)) {
    free(work);
    return PATRON__OOM(err);
  }
  if (c->groups & PATRON_FEATURES_CLV)
    clv_features(c, o);
  free(work);
  return scores(c) ? PATRON_OK : PATRON__OOM(err);
}

patron_status patron_features_compute(const patron_dataset *ds, const patron_features_options *o,
                                      patron_features **out, patron_error *err) {
  return patron__features_compute_with(ds, o, NULL, out, err);
}

patron_status patron__features_compute_with(const patron_dataset *ds,
                                            const patron_features_options *o,
                                            const patron__rank_counter *rc, patron_features **out,
                                            patron_error *err) {
  *out = NULL;
  if (!ds || !o || o->cutoff_day == PATRON_NO_DAY || o->horizon_days < 1)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "features need a cut-off day and a horizon of at least 1 day");
  patron_features *f = calloc(1, sizeof *f);
  if (!f)
    return PATRON__OOM(err);
  fctx c;
  init_ctx(&c, ds, o);
  c.f = f;
  c.rc = rc;
  f->cutoff = o->cutoff_day;
  f->groups = c.groups;
  patron_status st = compute(&c, o, err);
  if (st != PATRON_OK) {
    patron_features_free(f);
    return st;
  }
  *out = f;
  return PATRON_OK;
}

void patron_features_free(patron_features *f) {
  if (!f)
    return;
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++)
    free(f->labels[k]);
  free(f->customer);
  free(f->num);
  free(f->cat);
  free(f);
}

size_t patron_features_n_rows(const patron_features *f) { return f->n_rows; }
const uint32_t *patron_features_customers(const patron_features *f) { return f->customer; }
int32_t patron_features_cutoff(const patron_features *f) { return f->cutoff; }
unsigned patron_features_groups(const patron_features *f) { return f->groups; }
const char *patron_features_note(const patron_features *f) { return f->note[0] ? f->note : NULL; }

bool patron_features_clv_params(const patron_features *f, double params[4]) {
  if (f->clv_fitted)
    memcpy(params, f->clv_params, sizeof f->clv_params);
  return f->clv_fitted;
}

const double *patron_features_numeric(const patron_features *f, const char *name) {
  for (int k = 0; k < PATRON__N_NUMERIC; k++)
    if (strcmp(patron__numeric_defs[k].name, name) == 0)
      return patron__features_col(f, k);
  return NULL;
}
