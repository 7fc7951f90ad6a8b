/* Unit tests for the table CSV writer: every column type, "none" cells, quoting, very
 * large doubles, and the printf-free number formatting checked against glibc's printf on
 * random and edge-case values (the reference: the bytes the writer wrote before). */
#include "test_util.h"
#include "io/write_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_every_type(void **state) {
  (void)state;
  static const char *const labels[] = {"a", "b,c"};
  patron_table *t = patron_table_new(3);
  const char **id;
  int64_t *n;
  patron_money *m;
  int32_t *d, *cat;
  double *x;
  assert_int_equal(patron_table_add(t, "id", PATRON_COL_STRING, (void **)&id, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "n", PATRON_COL_INT, (void **)&n, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "m", PATRON_COL_MONEY, (void **)&m, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "d", PATRON_COL_DATE, (void **)&d, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "x", PATRON_COL_DOUBLE, (void **)&x, NULL), PATRON_OK);
  assert_int_equal(patron_table_add_category(t, "c", labels, NULL, 2, false, &cat, NULL),
                   PATRON_OK);
  patron_table_set_decimals(t, "x", 2);
  id[0] = "plain", id[1] = "quo\"te", id[2] = NULL;
  n[0] = -42, n[1] = INT64_MAX;
  m[0] = -15050, m[1] = 1234567;
  d[0] = patron_days_from_civil(2024, 2, 29);
  x[0] = 1e300, x[1] = -0.125, x[2] = NAN; /* doubles print as printf does: -0.12 */
  cat[0] = 1, cat[1] = 0;
  patron_error err = {0};
  char path[] = "/tmp/patron-test-outXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(patron_write_table_csv(t, path, &err), PATRON_OK);
  char *text = slurp(path);
  char want[1024];
  snprintf(want, sizeof want,
           "id,n,m,d,x,c\n"
           "plain,-42,-1.51,2024-02-29,%.2f,\"b,c\"\n"
           "\"quo\"\"te\",9223372036854775807,123.46,,-0.12,a\n"
           ",,,,,\n",
           1e300);
  assert_string_equal(text, want);
  unlink(path);
  patron_table_free(t);
}

static void test_duplicate_column_is_an_error(void **state) {
  (void)state;
  patron_table *t = patron_table_new(1);
  int64_t *a;
  patron_error err = {0};
  assert_int_equal(patron_table_add(t, "a", PATRON_COL_INT, (void **)&a, &err), PATRON_OK);
  assert_int_equal(patron_table_add(t, "a", PATRON_COL_INT, (void **)&a, &err), PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "'a' already exists"));
  patron_table_free(t);
}

/* A deterministic 64-bit generator (splitmix64). */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* A double of a random magnitude (1e-12 .. 1e18), a decimal tie, a whole or a raw bit
 * pattern, either sign. */
static double random_double(uint64_t *s) {
  uint64_t r = next_u64(s);
  double u = (double)(r >> 11) / 9007199254740992.0, v;
  switch (r % 6) {
  case 0: v = pow(10, -12 + 30 * u); break;
  case 1: v = (double)(next_u64(s) % 2000001) / pow(10, (double)(next_u64(s) % 8)) + 0.5e-4; break;
  case 2: v = (double)(next_u64(s) % 100000) + (double)(next_u64(s) % 8) / 8; break;
  case 3: v = (double)(int64_t)(next_u64(s) % 20000000000ULL); break;
  case 4: {
    uint64_t bits = next_u64(s) & 0x7FEFFFFFFFFFFFFFULL;
    memcpy(&v, &bits, sizeof v);
    break;
  }
  default: v = u * 1000; break;
  }
  return (r & 64) ? -v : v;
}

static void check_double(double v, int decimals) {
  char want[512], got[PATRON__DOUBLE_MAX + 1];
  if (decimals == PATRON_DECIMALS_SIG10)
    snprintf(want, sizeof want, "%.10g", v);
  else
    snprintf(want, sizeof want, "%.*f", decimals, v);
  size_t n = patron__format_double(v, decimals, got);
  got[n] = '\0';
  if (strcmp(want, got) != 0)
    fail_msg("%a with decimals %d: printf %s, writer %s", v, decimals, want, got);
}

static void test_doubles_match_printf(void **state) {
  (void)state;
  static const double edges[] = {0.0,
                                 -0.0,
                                 0.5,
                                 1.5,
                                 2.5,
                                 0.125,
                                 0.375,
                                 1e-300,
                                 4.9e-324,
                                 -1e-7,
                                 0.005,
                                 1.005,
                                 2.675,
                                 1e15,
                                 9007199254740991.0,
                                 9007199254740992.0,
                                 1e22,
                                 123456789.987654321,
                                 0.9999999,
                                 9.9999995,
                                 99.995,
                                 1e-5,
                                 5e-7,
                                 -0.00049};
  for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
    for (int d = -2; d <= 20; d++)
      if (d != -1)
        check_double(edges[i], d);
  uint64_t seed = 7;
  for (int i = 0; i < 400000; i++) {
    double v = random_double(&seed);
    int d = (int)(next_u64(&seed) % 22) - 2;
    check_double(v, d == -1 ? 6 : d);
  }
}

static void test_integers_match_printf(void **state) {
  (void)state;
  uint64_t seed = 11;
  for (int i = 0; i < 200000; i++) {
    int64_t v = (int64_t)next_u64(&seed) >> (next_u64(&seed) % 64);
    if (i < 3)
      v = i == 0 ? INT64_MIN : i == 1 ? INT64_MAX : 0;
    char want[32], got[32];
    snprintf(want, sizeof want, "%lld", (long long)v);
    got[patron__format_i64(v, got)] = '\0';
    assert_string_equal(got, want);
  }
}

/* The CSV text rule (write_int.h), written out plainly: quoted when holding , " CR LF;
 * with the guard, = + - @ TAB CR at the start get a leading single quote. */
static void csv_ref(FILE *f, const char *s, bool guard) {
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  bool g = guard && s[0] && strchr("=+-@\t\r", s[0]);
  if (quote)
    fputc('"', f);
  if (g)
    fputc('\'', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  if (quote)
    fputc('"', f);
}

/* A table over several writer rounds, against every cell printed with printf. */
static void test_many_rows_match_printf(void **state) {
  (void)state;
  static const char *const labels[] = {"x", "=y", "a\"b"};
  enum { N = 300001 };
  patron_table *t = patron_table_new(N);
  int64_t *n;
  double *x, *g;
  int32_t *cat;
  assert_int_equal(patron_table_add(t, "n", PATRON_COL_INT, (void **)&n, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "x", PATRON_COL_DOUBLE, (void **)&x, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "g", PATRON_COL_DOUBLE, (void **)&g, NULL), PATRON_OK);
  assert_int_equal(patron_table_add_category(t, "c", labels, NULL, 3, false, &cat, NULL),
                   PATRON_OK);
  patron_table_set_decimals(t, "x", 6);
  patron_table_set_decimals(t, "g", PATRON_DECIMALS_SIG10);
  uint64_t seed = 3;
  char *want = NULL;
  size_t want_len = 0;
  FILE *f = open_memstream(&want, &want_len);
  fputs("n,x,g,c\n", f);
  static const char *const printed[] = {"x", "=y", "\"a\"\"b\""};
  for (size_t i = 0; i < N; i++) {
    n[i] = (int64_t)(next_u64(&seed) % 1000000) - 500;
    x[i] = random_double(&seed) / 1e6;
    g[i] = i % 3 ? (double)(i % 1000) : (double)i / 7;
    cat[i] = (int32_t)(i % 4) - 1;
    fprintf(f, "%lld,%.6f,%.10g,%s\n", (long long)n[i], x[i], g[i],
            cat[i] < 0 ? "" : printed[cat[i]]);
  }
  fclose(f);
  patron_sink *s = patron_sink_memory(NULL);
  patron_error err = {0};
  assert_non_null(s);
  assert_int_equal(patron_write_table_csv_to(t, s, &err), PATRON_OK);
  size_t len = 0;
  char *got = patron_sink_take(s, &len);
  assert_non_null(got);
  assert_int_equal(len, want_len);
  assert_memory_equal(got, want, want_len);
  free(got);
  free(want);
  patron_table_free(t);
}

/* Text cells, with and without the formula guard, against csv_ref. */
static void test_text_cells(void **state) {
  (void)state;
  static const char *const texts[] = {"plain", "=1+1", "a,b",   "q\"q",        "",  "-5",
                                      "@x,y",  "\rcr", "tab\t", "line\nbreak", "+", NULL};
  enum { N = 100000, K = sizeof texts / sizeof *texts };
  patron_table *t = patron_table_new(N);
  const char **id;
  assert_int_equal(patron_table_add(t, "id", PATRON_COL_STRING, (void **)&id, NULL), PATRON_OK);
  for (size_t i = 0; i < N; i++)
    id[i] = texts[i % K];
  for (int guard = 0; guard < 2; guard++) {
    char *want = NULL;
    size_t want_len = 0;
    FILE *f = open_memstream(&want, &want_len);
    fputs("id\n", f);
    for (size_t i = 0; i < N; i++) {
      if (id[i])
        csv_ref(f, id[i], guard);
      fputc('\n', f);
    }
    fclose(f);
    patron_output_options o;
    patron_output_options_init(&o);
    o.formula_guard = guard;
    patron_sink *s = patron_sink_memory(&o);
    assert_int_equal(patron_write_table_csv_to(t, s, NULL), PATRON_OK);
    size_t len = 0;
    char *got = patron_sink_take(s, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    free(want);
  }
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_every_type),
                 cmocka_unit_test(test_duplicate_column_is_an_error),
                 cmocka_unit_test(test_doubles_match_printf),
                 cmocka_unit_test(test_integers_match_printf),
                 cmocka_unit_test(test_many_rows_match_printf), cmocka_unit_test(test_text_cells))
