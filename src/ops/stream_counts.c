/* Named counts of the streaming contract, its line reader and its CLV triples (stream_int.h). */
#include "ops/stream_int.h"

#include <stdlib.h>
#include <string.h>

bool patron__counts_add(stream_counts *c, const char *key, size_t len, uint64_t v) {
  for (size_t i = 0; i < c->n; i++)
    if (strlen(c->key[i]) == len && memcmp(c->key[i], key, len) == 0)
      return c->value[i] += v, true;
  size_t cap = c->cap;
  if (!patron__reserve((void **)&c->key, &cap, c->n + 1, sizeof *c->key) ||
      !patron__reserve((void **)&c->value, &c->cap, c->n + 1, sizeof *c->value))
    return false;
  char *k = malloc(len + 1);
  if (!k)
    return false;
  memcpy(k, key, len);
  k[len] = '\0';
  c->key[c->n] = k;
  c->value[c->n++] = v;
  return true;
}

uint64_t patron__counts_get(const stream_counts *c, const char *key) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->key[i], key) == 0)
      return c->value[i];
  return 0;
}

static bool add_named(stream_counts *c, const char *prefix, const char *name, uint64_t v) {
  char key[512];
  int n = snprintf(key, sizeof key, "%s%s", prefix, name);
  return n > 0 && (size_t)n < sizeof key && patron__counts_add(c, key, (size_t)n, v);
}

bool patron__counts_from_stats(stream_counts *c, const patron__stream_stats *s) {
  bool ok = add_named(c, "", "rows_read", s->rows_read) &&
            add_named(c, "", "rows_used", s->rows_used) &&
            add_named(c, "", "after_as_of", s->after_as_of) &&
            add_named(c, "", "blank_lines", s->blank_lines) &&
            add_named(c, "", "lines_in_quotes", s->lines_in_quotes) &&
            add_named(c, "", "header_lines", s->header_lines);
  for (int k = 0; ok && k < PATRON_REJECT_COUNT; k++)
    if (s->by_reason[k])
      ok = add_named(c, "rejected.", patron_reject_key((patron_reject_reason)k), s->by_reason[k]);
  for (size_t i = 0; ok && i < s->n_columns; i++)
    ok = add_named(c, "empty.", s->columns[i], s->empty[i]);
  return ok;
}

static const char counts_head[] = "\tS\tstream1";
enum { COUNTS_HEAD = sizeof counts_head - 1 };

bool patron__counts_is_line(const char *line, size_t len) {
  return len >= COUNTS_HEAD && memcmp(line, counts_head, COUNTS_HEAD) == 0 &&
         (len == COUNTS_HEAD || line[COUNTS_HEAD] == '\t');
}

/* One "\tKEY\tVALUE" pair from line[*at]; false when malformed or out of memory. */
static bool parse_pair(stream_counts *c, const char *line, size_t len, size_t *at) {
  const char *p = line + *at + 1, *end = line + len;
  const char *tab = memchr(p, '\t', (size_t)(end - p));
  if (line[*at] != '\t' || !tab)
    return false;
  const char *next = memchr(tab + 1, '\t', (size_t)(end - tab - 1));
  const char *stop = next ? next : end;
  patron__tsv_field f[3];
  if (patron__tsv_split(p, (size_t)(stop - p), f, 2) != 2)
    return false;
  char key[512];
  size_t klen = patron__tsv_unescape(&f[0], key, sizeof key);
  int64_t v;
  *at = (size_t)(stop - line);
  return klen != (size_t)-1 && patron__tsv_i64(&f[1], &v) && v >= 0 &&
         patron__counts_add(c, key, klen, (uint64_t)v);
}

bool patron__counts_parse(stream_counts *c, const char *line, size_t len) {
  if (!patron__counts_is_line(line, len))
    return false;
  for (size_t at = COUNTS_HEAD; at < len;)
    if (!parse_pair(c, line, len, &at))
      return false;
  return true;
}

void patron__counts_write(FILE *out, const stream_counts *c) {
  fputs("\tS\tstream1", out);
  for (size_t i = 0; i < c->n; i++) {
    fputc('\t', out);
    patron__tsv_put(out, c->key[i], strlen(c->key[i]));
    fprintf(out, "\t%llu", (unsigned long long)c->value[i]);
  }
  fputc('\n', out);
}

void patron__counts_report(FILE *counters, const stream_counts *c) {
  if (!counters)
    return;
  for (size_t i = 0; i < c->n; i++) { /* Hadoop splits the line at commas: none in names */
    fputs("reporter:counter:patron,", counters);
    for (const char *p = c->key[i]; *p; p++)
      fputc(*p == ',' || *p == '\n' ? '_' : *p, counters);
    fprintf(counters, ",%llu\n", (unsigned long long)c->value[i]);
  }
}

void patron__counts_free(stream_counts *c) {
  for (size_t i = 0; i < c->n; i++)
    free(c->key[i]);
  free(c->key);
  free(c->value);
  *c = (stream_counts){0};
}

const char *patron__lines_next(stream_lines *r, size_t *len, bool *io_error) {
  ssize_t n = getline(&r->buf, &r->cap, r->in);
  if (n < 0) {
    *io_error = ferror(r->in) != 0;
    return NULL;
  }
  r->line++;
  if (n && r->buf[n - 1] == '\n')
    n--;
  if (n && r->buf[n - 1] == '\r')
    n--;
  *len = (size_t)n;
  return r->buf;
}

bool patron__triples_add(clv_triples *t, int64_t x, int32_t first, int32_t last, uint64_t count) {
  if (!patron__reserve((void **)&t->t, &t->cap, t->n + 1, sizeof *t->t))
    return false;
  t->t[t->n++] = (clv_triple){x, first, last, count};
  return true;
}

static int cmp_triple(const void *a, const void *b) {
  const clv_triple *p = a, *q = b;
  if (p->x != q->x)
    return p->x < q->x ? -1 : 1;
  if (p->first != q->first)
    return p->first < q->first ? -1 : 1;
  return (p->last > q->last) - (p->last < q->last);
}

void patron__triples_merge(clv_triples *t) {
  if (t->n > 1) /* qsort wants a valid pointer even for none */
    qsort(t->t, t->n, sizeof *t->t, cmp_triple);
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++)
    if (k && cmp_triple(&t->t[k - 1], &t->t[i]) == 0)
      t->t[k - 1].count += t->t[i].count;
    else
      t->t[k++] = t->t[i];
  t->n = k;
}

void patron__triples_write(FILE *out, clv_triples *t) {
  fputs("\tC\tclv1\t", out);
  for (size_t i = 0; i < t->n; i++)
    fprintf(out, "%s%lld:%ld:%ld:%llu", i ? "," : "", (long long)t->t[i].x, (long)t->t[i].first,
            (long)t->t[i].last, (unsigned long long)t->t[i].count);
  fputc('\n', out);
}

/* One decimal integer at *p (optional '-'), then the separator sep (or the end). */
static bool read_num(const char **p, const char *end, char sep, int64_t lo, int64_t hi,
                     int64_t *out) {
  const char *q = *p;
  bool neg = q < end && *q == '-';
  q += neg;
  int64_t v = 0;
  const char *digits = q;
  for (; q < end && *q >= '0' && *q <= '9'; q++) {
    if (v > (INT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (*q - '0');
  }
  v = neg ? -v : v;
  if (q == digits || v < lo || v > hi || (q < end && *q != sep) || (q == end && sep != ','))
    return false;
  *p = q < end ? q + 1 : q;
  *out = v;
  return true;
}

bool patron__triples_parse(clv_triples *t, const char *text, size_t len) {
  const char *p = text, *end = text + len;
  while (p < end) {
    int64_t x, first, last, count;
    if (!read_num(&p, end, ':', 0, INT64_MAX / 2, &x) ||
        !read_num(&p, end, ':', -10000000, 10000000, &first) ||
        !read_num(&p, end, ':', first, 10000000, &last) ||
        !read_num(&p, end, ',', 1, INT64_MAX, &count) ||
        !patron__triples_add(t, x, (int32_t)first, (int32_t)last, (uint64_t)count))
      return false;
  }
  return true;
}

void patron__triples_free(clv_triples *t) {
  free(t->t);
  *t = (clv_triples){0};
}
