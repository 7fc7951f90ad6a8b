/* Unit tests for the RFC 4180 tokenizer and the parallel file scanner (src/io). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io_int.h"

static const patron__csv_dialect comma = {','};

/* Parses all of `text` (as complete input) into records; returns the count. */
static size_t parse_all(const patron__csv_dialect *d, const char *text, char out[][8][32],
                        size_t *n_fields, patron__csv_status *last) {
  patron__csv_record rec = {0};
  const char *p = text, *end = text + strlen(text), *next;
  size_t n = 0;
  while (p < end) {
    *last = patron__csv_parse(d, p, end, true, &rec, &next);
    if (*last == PATRON__CSV_OK) {
      n_fields[n] = rec.n_fields;
      for (size_t f = 0; f < rec.n_fields && f < 8; f++)
        snprintf(out[n][f], 32, "%.*s", (int)rec.fields[f].len, rec.fields[f].ptr);
    } else {
      n_fields[n] = 0;
    }
    n++;
    p = next;
  }
  patron__csv_record_free(&rec);
  return n;
}

static void test_quoting(void **state) {
  (void)state;
  char f[4][8][32];
  size_t nf[4];
  patron__csv_status st;
  const char *text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,x\n";
  assert_int_equal(parse_all(&comma, text, f, nf, &st), 2);
  assert_int_equal(nf[0], 3);
  assert_string_equal(f[0][1], "b,c");
  assert_string_equal(f[0][2], "say \"hi\"");
  assert_int_equal(nf[1], 3);
  assert_string_equal(f[1][0], "multi\nline");
  assert_string_equal(f[1][1], "");
  assert_string_equal(f[1][2], "x");
}

static void test_line_counts_and_raw(void **state) {
  (void)state;
  patron__csv_record rec = {0};
  const char *text = "\"a\nb\",c\r\nd,e", *next;
  assert_int_equal(patron__csv_parse(&comma, text, text + strlen(text), true, &rec, &next),
                   PATRON__CSV_OK);
  assert_int_equal(rec.n_lines, 2);
  assert_int_equal(rec.raw_len, 7); /* without the CRLF */
  assert_int_equal(patron__csv_parse(&comma, next, text + strlen(text), true, &rec, &next),
                   PATRON__CSV_OK);
  assert_int_equal(rec.n_lines, 0); /* last line has no terminator */
  assert_int_equal(rec.n_fields, 2);
  patron__csv_record_free(&rec);
}

static void test_errors(void **state) {
  (void)state;
  patron__csv_record rec = {0};
  const char *next;
  const char *stray = "\"ab\"c,d\nok,1\n";
  assert_int_equal(patron__csv_parse(&comma, stray, stray + strlen(stray), true, &rec, &next),
                   PATRON__CSV_STRAY_QUOTE);
  assert_string_equal(next, "ok,1\n"); /* resynchronised at the next line */
  const char *open = "a,\"never closed\nb,c\n";
  assert_int_equal(patron__csv_parse(&comma, open, open + strlen(open), true, &rec, &next),
                   PATRON__CSV_UNTERMINATED);
  assert_string_equal(next, "b,c\n"); /* the rows after a stray quote are not swallowed */
  assert_int_equal(rec.n_lines, 1);
  assert_int_equal(rec.raw_len, strlen("a,\"never closed"));
  /* text after a closing quote that came lines later: resume where the quote opened */
  const char *late = "a,\"x\nb,1\nc,2\"z\nd,3\n";
  assert_int_equal(patron__csv_parse(&comma, late, late + strlen(late), true, &rec, &next),
                   PATRON__CSV_STRAY_QUOTE);
  assert_string_equal(next, "b,1\nc,2\"z\nd,3\n");
  assert_int_equal(rec.n_lines, 1);
  const char *partial = "a,\"b";
  assert_int_equal(
      patron__csv_parse(&comma, partial, partial + strlen(partial), false, &rec, &next),
      PATRON__CSV_NEED_MORE);
  /* a quote at the very end of the window could be the first of "" */
  const char *edge = "a,\"b\"";
  assert_int_equal(patron__csv_parse(&comma, edge, edge + strlen(edge), false, &rec, &next),
                   PATRON__CSV_NEED_MORE);
  assert_int_equal(patron__csv_parse(&comma, edge, edge + strlen(edge), true, &rec, &next),
                   PATRON__CSV_OK);
  char *many = malloc(2 * PATRON__CSV_MAX_FIELDS + 2);
  memset(many, ',', 2 * PATRON__CSV_MAX_FIELDS);
  strcpy(many + 2 * PATRON__CSV_MAX_FIELDS, "\n");
  assert_int_equal(patron__csv_parse(&comma, many, many + strlen(many), true, &rec, &next),
                   PATRON__CSV_TOO_MANY_FIELDS);
  free(many);
  patron__csv_record_free(&rec);
}

/* A quoted field past the dialect's line or byte limit is a runaway quote: rejected on the
 * line where it opened, and parsing resumes on the next line. */
static void test_runaway_quote(void **state) {
  (void)state;
  patron__csv_record rec = {0};
  const char *next;
  const patron__csv_dialect two_lines = {',', 2, 0}, ten_bytes = {',', 0, 10};
  const char *text = "A,\"O1,x\nB,O2,y\nC,O3,z\nD,O4\",w\n";
  const char *end = text + strlen(text);
  assert_int_equal(patron__csv_parse(&two_lines, text, end, true, &rec, &next),
                   PATRON__CSV_RUNAWAY_QUOTE);
  assert_string_equal(next, "B,O2,y\nC,O3,z\nD,O4\",w\n");
  assert_int_equal(rec.n_lines, 1);
  assert_int_equal(rec.error_field, 1);
  /* within the limit the field is kept, line breaks and all */
  const patron__csv_dialect three_lines = {',', 3, 0};
  assert_int_equal(patron__csv_parse(&three_lines, text, end, true, &rec, &next), PATRON__CSV_OK);
  assert_int_equal(rec.n_lines, 4);
  /* the byte limit, decided the same whether or not more input may follow */
  const char *wide = "A,\"0123456789x\",1\nB,2\n";
  for (int eof = 0; eof < 2; eof++) {
    assert_int_equal(patron__csv_parse(&ten_bytes, wide, wide + strlen(wide), eof, &rec, &next),
                     PATRON__CSV_RUNAWAY_QUOTE);
    assert_string_equal(next, "B,2\n");
  }
  const char *fits = "A,\"0123456789\",1\n";
  assert_int_equal(patron__csv_parse(&ten_bytes, fits, fits + strlen(fits), true, &rec, &next),
                   PATRON__CSV_OK);
  /* too short a window to decide: ask for more */
  assert_int_equal(patron__csv_parse(&ten_bytes, wide, wide + 8, false, &rec, &next),
                   PATRON__CSV_NEED_MORE);
  patron__csv_record_free(&rec);
}

static void test_whitespace_dialect(void **state) {
  (void)state;
  patron__csv_dialect ws = {' '};
  char f[4][8][32];
  size_t nf[4];
  patron__csv_status st;
  const char *text = " 00001 19970101  1   11.77\r\n\t\n 00002  19970112 5 \"77 .00\"\r\n";
  assert_int_equal(parse_all(&ws, text, f, nf, &st), 3);
  assert_int_equal(nf[0], 4);
  assert_string_equal(f[0][0], "00001");
  assert_string_equal(f[0][3], "11.77");
  assert_int_equal(nf[1], 1); /* a blank line */
  assert_string_equal(f[1][0], "");
  assert_int_equal(nf[2], 4);
  assert_string_equal(f[2][3], "77 .00");
}

/* Every split of a record across two windows gives the same fields (streaming). */
static void test_streaming_boundaries(void **state) {
  (void)state;
  const char *text = "x,\"q\"\"uo\nted\",z\r\n";
  size_t len = strlen(text);
  patron__csv_record rec = {0};
  const char *next;
  for (size_t cut = 0; cut < len; cut++) {
    patron__csv_status st = patron__csv_parse(&comma, text, text + cut, false, &rec, &next);
    assert_int_equal(st, PATRON__CSV_NEED_MORE);
  }
  assert_int_equal(patron__csv_parse(&comma, text, text + len, false, &rec, &next), PATRON__CSV_OK);
  assert_int_equal(rec.n_fields, 3);
  assert_int_equal(rec.fields[1].len, 8);
  assert_memory_equal(rec.fields[1].ptr, "q\"uo\nted", 8);
  patron__csv_record_free(&rec);
}

/* A record read with plenty of input after it (the 64-byte fast path, once the record's
 * fields array has grown) gives the same
 * fields, raw text, line count and end as the same record read alone (the general loop). */
static void same_both_ways(const patron__csv_dialect *d, const char *record) {
  size_t len = strlen(record);
  char alone[512], padded[1024];
  assert_true(len < sizeof alone);
  memcpy(alone, record, len);
  memcpy(padded, record, len);
  memset(padded + len, 'x', sizeof padded - len);
  patron__csv_record a = {0}, b = {0};
  const char *na, *nb;
  patron__csv_status sa = patron__csv_parse(d, alone, alone + len, true, &a, &na);
  patron__csv_parse(d, padded, padded + sizeof padded, false, &b, &nb); /* b's fields grow */
  patron__csv_status sb = patron__csv_parse(d, padded, padded + sizeof padded, false, &b, &nb);
  assert_int_equal(sb, sa);
  assert_int_equal(b.n_fields, a.n_fields);
  for (size_t i = 0; i < a.n_fields; i++) {
    assert_int_equal(b.fields[i].len, a.fields[i].len);
    assert_memory_equal(b.fields[i].ptr, a.fields[i].ptr, a.fields[i].len);
  }
  assert_int_equal(b.raw_len, a.raw_len);
  assert_int_equal(b.n_lines, a.n_lines);
  assert_int_equal(nb - padded, na - alone);
  patron__csv_record_free(&a);
  patron__csv_record_free(&b);
}

static void test_plain_fast_path(void **state) {
  (void)state;
  static const char *const records[] = {
      "a,b,c\n",
      "a,b,c\r\n",
      "\n",
      "\r\n",
      ",,\n",
      "a\r,b\n",
      "a,b\rc\n",
      "x,\"q\",y\n",
      "a\"b,c\n",
      "12345678,1,2023-01-01 00:03:11,27.84,grocery,web\n",
      "0123456789012345678901234567890123456789012345678901234567890,x\n",
      "01234567890123456789012345678901234567890123456789012345678901,x\r\n"};
  for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
    same_both_ways(&comma, records[i]);
    same_both_ways(&(patron__csv_dialect){'\t'}, records[i]);
    same_both_ways(&(patron__csv_dialect){';'}, records[i]);
  }
  char wide[400];
  for (size_t n = 60; n < sizeof wide - 2; n += 7) { /* across the 64-byte blocks */
    for (size_t i = 0; i < n; i++)
      wide[i] = i % 3 == 2 ? ',' : (char)('a' + i % 26);
    wide[n] = '\n', wide[n + 1] = '\0';
    same_both_ways(&comma, wide);
    wide[n - 1] = '\r';
    same_both_ways(&comma, wide);
  }
}

/* ---- scanner ---- */

typedef struct collect {
  uint64_t rows, syntax, line_sum, field_sum, repairs;
} collect;

static bool on_row(void *ctx, const patron__csv_record *rec, uint64_t line) {
  collect *c = ctx;
  c->rows++;
  c->line_sum += line;
  c->field_sum += rec->n_fields;
  return true;
}

static bool on_syntax(void *ctx, const patron__csv_record *rec, uint64_t line,
                      patron__csv_status why) {
  (void)rec, (void)why;
  collect *c = ctx;
  c->syntax++;
  c->line_sum += line;
  return true;
}

static void reset(void *ctx) { memset(ctx, 0, sizeof(collect)); }

/* Scans with n workers; returns totals with file-wide line numbers. */
static collect scan_file(const char *path, int n, patron__csv_dialect d) {
  patron__scan scan;
  patron_error err = {0};
  assert_int_equal(patron__scan_open(&scan, path, d, true, &err), PATRON_OK);
  collect ctx[4] = {{0}};
  patron__scan_worker w[4] = {{0}};
  for (int i = 0; i < 4; i++)
    w[i].ctx = &ctx[i];
  assert_int_equal(patron__scan_run(&scan, w, n, on_row, on_syntax, reset, NULL, &err), PATRON_OK);
  collect total = {0};
  uint64_t offset = scan.header_lines;
  for (int i = 0; i < n; i++) {
    total.rows += ctx[i].rows;
    total.syntax += ctx[i].syntax;
    total.field_sum += ctx[i].field_sum;
    total.line_sum += ctx[i].line_sum + offset * (ctx[i].rows + ctx[i].syntax);
    offset += w[i].n_lines;
  }
  total.repairs = scan.n_repairs;
  patron__scan_close(&scan);
  return total;
}

/* A file of about 6 MB whose middle is one quoted field full of newlines, so that the
 * nominal split between two workers falls inside quotes and must be repaired. */
static void test_scan_split_inside_quotes(void **state) {
  (void)state;
  char path[] = "/tmp/patron_test_scanXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("\xEF\xBB\xBF"
        "id,text\r\n",
        f);
  for (int i = 0; i < 200000; i++)
    fprintf(f, "%d,plain row\r\n", i);
  fputs("big,\"", f);
  for (int i = 0; i < 50000; i++) /* 850 kB: under the 1 MiB record cap */
    fputs("inside\nquotes,\"\"\n", f);
  fputs("\"\n", f);
  for (int i = 0; i < 200000; i++)
    fprintf(f, "%d,row \"\"x\"\"\n", i);
  fclose(f);
  const patron__csv_dialect wide = {',', 100000, PATRON__CSV_MAX_RECORD};
  collect one = scan_file(path, 1, wide), two = scan_file(path, 2, wide),
          three = scan_file(path, 3, wide);
  assert_int_equal(one.rows, 400001);
  assert_int_equal(one.syntax, 0);
  assert_int_equal(two.repairs, 1); /* the split did fall inside the quoted field */
  assert_int_equal(two.rows, one.rows);
  assert_int_equal(two.line_sum, one.line_sum);
  assert_int_equal(two.field_sum, one.field_sum);
  assert_int_equal(three.rows, one.rows);
  assert_int_equal(three.line_sum, one.line_sum);
  /* with the default limits the long field is a runaway quote: its opening line and the
   * lone closing quote's line are syntax rejects and every line between is read as a row,
   * whatever the thread count */
  collect d1 = scan_file(path, 1, comma), d2 = scan_file(path, 2, comma);
  assert_int_equal(d1.syntax, 2);
  assert_int_equal(d1.rows, 400000 + 2 * 50000 - 1); /* all but the opening line */
  assert_int_equal(d2.syntax, d1.syntax);
  assert_int_equal(d2.rows, d1.rows);
  assert_int_equal(d2.line_sum, d1.line_sum);
  assert_int_equal(d2.field_sum, d1.field_sum);
  unlink(path);
}

static void test_scan_open_errors(void **state) {
  (void)state;
  patron__scan scan;
  patron_error err = {0};
  assert_int_equal(patron__scan_open(&scan, "/nonexistent/file.csv", comma, true, &err),
                   PATRON_ERR_IO);
  assert_non_null(strstr(err.message, "cannot open"));
  patron__scan_close(&scan);
  char path[] = "/tmp/patron_test_emptyXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  patron_error_clear(&err);
  assert_int_equal(patron__scan_open(&scan, path, comma, true, &err), PATRON_ERR_INPUT);
  assert_non_null(strstr(err.message, "empty"));
  assert_string_equal(err.file, path);
  patron__scan_close(&scan);
  unlink(path);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_quoting), cmocka_unit_test(test_line_counts_and_raw),
                 cmocka_unit_test(test_errors), cmocka_unit_test(test_runaway_quote),
                 cmocka_unit_test(test_whitespace_dialect),
                 cmocka_unit_test(test_streaming_boundaries),
                 cmocka_unit_test(test_plain_fast_path),
                 cmocka_unit_test(test_scan_split_inside_quotes),
                 cmocka_unit_test(test_scan_open_errors))
