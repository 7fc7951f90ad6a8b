/* The dataset cache file's layout (docs/CACHE.md "File layout"): a header (magic, version,
 * byte order, the key), the dataset's columns as flat little-endian arrays in a fixed order,
 * every string in one blob referenced by offsets, and a trailing checksum over everything
 * before it (patron__hash_bytes chained section by section). Reading checks each section
 * against the bytes left before allocating it, then the checksum, then every index the
 * accessors trust (CSR offsets, dictionary codes, order links, string offsets), so a corrupt
 * or hostile file is an error, never a crash. */
#include "core/exec.h"
#include "io/cache_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char magic[8] = {'P', 'A', 'T', 'R', 'O', 'N', 'D', 'C'};
#define BYTE_ORDER_MARK 0x01020304u
#define NONE            UINT64_MAX
#define N_SCALARS       16
/* present, 6 counters, reasons, 4 line figures, n_columns, columns, empty cells */
#define REPORT_WORDS (1 + 6 + PATRON_REJECT_COUNT + 4 + 1 + 2 * PATRON_EMPTY_COLUMNS)
#define REJECT_WORDS 7

/* A new member of the dataset must be written here too: this fails to compile until the
 * codec (and the size below) are updated. (n_threads and lines.first_cap are not written:
 * they only steer the loader, which a dataset read from the cache has already been
 * through.) */
_Static_assert(sizeof(struct patron_dataset) == 5880 || sizeof(void *) != 8,
               "struct patron_dataset changed: update src/io/dataset_codec.c");

enum scalar {
  S_MAX_ORDER_TIME,
  S_LOAD_AS_OF,
  S_FLAGS,
  S_CUSTOMERS,
  S_ORDERS,
  S_EVENTS,
  S_LINES,
  S_EXTRA,
  S_BLOB,
  S_REJECTS,
  S_WARNINGS,
  S_MAX_EVENT_TIME,
  S_MAX_SIGNUP
};
enum { F_NO_AMOUNTS = 1, F_MEMBERS = 2, F_EVENTS = 4, F_LINES = 8 };

static uint64_t hash_more(uint64_t sum, const void *p, size_t n) {
  static const char nothing = 0;
  return patron__hash_bytes(n ? p : &nothing, n, sum);
}

/* A section longer than one block is checksummed block by block (each block's hash seeded
 * by its index, on every core: a 1.4 GB file is checked on both), the blocks' hashes
 * chained into the sum a group at a time; the result does not depend on the threads. When
 * reading a mapping, each block's pages are mapped in its job first (MADV_POPULATE_READ,
 * where the system has it), so that the prefault is spread over the cores too. */
#define HASH_BLOCK ((size_t)1 << 20)
#define HASH_GROUP 256

static inline uint64_t mix(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A block's hash: patron__hash_bytes's step in four independent lanes over 32-byte strides
 * (their multiplies overlap: several times its speed), then the lanes and the tail through
 * patron__hash_bytes. */
static uint64_t block_hash(const unsigned char *p, size_t len, uint64_t seed) {
  const uint64_t k = 0xe7037ed1a0b428dbull;
  uint64_t h[5] = {seed ^ 0xa0761d6478bd642full, seed ^ 0x8ebc6af09c88c6e3ull,
                   seed ^ 0x589965cc75374cc3ull, seed ^ 0x1d8e4e27c47d124full, 0};
  size_t n = len / 32 * 32;
  for (size_t i = 0; i < n; i += 32) {
    uint64_t w[4];
    memcpy(w, p + i, 32);
    for (int l = 0; l < 4; l++)
      h[l] = mix(h[l] ^ w[l], k);
  }
  h[4] = patron__hash_bytes(p + n, len - n, seed);
  return patron__hash_bytes(h, sizeof h, len);
}

typedef struct hash_job {
  const unsigned char *p;
  size_t n, first;
  bool populate;
  uint64_t h[HASH_GROUP];
} hash_job;

static void hash_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  hash_job *j = ctx;
  for (size_t b = lo; b < hi; b++) {
    size_t at = (j->first + b) * HASH_BLOCK, len = j->n - at < HASH_BLOCK ? j->n - at : HASH_BLOCK;
#ifdef MADV_POPULATE_READ
    if (j->populate) {
      uintptr_t start = (uintptr_t)(j->p + at), page = start & ~(uintptr_t)4095;
      madvise((void *)page, len + (start - page), MADV_POPULATE_READ); /* else: faults */
    }
#endif
    j->h[b] = block_hash(j->p + at, len, j->first + b);
  }
}

static uint64_t hash_section(uint64_t sum, const void *p, size_t n, bool populate, int n_threads) {
  if (n <= HASH_BLOCK)
    return hash_more(sum, p, n);
  hash_job j = {.p = p, .n = n, .populate = populate};
  size_t n_blocks = (n + HASH_BLOCK - 1) / HASH_BLOCK;
  for (j.first = 0; j.first < n_blocks; j.first += HASH_GROUP) {
    size_t k = n_blocks - j.first < HASH_GROUP ? n_blocks - j.first : HASH_GROUP;
    patron__exec_ranges(n_threads, k, 1, hash_block, &j);
    sum = hash_more(sum, j.h, k * sizeof *j.h);
  }
  return sum;
}

/* ---- writing ---------------------------------------------------------------------------- */

typedef struct blob {
  char *b;
  size_t n, cap;
  bool oom;
} blob;

static uint64_t add_bytes(blob *bl, const char *s, size_t len) {
  if (!patron__reserve((void **)&bl->b, &bl->cap, bl->n + len + 1, 1)) {
    bl->oom = true;
    return NONE;
  }
  uint64_t at = bl->n;
  if (len)
    memcpy(bl->b + bl->n, s, len);
  bl->b[bl->n + len] = '\0';
  bl->n += len + 1;
  return at;
}

static uint64_t add_str(blob *bl, const char *s) { return s ? add_bytes(bl, s, strlen(s)) : NONE; }

typedef struct enc {
  FILE *f;
  uint64_t sum;
  bool ok;
  int n_threads;
} enc;

/* One section: its bytes (hashed), then zeros up to a multiple of 8 (not hashed), so that
 * every section starts 8-byte aligned in the file and can be used where it is mapped. */
static void put(enc *e, const void *p, size_t n) {
  static const char zeros[8] = {0};
  size_t pad = (8 - n % 8) % 8;
  if ((n && fwrite(p, 1, n, e->f) != n) || (pad && fwrite(zeros, 1, pad, e->f) != pad))
    e->ok = false;
  e->sum = hash_section(e->sum, p, n, false, e->n_threads);
}

/* Every string of the dataset, in the order the sections below reference them. The blob
 * is built first so that it can be written before the offsets. */
typedef struct strings {
  blob bl;
  uint64_t *ids, *extra_names, *extra[PATRON__MAX_EXTRA], *dicts[PATRON__DICT_COUNT];
  uint64_t *warnings;
  uint64_t report_cols[PATRON_FILE_KINDS][PATRON_EMPTY_COLUMNS];
  uint64_t *rej; /* column, raw, value per reject */
} strings;

static void strings_free(strings *s) {
  free(s->bl.b), free(s->ids), free(s->extra_names), free(s->warnings), free(s->rej);
  for (int k = 0; k < PATRON__MAX_EXTRA; k++)
    free(s->extra[k]);
  for (int d = 0; d < PATRON__DICT_COUNT; d++)
    free(s->dicts[d]);
}

static uint64_t *offsets(blob *bl, const char *const *s, size_t n) {
  uint64_t *off = malloc((n ? n : 1) * sizeof *off);
  for (size_t i = 0; off && i < n; i++)
    off[i] = add_str(bl, s[i]);
  return off;
}

static bool collect_strings(const patron_dataset *ds, const patron__cache_meta *meta, strings *s) {
  size_t n = ds->n_customers;
  blob *bl = &s->bl;
  if (!(s->ids = malloc((n ? n : 1) * sizeof *s->ids)))
    return false;
  for (size_t i = 0; i < n; i++)
    s->ids[i] = add_bytes(bl, ds->ids[i], ds->id_len[i]);
  size_t ne = ds->has_members ? ds->n_extra : 0;
  if (!(s->extra_names = offsets(bl, ds->extra_name, ne)))
    return false;
  for (size_t k = 0; k < ne; k++)
    if (!(s->extra[k] = offsets(bl, ds->extra[k], n)))
      return false;
  for (int d = 0; d < PATRON__DICT_COUNT; d++)
    if (!(s->dicts[d] = offsets(bl, ds->dicts[d].str, ds->dicts[d].n)))
      return false;
  if (!(s->warnings = offsets(bl, meta->warnings, meta->n_warnings)))
    return false;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    for (size_t c = 0; c < PATRON_EMPTY_COLUMNS; c++)
      s->report_cols[k][c] =
          c < ds->reports[k].n_columns ? add_str(bl, ds->reports[k].columns[c]) : NONE;
  if (!(s->rej = malloc((3 * ds->rejects.n + 1) * sizeof *s->rej)))
    return false;
  for (size_t i = 0; i < ds->rejects.n; i++) {
    const patron__reject_rec *r = &ds->rejects.items[i];
    s->rej[3 * i] = add_str(bl, r->column);
    s->rej[3 * i + 1] = add_bytes(bl, r->raw, r->raw_len);
    s->rej[3 * i + 2] = add_str(bl, r->value);
  }
  return !bl->oom;
}

static int64_t max_event_time(const patron_dataset *ds) {
  int64_t m = INT64_MIN;
  for (size_t i = 0; i < ds->n_events; i++)
    m = ds->event_time[i] > m ? ds->event_time[i] : m;
  return m;
}

static int32_t max_signup(const patron_dataset *ds) {
  int32_t m = PATRON_NO_DAY;
  for (size_t i = 0; ds->has_members && i < ds->n_customers; i++)
    m = ds->signup_day[i] > m ? ds->signup_day[i] : m;
  return m;
}

static void put_scalars(enc *e, const patron_dataset *ds, const strings *s, size_t n_warnings) {
  uint64_t v[N_SCALARS] = {0};
  v[S_MAX_ORDER_TIME] = (uint64_t)ds->max_order_time;
  v[S_LOAD_AS_OF] = (uint64_t)(int64_t)ds->load_as_of;
  v[S_FLAGS] = (ds->no_amounts ? F_NO_AMOUNTS : 0) | (ds->has_members ? F_MEMBERS : 0) |
               (ds->has_events ? F_EVENTS : 0) | (ds->has_lines ? F_LINES : 0);
  v[S_CUSTOMERS] = ds->n_customers, v[S_ORDERS] = ds->n_orders, v[S_EVENTS] = ds->n_events;
  v[S_LINES] = ds->has_lines ? ds->lines.n : 0;
  v[S_EXTRA] = ds->has_members ? ds->n_extra : 0;
  v[S_BLOB] = s->bl.n, v[S_REJECTS] = ds->rejects.n, v[S_WARNINGS] = n_warnings;
  v[S_MAX_EVENT_TIME] = (uint64_t)max_event_time(ds);
  v[S_MAX_SIGNUP] = (uint64_t)(int64_t)max_signup(ds);
  put(e, v, sizeof v);
}

static void put_columns(enc *e, const patron_dataset *ds) {
  size_t n = ds->n_customers, no = ds->n_orders, nev = ds->n_events;
  put(e, ds->order_start, (n + 1) * 4);
  put(e, ds->order_time, no * 8), put(e, ds->order_value, no * 8), put(e, ds->order_lines, no * 4);
  put(e, ds->event_start, (n + 1) * 4);
  put(e, ds->event_time, nev * 8), put(e, ds->event_type, nev * 4);
  put(e, ds->event_category, nev * 4), put(e, ds->event_item, nev * 4);
  if (ds->has_lines) {
    const patron__line_store *l = &ds->lines;
    put(e, ds->line_start, (n + 1) * 4);
    put(e, l->time, l->n * 8), put(e, l->amount, l->n * 8), put(e, l->discount, l->n * 8);
    const uint32_t *u32[] = {l->category, l->brand, l->channel, l->store, l->item, l->order};
    for (size_t k = 0; k < 6; k++)
      put(e, u32[k], l->n * 4);
  }
  if (ds->has_members) {
    put(e, ds->is_member, n), put(e, ds->signup_day, n * 4), put(e, ds->birth_day, n * 4);
    for (int a = 0; a < 3; a++)
      put(e, ds->member_attr[a], n * 4);
  }
}

static void put_report(enc *e, const patron_file_report *r, const uint64_t *cols) {
  uint64_t w[REPORT_WORDS], *p = w;
  *p++ = r->present;
  *p++ = r->rows_read, *p++ = r->rows_used, *p++ = r->rows_rejected, *p++ = r->after_as_of;
  *p++ = r->blank_lines, *p++ = r->before_since;
  for (int q = 0; q < PATRON_REJECT_COUNT; q++)
    *p++ = r->rejected_by_reason[q];
  *p++ = r->lines_read, *p++ = r->lines_in_quotes, *p++ = r->widest_record_line;
  *p++ = r->widest_record_lines, *p++ = r->n_columns;
  for (int c = 0; c < PATRON_EMPTY_COLUMNS; c++)
    *p++ = cols[c];
  for (int c = 0; c < PATRON_EMPTY_COLUMNS; c++)
    *p++ = r->empty_cells[c];
  put(e, w, sizeof w);
}

static bool put_tables(enc *e, const patron_dataset *ds, const strings *s, size_t n_warnings) {
  size_t n = ds->n_customers;
  put(e, s->ids, n * 8), put(e, ds->id_len, n * 4);
  put_columns(e, ds);
  size_t ne = ds->has_members ? ds->n_extra : 0;
  put(e, s->extra_names, ne * 8);
  for (size_t k = 0; k < ne; k++) {
    put(e, s->extra[k], n * 8);
    uint64_t has_num = ds->extra_num[k] != NULL;
    put(e, &has_num, 8);
    if (has_num)
      put(e, ds->extra_num[k], n * 8);
  }
  for (int d = 0; d < PATRON__DICT_COUNT; d++) {
    uint64_t nd = ds->dicts[d].n;
    put(e, &nd, 8), put(e, s->dicts[d], nd * 8);
  }
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    put_report(e, &ds->reports[k], s->report_cols[k]);
  uint64_t *rej = malloc((ds->rejects.n * REJECT_WORDS + 1) * sizeof *rej);
  if (!rej)
    return false;
  for (size_t i = 0; i < ds->rejects.n; i++) {
    const patron__reject_rec *r = &ds->rejects.items[i];
    uint64_t *w = rej + i * REJECT_WORDS;
    w[0] = r->line, w[1] = s->rej[3 * i], w[2] = s->rej[3 * i + 1], w[3] = r->raw_len;
    w[4] = s->rej[3 * i + 2], w[5] = r->reason, w[6] = r->file;
  }
  put(e, rej, ds->rejects.n * REJECT_WORDS * 8);
  free(rej);
  put(e, s->warnings, n_warnings * 8);
  return true;
}

bool patron__cache_encode(FILE *f, const patron_dataset *ds, const patron__cache_meta *meta,
                          int n_threads) {
  strings s = {0};
  bool ok = collect_strings(ds, meta, &s);
  enc e = {f, 0, true, n_threads};
  uint32_t head[2] = {PATRON__CACHE_VERSION, BYTE_ORDER_MARK};
  uint64_t key_len = strlen(meta->key);
  if (ok) {
    put(&e, magic, sizeof magic), put(&e, head, sizeof head);
    put(&e, &key_len, 8), put(&e, meta->key, key_len);
    put_scalars(&e, ds, &s, meta->n_warnings);
    put(&e, s.bl.b, s.bl.n);
    ok = put_tables(&e, ds, &s, meta->n_warnings);
  }
  strings_free(&s);
  uint64_t sum = e.sum;
  return ok && e.ok && fwrite(&sum, 8, 1, f) == 1;
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct dec {
  const uint8_t *mem;
  uint64_t size, pos, sum;
  patron_error *err;
  patron_status st;
  bool mapped;
  int n_threads;
} dec;

static bool fail(dec *d, const char *why) {
  if (d->st == PATRON_OK)
    d->st = patron__error_set(d->err, PATRON_ERR_INPUT, NULL, 0, 0, "%s", why);
  return false;
}

/* The next section of n bytes where it lies (NULL on failure: d->st says why). */
static const void *view(dec *d, uint64_t n) {
  uint64_t padded = n + (8 - n % 8) % 8;
  if (d->st != PATRON_OK)
    return NULL;
  if (n > d->size - d->pos || padded > d->size - d->pos) {
    fail(d, "the file is truncated");
    return NULL;
  }
  const void *p = d->mem + d->pos;
  d->pos += padded;
  d->sum = hash_section(d->sum, p, (size_t)n, d->mapped, d->n_threads);
  return p;
}

static bool get(dec *d, void *dst, size_t n) {
  const void *p = view(d, n);
  if (p && n)
    memcpy(dst, p, n);
  return p != NULL;
}

/* A section of count elements of size bytes, in place (the dataset's columns point into
 * the mapped file: nothing copied). */
static void *get_array(dec *d, size_t size, uint64_t count) {
  if (d->st != PATRON_OK)
    return NULL;
  if (count > (d->size - d->pos) / size) {
    fail(d, "the file is truncated");
    return NULL;
  }
  return (void *)view(d, count * size);
}

/* What was read besides the dataset's own members (offsets into the blob; all in the
 * mapped file). */
typedef struct raw {
  uint64_t v[N_SCALARS];
  const char *blob;
  const uint64_t *ids, *extra_names, *extra[PATRON__MAX_EXTRA], *dicts[PATRON__DICT_COUNT];
  uint64_t reports[PATRON_FILE_KINDS][REPORT_WORDS];
  const uint64_t *rejects, *warnings;
} raw;

/* "written for other inputs": the first line of the stored key that differs from the
 * wanted one (a changed file's fingerprint, an option). */
static void key_differs(dec *d, const char *stored, size_t len, const char *want) {
  size_t at = 0, line = 0;
  while (at < len && want[at] && stored[at] == want[at])
    if (stored[at++] == '\n')
      line = at;
  size_t end = line;
  while (end < len && stored[end] != '\n')
    end++;
  char shown[160];
  patron__escape(shown, sizeof shown, stored + line, end - line);
  d->st = patron__error_set(d->err, PATRON_ERR_INPUT, NULL, 0, 0,
                            "written for other inputs (it has '%s')", shown);
}

static bool get_header(dec *d, const char *key) {
  char m[8];
  uint32_t head[2];
  uint64_t key_len;
  if (!get(d, m, 8) || memcmp(m, magic, 8) != 0)
    return d->st == PATRON_OK ? fail(d, "not a patron dataset cache file") : false;
  if (!get(d, head, sizeof head))
    return false;
  if (head[1] != BYTE_ORDER_MARK)
    return fail(d, "written on a machine of another byte order");
  if (head[0] != PATRON__CACHE_VERSION) {
    patron__error_set(d->err, PATRON_ERR_INPUT, NULL, 0, 0,
                      "written by cache version %u, this is version %d", head[0],
                      PATRON__CACHE_VERSION);
    return (d->st = PATRON_ERR_INPUT), false;
  }
  if (!get(d, &key_len, 8))
    return false;
  const char *k = get_array(d, 1, key_len);
  if (!k)
    return false;
  bool same = !key || (strlen(key) == key_len && memcmp(k, key, key_len) == 0);
  if (!same)
    key_differs(d, k, (size_t)key_len, key);
  return same;
}

static bool get_columns(dec *d, patron_dataset *ds) {
  size_t n = ds->n_customers, no = ds->n_orders, nev = ds->n_events;
  ds->order_start = get_array(d, 4, n + 1);
  ds->order_time = get_array(d, 8, no), ds->order_value = get_array(d, 8, no);
  ds->order_lines = get_array(d, 4, no);
  ds->event_start = get_array(d, 4, n + 1);
  ds->event_time = get_array(d, 8, nev), ds->event_type = get_array(d, 4, nev);
  ds->event_category = get_array(d, 4, nev), ds->event_item = get_array(d, 4, nev);
  if (ds->has_lines) {
    patron__line_store *l = &ds->lines;
    ds->line_start = get_array(d, 4, n + 1);
    l->time = get_array(d, 8, l->n), l->amount = get_array(d, 8, l->n);
    l->discount = get_array(d, 8, l->n);
    uint32_t **u32[] = {&l->category, &l->brand, &l->channel, &l->store, &l->item, &l->order};
    for (size_t k = 0; k < 6; k++)
      *u32[k] = get_array(d, 4, l->n);
  }
  if (ds->has_members) {
    ds->is_member = get_array(d, 1, n), ds->signup_day = get_array(d, 4, n);
    ds->birth_day = get_array(d, 4, n);
    for (int a = 0; a < 3; a++)
      ds->member_attr[a] = get_array(d, 4, n);
    ds->member_cap = n;
  }
  return d->st == PATRON_OK;
}

static bool get_tables(dec *d, patron_dataset *ds, raw *r) {
  size_t n = ds->n_customers;
  r->ids = get_array(d, 8, n), ds->id_len = get_array(d, 4, n);
  if (!get_columns(d, ds))
    return false;
  r->extra_names = get_array(d, 8, r->v[S_EXTRA]);
  for (size_t k = 0; k < r->v[S_EXTRA] && d->st == PATRON_OK; k++) {
    uint64_t has_num = 0;
    r->extra[k] = get_array(d, 8, n);
    if (get(d, &has_num, 8) && has_num)
      ds->extra_num[k] = get_array(d, 8, n);
  }
  for (int k = 0; k < PATRON__DICT_COUNT && d->st == PATRON_OK; k++) {
    uint64_t nd = 0;
    if (get(d, &nd, 8) && nd > UINT32_MAX)
      return fail(d, "a dictionary is too large");
    ds->dicts[k].n = (size_t)nd;
    r->dicts[k] = get_array(d, 8, nd);
  }
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    get(d, r->reports[k], sizeof r->reports[k]);
  r->rejects = get_array(d, 8 * REJECT_WORDS, r->v[S_REJECTS]);
  r->warnings = get_array(d, 8, r->v[S_WARNINGS]);
  return d->st == PATRON_OK;
}

static bool get_trailer(dec *d, bool check_sum) {
  uint64_t want = d->sum, sum;
  if (!get(d, &sum, 8))
    return false;
  if (d->pos != d->size)
    return fail(d, "the file has bytes after its end");
  return sum == want || !check_sum || fail(d, "the checksum does not match (a damaged file)");
}

/* ---- checks of what the accessors trust --------------------------------------------------- */

static bool csr_ok(const uint32_t *start, size_t n, uint64_t rows) {
  if (!start || start[0] != 0 || start[n] != rows)
    return false;
  for (size_t c = 0; c < n; c++)
    if (start[c + 1] < start[c])
      return false;
  return true;
}

static bool codes_ok(const uint32_t *code, size_t n, size_t limit) {
  for (size_t i = 0; i < n; i++)
    if (code[i] >= limit && !(code[i] == 0 && limit == 0))
      return false;
  return true;
}

/* The string at off (NONE allowed when nullable) into *out; false when out of the blob. */
static bool str_at(const raw *r, uint64_t off, bool nullable, const char **out) {
  if (off == NONE && nullable) {
    *out = NULL;
    return true;
  }
  if (off >= r->v[S_BLOB])
    return false;
  *out = r->blob + off;
  return true;
}

/* The checks of the columns, run side by side on every core: CSR offsets, or a range of
 * codes (long columns cut into ranges). */
typedef struct check_job {
  const uint32_t *v;
  size_t n;
  uint64_t limit; /* codes: the dictionary's size; CSR: the rows */
  bool csr, ok;
} check_job;

typedef struct checks {
  check_job *jobs;
  size_t n, cap;
  bool oom;
} checks;

#define CHECK_RANGE ((size_t)1 << 22)

static void add_check(checks *c, const uint32_t *v, size_t n, uint64_t limit, bool csr) {
  if (!patron__reserve((void **)&c->jobs, &c->cap, c->n + 1, sizeof *c->jobs)) {
    c->oom = true;
    return;
  }
  c->jobs[c->n++] = (check_job){v, n, limit, csr, false};
}

static void add_codes(checks *c, const uint32_t *code, size_t n, size_t limit) {
  for (size_t at = 0; at < n; at += CHECK_RANGE)
    add_check(c, code + at, n - at < CHECK_RANGE ? n - at : CHECK_RANGE, limit, false);
}

static void run_check(void *item) {
  check_job *j = item;
  j->ok = j->csr ? csr_ok(j->v, j->n, j->limit) : codes_ok(j->v, j->n, (size_t)j->limit);
}

static bool check_columns(const patron_dataset *ds, int n_threads) {
  size_t n = ds->n_customers;
  const patron__intern *dc = ds->dicts;
  checks c = {0};
  add_check(&c, ds->order_start, n, ds->n_orders, true);
  add_check(&c, ds->event_start, n, ds->n_events, true);
  add_codes(&c, ds->event_type, ds->n_events, dc[PATRON__DICT_EVENT_TYPE].n);
  add_codes(&c, ds->event_category, ds->n_events, dc[PATRON__DICT_CATEGORY].n);
  add_codes(&c, ds->event_item, ds->n_events, dc[PATRON__DICT_ITEM].n);
  if (ds->has_lines) {
    const patron__line_store *l = &ds->lines;
    add_check(&c, ds->line_start, n, l->n, true);
    add_codes(&c, l->category, l->n, dc[PATRON__DICT_CATEGORY].n);
    add_codes(&c, l->brand, l->n, dc[PATRON__DICT_BRAND].n);
    add_codes(&c, l->channel, l->n, dc[PATRON__DICT_CHANNEL].n);
    add_codes(&c, l->store, l->n, dc[PATRON__DICT_STORE].n);
    add_codes(&c, l->item, l->n, dc[PATRON__DICT_ITEM].n);
    add_codes(&c, l->order, l->n, ds->n_orders);
  }
  static const patron__dict_id attr[3] = {PATRON__DICT_GENDER, PATRON__DICT_CITY,
                                          PATRON__DICT_LEVEL};
  for (int a = 0; ds->has_members && a < 3; a++)
    add_codes(&c, ds->member_attr[a], n, dc[attr[a]].n);
  if (!c.oom)
    patron__exec_each(n_threads, c.jobs, c.n, sizeof *c.jobs, run_check);
  bool ok = !c.oom;
  for (size_t i = 0; ok && i < c.n; i++)
    ok = c.jobs[i].ok;
  free(c.jobs);
  return ok;
}

static bool build_ids(patron_dataset *ds, const raw *r) {
  size_t n = ds->n_customers;
  if (!(ds->ids = malloc((n ? n : 1) * sizeof *ds->ids)))
    return false;
  for (size_t i = 0; i < n; i++) {
    if (r->ids[i] >= r->v[S_BLOB] || ds->id_len[i] >= r->v[S_BLOB] - r->ids[i])
      return false;
    ds->ids[i] = r->blob + r->ids[i];
  }
  ds->customers.n = n;
  return true;
}

static bool build_strings(const raw *r, const uint64_t *off, size_t n, bool nullable,
                          const char ***out) {
  const char **s = malloc((n ? n : 1) * sizeof *s);
  *out = s;
  for (size_t i = 0; s && i < n; i++)
    if (!str_at(r, off[i], nullable, &s[i]))
      return false;
  return s != NULL;
}

static bool build_members(patron_dataset *ds, const raw *r) {
  ds->n_extra = (size_t)r->v[S_EXTRA];
  for (size_t k = 0; k < ds->n_extra; k++) {
    const char **p = NULL;
    bool ok = str_at(r, r->extra_names[k], false, &ds->extra_name[k]) &&
              build_strings(r, r->extra[k], ds->n_customers, true, &p);
    ds->extra[k] = p;
    if (!ok)
      return false;
  }
  return true;
}

static bool build_report(patron_file_report *rep, const raw *r, const uint64_t *w) {
  rep->present = w[0] != 0;
  rep->rows_read = w[1], rep->rows_used = w[2], rep->rows_rejected = w[3];
  rep->after_as_of = w[4], rep->blank_lines = w[5], rep->before_since = w[6];
  w += 7;
  for (int q = 0; q < PATRON_REJECT_COUNT; q++)
    rep->rejected_by_reason[q] = *w++;
  rep->lines_read = w[0], rep->lines_in_quotes = w[1], rep->widest_record_line = w[2];
  rep->widest_record_lines = w[3];
  if (w[4] > PATRON_EMPTY_COLUMNS)
    return false;
  rep->n_columns = (size_t)w[4];
  w += 5;
  for (size_t c = 0; c < rep->n_columns; c++)
    if (!str_at(r, w[c], false, &rep->columns[c]))
      return false;
  w += PATRON_EMPTY_COLUMNS;
  for (int c = 0; c < PATRON_EMPTY_COLUMNS; c++)
    rep->empty_cells[c] = w[c];
  return true;
}

static bool build_rejects(patron_dataset *ds, const raw *r) {
  size_t n = (size_t)r->v[S_REJECTS];
  if (!(ds->rejects.items = calloc(n + 1, sizeof *ds->rejects.items)))
    return false;
  ds->rejects.cap = n + 1;
  for (size_t i = 0; i < n; i++) {
    const uint64_t *w = r->rejects + i * REJECT_WORDS;
    patron__reject_rec *x = &ds->rejects.items[i];
    if (!str_at(r, w[1], false, &x->column) || !str_at(r, w[2], false, &x->raw) ||
        w[3] >= r->v[S_BLOB] - w[2] || !str_at(r, w[4], false, &x->value) ||
        w[5] >= PATRON_REJECT_COUNT || w[6] >= PATRON_FILE_KINDS)
      return false;
    x->line = w[0], x->raw_len = (uint32_t)w[3];
    x->reason = (uint8_t)w[5], x->file = (uint8_t)w[6];
    ds->rejects.n = i + 1;
  }
  return true;
}

static bool build(patron__cache_contents *c, const raw *r, int n_threads) {
  patron_dataset *ds = c->ds;
  bool ok = build_ids(ds, r) && build_members(ds, r);
  for (int k = 0; ok && k < PATRON__DICT_COUNT; k++)
    ok = build_strings(r, r->dicts[k], ds->dicts[k].n, false, &ds->dicts[k].str);
  for (int k = 0; ok && k < PATRON_FILE_KINDS; k++)
    ok = build_report(&ds->reports[k], r, r->reports[k]);
  ok = ok && build_rejects(ds, r) &&
       (c->warnings = calloc(r->v[S_WARNINGS] + 1, sizeof *c->warnings)) != NULL;
  for (size_t i = 0; ok && i < r->v[S_WARNINGS]; i++) {
    const char *w;
    ok = str_at(r, r->warnings[i], false, &w) && (c->warnings[i] = strdup(w)) != NULL;
    c->n_warnings = i + 1;
  }
  return ok && check_columns(ds, n_threads);
}

static bool get_scalars(dec *d, raw *r, patron_dataset *ds) {
  if (!get(d, r->v, sizeof r->v))
    return false;
  const uint64_t *v = r->v;
  if (v[S_CUSTOMERS] >= UINT32_MAX || v[S_ORDERS] > UINT32_MAX || v[S_EVENTS] > UINT32_MAX ||
      v[S_LINES] > UINT32_MAX || v[S_EXTRA] > PATRON__MAX_EXTRA || v[S_FLAGS] > 15)
    return fail(d, "a count is out of range");
  ds->max_order_time = (int64_t)v[S_MAX_ORDER_TIME];
  ds->load_as_of = (int32_t)(int64_t)v[S_LOAD_AS_OF];
  ds->no_amounts = v[S_FLAGS] & F_NO_AMOUNTS, ds->has_members = v[S_FLAGS] & F_MEMBERS;
  ds->has_events = v[S_FLAGS] & F_EVENTS, ds->has_lines = v[S_FLAGS] & F_LINES;
  ds->n_customers = (size_t)v[S_CUSTOMERS], ds->n_orders = (size_t)v[S_ORDERS];
  ds->n_events = ds->event_cap = (size_t)v[S_EVENTS];
  ds->lines.n = ds->lines.cap = (size_t)v[S_LINES];
  if (!(r->blob = get_array(d, 1, v[S_BLOB])))
    return false;
  if (v[S_BLOB] && r->blob[v[S_BLOB] - 1] != '\0')
    return fail(d, "the string table is not terminated");
  return true;
}

void patron__cache_contents_free(patron__cache_contents *c) {
  for (size_t i = 0; i < c->n_warnings; i++)
    free(c->warnings[i]);
  free(c->warnings);
  patron_dataset_free(c->ds);
  memset(c, 0, sizeof *c);
}

patron_status patron__cache_decode(const uint8_t *mem, uint64_t size, bool mapped, const char *key,
                                   bool check_sum, int n_threads, patron__cache_contents *out,
                                   patron_error *err) {
  memset(out, 0, sizeof *out);
  dec d = {mem, size, 0, 0, err, PATRON_OK, mapped, n_threads};
  raw r = {0};
  patron_dataset *ds = calloc(1, sizeof *ds);
  if (!ds) {
    if (mapped)
      patron__dataset_unmap(mem, size);
    return PATRON__OOM(err);
  }
  ds->cache_map = mem, ds->cache_map_len = size, ds->cache_mapped = mapped;
  out->ds = ds;
  if (((uintptr_t)mem & 7) != 0)
    fail(&d, "the file is not 8-byte aligned in memory");
  else if (get_header(&d, key) && get_scalars(&d, &r, ds) && get_tables(&d, ds, &r) &&
           get_trailer(&d, check_sum)) {
    if (!build(out, &r, n_threads))
      fail(&d, "the file is inconsistent (an index out of range)");
    out->max_event_time = (int64_t)r.v[S_MAX_EVENT_TIME];
    out->max_signup_day = (int32_t)(int64_t)r.v[S_MAX_SIGNUP];
  }
  if (d.st != PATRON_OK)
    patron__cache_contents_free(out);
  return d.st;
}
