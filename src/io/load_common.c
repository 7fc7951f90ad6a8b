/* Column resolution, reject recording and worker merging shared by every loader. */
#include "core/exec.h"
#include "io/load_int.h"
#include "patron/caret.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const patron__column_names[PATRON__FILE_KINDS_ALL][PATRON__MAX_COLUMNS] = {
    [PATRON_FILE_ORDERS] = {"customer_id", "order_id", "order_time", "amount", "quantity",
                            "unit_price", "category", "brand", "channel", "store_id", "discount",
                            "item_id"},
    [PATRON_FILE_CUSTOMERS] = {"customer_id", "name", "phone", "email", "gender", "birth_date",
                               "city", "signup_date", "level", "wechat_id", "consent_sms",
                               "consent_email", "consent_wechat", "timezone"},
    [PATRON_FILE_EVENTS] = {"customer_id", "event_time", "event_type", "item_id", "category"},
    [PATRON__FILE_SUMMARY] = {"customer_id", "frequency", "recency", "T", "monetary_value"},
};

static const char *const kind_names[PATRON__FILE_KINDS_ALL] = {"orders", "customers", "events",
                                                               "summary"};

static uint32_t field_lines(const patron_load_options *opts) {
  return opts->max_field_lines ? opts->max_field_lines : PATRON__CSV_FIELD_LINES;
}

static uint32_t field_bytes(const patron_load_options *opts) {
  uint32_t b = opts->max_field_bytes ? opts->max_field_bytes : PATRON__CSV_FIELD_BYTES;
  return b > PATRON__CSV_MAX_RECORD ? PATRON__CSV_MAX_RECORD : b;
}

int patron__load_threads(const patron_load_options *opts) {
  int n = opts->n_threads > 0 ? opts->n_threads : patron__default_threads();
  return n > 64 ? 64 : n;
}

/* Splits "[FILE.]NAME=HEADER"; false when malformed. */
static bool split_map(const char *map, const char **file, size_t *file_len, const char **name,
                      size_t *name_len, const char **header) {
  const char *eq = strchr(map, '=');
  if (!eq || eq == map || !eq[1])
    return false;
  const char *dot = memchr(map, '.', (size_t)(eq - map));
  *file = dot ? map : NULL;
  *file_len = dot ? (size_t)(dot - map) : 0;
  *name = dot ? dot + 1 : map;
  *name_len = (size_t)(eq - *name);
  *header = eq + 1;
  return *name_len > 0;
}

static int known_column(patron_file_kind kind, const char *name, size_t len) {
  for (int i = 0; i < PATRON__MAX_COLUMNS && patron__column_names[kind][i]; i++)
    if (strlen(patron__column_names[kind][i]) == len &&
        memcmp(patron__column_names[kind][i], name, len) == 0)
      return i;
  return -1;
}

static patron_status map_error(patron_error *err, const char *map, size_t at, const char *why) {
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, (uint32_t)at + 1,
                           "--map %s\n  %s\n  %*s^ %s", map, map, (int)at, "", why);
}

/* An unknown NAME: the nearest known name when one is close, and the orders' names. */
static patron_status unknown_name(patron_error *err, const char *map, const char *name,
                                  size_t len) {
  const char *all[PATRON__FILE_KINDS_ALL * PATRON__MAX_COLUMNS];
  size_t n = 0;
  for (int k = 0; k < PATRON__FILE_KINDS_ALL; k++)
    for (int i = 0; i < PATRON__MAX_COLUMNS && patron__column_names[k][i]; i++)
      all[n++] = patron__column_names[k][i];
  const char *near = patron_suggest(name, len, all, n);
  char why[512];
  int at = snprintf(why, sizeof why,
                    "unknown column name%s%s%s (SPEC section 1; the orders' "
                    "columns are",
                    near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
  for (int i = 0; i < PATRON__MAX_COLUMNS && patron__column_names[PATRON_FILE_ORDERS][i] &&
                  at > 0 && (size_t)at < sizeof why;
       i++)
    at += snprintf(why + at, sizeof why - (size_t)at, "%s %s", i ? "," : "",
                   patron__column_names[PATRON_FILE_ORDERS][i]);
  if (at > 0 && (size_t)at < sizeof why)
    snprintf(why + at, sizeof why - (size_t)at, ")");
  return map_error(err, map, 0, why);
}

/* True when an earlier map names the same [FILE.]NAME as map i. */
static bool repeated_map(const patron_load_options *opts, size_t i) {
  const char *eq = strchr(opts->maps[i], '=');
  size_t key = (size_t)(eq - opts->maps[i]);
  for (size_t j = 0; j < i; j++)
    if (strncmp(opts->maps[j], opts->maps[i], key) == 0 && opts->maps[j][key] == '=')
      return true;
  return false;
}

/* Validates every --map against the known columns of all kinds. */
static patron_status check_maps(const patron_load_options *opts, patron_error *err) {
  for (size_t i = 0; i < opts->n_maps; i++) {
    const char *m = opts->maps[i], *file, *name, *header;
    size_t file_len, name_len;
    if (!split_map(m, &file, &file_len, &name, &name_len, &header))
      return map_error(err, m, 0, "expected NAME=HEADER or FILE.NAME=HEADER");
    if (repeated_map(opts, i))
      return map_error(err, m, 0, "this column is already mapped by an earlier --map");
    int kind = -1;
    if (file) {
      for (int k = 0; k < PATRON__FILE_KINDS_ALL; k++)
        if (strlen(kind_names[k]) == file_len && memcmp(kind_names[k], file, file_len) == 0)
          kind = k;
      if (kind < 0)
        return map_error(err, m, 0, "FILE must be orders, customers, events or summary");
      if (known_column((patron_file_kind)kind, name, name_len) < 0)
        return map_error(err, m, (size_t)(name - m), "not a column of this file");
      continue;
    }
    bool known = false;
    for (int k = 0; k < PATRON__FILE_KINDS_ALL; k++)
      known |= known_column((patron_file_kind)k, name, name_len) >= 0;
    if (!known)
      return unknown_name(err, m, name, name_len);
  }
  return PATRON_OK;
}

/* The encoding of a file of this kind: "FILE=ENC" for it, else a plain "ENC", else NULL. */
static patron_status file_encoding(const patron_load_options *opts, patron_file_kind kind,
                                   const char **out, patron_error *err) {
  *out = NULL;
  for (size_t i = 0; i < opts->n_encodings; i++) {
    const char *e = opts->encodings[i], *eq = strchr(e, '=');
    if (!eq) {
      if (!*out)
        *out = e;
      continue;
    }
    int k = -1;
    for (int j = 0; j < PATRON__FILE_KINDS_ALL; j++)
      if (strlen(kind_names[j]) == (size_t)(eq - e) &&
          memcmp(kind_names[j], e, (size_t)(eq - e)) == 0)
        k = j;
    if (k < 0 || !eq[1])
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "--encoding %s: expected ENC or FILE=ENC with FILE orders, "
                               "customers, events or summary",
                               e);
    if (k == (int)kind) {
      *out = eq + 1;
      return PATRON_OK;
    }
  }
  return PATRON_OK;
}

/* The header a column is looked up under; *specific says a FILE.NAME map chose it. */
static const char *mapped_header(const load_file *f, const char *column, bool *specific) {
  const char *generic = NULL;
  *specific = false;
  for (size_t i = 0; i < f->opts->n_maps; i++) {
    const char *file, *name, *header;
    size_t file_len, name_len;
    if (!split_map(f->opts->maps[i], &file, &file_len, &name, &name_len, &header) ||
        strlen(column) != name_len || memcmp(column, name, name_len) != 0)
      continue;
    if (!file) {
      generic = header;
    } else if (strlen(kind_names[f->kind]) == file_len &&
               memcmp(kind_names[f->kind], file, file_len) == 0) {
      *specific = true;
      return header;
    }
  }
  return generic;
}

static int find_header(const char *const *names, size_t n, const char *want) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], want) == 0)
      return (int)i;
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(names[i], want) == 0)
      return (int)i;
  return -1;
}

/* Header names from the file or from --columns, copied into ds->names. */
static patron_status header_names(load_file *f, patron_dataset *ds, const char ***out,
                                  size_t *n_out, patron_error *err) {
  const char **names = NULL;
  size_t n = 0, cap = 0;
  if (f->opts->no_header) {
    const char *p = f->opts->columns;
    while (p) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      if (!patron__reserve((void **)&names, &cap, n + 1, sizeof *names) ||
          !(names[n++] = patron__arena_strdup(&ds->names, p, len)))
        goto oom;
      p = comma ? comma + 1 : NULL;
    }
  } else {
    const patron__csv_record *h = &f->scan.header;
    for (size_t i = 0; i < h->n_fields; i++) {
      const char *p = h->fields[i].ptr;
      size_t len = h->fields[i].len;
      while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
      while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
      if (!patron__reserve((void **)&names, &cap, n + 1, sizeof *names) ||
          !(names[n++] = patron__arena_strdup(&ds->names, p, len)))
        goto oom;
    }
  }
  *out = names;
  *n_out = n;
  return PATRON_OK;
oom:
  free(names);
  return PATRON__OOM(err);
}

/* "a, b, c" of the header names (cut to fit cap), for messages. */
static const char *names_text(const char *const *names, size_t n, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && o + 8 < cap; i++) {
    int w = snprintf(buf + o, cap - o, "%s'%s'", i ? ", " : "", names[i]);
    if (w < 0 || (size_t)w >= cap - o) {
      snprintf(buf + o, cap - o, ", ...");
      break;
    }
    o += (size_t)w;
  }
  return buf;
}

static bool utf8_valid(const unsigned char *p) {
  while (*p) {
    int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
    if (!len)
      return false;
    for (int k = 1; k < len; k++)
      if ((p[k] & 0xC0) != 0x80)
        return false;
    p += len;
  }
  return true;
}

/* A hint for a header that does not look like the expected columns. */
static const char *header_hint(const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!utf8_valid((const unsigned char *)names[i]))
      return " (names that are not UTF-8: save the file as UTF-8, e.g. iconv -f GBK -t UTF-8)";
  if (n == 1 && strpbrk(names[0], ";\t|"))
    return " (one column only: is the delimiter another one? see --delimiter)";
  return n <= 1 ? " (check --delimiter and that the file is UTF-8 text)" : "";
}

/* The contact columns that are also member attributes in expressions (SPEC 6: consent_*
 * are numbers); they keep their SPEC name when --map renames them. */
static bool attribute_slot(const char *column) {
  return strncmp(column, "consent_", 8) == 0 || strcmp(column, "timezone") == 0;
}

/* Customers: every other column is a member attribute, except personal data that has
 * no known slot (wechat_id: SPEC 14) and empty or repeated header names. */
static void extra_columns(load_file *f, const char **names, size_t n) {
  f->n_extra = 0;
  for (size_t j = 0; j < n && f->n_extra < PATRON__MAX_EXTRA; j++) {
    const char *name = names[j];
    bool known = !*name || strcmp(name, "wechat_id") == 0;
    for (int i = 0; i < PATRON__MAX_COLUMNS && !known; i++)
      if (f->field[i] == (int)j) {
        const char *column = patron__column_names[f->kind][i];
        known = !attribute_slot(column);
        name = column;
      }
    for (size_t k = 0; k < f->n_extra && !known; k++)
      known = strcmp(f->extra_name[k], name) == 0;
    if (!known) {
      f->extra_field[f->n_extra] = (int)j;
      f->extra_name[f->n_extra++] = name;
    }
  }
}

static patron_status resolve_columns(load_file *f, const char **names, size_t n,
                                     patron_error *err) {
  names_text(names, n, f->found, sizeof f->found);
  f->found_hint = header_hint(names, n);
  for (int i = 0; i < PATRON__MAX_COLUMNS; i++) {
    f->field[i] = -1;
    f->header[i] = NULL;
    const char *column = patron__column_names[f->kind][i];
    if (!column)
      continue;
    bool specific;
    const char *want = mapped_header(f, column, &specific);
    int idx = want ? find_header(names, n, want) : -1;
    if (idx < 0 && want)
      return patron__error_set(err, PATRON_ERR_INPUT, f->path, f->opts->no_header ? 0 : 1, 0,
                               "--map %s%s%s=%s: the %s file has no column '%s'%s; its columns: "
                               "%s%s",
                               specific ? kind_names[f->kind] : "", specific ? "." : "", column,
                               want, kind_names[f->kind], want,
                               specific ? ""
                                        : " (a NAME=HEADER map applies to every file with "
                                          "column NAME; FILE.NAME=HEADER maps one file)",
                               f->found, f->found_hint);
    if (idx < 0)
      idx = find_header(names, n, column);
    for (size_t j = 0; idx >= 0 && j < n; j++)
      if ((int)j != idx && strcasecmp(names[j], names[idx]) == 0)
        return patron__error_set(err, PATRON_ERR_INPUT, f->path, f->opts->no_header ? 0 : 1, 0,
                                 "two columns are named '%s' (fields %d and %zu): rename one, or "
                                 "map %s to another with --map %s=HEADER",
                                 names[idx], idx + 1, j + 1, column, column);
    f->field[i] = idx;
    f->header[i] = idx >= 0 ? names[idx] : column;
  }
  if (f->kind == PATRON_FILE_CUSTOMERS)
    extra_columns(f, names, n);
  return PATRON_OK;
}

patron_status patron__load_open(load_file *f, patron_dataset *ds, patron_file_kind kind,
                                const patron_load_options *opts, patron_error *err) {
  return patron__load_open_path(f, ds, kind, opts->paths[kind], opts, err);
}

patron_status patron__load_open_path(load_file *f, patron_dataset *ds, patron_file_kind kind,
                                     const char *path, const patron_load_options *opts,
                                     patron_error *err) {
  memset(f, 0, sizeof *f);
  f->scan.fd = -1; /* closing after an early failure must not close stdin */
  f->kind = kind;
  f->path = path;
  f->opts = opts;
  f->as_of_seconds =
      opts->as_of_day == PATRON_NO_DAY ? INT64_MAX : (int64_t)opts->as_of_day * 86400;
  f->since_seconds =
      opts->since_day == PATRON_NO_DAY ? INT64_MIN : (int64_t)opts->since_day * 86400;
  patron_status st = check_maps(opts, err);
  if (st != PATRON_OK)
    return st;
  if (opts->no_header && (!opts->columns || !*opts->columns))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--no-header needs --columns NAME,NAME,... naming every column");
  char delim = opts->delimiter;
  if (!delim) {
    size_t len = strlen(f->path);
    delim = len > 4 && strcasecmp(f->path + len - 4, ".tsv") == 0 ? '\t' : ',';
  }
  const char *encoding = NULL;
  st = file_encoding(opts, kind, &encoding, err);
  if (st != PATRON_OK)
    return st;
  patron__csv_dialect dialect = {delim, field_lines(opts), field_bytes(opts), encoding};
  st = patron__scan_open(&f->scan, f->path, dialect, !opts->no_header, err);
  if (st != PATRON_OK)
    return st;
  const char **names = NULL;
  st = header_names(f, ds, &names, &f->n_fields, err);
  for (size_t i = 0; st == PATRON_OK && i < f->n_fields && i < PATRON_EMPTY_COLUMNS; i++)
    f->names[i] = names[i];
  if (st == PATRON_OK)
    st = resolve_columns(f, names, f->n_fields, err);
  free(names);
  return st;
}

patron_status patron__load_require(const load_file *f, int column, const char *hint,
                                   patron_error *err) {
  if (f->field[column] >= 0)
    return PATRON_OK;
  const char *name = patron__column_names[f->kind][column];
  return patron__error_set(err, PATRON_ERR_INPUT, f->path, f->opts->no_header ? 0 : 1, 0,
                           "missing required column '%s' in the %s file%s; map it with "
                           "--map %s=HEADER; its columns: %s%s",
                           name, kind_names[f->kind], hint ? hint : "", name, f->found,
                           f->found_hint);
}

void patron__worker_init(load_worker *w, const load_file *f) {
  memset(w, 0, sizeof *w);
  w->file = f;
  w->last_customer = PATRON__NO_INDEX;
  w->last_len = PATRON__NO_INDEX;
}

void patron__worker_free(load_worker *w) {
  patron__intern_free(&w->customers);
  for (int d = 0; d < PATRON__DICT_COUNT; d++)
    patron__intern_free(&w->dicts[d]);
  free(w->rejects.items);
  patron__arena_free(&w->rejects.text);
  memset(w, 0, sizeof *w);
}

enum { RAW_CAP = 4096, VALUE_CAP = 200 };

bool patron__worker_reject(load_worker *w, const patron__csv_record *rec, uint64_t line, int column,
                           patron_reject_reason reason) {
  patron__rejects *r = &w->rejects;
  if (!patron__reserve((void **)&r->items, &r->cap, r->n + 1, sizeof *r->items)) {
    w->oom = true;
    return false;
  }
  size_t raw_len = rec->raw_len > RAW_CAP ? RAW_CAP : rec->raw_len;
  const patron__csv_field *v = NULL;
  if (column >= 0 && w->file->field[column] >= 0 && (size_t)w->file->field[column] < rec->n_fields)
    v = &rec->fields[w->file->field[column]];
  size_t value_len = v ? (v->len > VALUE_CAP ? VALUE_CAP : v->len) : 0;
  char masked[RAW_CAP];
  const char *raw_src = rec->raw;
  if (patron__has_pii(w->file))
    raw_src = masked, raw_len = patron__masked_raw(w->file, rec, masked, sizeof masked);
  const char *raw = patron__arena_strdup(&r->text, raw_src, raw_len);
  const char *value = patron__arena_strdup(&r->text, v ? v->ptr : "", value_len);
  if (!raw || !value) {
    w->oom = true;
    return false;
  }
  r->items[r->n++] = (patron__reject_rec){
      .line = line,
      .column = column >= 0 ? w->file->header[column] : "",
      .raw = raw,
      .value = value,
      .raw_len = (uint32_t)raw_len,
      .reason = (uint8_t)reason,
      .file = (uint8_t)w->file->kind,
  };
  w->by_reason[reason]++;
  return !w->file->opts->strict;
}

bool patron__worker_syntax(void *ctx, const patron__csv_record *rec, uint64_t line,
                           patron__csv_status why) {
  load_worker *w = ctx;
  patron_reject_reason reason = PATRON_REJECT_FIELD_COUNT;
  switch (why) {
  case PATRON__CSV_UNTERMINATED: reason = PATRON_REJECT_UNTERMINATED_QUOTE; break;
  case PATRON__CSV_STRAY_QUOTE: reason = PATRON_REJECT_TEXT_AFTER_QUOTE; break;
  case PATRON__CSV_RUNAWAY_QUOTE: reason = PATRON_REJECT_RUNAWAY_QUOTE; break;
  case PATRON__CSV_TOO_LONG: reason = PATRON_REJECT_TOO_LONG; break;
  case PATRON__CSV_TOO_MANY_FIELDS: reason = PATRON_REJECT_TOO_MANY_FIELDS; break;
  default: break;
  }
  w->rows_read++;
  return patron__worker_reject(w, rec, line, -1, reason);
}

bool patron__worker_row_ok(load_worker *w, const patron__csv_record *rec, uint64_t line,
                           bool *keep_going) {
  w->rows_read++;
  w->line = line;
  *keep_going = true;
  if (rec->n_fields == w->file->n_fields) {
    size_t n = rec->n_fields < PATRON_EMPTY_COLUMNS ? rec->n_fields : PATRON_EMPTY_COLUMNS;
    for (size_t i = 0; i < n; i++)
      w->empty[i] += rec->fields[i].len == 0;
    return true;
  }
  *keep_going = patron__worker_reject(w, rec, line, -1, PATRON_REJECT_FIELD_COUNT);
  return false;
}

/* Notes the first new id or category that is not UTF-8 (a GBK file read without
 * --encoding): checked once per distinct value, so it costs nothing per row. */
static void check_text(load_worker *w, const patron__csv_field *v) {
  if (w->not_utf8_line || patron__utf8_valid(v->ptr, v->len))
    return;
  w->not_utf8_line = w->line ? w->line : 1;
  patron__escape(w->not_utf8, sizeof w->not_utf8, v->ptr, v->len);
}

uint32_t patron__worker_customer(load_worker *w, const patron__csv_field *id) {
  return patron__worker_customer_tagged(w, id, patron__intern_tag(0, id->ptr, id->len));
}

/* Whether id is the previous row's (compared in the worker: the table's copy is likely
 * cold); the tags differ for most other ids, and a short id is compared as a word. */
static bool is_last(const load_worker *w, const patron__csv_field *id, uint32_t tag) {
  if (tag != w->last_tag || id->len != w->last_len)
    return false;
  return id->len <= 8 ? patron__short_key(id->ptr, id->len) == w->last_key
                      : memcmp(w->last_id, id->ptr, id->len) == 0;
}

uint32_t patron__worker_customer_tagged(load_worker *w, const patron__csv_field *id, uint32_t tag) {
  if (is_last(w, id, tag))
    return w->last_customer;
  bool added;
  uint32_t c = patron__intern_put_tagged(&w->customers, 0, id->ptr, id->len, tag, &added);
  if (c == PATRON__NO_INDEX)
    w->oom = true;
  else if (added)
    check_text(w, id);
  bool keep = c != PATRON__NO_INDEX && id->len <= sizeof w->last_id;
  w->last_customer = c;
  w->last_len = keep ? (uint32_t)id->len : PATRON__NO_INDEX;
  w->last_tag = tag;
  if (keep && id->len <= 8)
    w->last_key = patron__short_key(id->ptr, id->len);
  else if (keep)
    memcpy(w->last_id, id->ptr, id->len);
  return c;
}

uint32_t patron__worker_code(load_worker *w, patron__dict_id dict, const patron__csv_field *v) {
  if (!v->len)
    return 0;
  patron__intern *t = &w->dicts[dict];
  bool added;
  if (t->n == 0 && patron__intern_put(t, 0, "", 0, &added) == PATRON__NO_INDEX)
    return w->oom = true, 0;
  uint32_t code = patron__intern_put(t, 0, v->ptr, v->len, &added);
  if (code == PATRON__NO_INDEX)
    return w->oom = true, 0;
  if (added)
    check_text(w, v);
  return code;
}

bool patron__parse_time_field(const load_file *f, const patron__csv_field *v, int64_t *out) {
  const char *fmt = f->opts->date_format, *p = v->ptr;
  size_t len = v->len; /* blanks around a date are not part of it */
  while (len && (*p == ' ' || *p == '\t'))
    p++, len--;
  while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
    len--;
  if (fmt && patron_parse_time_format(p, len, fmt, out) == PATRON_OK)
    return true;
  return patron_parse_time(p, len, out) == PATRON_OK;
}

/* Worker ids [lo, hi) looked up in the dataset's table (read only, so blocks run in
 * parallel): their dataset index, NO_INDEX for an id the dataset lacks. Slots are loaded
 * AHEAD ids ahead (a cache miss each otherwise). */
enum { FIND_BLOCK = 1 << 16, AHEAD = 16 };

typedef struct id_lookup {
  const patron__intern *from, *into;
  uint32_t *map;
} id_lookup;

static void find_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const id_lookup *k = ctx;
  const patron__intern *t = k->from;
  for (size_t i = lo; i < hi; i++) {
    if (i + AHEAD < hi)
      patron__intern_prefetch(k->into, 0, t->str[i + AHEAD], t->len[i + AHEAD]);
    k->map[i] = patron__intern_find(k->into, 0, t->str[i], t->len[i]);
  }
}

/* The worker's ids are distinct: those the dataset lacks are inserted afterwards in their
 * order, so every id gets the index a put of each id in turn would give it. */
patron_status patron__merge_customers(patron_dataset *ds, load_worker *w, uint32_t **remap,
                                      patron_error *err) {
  const patron__intern *t = &w->customers;
  uint32_t *map = malloc((t->n ? t->n : 1) * sizeof *map);
  if (!map)
    return PATRON__OOM(err);
  id_lookup k = {t, &ds->customers, map};
  patron__exec_ranges(w->file->opts->n_threads, t->n, FIND_BLOCK, find_block, &k);
  for (size_t i = 0; i < t->n; i++) {
    bool added;
    if (i + AHEAD < t->n && map[i + AHEAD] == PATRON__NO_INDEX)
      patron__intern_prefetch(&ds->customers, 0, t->str[i + AHEAD], t->len[i + AHEAD]);
    if (map[i] == PATRON__NO_INDEX &&
        (map[i] = patron__intern_put(&ds->customers, 0, t->str[i], t->len[i], &added)) ==
            PATRON__NO_INDEX) {
      free(map);
      return PATRON__OOM(err);
    }
  }
  *remap = map;
  return PATRON_OK;
}

patron_status patron__merge_dict(patron_dataset *ds, load_worker *w, patron__dict_id dict,
                                 uint32_t **remap, patron_error *err) {
  const patron__intern *t = &w->dicts[dict];
  patron__intern *g = &ds->dicts[dict];
  uint32_t *map = malloc((t->n ? t->n : 1) * sizeof *map);
  bool added;
  if (!map || (g->n == 0 && patron__intern_put(g, 0, "", 0, &added) == PATRON__NO_INDEX)) {
    free(map);
    return PATRON__OOM(err);
  }
  map[0] = 0;
  for (size_t i = 0; i < t->n; i++) {
    map[i] = patron__intern_put(g, 0, t->str[i], t->len[i], &added);
    if (map[i] == PATRON__NO_INDEX) {
      free(map);
      return PATRON__OOM(err);
    }
  }
  *remap = map;
  return PATRON_OK;
}

static patron_status strict_error(const load_file *f, const patron__reject_rec *r,
                                  patron_error *err) {
  const char *key = patron_reject_key((patron_reject_reason)r->reason);
  char text[800], column[200];
  if (r->column[0])
    return patron__error_set(err, PATRON_ERR_INPUT, f->path, r->line, 0, "%s in column '%s': '%s'",
                             key,
                             patron__escape(column, sizeof column, r->column, strlen(r->column)),
                             patron__escape(text, sizeof text, r->value, strlen(r->value)));
  return patron__error_set(
      err, PATRON_ERR_INPUT, f->path, r->line, 0, "%s: %s", key,
      patron__escape(text, sizeof text, r->raw, r->raw_len > 200 ? 200 : r->raw_len));
}

void patron__load_warn(const load_file *f, const char *fmt, ...) {
  if (!f->opts->warn)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  f->opts->warn(f->opts->warn_ctx, msg);
}

static bool quoting_reason(uint8_t reason) {
  return reason == PATRON_REJECT_RUNAWAY_QUOTE || reason == PATRON_REJECT_UNTERMINATED_QUOTE ||
         reason == PATRON_REJECT_TEXT_AFTER_QUOTE;
}

/* Makes a stray quote impossible to miss: the lines it rejected, and records spanning many
 * lines (what a stray quote that found a partner looks like). */
static void warn_quoting(const load_file *f, const patron_file_report *rep,
                         const patron__reject_rec *r, size_t n) {
  size_t n_quoting = 0, first = 0;
  for (size_t i = 0; i < n; i++)
    if (quoting_reason(r[i].reason) && !n_quoting++)
      first = i;
  if (n_quoting)
    patron__load_warn(f,
                      "%s:%llu: %s (%zu line%s rejected for bad quoting); reading resumed on "
                      "the next line; a quoted field may span %u lines and %u bytes (raise "
                      "with --max-field-lines, --max-field-bytes)",
                      f->path, (unsigned long long)r[first].line,
                      patron_reject_key((patron_reject_reason)r[first].reason), n_quoting,
                      n_quoting == 1 ? "" : "s", field_lines(f->opts), field_bytes(f->opts));
  size_t n_dates = 0, first_date = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i].reason == PATRON_REJECT_DATE_OUT_OF_RANGE && !n_dates++)
      first_date = i;
  if (n_dates)
    patron__load_warn(f,
                      "%s:%llu: date_out_of_range (%zu row%s dated before 1900-01-01 or after "
                      "2199-12-31, sentinels such as 0001-01-01 or 9999-12-31, were rejected)",
                      f->path, (unsigned long long)r[first_date].line, n_dates,
                      n_dates == 1 ? "" : "s");
  if (rep->widest_record_lines > 2)
    patron__load_warn(f,
                      "%s:%llu: a record spans %llu lines (a quoted field holding line "
                      "breaks); %llu lines in all were read inside quoted fields",
                      f->path, (unsigned long long)rep->widest_record_line,
                      (unsigned long long)rep->widest_record_lines,
                      (unsigned long long)rep->lines_in_quotes);
}

static int by_line(const void *a, const void *b) {
  const patron__reject_rec *x = a, *y = b;
  return x->line < y->line ? -1 : x->line > y->line;
}

patron_status patron__merge_reports(patron_dataset *ds, load_file *f, load_worker **workers,
                                    patron__scan_worker *scan_workers, int n, patron_error *err) {
  patron_file_report *rep = &ds->reports[f->kind];
  patron__rejects *dst = &ds->rejects;
  size_t first = dst->n;
  rep->present = true;
  rep->n_columns = f->n_fields < PATRON_EMPTY_COLUMNS ? f->n_fields : PATRON_EMPTY_COLUMNS;
  for (size_t c = 0; c < rep->n_columns; c++)
    rep->columns[c] = f->names[c];
  uint64_t line0 = f->scan.header_lines, bad_text_line = 0;
  const char *bad_text = NULL;
  rep->lines_read = f->scan.header.n_lines + f->scan.unterminated;
  for (int i = 0; i < n; i++) {
    load_worker *w = workers[i];
    const patron__scan_worker *sw = &scan_workers[i];
    if (w->oom)
      return PATRON__OOM(err);
    rep->rows_read += w->rows_read;
    rep->rows_used += w->rows_used;
    rep->after_as_of += w->after_as_of;
    rep->before_since += w->before_since;
    rep->blank_lines += sw->n_blank;
    rep->lines_read += sw->n_lines;
    rep->lines_in_quotes += sw->n_extra;
    if (w->not_utf8_line && !bad_text)
      bad_text_line = line0 + w->not_utf8_line, bad_text = w->not_utf8;
    if (sw->widest_span > rep->widest_record_lines) {
      rep->widest_record_lines = sw->widest_span;
      rep->widest_record_line = line0 + sw->widest_line;
    }
    for (size_t c = 0; c < rep->n_columns; c++)
      rep->empty_cells[c] += w->empty[c];
    for (int r = 0; r < PATRON_REJECT_COUNT; r++) {
      rep->rejected_by_reason[r] += w->by_reason[r];
      rep->rows_rejected += w->by_reason[r];
    }
    if (!patron__reserve((void **)&dst->items, &dst->cap, dst->n + w->rejects.n,
                         sizeof *dst->items))
      return PATRON__OOM(err);
    for (size_t k = 0; k < w->rejects.n; k++) {
      dst->items[dst->n] = w->rejects.items[k];
      dst->items[dst->n++].line += line0;
    }
    patron__arena_adopt(&dst->text, &w->rejects.text);
    line0 += scan_workers[i].n_lines;
  }
  /* rows found bad only while merging (duplicates across workers) come last: restore order */
  if (dst->n > first)
    qsort(dst->items + first, dst->n - first, sizeof *dst->items, by_line);
  if (f->opts->strict && dst->n > first)
    return strict_error(f, &dst->items[first], err);
  warn_quoting(f, rep, dst->n > first ? dst->items + first : NULL, dst->n - first);
  if (bad_text)
    patron__load_warn(f,
                      "%s:%llu: '%s' is not UTF-8 text; if the file is GBK (or another "
                      "encoding), read it with --encoding gbk (or --encoding FILE=gbk)",
                      f->path, (unsigned long long)bad_text_line, bad_text);
  return PATRON_OK;
}

/* Empties a worker for a second parse of its range (after a split inside quotes). */
static void reset_worker(void *ctx) {
  load_worker *w = ctx;
  const load_file *f = w->file;
  const load_kind *k = w->kind;
  int n = w->n_workers;
  k->free_data(w);
  patron__worker_free(w);
  memset(w, 0, k->worker_size);
  patron__worker_init(w, f);
  w->kind = k;
  w->n_workers = n;
  k->init(w);
}

static patron_status scan_and_merge(patron_dataset *ds, load_file *f, const load_kind *k,
                                    load_worker **w, int n, patron_error *err) {
  patron__scan_worker sw[64] = {{0}};
  for (int i = 0; i < n; i++)
    sw[i].ctx = w[i];
  patron__scan_progress pr = {f->opts->progress, f->opts->progress_ctx, k->stage};
  patron_status st =
      patron__scan_run(&f->scan, sw, n, k->row, patron__worker_syntax, reset_worker, &pr, err);
  if (st == PATRON_OK)
    st = k->merge(ds, f, w, n, err);
  if (st == PATRON_OK)
    st = patron__merge_reports(ds, f, w, sw, n, err);
  return st;
}

/* Each worker starts on its own pair of cache lines: the fields a worker writes on every
 * row (counters, its table and order set headers) must not share a line with the next
 * worker's, or the cores take the line from each other on every row (with two workers in
 * one calloc'ed block this tripled the cost of the rows' bookkeeping). Pairs, because the
 * adjacent-line prefetcher fetches 128 bytes at a time. */
enum { WORKER_ALIGN = 128 };

static size_t worker_stride(const load_kind *k) {
  return (k->worker_size + WORKER_ALIGN - 1) / WORKER_ALIGN * WORKER_ALIGN;
}

patron_status patron__load_file(patron_dataset *ds, const patron_load_options *opts,
                                const load_kind *k, patron_error *err) {
  load_file f;
  patron_status st = patron__load_open(&f, ds, k->kind, opts, err);
  if (st == PATRON_OK)
    st = k->check(&f, err);
  int n = patron__load_threads(opts);
  size_t stride = worker_stride(k);
  char *block = st == PATRON_OK ? aligned_alloc(WORKER_ALIGN, (size_t)n * stride) : NULL;
  if (st == PATRON_OK && !block)
    st = PATRON__OOM(err);
  if (block)
    memset(block, 0, (size_t)n * stride);
  load_worker *w[64];
  for (int i = 0; block && i < n; i++) {
    w[i] = (load_worker *)(void *)(block + (size_t)i * stride);
    patron__worker_init(w[i], &f);
    w[i]->kind = k;
    w[i]->n_workers = n;
    k->init(w[i]);
  }
  if (st == PATRON_OK)
    st = scan_and_merge(ds, &f, k, w, n, err);
  for (int i = 0; block && i < n; i++) {
    k->free_data(w[i]);
    patron__worker_free(w[i]);
  }
  free(block);
  patron__scan_close(&f.scan);
  return st;
}
