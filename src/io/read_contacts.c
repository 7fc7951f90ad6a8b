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
#include <strings.h>
#include <unistd.h>

enum { C_ID, C_PHONE, C_EMAIL, C_WECHAT, C_CSMS, C_CEMAIL, C_CWECHAT, C_TZ, C_COUNT };
static const char *const contact_names[C_COUNT] = {"customer_id",    "phone",       "email",
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
  patron__csv_dialect dialect;
  uint64_t first_line; /* the file line of the first data record */
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
                           "%s must be 1, 0 or empty, got '%.*s'", contact_names[k],
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

/* The header a contact column is read under, as the loaders resolve columns
 * (src/io/load_common.c): a customers.NAME=HEADER map, else a NAME=HEADER map, else NAME. */
static const char *wanted(const patron_load_options *o, const char *name) {
  const char *generic = NULL;
  for (size_t i = 0; i < o->n_maps; i++) {
    const char *m = o->maps[i], *eq = strchr(m, '=');
    if (!eq)
      continue;
    const char *dot = memchr(m, '.', (size_t)(eq - m)), *n = dot ? dot + 1 : m;
    if ((size_t)(eq - n) != strlen(name) || memcmp(n, name, (size_t)(eq - n)) != 0)
      continue;
    if (!dot)
      generic = eq + 1;
    else if (dot - m == 9 && memcmp(m, "customers", 9) == 0)
      return eq + 1;
  }
  return generic ? generic : name;
}

/* Exact header first, then ignoring ASCII case (as the loaders do). */
static int find(const patron__csv_field *names, size_t n, const char *want) {
  size_t len = strlen(want);
  for (size_t i = 0; i < n; i++)
    if (names[i].len == len && memcmp(names[i].ptr, want, len) == 0)
      return (int)i;
  for (size_t i = 0; i < n; i++)
    if (names[i].len == len && strncasecmp(names[i].ptr, want, len) == 0)
      return (int)i;
  return -1;
}

static void header(reader *r, const patron_load_options *o, const patron__csv_field *names,
                   size_t n) {
  for (int k = 0; k < C_COUNT; k++)
    r->col[k] = find(names, n, wanted(o, contact_names[k]));
}

/* --columns A,B,... as the header of a file without one. */
static void columns_header(reader *r, const patron_load_options *o) {
  patron__csv_field names[256];
  size_t n = 0;
  for (const char *p = o->columns; p && *p && n < 256;) {
    size_t len = strcspn(p, ",");
    names[n++] = (patron__csv_field){p, len};
    p += len + (p[len] == ',');
  }
  header(r, o, names, n);
}

/* The customers file's encoding: "customers=ENC", else a plain "ENC", else UTF-8. */
static const char *encoding(const patron_load_options *o) {
  const char *any = NULL;
  for (size_t i = 0; i < o->n_encodings; i++) {
    const char *e = o->encodings[i];
    if (strncmp(e, "customers=", 10) == 0)
      return e + 10;
    if (!strchr(e, '=') && !any)
      any = e;
  }
  return any;
}

static patron_status scan(reader *r, const patron_load_options *o, const char *p, const char *end,
                          patron_error *err) {
  patron__csv_record rec = {0};
  uint64_t line = r->first_line;
  patron_status st = PATRON_OK;
  const char *next;
  for (; st == PATRON_OK && p < end; p = next) {
    patron__csv_status cs = patron__csv_parse(&r->dialect, p, end, true, &rec, &next);
    if (cs == PATRON__CSV_NOMEM)
      st = PATRON__OOM(err);
    else if (cs != PATRON__CSV_OK)
      st = patron__error_set(err, PATRON_ERR_INPUT, r->path, line, 0, "malformed CSV record");
    else if (!patron__csv_is_blank(&rec))
      st = row(r, &rec, line, err);
    line += rec.n_lines ? rec.n_lines : 1;
  }
  patron__csv_record_free(&rec);
  if (st == PATRON_OK && r->col[C_ID] < 0)
    st = patron__error_set(err, PATRON_ERR_INPUT, r->path, 1, 0, "missing required column '%s'",
                           wanted(o, "customer_id"));
  return st;
}

/* Opens the file as the loaders do (delimiter, header or --columns, encoding, gzip, BOM) and
 * reads its data after the header. */
static patron_status read_data(reader *r, const patron_load_options *o, patron__scan *sc,
                               char **data, size_t *len, patron_error *err) {
  size_t plen = strlen(r->path);
  r->dialect = (patron__csv_dialect){
      .delimiter = o->delimiter                                              ? o->delimiter
                   : plen > 4 && strcasecmp(r->path + plen - 4, ".tsv") == 0 ? '\t'
                                                                             : ',',
      .max_field_lines = o->max_field_lines,
      .max_field_bytes = o->max_field_bytes,
      .encoding = encoding(o)};
  patron_status st = patron__scan_open(sc, r->path, r->dialect, !o->no_header, err);
  if (st != PATRON_OK)
    return st;
  if (o->no_header)
    columns_header(r, o);
  else
    header(r, o, sc->header.fields, sc->header.n_fields);
  r->first_line = sc->header_lines + 1;
  *len = (size_t)(sc->size - sc->data_start);
  if (!(*data = malloc(*len ? *len : 1)))
    return PATRON__OOM(err);
  for (size_t got = 0; got < *len;) {
    ssize_t n = pread(sc->fd, *data + got, *len - got, (off_t)(sc->data_start + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return patron__error_set(err, PATRON_ERR_IO, r->path, 0, 0, "read error: %s",
                               n < 0 ? strerror(errno) : "file shrank while read");
    got += (size_t)n;
  }
  return PATRON_OK;
}

patron_status patron_contacts_load(const patron_load_options *opts, const patron_dataset *ds,
                                   patron_contacts *out, patron_error *err) {
  *out = (patron_contacts){0};
  const char *path = opts->paths[PATRON_FILE_CUSTOMERS];
  patron_status st = alloc(out, patron_dataset_n_customers(ds), err);
  if (st != PATRON_OK || !path) {
    if (st != PATRON_OK)
      patron_contacts_free(out);
    return st;
  }
  char *data = NULL;
  size_t len = 0;
  patron__scan sc;
  reader r = {.path = path, .ds = ds, .c = out};
  st = read_data(&r, opts, &sc, &data, &len, err);
  if (st == PATRON_OK)
    st = scan(&r, opts, data, data + len, err);
  patron__scan_close(&sc);
  free(data);
  if (st != PATRON_OK)
    patron_contacts_free(out);
  return st;
}
