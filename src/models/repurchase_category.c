/* Repurchase cycles per customer and category, and the category report
 * (docs/REPURCHASE.md): a customer's purchase days in a category are the days of its
 * order lines with amount > 0 in that category before as-of; gaps, median and due status
 * as per customer. A category's cycle is the median of its repeat buyers' cycles. Blocks
 * of customers run on both cores, each into its own list; lists join in block order. */
#include "models/repurchase_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 8192, SMALL_SORT = 48 };

typedef struct pair_rec {
  uint32_t customer, code; /* dataset customer, category dictionary code */
  patron__cycle cy;
} pair_rec;

typedef struct block_out {
  pair_rec *recs;
  size_t n, cap;
  bool oom;
} block_out;

typedef struct cat_job {
  patron_lines_view lv;
  size_t n_customers;
  int64_t limit;
  const uint32_t *rank, *code_of_rank; /* category code <-> rank by name */
  block_out *blocks;
  uint64_t *keys[PATRON__MAX_WORKERS]; /* per worker, max_lines each */
  int32_t *days[PATRON__MAX_WORKERS];
  int *gaps[PATRON__MAX_WORKERS];
} cat_job;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void sort_keys(uint64_t *k, size_t n) {
  if (n > SMALL_SORT) {
    qsort(k, n, sizeof *k, cmp_u64);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    uint64_t v = k[i];
    size_t j = i;
    for (; j > 0 && k[j - 1] > v; j--)
      k[j] = k[j - 1];
    k[j] = v;
  }
}

/* Keys (category rank << 32 | day in unsigned order) of c's category purchase lines. */
static size_t line_keys(const cat_job *j, uint32_t c, uint64_t *keys) {
  const patron_lines_view *lv = &j->lv;
  size_t k = 0;
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1] && lv->time[l] < j->limit; l++)
    if (lv->amount[l] > 0 && lv->category[l])
      keys[k++] = (uint64_t)j->rank[lv->category[l]] << 32 |
                  ((uint32_t)patron_day_of_time(lv->time[l]) ^ 0x80000000u);
  return k;
}

static void customer_pairs(cat_job *j, uint32_t c, int w, block_out *out) {
  uint64_t *keys = j->keys[w];
  size_t n = line_keys(j, c, keys);
  sort_keys(keys, n);
  for (size_t a = 0, b; a < n; a = b) {
    uint32_t rank = (uint32_t)(keys[a] >> 32);
    for (b = a; b < n && (uint32_t)(keys[b] >> 32) == rank; b++)
      j->days[w][b - a] = (int32_t)((uint32_t)keys[b] ^ 0x80000000u);
    if (!patron__reserve((void **)&out->recs, &out->cap, out->n + 1, sizeof *out->recs)) {
      out->oom = true;
      return;
    }
    pair_rec *rec = &out->recs[out->n++];
    rec->customer = c;
    rec->code = j->code_of_rank[rank];
    patron__cycle_of_days(j->days[w], b - a, j->gaps[w], &rec->cy);
  }
}

static void pair_block(void *ctx, size_t block, int worker) {
  cat_job *j = ctx;
  size_t lo = block * BLOCK_ROWS;
  size_t hi = lo + BLOCK_ROWS < j->n_customers ? lo + BLOCK_ROWS : j->n_customers;
  for (size_t c = lo; c < hi && !j->blocks[block].oom; c++)
    customer_pairs(j, (uint32_t)c, worker, &j->blocks[block]);
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

static bool run_pairs(cat_job *j, int n_threads, pair_rec **recs, size_t *n) {
  size_t n_blocks = (j->n_customers + BLOCK_ROWS - 1) / BLOCK_ROWS;
  int workers = patron__block_workers(n_threads, n_blocks);
  size_t most = max_lines(&j->lv, j->n_customers);
  j->blocks = calloc(n_blocks ? n_blocks : 1, sizeof *j->blocks);
  bool ok = j->blocks != NULL;
  for (int w = 0; w < workers; w++) {
    j->keys[w] = malloc(most * sizeof *j->keys[w]);
    j->days[w] = malloc(most * sizeof *j->days[w]);
    j->gaps[w] = malloc(most * sizeof *j->gaps[w]);
    ok = ok && j->keys[w] && j->days[w] && j->gaps[w];
  }
  if (ok)
    patron__run_blocks(workers, n_blocks, pair_block, j);
  for (int w = 0; w < workers; w++) {
    free(j->keys[w]);
    free(j->days[w]);
    free(j->gaps[w]);
  }
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
               .limit = (int64_t)as_of * 86400,
               .rank = w->rank,
               .code_of_rank = w->code_of_rank};
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
