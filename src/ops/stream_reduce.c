/* `patron reduce` (SPEC 15, docs/SCALE.md): map lines sorted by customer_id to one line per
 * customer with the base figures of SPEC section 3 (rows of one order_id summed into one
 * order, dated by its earliest row), then the reducer's partial summary (seg_merge.h) and
 * the merged counts, both under the empty key. */
#include "models/segment/seg_merge.h"
#include "ops/stream_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct reducer {
  FILE *out;
  patron__seg_partial *partial;
  stream_counts counts;
  char *customer; /* the current customer's raw (escaped) key */
  size_t customer_len, customer_cap;
  stream_row *rows;
  size_t n_rows, cap_rows;
  patron__arena orders; /* the current customer's order ids */
  stream_scratch scratch;
  clv_triples triples;
  uint64_t customers;
} reducer;

static int cmp_row(const void *a, const void *b) {
  const stream_row *x = a, *y = b;
  if (!x->order || !y->order)
    return (x->order != NULL) - (y->order != NULL);
  size_t n = x->order_len < y->order_len ? x->order_len : y->order_len;
  int c = memcmp(x->order, y->order, n);
  return c ? c : (x->order_len > y->order_len) - (x->order_len < y->order_len);
}

static int32_t day_of(int64_t t) { return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400)); }

static int cmp_day(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Distinct purchase days after the first: the orders' days with value > 0, sorted. */
static int64_t repeat_days_of(stream_scratch *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s->value[i] > 0)
      s->day[k++] = s->day[i];
  if (k > 1) /* qsort wants a valid pointer even for none */
    qsort(s->day, k, sizeof *s->day, cmp_day);
  int64_t distinct = 0;
  for (size_t i = 0; i < k; i++)
    distinct += !i || s->day[i] != s->day[i - 1];
  return distinct ? distinct - 1 : 0;
}

bool patron__stream_customer(stream_row *rows, size_t n_rows, stream_scratch *s,
                             patron__seg_customer *c, int32_t *max_day, int64_t *repeat_days) {
  if (n_rows > 1) /* qsort wants a valid pointer even for none */
    qsort(rows, n_rows, sizeof *rows, cmp_row);
  if (n_rows > s->cap) {
    int32_t *d = realloc(s->day, n_rows * sizeof *d);
    if (d)
      s->day = d;
    patron_money *v = realloc(s->value, n_rows * sizeof *v);
    if (v)
      s->value = v;
    if (!d || !v)
      return false;
    s->cap = n_rows;
  }
  size_t n = 0;
  int64_t max_time = INT64_MIN, t0 = 0;
  for (size_t i = 0; i < n_rows; i++) {
    const stream_row *m = &rows[i];
    if (!(i && m->order && cmp_row(m, &rows[i - 1]) == 0))
      s->value[n] = 0, t0 = m->time, n++;
    t0 = m->time < t0 ? m->time : t0;
    s->value[n - 1] += m->amount;
    s->day[n - 1] = day_of(t0);
    max_time = m->time > max_time ? m->time : max_time;
  }
  patron__seg_customer_of(s->day, s->value, n, c);
  *max_day = day_of(max_time);
  *repeat_days = repeat_days_of(s, n);
  return true;
}

void patron__stream_scratch_free(stream_scratch *s) {
  free(s->day);
  free(s->value);
  *s = (stream_scratch){0};
}

static void put_day(FILE *out, int32_t day) {
  char text[16];
  if (day == PATRON_NO_DAY) {
    fputs("\\N", out);
    return;
  }
  patron_format_day(day, text);
  fputs(text, out);
}

static void put_money(FILE *out, patron_money v) {
  uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  fprintf(out, "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "", a / 10000, a % 10000);
}

/* Collapses the current customer's rows into orders and writes its line. */
static bool flush_customer(reducer *r) {
  if (!r->n_rows)
    return true;
  patron__seg_customer c;
  int32_t max_day;
  int64_t x;
  if (!patron__stream_customer(r->rows, r->n_rows, &r->scratch, &c, &max_day, &x) ||
      (c.frequency > 0 && !patron__triples_add(&r->triples, x, c.first_day, c.last_day, 1)))
    return false;
  patron__seg_partial_note_day(r->partial, max_day);
  fwrite(r->customer, 1, r->customer_len, r->out);
  fputc('\t', r->out);
  put_day(r->out, c.first_day);
  fputc('\t', r->out);
  put_day(r->out, c.last_day);
  fprintf(r->out, "\t%" PRId64 "\t", c.frequency);
  put_money(r->out, c.monetary);
  fputc('\t', r->out);
  if (c.frequency)
    put_money(r->out, c.aov);
  else
    fputs("\\N", r->out);
  fprintf(r->out, "\t%" PRId64 "\n", x);
  r->n_rows = 0;
  patron__arena_free(&r->orders);
  r->customers++;
  return patron__seg_partial_add(r->partial, &c);
}

static patron_status bad_line(patron_error *err, uint64_t line, const char *why) {
  return patron__error_set(err, PATRON_ERR_INPUT, "<stdin>", line, 0, "%s", why);
}

/* One map line: a row of the current (or a new) customer, or counts. */
static patron_status reduce_line(reducer *r, const char *line, size_t len, uint64_t no,
                                 patron_error *err) {
  if (len && line[0] == '\t') { /* the empty key: counts of a split */
    if (patron__counts_parse(&r->counts, line, len))
      return PATRON_OK;
    return bad_line(err, no, "malformed counts line (expected the output of patron map)");
  }
  patron__tsv_field f[PATRON__TSV_MAX_FIELDS];
  size_t n = patron__tsv_split(line, len, f, PATRON__TSV_MAX_FIELDS);
  int64_t t, amount;
  if (n != 4 || !f[0].ptr || !f[0].len || (f[1].ptr && !f[1].len) || !patron__tsv_i64(&f[2], &t) ||
      !f[3].ptr || patron_parse_money(f[3].ptr, f[3].len, &amount) != PATRON_OK)
    return bad_line(err, no,
                    "expected customer_id, order_id, epoch seconds and amount (patron map)");
  if (r->customer_len != f[0].len || memcmp(r->customer, f[0].ptr, f[0].len) != 0) {
    if (!flush_customer(r))
      return PATRON__OOM(err);
    if (r->customers && r->customer_len) {
      size_t m = r->customer_len < f[0].len ? r->customer_len : f[0].len;
      int c = memcmp(r->customer, f[0].ptr, m);
      if (c > 0 || (c == 0 && r->customer_len > f[0].len))
        return bad_line(err, no,
                        "the input is not sorted by customer_id (sort it with LC_ALL=C sort "
                        "-t$'\\t' -k1,1)");
    }
    if (!patron__reserve((void **)&r->customer, &r->customer_cap, f[0].len, 1))
      return PATRON__OOM(err);
    memcpy(r->customer, f[0].ptr, f[0].len);
    r->customer_len = f[0].len;
  }
  if (!patron__reserve((void **)&r->rows, &r->cap_rows, r->n_rows + 1, sizeof *r->rows))
    return PATRON__OOM(err);
  const char *order = f[1].ptr ? patron__arena_strdup(&r->orders, f[1].ptr, f[1].len) : NULL;
  if (f[1].ptr && !order)
    return PATRON__OOM(err);
  r->rows[r->n_rows++] = (stream_row){order, f[1].len, t, amount};
  return PATRON_OK;
}

patron_status patron_stream_reduce(FILE *in, FILE *out, FILE *counters, patron_error *err) {
  reducer r = {.out = out, .partial = patron__seg_partial_new()};
  if (!r.partial)
    return PATRON__OOM(err);
  stream_lines lines = {.in = in};
  patron_status st = PATRON_OK;
  const char *line;
  size_t len;
  bool io_error = false;
  while (st == PATRON_OK && (line = patron__lines_next(&lines, &len, &io_error)))
    st = reduce_line(&r, line, len, lines.line, err);
  if (st == PATRON_OK && io_error)
    st = patron__error_set(err, PATRON_ERR_IO, "<stdin>", 0, 0, "cannot read");
  if (st == PATRON_OK && !flush_customer(&r))
    st = PATRON__OOM(err);
  char *text = NULL;
  if (st == PATRON_OK && !(text = patron__seg_partial_format(r.partial, &len)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    fprintf(out, "\tG\t%s\n", text);
    patron__counts_write(out, &r.counts);
    patron__triples_merge(&r.triples);
    patron__triples_write(out, &r.triples);
    stream_counts mine = {0};
    if (patron__counts_add(&mine, "customers", 9, r.customers))
      patron__counts_report(counters, &mine);
    patron__counts_free(&mine);
    if (fflush(out) != 0 || ferror(out))
      st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot write the output");
  }
  free(text);
  free(lines.buf);
  free(r.customer);
  free(r.rows);
  patron__stream_scratch_free(&r.scratch);
  patron__triples_free(&r.triples);
  patron__arena_free(&r.orders);
  patron__counts_free(&r.counts);
  patron__seg_partial_free(r.partial);
  return st;
}
