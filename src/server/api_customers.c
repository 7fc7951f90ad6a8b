/* Customer endpoints (SPEC section 14): GET /customers/{id} (a JSON object keyed by the
 * profile's column names, numbers as numbers, empty cells as null, plus the member's
 * fields; customer_json.c), GET /customers (a page of customers), POST /audiences. Personal
 * data columns (name, phone, email, wechat_id) are only shown to the admin role. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PERSONAL[] = {"name", "phone", "email", "wechat_id"};

bool srv_personal_column(const char *column) {
  for (size_t i = 0; i < sizeof PERSONAL / sizeof *PERSONAL; i++)
    if (strcmp(column, PERSONAL[i]) == 0)
      return true;
  return false;
}

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

/* Row of a customer id (rows are sorted by customer_id, byte order), or SIZE_MAX. */
static size_t find_row(const srv_snapshot *snap, const char *id) {
  const char *const *ids = snap->id->data;
  size_t lo = 0, hi = patron_table_n_rows(snap->s.table);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(ids[mid], id);
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return SIZE_MAX;
}

void srv_customer(patron_server *s, const srv_request *rq, srv_answer *an) {
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  size_t row = find_row(snap, rq->path_param);
  if (row == SIZE_MAX)
    return srv_error(an, 404, "not_found", "no such customer");
  srv_text t = {0};
  srv_customer_text(&t, snap, row, rq->role == SRV_ROLE_ADMIN);
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
  const char *where = srv_query(rq, "where");
  if (where && *where)
    return srv_error(an, 501, "not_implemented",
                     "where expressions need the expression language, not in this build yet");
  size_t n = patron_table_n_rows(snap->s.table);
  srv_text t = {0};
  char head[64];
  srv_text_put(&t, head, (size_t)snprintf(head, sizeof head, "{\"count\":%zu,\"rows\":[", n));
  for (size_t r = (size_t)offset; r < n && r < (size_t)offset + (size_t)limit; r++) {
    if (r > (size_t)offset)
      srv_text_put(&t, ",", 1);
    srv_customer_text(&t, snap, r, rq->role == SRV_ROLE_ADMIN);
  }
  srv_text_put(&t, "]}", 2);
  text_answer(an, &t);
}

void srv_audiences(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)s;
  json_error_t jerr;
  json_t *body = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!body)
    return srv_error(an, 400, "bad_request", "body is not JSON: %s (line %d, column %d)", jerr.text,
                     jerr.line, jerr.column);
  json_t *where = json_object_get(body, "where"), *limit = json_object_get(body, "limit");
  bool ok = json_is_object(body) && json_is_string(where) &&
            (!limit || (json_is_integer(limit) && json_integer_value(limit) >= 0));
  json_decref(body);
  if (!ok)
    return srv_error(an, 400, "bad_request",
                     "body must be {\"where\": EXPR, \"order_by\": COLUMN, \"limit\": N >= 0}");
  srv_error(an, 501, "not_implemented",
            "audiences need the expression language, not in this build yet");
}
