/* Internals shared by the repurchase files: one cycle (distinct purchase days, median gap),
 * the columns every repurchase table carries (blocks run on the executor, core/exec.h). */
#ifndef PATRON_REPURCHASE_INT_H
#define PATRON_REPURCHASE_INT_H

#include "core/exec.h"
#include "core/table_int.h"
#include "patron/repurchase.h"

enum { PATRON__MAX_WORKERS = PATRON__EXEC_MAX_WORKERS };

/* One customer's (or one customer-category pair's) purchase days before as-of. */
typedef struct patron__cycle {
  uint32_t n_days; /* distinct purchase days; 0 = no purchase */
  int32_t first_day, last_day;
  int32_t first_gap; /* second purchase day - first; 0 when n_days < 2 */
  double median_gap; /* median of the gaps between consecutive days; NaN if n_days < 2 */
} patron__cycle;

/* Cycle of `n` days sorted ascending (repeats count once); gaps: workspace of n ints. */
void patron__cycle_of_days(const int32_t *days, size_t n, int *gaps, patron__cycle *out);

/* Median of n values (n >= 1), reordering them; GSL's quickselect. */
double patron__median(double *values, size_t n);

/* Expected next day: last day + the cycle rounded up to whole days. */
static inline int32_t patron__cycle_next(int32_t last_day, double cycle) {
  int32_t whole = (int32_t)cycle;
  return last_day + whole + (cycle > whole);
}

patron_repurchase_status patron__cycle_status(int32_t next, int32_t as_of, int due_days);

/* The columns of a repurchase table; the pointers of columns not added stay NULL (last
 * may point at a column of the profile). */
typedef struct patron__cycle_cols {
  int64_t *purchase_days, *days_to_next, *due;
  int32_t *first, *last, *next, *status, *source;
  double *cycle;
  int32_t as_of;
  int due_days;
} patron__cycle_cols;

/* Adds the columns (report: purchase_days, first_purchase, last_purchase and days_to_next
 * too; fallback: repurchase_cycle_source). */
patron_status patron__cycle_cols_add(patron_table *t, bool report, bool fallback, int32_t as_of,
                                     int due_days, patron__cycle_cols *cols, patron_error *err);
/* Adds repurchase_cycle_source (cols->source). */
patron_status patron__cycle_cols_add_source(patron_table *t, patron__cycle_cols *cols,
                                            patron_error *err);
/* The fallback cycle added to a profile whose repurchase columns were computed without it
 * (by the ranks of an MPI run, docs/SCALE.md section 9): repurchase_cycle_source, and the
 * median cycle of every customer for those with one purchase day, as
 * patron_repurchase_profile does with opts->fallback. */
patron_status patron__repurchase_fallback_after(patron_profile *p,
                                                const patron_repurchase_options *opts,
                                                patron_error *err);
/* Fills row `row` from a cycle with n_days >= 1: one day leaves the status unknown (a
 * fallback cycle may come later through patron__cycle_cols_set). */
void patron__cycle_cols_fill(const patron__cycle_cols *cols, size_t row, const patron__cycle *cy);
/* Sets the cycle of a row and what follows from it: next date, due, status, source. */
void patron__cycle_cols_set(const patron__cycle_cols *cols, size_t row, int32_t last_day,
                            double cycle, bool own);
/* Median of the own cycles in rows [0, n) into *out (NaN when none). */
patron_status patron__cycle_cols_median(const patron__cycle_cols *cols, size_t n, double *out,
                                        patron_error *err);

/* The customer-category pairs table's extras, per row, for the category report. */
typedef struct patron__pairs {
  size_t n;
  uint32_t *code;     /* category dictionary code */
  int32_t *first_gap; /* second purchase day - first (0 with one day) */
  patron__cycle_cols cols;
} patron__pairs;

/* Category cycles (median of the repeat buyers' cycles), the fallback cycles of the pairs
 * with one day (with `fallback`), and the report table: one row per category with a buyer,
 * in the order of code_of_rank. */
patron_status patron__category_report(patron__pairs *pairs, const char *const *names,
                                      const uint32_t *code_of_rank, size_t n_cat, bool fallback,
                                      patron_table **out, patron_error *err);

/* The as-of day of the options, else the dataset's default; PATRON_NO_DAY with an error. */
patron_status patron__repurchase_as_of(const patron_dataset *ds,
                                       const patron_repurchase_options *opts, int32_t *as_of,
                                       patron_error *err);
patron_status patron__repurchase_check(const patron_repurchase_options *opts, patron_error *err);

#endif
