/* `patron analyze --spec-only` in one pass over an orders stream (SPEC 15, docs/SCALE.md):
 * the map, shuffle and reduce of the streaming contract inside one process. Rows are read
 * sequentially (io/stream_orders.c), spilled by a hash of customer_id into BUCKETS
 * unlinked temporary files as compact records, then each bucket is read back, sorted by
 * (customer_id, order_id) and reduced to its customers (stream_reduce.c's collapse); the
 * finalize step (stream_finalize.c) writes the outputs. Memory: the customers' base figures
 * and ids, plus one bucket (rows / BUCKETS records); never the rows. */
#include "io/files.h"
#include "io/write_int.h"
#include "ops/stream_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BUCKETS = 256, NO_ORDER = UINT32_MAX };

/* A spilled row: lengths, then the customer and order bytes. */
typedef struct spill_head {
  int64_t time;
  patron_money amount;
  uint32_t customer_len, order_len; /* order_len NO_ORDER: its own order */
} spill_head;

typedef struct spill {
  FILE *f[BUCKETS];
  uint64_t bytes[BUCKETS];
} spill;

static patron_status temp_file(FILE **out, patron_error *err) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/patron-stream-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0)
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0,
                             "cannot create a temporary file: %s (set TMPDIR)", strerror(errno));
  unlink(path);
  if (!(*out = fdopen(fd, "w+b"))) {
    close(fd);
    return PATRON__OOM(err);
  }
  return PATRON_OK;
}

static void spill_close(spill *s) {
  for (int i = 0; i < BUCKETS; i++)
    if (s->f[i])
      fclose(s->f[i]);
}

static bool spill_row(spill *s, const patron__order_row *r) {
  uint32_t b = (uint32_t)(patron__hash_bytes(r->customer, r->customer_len, 7) % BUCKETS);
  spill_head h = {r->time, r->amount, (uint32_t)r->customer_len,
                  r->order ? (uint32_t)r->order_len : NO_ORDER};
  FILE *f = s->f[b];
  size_t order_len = r->order ? r->order_len : 0;
  s->bytes[b] += sizeof h + r->customer_len + order_len;
  return fwrite(&h, sizeof h, 1, f) == 1 &&
         fwrite(r->customer, 1, r->customer_len, f) == r->customer_len &&
         fwrite(r->order ? r->order : "", 1, order_len, f) == order_len;
}

typedef struct bucket_row {
  const char *customer;
  uint32_t customer_len;
  stream_row row;
} bucket_row;

static int cmp_bucket_row(const void *a, const void *b) {
  const bucket_row *x = a, *y = b;
  uint32_t n = x->customer_len < y->customer_len ? x->customer_len : y->customer_len;
  int c = memcmp(x->customer, y->customer, n);
  return c ? c : (x->customer_len > y->customer_len) - (x->customer_len < y->customer_len);
}

typedef struct bucket {
  char *data;
  bucket_row *rows;
  stream_row *group;
  size_t n_rows, cap_rows, cap_group;
  stream_scratch scratch;
} bucket;

static void bucket_free(bucket *b) {
  free(b->data);
  free(b->rows);
  free(b->group);
  patron__stream_scratch_free(&b->scratch);
}

/* Reads bucket file f (bytes long) into b->rows. */
static patron_status read_bucket(bucket *b, FILE *f, uint64_t bytes, patron_error *err) {
  free(b->data);
  if (!(b->data = malloc(bytes ? bytes : 1)))
    return PATRON__OOM(err);
  if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0 || fread(b->data, 1, bytes, f) != bytes)
    return patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0,
                             "cannot read back a temporary file: %s", strerror(errno));
  b->n_rows = 0;
  for (uint64_t at = 0; at < bytes;) {
    spill_head h;
    memcpy(&h, b->data + at, sizeof h);
    at += sizeof h;
    if (!patron__reserve((void **)&b->rows, &b->cap_rows, b->n_rows + 1, sizeof *b->rows))
      return PATRON__OOM(err);
    bucket_row *r = &b->rows[b->n_rows++];
    r->customer = b->data + at, r->customer_len = h.customer_len;
    at += h.customer_len;
    bool own = h.order_len == NO_ORDER;
    r->row = (stream_row){own ? NULL : b->data + at, own ? 0 : h.order_len, h.time, h.amount};
    at += own ? 0 : h.order_len;
  }
  return PATRON_OK;
}

/* Reduces a read bucket: its customers into z (with their partial summary). */
static patron_status reduce_bucket(bucket *b, stream_final *z, patron_error *err) {
  if (b->n_rows > 1) /* qsort wants a valid pointer even for none */
    qsort(b->rows, b->n_rows, sizeof *b->rows, cmp_bucket_row);
  for (size_t i = 0, j; i < b->n_rows; i = j) {
    for (j = i + 1; j < b->n_rows && cmp_bucket_row(&b->rows[i], &b->rows[j]) == 0; j++)
      ;
    if (!patron__reserve((void **)&b->group, &b->cap_group, j - i, sizeof *b->group))
      return PATRON__OOM(err);
    for (size_t k = i; k < j; k++)
      b->group[k - i] = b->rows[k].row;
    patron__seg_customer c;
    int32_t max_day;
    int64_t x;
    if (!patron__stream_customer(b->group, j - i, &b->scratch, &c, &max_day, &x) ||
        !patron__final_add(z, b->rows[i].customer, b->rows[i].customer_len, &c) ||
        !patron__seg_partial_add(z->partial, &c))
      return PATRON__OOM(err);
    patron__seg_partial_note_day(z->partial, max_day);
  }
  return PATRON_OK;
}

/* Reads every row into the buckets; checks the money range as the loader does. */
static patron_status spill_all(patron__order_stream *s, spill *sp, const char *path,
                               patron_error *err) {
  patron_status st = PATRON_OK;
  for (int i = 0; i < BUCKETS && st == PATRON_OK; i++)
    st = temp_file(&sp->f[i], err);
  patron__order_row row;
  unsigned __int128 abs_total = 0;
  int r = 0;
  while (st == PATRON_OK && (r = patron__order_stream_next(s, &row, err)) > 0) {
    abs_total += (unsigned __int128)(row.amount < 0 ? -(__int128)row.amount : row.amount);
    if (!spill_row(sp, &row))
      st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0,
                             "cannot write a temporary file: %s (set TMPDIR to a roomier disk)",
                             strerror(errno));
  }
  if (st == PATRON_OK && r < 0)
    st = err->status;
  if (st == PATRON_OK && abs_total > (unsigned __int128)INT64_MAX)
    st = patron__error_set(err, PATRON_ERR_INPUT, path, 0, 0,
                           "the amounts add up to more than 922,337,203,685,477.5807 in absolute "
                           "value, past the range of exact money sums; check the amount column");
  return st;
}

static void report_of(const patron__stream_stats *s, const char *path, patron_file_report *r) {
  *r = (patron_file_report){.present = true, .path = path};
  r->rows_read = s->rows_read, r->rows_used = s->rows_used, r->after_as_of = s->after_as_of;
  r->blank_lines = s->blank_lines, r->lines_in_quotes = s->lines_in_quotes;
  for (int k = 0; k < PATRON_REJECT_COUNT; k++)
    r->rows_rejected += r->rejected_by_reason[k] = s->by_reason[k];
  r->lines_read = s->header_lines + s->rows_read + s->blank_lines + s->lines_in_quotes;
  r->n_columns = s->n_columns < PATRON_EMPTY_COLUMNS ? s->n_columns : PATRON_EMPTY_COLUMNS;
  for (size_t i = 0; i < r->n_columns; i++)
    r->columns[i] = s->columns[i], r->empty_cells[i] = s->empty[i];
}

/* rejects.csv when rows were rejected; a stale one from an earlier run is removed. */
static patron_status write_rejects(const char *dir, const char *path, patron__order_stream *s,
                                   patron_error *err) {
  char out[4096];
  patron_status st = patron__path_join(out, sizeof out, dir, "rejects.csv", err);
  size_t n;
  const patron_reject *r = patron__order_stream_rejects(s, &n);
  if (st == PATRON_OK && n)
    return patron__write_rejects_list(out, path, r, n, err);
  if (st == PATRON_OK)
    unlink(out);
  return st;
}

patron_status patron_stream_analyze(FILE *in, const char *path, const patron_load_options *lo,
                                    const patron_profile_options *po, const char *dir,
                                    patron_stream_result *res, patron_error *err) {
  patron__order_stream *s = NULL;
  patron_status st = patron__order_stream_open(in, path, lo, &s, err);
  spill sp = {0};
  bucket b = {0};
  stream_final z = {.partial = patron__seg_partial_new()};
  if (st == PATRON_OK && !z.partial)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    patron__order_stream_keep_rejects(s);
    st = spill_all(s, &sp, path, err);
  }
  for (int i = 0; i < BUCKETS && st == PATRON_OK; i++) {
    if ((st = read_bucket(&b, sp.f[i], sp.bytes[i], err)) == PATRON_OK)
      st = reduce_bucket(&b, &z, err);
    fclose(sp.f[i]); /* frees its disk space at once */
    sp.f[i] = NULL;
  }
  bucket_free(&b);
  patron_file_report rep;
  if (st == PATRON_OK) {
    report_of(patron__order_stream_stats(s), path, &rep);
    st = patron__final_write(&z, dir, po, &rep, res, err);
  }
  if (st == PATRON_OK)
    st = write_rejects(dir, path, s, err);
  spill_close(&sp);
  patron__final_free(&z);
  patron__order_stream_close(s);
  return st;
}
