/* previous(column) and moved(column) (SPEC sections 6 and 10): outside functions of the
 * expression language over the store's latest snapshot before the as-of. The snapshot is
 * merged with the current profile on customer_id (both in byte order); previous() gives the
 * snapshot's column aligned to the current rows, moved() the direction of each change by the
 * segmentation's order (src/ops/movements.c). */
#include "core/core_int.h"
#include "patron/history.h"
#include "patron/movements.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct patron_history {
  patron_store *store;
  const patron_table *current;
  int32_t as_of_day, snapshot_day;
  bool looked;
  patron_snapshot *snap;
  long *match; /* current row -> snapshot row, or -1 */
  void **blocks;
  size_t n_blocks, cap_blocks;
};

static const char *const move_labels[] = {"same", "up", "down", "changed"};

patron_status patron_history_new(patron_store *store, const patron_table *current,
                                 int32_t as_of_day, patron_history **out, patron_error *err) {
  *out = calloc(1, sizeof **out);
  if (!*out)
    return PATRON__OOM(err);
  **out = (patron_history){
      .store = store, .current = current, .as_of_day = as_of_day, .snapshot_day = PATRON_NO_DAY};
  return PATRON_OK;
}

void patron_history_free(patron_history *h) {
  if (!h)
    return;
  for (size_t i = 0; i < h->n_blocks; i++)
    free(h->blocks[i]);
  free(h->blocks);
  free(h->match);
  patron_snapshot_free(h->snap);
  free(h);
}

int32_t patron_history_snapshot_day(patron_history *h) { return h->snapshot_day; }

static void *keep_block(patron_history *h, size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p ||
      !patron__reserve((void **)&h->blocks, &h->cap_blocks, h->n_blocks + 1, sizeof *h->blocks)) {
    free(p);
    return NULL;
  }
  return h->blocks[h->n_blocks++] = p;
}

static const char *const *ids_of(const patron_table *t) {
  const patron_column *c = patron_table_find(t, "customer_id");
  return c && c->type == PATRON_COL_STRING ? c->data : NULL;
}

/* Loads the snapshot before the as-of (once) and aligns its rows to the current ones. */
static patron_status look(patron_history *h, patron_error *err) {
  if (h->looked)
    return PATRON_OK;
  h->looked = true;
  bool found = false;
  patron_status st =
      h->store ? patron_store_snapshot_before(h->store, h->as_of_day, &found, &h->snapshot_day, err)
               : PATRON_OK;
  if (st != PATRON_OK || !found)
    return st;
  if ((st = patron_store_snapshot_load(h->store, h->snapshot_day, &h->snap, err)) != PATRON_OK)
    return st;
  const patron_table *old = patron_snapshot_table(h->snap);
  const char *const *a = ids_of(h->current), *const *b = ids_of(old);
  size_t n = patron_table_n_rows(h->current), m = patron_table_n_rows(old), j = 0;
  if (!a || !b)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "previous(): no customer_id");
  if (!(h->match = malloc((n ? n : 1) * sizeof *h->match)))
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++) {
    while (j < m && strcmp(b[j] ? b[j] : "", a[i] ? a[i] : "") < 0)
      j++;
    h->match[i] = j < m && strcmp(b[j] ? b[j] : "", a[i] ? a[i] : "") == 0 ? (long)j : -1;
  }
  return PATRON_OK;
}

static size_t elem_size(patron_col_type t) {
  return t == PATRON_COL_INT || t == PATRON_COL_MONEY || t == PATRON_COL_DOUBLE ? 8
         : t == PATRON_COL_STRING                                               ? sizeof(char *)
                                                                                : 4;
}

static void set_none(void *data, patron_col_type t, size_t i) {
  switch (t) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY: ((int64_t *)data)[i] = INT64_MIN; break;
  case PATRON_COL_DOUBLE: ((double *)data)[i] = NAN; break;
  case PATRON_COL_DATE: ((int32_t *)data)[i] = PATRON_NO_DAY; break;
  case PATRON_COL_CATEGORY: ((int32_t *)data)[i] = PATRON_NULL_CODE; break;
  case PATRON_COL_STRING: ((const char **)data)[i] = NULL; break;
  }
}

static patron_status column_arg(const patron_history *h, const patron_expr_call *call,
                                const patron_column **cur, patron_error *err) {
  const char *name = call->n_args == 1 ? call->arg_names[0] : NULL;
  if (!name)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "%s() takes one column name",
                             call->name);
  *cur = patron_table_find(h->current, name);
  if (!*cur)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "%s(): unknown column '%s'",
                             call->name, name);
  return PATRON_OK;
}

/* The snapshot's column `name` aligned to the current rows, typed like the snapshot's (or the
 * current column's when the snapshot has none). */
static patron_status previous_column(patron_history *h, const patron_column *cur,
                                     patron_column *out, patron_error *err) {
  patron_status st = look(h, err);
  if (st != PATRON_OK)
    return st;
  const patron_column *old =
      h->snap ? patron_table_find(patron_snapshot_table(h->snap), cur->name) : NULL;
  const patron_column *shape = old ? old : cur;
  size_t n = patron_table_n_rows(h->current), es = elem_size(shape->type);
  char *data = keep_block(h, n * es);
  if (!data)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++) {
    long j = old && h->match ? h->match[i] : -1;
    if (j >= 0)
      memcpy(data + i * es, (const char *)old->data + (size_t)j * es, es);
    else
      set_none(data, shape->type, i);
  }
  *out = *shape;
  out->data = data;
  return PATRON_OK;
}

static patron_status fn_previous(void *ctx, const patron_expr_call *call, patron_column *out,
                                 patron_error *err) {
  const patron_column *cur;
  patron_status st = column_arg(ctx, call, &cur, err);
  return st == PATRON_OK ? previous_column(ctx, cur, out, err) : st;
}

static patron_status fn_moved(void *ctx, const patron_expr_call *call, patron_column *out,
                              patron_error *err) {
  patron_history *h = ctx;
  const patron_column *cur;
  patron_column prev;
  patron_status st = column_arg(h, call, &cur, err);
  if (st == PATRON_OK)
    st = previous_column(h, cur, &prev, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(h->current);
  int32_t *codes = keep_block(h, n * sizeof *codes);
  if (!codes)
    return PATRON__OOM(err);
  char ba[32], bb[32];
  for (size_t i = 0; i < n; i++) {
    const char *a = patron_cell_text(&prev, i, ba), *b = patron_cell_text(cur, i, bb);
    bool null = strcmp(a, PATRON_MOVE_EMPTY) == 0 || strcmp(b, PATRON_MOVE_EMPTY) == 0;
    codes[i] = null ? PATRON_NULL_CODE : (int32_t)patron_move_direction(cur->name, a, b);
  }
  *out = (patron_column){.name = "moved",
                         .type = PATRON_COL_CATEGORY,
                         .data = codes,
                         .labels = move_labels,
                         .n_labels = 4};
  return PATRON_OK;
}

size_t patron_history_functions(patron_history *h, patron_expr_function out[2]) {
  out[0] = (patron_expr_function){"previous", 1, 1, fn_previous, h};
  out[1] = (patron_expr_function){"moved", 1, 1, fn_moved, h};
  return 2;
}
