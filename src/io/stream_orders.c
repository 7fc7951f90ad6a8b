/* A sequential orders reader (stream_orders.h): a growing buffer over the stream, records
 * cut by the RFC 4180 tokenizer (csv.c), the columns and bad-input rules of the orders
 * loader (load_orders.c, load_common.c). */
#include "io/stream_orders.h"
#include "io/load_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_CUSTOMER, COL_ORDER, COL_TIME, COL_AMOUNT, N_COLS };
static const char *const col_names[N_COLS] = {"customer_id", "order_id", "order_time", "amount"};
enum { CHUNK = 1u << 20 };

struct patron__order_stream {
  FILE *in;
  const char *path;
  const patron_load_options *opts;
  patron__csv_dialect dialect;
  char *buf;
  size_t cap, start, end; /* unread bytes are buf[start, end) */
  bool eof;
  uint64_t line; /* physical line of the next record (1-based, split-relative) */
  patron__csv_record rec;
  int field[N_COLS];
  size_t n_fields;
  int64_t as_of_seconds;
  bool skip_header; /* --columns: a line equal to the names is a header */
  patron__stream_stats stats;
  bool keep_rejects, hive_nulls;
  patron_reject *rejects;
  size_t n_rejects, cap_rejects;
  patron__arena reject_text;
};

static patron_status read_more(patron__order_stream *s, patron_error *err) {
  if (s->start > 0) {
    memmove(s->buf, s->buf + s->start, s->end - s->start);
    s->end -= s->start;
    s->start = 0;
  }
  if (s->end + CHUNK > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4 * CHUNK;
    char *b = realloc(s->buf, cap);
    if (!b)
      return PATRON__OOM(err);
    s->buf = b, s->cap = cap;
  }
  size_t got = fread(s->buf + s->end, 1, CHUNK, s->in);
  s->end += got;
  if (got < CHUNK) {
    if (ferror(s->in))
      return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0, "cannot read");
    s->eof = true;
  }
  return PATRON_OK;
}

/* Parses the next record; 1 = parsed (status in *why), 0 = end, -1 = error. */
static int next_record(patron__order_stream *s, patron__csv_status *why, patron_error *err) {
  for (;;) {
    if (s->start == s->end && s->eof)
      return 0;
    if (s->start == s->end) { /* nothing buffered (buf may still be NULL): read first */
      if (read_more(s, err) != PATRON_OK)
        return -1;
      continue;
    }
    const char *next = NULL;
    *why =
        patron__csv_parse(&s->dialect, s->buf + s->start, s->buf + s->end, s->eof, &s->rec, &next);
    if (*why == PATRON__CSV_NOMEM)
      return PATRON__OOM(err), -1;
    if (*why != PATRON__CSV_NEED_MORE) {
      s->start = (size_t)(next - s->buf);
      return 1;
    }
    if (s->eof) { /* cannot happen with eof set; never loop on it */
      *why = PATRON__CSV_UNTERMINATED;
      s->start = s->end;
      return 1;
    }
    if (read_more(s, err) != PATRON_OK)
      return -1;
  }
}

/* After a record cut at the tokenizer's window (resync): skips the rest of its line,
 * counting its line break. */
static patron_status skip_rest_of_line(patron__order_stream *s, patron_error *err) {
  for (;;) {
    const char *nl = memchr(s->buf + s->start, '\n', s->end - s->start);
    if (nl) {
      s->start = (size_t)(nl - s->buf) + 1;
      s->line++;
      return PATRON_OK;
    }
    s->start = s->end;
    if (s->eof)
      return PATRON_OK;
    patron_status st = read_more(s, err);
    if (st != PATRON_OK)
      return st;
  }
}

static void trim(const char **p, size_t *len) {
  while (*len && (**p == ' ' || **p == '\t'))
    (*p)++, (*len)--;
  while (*len && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
    (*len)--;
}

/* The header a column is found under (--map NAME=HEADER or orders.NAME=HEADER). */
static const char *mapped(const patron_load_options *o, const char *column) {
  const char *found = column;
  size_t n = strlen(column);
  for (size_t i = 0; i < o->n_maps; i++) {
    const char *m = o->maps[i];
    if (strncmp(m, "orders.", 7) == 0)
      m += 7;
    if (strncmp(m, column, n) == 0 && m[n] == '=')
      found = m + n + 1;
  }
  return found;
}

static int find(const patron__stream_stats *st, const char *want) {
  for (size_t i = 0; i < st->n_columns; i++)
    if (strcmp(st->columns[i], want) == 0)
      return (int)i;
  for (size_t i = 0; i < st->n_columns; i++)
    if (strcasecmp(st->columns[i], want) == 0)
      return (int)i;
  return -1;
}

static bool add_name(patron__stream_stats *st, const char *p, size_t len) {
  trim(&p, &len);
  if (st->n_columns == PATRON__STREAM_COLUMNS)
    return true; /* counted for the first 64 columns, as the loader does */
  char *c = malloc(len + 1);
  if (!c)
    return false;
  memcpy(c, p, len);
  c[len] = '\0';
  st->columns[st->n_columns++] = c;
  return true;
}

static patron_status header(patron__order_stream *s, patron_error *err) {
  const patron_load_options *o = s->opts;
  if (o->columns) {
    for (const char *p = o->columns; p;) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      if (!add_name(&s->stats, p, len))
        return PATRON__OOM(err);
      s->n_fields++;
      p = comma ? comma + 1 : NULL;
    }
    s->skip_header = true;
  } else {
    patron__csv_status why;
    int r = next_record(s, &why, err);
    if (r < 0)
      return err->status;
    if (r == 0 || why != PATRON__CSV_OK || patron__csv_is_blank(&s->rec))
      return patron__error_set(err, PATRON_ERR_INPUT, s->path, 1, 0,
                               "expected a header row (or name the columns with --columns)");
    for (size_t i = 0; i < s->rec.n_fields; i++)
      if (!add_name(&s->stats, s->rec.fields[i].ptr, s->rec.fields[i].len))
        return PATRON__OOM(err);
    s->n_fields = s->rec.n_fields;
    s->stats.header_lines = s->rec.n_lines ? s->rec.n_lines : 1;
    s->line += s->stats.header_lines;
  }
  for (int c = 0; c < N_COLS; c++) {
    const char *want = mapped(o, col_names[c]);
    s->field[c] = find(&s->stats, want);
    if (s->field[c] < 0 && !(c == COL_ORDER && o->order_per_row))
      return patron__error_set(err, PATRON_ERR_INPUT, s->path, o->columns ? 0 : 1, 0,
                               "the orders have no '%s' column%s", want,
                               c == COL_ORDER ? " (or --order-per-row when each row is one order)"
                               : c == COL_AMOUNT
                                   ? " (the streaming reader needs amount; map it with --map "
                                     "amount=HEADER)"
                                   : "");
  }
  return PATRON_OK;
}

patron_status patron__order_stream_open(FILE *in, const char *path, const patron_load_options *opts,
                                        patron__order_stream **out, patron_error *err) {
  *out = NULL;
  patron__order_stream *s = calloc(1, sizeof *s);
  if (!s)
    return PATRON__OOM(err);
  s->in = in, s->path = path, s->opts = opts, s->line = 1;
  s->dialect.delimiter = opts->delimiter ? opts->delimiter : ',';
  s->dialect.max_field_lines = opts->max_field_lines;
  s->dialect.max_field_bytes = opts->max_field_bytes;
  s->as_of_seconds =
      opts->as_of_day == PATRON_NO_DAY ? INT64_MAX : (int64_t)opts->as_of_day * 86400;
  patron_status st = header(s, err);
  if (st != PATRON_OK) {
    patron__order_stream_close(s);
    return st;
  }
  *out = s;
  return PATRON_OK;
}

static bool is_header(const patron__order_stream *s) {
  if (!s->skip_header || s->rec.n_fields != s->stats.n_columns)
    return false;
  for (size_t i = 0; i < s->rec.n_fields; i++) {
    const char *p = s->rec.fields[i].ptr;
    size_t len = s->rec.fields[i].len;
    trim(&p, &len);
    if (strlen(s->stats.columns[i]) != len || memcmp(s->stats.columns[i], p, len) != 0)
      return false;
  }
  return true;
}

static patron_reject_reason syntax_reason(patron__csv_status why) {
  switch (why) {
  case PATRON__CSV_UNTERMINATED: return PATRON_REJECT_UNTERMINATED_QUOTE;
  case PATRON__CSV_STRAY_QUOTE: return PATRON_REJECT_TEXT_AFTER_QUOTE;
  case PATRON__CSV_TOO_MANY_FIELDS: return PATRON_REJECT_TOO_MANY_FIELDS;
  case PATRON__CSV_RUNAWAY_QUOTE: return PATRON_REJECT_RUNAWAY_QUOTE;
  default: return PATRON_REJECT_TOO_LONG;
  }
}

/* Keeps a reject for rejects.csv; false when memory runs out. */
static bool keep(patron__order_stream *s, uint64_t line, int column, patron_reject_reason why) {
  if (!patron__reserve((void **)&s->rejects, &s->cap_rejects, s->n_rejects + 1, sizeof *s->rejects))
    return false;
  size_t len = s->rec.raw_len > 4096 ? 4096 : s->rec.raw_len;
  const char *raw = patron__arena_strdup(&s->reject_text, s->rec.raw ? s->rec.raw : "", len);
  if (!raw)
    return false;
  const char *name = column >= 0 && s->field[column] >= 0 ? s->stats.columns[s->field[column]] : "";
  s->rejects[s->n_rejects++] = (patron_reject){PATRON_FILE_ORDERS, line, name, why, raw, len};
  return true;
}

/* Counts a reject; with strict, the error FILE:LINE: reason. */
static int reject(patron__order_stream *s, uint64_t line, int column, patron_reject_reason why,
                  patron_error *err) {
  s->stats.by_reason[why]++;
  if (s->keep_rejects && !keep(s, line, column, why))
    return PATRON__OOM(err), -1;
  if (!s->opts->strict)
    return 1;
  patron__error_set(err, PATRON_ERR_INPUT, s->path, line, 0, "%s", patron_reject_key(why));
  return -1;
}

static bool parse_time(const patron__order_stream *s, const patron__csv_field *v, int64_t *out) {
  const char *p = v->ptr;
  size_t len = v->len;
  trim(&p, &len);
  if (s->opts->date_format &&
      patron_parse_time_format(p, len, s->opts->date_format, out) == PATRON_OK)
    return true;
  return patron_parse_time(p, len, out) == PATRON_OK;
}

/* Checks one row as the loader does: 1 = usable, 0 = rejected or after as-of, -1 = error. */
static int check_row(patron__order_stream *s, uint64_t line, patron__order_row *row,
                     patron_error *err) {
  patron__csv_field *f = s->rec.fields;
  s->stats.rows_read++;
  if (s->rec.n_fields != s->n_fields)
    return reject(s, line, -1, PATRON_REJECT_FIELD_COUNT, err) < 0 ? -1 : 0;
  for (size_t i = 0; s->hive_nulls && i < s->rec.n_fields; i++)
    if (f[i].len == 2 && f[i].ptr[0] == '\\' && f[i].ptr[1] == 'N')
      f[i].len = 0;
  for (size_t i = 0; i < s->stats.n_columns; i++)
    s->stats.empty[i] += f[i].len == 0;
  const patron__csv_field *cid = &f[s->field[COL_CUSTOMER]];
  const patron__csv_field *oid =
      s->field[COL_ORDER] >= 0 && !s->opts->order_per_row ? &f[s->field[COL_ORDER]] : NULL;
  patron_reject_reason why = PATRON_REJECT_COUNT;
  int col = -1;
  if (!cid->len)
    why = PATRON_REJECT_EMPTY_CUSTOMER_ID, col = COL_CUSTOMER;
  else if (oid && !oid->len)
    why = PATRON_REJECT_EMPTY_ORDER_ID, col = COL_ORDER;
  else if (!parse_time(s, &f[s->field[COL_TIME]], &row->time))
    why = PATRON_REJECT_BAD_DATE, col = COL_TIME;
  else if (!patron__time_plausible(row->time))
    why = PATRON_REJECT_DATE_OUT_OF_RANGE, col = COL_TIME;
  else if (patron_parse_money(f[s->field[COL_AMOUNT]].ptr, f[s->field[COL_AMOUNT]].len,
                              &row->amount) != PATRON_OK)
    why = PATRON_REJECT_BAD_NUMBER, col = COL_AMOUNT;
  if (why != PATRON_REJECT_COUNT)
    return reject(s, line, col, why, err) < 0 ? -1 : 0;
  s->stats.rows_used++;
  if (row->time >= s->as_of_seconds) {
    s->stats.after_as_of++;
    return 0;
  }
  row->customer = cid->ptr, row->customer_len = cid->len;
  row->order = oid ? oid->ptr : NULL, row->order_len = oid ? oid->len : 0;
  return 1;
}

int patron__order_stream_next(patron__order_stream *s, patron__order_row *row, patron_error *err) {
  for (;;) {
    patron__csv_status why;
    int r = next_record(s, &why, err);
    if (r <= 0)
      return r;
    uint64_t line = s->line, n = s->rec.n_lines ? s->rec.n_lines : 1;
    s->line += n;
    if (s->rec.resync && skip_rest_of_line(s, err) != PATRON_OK)
      return -1;
    if (why == PATRON__CSV_OK && patron__csv_is_blank(&s->rec)) {
      s->stats.blank_lines += n;
      continue;
    }
    if (why == PATRON__CSV_OK && is_header(s)) {
      s->stats.header_lines += n;
      continue;
    }
    s->stats.lines_in_quotes += n - 1;
    if (why != PATRON__CSV_OK) {
      s->stats.rows_read++;
      if (reject(s, line, -1, syntax_reason(why), err) < 0)
        return -1;
      continue;
    }
    r = check_row(s, line, row, err);
    if (r != 0)
      return r;
  }
}

const patron__stream_stats *patron__order_stream_stats(const patron__order_stream *s) {
  return &s->stats;
}

void patron__order_stream_keep_rejects(patron__order_stream *s) { s->keep_rejects = true; }

void patron__order_stream_hive_nulls(patron__order_stream *s) { s->hive_nulls = true; }

const patron_reject *patron__order_stream_rejects(const patron__order_stream *s, size_t *n) {
  *n = s->n_rejects;
  return s->rejects;
}

void patron__order_stream_close(patron__order_stream *s) {
  if (!s)
    return;
  free(s->rejects);
  patron__arena_free(&s->reject_text);
  for (size_t i = 0; i < s->stats.n_columns; i++)
    free(s->stats.columns[i]);
  patron__csv_record_free(&s->rec);
  free(s->buf);
  free(s);
}
