/* CSV writer for tables (profiles.csv, predictions.csv, score files, every CSV of a
 * table). Rows are formatted in blocks on the executor (ROUND_BLOCKS at a time, one block
 * a part) while the previous round's blocks are written in block order, so output is
 * identical whatever the thread count. Numbers are formatted without printf (write_buf.c);
 * category labels once per table. */
#include "core/core_int.h"
#include "core/exec.h"
#include "io/write_int.h"
#include "patron/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 8192, ROUND_BLOCKS = 4 };

/* How rows are laid out: the category columns' labels as they are written (quoted,
 * formula-guarded), formatted once (label k of column c is text.data[end[at[c] + k - 1] ..
 * end[at[c] + k]), followed by LABEL_COPY spare bytes so a short label is copied in one
 * fixed-size move), and the most bytes a row's cells but its text ones can take. */
enum { LABEL_COPY = 32 };
typedef struct labels {
  patron__buf text;
  size_t *at, *end;
  size_t n, cap;
  size_t row_max;
} labels;

typedef struct block_job {
  const patron_table *t;
  const labels *labels;
  size_t begin, end;
  patron__buf buf;
} block_job;

/* Fixed-size cells at o: a number, a money amount or a date fits in PATRON__DOUBLE_MAX
 * bytes (money and dates write a terminator: one byte more); returns the cell's end. */
static char *put_number(char *o, const patron_column *c, size_t r) {
  switch (c->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[r];
    return v != PATRON_NULL_INT ? o + patron__format_i64(v, o) : o;
  }
  case PATRON_COL_MONEY: {
    patron_money v = ((const patron_money *)c->data)[r];
    return v != PATRON_NULL_MONEY ? o + patron_format_money(v, o) : o;
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[r];
    return isfinite(v) ? o + patron__format_double(v, c->decimals, o) : o;
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[r];
    return v != PATRON_NO_DAY ? o + patron_format_day(v, o) : o;
  }
  default: return o;
  }
}

/* Label v of column col at o (room for LABEL_COPY bytes or the label); returns its end. */
static char *put_label(char *o, const labels *l, size_t col, size_t v) {
  size_t k = l->at[col] + v, from = k ? l->end[k - 1] : 0, n = l->end[k] - from;
  if (n <= LABEL_COPY)
    memcpy(o, l->text.data + from, LABEL_COPY);
  else
    memcpy(o, l->text.data + from, n);
  return o + n;
}

/* Room for a row's fixed-size cells at the buffer's end, or NULL (out of memory). */
static char *row_room(patron__buf *b, const labels *l) {
  return patron__buf_room(b, l->row_max) ? b->data + b->len : NULL;
}

/* Row r at o (room for it); returns its end, NULL when out of memory. A text cell goes
 * through the buffer, whose room is then taken again for the rest of the row. */
static char *put_row(char *o, patron__buf *b, const labels *l, const patron_column *cols,
                     size_t n_cols, size_t r) {
  for (size_t c = 0; c < n_cols; c++) {
    if (c)
      *o++ = ',';
    const patron_column *col = &cols[c];
    if (col->type == PATRON_COL_STRING) {
      const char *s = ((const char *const *)col->data)[r];
      b->len = (size_t)(o - b->data);
      if (s)
        patron__buf_csv_cstr(b, s);
      if (!(o = row_room(b, l)))
        return NULL;
    } else if (col->type == PATRON_COL_CATEGORY) {
      int32_t v = ((const int32_t *)col->data)[r];
      if (v >= 0 && v < col->n_labels)
        o = put_label(o, l, c, (size_t)v);
    } else {
      o = put_number(o, col, r);
    }
  }
  *o++ = '\n';
  return o;
}

static void format_block(void *arg) {
  block_job *j = arg;
  size_t n_cols = patron_table_n_columns(j->t);
  const patron_column *cols = n_cols ? patron_table_column(j->t, 0) : NULL; /* one array */
  j->buf.len = 0;
  for (size_t r = j->begin; r < j->end; r++) {
    char *o = row_room(&j->buf, j->labels);
    if (!o || !(o = put_row(o, &j->buf, j->labels, cols, n_cols, r)))
      return; /* the buffer's out-of-memory flag fails the flush */
    j->buf.len = (size_t)(o - j->buf.data);
  }
}

/* Formats every category column's labels once and bounds a row's size. False when out of
 * memory. */
static bool labels_make(labels *l, const patron_table *t) {
  size_t n_cols = patron_table_n_columns(t);
  if (!(l->at = malloc((n_cols ? n_cols : 1) * sizeof *l->at)))
    return false;
  l->row_max = n_cols + 1; /* the commas and the newline */
  for (size_t c = 0; c < n_cols; c++) {
    const patron_column *col = patron_table_column(t, c);
    size_t longest = LABEL_COPY;
    l->at[c] = l->n;
    for (int32_t v = 0; col->type == PATRON_COL_CATEGORY && v < col->n_labels; v++) {
      if (!patron__reserve((void **)&l->end, &l->cap, l->n + 1, sizeof *l->end))
        return false;
      size_t from = l->text.len;
      patron__buf_csv_field(&l->text, col->labels[v], strlen(col->labels[v]));
      l->end[l->n++] = l->text.len;
      longest = l->text.len - from > longest ? l->text.len - from : longest;
    }
    l->row_max += col->type == PATRON_COL_CATEGORY ? longest
                  : col->type == PATRON_COL_STRING ? 0
                                                   : PATRON__DOUBLE_MAX + 1;
  }
  if (patron__buf_room(&l->text, LABEL_COPY))
    memset(l->text.data + l->text.len, 0, LABEL_COPY);
  return !l->text.oom;
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

/* The writer's rounds: while one thread writes round k's blocks to the sink, in order, the
 * others (then it too) format round k + 1's into the other half of the buffers. */
typedef struct rounds {
  block_job jobs[2][ROUND_BLOCKS];
  size_t n_jobs[2]; /* blocks of each half (0: nothing to write) */
  patron_sink *sink;
  patron_status st;
  patron_error err;
} rounds;

static void flush_half(rounds *w, int half) {
  for (size_t k = 0; w->st == PATRON_OK && k < w->n_jobs[half]; k++)
    w->st = patron__buf_flush(&w->jobs[half][k].buf, w->sink, &w->err);
  w->n_jobs[half] = 0;
}

typedef struct round_ctx {
  rounds *w;
  int fill; /* the half being formatted; the other one is written */
} round_ctx;

static void round_part(void *ctx, size_t part, int worker) {
  (void)worker;
  round_ctx *r = ctx;
  if (part == 0)
    flush_half(r->w, !r->fill);
  else
    format_block(&r->w->jobs[r->fill][part - 1]);
}

static patron_status write_blocks(rounds *w, const patron_table *t, patron_error *err) {
  size_t n = patron_table_n_rows(t);
  int fill = 0;
  for (size_t at = 0; w->st == PATRON_OK && at < n; at += ROUND_BLOCKS * BLOCK_ROWS) {
    size_t k = 0;
    for (; k < ROUND_BLOCKS && at + k * BLOCK_ROWS < n; k++) {
      block_job *j = &w->jobs[fill][k];
      j->begin = at + k * BLOCK_ROWS;
      j->end = j->begin + BLOCK_ROWS < n ? j->begin + BLOCK_ROWS : n;
    }
    round_ctx r = {w, fill};
    patron__exec_parts(0, k + 1, round_part, &r);
    w->n_jobs[fill] = k;
    fill = !fill;
  }
  flush_half(w, !fill);
  if (w->st != PATRON_OK && err)
    *err = w->err;
  return w->st;
}

patron_status patron_write_table_csv_to(const patron_table *t, patron_sink *s, patron_error *err) {
  labels l = {.text = patron__csv_buf(s)};
  rounds *w = calloc(1, sizeof *w);
  if (!w)
    return PATRON__OOM(err);
  w->sink = s;
  for (size_t k = 0; k < 2 * ROUND_BLOCKS; k++)
    w->jobs[k / ROUND_BLOCKS][k % ROUND_BLOCKS] =
        (block_job){.t = t, .labels = &l, .buf = patron__csv_buf(s)};
  patron__buf *head = &w->jobs[0][0].buf;
  patron_status st = labels_make(&l, t) ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK) {
    header(head, t);
    st = patron__csv_begin(s, err);
  }
  if (st == PATRON_OK)
    st = patron__buf_flush(head, s, err);
  if (st == PATRON_OK)
    st = write_blocks(w, t, err);
  for (size_t k = 0; k < 2 * ROUND_BLOCKS; k++)
    free(w->jobs[k / ROUND_BLOCKS][k % ROUND_BLOCKS].buf.data);
  free(w);
  free(l.text.data), free(l.at), free(l.end);
  return st;
}

patron_status patron_write_table_csv(const patron_table *t, const char *path, patron_error *err) {
  return patron_write_table_csv_as(t, path, NULL, err);
}

patron_status patron_write_table_csv_as(const patron_table *t, const char *path,
                                        const patron_output_options *o, patron_error *err) {
  patron_sink *s = NULL;
  patron_status st = patron_sink_file(path, o, &s, err);
  if (st == PATRON_OK && (st = patron_write_table_csv_to(t, s, err)) != PATRON_OK)
    patron_sink_abort(s);
  else if (st == PATRON_OK)
    st = patron_sink_close(s, err);
  return st;
}
