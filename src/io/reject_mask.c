/* rejects.csv raw lines of a members file with the personal columns (name, phone, email,
 * wechat_id) masked as SPEC section 14 requires: the record is rebuilt from its fields, each
 * personal field masked (include/patron/mask.h), quoted where needed. */
#include "io/load_int.h"
#include "patron/mask.h"

#include <string.h>

typedef struct out_buf {
  char *p;
  size_t n, cap;
} out_buf;

static void put(out_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len && b->n < b->cap; i++)
    b->p[b->n++] = s[i];
}

static void put_field(out_buf *b, const char *s, size_t len, char delim) {
  bool quote = false;
  for (size_t i = 0; i < len && !quote; i++)
    quote = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    put(b, s, len);
    return;
  }
  put(b, "\"", 1);
  for (size_t i = 0; i < len; i++)
    put(b, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
  put(b, "\"", 1);
}

/* The personal-data kind of field i of a members file, from its resolved known columns. */
static patron_pii field_pii(const load_file *f, size_t i) {
  for (int c = 0; c < PATRON__MAX_COLUMNS && patron__column_names[f->kind][c]; c++)
    if (f->field[c] == (int)i)
      return patron_pii_of_column(patron__column_names[f->kind][c]);
  return PATRON_PII_NONE;
}

static size_t rebuild(const load_file *f, const patron__csv_record *rec, char *out, size_t cap) {
  out_buf b = {out, 0, cap};
  char delim = f->scan.dialect.delimiter;
  char masked[1024];
  for (size_t i = 0; i < rec->n_fields; i++) {
    if (i)
      put(&b, &delim, 1);
    const patron__csv_field *v = &rec->fields[i];
    patron_pii kind = field_pii(f, i);
    if (kind == PATRON_PII_NONE) {
      put_field(&b, v->ptr, v->len, delim);
      continue;
    }
    size_t len = v->len > sizeof masked - 4 ? sizeof masked - 4 : v->len;
    size_t m = patron_mask(kind, v->ptr, len, masked, sizeof masked);
    put_field(&b, masked, m < sizeof masked ? m : sizeof masked - 1, delim);
  }
  return b.n;
}

size_t patron__masked_raw(const load_file *f, const patron__csv_record *rec, char *out,
                          size_t cap) {
  if (rec->n_fields > 0 || rec->raw_len == 0)
    return rebuild(f, rec, out, cap);
  /* a record known only by its text (read back from the file): parse it first */
  patron__csv_record parsed = {0};
  const char *next;
  patron__csv_parse(&f->scan.dialect, rec->raw, rec->raw + rec->raw_len, true, &parsed, &next);
  size_t n = rebuild(f, &parsed, out, cap);
  patron__csv_record_free(&parsed);
  return n;
}

bool patron__has_pii(const load_file *f) {
  if (f->kind != PATRON_FILE_CUSTOMERS)
    return false;
  for (int c = 0; c < PATRON__MAX_COLUMNS && patron__column_names[f->kind][c]; c++)
    if (f->field[c] >= 0 &&
        patron_pii_of_column(patron__column_names[f->kind][c]) != PATRON_PII_NONE)
      return true;
  return false;
}
