/* Members' contacts for triggers and plans (SPEC sections 1, 11): phone, email, wechat_id,
 * consent_sms/email/wechat and timezone from the customers file, per dataset customer. RFC
 * 4180 via the project's tokenizer; a bad consent or time zone is an error naming file and
 * line (these columns decide who is contacted: nothing is guessed). */
#include "core/core_int.h"
#include "io/io_int.h"
#include "patron/trigger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_ID, C_PHONE, C_EMAIL, C_WECHAT, C_CSMS, C_CEMAIL, C_CWECHAT, C_TZ, C_COUNT };
static const char *const names[C_COUNT] = {"customer_id",    "phone",       "email",
                                           "wechat_id",      "consent_sms", "consent_email",
                                           "consent_wechat", "timezone"};

void patron_contacts_free(patron_contacts *c) {
  if (!c)
    return;
  free(c->phone);
  free(c->email);
  free(c->wechat);
  free(c->consent_sms);
  free(c->consent_email);
  free(c->consent_wechat);
  free(c->tz_minutes);
  if (c->priv) {
    patron__arena_free(c->priv);
    free(c->priv);
  }
  *c = (patron_contacts){0};
}

bool patron_contacts_reachable(const patron_contacts *c, uint32_t customer, const char *channel) {
  const char *const *have = NULL;
  const int8_t *consent = NULL;
  if (strcmp(channel, "sms") == 0)
    have = c ? c->phone : NULL, consent = c ? c->consent_sms : NULL;
  else if (strcmp(channel, "email") == 0 || strcmp(channel, "edm") == 0)
    have = c ? c->email : NULL, consent = c ? c->consent_email : NULL;
  else if (strcmp(channel, "wechat") == 0)
    have = c ? c->wechat : NULL, consent = c ? c->consent_wechat : NULL;
  else
    return true;
  if (!c || customer >= c->n)
    return false;
  return have[customer] && consent[customer] != 0;
}

static patron_status alloc(patron_contacts *c, size_t n, patron_error *err) {
  c->n = n;
  size_t m = n ? n : 1;
  c->phone = calloc(m, sizeof *c->phone);
  c->email = calloc(m, sizeof *c->email);
  c->wechat = calloc(m, sizeof *c->wechat);
  c->consent_sms = malloc(m);
  c->consent_email = malloc(m);
  c->consent_wechat = malloc(m);
  c->tz_minutes = malloc(m * sizeof *c->tz_minutes);
  c->priv = calloc(1, sizeof(patron__arena));
  if (!c->phone || !c->email || !c->wechat || !c->consent_sms || !c->consent_email ||
      !c->consent_wechat || !c->tz_minutes || !c->priv)
    return PATRON__OOM(err);
  memset(c->consent_sms, -1, m);
  memset(c->consent_email, -1, m);
  memset(c->consent_wechat, -1, m);
  for (size_t i = 0; i < m; i++)
    c->tz_minutes[i] = PATRON_NO_TZ;
  return PATRON_OK;
}

typedef struct reader {
  const char *path;
  const patron_dataset *ds;
  patron_contacts *c;
  int col[C_COUNT];
} reader;

static const patron__csv_field *field(const reader *r, const patron__csv_record *rec, int k) {
  if (r->col[k] < 0 || (size_t)r->col[k] >= rec->n_fields)
    return NULL;
  return &rec->fields[r->col[k]];
}

static patron_status consent(const reader *r, const patron__csv_record *rec, int k, uint64_t line,
                             int8_t *out, patron_error *err) {
  const patron__csv_field *f = field(r, rec, k);
  if (!f || f->len == 0)
    return PATRON_OK;
  if (f->len == 1 && (f->ptr[0] == '0' || f->ptr[0] == '1')) {
    *out = (int8_t)(f->ptr[0] - '0');
    return PATRON_OK;
  }
  return patron__error_set(err, PATRON_ERR_INPUT, r->path, line, (uint32_t)r->col[k] + 1,
                           "%s must be 1, 0 or empty, got '%.*s'", names[k],
                           (int)(f->len > 40 ? 40 : f->len), f->ptr);
}

static patron_status text(reader *r, const patron__csv_record *rec, int k, const char **out,
                          patron_error *err) {
  const patron__csv_field *f = field(r, rec, k);
  if (!f || f->len == 0)
    return PATRON_OK;
  *out = patron__arena_strdup(r->c->priv, f->ptr, f->len);
  return *out ? PATRON_OK : PATRON__OOM(err);
}

static patron_status row(reader *r, const patron__csv_record *rec, uint64_t line,
                         patron_error *err) {
  const patron__csv_field *id = field(r, rec, C_ID);
  if (!id || id->len == 0)
    return PATRON_OK; /* the loader reports such rows in rejects.csv */
  uint32_t c = patron_dataset_find_customer(r->ds, id->ptr, id->len);
  if (c == UINT32_MAX || c >= r->c->n)
    return PATRON_OK;
  patron_contacts *k = r->c;
  patron_status st = text(r, rec, C_PHONE, &k->phone[c], err);
  if (st == PATRON_OK)
    st = text(r, rec, C_EMAIL, &k->email[c], err);
  if (st == PATRON_OK)
    st = text(r, rec, C_WECHAT, &k->wechat[c], err);
  if (st == PATRON_OK)
    st = consent(r, rec, C_CSMS, line, &k->consent_sms[c], err);
  if (st == PATRON_OK)
    st = consent(r, rec, C_CEMAIL, line, &k->consent_email[c], err);
  if (st == PATRON_OK)
    st = consent(r, rec, C_CWECHAT, line, &k->consent_wechat[c], err);
  const patron__csv_field *tz = field(r, rec, C_TZ);
  if (st == PATRON_OK && tz && tz->len && !patron_parse_tz(tz->ptr, tz->len, &k->tz_minutes[c]))
    st = patron__error_set(err, PATRON_ERR_INPUT, r->path, line, (uint32_t)r->col[C_TZ] + 1,
                           "timezone must be +HH:MM or -HH:MM, got '%.*s'",
                           (int)(tz->len > 40 ? 40 : tz->len), tz->ptr);
  return st;
}

static void header(reader *r, const patron__csv_record *rec) {
  for (int k = 0; k < C_COUNT; k++) {
    r->col[k] = -1;
    for (size_t i = 0; i < rec->n_fields; i++)
      if (rec->fields[i].len == strlen(names[k]) &&
          memcmp(rec->fields[i].ptr, names[k], rec->fields[i].len) == 0)
        r->col[k] = (int)i;
  }
}

static patron_status read_file(const char *path, char **data, size_t *len, patron_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  size_t cap = 0;
  *data = NULL;
  *len = 0;
  size_t got = 1;
  while (got) {
    if (!patron__reserve((void **)data, &cap, *len + (1 << 20), 1)) {
      fclose(f);
      return PATRON__OOM(err);
    }
    got = fread(*data + *len, 1, cap - *len, f);
    *len += got;
  }
  bool bad = ferror(f);
  fclose(f);
  return bad ? patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "read error") : PATRON_OK;
}

static bool path_is_tsv(const char *path) {
  size_t n = strlen(path);
  return n >= 4 && strcmp(path + n - 4, ".tsv") == 0;
}

static patron_status scan(reader *r, const char *p, const char *end, patron_error *err) {
  patron__csv_dialect d = {.delimiter = path_is_tsv(r->path) ? '\t' : ','};
  patron__csv_record rec = {0};
  uint64_t line = 1;
  patron_status st = PATRON_OK;
  const char *next;
  if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  for (bool first = true; st == PATRON_OK && p < end; first = false, p = next) {
    patron__csv_status cs = patron__csv_parse(&d, p, end, true, &rec, &next);
    if (cs == PATRON__CSV_NOMEM)
      st = PATRON__OOM(err);
    else if (cs != PATRON__CSV_OK)
      st = patron__error_set(err, PATRON_ERR_INPUT, r->path, line, 0, "malformed CSV record");
    else if (first)
      header(r, &rec);
    else if (!patron__csv_is_blank(&rec))
      st = row(r, &rec, line, err);
    line += rec.n_lines ? rec.n_lines : 1;
  }
  patron__csv_record_free(&rec);
  if (st == PATRON_OK && r->col[C_ID] < 0)
    st = patron__error_set(err, PATRON_ERR_INPUT, r->path, 1, 0,
                           "missing required column 'customer_id'");
  return st;
}

patron_status patron_contacts_load(const char *path, const patron_dataset *ds, patron_contacts *out,
                                   patron_error *err) {
  *out = (patron_contacts){0};
  patron_status st = alloc(out, patron_dataset_n_customers(ds), err);
  if (st != PATRON_OK || !path) {
    if (st != PATRON_OK)
      patron_contacts_free(out);
    return st;
  }
  char *data = NULL;
  size_t len = 0;
  reader r = {.path = path, .ds = ds, .c = out};
  st = read_file(path, &data, &len, err);
  if (st == PATRON_OK)
    st = scan(&r, data, data + len, err);
  free(data);
  if (st != PATRON_OK)
    patron_contacts_free(out);
  return st;
}
