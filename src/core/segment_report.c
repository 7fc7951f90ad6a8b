/* The segment report (SPEC section 4, segments.csv): for every segmentation column of the
 * profile table and every label, the customers, their share, revenue (sum of monetary),
 * its share, and average recency, frequency and monetary of the segment's purchasers.
 * Shares are of the rows that have a value in that segmentation. Sums are exact integers
 * (128-bit), equal to the long double sums they replace while those are exact (below
 * 2^64, which the load's money check guarantees), and much cheaper than x87 additions. */
#include "core/exec.h"
#include "core/table_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>

typedef struct seg_acc {
  size_t customers, n_rec, n_freq, n_mon;
  __int128 rec, freq, mon; /* mon is also the revenue */
} seg_acc;

static double avg(__int128 sum, size_t n) { return n ? (double)((long double)sum / n) : NAN; }

static void accumulate(seg_acc *acc, const int32_t *code, const int64_t *rec, const int64_t *freq,
                       const patron_money *mon, size_t n_rows) {
  for (size_t r = 0; r < n_rows; r++) {
    if (code[r] < 0)
      continue;
    seg_acc *a = &acc[code[r]];
    a->customers++;
    if (rec[r] != PATRON_NULL_INT)
      a->rec += rec[r], a->n_rec++;
    if (freq[r] != PATRON_NULL_INT)
      a->freq += freq[r], a->n_freq++;
    if (mon[r] != PATRON_NULL_MONEY)
      a->mon += mon[r], a->n_mon++;
  }
}

static bool report_column(const patron_column *c, const int64_t *rec, const int64_t *freq,
                          const patron_money *mon, size_t n_rows, patron_segment_row *out) {
  seg_acc *acc = calloc((size_t)c->n_labels, sizeof *acc);
  if (!acc)
    return false;
  accumulate(acc, c->data, rec, freq, mon, n_rows);
  size_t total = 0;
  long double revenue = 0;
  for (int32_t k = 0; k < c->n_labels; k++)
    total += acc[k].customers, revenue += (long double)acc[k].mon;
  for (int32_t k = 0; k < c->n_labels; k++) {
    const seg_acc *a = &acc[k];
    out[k] = (patron_segment_row){
        .segmentation = c->name,
        .segment = c->labels[k],
        .segment_alt = c->alt_labels ? c->alt_labels[k] : NULL,
        .customers = a->customers,
        .customer_share = total ? (double)a->customers / (double)total : NAN,
        .revenue = (patron_money)(long double)a->mon,
        .revenue_share = revenue != 0 ? (double)((long double)a->mon / revenue) : NAN,
        .avg_recency_days = avg(a->rec, a->n_rec),
        .avg_frequency = avg(a->freq, a->n_freq),
        .avg_monetary = avg(a->mon, a->n_mon) / PATRON_MONEY_SCALE,
    };
  }
  free(acc);
  return true;
}

/* One segmentation column's rows: a job of the executor (columns are independent). */
typedef struct column_job {
  const patron_column *c;
  const int64_t *rec, *freq;
  const patron_money *mon;
  size_t n_rows;
  patron_segment_row *out;
  bool ok;
} column_job;

static void column_run(void *arg) {
  column_job *j = arg;
  j->ok = report_column(j->c, j->rec, j->freq, j->mon, j->n_rows, j->out);
}

patron_status patron_segment_report(const patron_table *t, patron_segment_row **rows,
                                    size_t *n_rows, patron_error *err) {
  *rows = NULL;
  *n_rows = 0;
  const char *step = "the segment report";
  const int64_t *rec = patron__column_data(t, "recency_days", PATRON_COL_INT, step, err);
  const int64_t *freq = patron__column_data(t, "frequency", PATRON_COL_INT, step, err);
  const patron_money *mon = patron__column_data(t, "monetary", PATRON_COL_MONEY, step, err);
  if (!rec || !freq || !mon)
    return err ? err->status : PATRON_ERR_USAGE;
  size_t total = 0;
  for (size_t i = 0; i < patron_table_n_columns(t); i++)
    if (patron_table_column(t, i)->segmentation)
      total += (size_t)patron_table_column(t, i)->n_labels;
  size_t n_cols = patron_table_n_columns(t), n_jobs = 0, at = 0;
  patron_segment_row *out = malloc((total ? total : 1) * sizeof *out);
  column_job *jobs = malloc((n_cols ? n_cols : 1) * sizeof *jobs);
  if (!out || !jobs) {
    free(out), free(jobs);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < n_cols; i++) {
    const patron_column *c = patron_table_column(t, i);
    if (!c->segmentation)
      continue;
    jobs[n_jobs++] = (column_job){c, rec, freq, mon, patron_table_n_rows(t), out + at, false};
    at += (size_t)c->n_labels;
  }
  patron__exec_each(0, jobs, n_jobs, sizeof *jobs, column_run);
  bool ok = true;
  for (size_t k = 0; k < n_jobs; k++)
    ok = ok && jobs[k].ok;
  free(jobs);
  if (!ok) {
    free(out);
    return PATRON__OOM(err);
  }
  *rows = out;
  *n_rows = at;
  return PATRON_OK;
}
