/* CSV writer for tables. Rows are formatted in blocks, two at a time on the executor (one
 * block each) while the caller's thread writes the two before them, in order, so output is
 * identical whatever the thread count. */
#include "core/core_int.h"
#include "core/exec.h"
#include "io/write_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 32768, PREFETCH_ROWS = 16 };

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

/* A category column's labels as they are written (quoted, formula-guarded), encoded once
 * per file: label v is text[at[v]..at[v + 1]). */
typedef struct label_cells {
  patron__buf text;
  size_t *at;
} label_cells;

static void put_cell(patron__buf *b, const patron_column *c, const label_cells *lc, size_t r) {
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
    if (v >= 0 && v < c->n_labels && lc->at[v + 1] > lc->at[v])
      patron__buf_put(b, lc->text.data + lc->at[v], lc->at[v + 1] - lc->at[v]);
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
  const label_cells *labels; /* per column */
  size_t begin, end;
  patron__buf buf;
} block_job;

/* Starts loading the texts of row r's string cells (ids live wherever they were read, so
 * rows in id order visit them at random: a miss per cell unless fetched ahead). */
static void prefetch_strings(const patron_table *t, size_t n_cols, size_t r) {
  for (size_t c = 0; c < n_cols; c++) {
    const patron_column *col = patron_table_column(t, c);
    if (col->type == PATRON_COL_STRING)
      __builtin_prefetch(((const char *const *)col->data)[r]);
  }
}

static void format_block(void *arg) {
  block_job *j = arg;
  size_t n_cols = patron_table_n_columns(j->t);
  j->buf.len = 0;
  for (size_t r = j->begin; r < j->end; r++) {
    if (r + PREFETCH_ROWS < j->end)
      prefetch_strings(j->t, n_cols, r + PREFETCH_ROWS);
    for (size_t c = 0; c < n_cols; c++) {
      if (c)
        patron__buf_putc(&j->buf, ',');
      put_cell(&j->buf, patron_table_column(j->t, c), &j->labels[c], r);
    }
    patron__buf_putc(&j->buf, '\n');
  }
}

/* Encodes every category column's labels for sink s; false when memory runs out. */
static bool encode_labels(const patron_table *t, const patron_sink *s, label_cells *lc) {
  for (size_t c = 0; c < patron_table_n_columns(t); c++) {
    const patron_column *col = patron_table_column(t, c);
    if (col->type != PATRON_COL_CATEGORY)
      continue;
    lc[c].text = patron__csv_buf(s);
    if (!(lc[c].at = malloc(((size_t)col->n_labels + 1) * sizeof *lc[c].at)))
      return false;
    for (int32_t v = 0; v < col->n_labels; v++) {
      lc[c].at[v] = lc[c].text.len;
      patron__buf_csv_field(&lc[c].text, col->labels[v], strlen(col->labels[v]));
    }
    lc[c].at[col->n_labels] = lc[c].text.len;
    if (lc[c].text.oom)
      return false;
  }
  return true;
}

static void free_labels(label_cells *lc, size_t n) {
  for (size_t c = 0; lc && c < n; c++)
    free(lc[c].text.data), free(lc[c].at);
  free(lc);
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

/* One round: the two blocks of `fmt` are formatted (one per thread) while the caller's
 * thread writes the two blocks `out` formatted in the round before (the sink is only ever
 * used from the caller's thread). */
typedef struct write_round {
  block_job *fmt, *out;
  patron_sink *sink;
  patron_error *err;
  patron_status st;
  bool written;
} write_round;

static void write_out(write_round *r) {
  r->written = true;
  for (int k = 0; r->out && r->st == PATRON_OK && k < 2; k++)
    r->st = patron__buf_flush(&r->out[k].buf, r->sink, r->err);
}

static void round_part(void *ctx, size_t part, int worker) {
  write_round *r = ctx;
  if (worker == 0 && !r->written)
    write_out(r);
  format_block(&r->fmt[part]);
}

/* jobs: two pairs of blocks, formatting into one pair while the other is written. */
static patron_status write_blocks(patron_sink *s, const patron_table *t, block_job jobs[4],
                                  patron_error *err) {
  size_t n = patron_table_n_rows(t);
  write_round r = {.sink = s, .err = err, .st = PATRON_OK};
  for (size_t at = 0, i = 0; r.st == PATRON_OK && at < n; at += 2 * BLOCK_ROWS, i++) {
    r.fmt = &jobs[2 * (i % 2)];
    for (int k = 0; k < 2; k++) {
      r.fmt[k].begin = at + (size_t)k * BLOCK_ROWS < n ? at + (size_t)k * BLOCK_ROWS : n;
      r.fmt[k].end = r.fmt[k].begin + BLOCK_ROWS < n ? r.fmt[k].begin + BLOCK_ROWS : n;
      r.fmt[k].buf.len = 0;
    }
    r.written = false;
    patron__exec_parts(2, r.fmt[1].begin < r.fmt[1].end ? 2 : 1, round_part, &r);
    if (!r.written)
      write_out(&r);
    r.out = r.fmt;
  }
  if (r.st == PATRON_OK)
    write_out(&r);
  return r.st;
}

patron_status patron_write_table_csv_to(const patron_table *t, patron_sink *s, patron_error *err) {
  size_t n_cols = patron_table_n_columns(t);
  label_cells *labels = calloc(n_cols ? n_cols : 1, sizeof *labels);
  if (!labels || !encode_labels(t, s, labels)) {
    free_labels(labels, n_cols);
    return PATRON__OOM(err);
  }
  block_job jobs[4];
  for (int k = 0; k < 4; k++)
    jobs[k] = (block_job){.t = t, .labels = labels, .buf = patron__csv_buf(s)};
  header(&jobs[0].buf, t);
  patron_status st = patron__csv_begin(s, err);
  if (st == PATRON_OK)
    st = patron__buf_flush(&jobs[0].buf, s, err);
  if (st == PATRON_OK)
    st = write_blocks(s, t, jobs, err);
  for (int k = 0; k < 4; k++)
    free(jobs[k].buf.data);
  free_labels(labels, n_cols);
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
