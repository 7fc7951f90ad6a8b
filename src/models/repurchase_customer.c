/* Per-customer repurchase cycles from orders (docs/REPURCHASE.md): purchases are orders
 * with value > 0 before as-of; gaps run between consecutive distinct purchase days; the
 * cycle is their median. Appended to the profile table, or written as its own report.
 * Blocks of customers run on both cores; each customer's result has its own slot. */
#include "models/repurchase_int.h"

#include <math.h>
#include <stdlib.h>

enum { BLOCK_ROWS = 16384 };

typedef struct order_job {
  patron_orders_view ov;
  const uint32_t *customers; /* row -> dataset customer; NULL: row = customer */
  size_t n_rows;
  int64_t limit;             /* as-of 00:00 in seconds */
  patron__cycle *out;
  int32_t *days[PATRON__MAX_WORKERS]; /* per worker, max_orders each */
  int *gaps[PATRON__MAX_WORKERS];
} order_job;

static void order_block(void *ctx, size_t block, int worker) {
  order_job *j = ctx;
  size_t lo = block * BLOCK_ROWS, hi = lo + BLOCK_ROWS < j->n_rows ? lo + BLOCK_ROWS : j->n_rows;
  int32_t *days = j->days[worker];
  for (size_t r = lo; r < hi; r++) {
    uint32_t c = j->customers ? j->customers[r] : (uint32_t)r;
    size_t k = 0;
    for (uint32_t o = j->ov.start[c]; o < j->ov.start[c + 1] && j->ov.time[o] < j->limit; o++)
      if (j->ov.value[o] > 0)
        days[k++] = patron_day_of_time(j->ov.time[o]);
    patron__cycle_of_days(days, k, j->gaps[worker], &j->out[r]);
  }
}

static uint32_t max_orders(const patron_orders_view *ov, const uint32_t *customers, size_t n) {
  uint32_t most = 1;
  for (size_t r = 0; r < n; r++) {
    uint32_t c = customers ? customers[r] : (uint32_t)r;
    if (ov->start[c + 1] - ov->start[c] > most)
      most = ov->start[c + 1] - ov->start[c];
  }
  return most;
}

/* Cycles of n customers (rows; `customers` maps rows to dataset customers, NULL = all). */
static patron_status order_cycles(const patron_dataset *ds, const uint32_t *customers, size_t n,
                                  int32_t as_of, int n_threads, patron__cycle *out,
                                  patron_error *err) {
  order_job j = {.customers = customers, .n_rows = n, .limit = (int64_t)as_of * 86400, .out = out};
  patron_dataset_orders(ds, &j.ov);
  size_t n_blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
  int workers = patron__block_workers(n_threads, n_blocks);
  uint32_t most = max_orders(&j.ov, customers, n);
  bool ok = true;
  for (int w = 0; w < workers; w++) {
    j.days[w] = malloc(most * sizeof *j.days[w]);
    j.gaps[w] = malloc(most * sizeof *j.gaps[w]);
    ok = ok && j.days[w] && j.gaps[w];
  }
  if (ok)
    patron__run_blocks(workers, n_blocks, order_block, &j);
  for (int w = 0; w < workers; w++) {
    free(j.days[w]);
    free(j.gaps[w]);
  }
  return ok ? PATRON_OK : PATRON__OOM(err);
}

patron_status patron_repurchase_profile(patron_profile *p, const patron_dataset *ds,
                                        const patron_repurchase_options *opts, patron_error *err) {
  patron_status st = patron__repurchase_check(opts, err);
  if (st != PATRON_OK)
    return st;
  patron_table *t = patron_profile_table(p);
  size_t n = patron_table_n_rows(t);
  int32_t as_of = patron_profile_as_of(p);
  patron__cycle *cycles = malloc((n ? n : 1) * sizeof *cycles);
  if (!cycles)
    return PATRON__OOM(err);
  st = order_cycles(ds, patron_profile_customers(p), n, as_of, opts->n_threads, cycles, err);
  double fallback = NAN;
  if (st == PATRON_OK && opts->fallback)
    st = patron__median_cycle(cycles, n, &fallback, err);
  patron__cycle_cols cols;
  if (st == PATRON_OK)
    st = patron__cycle_cols_add(t, false, opts->fallback, &cols, err);
  for (size_t r = 0; st == PATRON_OK && r < n; r++)
    patron__cycle_cols_fill(&cols, r, &cycles[r], fallback, as_of, opts->due_days);
  free(cycles);
  return st;
}

static patron_status customer_table(const patron_dataset *ds, const patron__cycle *cycles,
                                    size_t n, double fallback, int32_t as_of,
                                    const patron_repurchase_options *opts, patron_table **out,
                                    patron_error *err) {
  size_t rows = 0;
  for (size_t c = 0; c < n; c++)
    rows += cycles[c].n_days > 0;
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  const char **id;
  patron__cycle_cols cols;
  patron_status st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, err);
  if (st == PATRON_OK)
    st = patron__cycle_cols_add(t, true, opts->fallback, &cols, err);
  for (size_t c = 0, r = 0; st == PATRON_OK && c < n; c++) {
    if (!cycles[c].n_days)
      continue;
    id[r] = patron_dataset_customer_id(ds, (uint32_t)c);
    patron__cycle_cols_fill(&cols, r++, &cycles[c], fallback, as_of, opts->due_days);
  }
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

patron_status patron_repurchase_customers(const patron_dataset *ds,
                                          const patron_repurchase_options *opts,
                                          patron_table **out, int32_t *as_of_out,
                                          patron_error *err) {
  *out = NULL;
  int32_t as_of;
  patron_status st = patron__repurchase_check(opts, err);
  if (st == PATRON_OK)
    st = patron__repurchase_as_of(ds, opts, &as_of, err);
  if (st != PATRON_OK)
    return st;
  if (as_of_out)
    *as_of_out = as_of;
  size_t n = patron_dataset_n_customers(ds);
  patron__cycle *cycles = malloc((n ? n : 1) * sizeof *cycles);
  if (!cycles)
    return PATRON__OOM(err);
  st = order_cycles(ds, NULL, n, as_of, opts->n_threads, cycles, err);
  double fallback = NAN;
  if (st == PATRON_OK && opts->fallback)
    st = patron__median_cycle(cycles, n, &fallback, err);
  if (st == PATRON_OK)
    st = customer_table(ds, cycles, n, fallback, as_of, opts, out, err);
  free(cycles);
  return st;
}
