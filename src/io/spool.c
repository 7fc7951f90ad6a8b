/* Input that cannot be read in place: a pipe or standard input (no size, no pread), a
 * gzip-compressed file (zlib, RFC 1952, detected by its magic bytes), or text in another
 * encoding (iconv to UTF-8). It is streamed once into an unlinked temporary file, which the
 * parallel scanner then reads like any other file; plain files never come here. */
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { CHUNK = 1u << 20 };

typedef struct spool {
  const char *path;
  gzFile in;
  iconv_t cd; /* (iconv_t)-1: no conversion */
  int out;
  uint64_t size, lines; /* bytes and line breaks written so far */
  char *raw, *conv;
  size_t pending; /* undecoded bytes kept at the start of raw (a sequence cut by a read) */
} spool;

static patron_status temp_file(const char *path, int *fd, patron_error *err) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  *fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (*fd >= 0)
    return PATRON_OK;
  char name[4096];
  snprintf(name, sizeof name, "%s/patron-spool-XXXXXX", dir);
  *fd = mkostemp(name, O_CLOEXEC);
  if (*fd < 0)
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0,
                             "cannot create a temporary file in %s to buffer the input: %s", dir,
                             strerror(errno));
  unlink(name);
  return PATRON_OK;
}

static patron_status put(spool *s, const char *buf, size_t len, patron_error *err) {
  for (size_t i = 0; i < len; i++)
    s->lines += buf[i] == '\n';
  while (len) {
    ssize_t n = write(s->out, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return patron__error_set(err, PATRON_ERR_IO, s->path, 0, 0,
                               "cannot buffer the input in a temporary file: %s", strerror(errno));
    buf += n, len -= (size_t)n, s->size += (uint64_t)n;
  }
  return PATRON_OK;
}

/* Converts raw[0, have) to UTF-8, keeping an incomplete trailing sequence for the next read. */
static patron_status convert(spool *s, size_t have, bool last, const char *encoding,
                             patron_error *err) {
  char *in = s->raw;
  size_t left = have;
  while (left) {
    char *out = s->conv;
    size_t room = CHUNK * 4;
    size_t rc = iconv(s->cd, &in, &left, &out, &room);
    patron_status st = put(s, s->conv, (size_t)(out - s->conv), err);
    if (st != PATRON_OK)
      return st;
    if (rc != (size_t)-1 || errno == E2BIG)
      continue;
    if (errno == EINVAL && !last)
      break; /* a sequence cut by the read: finish it with the next read */
    return patron__error_set(err, PATRON_ERR_INPUT, s->path, s->lines + 1, 0,
                             "byte 0x%02x is not valid %s text (check --encoding)",
                             (unsigned char)*in, encoding);
  }
  memmove(s->raw, in, left);
  s->pending = left;
  return PATRON_OK;
}

static patron_status pump(spool *s, const char *encoding, patron_error *err) {
  for (;;) {
    int n = gzread(s->in, s->raw + s->pending, (unsigned)(CHUNK - s->pending));
    if (n < 0) {
      int code;
      const char *why = gzerror(s->in, &code);
      return patron__error_set(err, code == Z_ERRNO ? PATRON_ERR_IO : PATRON_ERR_INPUT, s->path, 0,
                               0, "cannot read: %s", code == Z_ERRNO ? strerror(errno) : why);
    }
    int code = Z_OK;
    if (n == 0 && (gzerror(s->in, &code), code == Z_BUF_ERROR))
      return patron__error_set(err, PATRON_ERR_INPUT, s->path, 0, 0,
                               "cannot read: the gzip data is cut short");
    size_t have = s->pending + (size_t)n;
    patron_status st =
        s->cd == (iconv_t)-1 ? put(s, s->raw, have, err) : convert(s, have, n == 0, encoding, err);
    if (st != PATRON_OK || n == 0)
      return st;
  }
}

patron_status patron__spool(const char *path, int src, const char *encoding, int *out_fd,
                            uint64_t *out_size, patron_error *err) {
  spool s = {.path = path, .cd = (iconv_t)-1, .out = -1};
  patron_status st = PATRON_OK;
  if (encoding && (s.cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1)
    return patron__error_set(err, PATRON_ERR_USAGE, path, 0, 0,
                             "unknown encoding '%s' (try gbk, gb18030, latin1, utf-16)", encoding);
  int in_fd = dup(src);
  s.raw = malloc(CHUNK);
  s.conv = malloc(CHUNK * 4);
  if (in_fd < 0 || !s.raw || !s.conv || !(s.in = gzdopen(in_fd, "rb"))) {
    if (in_fd >= 0 && !s.in)
      close(in_fd);
    st = PATRON__OOM(err);
  }
  if (st == PATRON_OK)
    st = temp_file(path, &s.out, err);
  if (st == PATRON_OK)
    gzbuffer(s.in, 256u << 10);
  if (st == PATRON_OK)
    st = pump(&s, encoding, err);
  if (s.in)
    gzclose(s.in);
  if (s.cd != (iconv_t)-1)
    iconv_close(s.cd);
  free(s.raw);
  free(s.conv);
  if (st != PATRON_OK) {
    if (s.out >= 0)
      close(s.out);
    return st;
  }
  *out_fd = s.out;
  *out_size = s.size;
  return PATRON_OK;
}
