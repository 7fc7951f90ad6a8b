/* Internals of the readers: the RFC 4180 record tokenizer and the parallel file scanner
 * that every loader (orders, customers, events, summaries) drives with its own row handler. */
#ifndef PATRON_IO_INT_H
#define PATRON_IO_INT_H

#include "core/core_int.h"

#include <stdatomic.h>

/* Caps on untrusted input, each with its own reject reason. */
#define PATRON__CSV_MAX_FIELDS 4096
#define PATRON__CSV_MAX_RECORD (1u << 20) /* bytes in one record */
/* A quoted field may hold line breaks, but a stray opening quote would then swallow every
 * following row up to the next quote: a quoted field longer than this is a runaway quote,
 * rejected on its own line (options raise the limits up to the record cap). */
#define PATRON__CSV_FIELD_LINES 100u
#define PATRON__CSV_FIELD_BYTES (64u << 10)

typedef struct patron__csv_dialect {
  char delimiter;           /* ',', '\t', ';', '|', or ' ' for runs of blanks ("whitespace") */
  uint32_t max_field_lines; /* line breaks a quoted field may hold; 0 = PATRON__CSV_FIELD_LINES */
  uint32_t max_field_bytes; /* bytes a quoted field may hold; 0 = PATRON__CSV_FIELD_BYTES */
  const char *encoding;     /* the file's text encoding (iconv name); NULL = UTF-8 */
} patron__csv_dialect;

typedef struct patron__csv_field {
  const char *ptr;
  size_t len;
} patron__csv_field;

/* One parsed record. Field pointers point into the input or into `scratch` (quoted fields
 * with doubled quotes), valid until the next parse with this record. */
typedef struct patron__csv_record {
  patron__csv_field *fields;
  size_t n_fields, cap_fields;
  char *scratch;
  size_t scratch_cap, scratch_used;
  const char *raw; /* the record's bytes, without its line terminator */
  uint64_t offset; /* file offset of raw[0] (set by the scanner) */
  size_t raw_len;
  uint32_t n_lines;     /* physical line terminators consumed (0 at EOF without newline) */
  uint32_t error_field; /* 0-based field where a syntax error was found */
  bool resync;          /* TOO_LONG with the line unfinished: skip input to the next '\n' */
} patron__csv_record;

typedef enum patron__csv_status {
  PATRON__CSV_OK,
  PATRON__CSV_NEED_MORE,    /* the record runs past `end` and more input may follow */
  PATRON__CSV_UNTERMINATED, /* a quoted field never closes before end of file */
  PATRON__CSV_STRAY_QUOTE,  /* text right after a closing quote */
  PATRON__CSV_TOO_MANY_FIELDS,
  PATRON__CSV_TOO_LONG,
  PATRON__CSV_NOMEM,
  PATRON__CSV_RUNAWAY_QUOTE, /* a quoted field past the dialect's line or byte limit */
} patron__csv_status;

/* Parses the record starting at p. On OK and on syntax errors, *next is where the next
 * record starts: errors resynchronise at the following line end; quoting errors
 * (unterminated, runaway, text after the closing quote) at the end of the line where the
 * faulty field's quote opened, so the rows a stray quote would swallow are read again. `eof` says
 * that no input follows `end`. */
patron__csv_status patron__csv_parse(const patron__csv_dialect *d, const char *p, const char *end,
                                     bool eof, patron__csv_record *rec, const char **next);
void patron__csv_record_free(patron__csv_record *rec);

/* True for a record with no data (an empty line, or only blanks in whitespace mode). */
static inline bool patron__csv_is_blank(const patron__csv_record *rec) {
  return rec->n_fields == 1 && rec->fields[0].len == 0;
}

/* ---- Parallel file scanning ------------------------------------------------------------ */

/* Row handler: called for every data record of a worker's range in file order.
 * `line` is the physical line (1-based, file-wide once offsets are applied: the scanner
 * passes the worker-relative line, and the loader adds the worker's offset at merge).
 * Returns false only when the worker must stop (out of memory, or strict mode hit). */
typedef bool (*patron__row_fn)(void *worker_ctx, const patron__csv_record *rec, uint64_t line);
/* Syntax-level rejects (bad quoting, too long, too many fields) go here. */
typedef bool (*patron__syntax_fn)(void *worker_ctx, const patron__csv_record *rec, uint64_t line,
                                  patron__csv_status why);

typedef struct patron__scan_worker {
  void *ctx;            /* the loader's per-worker state */
  uint64_t start, stop; /* byte range: records starting in [start, stop) */
  uint64_t end;         /* where the worker's last record ended */
  uint64_t n_lines;     /* physical lines consumed */
  uint64_t n_blank;     /* empty lines skipped (not rows) */
  uint64_t n_extra;     /* lines past the first of records spanning several lines */
  uint64_t widest_line; /* worker-relative line of the record spanning the most lines */
  uint64_t widest_span; /* how many lines that record spans (0: none spans two) */
  bool failed;          /* the row handler asked to stop */
} patron__scan_worker;

typedef struct patron__scan_progress {
  void (*fn)(void *ctx, const char *stage, double fraction);
  void *ctx;
  const char *stage;
} patron__scan_progress;

typedef struct patron__scan {
  const char *path;
  int fd;
  uint64_t size;
  patron__csv_dialect dialect;
  uint64_t data_start;   /* byte offset after the header (and BOM) */
  uint64_t header_lines; /* physical lines used by the header */
  bool unterminated;     /* the last line has no line break (it still counts as a line) */
  patron__csv_record header;
  char *header_buf;
  unsigned n_repairs; /* ranges parsed again because a split fell inside quotes */
} patron__scan;

/* Opens a file and reads its header record (or not, when has_header is false). Empty or
 * unreadable files are errors naming the file. "-" is standard input; pipes, gzip files and
 * files in another encoding than UTF-8 are first buffered as UTF-8 (patron__spool). */
patron_status patron__scan_open(patron__scan *scan, const char *path, patron__csv_dialect dialect,
                                bool has_header, patron_error *err);
void patron__scan_close(patron__scan *scan);

/* Streams src (a pipe or file; gzip-compressed or not) into an unlinked temporary file,
 * converted from `encoding` (NULL: none) to UTF-8; *out_fd (caller closes) and its size.
 * Errors: PATRON_ERR_USAGE (unknown encoding), PATRON_ERR_INPUT (invalid text or gzip
 * data, with the line), PATRON_ERR_IO (read or temporary-file errors). src stays open. */
patron_status patron__spool(const char *path, int src, const char *encoding, int *out_fd,
                            uint64_t *out_size, patron_error *err);

/* Splits the data into n_workers ranges, runs them on threads, and repairs the rare split
 * that fell inside a quoted field. `reset` empties a worker's ctx before a re-parse.
 * Returns PATRON_ERR_IO on read errors; handler-requested stops leave worker->failed set. */
patron_status patron__scan_run(patron__scan *scan, patron__scan_worker *workers, int n_workers,
                               patron__row_fn row_fn, patron__syntax_fn syntax_fn,
                               void (*reset)(void *ctx), const patron__scan_progress *progress,
                               patron_error *err);

#endif
