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

static patron_status flush_to(const char *path, patron__buf *b, patron_error *err) {
  if (b->oom) {
    free(b->data);
    return PATRON__OOM(err);
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(b->data);
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "cannot create: %s", strerror(errno));
  }
  bool ok = b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len;
  ok = (fclose(f) == 0) && ok;
  free(b->data);
  return ok ? PATRON_OK
            : patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "write failed: %s",
                                strerror(errno));
}

patron_status patron_write_segments_csv(const patron_segment_row *rows, size_t n_rows,
                                        const char *path, patron_error *err) {
  patron__buf b = {0};
  static const char head[] = "segmentation,segment,customers,customer_share,revenue,"
                             "revenue_share,avg_recency_days,avg_frequency,avg_monetary\n";
  patron__buf_put(&b, head, sizeof head - 1);
  char tmp[32];
  for (size_t i = 0; i < n_rows; i++) {
    const patron_segment_row *r = &rows[i];
    patron__buf_csv_field(&b, r->segmentation, strlen(r->segmentation));
    patron__buf_putc(&b, ',');
    patron__buf_csv_field(&b, r->segment, strlen(r->segment));
    patron__buf_putc(&b, ',');
    patron__buf_put(&b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%zu,", r->customers));
    put_double(&b, r->customer_share, 4);
    patron__buf_putc(&b, ',');
    patron__buf_put(&b, tmp, patron_format_money(r->revenue, tmp));
    patron__buf_putc(&b, ',');
    put_double(&b, r->revenue_share, 4);
    patron__buf_putc(&b, ',');
    put_double(&b, r->avg_recency_days, 2);
    patron__buf_putc(&b, ',');
    put_double(&b, r->avg_frequency, 2);
    patron__buf_putc(&b, ',');
    put_double(&b, r->avg_monetary, 2);
    patron__buf_putc(&b, '\n');
  }
  return flush_to(path, &b, err);
}

patron_status patron_write_rejects_csv(const patron_dataset *ds, const char *path,
                                       patron_error *err) {
  patron__buf b = {0};
  static const char head[] = "file,line,column,reason,raw\n";
  patron__buf_put(&b, head, sizeof head - 1);
  char tmp[32];
  for (size_t i = 0; i < patron_dataset_n_rejects(ds); i++) {
    patron_reject r;
    patron_dataset_reject(ds, i, &r);
    const char *file = patron_dataset_file_report(ds, r.file)->path;
    patron__buf_csv_field(&b, file, strlen(file));
    patron__buf_put(&b, tmp,
                    (size_t)snprintf(tmp, sizeof tmp, ",%llu,", (unsigned long long)r.line));
    patron__buf_csv_field(&b, r.column, strlen(r.column));
    patron__buf_putc(&b, ',');
    const char *key = patron_reject_key(r.reason);
    patron__buf_put(&b, key, strlen(key));
    patron__buf_putc(&b, ',');
    patron__buf_csv_field(&b, r.raw, r.raw_len);
    patron__buf_putc(&b, '\n');
  }
  return flush_to(path, &b, err);
}
