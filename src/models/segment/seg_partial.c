/* Pass 1 of the merged segmentations (seg_merge.h, docs/MERGE.md): a part's customers as
 * exact histograms (last_purchase day, frequency), exact sums, and money counts and sums in
 * order-preserving log-linear buckets; merging adds, so any split gives the same totals. */
#include "models/segment/seg_merge_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- an int64 -> count histogram (open addressing) ----------------------------------- */

static size_t slot_of(const seg_hist *h, int64_t v) {
  uint64_t x = (uint64_t)v * 0x9E3779B97F4A7C15ull;
  size_t i = (size_t)(x >> 32) & (h->cap - 1);
  while (h->count[i] && h->value[i] != v)
    i = (i + 1) & (h->cap - 1);
  return i;
}

static bool hist_grow(seg_hist *h) {
  size_t cap = h->cap ? h->cap * 2 : 64;
  seg_hist g = {calloc(cap, sizeof *g.value), calloc(cap, sizeof *g.count), 0, cap};
  if (!g.value || !g.count) {
    free(g.value);
    free(g.count);
    return false;
  }
  for (size_t i = 0; i < h->cap; i++)
    if (h->count[i]) {
      size_t j = slot_of(&g, h->value[i]);
      g.value[j] = h->value[i], g.count[j] = h->count[i], g.n++;
    }
  free(h->value);
  free(h->count);
  *h = g;
  return true;
}

bool patron__seg_hist_add(seg_hist *h, int64_t v, uint64_t count) {
  if (!count)
    return true;
  if (2 * (h->n + 1) > h->cap && !hist_grow(h))
    return false;
  size_t i = slot_of(h, v);
  if (!h->count[i])
    h->value[i] = v, h->n++;
  h->count[i] += count;
  return true;
}

void patron__seg_hist_free(seg_hist *h) {
  free(h->value);
  free(h->count);
  *h = (seg_hist){0};
}

static int cmp_pair(const void *a, const void *b) {
  int64_t x = ((const seg_pair *)a)->value, y = ((const seg_pair *)b)->value;
  return (x > y) - (x < y);
}

seg_pair *patron__seg_hist_sorted(const seg_hist *h, size_t *n) {
  seg_pair *p = malloc((h->n ? h->n : 1) * sizeof *p);
  *n = 0;
  if (!p)
    return NULL;
  for (size_t i = 0; i < h->cap; i++)
    if (h->count[i])
      p[(*n)++] = (seg_pair){h->value[i], h->count[i], 0};
  if (*n > 1) /* qsort wants a valid pointer even for none */
    qsort(p, *n, sizeof *p, cmp_pair);
  uint64_t below = 0;
  for (size_t i = 0; i < *n; i++)
    p[i].below = below, below += p[i].count;
  return p;
}

/* ---- money buckets ------------------------------------------------------------------- */

/* Log-linear index of x >= 0: exact below 1024, then 1024 steps per power of two. */
static uint32_t log_linear(uint64_t x) {
  if (x < 1024)
    return (uint32_t)x;
  int e = 63 - __builtin_clzll(x);
  return (uint32_t)(e - 9) * 1024 + (uint32_t)((x >> (e - 10)) & 1023);
}

uint32_t patron__seg_bucket(patron_money v) {
  return v >= 0 ? SEG_HALF + log_linear((uint64_t)v)
                : SEG_HALF - 1 - log_linear((uint64_t)(-(v + 1)));
}

/* ---- the partial --------------------------------------------------------------------- */

patron__seg_partial *patron__seg_partial_new(void) {
  patron__seg_partial *p = calloc(1, sizeof *p);
  if (p && (!(p->bucket_count = calloc(SEG_BUCKETS, sizeof *p->bucket_count)) ||
            !(p->bucket_sum = calloc(SEG_BUCKETS, sizeof *p->bucket_sum)))) {
    patron__seg_partial_free(p);
    return NULL;
  }
  if (p)
    p->max_day = PATRON_NO_DAY;
  return p;
}

void patron__seg_partial_free(patron__seg_partial *p) {
  if (!p)
    return;
  patron__seg_hist_free(&p->last);
  patron__seg_hist_free(&p->freq);
  free(p->bucket_count);
  free(p->bucket_sum);
  free(p);
}

uint64_t patron__seg_partial_customers(const patron__seg_partial *p) { return p->customers; }

void patron__seg_partial_note_day(patron__seg_partial *p, int32_t day) {
  if (day != PATRON_NO_DAY && (p->max_day == PATRON_NO_DAY || day > p->max_day))
    p->max_day = day;
}

bool patron__seg_partial_add(patron__seg_partial *p, const patron__seg_customer *c) {
  p->customers++;
  if (c->frequency <= 0)
    return true;
  p->purchasers++;
  p->sum_last += c->last_day;
  p->sum_freq += c->frequency;
  p->sum_mon += c->monetary;
  p->sum_aov += c->aov;
  uint32_t b = patron__seg_bucket(c->monetary);
  p->bucket_count[b]++;
  p->bucket_sum[b] += c->monetary;
  return patron__seg_hist_add(&p->last, c->last_day, 1) &&
         patron__seg_hist_add(&p->freq, c->frequency, 1);
}

static bool hist_merge(seg_hist *acc, const seg_hist *src) {
  for (size_t i = 0; i < src->cap; i++)
    if (src->count[i] && !patron__seg_hist_add(acc, src->value[i], src->count[i]))
      return false;
  return true;
}

bool patron__seg_partial_merge(patron__seg_partial *acc, const patron__seg_partial *src) {
  acc->customers += src->customers;
  acc->purchasers += src->purchasers;
  patron__seg_partial_note_day(acc, src->max_day);
  acc->sum_last += src->sum_last;
  acc->sum_freq += src->sum_freq;
  acc->sum_mon += src->sum_mon;
  acc->sum_aov += src->sum_aov;
  for (size_t b = 0; b < SEG_BUCKETS; b++) {
    acc->bucket_count[b] += src->bucket_count[b];
    acc->bucket_sum[b] += src->bucket_sum[b];
  }
  return hist_merge(&acc->last, &src->last) && hist_merge(&acc->freq, &src->freq);
}

/* ---- text form: "seg1", customers, purchasers, max_day, the four sums, then the last-day
 * and frequency histograms ("value:count,...") and the buckets ("index:count:sum,...") -- */

typedef struct text_buf {
  char *buf;
  size_t len, cap;
  bool oom;
} text_buf;

static void put(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_buf *t, const char *fmt, ...) {
  for (int tries = 0; tries < 2 && !t->oom; tries++) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && t->buf && (size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    size_t need = t->len + (size_t)(n < 0 ? 0 : n) + 1;
    if (!patron__reserve((void **)&t->buf, &t->cap, need < 4096 ? 4096 : 2 * need, 1))
      t->oom = true;
  }
}

/* v in decimal into out (48 bytes); returns out. */
static const char *i128_text(__int128 v, char *out) {
  char digits[48];
  size_t n = 0;
  unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
  do
    digits[n++] = (char)('0' + (int)(u % 10));
  while ((u /= 10) != 0);
  size_t k = 0;
  if (v < 0)
    out[k++] = '-';
  while (n)
    out[k++] = digits[--n];
  out[k] = '\0';
  return out;
}

static void put_hist(text_buf *t, const seg_hist *h) {
  size_t n;
  seg_pair *p = patron__seg_hist_sorted(h, &n);
  if (!p) {
    t->oom = true;
    return;
  }
  put(t, "\t");
  for (size_t i = 0; i < n; i++)
    put(t, "%s%lld:%llu", i ? "," : "", (long long)p[i].value, (unsigned long long)p[i].count);
  free(p);
}

char *patron__seg_partial_format(const patron__seg_partial *p, size_t *len) {
  text_buf t = {0};
  put(&t, "seg1\t%llu\t%llu\t", (unsigned long long)p->customers,
      (unsigned long long)p->purchasers);
  if (p->max_day == PATRON_NO_DAY)
    put(&t, "\\N");
  else
    put(&t, "%ld", (long)p->max_day);
  char s1[48], s2[48], s3[48], s4[48];
  put(&t, "\t%s\t%s\t%s\t%s", i128_text(p->sum_last, s1), i128_text(p->sum_freq, s2),
      i128_text(p->sum_mon, s3), i128_text(p->sum_aov, s4));
  put_hist(&t, &p->last);
  put_hist(&t, &p->freq);
  put(&t, "\t");
  const char *sep = "";
  for (size_t b = 0; b < SEG_BUCKETS; b++)
    if (p->bucket_count[b]) {
      put(&t, "%s%zu:%llu:%s", sep, b, (unsigned long long)p->bucket_count[b],
          i128_text(p->bucket_sum[b], s1));
      sep = ",";
    }
  if (t.oom) {
    free(t.buf);
    return NULL;
  }
  *len = t.len;
  return t.buf;
}

/* ---- parsing ------------------------------------------------------------------------- */

typedef struct cursor {
  const char *p, *end;
} cursor;

/* A decimal integer (optional '-') at the cursor, stopping at any other byte. */
static bool read_i128(cursor *c, __int128 *out) {
  bool neg = c->p < c->end && *c->p == '-';
  const char *s = c->p + neg;
  unsigned __int128 v = 0;
  const char *q = s;
  for (; q < c->end && *q >= '0' && *q <= '9' && q - s < 38; q++)
    v = v * 10 + (unsigned)(*q - '0');
  if (q == s || (q < c->end && *q >= '0' && *q <= '9'))
    return false;
  c->p = q;
  *out = neg ? -(__int128)v : (__int128)v;
  return true;
}

static bool read_int(cursor *c, int64_t lo, int64_t hi, int64_t *out) {
  __int128 v;
  if (!read_i128(c, &v) || v < lo || v > hi)
    return false;
  *out = (int64_t)v;
  return true;
}

static bool expect(cursor *c, char ch) {
  if (c->p == c->end || *c->p != ch)
    return false;
  c->p++;
  return true;
}

/* One tab-terminated field (or the last one) as a sub-cursor. */
static cursor field(cursor *c) {
  const char *tab = memchr(c->p, '\t', (size_t)(c->end - c->p));
  cursor f = {c->p, tab ? tab : c->end};
  c->p = tab ? tab + 1 : c->end;
  return f;
}

static bool parse_hist(cursor f, seg_hist *h, int64_t lo, int64_t hi) {
  while (f.p < f.end) {
    int64_t v, n;
    if (!read_int(&f, lo, hi, &v) || !expect(&f, ':') || !read_int(&f, 1, INT64_MAX, &n))
      return false;
    if (!patron__seg_hist_add(h, v, (uint64_t)n))
      return false;
    if (f.p < f.end && !expect(&f, ','))
      return false;
  }
  return true;
}

static bool parse_buckets(cursor f, patron__seg_partial *p) {
  while (f.p < f.end) {
    int64_t b, n;
    __int128 sum;
    if (!read_int(&f, 0, SEG_BUCKETS - 1, &b) || !expect(&f, ':') ||
        !read_int(&f, 1, INT64_MAX, &n) || !expect(&f, ':') || !read_i128(&f, &sum))
      return false;
    p->bucket_count[b] += (uint64_t)n;
    p->bucket_sum[b] += sum;
    if (f.p < f.end && !expect(&f, ','))
      return false;
  }
  return true;
}

/* Parses the fields into q (a fresh partial); false when malformed (or out of memory). */
static bool parse_into(cursor c, patron__seg_partial *q) {
  cursor f = field(&c);
  if (f.end - f.p != 4 || memcmp(f.p, "seg1", 4) != 0)
    return false;
  int64_t customers, purchasers, day = PATRON_NO_DAY;
  f = field(&c);
  if (!read_int(&f, 0, INT64_MAX, &customers) || f.p != f.end)
    return false;
  f = field(&c);
  if (!read_int(&f, 0, customers, &purchasers) || f.p != f.end)
    return false;
  f = field(&c);
  bool null_day = f.end - f.p == 2 && memcmp(f.p, "\\N", 2) == 0;
  if (!null_day && (!read_int(&f, -10000000, 10000000, &day) || f.p != f.end))
    return false;
  __int128 *sums[4] = {&q->sum_last, &q->sum_freq, &q->sum_mon, &q->sum_aov};
  for (int i = 0; i < 4; i++) {
    f = field(&c);
    if (!read_i128(&f, sums[i]) || f.p != f.end)
      return false;
  }
  q->customers = (uint64_t)customers, q->purchasers = (uint64_t)purchasers;
  q->max_day = (int32_t)day;
  bool ok = parse_hist(field(&c), &q->last, -10000000, 10000000) &&
            parse_hist(field(&c), &q->freq, 1, INT64_MAX);
  return ok && parse_buckets(field(&c), q) && c.p == c.end;
}

patron_status patron__seg_partial_parse(patron__seg_partial *p, const char *line, size_t len,
                                        patron_error *err) {
  patron__seg_partial *q = patron__seg_partial_new();
  if (!q)
    return PATRON__OOM(err);
  bool ok = parse_into((cursor){line, line + len}, q);
  patron_status st = PATRON_OK;
  if (!ok)
    st = patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "malformed partial summary (expected the seg1 fields of patron reduce)");
  else if (!patron__seg_partial_merge(p, q))
    st = PATRON__OOM(err);
  patron__seg_partial_free(q);
  return st;
}
