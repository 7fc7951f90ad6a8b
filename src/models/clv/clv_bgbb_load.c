/* Reader of BG/BB recency/frequency tables (Fader, Hardie & Shang 2010; the layout of
 * lifetimes' donations.csv and BTYD's donationsSummary): columns frequency (x), recency
 * (t_x, 0 when x = 0), periods (n), optional weights (customers with that pattern) and an
 * optional customer_id (or id). Runs on the loaders' scanner (RFC 4180 tokenizer, gzip,
 * stdin, encodings); the first impossible row stops the read with file, line and problem. */
#include "io/io_int.h"
#include "models/clv/clv_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_FREQ, T_REC, T_PER, T_W, T_ID, T_COLS };

typedef struct reader {
  patron_clv_bgbb_table *t;
  int col[T_COLS];
  size_t cap, ids_cap, max_col;
  uint64_t header_lines;
  const char *path;
  patron_error *err;
} reader;

static bool field_is(const patron__csv_field *f, const char *name) {
  const char *p = f->ptr;
  size_t len = f->len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* a BOM left on the first name */
    p += 3, len -= 3;
  return len == strlen(name) && strncasecmp(p, name, len) == 0;
}

static patron_status find_columns(reader *r, const patron__csv_record *h) {
  static const char *const names[T_COLS][2] = {{"frequency", "x"},
                                               {"recency", "t_x"},
                                               {"periods", "n"},
                                               {"weights", "weight"},
                                               {"customer_id", "id"}};
  for (int c = 0; c < T_COLS; c++) {
    r->col[c] = -1;
    for (size_t i = 0; i < h->n_fields && r->col[c] < 0; i++)
      if (field_is(&h->fields[i], names[c][0]) || field_is(&h->fields[i], names[c][1]))
        r->col[c] = (int)i;
    if (r->col[c] < 0 && c <= T_PER)
      return patron__error_set(r->err, PATRON_ERR_INPUT, r->path, 1, 0,
                               "a BG/BB table needs the columns frequency, recency and periods "
                               "(optional weights, customer_id): no '%s' in the header",
                               names[c][0]);
    if (r->col[c] >= 0 && (size_t)r->col[c] > r->max_col)
      r->max_col = (size_t)r->col[c];
  }
  return PATRON_OK;
}

static bool number(const patron__csv_field *f, double *out) {
  char buf[64];
  const char *p = f->ptr;
  size_t len = f->len;
  while (len && (*p == ' ' || *p == '\t'))
    p++, len--;
  while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
    len--;
  if (len == 0 || len >= sizeof buf)
    return false;
  memcpy(buf, p, len);
  buf[len] = '\0';
  char *end;
  *out = strtod(buf, &end);
  return end == buf + len;
}

static bool fail(reader *r, uint64_t line, const char *fmt, const char *what) {
  patron__error_set(r->err, PATRON_ERR_INPUT, r->path, line, 0, fmt, what);
  return false;
}

static bool grow(reader *r) {
  patron_clv_bgbb_table *t = r->t;
  if (t->rows < r->cap)
    return true;
  size_t cap = r->cap ? 2 * r->cap : 1024;
  double *x = realloc(t->x, cap * sizeof *x), *tx = x ? realloc(t->t_x, cap * sizeof *tx) : NULL;
  if (x)
    t->x = x;
  if (tx)
    t->t_x = tx;
  double *n = tx ? realloc(t->periods, cap * sizeof *n) : NULL;
  if (n)
    t->periods = n;
  double *w = n ? realloc(t->weight, cap * sizeof *w) : NULL;
  if (w)
    t->weight = w;
  uint64_t *line = w ? realloc(t->line, cap * sizeof *line) : NULL;
  if (line)
    t->line = line;
  size_t *id = line ? realloc(t->id_offset, cap * sizeof *id) : NULL;
  if (id)
    t->id_offset = id, r->cap = cap;
  return id != NULL;
}

static bool push_id(reader *r, const patron__csv_field *f) {
  patron_clv_bgbb_table *t = r->t;
  if (!patron__reserve((void **)&t->ids, &r->ids_cap, t->ids_len + f->len + 1, 1))
    return false;
  t->id_offset[t->rows] = t->ids_len;
  memcpy(t->ids + t->ids_len, f->ptr, f->len);
  t->ids_len += f->len;
  t->ids[t->ids_len++] = '\0';
  return true;
}

static bool row_fn(void *ctx, const patron__csv_record *rec, uint64_t wline) {
  reader *r = ctx;
  uint64_t line = r->header_lines + wline;
  if (patron__csv_is_blank(rec))
    return true;
  if (rec->n_fields <= r->max_col)
    return fail(r, line, "%s: fewer fields than the header", "BG/BB table");
  static const char *const names[] = {"frequency", "recency", "periods", "weights"};
  double v[4] = {0, 0, 0, 1};
  for (int c = T_FREQ; c <= T_W; c++)
    if (r->col[c] >= 0 && !number(&rec->fields[r->col[c]], &v[c]))
      return fail(r, line, "%s is not a number", names[c]);
  if (!grow(r) || (r->col[T_ID] >= 0 && !push_id(r, &rec->fields[r->col[T_ID]])))
    return PATRON__OOM(r->err), false;
  patron_clv_bgbb_table *t = r->t;
  patron_clv_data one = {1, &v[0], &v[1], &v[2], &v[3], NULL};
  patron_error e = {0};
  if (patron_clv_bgbb_check(&one, &e) != PATRON_OK) /* "row 1: problem" */
    return fail(r, line, "%s", strchr(e.message, ':') ? strchr(e.message, ':') + 2 : e.message);
  t->x[t->rows] = v[0], t->t_x[t->rows] = v[1], t->periods[t->rows] = v[2];
  t->weight[t->rows] = v[3];
  t->line[t->rows++] = line;
  return true;
}

static bool syntax_fn(void *ctx, const patron__csv_record *rec, uint64_t wline,
                      patron__csv_status why) {
  (void)rec, (void)why;
  reader *r = ctx;
  return fail(r, r->header_lines + wline, "%s: malformed CSV record (quoting or length)",
              "BG/BB table");
}

static void reset(void *ctx) { (void)ctx; }

patron_status patron_clv_bgbb_table_read(const char *path, char delimiter,
                                         patron_clv_bgbb_table **out, patron_error *err) {
  *out = NULL;
  patron_clv_bgbb_table *t = calloc(1, sizeof *t);
  if (!t)
    return PATRON__OOM(err);
  patron__scan scan;
  memset(&scan, 0, sizeof scan);
  patron__csv_dialect d = {.delimiter = delimiter ? delimiter : ','};
  reader r = {.t = t, .path = path, .err = err};
  patron_status st = patron__scan_open(&scan, path, d, true, err);
  if (st == PATRON_OK) {
    r.header_lines = scan.header_lines;
    st = find_columns(&r, &scan.header);
  }
  if (st == PATRON_OK) {
    patron__scan_worker w = {.ctx = &r};
    st = patron__scan_run(&scan, &w, 1, row_fn, syntax_fn, reset, NULL, err);
    if (st == PATRON_OK && w.failed)
      st = err->status != PATRON_OK ? err->status : PATRON_ERR_INPUT;
  }
  if (st == PATRON_OK && t->rows == 0)
    st = patron__error_set(err, PATRON_ERR_INPUT, path, 0, 0, "the BG/BB table has no rows");
  t->has_weights = r.col[T_W] >= 0;
  t->has_ids = r.col[T_ID] >= 0;
  patron__scan_close(&scan);
  if (st != PATRON_OK) {
    patron_clv_bgbb_table_free(t);
    return st;
  }
  *out = t;
  return PATRON_OK;
}

void patron_clv_bgbb_table_free(patron_clv_bgbb_table *t) {
  if (!t)
    return;
  free(t->x), free(t->t_x), free(t->periods), free(t->weight), free(t->line), free(t->id_offset);
  free(t->ids);
  free(t);
}

const char *patron_clv_bgbb_table_id(const patron_clv_bgbb_table *t, size_t i) {
  return t->has_ids && i < t->rows ? t->ids + t->id_offset[i] : NULL;
}

patron_clv_data patron_clv_bgbb_table_data(const patron_clv_bgbb_table *t) {
  return (patron_clv_data){t->rows, t->x, t->t_x, t->periods, t->has_weights ? t->weight : NULL,
                           NULL};
}
