/* The named-column table behind profiles (see include/patron/table.h). */
#include "core/exec.h"
#include "core/intern.h"
#include "core/table_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct patron_table {
  size_t n_rows;
  patron_column *cols;
  size_t n_cols, cap;
  void **owned; /* copies of names, labels, label arrays and interned strings */
  size_t n_owned, cap_owned;
  size_t n_borrowed; /* a view's first columns: another table's (data not freed here) */
};

patron_table *patron_table_new(size_t n_rows) {
  patron_table *t = calloc(1, sizeof *t);
  if (t)
    t->n_rows = n_rows;
  return t;
}

void patron_table_free(patron_table *t) {
  if (!t)
    return;
  for (size_t i = t->n_borrowed; i < t->n_cols; i++)
    free(t->cols[i].data);
  for (size_t i = 0; i < t->n_owned; i++)
    free(t->owned[i]);
  free(t->owned);
  free(t->cols);
  free(t);
}

patron_table *patron__table_view(const patron_table *t) {
  patron_table *v = patron_table_new(t->n_rows);
  if (v && !(v->cols = malloc((t->n_cols ? t->n_cols : 1) * sizeof *v->cols))) {
    free(v);
    return NULL;
  }
  if (v && t->n_cols)
    memcpy(v->cols, t->cols, t->n_cols * sizeof *v->cols);
  if (v)
    v->n_cols = v->cap = v->n_borrowed = t->n_cols;
  return v;
}

patron_status patron__table_adopt(patron_table *t, patron_table *view, patron_error *err) {
  size_t at = view->n_borrowed, k = view->n_cols - at;
  for (size_t i = at; i < view->n_cols; i++)
    if (patron_table_find(t, view->cols[i].name))
      return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "column '%s' already exists",
                               view->cols[i].name);
  if (at > t->n_cols ||
      !patron__reserve((void **)&t->cols, &t->cap, t->n_cols + k, sizeof *t->cols) ||
      !patron__reserve((void **)&t->owned, &t->cap_owned, t->n_owned + view->n_owned,
                       sizeof *t->owned))
    return at > t->n_cols ? patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                                              "a view of more columns than its table")
                          : PATRON__OOM(err);
  memmove(t->cols + at + k, t->cols + at, (t->n_cols - at) * sizeof *t->cols);
  memcpy(t->cols + at, view->cols + at, k * sizeof *t->cols);
  t->n_cols += k;
  if (view->n_owned)
    memcpy(t->owned + t->n_owned, view->owned, view->n_owned * sizeof *t->owned);
  t->n_owned += view->n_owned;
  view->n_cols = at;
  view->n_owned = 0;
  return PATRON_OK;
}

size_t patron_table_n_rows(const patron_table *t) { return t->n_rows; }
size_t patron_table_n_columns(const patron_table *t) { return t->n_cols; }
const patron_column *patron_table_column(const patron_table *t, size_t i) { return &t->cols[i]; }

const patron_column *patron_table_find(const patron_table *t, const char *name) {
  for (size_t i = 0; i < t->n_cols; i++)
    if (strcmp(t->cols[i].name, name) == 0)
      return &t->cols[i];
  return NULL;
}

static size_t elem_size(patron_col_type type) {
  switch (type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY: return sizeof(int64_t);
  case PATRON_COL_DOUBLE: return sizeof(double);
  case PATRON_COL_DATE:
  case PATRON_COL_CATEGORY: return sizeof(int32_t);
  case PATRON_COL_STRING: return sizeof(const char *);
  }
  return 8;
}

static void fill_range(void *data, patron_col_type type, size_t lo, size_t n) {
  for (size_t i = lo; i < n; i++) {
    switch (type) {
    case PATRON_COL_INT:
    case PATRON_COL_MONEY: ((int64_t *)data)[i] = INT64_MIN; break;
    case PATRON_COL_DOUBLE: ((double *)data)[i] = NAN; break;
    case PATRON_COL_DATE: ((int32_t *)data)[i] = PATRON_NO_DAY; break;
    case PATRON_COL_CATEGORY: ((int32_t *)data)[i] = PATRON_NULL_CODE; break;
    case PATRON_COL_STRING: ((const char **)data)[i] = NULL; break;
    }
  }
}

typedef struct fill_job {
  void *data;
  patron_col_type type;
} fill_job;

static void fill_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const fill_job *j = ctx;
  fill_range(j->data, j->type, lo, hi);
}

enum { FILL_BLOCK = 1 << 16 };

/* A new column's n missing values, in blocks on the executor: a 1M-row column is 8 MB of
 * fresh memory whose first touch (page faults) costs more than the stores. */
static void fill_none(void *data, patron_col_type type, size_t n) {
  fill_job j = {data, type};
  patron__exec_ranges(n < 2 * FILL_BLOCK ? 1 : 0, n, FILL_BLOCK, fill_block, &j);
}

/* Takes ownership of p (freed with the table); NULL (and p freed) when out of memory. */
static void *keep(patron_table *t, void *p) {
  if (p && patron__reserve((void **)&t->owned, &t->cap_owned, t->n_owned + 1, sizeof *t->owned))
    return t->owned[t->n_owned++] = p;
  free(p);
  return NULL;
}

const char *patron_table_intern(patron_table *t, const char *s) {
  return s ? keep(t, strdup(s)) : NULL;
}

/* Column names and category labels are interned for the life of the process: a table
 * never depends on its caller's buffers, and a name or label pointer taken from a table
 * stays valid after the table is freed (as when tables borrowed string literals). The set
 * of distinct names and labels is small (tags, rules, segments), so it is never freed. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static patron__intern pool;

static const char *pool_intern(const char *s) {
  bool added;
  pthread_mutex_lock(&pool_mu);
  uint32_t i = patron__intern_put(&pool, 0, s, strlen(s), &added);
  const char *copy = i == PATRON__NO_INDEX ? NULL : pool.str[i];
  pthread_mutex_unlock(&pool_mu);
  return copy;
}

/* A table-owned array of n interned labels (NULL entries stay NULL); NULL when out of
 * memory. */
static const char *const *copy_labels(patron_table *t, const char *const *labels, int32_t n) {
  const char **copy = keep(t, calloc(n > 0 ? (size_t)n : 1, sizeof *copy));
  for (int32_t i = 0; copy && i < n; i++)
    if (labels[i] && !(copy[i] = pool_intern(labels[i])))
      return NULL;
  return copy;
}

static patron_column *append(patron_table *t, const char *name, patron_col_type type,
                             patron_error *err) {
  if (patron_table_find(t, name)) {
    patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "column '%s' already exists", name);
    return NULL;
  }
  const char *own_name = pool_intern(name);
  void *data = patron__realloc_big(NULL, (t->n_rows ? t->n_rows : 1) * elem_size(type));
  if (!own_name || !data ||
      !patron__reserve((void **)&t->cols, &t->cap, t->n_cols + 1, sizeof *t->cols)) {
    free(data);
    PATRON__OOM(err);
    return NULL;
  }
  fill_none(data, type, t->n_rows);
  patron_column *c = &t->cols[t->n_cols++];
  *c = (patron_column){.name = own_name, .type = type, .data = data, .decimals = 4};
  return c;
}

patron_status patron_table_add(patron_table *t, const char *name, patron_col_type type, void **data,
                               patron_error *err) {
  patron_column *c = append(t, name, type, err);
  if (!c)
    return err ? err->status : PATRON_ERR_NOMEM;
  *data = c->data;
  return PATRON_OK;
}

patron_status patron_table_add_category(patron_table *t, const char *name,
                                        const char *const *labels, const char *const *alt_labels,
                                        int32_t n_labels, bool segmentation, int32_t **codes,
                                        patron_error *err) {
  const char *const *own = copy_labels(t, labels, n_labels);
  const char *const *own_alt = alt_labels ? copy_labels(t, alt_labels, n_labels) : NULL;
  if (!own || (alt_labels && !own_alt))
    return PATRON__OOM(err);
  patron_column *c = append(t, name, PATRON_COL_CATEGORY, err);
  if (!c)
    return err ? err->status : PATRON_ERR_NOMEM;
  c->labels = own;
  c->alt_labels = own_alt;
  c->n_labels = n_labels;
  c->segmentation = segmentation;
  *codes = c->data;
  return PATRON_OK;
}

void patron_table_set_decimals(patron_table *t, const char *name, int decimals) {
  for (size_t i = 0; i < t->n_cols; i++)
    if (strcmp(t->cols[i].name, name) == 0)
      t->cols[i].decimals = decimals;
}

void *patron__column_data(const patron_table *t, const char *name, patron_col_type type,
                          const char *needed_by, patron_error *err) {
  const patron_column *c = patron_table_find(t, name);
  if (c && c->type == type)
    return c->data;
  patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "%s needs the column '%s'%s", needed_by,
                    name, c ? " with another type" : "");
  return NULL;
}

static patron_status copy_column(patron_table *t, const patron_column *src, patron_error *err) {
  void *dst = NULL;
  patron_status st =
      src->type == PATRON_COL_CATEGORY
          ? patron_table_add_category(t, src->name, src->labels, src->alt_labels, src->n_labels,
                                      src->segmentation, (int32_t **)&dst, err)
          : patron_table_add(t, src->name, src->type, &dst, err);
  if (st == PATRON_OK) {
    memcpy(dst, src->data, t->n_rows * elem_size(src->type));
    t->cols[t->n_cols - 1].decimals = src->decimals;
  }
  return st;
}

patron_status patron_table_select(const patron_table *src, const char *const *names, size_t n_names,
                                  patron_table **out, patron_error *err) {
  patron_table *t = *out = patron_table_new(src->n_rows);
  if (!t)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  for (size_t j = 0; st == PATRON_OK && j < n_names; j++) {
    const patron_column *c = patron_table_find(src, names[j]);
    st = c ? copy_column(t, c, err)
           : patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "no column '%s'", names[j]);
  }
  if (st != PATRON_OK) {
    patron_table_free(t);
    *out = NULL;
  }
  return st;
}
