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
    if (r->col[c] >= 0 && !patron__clv_field_number(&rec->fields[r->col[c]], &v[c]))
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

/* ---- from transactions: opportunities are calendar periods ------------------------------- */

bool patron_clv_period_parse(const char *name, patron_clv_period *out) {
  static const char *const names[] = {"year", "month", "week", "day"};
  for (int i = 0; name && i < 4; i++)
    if (strcmp(name, names[i]) == 0)
      return *out = (patron_clv_period)i, true;
  return false;
}

/* Index of the period holding `day` (days since 1970-01-01, a Thursday: ISO weeks start on
 * Monday 1969-12-29 = day -3). */
static int64_t period_of(patron_clv_period p, int32_t day) {
  int y, m, d;
  switch (p) {
  case PATRON_CLV_YEAR: patron_civil_from_days(day, &y, &m, &d); return y;
  case PATRON_CLV_MONTH: patron_civil_from_days(day, &y, &m, &d); return (int64_t)y * 12 + m - 1;
  case PATRON_CLV_WEEK: return ((int64_t)day + 3 - (day + 3 < 0 ? 6 : 0)) / 7;
  case PATRON_CLV_DAY: return day;
  }
  return day;
}

static bool table_alloc(patron_clv_bgbb_table *t, size_t n, size_t id_bytes) {
  size_t m = n ? n : 1;
  t->x = malloc(m * sizeof *t->x), t->t_x = malloc(m * sizeof *t->t_x);
  t->periods = malloc(m * sizeof *t->periods), t->weight = malloc(m * sizeof *t->weight);
  t->line = calloc(m, sizeof *t->line), t->id_offset = malloc(m * sizeof *t->id_offset);
  t->ids = malloc(id_bytes ? id_bytes : 1);
  return t->x && t->t_x && t->periods && t->weight && t->line && t->id_offset && t->ids;
}

/* One customer's row from its orders [lo, hi) (by time); false without a purchase. */
static bool customer_row(const patron_orders_view *o, size_t lo, size_t hi, bool any_order,
                         patron_clv_period p, int32_t end, int64_t end_period, double *row) {
  int64_t first = 0, last = 0;
  double x = 0;
  bool born = false;
  for (size_t k = lo; k < hi; k++) {
    int32_t day = patron_day_of_time(o->time[k]);
    if (day > end)
      break;
    if (!(any_order || o->value[k] > 0))
      continue;
    int64_t q = period_of(p, day);
    if (!born)
      first = last = q, born = true;
    else if (q != last)
      x += 1, last = q;
  }
  row[0] = x, row[1] = born ? (double)(last - first) : 0, row[2] = (double)(end_period - first);
  return born;
}

patron_status patron_clv_bgbb_from_orders(const patron_dataset *ds, patron_clv_period period,
                                          int32_t calibration_end, patron_clv_bgbb_table **out,
                                          patron_error *err) {
  *out = NULL;
  int32_t end = calibration_end;
  if (end == PATRON_NO_DAY) {
    int32_t as_of = patron_dataset_load_as_of(ds);
    int64_t latest = patron_dataset_max_order_time(ds);
    end = as_of != PATRON_NO_DAY ? as_of - 1
          : latest != INT64_MIN  ? patron_day_of_time(latest)
                                 : PATRON_NO_DAY;
  }
  if (end == PATRON_NO_DAY)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "no orders to build a BG/BB table");
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  size_t nc = patron_dataset_n_customers(ds), id_bytes = 0;
  for (size_t c = 0; c < nc; c++)
    id_bytes += strlen(patron_dataset_customer_id(ds, (uint32_t)c)) + 1;
  patron_clv_bgbb_table *t = calloc(1, sizeof *t);
  if (!t || !table_alloc(t, nc, id_bytes)) {
    patron_clv_bgbb_table_free(t);
    return PATRON__OOM(err);
  }
  bool any = !patron_dataset_has_amounts(ds);
  int64_t end_period = period_of(period, end);
  for (size_t c = 0; c < nc; c++) {
    double row[3];
    if (!customer_row(&o, o.start[c], o.start[c + 1], any, period, end, end_period, row))
      continue;
    const char *id = patron_dataset_customer_id(ds, (uint32_t)c);
    size_t len = strlen(id) + 1, i = t->rows++;
    t->x[i] = row[0], t->t_x[i] = row[1], t->periods[i] = row[2], t->weight[i] = 1;
    t->id_offset[i] = t->ids_len;
    memcpy(t->ids + t->ids_len, id, len);
    t->ids_len += len;
  }
  t->has_ids = true;
  if (t->rows == 0) {
    patron_clv_bgbb_table_free(t);
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "no customer has a purchase on or before the calibration end");
  }
  *out = t;
  return PATRON_OK;
}
