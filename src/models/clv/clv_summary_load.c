/* The CLV summary-table reader: one row per customer with frequency (x), recency (t_x), T
 * and optional monetary_value, as lifetimes and Fader & Hardie publish them. Runs on the
 * loaders' scanner, column resolution (--map, --columns) and reject recording; impossible
 * rows and repeated ids are rejected with file and line, never dropped silently. */
#include "io/load_int.h"
#include "models/clv/clv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { S_CUSTOMER, S_FREQUENCY, S_RECENCY, S_T, S_MONETARY };

typedef struct summary_row {
  uint64_t line, offset;
  uint32_t raw_len, customer; /* local customer index */
  double x, tx, T, m;
} summary_row;

typedef struct summary_worker {
  load_worker base;
  summary_row *rows; /* in file order */
  size_t n, cap;
  double unit_days; /* days per time unit of recency and T */
} summary_worker;

static void summary_reset(void *ctx) {
  summary_worker *w = ctx;
  const load_file *f = w->base.file;
  double unit_days = w->unit_days;
  patron__worker_free(&w->base);
  free(w->rows);
  memset(w, 0, sizeof *w);
  patron__worker_init(&w->base, f);
  w->unit_days = unit_days;
}

bool patron__clv_field_number(const patron__csv_field *v, double *out) {
  char buf[64];
  const char *p = v->ptr;
  size_t len = v->len;
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
  return end == buf + len && isfinite(*out);
}

/* Column of the first impossible value, or -1 when the row is a possible summary.
 * Repeat purchases fall on distinct days after the first, so frequency <= recency in days
 * (with a twentieth of a unit for recency rounded in the file); T spans at most the
 * plausible dates (300 years); spend at most the largest amount. */
static int impossible(const summary_row *r, double unit_days) {
  const double max_days = (double)(PATRON_LAST_PLAUSIBLE_DAY - PATRON_FIRST_PLAUSIBLE_DAY + 1);
  if (r->x < 0 || r->x != floor(r->x) || r->x > max_days)
    return S_FREQUENCY;
  if (r->tx < 0 || (r->x == 0 && r->tx > 0) || r->x > (r->tx + 0.05) * unit_days)
    return S_RECENCY;
  if (r->T < 0 || r->tx > r->T || r->T * unit_days > max_days)
    return S_T;
  if (r->m < 0 || r->m > 9e11)
    return S_MONETARY;
  return -1;
}

static bool summary_row_fn(void *ctx, const patron__csv_record *rec, uint64_t line) {
  summary_worker *w = ctx;
  load_worker *b = &w->base;
  const load_file *f = b->file;
  bool go;
  if (!patron__worker_row_ok(b, rec, line, &go))
    return go;
  const patron__csv_field *cid = &rec->fields[f->field[S_CUSTOMER]];
  if (!cid->len)
    return patron__worker_reject(b, rec, line, S_CUSTOMER, PATRON_REJECT_EMPTY_CUSTOMER_ID);
  summary_row r = {.line = line, .offset = rec->offset, .raw_len = (uint32_t)rec->raw_len};
  double *dst[4] = {&r.x, &r.tx, &r.T, &r.m};
  for (int col = S_FREQUENCY; col <= S_MONETARY; col++)
    if (f->field[col] >= 0 && !patron__clv_field_number(&rec->fields[f->field[col]], dst[col - 1]))
      return patron__worker_reject(b, rec, line, col, PATRON_REJECT_BAD_NUMBER);
  int bad = impossible(&r, w->unit_days);
  if (bad >= 0)
    return patron__worker_reject(b, rec, line, bad, PATRON_REJECT_IMPOSSIBLE_SUMMARY);
  size_t before = b->customers.n;
  r.customer = patron__worker_customer(b, cid);
  if (r.customer == PATRON__NO_INDEX)
    return false;
  if (b->customers.n == before)
    return patron__worker_reject(b, rec, line, S_CUSTOMER, PATRON_REJECT_DUPLICATE_CUSTOMER);
  if (!patron__reserve((void **)&w->rows, &w->cap, w->n + 1, sizeof *w->rows))
    return b->oom = true, false;
  w->rows[w->n++] = r;
  b->rows_used++;
  return true;
}

/* A repeated id found only when merging (its first row was in an earlier worker's range):
 * read its text back from the file for rejects.csv. */
static patron_status reject_late(load_file *f, load_worker *b, const summary_row *r,
                                 patron_error *err) {
  uint32_t len = r->raw_len > 4096 ? 4096 : r->raw_len;
  char *raw = malloc(len + 1);
  if (!raw)
    return PATRON__OOM(err);
  ssize_t got = pread(f->scan.fd, raw, len, (off_t)r->offset);
  patron__csv_record rec = {.raw = raw, .raw_len = got > 0 ? (size_t)got : 0};
  patron__worker_reject(b, &rec, r->line, S_CUSTOMER, PATRON_REJECT_DUPLICATE_CUSTOMER);
  free(raw);
  b->rows_used--;
  return b->oom ? PATRON__OOM(err) : PATRON_OK;
}

typedef struct merged {
  summary_row *rows; /* indexed by dataset customer (first appearance) */
  uint8_t *seen;
  size_t cap;
} merged;

static patron_status merge_worker(patron_dataset *ds, load_file *f, summary_worker *w, merged *m,
                                  patron_error *err) {
  uint32_t *remap = NULL;
  patron_status st = patron__merge_customers(ds, &w->base, &remap, err);
  size_t need = ds->customers.n ? ds->customers.n : 1, old = m->cap;
  if (st == PATRON_OK && need > old) {
    summary_row *rows = realloc(m->rows, need * sizeof *rows);
    uint8_t *seen = rows ? realloc(m->seen, need) : NULL;
    if (rows)
      m->rows = rows;
    if (!seen)
      st = PATRON__OOM(err);
    else
      m->seen = seen, memset(seen + old, 0, need - old), m->cap = need;
  }
  for (size_t i = 0; i < w->n && st == PATRON_OK; i++) {
    uint32_t c = remap[w->rows[i].customer];
    if (m->seen[c]) {
      st = reject_late(f, &w->base, &w->rows[i], err);
      continue;
    }
    m->seen[c] = 1;
    m->rows[c] = w->rows[i];
  }
  free(remap);
  return st;
}

static patron_dataset *holder_new(const char *path) {
  patron_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  ds->max_order_time = INT64_MIN;
  ds->load_as_of = PATRON_NO_DAY;
  ds->paths[PATRON_FILE_ORDERS] = strdup(path);
  ds->reports[PATRON_FILE_ORDERS].path = ds->paths[PATRON_FILE_ORDERS];
  if (!ds->paths[PATRON_FILE_ORDERS]) {
    free(ds);
    return NULL;
  }
  return ds;
}

/* Cohort rows in sorted customer order, after finalize. */
static patron_status build_cohort(patron_dataset *ds, const merged *m, const char **ids,
                                  const uint32_t *lens, size_t n_first, double unit_days,
                                  bool m_present, patron_clv_cohort **out, patron_error *err) {
  size_t n = patron_dataset_n_customers(ds);
  patron_clv_cohort *c = patron__clv_cohort_alloc(n, false, false);
  if (!c)
    return PATRON__OOM(err);
  c->unit_days = unit_days > 0 ? unit_days : 1;
  c->calibration_end = c->holdout_end = PATRON_NO_DAY;
  c->has_monetary = m_present;
  for (size_t i = 0; i < n_first; i++) {
    uint32_t r = patron_dataset_find_customer(ds, ids[i], lens[i]);
    const summary_row *s = &m->rows[i];
    c->customer[r] = r;
    c->x[r] = s->x, c->t_x[r] = s->tx, c->T[r] = s->T, c->monetary[r] = s->m;
  }
  *out = c;
  return PATRON_OK;
}

typedef struct summary_load {
  load_file f;
  summary_worker *w;
  int n;
  patron__scan_worker sw[64];
  merged m;
} summary_load;

static patron_status scan_and_merge(summary_load *L, patron_dataset *ds,
                                    const patron_load_options *opts, double unit_days,
                                    patron_error *err) {
  L->n = patron__load_threads(opts);
  L->w = calloc((size_t)L->n, sizeof *L->w);
  if (!L->w)
    return PATRON__OOM(err);
  for (int i = 0; i < L->n; i++) {
    patron__worker_init(&L->w[i].base, &L->f);
    L->w[i].unit_days = unit_days > 0 ? unit_days : 1;
    L->sw[i].ctx = &L->w[i];
  }
  patron__scan_progress pr = {opts->progress, opts->progress_ctx, "reading summary"};
  patron_status st = patron__scan_run(&L->f.scan, L->sw, L->n, summary_row_fn,
                                      patron__worker_syntax, summary_reset, &pr, err);
  for (int i = 0; i < L->n && st == PATRON_OK; i++)
    st = merge_worker(ds, &L->f, &L->w[i], &L->m, err);
  load_worker *bases[64];
  for (int i = 0; i < L->n; i++)
    bases[i] = &L->w[i].base;
  if (st == PATRON_OK)
    st = patron__merge_reports(ds, &L->f, bases, L->sw, L->n, err);
  return st;
}

static void load_free(summary_load *L) {
  for (int i = 0; L->w && i < L->n; i++) {
    patron__worker_free(&L->w[i].base);
    free(L->w[i].rows);
  }
  free(L->w);
  free(L->m.rows), free(L->m.seen);
  patron__scan_close(&L->f.scan);
}

static patron_status open_summary(summary_load *L, patron_dataset *ds, const char *path,
                                  const patron_load_options *opts, patron_error *err) {
  patron_status st = patron__load_open_path(&L->f, ds, PATRON__FILE_SUMMARY, path, opts, err);
  for (int col = S_CUSTOMER; col <= S_T && st == PATRON_OK; col++)
    st = patron__load_require(&L->f, col, " (a per-customer summary)", err);
  L->f.kind = PATRON_FILE_ORDERS; /* rows and rejects are filed under the holder's orders */
  return st;
}

patron_status patron_clv_summary_load(const patron_load_options *opts, const char *path,
                                      double unit_days, patron_dataset **ds_out,
                                      patron_clv_cohort **out, patron_error *err) {
  *ds_out = NULL;
  *out = NULL;
  if (!path)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "a summary file is required");
  patron_dataset *ds = holder_new(path);
  if (!ds)
    return PATRON__OOM(err);
  summary_load L = {.n = 0};
  patron_status st = open_summary(&L, ds, path, opts, err);
  if (st == PATRON_OK)
    st = scan_and_merge(&L, ds, opts, unit_days, err);
  size_t n_first = ds->customers.n;
  const char **ids = st == PATRON_OK ? malloc((n_first ? n_first : 1) * sizeof *ids) : NULL;
  uint32_t *lens = ids ? malloc((n_first ? n_first : 1) * sizeof *lens) : NULL;
  if (st == PATRON_OK && !lens)
    st = PATRON__OOM(err);
  /* copies: finalize moves the dataset's id texts (packed in id order) */
  patron__arena copies = {0};
  for (size_t i = 0; st == PATRON_OK && i < n_first; i++) {
    lens[i] = ds->customers.len[i];
    if (!(ids[i] = patron__arena_strdup(&copies, ds->customers.str[i], lens[i])))
      st = PATRON__OOM(err);
  }
  if (st == PATRON_OK)
    st = patron__dataset_finalize(ds, err);
  if (st == PATRON_OK)
    st =
        build_cohort(ds, &L.m, ids, lens, n_first, unit_days, L.f.field[S_MONETARY] >= 0, out, err);
  free(ids), free(lens);
  patron__arena_free(&copies);
  load_free(&L);
  if (st != PATRON_OK) {
    patron_dataset_free(ds);
    return st;
  }
  *ds_out = ds;
  return PATRON_OK;
}
