/* CSV writer for tables. Rows are formatted in blocks, two at a time on the executor (one
 * block each), and written in order, so output is identical whatever the thread count. */
#include "core/core_int.h"
#include "core/exec.h"
#include "io/write_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 32768 };

static void put_int(patron__buf *b, int64_t v) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    patron__buf_putc(b, '-');
  while (n)
    patron__buf_putc(b, tmp[--n]);
}

static void put_cell(patron__buf *b, const patron_column *c, size_t r) {
  char tmp[48];
  switch (c->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[r];
    if (v != PATRON_NULL_INT)
      put_int(b, v);
    break;
  }
  case PATRON_COL_MONEY: {
    patron_money v = ((const patron_money *)c->data)[r];
    if (v != PATRON_NULL_MONEY)
      patron__buf_put(b, tmp, patron_format_money(v, tmp));
    break;
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[r];
    if (isfinite(v))
      patron__buf_double(b, v, c->decimals);
    break;
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[r];
    if (v != PATRON_NO_DAY)
      patron__buf_put(b, tmp, patron_format_day(v, tmp));
    break;
  }
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[r];
    if (v >= 0 && v < c->n_labels)
      patron__buf_csv_field(b, c->labels[v], strlen(c->labels[v]));
    break;
  }
  case PATRON_COL_STRING: {
    const char *s = ((const char *const *)c->data)[r];
    if (s)
      patron__buf_csv_field(b, s, strlen(s));
    break;
  }
  }
}

typedef struct block_job {
  const patron_table *t;
  size_t begin, end;
  patron__buf buf;
} block_job;

static void format_block(void *arg) {
  block_job *j = arg;
  size_t n_cols = patron_table_n_columns(j->t);
  j->buf.len = 0;
  for (size_t r = j->begin; r < j->end; r++) {
    for (size_t c = 0; c < n_cols; c++) {
      if (c)
        patron__buf_putc(&j->buf, ',');
      put_cell(&j->buf, patron_table_column(j->t, c), r);
    }
    patron__buf_putc(&j->buf, '\n');
  }
}

static void header(patron__buf *b, const patron_table *t) {
  for (size_t c = 0; c < patron_table_n_columns(t); c++) {
    if (c)
      patron__buf_putc(b, ',');
    const char *name = patron_table_column(t, c)->name;
    patron__buf_csv_field(b, name, strlen(name));
  }
  patron__buf_putc(b, '\n');
}

static patron_status write_blocks(patron_sink *s, const patron_table *t, block_job jobs[2],
                                  patron_error *err) {
  size_t n = patron_table_n_rows(t);
  patron_status st = PATRON_OK;
  for (size_t at = 0; st == PATRON_OK && at < n; at += 2 * BLOCK_ROWS) {
    for (int k = 0; k < 2; k++) {
      jobs[k].begin = at + (size_t)k * BLOCK_ROWS < n ? at + (size_t)k * BLOCK_ROWS : n;
      jobs[k].end = jobs[k].begin + BLOCK_ROWS < n ? jobs[k].begin + BLOCK_ROWS : n;
    }
    jobs[1].buf.len = 0;
    patron__exec_each(2, jobs, jobs[1].begin < jobs[1].end ? 2 : 1, sizeof *jobs, format_block);
    for (int k = 0; st == PATRON_OK && k < 2; k++)
      st = patron__buf_flush(&jobs[k].buf, s, err);
  }
  return st;
}

patron_status patron_write_table_csv_to(const patron_table *t, patron_sink *s, patron_error *err) {
  block_job jobs[2] = {{.t = t, .buf = patron__csv_buf(s)}, {.t = t, .buf = patron__csv_buf(s)}};
  header(&jobs[0].buf, t);
  patron_status st = patron__csv_begin(s, err);
  if (st == PATRON_OK)
    st = patron__buf_flush(&jobs[0].buf, s, err);
  if (st == PATRON_OK)
    st = write_blocks(s, t, jobs, err);
  free(jobs[0].buf.data);
  free(jobs[1].buf.data);
  return st;
}

patron_status patron_write_table_csv(const patron_table *t, const char *path, patron_error *err) {
  patron_sink *s = NULL;
  patron_status st = patron_sink_file(path, NULL, &s, err);
  if (st == PATRON_OK && (st = patron_write_table_csv_to(t, s, err)) != PATRON_OK)
    patron_sink_abort(s);
  else if (st == PATRON_OK)
    st = patron_sink_close(s, err);
  return st;
}
