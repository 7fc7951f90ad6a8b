/* The customers (members) loader: one row per member with optional attributes
 * (gender, birth_date, city, signup_date, level, and every extra column as text, typed
 * when the dataset is finalized). A second row for the same customer_id is
 * rejected as a duplicate, never merged silently. Members with no orders become prospects. */
#include "io/load_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { M_CUSTOMER, M_NAME, M_PHONE, M_EMAIL, M_GENDER, M_BIRTH, M_CITY, M_SIGNUP, M_LEVEL };

static const patron__dict_id attr_dict[3] = {PATRON__DICT_GENDER, PATRON__DICT_CITY,
                                             PATRON__DICT_LEVEL};
static const int attr_column[3] = {M_GENDER, M_CITY, M_LEVEL};

typedef struct member_row {
  uint64_t line, offset;
  uint32_t raw_len;
  int32_t signup, birth;
  uint32_t attr[3];
} member_row;

typedef struct members_worker {
  load_worker base;
  member_row *rows; /* indexed by local customer */
  size_t cap;
  const char **extra; /* n_extra texts per local customer (NULL = empty), in arena */
  size_t extra_cap;
  patron__arena arena;
} members_worker;

static void members_init(load_worker *b) { (void)b; }

static void members_free_data(load_worker *b) {
  members_worker *w = (members_worker *)b;
  free(w->rows);
  w->rows = NULL;
  w->cap = 0;
  free(w->extra);
  w->extra = NULL;
  w->extra_cap = 0;
  patron__arena_free(&w->arena);
}

/* The extra columns' texts of local customer c. */
static bool keep_extras(members_worker *w, const patron__csv_record *rec, uint32_t c) {
  const load_file *f = w->base.file;
  size_t k = f->n_extra;
  if (!k)
    return true;
  if (!patron__reserve((void **)&w->extra, &w->extra_cap, ((size_t)c + 1) * k, sizeof *w->extra))
    return false;
  for (size_t j = 0; j < k; j++) {
    const patron__csv_field *v = &rec->fields[f->extra_field[j]];
    w->extra[(size_t)c * k + j] = NULL;
    if (v->len && !(w->extra[(size_t)c * k + j] = patron__arena_strdup(&w->arena, v->ptr, v->len)))
      return false;
  }
  return true;
}

static bool plausible_day(int32_t day) {
  return day == PATRON_NO_DAY ||
         (day >= PATRON_FIRST_PLAUSIBLE_DAY && day <= PATRON_LAST_PLAUSIBLE_DAY);
}

/* An optional date column: empty is "unknown", anything else must parse. */
static bool optional_day(const load_file *f, const patron__csv_record *rec, int column,
                         int32_t *out) {
  *out = PATRON_NO_DAY;
  if (f->field[column] < 0 || rec->fields[f->field[column]].len == 0)
    return true;
  int64_t t;
  if (!patron__parse_time_field(f, &rec->fields[f->field[column]], &t))
    return false;
  *out = patron_day_of_time(t);
  return true;
}

static bool members_row(void *ctx, const patron__csv_record *rec, uint64_t line) {
  members_worker *w = ctx;
  load_worker *b = &w->base;
  const load_file *f = b->file;
  bool go;
  if (!patron__worker_row_ok(b, rec, line, &go))
    return go;
  const patron__csv_field *cid = &rec->fields[f->field[M_CUSTOMER]];
  if (!cid->len)
    return patron__worker_reject(b, rec, line, M_CUSTOMER, PATRON_REJECT_EMPTY_CUSTOMER_ID);
  member_row m = {.line = line, .offset = rec->offset, .raw_len = (uint32_t)rec->raw_len};
  if (!optional_day(f, rec, M_SIGNUP, &m.signup))
    return patron__worker_reject(b, rec, line, M_SIGNUP, PATRON_REJECT_BAD_DATE);
  if (!optional_day(f, rec, M_BIRTH, &m.birth))
    return patron__worker_reject(b, rec, line, M_BIRTH, PATRON_REJECT_BAD_DATE);
  if (!plausible_day(m.signup))
    return patron__worker_reject(b, rec, line, M_SIGNUP, PATRON_REJECT_DATE_OUT_OF_RANGE);
  if (!plausible_day(m.birth))
    return patron__worker_reject(b, rec, line, M_BIRTH, PATRON_REJECT_DATE_OUT_OF_RANGE);
  size_t before = b->customers.n;
  uint32_t c = patron__worker_customer(b, cid);
  if (c == PATRON__NO_INDEX)
    return false;
  if (b->customers.n == before)
    return patron__worker_reject(b, rec, line, M_CUSTOMER, PATRON_REJECT_DUPLICATE_CUSTOMER);
  for (int a = 0; a < 3; a++)
    if (f->field[attr_column[a]] >= 0)
      m.attr[a] = patron__worker_code(b, attr_dict[a], &rec->fields[f->field[attr_column[a]]]);
  if (!patron__reserve((void **)&w->rows, &w->cap, (size_t)c + 1, sizeof *w->rows) ||
      !keep_extras(w, rec, c))
    return b->oom = true, false;
  w->rows[c] = m;
  b->rows_used++;
  if (m.signup != PATRON_NO_DAY && (int64_t)m.signup * 86400 >= f->as_of_seconds)
    b->after_as_of++;
  return true;
}

/* A duplicate found only when merging (its first row was in an earlier worker's range):
 * read its text back from the file for rejects.csv. */
static patron_status reject_late_duplicate(load_file *f, load_worker *b, const member_row *m,
                                           patron_error *err) {
  uint32_t len = m->raw_len > 4096 ? 4096 : m->raw_len;
  char *raw = malloc(len + 1);
  if (!raw)
    return PATRON__OOM(err);
  ssize_t got = pread(f->scan.fd, raw, len, (off_t)m->offset);
  patron__csv_record rec = {.raw = raw, .raw_len = got > 0 ? (size_t)got : 0};
  patron__worker_reject(b, &rec, m->line, M_CUSTOMER, PATRON_REJECT_DUPLICATE_CUSTOMER);
  free(raw);
  b->rows_used--;
  return b->oom ? PATRON__OOM(err) : PATRON_OK;
}

static patron_status merge_members(patron_dataset *ds, load_file *f, members_worker *w,
                                   patron_error *err) {
  uint32_t *remap = NULL, *codes[3] = {NULL, NULL, NULL};
  patron_status st = patron__merge_customers(ds, &w->base, &remap, err);
  for (int a = 0; a < 3 && st == PATRON_OK; a++)
    st = patron__merge_dict(ds, &w->base, attr_dict[a], &codes[a], err);
  if (st == PATRON_OK && (!patron__dataset_reserve_members(ds, ds->customers.n) ||
                          !patron__dataset_add_extras(ds, f->extra_name, f->n_extra)))
    st = PATRON__OOM(err);
  for (size_t i = 0; i < w->base.customers.n && st == PATRON_OK; i++) {
    uint32_t c = remap[i];
    const member_row *m = &w->rows[i];
    if (ds->is_member[c]) {
      st = reject_late_duplicate(f, &w->base, m, err);
      continue;
    }
    ds->is_member[c] = 1;
    ds->signup_day[c] = m->signup;
    ds->birth_day[c] = m->birth;
    for (int a = 0; a < 3; a++)
      ds->member_attr[a][c] = codes[a][m->attr[a]];
    for (size_t k = 0; k < ds->n_extra; k++)
      ds->extra[k][c] = w->extra[i * f->n_extra + k];
  }
  if (st == PATRON_OK)
    patron__arena_adopt(&ds->names, &w->arena);
  free(remap);
  for (int a = 0; a < 3; a++)
    free(codes[a]);
  return st;
}

static patron_status merge_all(patron_dataset *ds, load_file *f, load_worker **b, int n,
                               patron_error *err) {
  patron_status st = PATRON_OK;
  for (int i = 0; i < n && st == PATRON_OK; i++)
    st = merge_members(ds, f, (members_worker *)b[i], err);
  ds->has_members = st == PATRON_OK;
  return st;
}

static patron_status check_columns(const load_file *f, patron_error *err) {
  return patron__load_require(f, M_CUSTOMER, NULL, err);
}

static const load_kind members_kind = {
    .kind = PATRON_FILE_CUSTOMERS,
    .stage = "reading customers",
    .worker_size = sizeof(members_worker),
    .check = check_columns,
    .init = members_init,
    .free_data = members_free_data,
    .row = members_row,
    .merge = merge_all,
};

patron_status patron__load_members(patron_dataset *ds, const patron_load_options *opts,
                                   patron_error *err) {
  return patron__load_file(ds, opts, &members_kind, err);
}
