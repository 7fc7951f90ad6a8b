/* Per-customer repurchase cycles from orders (docs/REPURCHASE.md): purchases are orders
 * with value > 0 before as-of; gaps run between consecutive distinct purchase days; the
 * cycle is their median. Appended to the profile table, or written as its own report.
 * Blocks of customers run on both cores and write their rows in place; the fallback cycle
 * (a median over every customer) is filled in afterwards. */
#include "models/repurchase/repurchase_int.h"

#include <math.h>
#include <stdlib.h>

enum { BLOCK_ROWS = 16384 };

typedef struct order_job {
  patron_orders_view ov;
  const uint32_t *customers; /* profile: row -> dataset customer; NULL: the report */
  size_t n;                  /* rows (profile) or dataset customers (report) */
  int64_t limit;             /* as-of 00:00 in seconds */
  size_t *block_row;         /* report: first row of each block (purchasers before it) */
  const char **id;           /* report: customer_id column */
  const patron_dataset *ds;
  patron__cycle_cols cols;
  int32_t *days[PATRON__MAX_WORKERS]; /* per worker, max_orders each */
  int *gaps[PATRON__MAX_WORKERS];
} order_job;

/* c's purchase days before as-of, in time order; returns how many. */
static size_t purchase_days(const order_job *j, uint32_t c, int32_t *days) {
  size_t k = 0;
  for (uint32_t o = j->ov.start[c]; o < j->ov.start[c + 1] && j->ov.time[o] < j->limit; o++)
    if (j->ov.value[o] > 0)
      days[k++] = patron_day_of_time(j->ov.time[o]);
  return k;
}

static bool has_purchase(const order_job *j, uint32_t c) {
  for (uint32_t o = j->ov.start[c]; o < j->ov.start[c + 1] && j->ov.time[o] < j->limit; o++)
    if (j->ov.value[o] > 0)
      return true;
  return false;
}

static void block_range(const order_job *j, size_t block, size_t *lo, size_t *hi) {
  *lo = block * BLOCK_ROWS;
  *hi = *lo + BLOCK_ROWS < j->n ? *lo + BLOCK_ROWS : j->n;
}

static void count_block(void *ctx, size_t block, int worker) {
  (void)worker;
  order_job *j = ctx;
  size_t lo, hi, n = 0;
  block_range(j, block, &lo, &hi);
  for (size_t c = lo; c < hi; c++)
    n += has_purchase(j, (uint32_t)c);
  j->block_row[block] = n;
}

static void cycle_block(void *ctx, size_t block, int worker) {
  order_job *j = ctx;
  size_t lo, hi, row = j->customers ? 0 : j->block_row[block];
  block_range(j, block, &lo, &hi);
  for (size_t i = lo; i < hi; i++) {
    uint32_t c = j->customers ? j->customers[i] : (uint32_t)i;
    patron__cycle cy;
    size_t k = purchase_days(j, c, j->days[worker]);
    if (!k)
      continue; /* no purchase: the row (profile) stays empty, or is no row (report) */
    patron__cycle_of_days(j->days[worker], k, j->gaps[worker], &cy);
    size_t r = j->customers ? i : row++;
    if (j->id)
      j->id[r] = patron_dataset_customer_id(j->ds, c);
    patron__cycle_cols_fill(&j->cols, r, &cy);
  }
}

static uint32_t max_orders(const order_job *j) {
  uint32_t most = 1;
  for (size_t i = 0; i < j->n; i++) {
    uint32_t c = j->customers ? j->customers[i] : (uint32_t)i;
    if (j->ov.start[c + 1] - j->ov.start[c] > most)
      most = j->ov.start[c + 1] - j->ov.start[c];
  }
  return most;
}

/* Runs cycle_block over every block with per-worker workspaces. */
static patron_status run_cycles(order_job *j, int n_threads, patron_error *err) {
  size_t n_blocks = (j->n + BLOCK_ROWS - 1) / BLOCK_ROWS;
  int workers = patron__exec_workers(n_threads, n_blocks);
  uint32_t most = max_orders(j);
  bool ok = true;
  for (int w = 0; w < workers; w++) {
    j->days[w] = malloc(most * sizeof *j->days[w]);
    j->gaps[w] = malloc(most * sizeof *j->gaps[w]);
    ok = ok && j->days[w] && j->gaps[w];
  }
  if (ok)
    patron__exec_parts(workers, n_blocks, cycle_block, j);
  for (int w = 0; w < workers; w++) {
    free(j->days[w]);
    free(j->gaps[w]);
  }
  return ok ? PATRON_OK : PATRON__OOM(err);
}

/* With opts->fallback: rows of purchasers with one purchase day take the median cycle. */
static patron_status apply_fallback(const patron__cycle_cols *c, size_t n, const int32_t *last,
                                    patron_error *err) {
  double fallback;
  patron_status st = patron__cycle_cols_median(c, n, &fallback, err);
  for (size_t r = 0; st == PATRON_OK && !isnan(fallback) && r < n; r++)
    if (c->status[r] == PATRON_REPURCHASE_UNKNOWN)
      patron__cycle_cols_set(c, r, last[r], fallback, false);
  return st;
}

patron_status patron_repurchase_profile(patron_profile *p, const patron_dataset *ds,
                                        const patron_repurchase_options *opts, patron_error *err) {
  patron_status st = patron__repurchase_check(opts, err);
  if (st != PATRON_OK)
    return st;
  patron_table *t = patron_profile_table(p);
  const int32_t *last =
      patron__column_data(t, "last_purchase", PATRON_COL_DATE, "repurchase cycles", err);
  if (!last)
    return err ? err->status : PATRON_ERR_USAGE;
  order_job j = {.customers = patron_profile_customers(p),
                 .n = patron_table_n_rows(t),
                 .limit = (int64_t)patron_profile_as_of(p) * 86400};
  patron_dataset_orders(ds, &j.ov);
  st = patron__cycle_cols_add(t, false, opts->fallback, patron_profile_as_of(p), opts->due_days,
                              &j.cols, err);
  if (st == PATRON_OK)
    st = run_cycles(&j, opts->n_threads, err);
  if (st == PATRON_OK && opts->fallback)
    st = apply_fallback(&j.cols, j.n, last, err);
  return st;
}

patron_status patron__repurchase_fallback_after(patron_profile *p,
                                                const patron_repurchase_options *opts,
                                                patron_error *err) {
  patron_table *t = patron_profile_table(p);
  const char *step = "repurchase fallback";
  patron__cycle_cols c = {
      .cycle = patron__column_data(t, "repurchase_cycle_days", PATRON_COL_DOUBLE, step, err),
      .next = patron__column_data(t, "next_purchase_date", PATRON_COL_DATE, step, err),
      .due = patron__column_data(t, "repurchase_due", PATRON_COL_INT, step, err),
      .status = patron__column_data(t, "repurchase_status", PATRON_COL_CATEGORY, step, err),
      .as_of = patron_profile_as_of(p),
      .due_days = opts->due_days};
  const int32_t *last = patron__column_data(t, "last_purchase", PATRON_COL_DATE, step, err);
  if (!c.cycle || !c.next || !c.due || !c.status || !last)
    return err ? err->status : PATRON_ERR_USAGE;
  patron_status st = patron__cycle_cols_add_source(t, &c, err);
  size_t n = patron_table_n_rows(t);
  for (size_t r = 0; st == PATRON_OK && r < n; r++)
    if (!isnan(c.cycle[r]))
      c.source[r] = 0; /* own */
  return st == PATRON_OK ? apply_fallback(&c, n, last, err) : st;
}

/* Report rows: purchasers, counted per block so that blocks write their rows in place. */
static patron_status count_rows(order_job *j, int n_threads, size_t *rows, patron_error *err) {
  size_t n_blocks = (j->n + BLOCK_ROWS - 1) / BLOCK_ROWS;
  j->block_row = malloc((n_blocks ? n_blocks : 1) * sizeof *j->block_row);
  if (!j->block_row)
    return PATRON__OOM(err);
  patron__exec_parts(n_threads, n_blocks, count_block, j);
  *rows = 0;
  for (size_t b = 0; b < n_blocks; b++) {
    size_t n = j->block_row[b];
    j->block_row[b] = *rows;
    *rows += n;
  }
  return PATRON_OK;
}

static patron_status customer_report(order_job *j, const patron_repurchase_options *opts,
                                     int32_t as_of, patron_table **out, patron_error *err) {
  size_t rows = 0;
  patron_status st = count_rows(j, opts->n_threads, &rows, err);
  patron_table *t = st == PATRON_OK ? patron_table_new(rows) : NULL;
  if (st == PATRON_OK && !t)
    st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&j->id, err);
  if (st == PATRON_OK)
    st = patron__cycle_cols_add(t, true, opts->fallback, as_of, opts->due_days, &j->cols, err);
  if (st == PATRON_OK)
    st = run_cycles(j, opts->n_threads, err);
  if (st == PATRON_OK && opts->fallback)
    st = apply_fallback(&j->cols, rows, j->cols.last, err);
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

patron_status patron_repurchase_customers(const patron_dataset *ds,
                                          const patron_repurchase_options *opts, patron_table **out,
                                          int32_t *as_of_out, patron_error *err) {
  *out = NULL;
  int32_t as_of;
  patron_status st = patron__repurchase_check(opts, err);
  if (st == PATRON_OK)
    st = patron__repurchase_as_of(ds, opts, &as_of, err);
  if (st != PATRON_OK)
    return st;
  if (as_of_out)
    *as_of_out = as_of;
  order_job j = {.n = patron_dataset_n_customers(ds), .limit = (int64_t)as_of * 86400, .ds = ds};
  patron_dataset_orders(ds, &j.ov);
  st = customer_report(&j, opts, as_of, out, err);
  free(j.block_row);
  return st;
}
