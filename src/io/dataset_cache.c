/* The dataset cache (docs/CACHE.md, a SPEC extension): patron_dataset_load with
 * opts->cache_dir set reads the loaded dataset from a cache file when the inputs and the
 * options are those it was written for, else parses the files and writes the cache file
 * (temporary name, fsync, rename). The key is a text: the options, then per file its path
 * as given, its real path, size, modification time and hashes of its first and last 64 KiB.
 * A cache file holds the whole files (no as-of filter) when no used row falls on or after
 * the as-of day, and then serves every later as-of day the data ends before (a daily run
 * whose inputs did not change); otherwise it is written for that as-of day only, in a
 * second file. The dataset from a cache equals the one parsed from the files: every
 * output of every command is the same with and without the cache. */
#include "io/cache_int.h"
#include "io/load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EDGE_BYTES ((size_t)64 << 10)

static void note(const patron_load_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(const patron_load_options *o, const char *fmt, ...) {
  if (!o->cache_note)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  o->cache_note(o->cache_note_ctx, msg);
}

/* ---- the key ------------------------------------------------------------------------------ */

typedef struct text {
  char *s;
  size_t n, cap;
  bool oom;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0 || !patron__reserve((void **)&t->s, &t->cap, t->n + (size_t)len + 1, 1)) {
    t->oom = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->n, (size_t)len + 1, fmt, ap);
  va_end(ap);
  t->n += (size_t)len;
}

static uint64_t hash_range(int fd, off_t at, size_t len, bool *ok) {
  char *buf = malloc(len ? len : 1);
  size_t got = 0;
  while (buf && got < len) {
    ssize_t r = pread(fd, buf + got, len - got, at + (off_t)got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  *ok = *ok && buf && got == len;
  uint64_t h = buf ? patron__hash_bytes(buf, got, 0) : 0;
  free(buf);
  return h;
}

/* One file's line of the key; false (why filled) when it cannot be cached. */
static bool fingerprint(text *t, const char *name, const char *path, char *why, size_t cap) {
  struct stat st;
  char real[PATH_MAX];
  if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
      !realpath(path, real)) {
    snprintf(why, cap, "%s is not a regular file", path);
    return false;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0;
  size_t size = (size_t)st.st_size, edge = size < EDGE_BYTES ? size : EDGE_BYTES;
  uint64_t head = ok ? hash_range(fd, 0, edge, &ok) : 0;
  uint64_t tail = ok ? hash_range(fd, (off_t)(size - edge), edge, &ok) : 0;
  if (fd >= 0)
    close(fd);
  if (!ok) {
    snprintf(why, cap, "cannot read %s", path);
    return false;
  }
  add(t, "file %s %s (%s) size %zu mtime %lld.%09ld head %016llx tail %016llx\n", name, path, real,
      size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (unsigned long long)head,
      (unsigned long long)tail);
  return true;
}

static void options_key(text *t, const patron_load_options *o) {
  add(t, "patron dataset cache %d\n", PATRON__CACHE_VERSION);
  add(t,
      "options delimiter %d no_header %d columns '%s' date_format '%s' order_per_row %d strict "
      "%d max_field_lines %u max_field_bytes %u amount_optional %d keep_lines %d since_day %d\n",
      o->delimiter, o->no_header, o->columns ? o->columns : "",
      o->date_format ? o->date_format : "", o->order_per_row, o->strict, o->max_field_lines,
      o->max_field_bytes, o->amount_optional, o->keep_lines, o->since_day);
  if (o->keep_lines && o->lines_unlinked) /* a key of its own; older keys stay as they were */
    add(t, "lines unlinked\n");
  if (o->keep_lines && o->lines_untimed)
    add(t, "lines untimed\n");
  if (o->keep_lines && o->lines_amount_with_discount)
    add(t, "lines amount with discount\n");
  for (size_t i = 0; i < o->n_maps; i++)
    add(t, "map %s\n", o->maps[i]);
  for (size_t i = 0; i < o->n_encodings; i++)
    add(t, "encoding %s\n", o->encodings[i]);
}

static const char *const kind_names[PATRON_FILE_KINDS] = {"orders", "customers", "events"};

/* The key without its as-of line; false (why filled) when the inputs cannot be cached. */
static bool inputs_key(const patron_load_options *o, text *t, char *why, size_t cap) {
  options_key(t, o);
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (o->paths[k] && !fingerprint(t, kind_names[k], o->paths[k], why, cap))
      return false;
  if (t->oom)
    snprintf(why, cap, "out of memory");
  return !t->oom;
}

/* DIR/dataset-HASH.cache (whole files) or DIR/dataset-HASH-as-of.cache, HASH naming the
 * options and paths (not the fingerprints: a changed file replaces its cache file). */
static void cache_paths(const patron_load_options *o, char all[PATH_MAX], char as_of[PATH_MAX]) {
  text t = {0};
  options_key(&t, o);
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    add(&t, "%d %s\n", k, o->paths[k] ? o->paths[k] : "");
  char real[PATH_MAX];
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (o->paths[k] && realpath(o->paths[k], real))
      add(&t, "%s\n", real);
  unsigned long long h = t.s ? (unsigned long long)patron__hash_bytes(t.s, t.n, 7) : 0;
  free(t.s);
  snprintf(all, PATH_MAX, "%s/dataset-%016llx.cache", o->cache_dir, h);
  snprintf(as_of, PATH_MAX, "%s/dataset-%016llx-as-of.cache", o->cache_dir, h);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* The mapping's pages are mapped in advance: block by block while the checksum reads them,
 * on every core (dataset_codec.c), where the system has MADV_POPULATE_READ; else all at once
 * by mmap. */
#ifdef MADV_POPULATE_READ
#define MAP_FLAGS MAP_PRIVATE
#else
#define MAP_FLAGS (MAP_PRIVATE | MAP_POPULATE)
#endif

/* Maps path and reads it as written under key: PATRON_OK, or an error whose message says
 * why not (the file may simply be missing: *missing). The mapping is read-only (a dataset
 * is never written after its load; writable would make the prefault copy every page) and
 * prefaulted; the file is only ever replaced by a rename, never rewritten in place. */
static patron_status read_cache(const char *path, const char *key, int n_threads,
                                patron__cache_contents *c, bool *missing, patron_error *err) {
  *missing = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *missing = errno == ENOENT;
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  }
  struct stat st;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size >= 8)
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_FLAGS, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return patron__error_set(err, PATRON_ERR_INPUT, path, 0, 0, "the file is truncated");
  return patron__cache_decode(map, (uint64_t)st.st_size, true, key, true, n_threads, c, err);
}

/* Whether a cache of the whole files gives exactly the load with this as-of day: no used
 * row on or after it (nothing the load would have kept out) and no duplicate member row
 * (whose signup date the cache does not keep). */
static bool serves(const patron__cache_contents *c, int32_t as_of) {
  if (as_of == PATRON_NO_DAY)
    return true;
  int64_t limit = (int64_t)as_of * 86400;
  const patron_dataset *ds = c->ds;
  return ds->max_order_time < limit && c->max_event_time < limit &&
         (c->max_signup_day == PATRON_NO_DAY || c->max_signup_day < as_of) &&
         ds->reports[PATRON_FILE_CUSTOMERS].rejected_by_reason[PATRON_REJECT_DUPLICATE_CUSTOMER] ==
             0;
}

/* The cached dataset as the load of opts: its paths, its as-of day, its warnings replayed. */
static patron_status finish(patron__cache_contents *c, const patron_load_options *o,
                            patron_dataset **out, patron_error *err) {
  patron_dataset *ds = c->ds;
  ds->load_as_of = o->as_of_day;
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    if (o->paths[k] && !(ds->paths[k] = strdup(o->paths[k]))) {
      patron__cache_contents_free(c);
      return PATRON__OOM(err);
    }
    ds->reports[k].path = ds->paths[k];
  }
  for (size_t i = 0; o->warn && i < c->n_warnings; i++)
    o->warn(o->warn_ctx, c->warnings[i]);
  c->ds = NULL;
  patron__cache_contents_free(c);
  *out = ds;
  return PATRON_OK;
}

/* Tries one cache file; true when it gave *out. Notes why a present file was not used. */
static bool try_cache(const patron_load_options *o, const char *path, const char *key,
                      patron_dataset **out, bool *stale_as_of, patron_error *err) {
  patron__cache_contents c;
  patron_error why = {0};
  bool missing;
  if (read_cache(path, key, o->n_threads, &c, &missing, &why) != PATRON_OK) {
    if (!missing)
      note(o, "%s: %s; rebuilding it", path, why.message);
    return false;
  }
  if (stale_as_of && !serves(&c, o->as_of_day)) {
    *stale_as_of = true;
    patron__cache_contents_free(&c);
    return false;
  }
  return finish(&c, o, out, err) == PATRON_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

typedef struct recorder {
  char **msgs;
  size_t n, cap;
  bool oom;
  void (*warn)(void *, const char *);
  void *ctx;
} recorder;

static void record(void *ctx, const char *message) {
  recorder *r = ctx;
  char *m = strdup(message);
  if (m && patron__reserve((void **)&r->msgs, &r->cap, r->n + 1, sizeof *r->msgs))
    r->msgs[r->n++] = m;
  else
    free(m), r->oom = true;
  if (r->warn)
    r->warn(r->ctx, message);
}

static bool write_file(const char *tmp, const patron_dataset *ds, const patron__cache_meta *m,
                       int n_threads) {
  unlink(tmp); /* left by a killed run that had this process id */
  FILE *f = fopen(tmp, "wbx");
  if (!f)
    return false;
  setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
  bool ok = patron__cache_encode(f, ds, m, n_threads) && fflush(f) == 0 && fsync(fileno(f)) == 0;
  return fclose(f) == 0 && ok;
}

/* Writes ds under key to path through a temporary file; a failure is a note, not an error
 * (the run goes on without a cache). */
static void write_cache(const patron_load_options *o, const char *path, const char *key,
                        patron_dataset *ds, const recorder *rec) {
  if (mkdir(o->cache_dir, 0777) != 0 && errno != EEXIST) {
    note(o, "%s: cannot create the cache directory: %s", o->cache_dir, strerror(errno));
    return;
  }
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
  patron__cache_meta m = {key, (const char *const *)rec->msgs, rec->n};
  int32_t as_of = ds->load_as_of;
  if (strstr(key, "\nas_of all\n"))
    ds->load_as_of = PATRON_NO_DAY; /* the whole files: any as-of day is given on reuse */
  bool ok = write_file(tmp, ds, &m, o->n_threads) && rename(tmp, path) == 0;
  int e = errno;
  ds->load_as_of = as_of;
  if (ok) {
    note(o, "%s: written", path);
    return;
  }
  unlink(tmp);
  note(o, "%s: cannot write the cache: %s; the run goes on without it", path, strerror(e));
}

/* Nothing kept out by the as-of day: the load is the whole files'. */
static bool whole_files(const patron_dataset *ds) {
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (ds->reports[k].after_as_of)
      return false;
  return true;
}

static patron_status parse_and_write(const patron_load_options *o, const char *all,
                                     const char *all_key, const char *as_of, const char *as_of_key,
                                     patron_dataset **out, patron_error *err) {
  recorder rec = {.warn = o->warn, .ctx = o->warn_ctx};
  patron_load_options mine = *o;
  mine.warn = record, mine.warn_ctx = &rec;
  patron_status st = patron__dataset_load_files(&mine, out, err);
  if (st == PATRON_OK && !rec.oom) {
    bool whole = whole_files(*out);
    write_cache(o, whole ? all : as_of, whole ? all_key : as_of_key, *out, &rec);
  }
  for (size_t i = 0; i < rec.n; i++)
    free(rec.msgs[i]);
  free(rec.msgs);
  return st;
}

patron_status patron__dataset_load_cached(const patron_load_options *o, patron_dataset **out,
                                          patron_error *err) {
  text base = {0};
  char why[PATH_MAX + 64];
  if (!inputs_key(o, &base, why, sizeof why)) {
    free(base.s);
    note(o, "not cached: %s", why);
    return patron__dataset_load_files(o, out, err);
  }
  char all[PATH_MAX], as_of[PATH_MAX];
  cache_paths(o, all, as_of);
  text all_key = {0}, as_of_key = {0};
  add(&all_key, "%sas_of all\n", base.s);
  add(&as_of_key, "%sas_of %d\n", base.s, o->as_of_day);
  free(base.s);
  patron_status st = PATRON_OK;
  bool stale = false;
  if (all_key.oom || as_of_key.oom)
    st = PATRON__OOM(err);
  else if (!try_cache(o, all, all_key.s, out, &stale, err) &&
           (o->as_of_day == PATRON_NO_DAY || !try_cache(o, as_of, as_of_key.s, out, NULL, err)))
    st = parse_and_write(o, all, all_key.s, as_of, as_of_key.s, out, err);
  free(all_key.s);
  free(as_of_key.s);
  return st;
}
