/* The built-in tag columns of SPEC section 7, over the window [as_of - D days, as_of):
 * preferred_category / preferred_brand (largest sum of positive line amounts; ties: the
 * byte-smallest name), preferred_channel (most purchases), omnichannel (2+ channels),
 * price_band (avg_order_value bands), promo_share / promo_sensitivity (purchases with a
 * discounted line), age_band (by age()), events_30d and last_event_date. A purchase's lines
 * are found by each line's order. */
#include "core/exec.h"
#include "ops/tags_int.h"
#include "ops/expr_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const age_labels[] = {"<18", "18-25", "26-35", "36-45", "46-55", "56+"};
static const char *const promo_labels[] = {"high", "medium", "low"};
const char *const patron__tag_dicts[PATRON__TAG_DICTS] = {"category", "brand", "channel"};

void patron_tags_options_init(patron_tags_options *o) {
  memset(o, 0, sizeof *o);
  o->window_days = 365;
  o->price_bands[0] = 100 * PATRON_MONEY_SCALE;
  o->price_bands[1] = 500 * PATRON_MONEY_SCALE;
  o->price_bands[2] = 2000 * PATRON_MONEY_SCALE;
  o->n_price_bands = 3;
  o->segments_name = "custom_segment";
  o->stage_days = 180;
}

patron_status patron_tags_parse_price_bands(const char *text, patron_tags_options *o,
                                            patron_error *err) {
  size_t n = 0;
  for (const char *s = text; *s;) {
    size_t len = strcspn(s, ",");
    patron_money v;
    if (n == PATRON_TAGS_MAX_BANDS || patron_parse_money(s, len, &v) != PATRON_OK || v <= 0 ||
        (n > 0 && v <= o->price_bands[n - 1]))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "--price-bands expects up to %d increasing positive amounts "
                               "(e.g. 100,500,2000), got '%s'",
                               PATRON_TAGS_MAX_BANDS, text);
    o->price_bands[n++] = v;
    s += len + (s[len] == ',');
  }
  if (n == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "--price-bands is empty");
  o->n_price_bands = n;
  return PATRON_OK;
}

patron_tagset *patron_tagset_new(void) { return calloc(1, sizeof(patron_tagset)); }

void patron_tagset_free(patron_tagset *ts) {
  if (!ts)
    return;
  for (size_t i = 0; i < ts->n_blocks; i++)
    free(ts->blocks[i]);
  free(ts->blocks);
  patron__arena_free(&ts->text);
  free(ts);
}

bool patron__tagset_own(patron_tagset *ts, void *p) {
  if (!p || !patron__reserve((void **)&ts->blocks, &ts->cap_blocks, ts->n_blocks + 1,
                             sizeof *ts->blocks)) {
    free(p);
    return false;
  }
  ts->blocks[ts->n_blocks++] = p;
  return true;
}

typedef struct tag_ctx {
  patron_tagset *ts;
  patron_profile *p;
  const patron_dataset *ds;
  const patron_tags_options *o;
  patron_error *err;
  size_t n_rows;
  const uint32_t *cust;
  const int64_t *frequency;
  int64_t lo, hi; /* window, seconds */
  const patron__tag_inputs *in;
  int n_threads;
} tag_ctx;

static bool purchaser(const tag_ctx *t, size_t r) {
  return t->frequency[r] != PATRON_NULL_INT && t->frequency[r] >= 1;
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

patron_status patron__tags_inputs(patron_tagset *ts, const patron_dataset *ds,
                                  const patron_profile *p, patron__tag_inputs *out,
                                  patron_error *err) {
  *out = (patron__tag_inputs){.lines = patron_dataset_has_lines(ds),
                              .events = patron_dataset_has_events(ds)};
  for (int d = 0; d < PATRON__TAG_DICTS; d++) {
    size_t n = patron_dataset_dict_size(ds, patron__tag_dicts[d]);
    const char **labels = malloc((n ? n : 1) * sizeof *labels);
    if (!patron__tagset_own(ts, labels))
      return PATRON__OOM(err);
    for (size_t i = 1; i < n; i++) /* code 0, "", is none */
      labels[i - 1] = patron_dataset_dict_value(ds, patron__tag_dicts[d], (uint32_t)i);
    qsort(labels, n > 1 ? n - 1 : 0, sizeof *labels, by_text);
    out->labels[d] = labels, out->n_labels[d] = n > 1 ? n - 1 : 0;
  }
  patron_lines_view lv;
  patron_dataset_lines(ds, &lv);
  for (size_t k = 0; out->lines && k < lv.n_lines && !out->discount; k++)
    out->discount = lv.discount[k] != 0;
  const uint32_t *cust = patron_profile_customers(p);
  patron_members_view m;
  if (patron_dataset_has_members(ds))
    patron_dataset_members(ds, &m);
  size_t rows = patron_table_n_rows(patron_profile_table_const(p));
  for (size_t r = 0; r < rows && patron_dataset_has_members(ds) && !out->birth_date; r++)
    out->birth_date = m.birth_day[cust[r]] != PATRON_NO_DAY;
  return PATRON_OK;
}

static bool has_labels(const patron__tag_inputs *in, int d) {
  return in->lines && in->n_labels[d] > 0;
}

void patron__tags_notes(patron_run *run, const patron__tag_inputs *in) {
  static const char *const no_column[PATRON__TAG_DICTS] = {
      "the orders have no category", "the orders have no brand", "the orders have no channel"};
  static const char *const tags[PATRON__TAG_DICTS] = {"preferred_category", "preferred_brand",
                                                      "preferred_channel and omnichannel"};
  for (int d = 0; run && d < PATRON__TAG_DICTS; d++)
    if (!has_labels(in, d))
      patron_run_note(run, "tag %s left out: %s", tags[d], no_column[d]);
  if (run && !(in->lines && in->discount))
    patron_run_note(run, "tag %s left out: %s", "promo_share and promo_sensitivity",
                    "the orders have no discount");
  if (run && !in->birth_date)
    patron_run_note(run, "tag %s left out: %s", "age_band", "no customer has a birth_date");
  if (run && !in->events)
    patron_run_note(run, "tag %s left out: %s", "events_30d and last_event_date", "no events file");
}

void patron__tags_given_inputs(const patron_table *given, patron__tag_inputs *out) {
  static const char *const column[PATRON__TAG_DICTS] = {"preferred_category", "preferred_brand",
                                                        "preferred_channel"};
  *out = (patron__tag_inputs){.lines = true,
                              .discount = patron_table_find(given, "promo_share") != NULL,
                              .birth_date = patron_table_find(given, "age_band") != NULL,
                              .events = patron_table_find(given, "events_30d") != NULL};
  for (int d = 0; d < PATRON__TAG_DICTS; d++)
    out->n_labels[d] = patron_table_find(given, column[d]) != NULL;
}

/* A category column whose labels are the inputs' non-empty values of a dictionary in byte
 * order (code 0, "", is none), so segments.csv lists them in an order that does not depend
 * on the order of the input rows. *remap (owned by the tagset) takes a dictionary code to
 * the column's code. */
static patron_status dict_column(tag_ctx *t, const char *name, int d, bool seg, int32_t **codes,
                                 const int32_t **remap) {
  const char *dict = patron__tag_dicts[d];
  size_t n = patron_dataset_dict_size(t->ds, dict);
  int32_t *map = malloc((n ? n : 1) * sizeof *map);
  if (!patron__tagset_own(t->ts, map))
    return PATRON__OOM(t->err);
  const char *const *labels = t->in->labels[d];
  map[0] = -1;
  for (size_t i = 1; i < n; i++) {
    const char *v = patron_dataset_dict_value(t->ds, dict, (uint32_t)i);
    const char *const *at = bsearch(&v, labels, t->in->n_labels[d], sizeof *labels, by_text);
    map[i] = at ? (int32_t)(at - labels) : -1;
  }
  *remap = map;
  return patron_table_add_category(patron_profile_table(t->p), name, labels, NULL,
                                   (int32_t)t->in->n_labels[d], seg, codes, t->err);
}

/* Best code by weight (ties: byte-smallest label); -1 when no weight is positive. */
static int32_t best_code(const tag_ctx *t, const char *dict, const int64_t *w,
                         const uint32_t *touched, size_t n_touched) {
  int32_t best = -1;
  for (size_t i = 0; i < n_touched; i++) {
    uint32_t c = touched[i];
    if (c == 0 || w[c] <= 0)
      continue;
    if (best < 0 || w[c] > w[best] ||
        (w[c] == w[best] && strcmp(patron_dataset_dict_value(t->ds, dict, c),
                                   patron_dataset_dict_value(t->ds, dict, (uint32_t)best)) < 0))
      best = (int32_t)c;
  }
  return best;
}

/* A run over the purchasers' rows in blocks on the executor: row(j, acc, r) fills row r's
 * cells with the worker's scratch acc (count zeroed, as row must leave it; n_touched,
 * purchases and promoted are the row's to set). Each row's cells depend on the row only, so
 * the columns are the same for any thread count. */
typedef struct channel_acc {
  int64_t *count;
  uint32_t *touched;
  size_t n_touched;
  int64_t purchases, promoted;
} channel_acc;

typedef struct rows_job rows_job;
struct rows_job {
  const tag_ctx *t;
  void (*row)(rows_job *j, channel_acc *acc, size_t r);
  patron_lines_view lv;
  const char *dict;
  const uint32_t *code; /* preferred_spend: the lines' category or brand */
  const int32_t *remap;
  int32_t *codes;
  int64_t *omni;
  double *share;
  channel_acc acc[PATRON__EXEC_MAX_WORKERS];
  atomic_bool oom;
};

enum { ROW_BLOCK = 1 << 14 };

static void rows_block(void *ctx, size_t lo, size_t hi, int worker) {
  rows_job *j = ctx;
  for (size_t r = lo; r < hi; r++)
    if (purchaser(j->t, r))
      j->row(j, &j->acc[worker], r);
}

/* Runs j->row over the purchasers with scratch of n_scratch entries per worker. */
static patron_status rows_run(rows_job *j, size_t n_scratch) {
  const tag_ctx *t = j->t;
  int n_workers = patron__exec_workers(t->n_threads, (t->n_rows + ROW_BLOCK - 1) / ROW_BLOCK);
  bool ok = true;
  atomic_init(&j->oom, false);
  for (int w = 0; w < n_workers; w++) {
    j->acc[w] = (channel_acc){calloc(n_scratch ? n_scratch : 1, sizeof(int64_t)),
                              malloc((n_scratch ? n_scratch : 1) * sizeof(uint32_t)), 0, 0, 0};
    ok = ok && j->acc[w].count && j->acc[w].touched;
  }
  if (ok)
    patron__exec_ranges(t->n_threads, t->n_rows, ROW_BLOCK, rows_block, j);
  for (int w = 0; w < n_workers; w++)
    free(j->acc[w].count), free(j->acc[w].touched);
  return ok && !atomic_load(&j->oom) ? PATRON_OK : PATRON__OOM(t->err);
}

static void spend_row(rows_job *j, channel_acc *acc, size_t r) {
  const patron_lines_view *lv = &j->lv;
  const tag_ctx *t = j->t;
  uint32_t c = t->cust[r];
  acc->n_touched = 0;
  for (uint32_t k = lv->start[c]; k < lv->start[c + 1]; k++) {
    if (lv->time[k] < t->lo || lv->time[k] >= t->hi || lv->amount[k] <= 0)
      continue;
    if (acc->count[j->code[k]] == 0)
      acc->touched[acc->n_touched++] = j->code[k];
    acc->count[j->code[k]] += lv->amount[k];
  }
  int32_t best = best_code(t, j->dict, acc->count, acc->touched, acc->n_touched);
  j->codes[r] = best < 0 ? -1 : j->remap[best];
  for (size_t i = 0; i < acc->n_touched; i++)
    acc->count[acc->touched[i]] = 0;
}

/* preferred_category / preferred_brand: positive line amounts in the window. */
static patron_status preferred_spend(tag_ctx *t, const char *name, int d, bool brand) {
  if (!has_labels(t->in, d))
    return PATRON_OK;
  rows_job *j = calloc(1, sizeof *j);
  if (!j)
    return PATRON__OOM(t->err);
  *j = (rows_job){.t = t, .row = spend_row, .dict = patron__tag_dicts[d]};
  patron_status st = dict_column(t, name, d, false, &j->codes, &j->remap);
  patron_dataset_lines(t->ds, &j->lv);
  j->code = brand ? j->lv.brand : j->lv.category;
  if (st == PATRON_OK)
    st = rows_run(j, patron_dataset_dict_size(t->ds, j->dict));
  free(j);
  return st;
}

/* Visits each purchase (order with value > 0) in the window with its lines idx[0..n). */
typedef void (*purchase_fn)(void *ctx, const patron_lines_view *lv, const uint32_t *idx, size_t n);

/* Line indices by their order (ctx: the line -> order column), then by index. */
static int by_order(const void *a, const void *b, void *ctx) {
  const uint32_t *order = ctx, i = *(const uint32_t *)a, j = *(const uint32_t *)b;
  return order[i] != order[j] ? (order[i] > order[j]) - (order[i] < order[j]) : (i > j) - (i < j);
}

static bool each_purchase(const tag_ctx *t, uint32_t c, purchase_fn fn, void *ctx) {
  patron_orders_view ov;
  patron_lines_view lv;
  patron_dataset_orders(t->ds, &ov);
  patron_dataset_lines(t->ds, &lv);
  size_t n = 0, cap = lv.start[c + 1] - lv.start[c];
  uint32_t local[64], *idx = cap > 64 ? malloc(cap * sizeof *idx) : local;
  if (!idx)
    return false;
  for (uint32_t k = lv.start[c]; k < lv.start[c + 1]; k++) {
    uint32_t o = lv.order[k];
    if (ov.value[o] > 0 && ov.time[o] >= t->lo && ov.time[o] < t->hi)
      idx[n++] = k;
  }
  bool grouped = true; /* lines come in time order: an order's lines are usually adjacent */
  for (size_t i = 1; i < n && grouped; i++)
    grouped = lv.order[idx[i - 1]] <= lv.order[idx[i]];
  if (!grouped)
    qsort_r(idx, n, sizeof *idx, by_order, (void *)lv.order);
  for (size_t i = 0, j; i < n; i = j) {
    for (j = i; j < n && lv.order[idx[j]] == lv.order[idx[i]];)
      j++;
    fn(ctx, &lv, idx + i, j - i);
  }
  if (idx != local)
    free(idx);
  return true;
}

static void count_channels(void *ctx, const patron_lines_view *lv, const uint32_t *idx, size_t n) {
  channel_acc *acc = ctx;
  acc->purchases++;
  bool promo = false;
  for (size_t i = 0; i < n; i++) {
    uint32_t k = idx[i];
    promo = promo || lv->discount[k] > 0;
    bool seen = false;
    for (size_t q = 0; q < i && !seen; q++)
      seen = lv->channel[idx[q]] == lv->channel[k];
    if (seen || lv->channel[k] == 0)
      continue;
    if (acc->count[lv->channel[k]]++ == 0)
      acc->touched[acc->n_touched++] = lv->channel[k];
  }
  acc->promoted += promo;
}

static void channel_row(rows_job *j, channel_acc *acc, size_t r) {
  acc->n_touched = 0;
  if (!each_purchase(j->t, j->t->cust[r], count_channels, acc))
    atomic_store(&j->oom, true);
  int32_t best = best_code(j->t, "channel", acc->count, acc->touched, acc->n_touched);
  j->codes[r] = best < 0 ? -1 : j->remap[best];
  j->omni[r] = acc->n_touched >= 2;
  for (size_t i = 0; i < acc->n_touched; i++)
    acc->count[acc->touched[i]] = 0;
}

static patron_status channel_tags(tag_ctx *t) {
  if (!has_labels(t->in, PATRON__TAG_CHANNEL))
    return PATRON_OK;
  rows_job *j = calloc(1, sizeof *j);
  if (!j)
    return PATRON__OOM(t->err);
  *j = (rows_job){.t = t, .row = channel_row};
  patron_status st =
      dict_column(t, "preferred_channel", PATRON__TAG_CHANNEL, true, &j->codes, &j->remap);
  if (st == PATRON_OK)
    st = patron_table_add(patron_profile_table(t->p), "omnichannel", PATRON_COL_INT,
                          (void **)&j->omni, t->err);
  if (st == PATRON_OK)
    st = rows_run(j, patron_dataset_dict_size(t->ds, "channel"));
  free(j);
  return st;
}

static void promo_row(rows_job *j, channel_acc *acc, size_t r) {
  acc->n_touched = 0, acc->purchases = 0, acc->promoted = 0;
  if (!each_purchase(j->t, j->t->cust[r], count_channels, acc))
    atomic_store(&j->oom, true);
  for (size_t i = 0; i < acc->n_touched; i++)
    acc->count[acc->touched[i]] = 0;
  if (acc->purchases == 0)
    return;
  j->share[r] = (double)acc->promoted / (double)acc->purchases;
  j->codes[r] = acc->promoted * 2 >= acc->purchases   ? 0
                : acc->promoted * 5 >= acc->purchases ? 1
                                                      : 2;
}

static patron_status promo_tags(tag_ctx *t) {
  if (!t->in->lines || !t->in->discount)
    return PATRON_OK;
  patron_table *tab = patron_profile_table(t->p);
  rows_job *j = calloc(1, sizeof *j);
  if (!j)
    return PATRON__OOM(t->err);
  *j = (rows_job){.t = t, .row = promo_row};
  patron_status st =
      patron_table_add(tab, "promo_share", PATRON_COL_DOUBLE, (void **)&j->share, t->err);
  if (st == PATRON_OK)
    st = patron_table_add_category(tab, "promo_sensitivity", promo_labels, NULL, 3, true, &j->codes,
                                   t->err);
  if (st == PATRON_OK) {
    patron_table_set_decimals(tab, "promo_share", 4);
    st = rows_run(j, patron_dataset_dict_size(t->ds, "channel") + 1);
  }
  free(j);
  return st;
}

static patron_status price_band(tag_ctx *t) {
  const patron_tags_options *o = t->o;
  size_t n = o->n_price_bands + 1;
  const char **labels = malloc(n * sizeof *labels);
  if (!patron__tagset_own(t->ts, labels))
    return PATRON__OOM(t->err);
  for (size_t i = 0; i < n; i++) {
    char a[24], b[24], text[56];
    patron_format_money(i ? o->price_bands[i - 1] : 0, a);
    if (i + 1 < n)
      patron_format_money(o->price_bands[i], b);
    /* bands print without cents when whole: 100-500 */
    char *dot = strstr(a, ".00");
    if (dot)
      *dot = '\0';
    dot = i + 1 < n ? strstr(b, ".00") : NULL;
    if (dot)
      *dot = '\0';
    if (i + 1 < n)
      snprintf(text, sizeof text, "%s-%s", a, b);
    else
      snprintf(text, sizeof text, "%s+", a);
    if (!(labels[i] = patron__arena_strdup(&t->ts->text, text, strlen(text))))
      return PATRON__OOM(t->err);
  }
  int32_t *codes;
  patron_status st = patron_table_add_category(patron_profile_table(t->p), "price_band", labels,
                                               NULL, (int32_t)n, true, &codes, t->err);
  const patron_column *aov = patron_table_find(patron_profile_table_const(t->p), "avg_order_value");
  for (size_t r = 0; r < t->n_rows && st == PATRON_OK; r++) {
    patron_money v = ((const patron_money *)aov->data)[r];
    if (!purchaser(t, r) || v == PATRON_NULL_MONEY)
      continue;
    int32_t b = 0;
    while ((size_t)b < o->n_price_bands && v >= o->price_bands[b])
      b++;
    codes[r] = b;
  }
  return st;
}

static patron_status age_band(tag_ctx *t) {
  if (!t->in->birth_date)
    return PATRON_OK;
  int32_t *codes, as_of = patron_profile_as_of(t->p);
  patron_status st = patron_table_add_category(patron_profile_table(t->p), "age_band", age_labels,
                                               NULL, 6, true, &codes, t->err);
  static const int64_t upper[] = {17, 25, 35, 45, 55};
  patron_members_view m;
  if (patron_dataset_has_members(t->ds)) /* a rank of an MPI run may hold no member */
    patron_dataset_members(t->ds, &m);
  for (size_t r = 0; r < t->n_rows && st == PATRON_OK && patron_dataset_has_members(t->ds); r++) {
    int32_t b = m.birth_day[t->cust[r]];
    if (b == PATRON_NO_DAY || b > as_of)
      continue;
    int64_t age = patron__age_years(b, as_of);
    int32_t k = 0;
    while (k < 5 && age > upper[k])
      k++;
    codes[r] = k;
  }
  return st;
}

static patron_status event_tags(tag_ctx *t) {
  if (!t->in->events)
    return PATRON_OK;
  patron_table *tab = patron_profile_table(t->p);
  int64_t *n30;
  int32_t *last;
  patron_status st = patron_table_add(tab, "events_30d", PATRON_COL_INT, (void **)&n30, t->err);
  if (st == PATRON_OK)
    st = patron_table_add(tab, "last_event_date", PATRON_COL_DATE, (void **)&last, t->err);
  patron_events_view ev = {0};
  bool here = patron_dataset_has_events(t->ds); /* an MPI rank may hold no event */
  if (here)
    patron_dataset_events(t->ds, &ev);
  int64_t lo30 = t->hi - 30 * 86400;
  for (size_t r = 0; r < t->n_rows && st == PATRON_OK; r++) {
    uint32_t c = t->cust[r];
    n30[r] = 0;
    for (uint32_t k = here ? ev.start[c] : 0; here && k < ev.start[c + 1] && ev.time[k] < t->hi;
         k++) {
      n30[r] += ev.time[k] >= lo30;
      last[r] = patron_day_of_time(ev.time[k]);
    }
  }
  return st;
}

patron_status patron_tags_builtin(patron_tagset *ts, patron_profile *p, const patron_dataset *ds,
                                  const patron_tags_options *o, patron_run *run,
                                  patron_error *err) {
  patron__tag_inputs in;
  patron_status st = patron__tags_inputs(ts, ds, p, &in, err);
  if (st == PATRON_OK)
    patron__tags_notes(run, &in);
  return st == PATRON_OK
             ? patron__tags_builtin_with(ts, p, ds, o, &in, run ? run->n_threads : 0, err)
             : st;
}

patron_status patron__tags_builtin_with(patron_tagset *ts, patron_profile *p,
                                        const patron_dataset *ds, const patron_tags_options *o,
                                        const patron__tag_inputs *in, int n_threads,
                                        patron_error *err) {
  const patron_table *tab = patron_profile_table_const(p);
  int64_t as_of = (int64_t)patron_profile_as_of(p) * 86400;
  tag_ctx t = {ts,
               p,
               ds,
               o,
               err,
               patron_table_n_rows(tab),
               patron_profile_customers(p),
               patron_table_find(tab, "frequency")->data,
               as_of - (int64_t)o->window_days * 86400,
               as_of,
               in,
               n_threads};
  patron_status st = preferred_spend(&t, "preferred_category", PATRON__TAG_CATEGORY, false);
  if (st == PATRON_OK)
    st = preferred_spend(&t, "preferred_brand", PATRON__TAG_BRAND, true);
  if (st == PATRON_OK)
    st = channel_tags(&t);
  if (st == PATRON_OK)
    st = price_band(&t);
  if (st == PATRON_OK)
    st = promo_tags(&t);
  if (st == PATRON_OK)
    st = age_band(&t);
  if (st == PATRON_OK)
    st = event_tags(&t);
  return st;
}
