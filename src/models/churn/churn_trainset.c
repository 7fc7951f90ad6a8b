/* Point-in-time training sets: for each cut-off C, features from rows before C and a label
 * from purchases in [C, C + H) (churn: none; propensity: at least one). Cut-offs are stacked;
 * the latest is the time-held-out validation set. With a single cut-off C the rows at
 * C - H train (their labels end where C begins) and the rows at C validate. */
#include "models/churn/churn_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DAY = 86400 };

patron_population patron__churn_population(patron_churn_task task) {
  return task == PATRON_TASK_CHURN ? PATRON_POPULATION_PURCHASERS : PATRON_POPULATION_ALL;
}

void patron_churn_options_init(patron_churn_options *o) {
  *o = (patron_churn_options){.task = PATRON_TASK_CHURN,
                              .learner = PATRON_LEARNER_XGBOOST,
                              .horizon_days = 90,
                              .clv = true,
                              .max_levels = 20,
                              .min_level_share = 0.005,
                              .max_rounds = 300,
                              .early_stopping = 20,
                              .max_depth = 4,
                              .eta = 0.1,
                              .min_child_weight = 5,
                              .subsample = 0.8,
                              .colsample = 0.8,
                              .l2 = 1.0,
                              .refit = false,
                              .seed = 42};
}

void patron_churn_trainset_free(patron_churn_trainset *ts) {
  if (!ts)
    return;
  free(ts->x);
  free(ts->y);
  free(ts->customer);
  free(ts->cutoff);
  patron_feature_schema_free(ts->schema);
  free(ts);
}

size_t patron_churn_trainset_rows(const patron_churn_trainset *ts) { return ts->n_rows; }
size_t patron_churn_trainset_n_train(const patron_churn_trainset *ts) { return ts->n_train; }
const patron_feature_schema *patron_churn_trainset_schema(const patron_churn_trainset *ts) {
  return ts->schema;
}
const float *patron_churn_trainset_x(const patron_churn_trainset *ts) { return ts->x; }
const float *patron_churn_trainset_y(const patron_churn_trainset *ts) { return ts->y; }
const uint32_t *patron_churn_trainset_customers(const patron_churn_trainset *ts) {
  return ts->customer;
}
const int32_t *patron_churn_trainset_cutoffs(const patron_churn_trainset *ts) { return ts->cutoff; }
const char *patron_churn_trainset_validation(const patron_churn_trainset *ts) {
  return ts->random_valid ? "random" : "time";
}
const char *patron_churn_trainset_note(const patron_churn_trainset *ts) {
  return ts->note[0] ? ts->note : NULL;
}

/* ---- Cut-offs ----------------------------------------------------------------------------- */

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

static patron_status check_horizon(const patron_dataset *ds, int32_t last_cutoff, int32_t h,
                                   patron_error *err) {
  int64_t latest = patron_dataset_max_order_time(ds);
  if (latest == INT64_MIN)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0, "there are no orders");
  int32_t end = patron_day_of_time(latest) + 1; /* labels need [C, C + H) fully observed */
  if (last_cutoff + h <= end)
    return PATRON_OK;
  char c[11], e[11], last[11], ok[11];
  patron_format_day(last_cutoff, c);
  patron_format_day(last_cutoff + h, e);
  patron_format_day(end - 1, last);
  patron_format_day(end - h, ok);
  return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "the horizon runs past the end of the data: cut-off %s + %d days "
                           "ends on %s, but the last order is on %s (latest possible cut-off "
                           "for this horizon: %s)",
                           c, h, e, last, ok);
}

/* Sorted distinct cut-offs into *out (n_cutoffs + 1 slots). */
static patron_status sorted_cutoffs(const patron_churn_options *o, int32_t *out, size_t *n,
                                    patron_error *err) {
  if (!o->cutoffs || o->n_cutoffs == 0 || o->horizon_days < 1)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "training needs at least one cut-off and a horizon >= 1 day");
  memcpy(out, o->cutoffs, o->n_cutoffs * sizeof *out);
  qsort(out, o->n_cutoffs, sizeof *out, cmp_i32);
  size_t m = 0;
  for (size_t i = 0; i < o->n_cutoffs; i++)
    if (m == 0 || out[m - 1] != out[i])
      out[m++] = out[i];
  *n = m;
  return PATRON_OK;
}

/* ---- Labels ---------------------------------------------------------------------------------- */

static float label(const patron_orders_view *ov, uint32_t c, int32_t cutoff, int32_t h,
                   patron_churn_task task) {
  int64_t from = (int64_t)cutoff * DAY, to = (int64_t)(cutoff + h) * DAY;
  bool bought = false;
  for (uint32_t i = ov->start[c]; i < ov->start[c + 1] && ov->time[i] < to && !bought; i++)
    bought = ov->time[i] >= from && ov->value[i] > 0;
  return (float)(task == PATRON_TASK_CHURN ? !bought : bought);
}

/* ---- Assembly ----------------------------------------------------------------------------- */

static patron_status compute_sets(const patron_dataset *ds, const patron_churn_options *o,
                                  const int32_t *cutoffs, size_t n, patron_features **sets,
                                  patron_error *err) {
  patron_features_options fo;
  patron_features_options_init(&fo);
  fo.horizon_days = o->horizon_days;
  fo.population = patron__churn_population(o->task);
  fo.clv = o->clv;
  fo.n_threads = o->n_threads;
  for (size_t i = 0; i < n; i++) {
    fo.cutoff_day = cutoffs[i];
    patron_status st = patron_features_compute(ds, &fo, &sets[i], err);
    if (st != PATRON_OK)
      return st;
  }
  return PATRON_OK;
}

static patron_status fill_rows(patron_churn_trainset *ts, const patron_dataset *ds,
                               patron_features *const *sets, size_t n_sets, patron_error *err) {
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  size_t rows = 0;
  for (size_t s = 0; s < n_sets; s++)
    rows += sets[s]->n_rows;
  ts->n_rows = rows;
  ts->p = patron_feature_schema_n_columns(ts->schema);
  ts->x = malloc(rows * ts->p * sizeof *ts->x);
  ts->y = malloc(rows * sizeof *ts->y);
  ts->customer = malloc(rows * sizeof *ts->customer);
  ts->cutoff = malloc(rows * sizeof *ts->cutoff);
  if (!ts->x || !ts->y || !ts->customer || !ts->cutoff)
    return PATRON__OOM(err);
  size_t at = 0;
  for (size_t s = 0; s < n_sets; s++) {
    const patron_features *f = sets[s];
    patron_status st = patron_feature_schema_encode(ts->schema, f, ts->x + at * ts->p, err);
    if (st != PATRON_OK)
      return st;
    for (size_t i = 0; i < f->n_rows; i++, at++) {
      ts->customer[at] = f->customer[i];
      ts->cutoff[at] = f->cutoff;
      ts->y[at] = label(&ov, f->customer[i], f->cutoff, ts->horizon, ts->task);
    }
  }
  return PATRON_OK;
}

/* Random validation: ~20% of customers by a hash of (customer, seed), moved to the end
 * keeping row order within each part. */
static patron_status random_split(patron_churn_trainset *ts, uint64_t seed, patron_error *err) {
  size_t n = ts->n_rows, p = ts->p, t = 0;
  uint8_t *valid = malloc(n ? n : 1);
  float *x = malloc(n * p * sizeof *x + 1), *y = malloc(n * sizeof *y + 1);
  uint32_t *cu = malloc(n * sizeof *cu + 1);
  if (!valid || !x || !y || !cu) {
    free(valid), free(x), free(y), free(cu);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < n; i++) {
    valid[i] = patron__hash_bytes(&ts->customer[i], sizeof *ts->customer, seed) % 5 == 0;
    t += !valid[i];
  }
  size_t a = 0, b = t;
  for (size_t i = 0; i < n; i++) {
    size_t to = valid[i] ? b++ : a++;
    memcpy(x + to * p, ts->x + i * p, p * sizeof *x);
    y[to] = ts->y[i];
    cu[to] = ts->customer[i];
  }
  free(ts->x), free(ts->y), free(ts->customer), free(valid);
  ts->x = x, ts->y = y, ts->customer = cu;
  ts->n_train = t;
  ts->random_valid = true;
  return PATRON_OK;
}

static patron_status check_classes(const patron_churn_trainset *ts, size_t lo, size_t hi,
                                   const char *part, patron_error *err) {
  double pos = 0;
  for (size_t i = lo; i < hi; i++)
    pos += ts->y[i];
  if (pos > 0 && pos < (double)(hi - lo))
    return PATRON_OK;
  char day[11];
  patron_format_day(ts->cutoff[hi > lo ? hi - 1 : lo], day);
  return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                           "the labels of the %s rows are of one class only (%zu rows, all %s "
                           "at cut-off %s with a %d-day horizon): no model can be trained",
                           part, hi - lo, pos > 0 ? "positive" : "negative", day, ts->horizon);
}

static void collect_notes(patron_churn_trainset *ts, patron_features *const *sets, size_t n) {
  size_t len = strlen(ts->note);
  for (size_t i = 0; i < n; i++) {
    const char *note = patron_features_note(sets[i]);
    if (note && len < sizeof ts->note) {
      char day[11];
      patron_format_day(sets[i]->cutoff, day);
      len += (size_t)snprintf(ts->note + len, sizeof ts->note - len, "%scut-off %s: %s",
                              len ? "; " : "", day, note);
    }
  }
}

/* Features for the cut-offs; a single cut-off gets C - H prepended for training, or a
 * random split when nobody is known before C - H. */
static patron_status build_sets(patron_churn_trainset *ts, const patron_dataset *ds,
                                const patron_churn_options *o, int32_t *cut, size_t *n_cut,
                                patron_features **sets, patron_error *err) {
  if (*n_cut == 1) {
    int32_t early[1] = {cut[0] - o->horizon_days};
    patron_error e2 = {0};
    patron_status st = compute_sets(ds, o, early, 1, sets, &e2);
    if (st == PATRON_OK) {
      cut[1] = cut[0], cut[0] = early[0], *n_cut = 2;
      return compute_sets(ds, o, cut + 1, 1, sets + 1, err);
    }
    if (st != PATRON_ERR_DOMAIN)
      return patron__error_set(err, st, NULL, 0, 0, "%s", e2.message);
    ts->random_valid = true;
    snprintf(ts->note, sizeof ts->note,
             "nobody is known before the cut-off minus the "
             "horizon: validating on a random 20%% of customers instead of a later cut-off");
  }
  return compute_sets(ds, o, cut, *n_cut, sets, err);
}

static patron_status build(patron_churn_trainset *ts, const patron_dataset *ds,
                           const patron_churn_options *o, patron_error *err) {
  int32_t *cut = malloc((o->n_cutoffs + 2) * sizeof *cut);
  patron_features **sets = calloc(o->n_cutoffs + 2, sizeof *sets);
  size_t n_cut = 0;
  patron_status st = cut && sets ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = sorted_cutoffs(o, cut, &n_cut, err);
  if (st == PATRON_OK)
    st = check_horizon(ds, cut[n_cut - 1], o->horizon_days, err);
  if (st == PATRON_OK)
    st = build_sets(ts, ds, o, cut, &n_cut, sets, err);
  if (st == PATRON_OK)
    st = patron_feature_schema_fit((const patron_features *const *)sets, n_cut, o->max_levels,
                                   o->min_level_share, &ts->schema, err);
  if (st == PATRON_OK)
    st = fill_rows(ts, ds, sets, n_cut, err);
  if (st == PATRON_OK) {
    collect_notes(ts, sets, n_cut);
    ts->has_clv = patron_features_clv_params(sets[n_cut - 1], ts->clv_params);
    if (ts->random_valid)
      st = random_split(ts, o->seed, err);
    else
      ts->n_train = ts->n_rows - sets[n_cut - 1]->n_rows;
  }
  for (size_t i = 0; sets && i < n_cut + 1; i++)
    patron_features_free(sets[i]);
  free(sets);
  free(cut);
  return st;
}

patron_status patron_churn_trainset_build(const patron_dataset *ds, const patron_churn_options *o,
                                          patron_churn_trainset **out, patron_error *err) {
  *out = NULL;
  patron_churn_trainset *ts = calloc(1, sizeof *ts);
  if (!ts)
    return PATRON__OOM(err);
  ts->horizon = o->horizon_days;
  ts->task = o->task;
  patron_status st = build(ts, ds, o, err);
  if (st == PATRON_OK)
    st = check_classes(ts, 0, ts->n_train, "training", err);
  if (st == PATRON_OK)
    st = check_classes(ts, ts->n_train, ts->n_rows, "validation", err);
  if (st != PATRON_OK) {
    patron_churn_trainset_free(ts);
    return st;
  }
  *out = ts;
  return PATRON_OK;
}
