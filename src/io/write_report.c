/* Writers for segments.csv and rejects.csv. */
#include "io/write_int.h"
#include "patron/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_double(patron__buf *b, double v, int decimals) {
  if (isfinite(v))
    patron__buf_double(b, v, decimals);
}

/* Writes b (a whole CSV) to a new file sink at path, atomically; frees b. */
static patron_status flush_to(const char *path, patron__buf *b, patron_error *err) {
  patron_sink *s = NULL;
  patron_status st = patron_sink_file(path, NULL, &s, err);
  if (st == PATRON_OK && (st = patron__buf_flush(b, s, err)) != PATRON_OK)
    patron_sink_abort(s);
  else if (st == PATRON_OK)
    st = patron_sink_close(s, err);
  free(b->data);
  return st;
}

/* Writes b to s after the CSV start; frees b. */
static patron_status put_csv(patron_sink *s, patron__buf *b, patron_error *err) {
  patron_status st = patron__csv_begin(s, err);
  if (st == PATRON_OK)
    st = patron__buf_flush(b, s, err);
  free(b->data);
  return st;
}

static void segments_csv(patron__buf *b, const patron_segment_row *rows, size_t n_rows);
static void rejects_csv(patron__buf *b, const patron_dataset *ds);

patron_status patron_write_segments_csv(const patron_segment_row *rows, size_t n_rows,
                                        const char *path, patron_error *err) {
  patron__buf b = {0};
  segments_csv(&b, rows, n_rows);
  return flush_to(path, &b, err);
}

patron_status patron_write_segments_csv_to(const patron_segment_row *rows, size_t n_rows,
                                           patron_sink *s, patron_error *err) {
  patron__buf b = patron__csv_buf(s);
  segments_csv(&b, rows, n_rows);
  return put_csv(s, &b, err);
}

patron_status patron_write_rejects_csv(const patron_dataset *ds, const char *path,
                                       patron_error *err) {
  patron__buf b = {0};
  rejects_csv(&b, ds);
  return flush_to(path, &b, err);
}

patron_status patron_write_rejects_csv_to(const patron_dataset *ds, patron_sink *s,
                                          patron_error *err) {
  patron__buf b = patron__csv_buf(s);
  rejects_csv(&b, ds);
  return put_csv(s, &b, err);
}

static void segments_csv(patron__buf *b, const patron_segment_row *rows, size_t n_rows) {
  static const char head[] = "segmentation,segment,customers,customer_share,revenue,"
                             "revenue_share,avg_recency_days,avg_frequency,avg_monetary\n";
  patron__buf_put(b, head, sizeof head - 1);
  char tmp[32];
  for (size_t i = 0; i < n_rows; i++) {
    const patron_segment_row *r = &rows[i];
    patron__buf_csv_field(b, r->segmentation, strlen(r->segmentation));
    patron__buf_putc(b, ',');
    patron__buf_csv_field(b, r->segment, strlen(r->segment));
    patron__buf_putc(b, ',');
    patron__buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%zu,", r->customers));
    put_double(b, r->customer_share, 4);
    patron__buf_putc(b, ',');
    patron__buf_put(b, tmp, patron_format_money(r->revenue, tmp));
    patron__buf_putc(b, ',');
    put_double(b, r->revenue_share, 4);
    patron__buf_putc(b, ',');
    put_double(b, r->avg_recency_days, 2);
    patron__buf_putc(b, ',');
    put_double(b, r->avg_frequency, 2);
    patron__buf_putc(b, ',');
    put_double(b, r->avg_monetary, 2);
    patron__buf_putc(b, '\n');
  }
}

static void reject_row(patron__buf *b, const char *file, const patron_reject *r) {
  char tmp[32];
  patron__buf_csv_field(b, file, strlen(file));
  patron__buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, ",%llu,", (unsigned long long)r->line));
  patron__buf_csv_field(b, r->column, strlen(r->column));
  patron__buf_putc(b, ',');
  const char *key = patron_reject_key(r->reason);
  patron__buf_put(b, key, strlen(key));
  patron__buf_putc(b, ',');
  patron__buf_csv_field(b, r->raw, r->raw_len);
  patron__buf_putc(b, '\n');
}

static const char rejects_head[] = "file,line,column,reason,raw\n";

static void rejects_csv(patron__buf *b, const patron_dataset *ds) {
  patron__buf_put(b, rejects_head, sizeof rejects_head - 1);
  for (size_t i = 0; i < patron_dataset_n_rejects(ds); i++) {
    patron_reject r;
    patron_dataset_reject(ds, i, &r);
    reject_row(b, patron_dataset_file_report(ds, r.file)->path, &r);
  }
}

patron_status patron__write_rejects_list(const char *path, const char *file,
                                         const patron_reject *rejects, size_t n,
                                         patron_error *err) {
  patron__buf b = {0};
  patron__buf_put(&b, rejects_head, sizeof rejects_head - 1);
  for (size_t i = 0; i < n; i++)
    reject_row(&b, file, &rejects[i]);
  return flush_to(path, &b, err);
}
