/* `patron map` (SPEC 15, docs/SCALE.md): a split of the orders to one tab-separated line per
 * usable row (customer_id, order_id, epoch seconds, amount with 4 decimals), then the
 * split's counts under the empty key. */
#include "ops/stream_int.h"

#include <inttypes.h>

static void put_amount(FILE *out, patron_money v) {
  uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  fprintf(out, "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "", a / 10000, a % 10000);
}

patron_status patron_stream_map(FILE *in, const char *name, FILE *out,
                                const patron_load_options *opts, bool hive_nulls, FILE *counters,
                                patron_error *err) {
  patron__order_stream *s;
  patron_status st = patron__order_stream_open(in, name, opts, &s, err);
  if (st != PATRON_OK)
    return st;
  if (hive_nulls)
    patron__order_stream_hive_nulls(s);
  patron__order_row row;
  int r;
  while ((r = patron__order_stream_next(s, &row, err)) > 0) {
    patron__tsv_put(out, row.customer, row.customer_len);
    fputc('\t', out);
    if (row.order)
      patron__tsv_put(out, row.order, row.order_len);
    else
      fputs("\\N", out);
    fprintf(out, "\t%" PRId64 "\t", row.time);
    put_amount(out, row.amount);
    fputc('\n', out);
  }
  stream_counts c = {0};
  if (r == 0 && !patron__counts_from_stats(&c, patron__order_stream_stats(s)))
    st = PATRON__OOM(err);
  else if (r < 0)
    st = err->status;
  if (st == PATRON_OK) {
    patron__counts_write(out, &c);
    patron__counts_report(counters, &c);
  }
  patron__counts_free(&c);
  patron__order_stream_close(s);
  if (st == PATRON_OK && (fflush(out) != 0 || ferror(out)))
    st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot write the output");
  return st;
}
