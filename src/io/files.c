/* File helpers of the library (src/io/files.h): checked path joins and capped whole-file
 * reads. */
#include "io/files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

patron_status patron__path_join(char *buf, size_t cap, const char *dir, const char *name,
                                patron_error *err) {
  int n = snprintf(buf, cap, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= cap)
    return patron__error_set(err, PATRON_ERR_LIMIT, NULL, 0, 0,
                             "output path too long (%zu bytes at most): %s/%s", cap - 1, dir, name);
  return PATRON_OK;
}

static patron_status io_error(patron_error *err, const char *path) {
  return patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot read %s: %s", path,
                           strerror(errno));
}

patron_status patron__read_file(const char *path, size_t max_bytes, char **out, size_t *len,
                                patron_error *err) {
  *out = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return io_error(err, path);
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && n <= max_bytes && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (n + 1 == cap) {
      char *grown = realloc(buf, cap *= 2);
      if (!grown)
        free(buf);
      buf = grown;
    }
  }
  bool failed = ferror(f);
  fclose(f);
  if (!buf)
    return PATRON__OOM(err);
  if (failed || n > max_bytes) {
    free(buf);
    return failed ? io_error(err, path)
                  : patron__error_set(err, PATRON_ERR_LIMIT, path, 0, 0,
                                      "%s is larger than %zu bytes", path, max_bytes);
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return PATRON_OK;
}

patron_status patron__check_not_input(const char *path, const patron_dataset *ds,
                                      patron_error *err) {
  struct stat out;
  if (stat(path, &out) != 0 || !S_ISREG(out.st_mode))
    return PATRON_OK; /* a new file, or a device such as /dev/stdout */
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *r = patron_dataset_file_report(ds, (patron_file_kind)k);
    struct stat in;
    if (r->present && stat(r->path, &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "the output %s is the input file %s: choose another --out", path,
                               r->path);
  }
  return PATRON_OK;
}
