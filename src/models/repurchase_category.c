/* Repurchase cycles per customer and category, and the category report
 * (docs/REPURCHASE.md): a customer's purchase days in a category are the days of its
 * order lines with amount > 0 in that category before as-of; gaps, median and due status
 * as per customer. A category's cycle is the median of its repeat buyers' cycles. Blocks
 * of customers run on both cores, each into its own list; lists join in block order. */
#include "models/repurchase_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 8192, SMALL_SORT = 16 };

typedef struct pair_rec {
  uint32_t customer, code; /* dataset customer, category dictionary code */
  patron__cycle cy;
} pair_rec;

typedef struct block_out {
  pair_rec *recs;
  size_t n, cap;
  bool oom;
} block_out;

/* A worker's scratch. A customer's category lines are grouped by a stable counting sort
 * over the categories it bought (slots, in order of first appearance), so each slot's days
 * stay time-sorted; slots are then ordered by category name. Linear in the lines. */
typedef struct scratch {
  uint32_t *stamp, *slot; /* per category code: customer stamp, slot */
  uint32_t now;           /* the current customer's stamp */
  int32_t *day, *sorted;  /* per line; sorted: days grouped by slot */
  uint32_t *line_slot, *count, *end, *code, *order; /* per line / per slot */
  int *gaps;
} scratch;

typedef struct cat_job {
  patron_lines_view lv;
  size_t n_customers, n_cat;
  int64_t limit;
  const uint32_t *rank; /* category code -> rank by name */
  block_out *blocks;
  scratch ws[PATRON__MAX_WORKERS];
} cat_job;

/* Days and slots of c's category purchase lines (amount > 0, a category, before as-of);
 * returns the number of lines, *n_slots the number of categories. */
static size_t gather(const cat_job *j, uint32_t c, scratch *s, size_t *n_slots) {
  const patron_lines_view *lv = &j->lv;
  size_t m = 0, k = 0;
  s->now++;
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1] && lv->time[l] < j->limit; l++) {
    uint32_t code = lv->category[l];
    if (lv->amount[l] <= 0 || !code)
      continue;
    if (s->stamp[code] != s->now) {
      s->stamp[code] = s->now;
      s->slot[code] = (uint32_t)k;
      s->code[k] = code;
      s->count[k++] = 0;
    }
    uint32_t slot = s->slot[code];
    s->count[slot]++;
    s->line_slot[m] = slot;
    s->day[m++] = patron_day_of_time(lv->time[l]);
  }
  *n_slots = k;
  return m;
}

/* Groups the days by slot (stable: each slot's days stay sorted); end[slot] = its end. */
static void scatter(scratch *s, size_t m, size_t k) {
  uint32_t at = 0;
  for (size_t i = 0; i < k; i++) {
    s->end[i] = at;
    at += s->count[i];
  }
  for (size_t i = 0; i < m; i++)
    s->sorted[s->end[s->line_slot[i]]++] = s->day[i];
}

typedef struct rank_ctx {
  const uint32_t *rank, *code;
} rank_ctx;

static int cmp_slot(const void *a, const void *b, void *ctx) {
  const rank_ctx *r = ctx;
  uint32_t x = r->rank[r->code[*(const uint32_t *)a]], y = r->rank[r->code[*(const uint32_t *)b]];
  return (x > y) - (x < y);
}

/* s->order = the slots by category name. */
static void order_slots(const cat_job *j, scratch *s, size_t k) {
  for (uint32_t i = 0; i < k; i++)
    s->order[i] = i;
  rank_ctx ctx = {j->rank, s->code};
  if (k > SMALL_SORT) {
    qsort_r(s->order, k, sizeof *s->order, cmp_slot, &ctx);
    return;
  }
  for (size_t i = 1; i < k; i++) {
    uint32_t v = s->order[i];
    size_t at = i;
    for (; at > 0 && cmp_slot(&s->order[at - 1], &v, &ctx) > 0; at--)
      s->order[at] = s->order[at - 1];
    s->order[at] = v;
  }
}

static void customer_pairs(cat_job *j, uint32_t c, scratch *s, block_out *out) {
  size_t k;
  size_t m = gather(j, c, s, &k);
  if (!m)
    return;
  scatter(s, m, k);
  order_slots(j, s, k);
  if (!patron__reserve((void **)&out->recs, &out->cap, out->n + k, sizeof *out->recs)) {
    out->oom = true;
    return;
  }
  for (size_t i = 0; i < k; i++) {
    uint32_t slot = s->order[i];
    pair_rec *rec = &out->recs[out->n++];
    rec->customer = c;
    rec->code = s->code[slot];
    patron__cycle_of_days(s->sorted + s->end[slot] - s->count[slot], s->count[slot], s->gaps,
                          &rec->cy);
  }
}

static void pair_block(void *ctx, size_t block, int worker) {
  cat_job *j = ctx;
  size_t lo = block * BLOCK_ROWS;
  size_t hi = lo + BLOCK_ROWS < j->n_customers ? lo + BLOCK_ROWS : j->n_customers;
  for (size_t c = lo; c < hi && !j->blocks[block].oom; c++)
    customer_pairs(j, (uint32_t)c, &j->ws[worker], &j->blocks[block]);
}

static int cmp_code(const void *a, const void *b, void *names) {
  const char *const *name = names;
  return strcmp(name[*(const uint32_t *)a], name[*(const uint32_t *)b]);
}

/* names[code], rank[code] and code_of_rank[rank] ordering the category names by bytes. */
static void rank_codes(const patron_dataset *ds, size_t n_cat, const char **names,
                       uint32_t *rank, uint32_t *code_of_rank) {
  for (uint32_t c = 0; c < n_cat; c++) {
    names[c] = patron_dataset_dict_value(ds, "category", c);
    code_of_rank[c] = c;
  }
  qsort_r(code_of_rank, n_cat, sizeof *code_of_rank, cmp_code, names);
  for (uint32_t r = 0; r < n_cat; r++)
    rank[code_of_rank[r]] = r;
}

static size_t max_lines(const patron_lines_view *lv, size_t n_customers) {
  size_t most = 1;
  for (size_t c = 0; c < n_customers; c++)
    if (lv->start[c + 1] - lv->start[c] > most)
      most = lv->start[c + 1] - lv->start[c];
  return most;
}

/* Joins the blocks' lists in block order into *recs (frees the blocks' lists). */
static bool join_blocks(block_out *blocks, size_t n_blocks, pair_rec **recs, size_t *n) {
  size_t total = 0;
  bool ok = true;
  for (size_t b = 0; b < n_blocks; b++)
    total += blocks[b].n, ok = ok && !blocks[b].oom;
  *recs = ok ? malloc((total ? total : 1) * sizeof **recs) : NULL;
  *n = 0;
  for (size_t b = 0; b < n_blocks; b++) {
    if (*recs && blocks[b].n)
      memcpy(*recs + *n, blocks[b].recs, blocks[b].n * sizeof **recs);
    *n += blocks[b].n;
    free(blocks[b].recs);
  }
  return *recs != NULL;
}

static bool scratch_new(scratch *s, size_t n_cat, size_t lines) {
  *s = (scratch){.stamp = calloc(n_cat, sizeof *s->stamp),
                 .slot = malloc(n_cat * sizeof *s->slot),
                 .day = malloc(lines * sizeof *s->day),
                 .sorted = malloc(lines * sizeof *s->sorted),
                 .line_slot = malloc(lines * sizeof *s->line_slot),
                 .count = malloc(lines * sizeof *s->count),
                 .end = malloc(lines * sizeof *s->end),
                 .code = malloc(lines * sizeof *s->code),
                 .order = malloc(lines * sizeof *s->order),
                 .gaps = malloc(lines * sizeof *s->gaps)};
  return s->stamp && s->slot && s->day && s->sorted && s->line_slot && s->count && s->end &&
         s->code && s->order && s->gaps;
}

static void scratch_free(scratch *s) {
  free(s->stamp);
  free(s->slot);
  free(s->day);
  free(s->sorted);
  free(s->line_slot);
  free(s->count);
  free(s->end);
  free(s->code);
  free(s->order);
  free(s->gaps);
}

static bool run_pairs(cat_job *j, int n_threads, pair_rec **recs, size_t *n) {
  size_t n_blocks = (j->n_customers + BLOCK_ROWS - 1) / BLOCK_ROWS;
  int workers = patron__block_workers(n_threads, n_blocks);
  size_t most = max_lines(&j->lv, j->n_customers);
  j->blocks = calloc(n_blocks ? n_blocks : 1, sizeof *j->blocks);
  bool ok = j->blocks != NULL;
  for (int w = 0; w < workers; w++)
    ok = scratch_new(&j->ws[w], j->n_cat, most) && ok;
  if (ok)
    patron__run_blocks(workers, n_blocks, pair_block, j);
  for (int w = 0; w < workers; w++)
    scratch_free(&j->ws[w]);
  ok = ok && join_blocks(j->blocks, n_blocks, recs, n);
  free(j->blocks);
  return ok;
}

/* Per category: counts and the median of the repeat buyers' cycles. */
typedef struct cat_stat {
  int64_t buyers, repeat, first_within, observed, returned, due, overdue;
  double cycle;
} cat_stat;

/* stats[code].cycle = median over the code's repeat buyers (NaN when none). */
static bool category_cycles(const pair_rec *recs, size_t n, cat_stat *stats, size_t n_cat) {
  size_t *at = calloc(n_cat + 1, sizeof *at);
  double *own = malloc((n ? n : 1) * sizeof *own);
  bool ok = at && own;
  for (size_t i = 0; ok && i < n; i++) {
    stats[recs[i].code].buyers++;
    if (recs[i].cy.n_days >= 2)
      at[recs[i].code + 1]++, stats[recs[i].code].repeat++;
  }
  for (size_t c = 0; ok && c < n_cat; c++)
    at[c + 1] += at[c];
  for (size_t i = 0; ok && i < n; i++)
    if (recs[i].cy.n_days >= 2)
      own[at[recs[i].code]++] = recs[i].cy.median_gap;
  for (size_t c = 0, lo = 0; ok && c < n_cat; lo = at[c++])
    stats[c].cycle = at[c] > lo ? patron__median(own + lo, at[c] - lo) : NAN;
  free(at);
  free(own);
  return ok;
}

/* The 2x-cycle figures and due counts of one pair, added to its category. */
static void count_pair(const pair_rec *p, int32_t status, int32_t as_of, cat_stat *s) {
  if (isnan(s->cycle))
    return;
  double window = 2 * s->cycle;
  bool within = p->cy.n_days >= 2 && p->cy.first_gap <= window;
  s->first_within += within;
  if (p->cy.first_day + window < as_of) {
    s->observed++;
    s->returned += within;
  }
  s->due += status == PATRON_REPURCHASE_DUE;
  s->overdue += status == PATRON_REPURCHASE_OVERDUE;
}

static patron_status pair_table(const patron_dataset *ds, const char *const *names,
                                const pair_rec *recs, size_t n, cat_stat *stats, int32_t as_of,
                                const patron_repurchase_options *o, patron_table **out,
                                patron_error *err) {
  patron_table *t = patron_table_new(n);
  if (!t)
    return PATRON__OOM(err);
  const char **id, **cat;
  patron__cycle_cols cols;
  patron_status st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "category", PATRON_COL_STRING, (void **)&cat, err);
  if (st == PATRON_OK)
    st = patron__cycle_cols_add(t, true, o->fallback, &cols, err);
  for (size_t r = 0; st == PATRON_OK && r < n; r++) {
    cat_stat *s = &stats[recs[r].code];
    id[r] = patron_dataset_customer_id(ds, recs[r].customer);
    cat[r] = names[recs[r].code];
    patron__cycle_cols_fill(&cols, r, &recs[r].cy, o->fallback ? s->cycle : NAN, as_of,
                            o->due_days);
    count_pair(&recs[r], cols.status[r], as_of, s);
  }
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

typedef struct report_cols {
  const char **category;
  int64_t *buyers, *repeat, *observed, *returned, *due, *overdue;
  double *repeat_share, *cycle, *first_share, *returned_share;
} report_cols;

static patron_status add_report_cols(patron_table *t, report_cols *c, patron_error *err) {
  struct {
    const char *name;
    patron_col_type type;
    void **data;
  } spec[] = {
      {"category", PATRON_COL_STRING, (void **)&c->category},
      {"buyers", PATRON_COL_INT, (void **)&c->buyers},
      {"repeat_buyers", PATRON_COL_INT, (void **)&c->repeat},
      {"repeat_share", PATRON_COL_DOUBLE, (void **)&c->repeat_share},
      {"median_cycle_days", PATRON_COL_DOUBLE, (void **)&c->cycle},
      {"first_gap_within_2x_share", PATRON_COL_DOUBLE, (void **)&c->first_share},
      {"observed_buyers", PATRON_COL_INT, (void **)&c->observed},
      {"returned_within_2x", PATRON_COL_INT, (void **)&c->returned},
      {"returned_within_2x_share", PATRON_COL_DOUBLE, (void **)&c->returned_share},
      {"due", PATRON_COL_INT, (void **)&c->due},
      {"overdue", PATRON_COL_INT, (void **)&c->overdue},
  };
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < sizeof spec / sizeof *spec; i++)
    st = patron_table_add(t, spec[i].name, spec[i].type, spec[i].data, err);
  if (st == PATRON_OK)
    patron_table_set_decimals(t, "median_cycle_days", 1);
  return st;
}

static double share(int64_t part, int64_t whole) {
  return whole ? (double)part / (double)whole : NAN;
}

static void fill_report_row(const report_cols *c, size_t r, const char *name,
                            const cat_stat *s) {
  c->category[r] = name;
  c->buyers[r] = s->buyers;
  c->repeat[r] = s->repeat;
  c->repeat_share[r] = share(s->repeat, s->buyers);
  c->cycle[r] = s->cycle;
  c->due[r] = s->due;
  c->overdue[r] = s->overdue;
  if (isnan(s->cycle))
    return; /* no repeat buyer: the 2x figures are undefined */
  c->first_share[r] = share(s->first_within, s->repeat);
  c->observed[r] = s->observed;
  c->returned[r] = s->returned;
  c->returned_share[r] = share(s->returned, s->observed);
}

static patron_status report_table(const char *const *names, const cat_stat *stats,
                                  const uint32_t *code_of_rank, size_t n_cat, patron_table **out,
                                  patron_error *err) {
  size_t rows = 0;
  for (size_t c = 0; c < n_cat; c++)
    rows += stats[c].buyers > 0;
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  report_cols cols;
  patron_status st = add_report_cols(t, &cols, err);
  for (size_t k = 0, r = 0; st == PATRON_OK && k < n_cat; k++) {
    uint32_t code = code_of_rank[k];
    if (stats[code].buyers)
      fill_report_row(&cols, r++, names[code], &stats[code]);
  }
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

typedef struct cat_work {
  const char **names;
  uint32_t *rank, *code_of_rank;
  pair_rec *recs;
  size_t n_recs;
  cat_stat *stats;
} cat_work;

static patron_status build(const patron_dataset *ds, const patron_repurchase_options *o,
                           int32_t as_of, cat_work *w, patron_table **pairs,
                           patron_table **report, patron_error *err) {
  size_t n_cat = patron_dataset_dict_size(ds, "category");
  if (!n_cat)
    n_cat = 1;
  w->names = malloc(n_cat * sizeof *w->names);
  w->rank = malloc(n_cat * sizeof *w->rank);
  w->code_of_rank = malloc(n_cat * sizeof *w->code_of_rank);
  w->stats = calloc(n_cat, sizeof *w->stats);
  if (!w->names || !w->rank || !w->code_of_rank || !w->stats)
    return PATRON__OOM(err);
  rank_codes(ds, n_cat, w->names, w->rank, w->code_of_rank);
  cat_job j = {.n_customers = patron_dataset_n_customers(ds),
               .n_cat = n_cat,
               .limit = (int64_t)as_of * 86400,
               .rank = w->rank};
  patron_dataset_lines(ds, &j.lv);
  if (!run_pairs(&j, o->n_threads, &w->recs, &w->n_recs) ||
      !category_cycles(w->recs, w->n_recs, w->stats, n_cat))
    return PATRON__OOM(err);
  patron_status st = pair_table(ds, w->names, w->recs, w->n_recs, w->stats, as_of, o, pairs, err);
  if (st == PATRON_OK)
    st = report_table(w->names, w->stats, w->code_of_rank, n_cat, report, err);
  return st;
}

patron_status patron_repurchase_categories(const patron_dataset *ds,
                                           const patron_repurchase_options *opts,
                                           patron_table **pairs, patron_table **report,
                                           patron_error *err) {
  *pairs = *report = NULL;
  if (!patron_dataset_has_lines(ds))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "category repurchase cycles need order lines (load with keep_lines)");
  int32_t as_of;
  patron_status st = patron__repurchase_check(opts, err);
  if (st == PATRON_OK)
    st = patron__repurchase_as_of(ds, opts, &as_of, err);
  cat_work w = {0};
  if (st == PATRON_OK)
    st = build(ds, opts, as_of, &w, pairs, report, err);
  if (st != PATRON_OK) {
    patron_table_free(*pairs);
    *pairs = NULL;
  }
  free(w.names);
  free(w.rank);
  free(w.code_of_rank);
  free(w.recs);
  free(w.stats);
  return st;
}
