/* The segment report (SPEC section 4, segments.csv): for every segmentation column of the
 * profile table and every label, the customers, their share, revenue (sum of monetary),
 * its share, and average recency, frequency and monetary of the segment's purchasers.
 * Shares are of the rows that have a value in that segmentation. */
#include "core/table_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>

/* Sums of integers (days, orders, money units), kept exactly in 128 bits: the same values
 * a long double accumulation gives while they stay below 2^64 (every partial sum is then
 * exact), without its cost per row. */
typedef struct seg_acc {
  size_t customers, n_rec, n_freq, n_mon;
  __int128 rec, freq, mon;
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
  __int128 sum = 0;
  for (int32_t k = 0; k < c->n_labels; k++)
    total += acc[k].customers, sum += acc[k].mon;
  long double revenue = (long double)sum;
  for (int32_t k = 0; k < c->n_labels; k++) {
    const seg_acc *a = &acc[k];
    out[k] = (patron_segment_row){
        .segmentation = c->name,
        .segment = c->labels[k],
        .segment_alt = c->alt_labels ? c->alt_labels[k] : NULL,
        .customers = a->customers,
        .customer_share = total ? (double)a->customers / (double)total : NAN,
        .revenue = (patron_money)a->mon,
        .revenue_share = revenue != 0 ? (double)((long double)a->mon / revenue) : NAN,
        .avg_recency_days = avg(a->rec, a->n_rec),
        .avg_frequency = avg(a->freq, a->n_freq),
        .avg_monetary = avg(a->mon, a->n_mon) / PATRON_MONEY_SCALE,
    };
  }
  free(acc);
  return true;
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
  patron_segment_row *out = malloc((total ? total : 1) * sizeof *out);
  if (!out)
    return PATRON__OOM(err);
  size_t at = 0;
  for (size_t i = 0; i < patron_table_n_columns(t); i++) {
    const patron_column *c = patron_table_column(t, i);
    if (!c->segmentation)
      continue;
    if (!report_column(c, rec, freq, mon, patron_table_n_rows(t), out + at)) {
      free(out);
      return PATRON__OOM(err);
    }
    at += (size_t)c->n_labels;
  }
  *rows = out;
  *n_rows = at;
  return PATRON_OK;
}
