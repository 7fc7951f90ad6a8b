/* Customer endpoints (SPEC section 14): GET /customers/{id} (a JSON object keyed by the
 * profile's column names, numbers as numbers, empty cells as null, plus the member's
 * fields), GET /customers (a page of customers), POST /audiences. Personal data columns
 * (name, phone, email, wechat_id) are only shown to the admin role. */
#include "server_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const PERSONAL[] = {"name", "phone", "email", "wechat_id"};

static bool personal(const char *column) {
  for (size_t i = 0; i < sizeof PERSONAL / sizeof *PERSONAL; i++)
    if (strcmp(column, PERSONAL[i]) == 0)
      return true;
  return false;
}

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
static json_t *str_json(const char *s) {
  json_t *v = json_string(s);
  if (v || !s)
    return v ? v : json_null();
  char *copy = strdup(s);
  for (char *p = copy; p && *p; p++)
    if ((unsigned char)*p >= 0x80)
      *p = '?';
  v = copy ? json_string(copy) : NULL;
  free(copy);
  return v ? v : json_null();
}

static json_t *day_json(int32_t day) {
  char buf[16];
  if (day == PATRON_NO_DAY)
    return json_null();
  buf[patron_format_day(day, buf)] = '\0';
  return json_string(buf);
}

static json_t *cell_json(const patron_column *c, size_t row) {
  switch (c->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_INT ? json_null() : json_integer(v);
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[row];
    return isfinite(v) ? json_real(v) : json_null();
  }
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_MONEY ? json_null() : json_real((double)v / 1e4);
  }
  case PATRON_COL_DATE: return day_json(((const int32_t *)c->data)[row]);
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v < 0 || v >= c->n_labels ? json_null() : str_json(c->labels[v]);
  }
  case PATRON_COL_STRING: return str_json(((const char *const *)c->data)[row]);
  }
  return json_null();
}

static void member_fields(json_t *o, const srv_snapshot *snap, size_t row) {
  const patron_dataset *ds = snap->s.ds;
  if (!ds || !snap->s.customers || !patron_dataset_has_members(ds))
    return;
  uint32_t c = snap->s.customers[row];
  patron_members_view m;
  patron_dataset_members(ds, &m);
  if (!m.is_member[c])
    return;
  struct {
    const char *key, *dict;
    uint32_t code;
  } attrs[] = {{"gender", "gender", m.gender[c]},
               {"city", "city", m.city[c]},
               {"level", "level", m.level[c]}};
  for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++)
    if (!json_object_get(o, attrs[i].key))
      json_object_set_new(
          o, attrs[i].key,
          attrs[i].code ? str_json(patron_dataset_dict_value(ds, attrs[i].dict, attrs[i].code))
                        : json_null());
  if (!json_object_get(o, "signup_date"))
    json_object_set_new(o, "signup_date", day_json(m.signup_day[c]));
  if (!json_object_get(o, "birth_date"))
    json_object_set_new(o, "birth_date", day_json(m.birth_day[c]));
}

json_t *srv_customer_json(const srv_snapshot *snap, size_t row, bool unmask) {
  const patron_table *t = snap->s.table;
  json_t *o = json_object();
  for (size_t i = 0; o && i < patron_table_n_columns(t); i++) {
    const patron_column *c = patron_table_column(t, i);
    if (personal(c->name) && !unmask)
      continue; /* shown to admins only */
    json_object_set_new(o, c->name, cell_json(c, row));
  }
  if (o)
    member_fields(o, snap, row);
  return o;
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
  srv_json(an, 200, srv_customer_json(snap, row, rq->role == SRV_ROLE_ADMIN));
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
  json_t *rows = json_array();
  for (size_t r = (size_t)offset; rows && r < n && r < (size_t)offset + (size_t)limit; r++)
    json_array_append_new(rows, srv_customer_json(snap, r, rq->role == SRV_ROLE_ADMIN));
  srv_json(an, 200, json_pack("{s:I,s:o}", "count", (json_int_t)n, "rows", rows));
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
