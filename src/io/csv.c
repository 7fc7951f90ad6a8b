/* RFC 4180 record tokenizer: quoted fields, doubled quotes, delimiters and newlines inside
 * quotes, LF or CRLF line ends; also a "whitespace" dialect (runs of blanks separate fields,
 * as in CDNOW's files). Works on a window of the input and asks for more when a record runs
 * past it, so files of any size stream through a fixed buffer. */
#include "io/io_int.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool grow_fields(patron__csv_record *rec) {
  return patron__reserve((void **)&rec->fields, &rec->cap_fields, rec->n_fields + 1,
                         sizeof *rec->fields);
}

static inline bool push_field(patron__csv_record *rec, const char *ptr, size_t len) {
  if (rec->n_fields >= PATRON__CSV_MAX_FIELDS) /* whatever the capacity grew to */
    return false;
  if (rec->n_fields == rec->cap_fields && !grow_fields(rec))
    return false;
  rec->fields[rec->n_fields].ptr = ptr;
  rec->fields[rec->n_fields].len = len;
  rec->n_fields++;
  return true;
}

/* First byte at or after p that is `delim` or '\n' (or end). SSE2 compares 16 bytes at a
 * time; the tail goes byte by byte. */
static inline const char *field_end(const char *p, const char *end, char delim) {
#ifdef __SSE2__
  const __m128i d = _mm_set1_epi8(delim), nl = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned mask =
        (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, nl)));
    if (mask)
      return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && *p != delim && *p != '\n')
    p++;
  return p;
}

/* Copies a quoted field's content with doubled quotes undone into scratch. */
static const char *unescape(patron__csv_record *rec, const char *s, size_t len, size_t *out_len) {
  char *dst = rec->scratch + rec->scratch_used;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    dst[n++] = s[i];
    if (s[i] == '"')
      i++; /* skip the second quote of a pair */
  }
  rec->scratch_used += n;
  *out_len = n;
  return dst;
}

static uint32_t count_newlines(const char *s, const char *e) {
  uint32_t n = 0;
  while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
    n++;
    s++;
  }
  return n;
}

/* Scans a quoted field starting after its opening quote. Returns the closing quote's
 * position, or NULL when it is not within [p, end). Sets *escaped when "" occurs. */
static const char *find_closing_quote(const char *p, const char *end, bool *escaped) {
  for (;;) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q || q + 1 >= end)
      return q; /* at end we cannot yet tell "" from a closing quote: caller decides */
    if (q[1] != '"')
      return q;
    *escaped = true;
    p = q + 2;
  }
}

/* Finds where the current line ends (for resynchronising after an error). */
static const char *skip_line(const char *p, const char *end, uint32_t *n_lines) {
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  if (!nl)
    return end;
  (*n_lines)++;
  return nl + 1;
}

static bool is_blank_byte(char c) { return c == ' ' || c == '\t'; }

/* Ends the record at p (which is '\n', "\r\n" or end): sets raw, n_lines, *next. */
static void finish(patron__csv_record *rec, const char *start, const char *p, const char *end,
                   const char **next) {
  const char *raw_end = p;
  if (p < end && *p == '\n') {
    rec->n_lines++;
    p++;
    if (raw_end > start && raw_end[-1] == '\r')
      raw_end--;
  }
  rec->raw = start;
  rec->raw_len = (size_t)(raw_end - start);
  *next = p;
}

/* Parses a quoted field opening at *pp. The closing quote is looked for only up to the
 * nearest of: the record cap (then TOO_LONG), the field limit (then RUNAWAY_QUOTE) and the
 * window's end. Bounding the search by the caps, not by how much input happens to be
 * buffered, makes the outcome the same whatever the buffering or the thread split. */
static patron__csv_status parse_quoted(const patron__csv_dialect *d, patron__csv_record *rec,
                                       const char **pp, const char *end, size_t room, bool eof) {
  const char *open = *pp, *p = open + 1, *stop = end;
  patron__csv_status at_stop = eof ? PATRON__CSV_UNTERMINATED : PATRON__CSV_NEED_MORE;
  size_t field_cap = (d->max_field_bytes ? d->max_field_bytes : PATRON__CSV_FIELD_BYTES) + 1u;
  if ((size_t)(end - open) > room) {
    stop = open + room;
    at_stop = PATRON__CSV_TOO_LONG;
  }
  if (stop > p && (size_t)(stop - p) >= field_cap) {
    stop = p + field_cap;
    at_stop = PATRON__CSV_RUNAWAY_QUOTE;
  }
  bool escaped = false;
  const char *q = p < stop ? find_closing_quote(p, stop, &escaped) : NULL;
  if (q && q + 1 >= stop) { /* a quote at the edge of what may be looked at */
    if (q + 1 < end) {
      if (q[1] == '"')
        q = NULL; /* a "" pair across the cap: the field goes on past it */
    } else if (!eof) {
      return PATRON__CSV_NEED_MORE; /* might be the first half of "" */
    }
  }
  if (!q)
    return at_stop;
  uint32_t lines = count_newlines(p, q);
  if (lines > (d->max_field_lines ? d->max_field_lines : PATRON__CSV_FIELD_LINES))
    return PATRON__CSV_RUNAWAY_QUOTE;
  size_t len = (size_t)(q - p);
  const char *ptr = p;
  if (escaped) {
    if (rec->scratch_used + len > rec->scratch_cap)
      return PATRON__CSV_TOO_LONG;
    ptr = unescape(rec, p, len, &len);
  }
  if (!push_field(rec, ptr, len))
    return PATRON__CSV_TOO_MANY_FIELDS;
  rec->n_lines += lines; /* only now: errors above resync from *pp */
  *pp = q + 1;
  return PATRON__CSV_OK;
}

/* After a field: at a delimiter (consumed, returns true = more fields) or at a line end. */
static bool at_separator(const patron__csv_dialect *d, const char **pp, const char *end) {
  const char *p = *pp;
  if (d->delimiter == ' ') {
    while (p < end && is_blank_byte(*p))
      p++;
    bool more = p < end && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n') &&
                !(*p == '\r' && p + 1 == end);
    *pp = p;
    return more;
  }
  if (p < end && *p == d->delimiter) {
    *pp = p + 1;
    return true;
  }
  return false;
}

static bool at_line_end(const char *p, const char *end) {
  return p == end || *p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'));
}

static patron__csv_status syntax_error(patron__csv_record *rec, patron__csv_status why,
                                       const char *start, const char *p, const char *end, bool eof,
                                       const char **next) {
  if (why == PATRON__CSV_NEED_MORE)
    return why;
  rec->error_field = (uint32_t)rec->n_fields;
  const char *resume = skip_line(p, end, &rec->n_lines);
  bool line_ended = resume > p && resume[-1] == '\n'; /* even as the window's last byte */
  if (!line_ended && !eof) {
    /* a full window cannot grow: asking for more there would loop forever */
    if (why != PATRON__CSV_TOO_LONG && (size_t)(end - start) <= PATRON__CSV_MAX_RECORD)
      return PATRON__CSV_NEED_MORE;
    rec->resync = true; /* the line goes on past the window: caller skips to its end */
  }
  rec->raw = start;
  rec->raw_len = (size_t)(resume - start);
  while (rec->raw_len && (start[rec->raw_len - 1] == '\n' || start[rec->raw_len - 1] == '\r'))
    rec->raw_len--;
  *next = resume;
  return why;
}

#ifdef __SSE2__
/* 64 bytes as four vectors. */
typedef struct block64 {
  __m128i v[4];
} block64;

static inline block64 load64(const char *p) {
  const __m128i *q = (const __m128i *)(const void *)p;
  return (block64){
      {_mm_loadu_si128(q), _mm_loadu_si128(q + 1), _mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)}};
}

/* Bit i set where byte i of the block equals c. */
static inline uint64_t eq_mask(const block64 *b, char c) {
  const __m128i v = _mm_set1_epi8(c);
  uint64_t m0 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b->v[0], v));
  uint64_t m1 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b->v[1], v));
  uint64_t m2 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b->v[2], v));
  uint64_t m3 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b->v[3], v));
  return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}
#endif

enum { PLAIN_BLOCKS = 4 }; /* the fast path takes records of up to 4 x 64 bytes */

/* The common record, without quotes, that ends with a line break within the window: its
 * fields are read from bit masks of delimiters and line breaks, 64 bytes at a time, with
 * the same result as the general loop below. False (nothing decided) for any other record,
 * which the general loop then reads from its start. */
static bool parse_plain(const patron__csv_dialect *d, const char *start, const char *end,
                        patron__csv_record *rec, const char **next) {
#ifdef __SSE2__
  const char delim = d->delimiter;
  if (delim == ' ' || delim == '"' || delim == '\n' || delim == '\r')
    return false;
  const char *p = start, *f = start;
  size_t n = 0;
  for (int block = 0; block < PLAIN_BLOCKS; block++, p += 64) {
    if (end - p < 64)
      return false;
    block64 b = load64(p);
    uint64_t nl = eq_mask(&b, '\n');
    uint64_t before = nl ? (nl & (0 - nl)) - 1 : ~(uint64_t)0; /* bytes before the line end */
    if (eq_mask(&b, '"') & before)
      return false;
    for (uint64_t ds = eq_mask(&b, delim) & before; ds; ds &= ds - 1) {
      const char *e = p + __builtin_ctzll(ds);
      if (n == rec->cap_fields || n == PATRON__CSV_MAX_FIELDS)
        return false; /* the general loop grows the fields or reports too many */
      rec->fields[n++] = (patron__csv_field){f, (size_t)(e - f)};
      f = e + 1;
    }
    if (!nl)
      continue;
    const char *e = p + __builtin_ctzll(nl);
    size_t len = (size_t)(e - f);
    if (n == rec->cap_fields || n == PATRON__CSV_MAX_FIELDS)
      return false;
    rec->fields[n++] = (patron__csv_field){f, len && e[-1] == '\r' ? len - 1 : len};
    rec->n_fields = n;
    finish(rec, start, e, end, next);
    return true;
  }
#else
  (void)d, (void)start, (void)end, (void)rec, (void)next;
#endif
  return false;
}

static bool reserve_scratch(patron__csv_record *rec, size_t need) {
  return patron__reserve((void **)&rec->scratch, &rec->scratch_cap, need, 1);
}

patron__csv_status patron__csv_parse(const patron__csv_dialect *d, const char *p, const char *end,
                                     bool eof, patron__csv_record *rec, const char **next) {
  const char *start = p;
  size_t window = (size_t)(end - p);
  rec->n_fields = 0;
  rec->n_lines = 0;
  rec->scratch_used = 0;
  rec->error_field = 0;
  rec->resync = false;
  if (parse_plain(d, p, end, rec, next))
    return PATRON__CSV_OK;
  if (!reserve_scratch(rec, window < PATRON__CSV_MAX_RECORD ? window + 1 : PATRON__CSV_MAX_RECORD))
    return PATRON__CSV_NOMEM;
  if (d->delimiter == ' ')
    while (p < end && is_blank_byte(*p))
      p++;
  const char delim = d->delimiter;
  for (;;) {
    if ((size_t)(p - start) > PATRON__CSV_MAX_RECORD)
      return syntax_error(rec, PATRON__CSV_TOO_LONG, start, p, end, eof, next);
    if (rec->n_fields >= PATRON__CSV_MAX_FIELDS) /* before scanning a field of any length */
      return syntax_error(rec, PATRON__CSV_TOO_MANY_FIELDS, start, p, end, eof, next);
    if (p < end && *p == '"') {
      size_t used = (size_t)(p - start);
      size_t room = used < PATRON__CSV_MAX_RECORD ? PATRON__CSV_MAX_RECORD - used : 0;
      const char *open = p;
      uint32_t lines_before = rec->n_lines;
      patron__csv_status st = parse_quoted(d, rec, &p, end, room, eof);
      if (st != PATRON__CSV_OK)
        return syntax_error(rec, st, start, p, end, eof, next);
      if (!at_line_end(p, end) && !(delim == ' ' ? is_blank_byte(*p) : *p == delim)) {
        rec->n_lines = lines_before; /* resume on the line where the quote opened */
        return syntax_error(rec, PATRON__CSV_STRAY_QUOTE, start, open, end, eof, next);
      }
    } else {
      const char *f = p;
      if (delim == ' ')
        while (p < end && *p != '\n' && !is_blank_byte(*p))
          p++;
      else
        p = field_end(p, end, delim);
      if (p == end && !eof)
        return window > PATRON__CSV_MAX_RECORD
                   ? syntax_error(rec, PATRON__CSV_TOO_LONG, start, p, end, eof, next)
                   : PATRON__CSV_NEED_MORE;
      size_t len = (size_t)(p - f);
      if (len && f[len - 1] == '\r' && (p == end || *p == '\n'))
        len--;
      if (!push_field(rec, f, len))
        return syntax_error(rec, PATRON__CSV_TOO_MANY_FIELDS, start, p, end, eof, next);
    }
    if (!at_separator(d, &p, end))
      break;
  }
  /* the cap holds whatever the buffering: a long last field (or trailing blanks) too */
  if ((size_t)(p - start) > PATRON__CSV_MAX_RECORD)
    return syntax_error(rec, PATRON__CSV_TOO_LONG, start, p, end, eof, next);
  if (p < end && *p == '\r')
    p++;
  if (p == end && !eof)
    return PATRON__CSV_NEED_MORE;
  finish(rec, start, p, end, next);
  return PATRON__CSV_OK;
}

void patron__csv_record_free(patron__csv_record *rec) {
  if (!rec)
    return;
  free(rec->fields);
  free(rec->scratch);
  memset(rec, 0, sizeof *rec);
}
