/* Fuzz harness for the RFC 4180 tokenizer (patron__csv_parse, src/io/csv.c).
 * csv.c is compiled into this harness with tiny caps (64-byte records, 8 fields; the logic
 * does not depend on their values), so the cap paths are hit by small, fast inputs; the
 * real sizes are exercised through the scanner by fuzz_load. Input: one dialect byte and
 * the data (its high bits choose the quoted-field limits). The data is parsed record by record over
 * the whole buffer, and in lockstep through random growing windows as the streaming scanner reads
 * it: both must give the same records (a differential check). Invariants: progress, fields inside
 * the record or the scratch buffer, line counts. */
#include "fuzz.h"

#include <string.h>

/* this harness's own copy of the tokenizer, renamed so it cannot clash with libpatron's */
#define patron__csv_parse       fuzz_csv_parse
#define patron__csv_record_free fuzz_csv_record_free
#include "io/io_int.h"
#undef PATRON__CSV_MAX_FIELDS
#undef PATRON__CSV_MAX_RECORD
#define PATRON__CSV_MAX_FIELDS 8
#define PATRON__CSV_MAX_RECORD 64u
#include "io/csv.c" /* io_int.h is not read again: the caps above stay */

static const char delimiters[] = {',', '\t', ';', '|', ' '};

static size_t count_nl(const char *s, const char *e) {
  size_t n = 0;
  for (; s < e; s++)
    n += *s == '\n';
  return n;
}

static bool inside(const char *ptr, size_t len, const char *lo, const char *hi) {
  return ptr >= lo && ptr <= hi && len <= (size_t)(hi - ptr);
}

/* Invariants of one record parsed at `start` that returned `st` and set `next`. */
static void check_record(const patron__csv_record *rec, patron__csv_status st, const char *start,
                         const char *next, const char *end) {
  FUZZ_CHECK(next > start && next <= end, "no progress or overrun: next at %td of %td",
             next - start, end - start);
  FUZZ_CHECK(rec->raw == start && rec->raw_len <= (size_t)(next - start), "raw out of bounds");
  if (st != PATRON__CSV_UNTERMINATED && !(st == PATRON__CSV_TOO_LONG && rec->resync))
    FUZZ_CHECK(rec->n_lines == count_nl(start, next), "n_lines %u, newlines consumed %zu",
               rec->n_lines, count_nl(start, next));
  FUZZ_CHECK(rec->n_fields <= PATRON__CSV_MAX_FIELDS, "%zu fields", rec->n_fields);
  if (st != PATRON__CSV_OK) {
    FUZZ_CHECK(rec->error_field <= rec->n_fields, "error_field past the fields");
    return;
  }
  FUZZ_CHECK(rec->n_fields >= 1, "OK record without fields");
  size_t tail = (size_t)(next - start) - rec->raw_len;
  FUZZ_CHECK(tail <= 2, "%zu bytes between raw and next", tail);
  for (size_t i = 0; i < tail; i++)
    FUZZ_CHECK(start[rec->raw_len + i] == '\r' || start[rec->raw_len + i] == '\n',
               "raw does not end at the line end");
  for (size_t f = 0; f < rec->n_fields; f++) {
    const patron__csv_field *fl = &rec->fields[f];
    FUZZ_CHECK(inside(fl->ptr, fl->len, start, start + rec->raw_len) ||
                   inside(fl->ptr, fl->len, rec->scratch, rec->scratch + rec->scratch_used),
               "field %zu lies outside the record and the scratch buffer", f);
  }
  FUZZ_CHECK(rec->scratch_used <= rec->scratch_cap, "scratch overrun");
}

static bool same_fields(const patron__csv_record *a, const patron__csv_record *b) {
  if (a->n_fields != b->n_fields)
    return false;
  for (size_t f = 0; f < a->n_fields; f++)
    if (a->fields[f].len != b->fields[f].len ||
        memcmp(a->fields[f].ptr, b->fields[f].ptr, a->fields[f].len) != 0)
      return false;
  return true;
}

/* The windowed reader: grows the window after NEED_MORE like the scanner's refill. */
static patron__csv_status parse_windowed(const patron__csv_dialect *d, const char *p,
                                         const char **win_end, const char *end,
                                         const char *whole_next, patron__csv_status whole_st,
                                         uint64_t *rng, patron__csv_record *rec,
                                         const char **next) {
  for (;;) {
    bool eof = *win_end == end;
    patron__csv_status st = patron__csv_parse(d, p, *win_end, eof, rec, next);
    if (st != PATRON__CSV_NEED_MORE)
      return st;
    FUZZ_CHECK(!eof, "NEED_MORE at end of input");
    /* (after "too long" the whole parse resynchronised at a newline maybe inside quotes;
     * a quoting error resumes on the quote's line but is decided by input further on) */
    FUZZ_CHECK(whole_next > *win_end || whole_st == PATRON__CSV_TOO_LONG ||
                   whole_st == PATRON__CSV_UNTERMINATED || whole_st == PATRON__CSV_RUNAWAY_QUOTE ||
                   whole_st == PATRON__CSV_STRAY_QUOTE,
               "NEED_MORE although the record ends inside the window");
    size_t have = (size_t)(*win_end - p);
    size_t grow = 1 + (size_t)(fuzz_rand(rng) % (have + 16));
    *win_end = grow >= (size_t)(end - *win_end) ? end : *win_end + grow;
  }
}

static void run(const patron__csv_dialect *d, const char *buf, size_t len, uint64_t seed) {
  patron__csv_record whole = {0}, win = {0};
  const char *end = buf + len, *p = buf, *q = buf, *win_end = buf;
  uint64_t rng = seed;
  size_t lines = 0;
  while (p < end) {
    const char *next = NULL, *wnext = NULL;
    patron__csv_status st = patron__csv_parse(d, p, end, true, &whole, &next);
    if (st == PATRON__CSV_NOMEM)
      break;
    FUZZ_CHECK(st != PATRON__CSV_NEED_MORE, "NEED_MORE with eof");
    check_record(&whole, st, p, next, end);
    FUZZ_CHECK(q == p, "windowed reader out of step");
    patron__csv_status wst = parse_windowed(d, q, &win_end, end, next, st, &rng, &win, &wnext);
    /* past the cap, buffering may decide which error is seen first (a field running past
     * the window is "too long" before it can be "one field too many") */
    bool over = (size_t)(next - p) > PATRON__CSV_MAX_RECORD;
    FUZZ_CHECK(wst == st || (over && (st == PATRON__CSV_TOO_LONG || wst == PATRON__CSV_TOO_LONG)),
               "status %d whole, %d windowed, record at %td", st, wst, p - buf);
    if (st == PATRON__CSV_TOO_LONG || wst == PATRON__CSV_TOO_LONG)
      break; /* resynchronisation after an over-long line legitimately differs */
    check_record(&win, wst, q, wnext, end);
    uint32_t wlines = win.n_lines;
    if (win.resync) { /* the scanner skips to the end of the line, as the whole parse did */
      FUZZ_CHECK(wnext == win_end && over, "resync before the window is full");
      const char *nl = memchr(wnext, '\n', (size_t)(end - wnext));
      wnext = nl ? nl + 1 : end;
      wlines += nl != NULL;
    } else {
      FUZZ_CHECK(win.raw_len == whole.raw_len, "raw_len differs at %td", p - buf);
    }
    FUZZ_CHECK(wnext == next, "next %td whole, %td windowed", next - buf, wnext - buf);
    FUZZ_CHECK(wlines == whole.n_lines && win.error_field == whole.error_field &&
                   same_fields(&whole, &win),
               "record at %td differs between whole and windowed parsing", p - buf);
    lines += whole.n_lines;
    p = q = next;
    if (win_end < q)
      win_end = q;
  }
  if (p == end)
    FUZZ_CHECK(lines <= count_nl(buf, end), "more lines counted than the input has");
  patron__csv_record_free(&whole);
  patron__csv_record_free(&win);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  /* the dialect byte's high bits pick quoted-field limits below and around the record cap */
  static const uint32_t field_lines[4] = {0, 1, 3, 1000}, field_bytes[4] = {0, 8, 24, 100};
  patron__csv_dialect d = {delimiters[(data[0] & 0x0f) % sizeof delimiters],
                           field_lines[(data[0] >> 4) & 3], field_bytes[(data[0] >> 6) & 3], NULL};
  char *buf = malloc(size > 1 ? size - 1 : 1); /* exact size: ASan sees reads past the end */
  FUZZ_CHECK(buf, "out of memory");
  memcpy(buf, data + 1, size - 1);
  run(&d, buf, size - 1, fuzz_hash(data, size));
  free(buf);
  return 0;
}
