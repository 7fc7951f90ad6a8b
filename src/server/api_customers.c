/* Customer endpoints (SPEC section 14): GET /customers/{id} (a JSON object keyed by the
 * profile's column names, numbers as numbers, empty cells as null, plus the member's
 * fields; customer_json.c), GET /customers?where= (a page of the customers an expression of
 * SPEC section 6 selects), POST /audiences (the audience's size and first rows, ordered;
 * with limit 0 the size alone, counted without listing the rows). Expressions come from the
 * server's compiled-expression cache (expr_cache.c).
 * Personal data is masked unless the role is admin. */
#include "server_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hands a finished text to the answer (500 when it ran out of memory). */
static void text_answer(srv_answer *an, srv_text *t) {
  if (t->oom) {
    free(t->data);
    return srv_error(an, 500, "internal", "out of memory");
  }
  an->status = 200;
  an->content_type = "application/json; charset=utf-8";
  an->body = t->data;
  an->len = t->len;
  an->is_static = false;
}

void srv_customer(patron_server *s, const srv_request *rq, srv_answer *an) {
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  size_t row = srv_index_find(snap, rq->path_param);
  if (row == SIZE_MAX)
    return srv_error(an, 404, "not_found", "no such customer");
  srv_text t = {0};
  srv_customer_text(&t, snap, row, rq->role == SRV_ROLE_ADMIN);
  text_answer(an, &t);
}

/* Sorts rows by a column (ascending, or descending with ":desc"), ties in customer_id order
 * (row order), nulls last. False with an error answer for an unknown column. */
typedef struct order_key {
  double v;
  uint32_t row;
} order_key;

static int cmp_asc(const void *a, const void *b) {
  const order_key *x = a, *y = b;
  bool xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x->v != y->v)
    return x->v < y->v ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

static int cmp_desc(const void *a, const void *b) {
  const order_key *x = a, *y = b;
  bool xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x->v != y->v)
    return x->v > y->v ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

static double cell_num(const patron_column *c, size_t row) {
  switch (c->type) {
  case PATRON_COL_INT:
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_INT ? NAN : (double)v;
  }
  case PATRON_COL_DOUBLE: return ((const double *)c->data)[row];
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v == PATRON_NO_DAY ? NAN : (double)v;
  }
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v < 0 ? NAN : (double)v;
  }
  case PATRON_COL_STRING: break;
  }
  return NAN;
}

/* Orders rows by `spec` ("COLUMN" or "COLUMN:desc"); false with a 400 answer when the column
 * is unknown or holds text. */
static bool order_rows(const patron_table *t, const char *spec, uint32_t *rows, size_t n,
                       srv_answer *an) {
  char name[128];
  size_t len = strcspn(spec, ":");
  bool desc = spec[len] == ':' && strcmp(spec + len + 1, "desc") == 0;
  if (len >= sizeof name || (spec[len] == ':' && !desc && strcmp(spec + len + 1, "asc") != 0))
    return srv_error(an, 400, "bad_request", "order_by must be COLUMN, COLUMN:asc or COLUMN:desc"),
           false;
  memcpy(name, spec, len);
  name[len] = '\0';
  const patron_column *c = patron_table_find(t, name);
  if (!c || c->type == PATRON_COL_STRING)
    return srv_error(an, 400, "bad_request", "order_by: no numeric column '%s'", name), false;
  order_key *keys = malloc((n ? n : 1) * sizeof *keys);
  if (!keys)
    return srv_error(an, 500, "internal", "out of memory"), false;
  for (size_t i = 0; i < n; i++)
    keys[i] = (order_key){cell_num(c, rows[i]), rows[i]};
  qsort(keys, n, sizeof *keys, desc ? cmp_desc : cmp_asc);
  for (size_t i = 0; i < n; i++)
    rows[i] = keys[i].row;
  free(keys);
  return true;
}

/* {"count": n, "rows": [customers of rows[offset .. offset + limit)]} */
static void rows_answer(const srv_request *rq, const srv_snapshot *snap, const uint32_t *rows,
                        size_t n, size_t offset, size_t limit, srv_answer *an) {
  srv_text t = {0};
  char head[64];
  srv_text_put(&t, head, (size_t)snprintf(head, sizeof head, "{\"count\":%zu,\"rows\":[", n));
  for (size_t i = offset; i < n && i - offset < limit; i++) {
    if (i > offset)
      srv_text_put(&t, ",", 1);
    srv_customer_text(&t, snap, rows[i], rq->role == SRV_ROLE_ADMIN);
  }
  srv_text_put(&t, "]}", 2);
  text_answer(an, &t);
}

void srv_customers(patron_server *s, const srv_request *rq, srv_answer *an) {
  long limit = 100, offset = 0;
  if (!srv_query_long(rq, an, "limit", 0, 10000, &limit) ||
      !srv_query_long(rq, an, "offset", 0, 2147483647L, &offset))
    return;
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  size_t n = 0;
  uint32_t *rows = srv_expr_rows(s, snap, srv_query(rq, "where"), an, &n);
  if (!rows)
    return;
  rows_answer(rq, snap, rows, n, (size_t)offset, (size_t)limit, an);
  free(rows);
}

void srv_audiences(patron_server *s, const srv_request *rq, srv_answer *an) {
  json_error_t jerr;
  json_t *body = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!body)
    return srv_error(an, 400, "bad_request", "body is not JSON: %s (line %d, column %d)", jerr.text,
                     jerr.line, jerr.column);
  json_t *where = json_object_get(body, "where"), *limit = json_object_get(body, "limit"),
         *order = json_object_get(body, "order_by");
  bool ok = json_is_object(body) && json_is_string(where) && (!order || json_is_string(order)) &&
            (!limit || (json_is_integer(limit) && json_integer_value(limit) >= 0 &&
                        json_integer_value(limit) <= 10000));
  if (!ok) {
    json_decref(body);
    return srv_error(an, 400, "bad_request",
                     "body must be {\"where\": EXPR, \"order_by\": \"COLUMN[:desc]\", "
                     "\"limit\": 0..10000}");
  }
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  size_t n = 0, cap = limit ? (size_t)json_integer_value(limit) : 100;
  const char *text = json_string_value(where);
  if (snap && cap == 0 && *text) { /* count only: no rows materialised */
    if (srv_expr_count(s, snap, text, an, &n))
      rows_answer(rq, snap, NULL, n, 0, 0, an);
    return json_decref(body);
  }
  uint32_t *rows = snap ? srv_expr_rows(s, snap, text, an, &n) : NULL;
  if (rows &&
      (!order || cap == 0 || order_rows(snap->s.table, json_string_value(order), rows, n, an)))
    rows_answer(rq, snap, rows, n, 0, cap, an);
  free(rows);
  json_decref(body);
}
