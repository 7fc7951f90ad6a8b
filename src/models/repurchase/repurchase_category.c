/* Repurchase cycles per customer and category (docs/REPURCHASE.md): a customer's purchase
 * days in a category are the days of its order lines with amount > 0 in that category
 * before as-of; gaps, median and due status as per customer. Two passes over blocks of
 * customers on both cores: count each block's pairs, then write them in place into the
 * pairs table (rows by customer, then category name). */
#include "models/repurchase/repurchase_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 8192, SMALL_SORT = 16 };

/* A worker's scratch. A customer's category lines are grouped by a stable counting sort
 * over the categories it bought (slots, in order of first appearance), so each slot's days
 * stay time-sorted; slots are then ordered by category name. Linear in the lines. */
typedef struct scratch {
  _Alignas(64) uint32_t *stamp, *slot;              /* per category code: customer stamp, slot (own
                                                       cache lines: `now` changes per customer) */
  uint32_t now;                                     /* the current customer's stamp */
  int32_t *day, *sorted;                            /* per line; sorted: days grouped by slot */
  uint32_t *line_slot, *count, *end, *code, *order; /* per line / per slot */
  int *gaps;
} scratch;

typedef struct cat_job {
  patron_lines_view lv;
  const patron_dataset *ds;
  size_t n_customers, n_cat;
  int64_t limit;
  const uint32_t *rank;     /* category code -> rank by name */
  const char *const *names; /* category code -> name */
  size_t *block_row;        /* pairs per block, then the first row of each block */
  const char **id, **cat;   /* the pairs table's string columns */
  patron__pairs pairs;
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

/* Writes c's pairs from row *row on, in category name order. */
static void customer_pairs(cat_job *j, uint32_t c, scratch *s, size_t *row) {
  size_t k;
  size_t m = gather(j, c, s, &k);
  if (!m)
    return;
  scatter(s, m, k);
  order_slots(j, s, k);
  const char *id = patron_dataset_customer_id(j->ds, c);
  for (size_t i = 0; i < k; i++, (*row)++) {
    uint32_t slot = s->order[i];
    patron__cycle cy;
    patron__cycle_of_days(s->sorted + s->end[slot] - s->count[slot], s->count[slot], s->gaps, &cy);
    j->id[*row] = id;
    j->cat[*row] = j->names[s->code[slot]];
    j->pairs.code[*row] = s->code[slot];
    j->pairs.first_gap[*row] = cy.first_gap;
    patron__cycle_cols_fill(&j->pairs.cols, *row, &cy);
  }
}

static void block_range(const cat_job *j, size_t block, size_t *lo, size_t *hi) {
  *lo = block * BLOCK_ROWS;
  *hi = *lo + BLOCK_ROWS < j->n_customers ? *lo + BLOCK_ROWS : j->n_customers;
}

/* Number of categories c bought before as-of (its pairs). */
static size_t count_pairs(const cat_job *j, uint32_t c, scratch *s) {
  const patron_lines_view *lv = &j->lv;
  size_t k = 0;
  s->now++;
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1] && lv->time[l] < j->limit; l++) {
    uint32_t code = lv->category[l];
    if (lv->amount[l] > 0 && code && s->stamp[code] != s->now) {
      s->stamp[code] = s->now;
      k++;
    }
  }
  return k;
}

static void count_block(void *ctx, size_t block, int worker) {
  cat_job *j = ctx;
  size_t lo, hi, n = 0;
  block_range(j, block, &lo, &hi);
  for (size_t c = lo; c < hi; c++)
    n += count_pairs(j, (uint32_t)c, &j->ws[worker]);
  j->block_row[block] = n;
}

static void pair_block(void *ctx, size_t block, int worker) {
  cat_job *j = ctx;
  size_t lo, hi, row = j->block_row[block];
  block_range(j, block, &lo, &hi);
  for (size_t c = lo; c < hi; c++)
    customer_pairs(j, (uint32_t)c, &j->ws[worker], &row);
}

static int cmp_code(const void *a, const void *b, void *names) {
  const char *const *name = names;
  return strcmp(name[*(const uint32_t *)a], name[*(const uint32_t *)b]);
}

/* names[code], rank[code] and code_of_rank[rank] ordering the category names by bytes. */
static void rank_codes(const patron_dataset *ds, size_t n_cat, const char **names, uint32_t *rank,
                       uint32_t *code_of_rank) {
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

static patron_status pairs_table(cat_job *j, const patron_repurchase_options *o, int32_t as_of,
                                 patron_table **out, patron_error *err) {
  size_t n_blocks = (j->n_customers + BLOCK_ROWS - 1) / BLOCK_ROWS;
  patron__exec_parts(o->n_threads, n_blocks, count_block, j);
  size_t rows = 0;
  for (size_t b = 0; b < n_blocks; b++) {
    size_t n = j->block_row[b];
    j->block_row[b] = rows;
    rows += n;
  }
  patron_table *t = patron_table_new(rows);
  j->pairs.n = rows;
  /* big blocks on huge pages: their first touch is otherwise most of the pair pass */
  j->pairs.code = patron__realloc_big(NULL, (rows ? rows : 1) * sizeof *j->pairs.code);
  j->pairs.first_gap = patron__realloc_big(NULL, (rows ? rows : 1) * sizeof *j->pairs.first_gap);
  patron_status st = t && j->pairs.code && j->pairs.first_gap ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&j->id, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "category", PATRON_COL_STRING, (void **)&j->cat, err);
  if (st == PATRON_OK)
    st = patron__cycle_cols_add(t, true, o->fallback, as_of, o->due_days, &j->pairs.cols, err);
  if (st == PATRON_OK)
    patron__exec_parts(o->n_threads, n_blocks, pair_block, j);
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

/* Workspaces and block offsets around pairs_table. */
static patron_status run_pairs(cat_job *j, const patron_repurchase_options *o, int32_t as_of,
                               patron_table **out, patron_error *err) {
  size_t n_blocks = (j->n_customers + BLOCK_ROWS - 1) / BLOCK_ROWS;
  int workers = patron__exec_workers(o->n_threads, n_blocks);
  size_t most = max_lines(&j->lv, j->n_customers);
  j->block_row = malloc((n_blocks ? n_blocks : 1) * sizeof *j->block_row);
  bool ok = j->block_row != NULL;
  for (int w = 0; w < workers; w++)
    ok = scratch_new(&j->ws[w], j->n_cat, most) && ok;
  patron_status st = ok ? pairs_table(j, o, as_of, out, err) : PATRON__OOM(err);
  for (int w = 0; w < workers; w++)
    scratch_free(&j->ws[w]);
  free(j->block_row);
  return st;
}

typedef struct cat_work {
  const char **names;
  uint32_t *rank, *code_of_rank;
  cat_job job;
} cat_work;

static patron_status build(const patron_dataset *ds, const patron_repurchase_options *o,
                           int32_t as_of, cat_work *w, patron_table **pairs, patron_table **report,
                           patron_error *err) {
  size_t n_cat = patron_dataset_dict_size(ds, "category");
  if (!n_cat)
    n_cat = 1;
  w->names = malloc(n_cat * sizeof *w->names);
  w->rank = malloc(n_cat * sizeof *w->rank);
  w->code_of_rank = malloc(n_cat * sizeof *w->code_of_rank);
  if (!w->names || !w->rank || !w->code_of_rank)
    return PATRON__OOM(err);
  rank_codes(ds, n_cat, w->names, w->rank, w->code_of_rank);
  cat_job *j = &w->job;
  *j = (cat_job){.ds = ds,
                 .n_customers = patron_dataset_n_customers(ds),
                 .n_cat = n_cat,
                 .limit = (int64_t)as_of * 86400,
                 .rank = w->rank,
                 .names = w->names};
  patron_dataset_lines(ds, &j->lv);
  patron_status st = run_pairs(j, o, as_of, pairs, err);
  if (st == PATRON_OK)
    st = patron__category_report(&j->pairs, w->names, w->code_of_rank, n_cat, o->fallback, report,
                                 err);
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
  free(w.job.pairs.code);
  free(w.job.pairs.first_gap);
  return st;
}
