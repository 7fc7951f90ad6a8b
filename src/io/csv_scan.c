/* Parallel scanning of one delimited file. The data after the header is split into one
 * byte range per worker at line starts; each worker streams its range through a fixed
 * buffer with pread and hands every record to the loader's row handler. A split that
 * happens to fall inside a quoted field (a newline inside quotes) is detected when the
 * previous worker's last record ends elsewhere than where the next worker began, and that
 * range is parsed again from the right place: results never depend on the thread count. */
#include "core/exec.h"
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SCAN_BUFFER = 8u << 20, HEADER_WINDOW = PATRON__CSV_MAX_RECORD + 4096 };

static patron_status io_error(patron_error *err, const char *path, const char *what) {
  return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "%s: %s", what, strerror(errno));
}

static ssize_t read_at(int fd, char *buf, size_t len, uint64_t offset) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, (off_t)(offset + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

/* A file whose first lines end with a CR never followed by LF: read as one endless line. */
static bool cr_only(const char *buf, size_t len) {
  const char *cr = memchr(buf, '\r', len);
  return cr && cr + 1 < buf + len && cr[1] != '\n' && !memchr(buf, '\n', (size_t)(cr - buf));
}

static patron_status read_header(patron__scan *scan, bool has_header, patron_error *err) {
  size_t want = scan->size < HEADER_WINDOW ? (size_t)scan->size : HEADER_WINDOW;
  scan->header_buf = malloc(want + 1);
  if (!scan->header_buf)
    return PATRON__OOM(err);
  ssize_t got = read_at(scan->fd, scan->header_buf, want, 0);
  if (got < 0)
    return io_error(err, scan->path, "cannot read");
  size_t bom = got >= 3 && memcmp(scan->header_buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  scan->data_start = bom;
  if (bom && scan->size == bom) /* a byte-order mark and nothing else: an empty text file */
    return patron__error_set(err, PATRON_ERR_INPUT, scan->path, 0, 0,
                             has_header ? "file is empty; expected a header row" : "file is empty");
  if (cr_only(scan->header_buf, (size_t)got))
    return patron__error_set(err, PATRON_ERR_INPUT, scan->path, 1, 0,
                             "the lines end with a lone CR (classic Mac line ends), not LF or CR "
                             "LF; convert the file first, e.g. tr '\\r' '\\n'");
  if (!has_header)
    return PATRON_OK;
  const char *next = NULL, *start = scan->header_buf + bom, *end = scan->header_buf + got;
  patron__csv_status st = patron__csv_parse(&scan->dialect, start, end, (uint64_t)got == scan->size,
                                            &scan->header, &next);
  if (st == PATRON__CSV_NOMEM)
    return PATRON__OOM(err);
  if (st != PATRON__CSV_OK)
    return patron__error_set(err, PATRON_ERR_INPUT, scan->path, 1, 0,
                             "cannot read the header row (%s)",
                             st == PATRON__CSV_UNTERMINATED ? "unterminated quote" : "malformed");
  if (patron__csv_is_blank(&scan->header))
    return patron__error_set(err, PATRON_ERR_INPUT, scan->path, 1, 0,
                             "the first line is empty; expected a header row");
  scan->data_start = (uint64_t)(next - scan->header_buf);
  scan->header_lines = scan->header.n_lines ? scan->header.n_lines : 1;
  return PATRON_OK;
}

/* Whether the file's last byte is a line break: the line it ends otherwise still counts. */
static patron_status read_last_byte(patron__scan *scan, patron_error *err) {
  char last = '\n';
  if (read_at(scan->fd, &last, 1, scan->size - 1) < 0)
    return io_error(err, scan->path, "cannot read");
  scan->unterminated = last != '\n';
  return PATRON_OK;
}

static bool is_utf8_name(const char *encoding) {
  return !encoding || strcasecmp(encoding, "utf-8") == 0 || strcasecmp(encoding, "utf8") == 0;
}

/* Whether a regular file starts with gzip's magic bytes 1f 8b. */
static bool gzip_magic(int fd, uint64_t size) {
  unsigned char m[2];
  return size >= 2 && pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* Opens the input (path "-" is standard input) and decides whether it must be buffered. */
static patron_status open_input(patron__scan *scan, const char *path, patron_error *err) {
  bool is_stdin = strcmp(path, "-") == 0;
  scan->fd = is_stdin ? fcntl(0, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
  if (scan->fd < 0)
    return io_error(err, path, "cannot open");
  struct stat st;
  if (fstat(scan->fd, &st) != 0)
    return io_error(err, path, "cannot stat");
  if (S_ISDIR(st.st_mode))
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "is a directory, expected a file");
  bool regular = S_ISREG(st.st_mode);
  if (!regular && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0,
                             "is a device, expected a file or a pipe");
  scan->size = (uint64_t)st.st_size;
  if (regular && !gzip_magic(scan->fd, scan->size) && is_utf8_name(scan->dialect.encoding))
    return PATRON_OK;
  int fd;
  patron_status ok = patron__spool(
      path, scan->fd, is_utf8_name(scan->dialect.encoding) ? NULL : scan->dialect.encoding, &fd,
      &scan->size, err);
  if (ok != PATRON_OK)
    return ok;
  close(scan->fd);
  scan->fd = fd;
  return PATRON_OK;
}

patron_status patron__scan_open(patron__scan *scan, const char *path, patron__csv_dialect dialect,
                                bool has_header, patron_error *err) {
  memset(scan, 0, sizeof *scan);
  scan->fd = -1;
  scan->path = path;
  scan->dialect = dialect;
  patron_status ok = open_input(scan, path, err);
  if (ok != PATRON_OK)
    return ok;
  if (scan->size == 0)
    return patron__error_set(err, PATRON_ERR_INPUT, path, 0, 0,
                             has_header ? "file is empty; expected a header row" : "file is empty");
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(scan->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  ok = read_last_byte(scan, err);
  return ok == PATRON_OK ? read_header(scan, has_header, err) : ok;
}

void patron__scan_close(patron__scan *scan) {
  if (scan->fd >= 0)
    close(scan->fd);
  patron__csv_record_free(&scan->header);
  free(scan->header_buf);
  scan->fd = -1;
  scan->header_buf = NULL;
}

typedef struct scan_job {
  patron__scan *scan;
  patron__scan_worker *worker;
  patron__row_fn row_fn;
  patron__syntax_fn syntax_fn;
  const patron__scan_progress *progress;
  _Atomic uint64_t *bytes_done;
  bool reports_progress;
  bool io_failed;
} scan_job;

typedef struct stream {
  char *buf;
  size_t have;     /* bytes in buf */
  size_t pos;      /* parse position in buf */
  uint64_t offset; /* file offset of buf[0] */
  bool eof;
} stream;

/* Keeps [pos, have) and reads more behind it. Returns false on a read error. */
static bool refill(scan_job *job, stream *s) {
  if (s->pos > 0) {
    memmove(s->buf, s->buf + s->pos, s->have - s->pos);
    s->offset += s->pos;
    s->have -= s->pos;
    s->pos = 0;
  }
  uint64_t at = s->offset + s->have;
  ssize_t n = read_at(job->scan->fd, s->buf + s->have, SCAN_BUFFER - s->have, at);
  if (n < 0)
    return false;
  s->have += (size_t)n;
  s->eof = s->offset + s->have >= job->scan->size;
  return true;
}

static void report(scan_job *job, uint64_t consumed) {
  uint64_t total = atomic_fetch_add(job->bytes_done, consumed) + consumed;
  const patron__scan_progress *pr = job->progress;
  if (job->reports_progress && pr && pr->fn && job->scan->size)
    pr->fn(pr->ctx, pr->stage, (double)total / (double)job->scan->size);
}

/* Skips to just after the next '\n' (after an over-long line). */
static bool skip_rest_of_line(scan_job *job, stream *s, uint64_t *lines) {
  for (;;) {
    const char *nl = memchr(s->buf + s->pos, '\n', s->have - s->pos);
    if (nl) {
      s->pos = (size_t)(nl - s->buf) + 1;
      (*lines)++;
      return true;
    }
    s->pos = s->have;
    if (s->eof)
      return true;
    if (!refill(job, s))
      return false;
  }
}

/* Hands one parsed record (or syntax error) to the loader; false stops the worker. */
static bool dispatch(scan_job *job, patron__csv_record *rec, patron__csv_status st, uint64_t line) {
  patron__scan_worker *w = job->worker;
  if (st == PATRON__CSV_OK && patron__csv_is_blank(rec)) {
    w->n_blank++;
    return true;
  }
  if (st == PATRON__CSV_OK)
    return job->row_fn(w->ctx, rec, line);
  return job->syntax_fn(w->ctx, rec, line, st);
}

/* Notes a record that spans several lines (a quoted field holding line breaks). */
static void note_span(patron__scan_worker *w, uint64_t line, uint64_t span) {
  if (span < 2)
    return;
  w->n_extra += span - 1;
  if (span > w->widest_span) {
    w->widest_span = span;
    w->widest_line = line;
  }
}

static void scan_range(scan_job *job) {
  patron__scan_worker *w = job->worker;
  stream s = {.buf = malloc(SCAN_BUFFER), .offset = w->start};
  patron__csv_record rec = {0};
  uint64_t lines = 0, reported = w->start;
  w->end = w->start;
  w->n_blank = w->n_extra = w->widest_line = w->widest_span = 0;
  if (!s.buf || !refill(job, &s)) {
    job->io_failed = s.buf != NULL;
    w->failed = true;
    free(s.buf);
    return;
  }
  while (s.offset + s.pos < w->stop) {
    const char *p = s.buf + s.pos, *end = s.buf + s.have, *next = NULL;
    if (p == end && s.eof)
      break;
    patron__csv_status st = patron__csv_parse(&job->scan->dialect, p, end, s.eof, &rec, &next);
    if (st == PATRON__CSV_NEED_MORE) {
      if (!refill(job, &s)) {
        job->io_failed = w->failed = true;
        break;
      }
      continue;
    }
    rec.offset = s.offset + s.pos;
    if (st == PATRON__CSV_NOMEM || !dispatch(job, &rec, st, lines + 1)) {
      w->failed = true;
      break;
    }
    uint64_t first = lines + 1;
    lines += rec.n_lines;
    s.pos = (size_t)(next - s.buf);
    if (rec.resync && !skip_rest_of_line(job, &s, &lines)) {
      job->io_failed = w->failed = true;
      break;
    }
    bool at_file_end = s.eof && s.pos == s.have && job->scan->unterminated;
    note_span(w, first, lines - first + 1 + at_file_end);
    if (s.offset + s.pos - reported >= (16u << 20)) {
      report(job, s.offset + s.pos - reported);
      reported = s.offset + s.pos;
    }
  }
  w->end = s.offset + s.pos;
  w->n_lines = lines;
  report(job, w->end > reported ? w->end - reported : 0);
  patron__csv_record_free(&rec);
  free(s.buf);
}

static void scan_item(void *arg) { scan_range(arg); }

/* First line start at or after `nominal` (a byte after a '\n'), or the file size. */
static uint64_t line_start_after(patron__scan *scan, uint64_t nominal) {
  char window[4096];
  uint64_t at = nominal - 1;
  while (at < scan->size) {
    ssize_t n = read_at(scan->fd, window, sizeof window, at);
    if (n <= 0)
      break;
    const char *nl = memchr(window, '\n', (size_t)n);
    if (nl)
      return at + (uint64_t)(nl - window) + 1;
    at += (uint64_t)n;
  }
  return scan->size;
}

static void split_ranges(patron__scan *scan, patron__scan_worker *workers, int n) {
  uint64_t begin = scan->data_start, span = scan->size - begin;
  workers[0].start = begin;
  for (int i = 1; i < n; i++) {
    uint64_t s = line_start_after(scan, begin + span * (uint64_t)i / (uint64_t)n);
    workers[i].start = s < workers[i - 1].start ? workers[i - 1].start : s;
    workers[i - 1].stop = workers[i].start;
  }
  workers[n - 1].stop = scan->size;
}

patron_status patron__scan_run(patron__scan *scan, patron__scan_worker *workers, int n_workers,
                               patron__row_fn row_fn, patron__syntax_fn syntax_fn,
                               void (*reset)(void *ctx), const patron__scan_progress *progress,
                               patron_error *err) {
  for (int i = 0; i < n_workers; i++)
    workers[i].start = workers[i].stop = workers[i].end = workers[i].n_lines = 0,
    workers[i].failed = false;
  if (n_workers > 64)
    n_workers = 64;
  if (scan->size - scan->data_start < (4u << 20))
    n_workers = 1; /* not worth a thread; the other workers stay empty */
  split_ranges(scan, workers, n_workers);
  _Atomic uint64_t bytes_done = 0;
  scan_job jobs[64];
  for (int i = 0; i < n_workers; i++)
    jobs[i] =
        (scan_job){scan, &workers[i], row_fn, syntax_fn, progress, &bytes_done, i == 0, false};
  patron__exec_each(n_workers, jobs, (size_t)n_workers, sizeof *jobs, scan_item);
  for (int i = 1; i < n_workers && !workers[i - 1].failed; i++) {
    if (workers[i - 1].end == workers[i].start)
      continue;
    reset(workers[i].ctx); /* the split fell inside a quoted field: parse again */
    scan->n_repairs++;
    workers[i].start = workers[i - 1].end; /* may lie past stop: then the range is empty */
    workers[i].failed = false;
    jobs[i].io_failed = false;
    scan_range(&jobs[i]);
  }
  for (int i = 0; i < n_workers; i++)
    if (jobs[i].io_failed)
      return patron__error_set(err, PATRON_ERR_IO, scan->path, 0, 0, "read error: %s",
                               strerror(errno));
  return PATRON_OK;
}
