/* The API's customer object written straight into a text buffer (the hot path of
 * GET /customers/{id}: no intermediate JSON tree): keys are the profile's column names in
 * table order, then the member's fields; numbers as JSON numbers (doubles with 10
 * significant digits, money in currency units), dates as "YYYY-MM-DD", categories as their
 * labels, empty cells as null; strings escaped per RFC 8259, bytes that are not valid UTF-8
 * written as U+FFFD. Personal data columns are masked by the one masking module
 * (patron_mask, SPEC section 14) unless unmasked. */
#include "patron/mask.h"
#include "server_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_text_put(srv_text *t, const char *s, size_t n) {
  if (t->oom)
    return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = (t->len + n + 1) * 2;
    cap = cap < 4096 ? 4096 : cap; /* one allocation for a customer object */
    char *g = realloc(t->data, cap);
    if (!g) {
      t->oom = true;
      return;
    }
    t->data = g;
    t->cap = cap;
  }
  memcpy(t->data + t->len, s, n);
  t->len += n;
  t->data[t->len] = '\0';
}

static void put_str(srv_text *t, const char *s) { srv_text_put(t, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s) {
  if (s[0] < 0x80)
    return 1;
  size_t n = s[0] >= 0xf0 && s[0] <= 0xf4  ? 4
             : s[0] >= 0xe0                ? 3
             : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
                                           : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
    return 0; /* overlong or a surrogate */
  if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
    return 0;
  return n;
}

void srv_text_json_string(srv_text *t, const char *s) {
  srv_text_put(t, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t run = 0;
    while (p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
      run++;
    srv_text_put(t, (const char *)p, run);
    p += run;
    if (!*p)
      break;
    char esc[8];
    size_t n = utf8_len(p);
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\', esc[1] = (char)*p;
      srv_text_put(t, esc, 2);
      p++;
    } else if (*p < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *p);
      srv_text_put(t, esc, 6);
      p++;
    } else if (n) {
      srv_text_put(t, (const char *)p, n);
      p += n;
    } else {
      srv_text_put(t, "\xef\xbf\xbd", 3);
      p++;
    }
  }
  srv_text_put(t, "\"", 1);
}

static void put_day(srv_text *t, int32_t day) {
  char buf[24];
  if (day == PATRON_NO_DAY)
    return put_str(t, "null");
  size_t n = patron_format_day(day, buf + 1);
  buf[0] = '"', buf[n + 1] = '"';
  srv_text_put(t, buf, n + 2);
}

static void put_cell(srv_text *t, const patron_column *c, size_t row) {
  char buf[64];
  switch (c->type) {
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[row];
    if (v == PATRON_NULL_INT)
      return put_str(t, "null");
    return srv_text_put(t, buf, (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v));
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[row];
    if (!isfinite(v))
      return put_str(t, "null");
    return srv_text_put(t, buf, (size_t)snprintf(buf, sizeof buf, "%.10g", v));
  }
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    if (v == PATRON_NULL_MONEY)
      return put_str(t, "null");
    return srv_text_put(t, buf, (size_t)snprintf(buf, sizeof buf, "%.10g", (double)v / 1e4));
  }
  case PATRON_COL_DATE: return put_day(t, ((const int32_t *)c->data)[row]);
  case PATRON_COL_CATEGORY: {
    int32_t v = ((const int32_t *)c->data)[row];
    if (v < 0 || v >= c->n_labels)
      return put_str(t, "null");
    return srv_text_json_string(t, c->labels[v]);
  }
  case PATRON_COL_STRING: {
    const char *s = ((const char *const *)c->data)[row];
    return s ? srv_text_json_string(t, s) : put_str(t, "null");
  }
  }
}

static void put_key(srv_text *t, const char *key, bool *first) {
  if (!*first)
    srv_text_put(t, ",", 1);
  *first = false;
  srv_text_json_string(t, key);
  srv_text_put(t, ":", 1);
}

const char *const SRV_MEMBER_FIELDS[5] = {"gender", "city", "level", "signup_date", "birth_date"};

/* gender, city, level, signup_date, birth_date of a member (when not profile columns). */
static void put_member(srv_text *t, const srv_snapshot *snap, size_t row, bool *first) {
  const patron_dataset *ds = snap->s.ds;
  if (!ds || !snap->s.customers || !patron_dataset_has_members(ds))
    return;
  uint32_t c = snap->s.customers[row];
  patron_members_view m;
  patron_dataset_members(ds, &m);
  if (!m.is_member[c])
    return;
  const uint32_t codes[] = {m.gender[c], m.city[c], m.level[c]};
  for (size_t i = 0; i < 3; i++) {
    if (!snap->member_shown[i])
      continue;
    put_key(t, SRV_MEMBER_FIELDS[i], first);
    if (codes[i])
      srv_text_json_string(t, patron_dataset_dict_value(ds, SRV_MEMBER_FIELDS[i], codes[i]));
    else
      put_str(t, "null");
  }
  const int32_t values[] = {m.signup_day[c], m.birth_day[c]};
  for (size_t i = 0; i < 2; i++)
    if (snap->member_shown[3 + i]) {
      put_key(t, SRV_MEMBER_FIELDS[3 + i], first);
      put_day(t, values[i]);
    }
}

/* A personal data cell, masked. */
static void put_masked(srv_text *t, patron_pii kind, const char *s) {
  if (!s)
    return srv_text_put(t, "null", 4);
  size_t len = strlen(s);
  char small[256], *buf = len + 4 <= sizeof small ? small : malloc(len + 4);
  if (!buf) {
    t->oom = true;
    return;
  }
  patron_mask(kind, s, len, buf, len + 4);
  srv_text_json_string(t, buf);
  if (buf != small)
    free(buf);
}

/* The row's cells live in one array per column, so a lookup touches a cache line per column:
 * asking for all of them first lets the memory system fetch them together instead of one
 * miss after another (most of a lookup's time on a large table). */
static void prefetch_row(const srv_snapshot *snap, size_t row) {
  const patron_table *tb = snap->s.table;
  size_t n = patron_table_n_columns(tb);
  for (size_t i = 0; i < n; i++) {
    const patron_column *c = patron_table_column(tb, i);
    size_t size = c->type == PATRON_COL_DATE || c->type == PATRON_COL_CATEGORY ? 4 : 8;
    __builtin_prefetch((const char *)c->data + row * size);
  }
  for (size_t i = 0; i < n; i++) {
    const patron_column *c = patron_table_column(tb, i);
    if (c->type == PATRON_COL_STRING && ((const char *const *)c->data)[row])
      __builtin_prefetch(((const char *const *)c->data)[row]);
  }
  if (snap->s.ds && snap->s.customers && patron_dataset_has_members(snap->s.ds)) {
    uint32_t cu = snap->s.customers[row];
    patron_members_view m;
    patron_dataset_members(snap->s.ds, &m);
    const void *cells[] = {m.is_member + cu, m.signup_day + cu, m.birth_day + cu,
                           m.gender + cu,    m.city + cu,       m.level + cu};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
      __builtin_prefetch(cells[i]);
  }
}

void srv_customer_text(srv_text *t, const srv_snapshot *snap, size_t row, bool unmask) {
  const patron_table *tb = snap->s.table;
  bool first = true;
  prefetch_row(snap, row);
  srv_text_put(t, "{", 1);
  for (size_t i = 0; i < patron_table_n_columns(tb); i++) {
    const patron_column *c = patron_table_column(tb, i);
    patron_pii kind = snap->pii[i];
    if (i)
      srv_text_put(t, ",", 1);
    first = false;
    srv_text_put(t, snap->keys.data + snap->key_at[i], snap->key_at[i + 1] - snap->key_at[i]);
    if (kind != PATRON_PII_NONE && !unmask && c->type == PATRON_COL_STRING)
      put_masked(t, kind, ((const char *const *)c->data)[row]);
    else
      put_cell(t, c, row);
  }
  put_member(t, snap, row, &first);
  srv_text_put(t, "}", 1);
}

bool srv_customer_keys(srv_snapshot *snap) {
  size_t n = patron_table_n_columns(snap->s.table);
  snap->key_at = malloc((n + 1) * sizeof *snap->key_at);
  snap->pii = malloc((n ? n : 1) * sizeof *snap->pii);
  if (!snap->key_at || !snap->pii)
    return false;
  for (size_t i = 0; i < n; i++) {
    const char *name = patron_table_column(snap->s.table, i)->name;
    snap->key_at[i] = snap->keys.len;
    snap->pii[i] = patron_pii_of_column(name);
    srv_text_json_string(&snap->keys, name);
    srv_text_put(&snap->keys, ":", 1);
  }
  snap->key_at[n] = snap->keys.len;
  return !snap->keys.oom;
}
