/* `patron gen --time-ordered`: rewrites a generated file with its rows in time order
 * (customers interleaved, like a real export), keeping the header. A stable radix sort on
 * each row's timestamp: rows of the same second keep their generated order (customer, then
 * their own sequence), so the output stays byte-identical per seed for any thread count. */
#include "core/core_int.h"
#include "core/sort.h"
#include "gen/gen_int.h"
#include "patron/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static patron_status io_error(patron_error *err, const char *path, const char *what) {
  return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "cannot %s: %s", what, strerror(errno));
}

static char *slurp(const char *path, size_t *len, patron_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return io_error(err, path, "read"), NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = n >= 0 ? patron__realloc_big(NULL, (size_t)n + 1) : NULL;
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(data);
    return data ? (io_error(err, path, "read"), NULL) : (PATRON__OOM(err), NULL);
  }
  fclose(f);
  data[n] = '\0';
  *len = (size_t)n;
  return data;
}

/* Row starts (after the header) and their time keys. */
static size_t index_rows(const char *data, size_t len, size_t header, int field, uint64_t *keys,
                         uint64_t *start) {
  size_t n = 0;
  for (size_t p = header; p < len; n++) {
    start[n] = p;
    const char *s = data + p;
    for (int f = 0; f < field; f++)
      s = strchr(s, ',') + 1;
    int64_t t = 0;
    patron_parse_time(s, 19, &t); /* the generator writes YYYY-MM-DD HH:MM:SS */
    keys[n] = patron__key_i64(t);
    const char *e = memchr(data + p, '\n', len - p);
    p = e ? (size_t)(e - data) + 1 : len;
  }
  return n;
}

static size_t count_rows(const char *data, size_t len) {
  size_t n = 0;
  for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))); p++)
    n++;
  return n;
}

patron_status patron__gen_time_order(const char *path, int time_field, patron_error *err) {
  size_t len = 0;
  char *data = slurp(path, &len, err);
  if (!data)
    return err->status ? err->status : PATRON_ERR_IO;
  const char *nl = memchr(data, '\n', len);
  size_t header = nl ? (size_t)(nl - data) + 1 : len, rows = count_rows(data, len);
  uint64_t *keys = malloc((rows + 1) * sizeof *keys), *start = malloc((rows + 1) * sizeof *start);
  uint32_t *order = malloc((rows + 1) * sizeof *order);
  patron_status st = PATRON_OK;
  size_t n = 0;
  if (!keys || !start || !order || rows > UINT32_MAX)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    n = index_rows(data, len, header, time_field, keys, start);
    for (size_t i = 0; i < n; i++)
      order[i] = (uint32_t)i;
    if (!patron__radix_sort(keys, order, n))
      st = PATRON__OOM(err);
  }
  char part[PATH_MAX + 16];
  snprintf(part, sizeof part, "%s.part", path);
  FILE *f = st == PATRON_OK ? fopen(part, "wb") : NULL;
  if (st == PATRON_OK && !f)
    st = io_error(err, part, "create");
  if (f) {
    bool ok = fwrite(data, 1, header, f) == header;
    for (size_t i = 0; i < n && ok; i++) {
      size_t s = start[order[i]], e = order[i] + 1 < n ? start[order[i] + 1] : len;
      ok = fwrite(data + s, 1, e - s, f) == e - s;
    }
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(part, path) != 0) {
      st = io_error(err, path, "write");
      unlink(part);
    }
  }
  free(data), free(keys), free(start), free(order);
  return st;
}
