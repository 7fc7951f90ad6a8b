/* Output sinks (include/patron/sink.h) and the JSON writer's UTF-8 repair: atomic file
 * sinks (nothing at the path until close; abort leaves the old file), memory and callback
 * sinks, the formula guard and BOM through the table writer, RFC 3629 validity. */
#include "test_util.h"
#include "fixture.h"
#include "io/json_int.h"

#include <sys/stat.h>

static bool exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static char *slurp(const char *path) {
  char *text = NULL;
  size_t n = 0;
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  FILE *m = open_memstream(&text, &n);
  int c;
  while ((c = fgetc(f)) != EOF)
    fputc(c, m);
  fclose(f);
  fclose(m);
  return text;
}

/* The path holds the old bytes until close; abort keeps them. */
static void test_file_sink_atomic(void **state) {
  (void)state;
  const char *path = fixture_file(0, "out.csv", "old\n");
  patron_sink *s = NULL;
  assert_int_equal(patron_sink_file(path, NULL, &s, NULL), PATRON_OK);
  assert_int_equal(patron_sink_write(s, "new\n", 4, NULL), PATRON_OK);
  char *before = slurp(path);
  assert_string_equal(before, "old\n");
  free(before);
  patron_sink_abort(s);
  char *kept = slurp(path);
  assert_string_equal(kept, "old\n");
  free(kept);
  assert_int_equal(patron_sink_file(path, NULL, &s, NULL), PATRON_OK);
  assert_int_equal(patron_sink_write(s, "new\n", 4, NULL), PATRON_OK);
  assert_int_equal(patron_sink_close(s, NULL), PATRON_OK);
  char *after = slurp(path);
  assert_string_equal(after, "new\n");
  free(after);
}

/* A directory that does not exist: an I/O error naming the path, nothing left behind. */
static void test_file_sink_missing_dir(void **state) {
  (void)state;
  patron_sink *s = NULL;
  patron_error err = {0};
  assert_int_equal(patron_sink_file("/nonexistent-dir/x.csv", NULL, &s, &err), PATRON_ERR_IO);
  assert_null(s);
  assert_string_equal(err.file, "/nonexistent-dir/x.csv");
  assert_false(exists("/nonexistent-dir"));
}

static bool count_bytes(void *ctx, const void *data, size_t n) {
  (void)data;
  *(size_t *)ctx += n;
  return true;
}

/* A table to memory with --excel: BOM first, guarded text, numbers as they are; the same
 * bytes through a callback. */
static void test_memory_excel_table(void **state) {
  (void)state;
  patron_table *t = patron_table_new(2);
  const char **id;
  int64_t *v;
  assert_int_equal(patron_table_add(t, "id", PATRON_COL_STRING, (void **)&id, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "v", PATRON_COL_INT, (void **)&v, NULL), PATRON_OK);
  id[0] = "=1+1,x";
  id[1] = "ok";
  v[0] = -3;
  v[1] = 4;
  patron_output_options o;
  patron_output_options_init(&o);
  patron_output_options_excel(&o);
  patron_sink *s = patron_sink_memory(&o);
  assert_int_equal(patron_write_table_csv_to(t, s, NULL), PATRON_OK);
  size_t len, counted = 0;
  char *text = patron_sink_take(s, &len);
  assert_string_equal(text, "\xEF\xBB\xBFid,v\n\"'=1+1,x\",-3\nok,4\n");
  patron_sink *cb = patron_sink_callback(count_bytes, &counted, &o);
  assert_int_equal(patron_write_table_csv_to(t, cb, NULL), PATRON_OK);
  assert_int_equal(patron_sink_close(cb, NULL), PATRON_OK);
  assert_int_equal(counted, len);
  free(text);
  patron_table_free(t);
}

/* Valid text is kept; each invalid byte becomes U+FFFD: a lone continuation byte, an
 * overlong '/', a surrogate, a truncated sequence, 0xFF. */
static void test_utf8_repair(void **state) {
  (void)state;
  size_t bad;
  char *ok = patron__utf8_repair("a中b", strlen("a中b"), &bad);
  assert_string_equal(ok, "a中b");
  assert_int_equal(bad, 0);
  free(ok);
  static const char in[] = "x\x80y\xC0\xAFz\xED\xA0\x80w\xE4\xB8";
  char *fixed = patron__utf8_repair(in, sizeof in - 1, &bad);
  assert_string_equal(fixed, "x\uFFFDy\uFFFD\uFFFDz\uFFFD\uFFFD\uFFFDw\uFFFD\uFFFD");
  assert_int_equal(bad, 8);
  free(fixed);
  size_t n_bad = 0;
  json_t *j = patron__json_str("gbk \xD6\xD0", &n_bad);
  assert_non_null(j);
  assert_int_equal(n_bad, 2); /* D6 lacks its continuation byte, D0 at the end too */
  json_decref(j);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_file_sink_atomic),
                 cmocka_unit_test(test_file_sink_missing_dir),
                 cmocka_unit_test(test_memory_excel_table), cmocka_unit_test(test_utf8_repair))
