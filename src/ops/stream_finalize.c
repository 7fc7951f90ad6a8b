/* `patron finalize` (SPEC 15, docs/SCALE.md): every reducer's output, concatenated in any
 * order, to profiles.csv, segments.csv and summary.json equal to `patron analyze
 * --spec-only`'s. The reducers' partial summaries are merged (pass 1), the money cuts are
 * refined over the customers of the selected buckets (pass 2), and each customer is
 * labelled by patron__seg_label (seg_merge.h); the rows are then sorted by customer_id. */
#include "io/files.h"
#include "io/write_int.h"
#include "models/segment/seg_merge.h"
#include "models/segment/segment_int.h"
#include "ops/stream_int.h"
#include "patron/output.h"
#include "patron/run.h"

#include <stdlib.h>
#include <string.h>

bool patron__final_add(stream_final *z, const char *id, size_t len, const patron__seg_customer *c) {
  if (!patron__reserve((void **)&z->rows, &z->cap, z->n + 1, sizeof *z->rows))
    return false;
  const char *copy = patron__arena_strdup(&z->ids, id, len);
  if (!copy)
    return false;
  z->rows[z->n++] = (stream_customer){copy, len, *c};
  return true;
}

void patron__final_free(stream_final *z) {
  patron__triples_free(&z->triples);
  patron__seg_partial_free(z->partial);
  patron__counts_free(&z->counts);
  free(z->rows);
  patron__arena_free(&z->ids);
  *z = (stream_final){0};
}

static patron_status bad(patron_error *err, size_t input, uint64_t line, const char *why) {
  char name[32];
  snprintf(name, sizeof name, "<input %zu>", input + 1);
  return patron__error_set(err, PATRON_ERR_INPUT, name, line, 0, "%s", why);
}

static bool day_field(const patron__tsv_field *f, int32_t *day) {
  if (!f->ptr)
    return *day = PATRON_NO_DAY, true;
  return patron_parse_day(f->ptr, f->len, day) == PATRON_OK;
}

static bool money_field(const patron__tsv_field *f, patron_money *v) {
  return f->ptr && patron_parse_money(f->ptr, f->len, v) == PATRON_OK;
}

static patron_status customer_line(stream_final *z, const patron__tsv_field *f, size_t n,
                                   patron_error *err) {
  patron__seg_customer c = {0};
  char id[4096];
  size_t len = n == 7 ? patron__tsv_unescape(&f[0], id, sizeof id) : (size_t)-1;
  int64_t x;
  if (len != (size_t)-1 && (!patron__tsv_i64(&f[6], &x) || x < 0))
    return PATRON_ERR_INPUT;
  if (len == (size_t)-1 || !len || !day_field(&f[1], &c.first_day) ||
      !day_field(&f[2], &c.last_day) || !patron__tsv_i64(&f[3], &c.frequency) || c.frequency < 0 ||
      !money_field(&f[4], &c.monetary) || (c.frequency > 0) != (f[5].ptr != NULL) ||
      (c.frequency > 0 && (!money_field(&f[5], &c.aov) || c.first_day == PATRON_NO_DAY ||
                           c.last_day == PATRON_NO_DAY)))
    return PATRON_ERR_INPUT;
  return patron__final_add(z, id, len, &c) ? PATRON_OK : PATRON__OOM(err);
}

static patron_status read_line(stream_final *z, const char *line, size_t len, patron_error *err) {
  if (len >= 3 && line[0] == '\t' && line[1] == 'G' && line[2] == '\t')
    return patron__seg_partial_parse(z->partial, line + 3, len - 3, err);
  if (len >= 8 && memcmp(line, "\tC\tclv1\t", 8) == 0)
    return patron__triples_parse(&z->triples, line + 8, len - 8) ? PATRON_OK : PATRON_ERR_INPUT;
  if (patron__counts_is_line(line, len))
    return patron__counts_parse(&z->counts, line, len) ? PATRON_OK : PATRON_ERR_INPUT;
  patron__tsv_field f[PATRON__TSV_MAX_FIELDS];
  size_t n = patron__tsv_split(line, len, f, PATRON__TSV_MAX_FIELDS);
  return customer_line(z, f, n, err);
}

static patron_status read_all(stream_final *z, FILE *const *ins, size_t n, patron_error *err) {
  for (size_t i = 0; i < n; i++) {
    stream_lines lines = {.in = ins[i]};
    const char *line;
    size_t len;
    bool io_error = false;
    patron_status st = PATRON_OK;
    while (st == PATRON_OK && (line = patron__lines_next(&lines, &len, &io_error)))
      if (len && (st = read_line(z, line, len, err)) == PATRON_ERR_INPUT)
        st = bad(err, i, lines.line,
                 "expected a customer line or a partial summary of patron reduce");
    free(lines.buf);
    if (st == PATRON_OK && io_error)
      st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot read input %zu", i + 1);
    if (st != PATRON_OK)
      return st;
  }
  if (patron__seg_partial_customers(z->partial) != z->n)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the partial summaries count %llu customers but %zu customer lines "
                             "were read: give finalize every reducer's whole output",
                             (unsigned long long)patron__seg_partial_customers(z->partial), z->n);
  return PATRON_OK;
}

static int cmp_row(const void *a, const void *b) {
  const stream_customer *x = a, *y = b;
  size_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
  int c = memcmp(x->id, y->id, n);
  return c ? c : (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

/* The exact cuts: pass 2 over every customer, then finish. */
static patron_status plan_of(stream_final *z, const patron_profile_options *o,
                             patron__seg_plan **plan, patron_error *err) {
  patron_status st = patron__seg_plan_new(z->partial, o, plan, err);
  if (st != PATRON_OK)
    return st;
  patron__seg_refine *r = patron__seg_refine_new(*plan);
  st = r ? PATRON_OK : PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < z->n; i++)
    if (!patron__seg_refine_add(r, z->rows[i].id, z->rows[i].id_len, &z->rows[i].c))
      st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron__seg_plan_finish(*plan, r, err);
  patron__seg_refine_free(r);
  return st;
}

typedef struct columns {
  const char **id;
  int32_t *first, *last;
  int64_t *recency, *frequency, *tenure, *r, *f, *m, *cell, *score;
  patron_money *monetary, *aov;
  int32_t *cls, *seg, *quad, *abc, *life;
} columns;

static patron_status add_columns(patron_table *t, columns *c, patron_error *err) {
  struct {
    const char *name;
    patron_col_type type;
    void **data;
  } spec[] = {
      {"customer_id", PATRON_COL_STRING, (void **)&c->id},
      {"first_purchase", PATRON_COL_DATE, (void **)&c->first},
      {"last_purchase", PATRON_COL_DATE, (void **)&c->last},
      {"recency_days", PATRON_COL_INT, (void **)&c->recency},
      {"frequency", PATRON_COL_INT, (void **)&c->frequency},
      {"monetary", PATRON_COL_MONEY, (void **)&c->monetary},
      {"avg_order_value", PATRON_COL_MONEY, (void **)&c->aov},
      {"tenure_days", PATRON_COL_INT, (void **)&c->tenure},
      {"r_score", PATRON_COL_INT, (void **)&c->r},
      {"f_score", PATRON_COL_INT, (void **)&c->f},
      {"m_score", PATRON_COL_INT, (void **)&c->m},
      {"rfm_cell", PATRON_COL_INT, (void **)&c->cell},
      {"rfm_score", PATRON_COL_INT, (void **)&c->score},
  };
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < sizeof spec / sizeof *spec; i++)
    st = patron_table_add(t, spec[i].name, spec[i].type, spec[i].data, err);
  if (st == PATRON_OK)
    st = patron__rfm_class_column(t, &c->cls, err);
  if (st == PATRON_OK)
    st = patron__segment_column(t, &c->seg, err);
  if (st == PATRON_OK)
    st = patron__quadrant_column(t, &c->quad, err);
  if (st == PATRON_OK)
    st = patron__abc_column(t, &c->abc, err);
  if (st == PATRON_OK)
    st = patron__lifecycle_column(t, &c->life, err);
  return st;
}

static void fill_row(const columns *c, size_t i, const stream_customer *row,
                     const patron__seg_plan *plan) {
  patron__seg_labels l;
  patron__seg_label(plan, row->id, row->id_len, &row->c, &l);
  c->id[i] = row->id;
  c->life[i] = l.lifecycle;
  if (row->c.frequency <= 0)
    return;
  c->first[i] = row->c.first_day, c->last[i] = row->c.last_day;
  c->recency[i] = l.recency, c->tenure[i] = l.tenure, c->frequency[i] = row->c.frequency;
  c->monetary[i] = row->c.monetary, c->aov[i] = row->c.aov;
  c->r[i] = l.r, c->f[i] = l.f, c->m[i] = l.m, c->cell[i] = l.cell, c->score[i] = l.score;
  c->cls[i] = l.rfm_class, c->seg[i] = l.segment, c->quad[i] = l.quadrant, c->abc[i] = l.abc;
}

/* The orders report of summary.json from the merged counts. */
static void orders_report(const stream_counts *c, const char *path, patron_file_report *r) {
  *r = (patron_file_report){.present = true, .path = path};
  r->rows_read = patron__counts_get(c, "rows_read");
  r->rows_used = patron__counts_get(c, "rows_used");
  r->after_as_of = patron__counts_get(c, "after_as_of");
  r->blank_lines = patron__counts_get(c, "blank_lines");
  r->lines_in_quotes = patron__counts_get(c, "lines_in_quotes");
  for (int k = 0; k < PATRON_REJECT_COUNT; k++) {
    char key[96];
    snprintf(key, sizeof key, "rejected.%s", patron_reject_key((patron_reject_reason)k));
    r->rejected_by_reason[k] = patron__counts_get(c, key);
    r->rows_rejected += r->rejected_by_reason[k];
  }
  uint64_t header = patron__counts_get(c, "header_lines") ? 1 : 0; /* one header, if any */
  r->lines_read = header + r->rows_read + r->blank_lines + r->lines_in_quotes;
  for (size_t i = 0; i < c->n && r->n_columns < PATRON_EMPTY_COLUMNS; i++)
    if (strncmp(c->key[i], "empty.", 6) == 0) {
      r->columns[r->n_columns] = c->key[i] + 6;
      r->empty_cells[r->n_columns++] = c->value[i];
    }
}

static patron_status write_summary(const char *dir, const patron_file_report *rep,
                                   const patron_profile_stats *stats, int32_t as_of,
                                   patron_error *err) {
  char path[4096];
  patron_status st = patron__path_join(path, sizeof path, dir, "summary.json", err);
  patron_run run;
  patron_run_init(&run);
  patron_sink *s = NULL;
  if (st == PATRON_OK)
    st = patron_sink_file(path, NULL, &s, err);
  if (st == PATRON_OK)
    st = patron__write_orders_summary_json_to(rep, as_of, stats, &run, s, err);
  if (st == PATRON_OK)
    st = patron_sink_close(s, err);
  else
    patron_sink_abort(s);
  patron_run_free_contents(&run);
  return st;
}

static patron_status write_tables(const char *dir, stream_final *z, const patron__seg_plan *plan,
                                  patron_segment_row **seg, size_t *n_seg, patron_error *err) {
  if (z->n > 1) /* qsort wants a valid pointer even for none */
    qsort(z->rows, z->n, sizeof *z->rows, cmp_row);
  patron_table *t = patron_table_new(z->n);
  columns c;
  patron_status st = t ? add_columns(t, &c, err) : PATRON__OOM(err);
  for (size_t i = 0; st == PATRON_OK && i < z->n; i++)
    fill_row(&c, i, &z->rows[i], plan);
  char path[4096];
  if (st == PATRON_OK &&
      (st = patron__path_join(path, sizeof path, dir, "profiles.csv", err)) == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  if (st == PATRON_OK)
    st = patron_segment_report(t, seg, n_seg, err);
  if (st == PATRON_OK &&
      (st = patron__path_join(path, sizeof path, dir, "segments.csv", err)) == PATRON_OK)
    st = patron_write_segments_csv(*seg, *n_seg, path, err);
  patron_table_free(t);
  return st;
}

patron_status patron__final_write(stream_final *z, const char *dir, const patron_profile_options *o,
                                  const patron_file_report *orders, patron_stream_result *res,
                                  patron_error *err) {
  patron__seg_plan *plan = NULL;
  patron_segment_row *seg = NULL;
  size_t n_seg = 0;
  patron_status st = plan_of(z, o, &plan, err);
  if (st == PATRON_OK)
    st = write_tables(dir, z, plan, &seg, &n_seg, err);
  patron_profile_stats stats;
  if (st == PATRON_OK) {
    patron__seg_plan_stats(plan, &stats);
    st = write_summary(dir, orders, &stats, patron__seg_plan_as_of(plan), err);
  }
  if (st == PATRON_OK && res) {
    *res = (patron_stream_result){patron__seg_plan_as_of(plan), stats, *orders, seg, n_seg};
    res->orders.n_columns = 0;
    seg = NULL;
  }
  free(seg);
  patron__seg_plan_free(plan);
  return st;
}

/* The purchase model fitted once on the merged triples, calibration end D = as_of - 1. */
static patron_status fit_clv(stream_final *z, const patron_stream_clv *clv, int32_t as_of,
                             patron_error *err) {
  patron__triples_merge(&z->triples);
  size_t n = z->triples.n;
  double *col = malloc(4 * (n ? n : 1) * sizeof *col);
  if (!col)
    return PATRON__OOM(err);
  double u = clv->unit_days > 0 ? clv->unit_days : 1;
  int32_t d = as_of - 1;
  for (size_t i = 0; i < n; i++) {
    const clv_triple *t = &z->triples.t[i];
    col[i] = (double)t->x;
    col[n + i] = (t->last - t->first) / u;
    col[2 * n + i] = (d - t->first) / u;
    col[3 * n + i] = (double)t->count;
  }
  patron_clv_data data = {n, col, col + n, col + 2 * n, col + 3 * n, NULL};
  patron_clv_model *m = NULL;
  patron_clv_fit_options fo = {0};
  patron_status st = patron_clv_fit(clv->kind, &data, &fo, &m, err);
  char *json = st == PATRON_OK ? patron_clv_fit_to_json(m, NULL, u, d) : NULL;
  if (st == PATRON_OK && !json)
    st = PATRON__OOM(err);
  patron_sink *s = NULL;
  if (st == PATRON_OK)
    st = patron_sink_file(clv->model_path, NULL, &s, err);
  if (st == PATRON_OK && (st = patron_sink_write(s, json, strlen(json), err)) == PATRON_OK)
    st = patron_sink_close(s, err);
  else if (s)
    patron_sink_abort(s);
  free(json);
  free(col);
  patron_clv_model_free(m);
  return st;
}

patron_status patron_stream_finalize(FILE *const *ins, size_t n, const char *dir,
                                     const patron_profile_options *o, const char *orders_path,
                                     const patron_stream_clv *clv, FILE *counters,
                                     patron_error *err) {
  stream_final z = {.partial = patron__seg_partial_new()};
  patron_status st = z.partial ? read_all(&z, ins, n, err) : PATRON__OOM(err);
  patron_file_report rep;
  orders_report(&z.counts, orders_path ? orders_path : "-", &rep);
  patron_stream_result res = {0};
  if (st == PATRON_OK)
    st = patron__final_write(&z, dir, o, &rep, &res, err);
  free(res.segments);
  if (st == PATRON_OK && clv)
    st = fit_clv(&z, clv, res.as_of, err);
  if (st == PATRON_OK)
    patron__counts_report(counters, &z.counts);
  patron__final_free(&z);
  return st;
}
