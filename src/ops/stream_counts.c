/* Named counts of the streaming contract and its line reader (stream_int.h). */
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

bool patron__counts_parse(stream_counts *c, const patron__tsv_field *f, size_t n) {
  if (n % 2)
    return false;
  for (size_t i = 0; i < n; i += 2) {
    char key[512];
    size_t len = patron__tsv_unescape(&f[i], key, sizeof key);
    int64_t v;
    if (len == (size_t)-1 || !patron__tsv_i64(&f[i + 1], &v) || v < 0 ||
        !patron__counts_add(c, key, len, (uint64_t)v))
      return false;
  }
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
