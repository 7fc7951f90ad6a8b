/* Readers of experiment files (include/patron/experiment.h): a list of customer ids for
 * `experiment assign --ids`, and an assignment file (customer_id,arm[,bucket]) for
 * `experiment evaluate --assignments`. RFC 4180 via the project's tokenizer; a bad row is an
 * error naming file and line (these files drive decisions: nothing is skipped silently). */
#include "core/assign_int.h"
#include "core/intern.h"
#include "io/io_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text_file {
  const char *path;
  char *data;
  size_t len;
} text_file;

static patron_status read_all(text_file *f, patron_error *err) {
  FILE *fp = fopen(f->path, "rb");
  if (!fp)
    return patron__error_set(err, PATRON_ERR_IO, f->path, 0, 0, "cannot open: %s", strerror(errno));
  size_t cap = 1 << 16;
  f->data = malloc(cap);
  f->len = 0;
  size_t got;
  while (f->data && (got = fread(f->data + f->len, 1, cap - f->len, fp)) > 0) {
    f->len += got;
    if (f->len == cap) {
      char *bigger = realloc(f->data, cap *= 2);
      if (!bigger)
        free(f->data);
      f->data = bigger;
    }
  }
  bool bad = ferror(fp);
  fclose(fp);
  if (!f->data)
    return PATRON__OOM(err);
  if (bad)
    return patron__error_set(err, PATRON_ERR_IO, f->path, 0, 0, "read error");
  return PATRON_OK;
}

/* Row callback: the record's fields and its physical line. */
typedef patron_status (*row_fn)(void *ctx, const patron__csv_record *rec, uint64_t line,
                                patron_error *err);

typedef struct reader {
  text_file file;
  const char *const *want; /* column names looked up in the header */
  int n_want;
  int col[4];          /* field index of each wanted column, -1 when absent */
  bool first_fallback; /* the first wanted column, when absent, is the file's first */
} reader;

static patron_status header(reader *r, const patron__csv_record *rec, patron_error *err) {
  for (int k = 0; k < r->n_want; k++) {
    r->col[k] = -1;
    for (size_t i = 0; i < rec->n_fields; i++)
      if (rec->fields[i].len == strlen(r->want[k]) &&
          memcmp(rec->fields[i].ptr, r->want[k], rec->fields[i].len) == 0)
        r->col[k] = (int)i;
  }
  if (r->first_fallback && r->col[0] < 0)
    r->col[0] = 0;
  if (rec->n_fields == 0 || (rec->n_fields == 1 && rec->fields[0].len == 0))
    return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, 1, 0, "empty header");
  return PATRON_OK;
}

static const char *csv_problem(patron__csv_status s) {
  switch (s) {
  case PATRON__CSV_UNTERMINATED: return "unterminated quoted field";
  case PATRON__CSV_STRAY_QUOTE: return "text after a closing quote";
  case PATRON__CSV_TOO_MANY_FIELDS: return "too many fields";
  default: return "record too long";
  }
}

static patron_status each_row(reader *r, row_fn fn, void *ctx, patron_error *err) {
  patron_status st = read_all(&r->file, err);
  if (st != PATRON_OK)
    return st;
  const char *p = r->file.data, *end = p + r->file.len, *next;
  if (r->file.len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  if (p == end)
    return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, 0, 0,
                             "empty file: expected a header row");
  patron__csv_dialect d = {.delimiter = ','};
  patron__csv_record rec = {0};
  uint64_t line = 1;
  for (bool first = true; st == PATRON_OK && p < end; first = false, p = next) {
    patron__csv_status cs = patron__csv_parse(&d, p, end, true, &rec, &next);
    if (cs == PATRON__CSV_NOMEM)
      st = PATRON__OOM(err);
    else if (cs != PATRON__CSV_OK)
      st = patron__error_set(err, PATRON_ERR_INPUT, r->file.path, line, 0, "%s", csv_problem(cs));
    else if (first)
      st = header(r, &rec, err);
    else if (!patron__csv_is_blank(&rec))
      st = fn(ctx, &rec, line, err);
    line += rec.n_lines ? rec.n_lines : 1;
  }
  patron__csv_record_free(&rec);
  return st;
}

/* ---- id lists ---------------------------------------------------------------------------- */

typedef struct ids_ctx {
  reader *r;
  patron__intern ids;
  size_t bytes;
} ids_ctx;

static patron_status field_of(const reader *r, const patron__csv_record *rec, int k, uint64_t line,
                              const patron__csv_field **out, patron_error *err) {
  if (r->col[k] < 0 || (size_t)r->col[k] >= rec->n_fields)
    return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, line, 0, "missing %s",
                             r->want[k]);
  *out = &rec->fields[r->col[k]];
  if ((*out)->len == 0)
    return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, line, (uint32_t)r->col[k] + 1,
                             "empty %s", r->want[k]);
  if (memchr((*out)->ptr, '\0', (*out)->len)) /* ids are C strings downstream */
    return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, line, (uint32_t)r->col[k] + 1,
                             "a NUL byte in %s", r->want[k]);
  return PATRON_OK;
}

static patron_status id_row(void *ctx, const patron__csv_record *rec, uint64_t line,
                            patron_error *err) {
  ids_ctx *c = ctx;
  const patron__csv_field *f = NULL;
  patron_status st = field_of(c->r, rec, 0, line, &f, err);
  if (st != PATRON_OK)
    return st;
  bool added = false;
  if (patron__intern_put(&c->ids, 0, f->ptr, f->len, &added) == PATRON__NO_INDEX)
    return PATRON__OOM(err);
  c->bytes += added ? f->len + 1 : 0;
  return PATRON_OK;
}

patron_status patron_ids_read_csv(const char *path, char ***ids, size_t *n, patron_error *err) {
  static const char *const want[1] = {"customer_id"};
  reader r = {.file = {.path = path}, .want = want, .n_want = 1, .first_fallback = true};
  ids_ctx c = {.r = &r};
  patron_status st = each_row(&r, id_row, &c, err);
  char **out = NULL;
  if (st == PATRON_OK && !(out = malloc(c.ids.n * sizeof(char *) + c.bytes + 1)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    char *text = (char *)(out + c.ids.n);
    for (size_t i = 0; i < c.ids.n; i++) {
      out[i] = text;
      memcpy(text, c.ids.str[i], c.ids.len[i]);
      text += c.ids.len[i];
      *text++ = '\0';
    }
    *ids = out;
    *n = c.ids.n;
  }
  patron__intern_free(&c.ids);
  free(r.file.data);
  return st;
}

/* ---- assignment files ---------------------------------------------------------------------- */

typedef struct assign_row {
  uint32_t id, arm, bucket;
  uint64_t line;
} assign_row;

typedef struct assign_ctx {
  reader *r;
  patron__intern ids, arms;
  assign_row *rows;
  size_t n, cap, bytes;
} assign_ctx;

static patron_status parse_bucket(const reader *r, const patron__csv_field *f, uint64_t line,
                                  uint32_t *out, patron_error *err) {
  uint32_t v = 0;
  for (size_t i = 0; i < f->len; i++) {
    if (f->ptr[i] < '0' || f->ptr[i] > '9' || (v = v * 10 + (uint32_t)(f->ptr[i] - '0')) > 9999)
      return patron__error_set(err, PATRON_ERR_INPUT, r->file.path, line, (uint32_t)r->col[2] + 1,
                               "bucket must be an integer 0..9999");
  }
  *out = f->len ? v : PATRON_NO_BUCKET;
  return PATRON_OK;
}

static patron_status assign_row_fn(void *ctx, const patron__csv_record *rec, uint64_t line,
                                   patron_error *err) {
  assign_ctx *c = ctx;
  const patron__csv_field *id = NULL, *arm = NULL;
  patron_status st = field_of(c->r, rec, 0, line, &id, err);
  if (st == PATRON_OK)
    st = field_of(c->r, rec, 1, line, &arm, err);
  assign_row row = {.line = line, .bucket = PATRON_NO_BUCKET};
  if (st == PATRON_OK && c->r->col[2] >= 0 && (size_t)c->r->col[2] < rec->n_fields)
    st = parse_bucket(c->r, &rec->fields[c->r->col[2]], line, &row.bucket, err);
  if (st != PATRON_OK)
    return st;
  bool added = false, new_arm = false;
  row.id = patron__intern_put(&c->ids, 0, id->ptr, id->len, &added);
  row.arm = patron__intern_put(&c->arms, 0, arm->ptr, arm->len, &new_arm);
  if (row.id == PATRON__NO_INDEX || row.arm == PATRON__NO_INDEX ||
      !patron__reserve((void **)&c->rows, &c->cap, c->n + 1, sizeof *c->rows))
    return PATRON__OOM(err);
  if (!added) {
    uint64_t first = 0;
    for (size_t i = 0; i < c->n && !first; i++)
      first = c->rows[i].id == row.id ? c->rows[i].line : 0;
    return patron__error_set(err, PATRON_ERR_INPUT, c->r->file.path, line, 0,
                             "customer_id '%.*s' is assigned again (first on line %llu)",
                             (int)(id->len > 64 ? 64 : id->len), id->ptr,
                             (unsigned long long)first);
  }
  c->bytes += id->len + 1;
  c->rows[c->n++] = row;
  return PATRON_OK;
}

/* The base name of path without directory and extension. */
static void base_name(const char *path, char *out, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t len = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  if (len >= cap)
    len = cap - 1;
  memcpy(out, b, len);
  out[len] = '\0';
}

static patron_status build(assign_ctx *c, const char *path, patron_assignments **out,
                           patron_error *err) {
  char name[256];
  base_name(path, name, sizeof name);
  patron_assignments *a = patron__assignments_new(name, c->n, c->bytes);
  if (!a)
    return PATRON__OOM(err);
  for (size_t k = 0; k < c->arms.n; k++)
    if (!patron__arms_add(&a->arms, c->arms.str[k], c->arms.len[k], 1)) {
      patron_assignments_free(a);
      return PATRON__OOM(err);
    }
  char *text = a->id_text;
  for (size_t i = 0; i < c->n; i++) {
    const assign_row *r = &c->rows[i];
    a->ids[i] = text;
    memcpy(text, c->ids.str[r->id], c->ids.len[r->id]);
    text += c->ids.len[r->id];
    *text++ = '\0';
    a->arm[i] = r->arm;
    a->bucket[i] = r->bucket;
  }
  *out = a;
  return PATRON_OK;
}

patron_status patron_assignments_read_csv(const char *path, patron_assignments **out,
                                          patron_error *err) {
  static const char *const want[3] = {"customer_id", "arm", "bucket"};
  reader r = {.file = {.path = path}, .want = want, .n_want = 3};
  assign_ctx c = {.r = &r};
  patron_status st = each_row(&r, assign_row_fn, &c, err);
  if (st == PATRON_OK && (r.col[0] < 0 || r.col[1] < 0))
    st = patron__error_set(err, PATRON_ERR_INPUT, path, 1, 0,
                           "expected the columns customer_id and arm");
  if (st == PATRON_OK && c.n == 0)
    st = patron__error_set(err, PATRON_ERR_INPUT, path, 0, 0, "no assignments");
  if (st == PATRON_OK)
    st = build(&c, path, out, err);
  patron__intern_free(&c.ids);
  patron__intern_free(&c.arms);
  free(c.rows);
  free(r.file.data);
  return st;
}

/* ---- labels (stratified reporting) ----------------------------------------------------------- */

typedef struct labels_ctx {
  reader *r;
  patron__intern ids;
  char **labels; /* per id, malloc'ed */
  size_t cap, label_bytes;
} labels_ctx;

static patron_status label_row(void *ctx, const patron__csv_record *rec, uint64_t line,
                               patron_error *err) {
  labels_ctx *c = ctx;
  const patron__csv_field *id = NULL;
  patron_status st = field_of(c->r, rec, 0, line, &id, err);
  if (st != PATRON_OK)
    return st;
  if (c->r->col[1] < 0 || (size_t)c->r->col[1] >= rec->n_fields)
    return patron__error_set(err, PATRON_ERR_INPUT, c->r->file.path, line, 0, "missing %s",
                             c->r->want[1]);
  const patron__csv_field *v = &rec->fields[c->r->col[1]];
  bool added = false;
  if (!patron__reserve((void **)&c->labels, &c->cap, c->ids.n + 1, sizeof *c->labels))
    return PATRON__OOM(err);
  c->labels[c->ids.n] = NULL; /* the slot of a new id, set below */
  uint32_t k = patron__intern_put(&c->ids, 0, id->ptr, id->len, &added);
  if (k == PATRON__NO_INDEX)
    return PATRON__OOM(err);
  if (!added)
    return patron__error_set(err, PATRON_ERR_INPUT, c->r->file.path, line, 0,
                             "customer_id '%.*s' appears twice", (int)(id->len > 64 ? 64 : id->len),
                             id->ptr);
  if (!(c->labels[k] = strndup(v->ptr, v->len)))
    return PATRON__OOM(err);
  c->label_bytes += v->len + 1;
  return PATRON_OK;
}

/* One block of n pointers followed by the strings. */
static char **pack(const char *const *src, const uint32_t *len, size_t n, size_t bytes) {
  char **out = malloc(n * sizeof *out + bytes + 1);
  if (!out)
    return NULL;
  char *text = (char *)(out + n);
  for (size_t i = 0; i < n; i++) {
    size_t l = len ? len[i] : strlen(src[i]);
    out[i] = text;
    memcpy(text, src[i], l);
    text[l] = '\0';
    text += l + 1;
  }
  return out;
}

patron_status patron_labels_read_csv(const char *path, const char *column, char ***ids,
                                     char ***labels, size_t *n, patron_error *err) {
  const char *want[2] = {"customer_id", column};
  reader r = {.file = {.path = path}, .want = want, .n_want = 2};
  labels_ctx c = {.r = &r};
  patron_status st = each_row(&r, label_row, &c, err);
  if (st == PATRON_OK && (r.col[0] < 0 || r.col[1] < 0))
    st = patron__error_set(err, PATRON_ERR_INPUT, path, 1, 0,
                           "expected the columns customer_id and %s", column);
  size_t id_bytes = 0;
  for (size_t i = 0; i < c.ids.n; i++)
    id_bytes += c.ids.len[i] + 1;
  if (st == PATRON_OK) {
    *ids = pack(c.ids.str, c.ids.len, c.ids.n, id_bytes);
    *labels = pack((const char *const *)c.labels, NULL, c.ids.n, c.label_bytes);
    if (!*ids || !*labels) {
      free(*ids);
      free(*labels);
      st = PATRON__OOM(err);
    }
    *n = c.ids.n;
  }
  for (size_t i = 0; i < c.ids.n && c.labels; i++)
    free(c.labels[i]);
  free(c.labels);
  patron__intern_free(&c.ids);
  free(r.file.data);
  return st;
}
