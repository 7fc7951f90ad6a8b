/* The dataset after loading: customers sorted by id, orders and events grouped per
 * customer and sorted by time (CSR indexes built once), read-only accessors. */
#include "core/dataset_int.h"
#include "core/exec.h"
#include "core/sort.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char *const patron__dict_names[PATRON__DICT_COUNT] = {
    "event_type", "category", "item", "gender", "city", "level", "brand", "channel", "store"};

const char *patron_reject_key(patron_reject_reason reason) {
  switch (reason) {
#define PATRON_X_CASE(name, key)                                                                   \
  case name: return key;
    PATRON_REJECT_LIST(PATRON_X_CASE)
#undef PATRON_X_CASE
  default: return "unknown";
  }
}

bool patron__dataset_add_extras(patron_dataset *ds, const char *const *names, size_t n) {
  if (ds->n_extra)
    return true; /* a second worker's merge: the columns are there */
  for (size_t k = 0; k < n && k < PATRON__MAX_EXTRA; k++) {
    ds->extra[k] = calloc(ds->member_cap ? ds->member_cap : 1, sizeof *ds->extra[k]);
    if (!ds->extra[k])
      return false;
    ds->extra_name[k] = names[k];
    ds->n_extra = k + 1;
  }
  return true;
}

bool patron__dataset_reserve_members(patron_dataset *ds, size_t n) {
  if (n <= ds->member_cap)
    return true;
  size_t cap = ds->member_cap ? ds->member_cap : 1024;
  while (cap < n)
    cap *= 2;
  uint8_t *m = realloc(ds->is_member, cap);
  if (m)
    ds->is_member = m;
  int32_t *s = realloc(ds->signup_day, cap * sizeof *s);
  if (s)
    ds->signup_day = s;
  int32_t *b = realloc(ds->birth_day, cap * sizeof *b);
  if (b)
    ds->birth_day = b;
  bool ok = m && s && b;
  for (int a = 0; a < 3 && ok; a++) {
    uint32_t *p = realloc(ds->member_attr[a], cap * sizeof *p);
    ok = p != NULL;
    if (p)
      ds->member_attr[a] = p;
  }
  for (size_t k = 0; k < ds->n_extra && ok; k++) {
    const char **p = realloc(ds->extra[k], cap * sizeof *p);
    ok = p != NULL;
    if (p) {
      memset(p + ds->member_cap, 0, (cap - ds->member_cap) * sizeof *p);
      ds->extra[k] = p;
    }
  }
  if (!ok)
    return false;
  for (size_t i = ds->member_cap; i < cap; i++) {
    ds->is_member[i] = 0;
    ds->signup_day[i] = ds->birth_day[i] = PATRON_NO_DAY;
    for (int a = 0; a < 3; a++)
      ds->member_attr[a][i] = 0;
  }
  ds->member_cap = cap;
  return true;
}

/* ---- sorting customers by id ---------------------------------------------------------- */

typedef struct id_ref {
  const char *s;
  uint32_t len, index;
} id_ref;

static int cmp_id(const void *a, const void *b) {
  const id_ref *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Big-endian 8 bytes of s from `depth`, zero-padded: unsigned order = byte order. */
static uint64_t prefix_key(const id_ref *r, size_t depth) {
  uint64_t k = 0;
  for (size_t i = 0; i < 8; i++)
    k = k << 8 | (depth + i < r->len ? (unsigned char)r->s[depth + i] : 0);
  return k;
}

/* Sorts refs by id, all of which share their first `depth` bytes: radix sort on the next 8
 * bytes, then refine each run of equal prefixes on the bytes after them. Small runs (and
 * very deep ones) go to qsort with the exact comparison. */
static bool sort_ids_from(id_ref *refs, size_t n, size_t depth) {
  if (n < 64 || depth > 256) {
    qsort(refs, n, sizeof *refs, cmp_id);
    return true;
  }
  uint64_t *keys = malloc(n * sizeof *keys);
  uint32_t *order = malloc(n * sizeof *order);
  id_ref *tmp = malloc(n * sizeof *tmp);
  bool ok = keys && order && tmp;
  for (size_t i = 0; ok && i < n; i++)
    keys[i] = prefix_key(&refs[i], depth), order[i] = (uint32_t)i;
  ok = ok && patron__radix_sort(keys, order, n);
  for (size_t i = 0; ok && i < n; i++)
    tmp[i] = refs[order[i]];
  if (ok)
    memcpy(refs, tmp, n * sizeof *refs);
  for (size_t g0 = 0, g1; ok && g0 < n; g0 = g1) {
    bool longer = false;
    for (g1 = g0 + 1; g1 < n && keys[g1] == keys[g0]; g1++)
      longer |= refs[g1].len > depth + 8;
    longer |= refs[g0].len > depth + 8;
    if (g1 - g0 > 1)
      ok = longer ? sort_ids_from(refs + g0, g1 - g0, depth + 8)
                  : (qsort(refs + g0, g1 - g0, sizeof *refs, cmp_id), true);
  }
  free(keys);
  free(order);
  free(tmp);
  return ok;
}

/* rank[first-appearance index] = position in id order; fills ds->ids. */
static patron_status rank_customers(patron_dataset *ds, uint32_t **rank_out, patron_error *err) {
  size_t n = ds->customers.n;
  id_ref *refs = malloc((n ? n : 1) * sizeof *refs);
  uint32_t *rank = malloc((n ? n : 1) * sizeof *rank);
  ds->ids = malloc((n ? n : 1) * sizeof *ds->ids);
  ds->id_len = malloc((n ? n : 1) * sizeof *ds->id_len);
  if (!refs || !rank || !ds->ids || !ds->id_len) {
    free(refs);
    free(rank);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < n; i++)
    refs[i] = (id_ref){ds->customers.str[i], ds->customers.len[i], (uint32_t)i};
  if (!sort_ids_from(refs, n, 0)) {
    free(refs);
    free(rank);
    return PATRON__OOM(err);
  }
  for (size_t i = 0; i < n; i++) {
    rank[refs[i].index] = (uint32_t)i;
    ds->ids[i] = refs[i].s;
    ds->id_len[i] = refs[i].len;
  }
  free(refs);
  ds->n_customers = n;
  *rank_out = rank;
  return PATRON_OK;
}

/* Copies the id texts in id order into a fresh arena and frees the old one (texts in first-
 * appearance order): readers in row order, such as the writers' customer_id cells, then read
 * them sequentially instead of paying a cache and TLB miss per id. Out of memory, the ids
 * stay where they are. */
static void pack_ids(patron_dataset *ds) {
  enum { AHEAD = 8 };
  size_t n = ds->n_customers;
  patron__arena packed = {0};
  const char **ids = malloc((n ? n : 1) * sizeof *ids);
  for (size_t i = 0; ids && i < n; i++) {
    if (i + AHEAD < n)
      __builtin_prefetch(ds->ids[i + AHEAD]);
    if (!(ids[i] = patron__arena_strdup(&packed, ds->ids[i], ds->id_len[i]))) {
      free(ids);
      ids = NULL;
    }
  }
  if (!ids) {
    patron__arena_free(&packed);
    return;
  }
  free(ds->ids);
  ds->ids = ids;
  patron__arena_free(&ds->customers.arena);
  ds->customers.arena = packed;
}

/* ---- grouping rows per customer (CSR), on the executor -------------------------------- */

/* Two levels, so that no pass scatters over the whole of a large column: customers (by
 * rank) are cut into at most GROUP_BUCKETS ranges of 2^shift; rows are cut into
 * GROUP_PARTS fixed parts, each part counts its rows per range, a prefix pass gives each
 * (range, part) its first slot, and each part moves its rows, as (rank, row) pairs, to
 * their range. Each range's rows are then counted and placed per customer, the range's
 * customers' counters and its stretch of perm being small enough to stay in cache. Both
 * levels keep row order, so perm is the stable counting sort whatever the thread count. */
enum { GROUP_PARTS = 4, GROUP_BUCKETS = 512, PERMUTE_BLOCK = 1 << 18, SORT_BLOCK = 1 << 15 };

typedef struct grouping {
  uint32_t *key; /* customer of each row, rewritten to its rank by the count */
  const uint32_t *rank;
  size_t n_rows, n_customers;
  unsigned shift;              /* a range holds the customers of rank >> shift */
  uint32_t *slot[GROUP_PARTS]; /* rows of part p per range, then part p's next slot */
  uint64_t *pairs;             /* rank << 32 | row, range by range */
  uint32_t *bucket_start;      /* each range's first pair */
  uint32_t *start, *perm;
} grouping;

static void count_part(void *ctx, size_t part, int worker) {
  (void)worker;
  grouping *g = ctx;
  uint32_t *cnt = g->slot[part];
  for (size_t r = g->n_rows * part / GROUP_PARTS; r < g->n_rows * (part + 1) / GROUP_PARTS; r++)
    cnt[(g->key[r] = g->rank[g->key[r]]) >> g->shift]++;
}

static void split_part(void *ctx, size_t part, int worker) {
  (void)worker;
  grouping *g = ctx;
  uint32_t *next = g->slot[part];
  for (size_t r = g->n_rows * part / GROUP_PARTS; r < g->n_rows * (part + 1) / GROUP_PARTS; r++) {
    uint32_t k = g->key[r];
    g->pairs[next[k >> g->shift]++] = (uint64_t)k << 32 | r;
  }
}

/* Range b: start[c] for its customers (counted in place, then shifted to the first
 * slots), its rows placed in perm. */
static void place_bucket(void *ctx, size_t b, int worker) {
  (void)worker;
  grouping *g = ctx;
  size_t c0 = b << g->shift, c1 = (b + 1) << g->shift;
  c1 = c1 < g->n_customers ? c1 : g->n_customers;
  uint32_t lo = g->bucket_start[b], hi = g->bucket_start[b + 1];
  uint32_t *start = g->start;
  for (size_t c = c0; c < c1; c++)
    start[c] = 0;
  for (uint32_t i = lo; i < hi; i++)
    start[g->pairs[i] >> 32]++;
  uint32_t at = lo;
  for (size_t c = c0; c < c1; c++) {
    uint32_t k = start[c];
    start[c] = at;
    at += k;
  }
  for (uint32_t i = lo; i < hi; i++) {
    uint64_t v = g->pairs[i];
    g->perm[start[v >> 32]++] = (uint32_t)v;
  }
  for (size_t c = c1; c-- > c0 + 1;) /* each start[c] now ends customer c */
    start[c] = start[c - 1];
  if (c1 > c0)
    start[c0] = lo;
}

static unsigned bucket_shift(size_t n_customers) {
  unsigned shift = 0;
  while ((n_customers >> shift) >= GROUP_BUCKETS)
    shift++;
  return shift;
}

/* Counting sort of rows by rank[customer[row]]: perm lists rows customer by customer, in
 * original order within a customer. The customer column is consumed: its buffer (dead once
 * the rows are split) receives perm, and *customer is set to NULL; out of memory (NULL
 * returned), the column is left as it was. */
static uint32_t *group_rows(int n_threads, uint32_t **customer, size_t n_rows, const uint32_t *rank,
                            size_t n_customers, uint32_t **start_out) {
  unsigned shift = bucket_shift(n_customers);
  size_t nb = n_customers ? ((n_customers - 1) >> shift) + 1 : 1;
  grouping g = {*customer, rank, n_rows, n_customers, shift, {NULL}, NULL, NULL, NULL, NULL};
  g.start = malloc((n_customers + 1) * sizeof *g.start);
  g.bucket_start = malloc((nb + 1) * sizeof *g.bucket_start);
  g.perm = *customer ? *customer : malloc(sizeof *g.perm); /* NULL: no rows */
  g.pairs = patron__realloc_big(NULL, (n_rows ? n_rows : 1) * sizeof *g.pairs);
  bool ok = g.start && g.bucket_start && g.perm && g.pairs;
  for (int p = 0; p < GROUP_PARTS && ok; p++)
    ok = (g.slot[p] = calloc(nb, sizeof *g.slot[p])) != NULL;
  if (ok) {
    patron__exec_parts(n_threads, GROUP_PARTS, count_part, &g);
    uint32_t at = 0;
    for (size_t b = 0; b < nb; b++) {
      g.bucket_start[b] = at;
      for (int p = 0; p < GROUP_PARTS; p++) {
        uint32_t k = g.slot[p][b];
        g.slot[p][b] = at;
        at += k;
      }
    }
    g.bucket_start[nb] = at;
    patron__exec_parts(n_threads, GROUP_PARTS, split_part, &g);
    patron__exec_parts(n_threads, nb, place_bucket, &g);
    g.start[n_customers] = at;
  }
  for (int p = 0; p < GROUP_PARTS; p++)
    free(g.slot[p]);
  free(g.pairs);
  free(g.bucket_start);
  if (!ok) {
    free(g.start);
    if (g.perm != *customer)
      free(g.perm);
    return NULL;
  }
  *customer = NULL;
  *start_out = g.start;
  return g.perm;
}

/* Orders rows by (time, row): row numbers are file order, so ties keep file order. */
static int cmp_time_row(const void *a, const void *b, void *ctx) {
  const order_col *time = ctx;
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  int64_t tx = patron__order_col_get(time, x), ty = patron__order_col_get(time, y);
  if (tx != ty)
    return tx < ty ? -1 : 1;
  return (x > y) - (x < y);
}

/* Sorts one customer's rows by time (ties keep file order): insertion sort for the usual
 * short, nearly sorted ranges; qsort_r beyond 32 rows so that a customer with very many
 * out-of-order rows cannot make this quadratic. */
static void sort_range_by_time(uint32_t *r, size_t n, const order_col *time) {
  if (n > 32) {
    qsort_r(r, n, sizeof *r, cmp_time_row, (void *)time);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    uint32_t v = r[i];
    size_t j = i;
    while (j > 0 && cmp_time_row(&r[j - 1], &v, (void *)time) > 0) {
      r[j] = r[j - 1];
      j--;
    }
    r[j] = v;
  }
}

typedef struct time_sort {
  uint32_t *perm;
  const uint32_t *start;
  const order_col *time; /* in load order */
  int64_t *sorted;       /* time in perm order: checked, and fixed where a range was sorted */
} time_sort;

/* Customers [lo, hi): a range whose times (already gathered in perm order) are not
 * ascending is sorted, and its times gathered again. */
static void sort_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  time_sort *ts = ctx;
  for (size_t c = lo; c < hi; c++) {
    uint32_t a = ts->start[c], b = ts->start[c + 1];
    uint32_t i = a + 1;
    while (i < b && ts->sorted[i - 1] <= ts->sorted[i])
      i++;
    if (i >= b)
      continue;
    sort_range_by_time(ts->perm + a, b - a, ts->time);
    for (i = a; i < b; i++)
      ts->sorted[i] = patron__order_col_get(ts->time, ts->perm[i]);
  }
}

typedef struct gather {
  const void *src;
  const uint32_t *perm;
  void *dst;
  size_t size;  /* 4 or 8 */
  int64_t base; /* widen: dst (int64) = base + src (int32) */
  bool widen;
} gather;

/* One column per pass: a random read per row is what a gather costs, and a loop with one
 * such read keeps more of them in flight than a loop with two. */
static void gather_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const gather *g = ctx;
  const uint32_t *perm = g->perm;
  if (g->widen) {
    const int32_t *s = g->src;
    int64_t *d = g->dst;
    for (size_t i = lo; i < hi; i++)
      d[i] = g->base + s[perm[i]];
  } else if (g->size == 8) {
    const uint64_t *s = g->src;
    uint64_t *d = g->dst;
    for (size_t i = lo; i < hi; i++)
      d[i] = s[perm[i]];
  } else {
    const uint32_t *s = g->src;
    uint32_t *d = g->dst;
    for (size_t i = lo; i < hi; i++)
      d[i] = s[perm[i]];
  }
}

/* dst (room for n elements; NULL: a new column) receives src's n elements (4 or 8 bytes
 * each) in perm order, gathered in blocks on the executor; returns dst, NULL when memory
 * runs out. */
static void *gather_into(int n_threads, void *dst, const void *src, const uint32_t *perm, size_t n,
                         size_t size) {
  gather g = {src, perm, dst ? dst : patron__realloc_big(NULL, (n ? n : 1) * size), size, 0, false};
  if (g.dst)
    patron__exec_ranges(n_threads, n, PERMUTE_BLOCK, gather_block, &g);
  return g.dst;
}

/* The same from an order candidates' column, into 64-bit values. */
static int64_t *gather_col(int n_threads, int64_t *dst, const order_col *c, const uint32_t *perm,
                           size_t n) {
  gather g = {c->data,         perm,    dst ? dst : patron__realloc_big(NULL, (n ? n : 1) * 8),
              c->wide ? 8 : 4, c->base, !c->wide};
  if (g.dst)
    patron__exec_ranges(n_threads, n, PERMUTE_BLOCK, gather_block, &g);
  return g.dst;
}

static void *permuted_on(int n_threads, const void *src, const uint32_t *perm, size_t n,
                         size_t size) {
  return gather_into(n_threads, NULL, src, perm, n, size);
}

/* Sorts each customer's rows (perm[start[c]..start[c+1]]) by time, in blocks of customers
 * on the executor; returns the times in the final perm order, in dst when not NULL (NULL:
 * out of memory). */
static int64_t *sort_ranges_by_time(int n_threads, uint32_t *perm, const uint32_t *start,
                                    size_t n_customers, const order_col *time, int64_t *dst) {
  time_sort ts = {perm, start, time, gather_col(n_threads, dst, time, perm, start[n_customers])};
  if (ts.sorted)
    patron__exec_ranges(n_threads, n_customers, SORT_BLOCK, sort_block, &ts);
  return ts.sorted;
}

/* Replaces a column by its permuted copy; evaluates to false when memory runs out. */
#define PERMUTE(col, perm, n)                                                                      \
  ({                                                                                               \
    void *fresh_ = permuted_on(ds->n_threads, (col), (perm), (n), sizeof *(col));                  \
    if (fresh_) {                                                                                  \
      free(col);                                                                                   \
      (col) = fresh_;                                                                              \
    }                                                                                              \
    fresh_ != NULL;                                                                                \
  })

/* Replaces a time column by its copy sorted per customer (perm updated alike); false when
 * memory runs out. */
#define SORT_TIMES(col, perm, start)                                                               \
  ({                                                                                               \
    order_col wide_ = {(col), 0, true};                                                            \
    int64_t *fresh_ =                                                                              \
        sort_ranges_by_time(ds->n_threads, (perm), (start), ds->n_customers, &wide_, NULL);        \
    if (fresh_) {                                                                                  \
      free(col);                                                                                   \
      (col) = fresh_;                                                                              \
    }                                                                                              \
    fresh_ != NULL;                                                                                \
  })

/* Kept lines point at orders by load index; after the orders are permuted, at CSR index
 * (unlinked lines have no order column). False when memory runs out. */
static bool relink_lines(patron__line_store *lines, const uint32_t *perm, size_t n_orders,
                         size_t n_candidates) {
  if (!lines->n || !lines->order)
    return true;
  uint32_t *inverse = malloc((n_candidates ? n_candidates : 1) * sizeof *inverse);
  if (!inverse)
    return false;
  for (size_t i = 0; i < n_orders; i++)
    inverse[perm[i]] = (uint32_t)i;
  for (size_t i = 0; i < lines->n; i++)
    lines->order[i] = inverse[lines->order[i]];
  free(inverse);
  return true;
}

/* Points kept lines at their order's canonical candidate (NULL: all are canonical, or the
 * lines are unlinked). */
static void canon_lines(patron__line_store *lines, const uint32_t *canon) {
  for (size_t i = 0; canon && i < lines->n; i++)
    lines->order[i] = canon[lines->order[i]];
}

/* Whether the kept lines follow the order candidates: candidate o's lines are the next
 * s->lines[o] lines (in load order, as the loader appends them), each with the candidate's
 * customer and time (and its index, when linked), as when the lines of an order share one
 * time. Such lines group and sort as their candidates do, each candidate's run in file
 * order (the same keys, and ties by position), so they take the orders' permutation instead
 * of being grouped, sorted and relinked again. Untimed lines (no time to compare) follow
 * with the customer alone: each customer's lines then come in their orders' time order.
 * Checked in parts on the executor. */
enum { FOLLOW_PARTS = 16 };

typedef struct follow_check {
  const patron__line_store *lines;
  const order_set *orders;
  size_t first[FOLLOW_PARTS]; /* the part's first line (the first pass: its line count) */
  bool differs[FOLLOW_PARTS];
} follow_check;

static void count_lines_part(void *ctx, size_t part, int worker) {
  (void)worker;
  follow_check *f = ctx;
  const order_set *s = f->orders;
  size_t sum = 0;
  for (size_t o = s->n * part / FOLLOW_PARTS; o < s->n * (part + 1) / FOLLOW_PARTS; o++)
    sum += s->lines[o];
  f->first[part] = sum;
}

static void follow_part(void *ctx, size_t part, int worker) {
  (void)worker;
  follow_check *f = ctx;
  const patron__line_store *l = f->lines;
  const order_set *s = f->orders;
  size_t k = f->first[part];
  bool differs = false;
  for (size_t o = s->n * part / FOLLOW_PARTS; o < s->n * (part + 1) / FOLLOW_PARTS; o++) {
    int64_t t = patron__order_col_get(&s->time, o);
    for (uint32_t r = 0; r < s->lines[o]; r++, k++)
      differs |= l->customer[k] != s->customer[o] || (l->time && l->time[k] != t) ||
                 (l->order && l->order[k] != o);
  }
  f->differs[part] = differs;
}

static bool lines_follow_orders(const patron_dataset *ds) {
  const patron__line_store *l = &ds->lines;
  if (!ds->has_lines || !l->n || !ds->orders.n || ds->orders.n > l->n)
    return false;
  follow_check f = {l, &ds->orders, {0}, {false}};
  patron__exec_parts(ds->n_threads, FOLLOW_PARTS, count_lines_part, &f);
  size_t at = 0;
  for (int p = 0; p < FOLLOW_PARTS; p++) {
    size_t m = f.first[p];
    f.first[p] = at;
    at += m;
  }
  if (at != l->n)
    return false;
  patron__exec_parts(ds->n_threads, FOLLOW_PARTS, follow_part, &f);
  for (int p = 0; p < FOLLOW_PARTS; p++)
    if (f.differs[p])
      return false;
  return true;
}

/* Orders grouped per customer, collapsed and time-sorted. When the lines follow the orders
 * (lines_follow_orders), *line_perm receives the final permutation and *line_first each
 * candidate's first line (NULL otherwise). */
static patron_status finalize_orders(patron_dataset *ds, const uint32_t *rank, uint32_t **line_perm,
                                     uint32_t **line_first, patron_error *err) {
  order_set *s = &ds->orders;
  size_t n = s->n;
  bool follow = lines_follow_orders(ds);
  *line_perm = NULL, *line_first = NULL;
  uint32_t *perm =
      group_rows(ds->n_threads, &s->customer, n, rank, ds->n_customers, &ds->order_start);
  bool linked = ds->lines.n && ds->lines.order && !s->increasing;
  uint32_t *canon = perm && linked ? malloc((n ? n : 1) * sizeof *canon) : NULL;
  if (!perm || (linked && !canon) ||
      !patron__order_set_collapse(s, perm, ds->order_start, ds->n_customers, canon, &n)) {
    free(perm);
    free(canon);
    return PATRON__OOM(err);
  }
  ds->n_orders = n;
  follow = follow && n == s->n; /* no candidate merged */
  if (n < s->n)
    canon_lines(&ds->lines, canon);
  free(canon);
  /* order ids are not needed past the collapse; the id keys' column (room for every
   * candidate, pages already in memory) receives the sorted times, and the times' old column
   * (widened to 8 bytes a candidate when it was narrow) the values, so few fresh pages are
   * faulted in (the customers' column became perm) */
  int64_t *time = (int64_t *)s->id_key;
  uint32_t *lines = patron__realloc_big(NULL, (n ? n : 1) * sizeof *lines);
  s->id_key = NULL;
  patron__order_set_drop_keys(s);
  bool ok =
      lines && (ds->order_time = sort_ranges_by_time(ds->n_threads, perm, ds->order_start,
                                                     ds->n_customers, &s->time, time)) != NULL;
  if (ok) {
    ds->order_lines = gather_into(ds->n_threads, lines, s->lines, perm, n, sizeof *lines);
    lines = NULL;
  } else {
    free(time);
  }
  ok = ok && (follow || relink_lines(&ds->lines, perm, n, s->n));
  if (ok && follow) { /* the line counts become each candidate's first line */
    uint32_t at = 0;
    for (size_t o = 0; o < n; o++) {
      uint32_t m = s->lines[o];
      s->lines[o] = at;
      at += m;
    }
    *line_first = s->lines, s->lines = NULL;
  }
  if (ok) { /* the line counts' old column is freed before the values' grows */
    free(s->lines), s->lines = NULL;
    int64_t *spare =
        s->time.wide ? s->time.data : patron__realloc_big(s->time.data, (s->cap ? s->cap : 1) * 8);
    if (spare)
      s->time.data = NULL; /* now the values' column */
    ds->order_value = gather_col(ds->n_threads, spare, &s->value, perm, n);
    ok = ds->order_value != NULL;
  }
  free(lines);
  if (ok && follow)
    *line_perm = perm;
  else
    free(perm);
  patron__order_set_free(s);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

static patron_status finalize_events(patron_dataset *ds, const uint32_t *rank, patron_error *err) {
  size_t n = ds->n_events;
  uint32_t *perm =
      group_rows(ds->n_threads, &ds->event_customer, n, rank, ds->n_customers, &ds->event_start);
  if (!perm)
    return PATRON__OOM(err);
  bool ok = SORT_TIMES(ds->event_time, perm, ds->event_start) && PERMUTE(ds->event_type, perm, n) &&
            PERMUTE(ds->event_category, perm, n) && PERMUTE(ds->event_item, perm, n);
  free(perm);
  free(ds->event_customer);
  ds->event_customer = NULL;
  return ok ? PATRON_OK : PATRON__OOM(err);
}

/* Permutes columns of one width through one spare buffer (room for n elements): each
 * column is gathered into the buffer the previous one left, so no fresh pages are faulted
 * in; returns the buffer left over. NULL columns (absent from the file) are skipped. */
static void *permute_chain(int n_threads, void **cols[], size_t n_cols, void *spare,
                           const uint32_t *perm, size_t n, size_t size) {
  for (size_t k = 0; k < n_cols; k++) {
    void *old = *cols[k];
    if (!old)
      continue;
    gather_into(n_threads, spare, old, perm, n, size);
    *cols[k] = spare;
    spare = old;
  }
  return spare;
}

/* Lines that follow the orders (lines_follow_orders), expanded from the orders' final
 * order: each order's run of lines in turn. One pass writes the lines' permutation, the
 * next their times and orders (NULL: left out). */
typedef struct expand {
  const patron_dataset *ds;
  const uint32_t *first; /* each order's first line (in the orders' final order) */
  uint32_t *lperm, *order;
  int64_t *time;
} expand;

static void expand_block(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const expand *x = ctx;
  const patron_dataset *ds = x->ds;
  for (size_t c = lo; c < hi; c++) {
    uint32_t out = ds->line_start[c];
    for (uint32_t j = ds->order_start[c]; j < ds->order_start[c + 1]; j++)
      for (uint32_t r = 0; r < ds->order_lines[j]; r++, out++) {
        if (x->lperm)
          x->lperm[out] = x->first[j] + r;
        if (x->time)
          x->time[out] = ds->order_time[j];
        if (x->order)
          x->order[out] = j;
      }
  }
}

/* The lines' starts are the orders' line counts added up; the candidates' first lines are
 * gathered in the orders' order (branch-free, so the reads overlap) into the old order
 * column, the dead customer column receives the lines' permutation, the old time and order
 * columns carry the others' (see permute_chain; fresh ones for untimed or unlinked lines),
 * and the columns they leave receive the times and orders. False when memory runs out. */
static bool follow_lines(patron_dataset *ds, const uint32_t *perm, const uint32_t *first) {
  patron__line_store *s = &ds->lines;
  size_t n = s->n, nc = ds->n_customers;
  uint32_t *narrow_spare = s->order ? s->order : malloc((n ? n : 1) * sizeof *narrow_spare);
  int64_t *wide_spare = s->time ? s->time : patron__realloc_big(NULL, (n ? n : 1) * 8);
  if (!narrow_spare || !wide_spare ||
      !(ds->line_start = malloc((nc + 1) * sizeof *ds->line_start))) {
    if (narrow_spare != s->order)
      free(narrow_spare);
    if (wide_spare != s->time)
      free(wide_spare);
    return false;
  }
  uint32_t at = 0;
  for (size_t c = 0; c < nc; c++) {
    ds->line_start[c] = at;
    for (uint32_t j = ds->order_start[c]; j < ds->order_start[c + 1]; j++)
      at += ds->order_lines[j];
  }
  ds->line_start[nc] = at;
  uint32_t *lperm = s->customer;
  s->customer = NULL;
  expand x = {ds, gather_into(ds->n_threads, narrow_spare, first, perm, ds->n_orders, 4), lperm,
              NULL, NULL};
  patron__exec_ranges(ds->n_threads, nc, SORT_BLOCK, expand_block, &x);
  void **wide[] = {(void **)&s->amount, (void **)&s->discount};
  void **codes[] = {(void **)&s->category, (void **)&s->brand, (void **)&s->channel,
                    (void **)&s->store, (void **)&s->item};
  int64_t *time = permute_chain(ds->n_threads, wide, 2, wide_spare, lperm, n, 8);
  if (!s->time)
    free(time), time = NULL; /* untimed: no time column */
  s->time = time;
  uint32_t *order = permute_chain(ds->n_threads, codes, 5, narrow_spare, lperm, n, 4);
  if (!s->order)
    free(order), order = NULL; /* unlinked: no order column */
  s->order = order;
  free(lperm);
  x = (expand){ds, NULL, NULL, order, s->time};
  patron__exec_ranges(ds->n_threads, nc, SORT_BLOCK, expand_block, &x);
  return true;
}

/* Sorts each customer's lines by time; *spare receives the old time column, for the wide
 * columns' permutations. Untimed lines (lines_untimed) keep file order within a customer,
 * and *spare is a fresh column. False when memory runs out. */
static bool sort_line_times(patron_dataset *ds, uint32_t *perm, int64_t **spare) {
  patron__line_store *s = &ds->lines;
  if (s->absent & PATRON__LINE_TIME)
    return (*spare = patron__realloc_big(NULL, (s->n ? s->n : 1) * sizeof(int64_t))) != NULL;
  order_col time = {s->time, 0, true};
  int64_t *sorted =
      sort_ranges_by_time(ds->n_threads, perm, ds->line_start, ds->n_customers, &time, NULL);
  if (sorted)
    *spare = s->time, s->time = sorted;
  return sorted != NULL;
}

/* Lines grouped per customer and time-sorted (follow_perm and follow_first: from
 * finalize_orders, when the lines follow the orders); the old time column and a fresh
 * narrow one (the customer column became perm) carry the other columns' permutations (see
 * permute_chain). */
static patron_status finalize_lines(patron_dataset *ds, const uint32_t *rank,
                                    const uint32_t *follow_perm, const uint32_t *follow_first,
                                    patron_error *err) {
  patron__line_store *s = &ds->lines;
  size_t n = s->n;
  if (follow_perm)
    return follow_lines(ds, follow_perm, follow_first) && patron__line_store_fill_absent(s)
               ? PATRON_OK
               : PATRON__OOM(err);
  uint32_t *perm =
      group_rows(ds->n_threads, &s->customer, n, rank, ds->n_customers, &ds->line_start);
  if (!perm)
    return PATRON__OOM(err);
  int64_t *old_time = NULL;
  uint32_t *narrow_spare = patron__realloc_big(NULL, (n ? n : 1) * sizeof *narrow_spare);
  bool ok = narrow_spare && sort_line_times(ds, perm, &old_time);
  if (ok) {
    void **wide[] = {(void **)&s->amount, (void **)&s->discount};
    void **narrow[] = {(void **)&s->order,   (void **)&s->category, (void **)&s->brand,
                       (void **)&s->channel, (void **)&s->store,    (void **)&s->item};
    free(permute_chain(ds->n_threads, wide, 2, old_time, perm, n, 8));
    narrow_spare = permute_chain(ds->n_threads, narrow, 6, narrow_spare, perm, n, 4);
    ok = patron__line_store_fill_absent(s);
  }
  free(narrow_spare);
  free(perm);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

/* An extra member column is a number when every non-empty value is a finite decimal
 * number (strtod, the whole text) and one at least is present; false when out of memory. */
static bool infer_number(patron_dataset *ds, size_t k, size_t n) {
  size_t present = 0;
  for (size_t i = 0; i < n; i++) {
    const char *v = ds->extra[k][i];
    if (!v)
      continue;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d) || isspace((unsigned char)*v))
      return true;
    present++;
  }
  if (!present)
    return true;
  double *num = malloc(n * sizeof *num + 1);
  if (!num)
    return false;
  for (size_t i = 0; i < n; i++)
    num[i] = ds->extra[k][i] ? strtod(ds->extra[k][i], NULL) : NAN;
  ds->extra_num[k] = num;
  return true;
}

/* Members arrays move from first-appearance order to id order. */
static patron_status finalize_members(patron_dataset *ds, const uint32_t *rank, patron_error *err) {
  size_t n = ds->n_customers;
  if (!patron__dataset_reserve_members(ds, n ? n : 1))
    return PATRON__OOM(err);
  uint32_t *inverse = malloc((n ? n : 1) * sizeof *inverse);
  if (!inverse)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++)
    inverse[rank[i]] = (uint32_t)i;
  bool ok = true;
  uint8_t *m = malloc(n ? n : 1);
  int32_t *s = malloc((n ? n : 1) * sizeof *s), *b = malloc((n ? n : 1) * sizeof *b);
  ok = m && s && b;
  for (size_t i = 0; ok && i < n; i++) {
    m[i] = ds->is_member[inverse[i]];
    s[i] = ds->signup_day[inverse[i]];
    b[i] = ds->birth_day[inverse[i]];
  }
  for (int a = 0; a < 3 && ok; a++)
    ok = PERMUTE(ds->member_attr[a], inverse, n);
  for (size_t k = 0; k < ds->n_extra && ok; k++)
    ok = PERMUTE(ds->extra[k], inverse, n) && infer_number(ds, k, n);
  if (ok) {
    free(ds->is_member), free(ds->signup_day), free(ds->birth_day);
    ds->is_member = m, ds->signup_day = s, ds->birth_day = b;
  } else {
    free(m), free(s), free(b);
  }
  free(inverse);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

patron_status patron__dataset_finalize(patron_dataset *ds, patron_error *err) {
  uint32_t *rank = NULL, *line_perm = NULL, *line_first = NULL;
  /* the id strings stay (they live in the arena); the lookup table goes before the ids are
   * sorted, their index arrays once sorted: the memory peak is here */
  free(ds->customers.slots), free(ds->customers.scope);
  ds->customers.slots = NULL, ds->customers.scope = NULL;
  patron_status st = rank_customers(ds, &rank, err);
  free(ds->customers.str), free(ds->customers.len);
  ds->customers.str = NULL, ds->customers.len = NULL;
  if (st == PATRON_OK)
    pack_ids(ds);
  if (st == PATRON_OK)
    st = finalize_orders(ds, rank, &line_perm, &line_first, err);
  if (st == PATRON_OK)
    st = finalize_events(ds, rank, err);
  if (st == PATRON_OK && ds->has_lines)
    st = finalize_lines(ds, rank, line_perm, line_first, err);
  if (st == PATRON_OK && ds->has_members)
    st = finalize_members(ds, rank, err);
  free(line_perm), free(line_first);
  free(rank);
  return st;
}

void patron__dataset_unmap(const void *map, size_t len) {
  if (map && len)
    munmap((void *)map, len);
}

/* Forgets the columns that lie in a cache file's mapping (they are not malloc'ed), then
 * unmaps it. */
static void drop_mapped(patron_dataset *ds) {
  const char *lo = ds->cache_map, *hi = lo + ds->cache_map_len;
  patron__line_store *l = &ds->lines;
  void **cols[] = {(void **)&ds->order_time,
                   (void **)&ds->order_value,
                   (void **)&ds->order_lines,
                   (void **)&ds->is_member,
                   (void **)&ds->signup_day,
                   (void **)&ds->birth_day,
                   (void **)&ds->member_attr[0],
                   (void **)&ds->member_attr[1],
                   (void **)&ds->member_attr[2],
                   (void **)&ds->event_type,
                   (void **)&ds->event_category,
                   (void **)&ds->event_item,
                   (void **)&ds->event_time,
                   (void **)&ds->id_len,
                   (void **)&ds->order_start,
                   (void **)&ds->event_start,
                   (void **)&ds->line_start,
                   (void **)&l->time,
                   (void **)&l->amount,
                   (void **)&l->discount,
                   (void **)&l->category,
                   (void **)&l->brand,
                   (void **)&l->channel,
                   (void **)&l->store,
                   (void **)&l->item,
                   (void **)&l->order};
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
    if ((const char *)*cols[i] >= lo && (const char *)*cols[i] <= hi)
      *cols[i] = NULL;
  for (size_t k = 0; k < PATRON__MAX_EXTRA; k++)
    if ((const char *)ds->extra_num[k] >= lo && (const char *)ds->extra_num[k] <= hi)
      ds->extra_num[k] = NULL;
  if (ds->cache_mapped)
    patron__dataset_unmap(ds->cache_map, ds->cache_map_len);
  ds->cache_map = NULL;
}

void patron_dataset_free(patron_dataset *ds) {
  if (!ds)
    return;
  if (ds->cache_map)
    drop_mapped(ds);
  patron__intern_free(&ds->customers);
  patron__order_set_free(&ds->orders);
  free(ds->order_time), free(ds->order_value), free(ds->order_lines);
  free(ds->is_member), free(ds->signup_day), free(ds->birth_day);
  for (int a = 0; a < 3; a++)
    free(ds->member_attr[a]);
  for (size_t k = 0; k < ds->n_extra; k++)
    free(ds->extra[k]), free(ds->extra_num[k]);
  free(ds->event_customer), free(ds->event_type), free(ds->event_category);
  free(ds->event_item), free(ds->event_time);
  for (int d = 0; d < PATRON__DICT_COUNT; d++)
    patron__intern_free(&ds->dicts[d]);
  free(ds->ids), free(ds->id_len), free(ds->order_start), free(ds->event_start);
  free(ds->line_start);
  patron__line_store_free(&ds->lines);
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    free(ds->paths[k]);
  free(ds->rejects.items);
  patron__arena_free(&ds->rejects.text);
  patron__arena_free(&ds->names);
  free(ds);
}

/* ---- accessors ------------------------------------------------------------------------ */

const patron_file_report *patron_dataset_file_report(const patron_dataset *ds,
                                                     patron_file_kind kind) {
  return &ds->reports[kind];
}

size_t patron_dataset_n_rejects(const patron_dataset *ds) { return ds->rejects.n; }

void patron_dataset_reject(const patron_dataset *ds, size_t i, patron_reject *out) {
  const patron__reject_rec *r = &ds->rejects.items[i];
  *out = (patron_reject){(patron_file_kind)r->file,       r->line, r->column,
                         (patron_reject_reason)r->reason, r->raw,  r->raw_len};
}

size_t patron_dataset_n_customers(const patron_dataset *ds) { return ds->n_customers; }

const char *patron_dataset_customer_id(const patron_dataset *ds, uint32_t customer) {
  return ds->ids[customer];
}

uint32_t patron_dataset_find_customer(const patron_dataset *ds, const char *id, size_t len) {
  size_t lo = 0, hi = ds->n_customers;
  id_ref key = {id, (uint32_t)len, 0};
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    id_ref probe = {ds->ids[mid], ds->id_len[mid], 0};
    int c = cmp_id(&probe, &key);
    if (c == 0)
      return (uint32_t)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return UINT32_MAX;
}

void patron_dataset_orders(const patron_dataset *ds, patron_orders_view *out) {
  *out = (patron_orders_view){ds->n_orders, ds->order_start, ds->order_time, ds->order_value,
                              ds->order_lines};
}

int64_t patron_dataset_max_order_time(const patron_dataset *ds) { return ds->max_order_time; }

bool patron_dataset_has_amounts(const patron_dataset *ds) { return !ds->no_amounts; }
int32_t patron_dataset_load_as_of(const patron_dataset *ds) { return ds->load_as_of; }

int32_t patron_dataset_default_as_of(const patron_dataset *ds) {
  if (ds->load_as_of != PATRON_NO_DAY)
    return ds->load_as_of;
  return ds->max_order_time == INT64_MIN ? PATRON_NO_DAY
                                         : patron_day_of_time(ds->max_order_time) + 1;
}
bool patron_dataset_has_members(const patron_dataset *ds) { return ds->has_members; }

void patron_dataset_members(const patron_dataset *ds, patron_members_view *out) {
  *out = (patron_members_view){ds->is_member,      ds->signup_day,     ds->birth_day,
                               ds->member_attr[0], ds->member_attr[1], ds->member_attr[2]};
}

size_t patron_dataset_n_member_columns(const patron_dataset *ds) { return ds->n_extra; }

void patron_dataset_member_column(const patron_dataset *ds, size_t i, patron_member_column *out) {
  *out = (patron_member_column){ds->extra_name[i], ds->extra[i], ds->extra_num[i]};
}

bool patron_dataset_has_events(const patron_dataset *ds) { return ds->has_events; }

void patron_dataset_events(const patron_dataset *ds, patron_events_view *out) {
  *out = (patron_events_view){ds->n_events,   ds->event_start,    ds->event_time,
                              ds->event_type, ds->event_category, ds->event_item};
}

bool patron_dataset_has_lines(const patron_dataset *ds) { return ds->has_lines; }

void patron_dataset_lines(const patron_dataset *ds, patron_lines_view *out) {
  const patron__line_store *s = &ds->lines;
  *out =
      (patron_lines_view){s->n,     ds->line_start, s->time,  s->amount, s->discount, s->category,
                          s->brand, s->channel,     s->store, s->item,   s->order};
}

static int dict_index(const char *dict) {
  for (int d = 0; d < PATRON__DICT_COUNT; d++)
    if (strcmp(patron__dict_names[d], dict) == 0)
      return d;
  return -1;
}

size_t patron_dataset_dict_size(const patron_dataset *ds, const char *dict) {
  int d = dict_index(dict);
  return d < 0 ? 0 : ds->dicts[d].n;
}

const char *patron_dataset_dict_value(const patron_dataset *ds, const char *dict, uint32_t code) {
  int d = dict_index(dict);
  if (d < 0 || code >= ds->dicts[d].n)
    return "";
  return ds->dicts[d].str[code];
}
