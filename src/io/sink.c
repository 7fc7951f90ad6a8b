/* Output sinks (include/patron/sink.h): atomic files (temporary name + rename, as POSIX
 * rename(2) replaces the target in one step), memory buffers and callbacks. */
#include "core/core_int.h"
#include "patron/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum sink_kind { SINK_FILE, SINK_MEMORY, SINK_CALLBACK };

struct patron_sink {
  enum sink_kind kind;
  patron_output_options opts;
  patron_error error; /* sticky: the first failure */
  /* files */
  FILE *f;
  char *path, *tmp;
  /* memory */
  char *data;
  size_t len, cap;
  /* callbacks */
  bool (*write)(void *ctx, const void *data, size_t n);
  void *ctx;
};

void patron_output_options_init(patron_output_options *o) { *o = (patron_output_options){0}; }

void patron_output_options_excel(patron_output_options *o) {
  o->bom = true;
  o->formula_guard = true;
}

static patron_sink *sink_new(enum sink_kind kind, const patron_output_options *o) {
  patron_sink *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->kind = kind;
  if (o)
    s->opts = *o;
  return s;
}

/* ".NAME.tmp-PID" in NAME's directory: the same file system, so rename is atomic. */
static char *temp_name(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
  char *tmp = NULL;
  if (asprintf(&tmp, "%.*s.%s.tmp-%ld", (int)dir_len, path, path + dir_len, (long)getpid()) < 0)
    return NULL;
  return tmp;
}

patron_status patron_sink_file(const char *path, const patron_output_options *o, patron_sink **out,
                               patron_error *err) {
  *out = NULL;
  patron_sink *s = sink_new(SINK_FILE, o);
  struct stat sb;
  /* a device or a pipe (--out /dev/stdout) is written in place: it cannot be replaced */
  bool in_place = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
  if (s) {
    s->path = strdup(path);
    s->tmp = in_place ? NULL : temp_name(path);
  }
  if (!s || !s->path || (!in_place && !s->tmp)) {
    patron_sink_abort(s);
    return PATRON__OOM(err);
  }
  s->f = fopen(in_place ? s->path : s->tmp, "wb");
  if (!s->f) {
    patron_status st =
        patron__error_set(err, errno == ENAMETOOLONG ? PATRON_ERR_LIMIT : PATRON_ERR_IO, path, 0, 0,
                          "cannot create: %s", strerror(errno));
    free(s->path);
    free(s->tmp);
    free(s);
    return st;
  }
  *out = s;
  return PATRON_OK;
}

patron_sink *patron_sink_memory(const patron_output_options *o) { return sink_new(SINK_MEMORY, o); }

patron_sink *patron_sink_callback(bool (*write)(void *ctx, const void *data, size_t n), void *ctx,
                                  const patron_output_options *o) {
  patron_sink *s = sink_new(SINK_CALLBACK, o);
  if (s) {
    s->write = write;
    s->ctx = ctx;
  }
  return s;
}

const patron_output_options *patron_sink_options(const patron_sink *s) { return &s->opts; }

const char *patron_sink_name(const patron_sink *s) {
  return s->kind == SINK_FILE ? s->path : s->kind == SINK_MEMORY ? "memory" : "callback";
}

static patron_status fail(patron_sink *s, patron_status st, const char *what, patron_error *err) {
  if (s->error.status == PATRON_OK) {
    if (st == PATRON_ERR_NOMEM)
      PATRON__OOM(&s->error);
    else
      patron__error_set(&s->error, st, s->kind == SINK_FILE ? s->path : NULL, 0, 0, "%s: %s", what,
                        strerror(errno));
  }
  if (err && err->status == PATRON_OK)
    *err = s->error;
  return s->error.status;
}

patron_status patron_sink_write(patron_sink *s, const void *data, size_t n, patron_error *err) {
  if (s->error.status != PATRON_OK)
    return fail(s, s->error.status, "", err);
  if (n == 0)
    return PATRON_OK;
  switch (s->kind) {
  case SINK_FILE:
    if (!s->f || fwrite(data, 1, n, s->f) != n)
      return fail(s, PATRON_ERR_IO, "write failed", err);
    return PATRON_OK;
  case SINK_MEMORY:
    if (!patron__reserve((void **)&s->data, &s->cap, s->len + n + 1, 1))
      return fail(s, PATRON_ERR_NOMEM, "", err);
    memcpy(s->data + s->len, data, n);
    s->len += n;
    s->data[s->len] = '\0';
    return PATRON_OK;
  case SINK_CALLBACK:
    if (!s->write(s->ctx, data, n))
      return fail(s, PATRON_ERR_IO, "write failed", err);
    return PATRON_OK;
  }
  return PATRON_OK;
}

patron_status patron_sink_finish(patron_sink *s, patron_error *err) {
  if (s->kind == SINK_FILE && s->f) {
    bool ok = fflush(s->f) == 0 && !ferror(s->f);
    ok = fclose(s->f) == 0 && ok;
    s->f = NULL;
    if (!ok)
      fail(s, PATRON_ERR_IO, "write failed", NULL);
  }
  if (s->error.status != PATRON_OK && err && err->status == PATRON_OK)
    *err = s->error;
  return s->error.status;
}

static void sink_free(patron_sink *s) {
  if (s->f)
    fclose(s->f);
  free(s->path);
  free(s->tmp);
  free(s->data);
  free(s);
}

patron_status patron_sink_close(patron_sink *s, patron_error *err) {
  if (!s)
    return PATRON_OK;
  patron_status st = patron_sink_finish(s, err);
  if (st == PATRON_OK && s->tmp && rename(s->tmp, s->path) != 0)
    st = fail(s, PATRON_ERR_IO, "cannot rename the finished file into place", err);
  if (st != PATRON_OK && s->tmp)
    unlink(s->tmp);
  sink_free(s);
  return st;
}

void patron_sink_abort(patron_sink *s) {
  if (!s)
    return;
  if (s->f) {
    fclose(s->f);
    s->f = NULL;
  }
  if (s->tmp)
    unlink(s->tmp);
  sink_free(s);
}

char *patron_sink_take(patron_sink *s, size_t *len) {
  char *data = s->error.status == PATRON_OK ? s->data : NULL;
  if (data && !s->data)
    data = NULL;
  if (!data && s->error.status == PATRON_OK && (data = calloc(1, 1)) == NULL)
    s->error.status = PATRON_ERR_NOMEM;
  *len = data ? s->len : 0;
  if (data == s->data)
    s->data = NULL;
  sink_free(s);
  return data;
}
