/* Audiences (SPEC section 8): filter the profile with a compiled condition (vectorized),
 * drop a suppression list, order by a column (ties by customer_id, also descending), cap;
 * and copy the chosen columns of the chosen rows into a new table for the CSV writer. */
#include "core/core_int.h"
#include "patron/audience.h"
#include "patron/caret.h"
#include "patron/expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void patron_audience_options_init(patron_audience_options *o) { memset(o, 0, sizeof *o); }

void patron_audience_free(patron_audience *a) {
  if (!a)
    return;
  free(a->rows);
  memset(a, 0, sizeof *a);
}

static patron_status unknown_column(const patron_table *t, const char *flag, const char *name,
                                    patron_error *err) {
  size_t n = patron_table_n_columns(t);
  const char **names = malloc((n ? n : 1) * sizeof *names);
  if (!names)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++)
    names[i] = patron_table_column(t, i)->name;
  const char *s = patron_suggest(name, strlen(name), names, n);
  patron_status st =
      patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "%s: unknown column '%s'%s%s%s", flag,
                        name, s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
  free(names);
  return st;
}

static patron_status exclude_rows(const patron_profile *p, const patron_dataset *ds,
                                  const patron_audience_options *o, patron_audience *a,
                                  patron_error *err) {
  if (!o->n_exclude)
    return PATRON_OK;
  size_t n_cust = patron_dataset_n_customers(ds),
         n_rows = patron_table_n_rows(patron_profile_table_const(p));
  uint8_t *drop = calloc(n_cust ? n_cust : 1, 1);
  if (!drop)
    return PATRON__OOM(err);
  for (size_t i = 0; i < o->n_exclude; i++) {
    uint32_t c = patron_dataset_find_customer(ds, o->exclude[i], strlen(o->exclude[i]));
    if (c != UINT32_MAX)
      drop[c] = 1;
  }
  const uint32_t *cust = patron_profile_customers(p);
  size_t kept = 0;
  for (size_t i = 0; i < a->n_selected; i++) {
    uint32_t r = a->rows[i];
    if (r < n_rows && drop[cust[r]])
      a->n_excluded++;
    else
      a->rows[kept++] = r;
  }
  a->n_selected = kept;
  free(drop);
  return PATRON_OK;
}

/* Sort key of a row: a number (nulls flagged) or a label. */
typedef struct sort_item {
  uint32_t row;
  bool null;
  double num;
  const char *text;
} sort_item;

/* ctx: the direction (a bool), so that concurrent selections (the server) do not share it */
static int compare_items(const void *pa, const void *pb, void *ctx) {
  const sort_item *a = pa, *b = pb;
  bool sort_desc = *(const bool *)ctx;
  if (a->null != b->null)
    return a->null ? 1 : -1; /* nulls last, either direction */
  int c = 0;
  if (!a->null)
    c = a->text ? strcmp(a->text, b->text) : (a->num > b->num) - (a->num < b->num);
  if (sort_desc)
    c = -c;
  return c ? c : (a->row > b->row) - (a->row < b->row);
}

static sort_item item_of(const patron_column *c, uint32_t r) {
  sort_item it = {.row = r};
  switch (c->type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[r];
    it.null = v == PATRON_NULL_INT;
    it.num = (double)v;
    break;
  }
  case PATRON_COL_DOUBLE:
    it.num = ((const double *)c->data)[r];
    it.null = isnan(it.num);
    break;
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[r];
    it.null = v == PATRON_NO_DAY;
    it.num = v;
    break;
  }
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[r];
    it.null = v < 0 || v >= c->n_labels;
    it.text = it.null ? "" : c->labels[v];
    break;
  }
  case PATRON_COL_STRING: {
    const char *v = ((const char *const *)c->data)[r];
    it.null = !v || !v[0];
    it.text = v ? v : "";
    break;
  }
  }
  return it;
}

static patron_status order_rows(const patron_table *t, const patron_audience_options *o,
                                patron_audience *a, patron_error *err) {
  if (!o->order_by)
    return PATRON_OK;
  const patron_column *c = patron_table_find(t, o->order_by);
  if (!c)
    return unknown_column(t, "--order-by", o->order_by, err);
  sort_item *items = malloc((a->n_selected ? a->n_selected : 1) * sizeof *items);
  if (!items)
    return PATRON__OOM(err);
  for (size_t i = 0; i < a->n_selected; i++)
    items[i] = item_of(c, a->rows[i]);
  bool desc = o->order_desc;
  qsort_r(items, a->n_selected, sizeof *items, compare_items, &desc);
  for (size_t i = 0; i < a->n_selected; i++)
    a->rows[i] = items[i].row;
  free(items);
  return PATRON_OK;
}

patron_status patron_audience_select(const patron_profile *p, const patron_dataset *ds,
                                     const patron_audience_options *o, patron_audience *out,
                                     patron_error *err) {
  memset(out, 0, sizeof *out);
  const patron_table *t = patron_profile_table_const(p);
  if (o->order_by && !patron_table_find(t, o->order_by))
    return unknown_column(t, "--order-by", o->order_by, err);
  patron_expr_env env;
  patron_expr_env_init(&env);
  env.table = t;
  env.dataset = ds;
  env.row_customer = patron_profile_customers(p);
  env.as_of = o->as_of ? o->as_of : (int64_t)patron_profile_as_of(p) * 86400;
  env.label = o->label ? o->label : "--where";
  env.want_condition = true;
  env.functions = o->functions;
  env.n_functions = o->n_functions;
  patron_expr *e = NULL;
  const char *where = o->where ? o->where : "";
  patron_status st = patron_expr_compile(where, strlen(where), &env, &e, err);
  size_t n = patron_table_n_rows(t);
  if (st == PATRON_OK && !(out->rows = malloc((n ? n : 1) * sizeof *out->rows)))
    st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = patron_expr_filter(e, NULL, 0, out->rows, &out->n_selected, err);
  patron_expr_free(e);
  if (st == PATRON_OK)
    st = exclude_rows(p, ds, o, out, err);
  if (st == PATRON_OK)
    st = order_rows(t, o, out, err);
  out->n_rows = o->limit && o->limit < out->n_selected ? o->limit : out->n_selected;
  if (st != PATRON_OK)
    patron_audience_free(out);
  return st;
}

static void copy_cells(const patron_column *src, void *dst, const uint32_t *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (src->type) {
    case PATRON_COL_INT:
    case PATRON_COL_MONEY: ((int64_t *)dst)[i] = ((const int64_t *)src->data)[rows[i]]; break;
    case PATRON_COL_DOUBLE: ((double *)dst)[i] = ((const double *)src->data)[rows[i]]; break;
    case PATRON_COL_DATE:
    case PATRON_COL_CATEGORY: ((int32_t *)dst)[i] = ((const int32_t *)src->data)[rows[i]]; break;
    case PATRON_COL_STRING:
      ((const char **)dst)[i] = ((const char *const *)src->data)[rows[i]];
      break;
    }
  }
}

patron_status patron_table_select_rows(const patron_table *t, const uint32_t *rows, size_t n_rows,
                                       const char *const *columns, size_t n_columns,
                                       patron_table **out, patron_error *err) {
  *out = NULL;
  for (size_t k = 0; k < n_columns; k++)
    if (!patron_table_find(t, columns[k]))
      return unknown_column(t, "--columns", columns[k], err);
  patron_table *s = patron_table_new(n_rows);
  if (!s)
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  for (size_t k = 0; k < n_columns && st == PATRON_OK; k++) {
    const patron_column *c = patron_table_find(t, columns[k]);
    void *data = NULL;
    if (patron_table_find(s, c->name))
      continue; /* a column named twice is written once */
    if (c->type == PATRON_COL_CATEGORY)
      st = patron_table_add_category(s, c->name, c->labels, c->alt_labels, c->n_labels,
                                     c->segmentation, (int32_t **)&data, err);
    else
      st = patron_table_add(s, c->name, c->type, &data, err);
    if (st == PATRON_OK) {
      copy_cells(c, data, rows, n_rows);
      if (c->type == PATRON_COL_DOUBLE)
        patron_table_set_decimals(s, c->name, c->decimals);
    }
  }
  if (st != PATRON_OK)
    patron_table_free(s);
  else
    *out = s;
  return st;
}
