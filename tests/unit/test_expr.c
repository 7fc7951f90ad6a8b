/* The expression language (SPEC section 6) on a hand-made 4-row table (expr_fixture.h):
 * each operator, function and null rule with hand-computed values, checked with both
 * evaluators (row and vectorized, which must agree on every row); the caret errors and
 * limits; the birthday rules. */
#include "test_util.h"
#include "expr_fixture.h"

#include <stdlib.h>

#include "ops/expr_int.h"

/* Every row of a condition: the row evaluator, the vectorized one and the filter agree. */
static void agree(patron_expr *e, size_t n_rows) {
  int8_t vec[8];
  patron_error err = {0};
  assert_int_equal(patron_expr_eval_bool(e, NULL, n_rows, vec, &err), PATRON_OK);
  uint32_t kept[8];
  size_t n_kept = 0, k = 0;
  assert_int_equal(patron_expr_filter(e, NULL, 0, kept, &n_kept, &err), PATRON_OK);
  for (size_t r = 0; r < n_rows; r++) {
    patron_expr_value v;
    assert_int_equal(patron_expr_eval_row(e, r, &v, &err), PATRON_OK);
    int8_t want = v.is_null ? -1 : v.boolean;
    assert_int_equal(vec[r], want);
    if (want == 1) {
      assert_true(k < n_kept);
      assert_int_equal(kept[k++], r);
    }
  }
  assert_int_equal(k, n_kept);
}

static size_t max_text; /* 0: the default */

static void expect(const char *text, size_t row, const char *want) {
  patron_table *t = expr_table();
  patron_expr_env env;
  expr_env(&env, t);
  env.max_text = max_text;
  patron_expr *e = NULL;
  patron_error err = {0};
  patron_status st = patron_expr_compile(text, strlen(text), &env, &e, &err);
  if (st != PATRON_OK)
    fail_msg("%s: %s", text, err.message);
  patron_expr_value v;
  assert_int_equal(patron_expr_eval_row(e, row, &v, &err), PATRON_OK);
  char got[128];
  expr_show(&v, got, sizeof got);
  if (strcmp(got, want) != 0)
    fail_msg("%s (row %zu): got %s, want %s", text, row, got, want);
  if (patron_expr_result_type(e) == PATRON_EXPR_BOOL)
    agree(e, 4);
  patron_expr_free(e);
  patron_table_free(t);
}

static void expect_error(const char *text, size_t len, bool condition, const char *want) {
  patron_table *t = expr_table();
  patron_expr_env env;
  expr_env(&env, t);
  env.want_condition = condition;
  env.max_text = max_text;
  patron_expr *e = NULL;
  patron_error err = {0};
  assert_int_not_equal(patron_expr_compile(text, len, &env, &e, &err), PATRON_OK);
  assert_null(e);
  assert_true(err.column >= 1);
  if (strncmp(err.message, want, strlen(want)) != 0)
    fail_msg("got '%s', want '%s...'", err.message, want);
  patron_table_free(t);
}

static void arithmetic(void **state) {
  (void)state;
  expect("freq + 1", 0, "2.0000");
  expect("money * 2", 1, "1.0000");
  expect("money - 100", 0, "0.0000");
  expect("7 / 2", 0, "3.5");
  expect("freq / 4", 0, "0.25");
  expect("1 / 0", 0, "null");
  expect("freq / freq", 3, "null");
  expect("7 % 3", 0, "1.0000");
  expect("-7 % 3", 0, "-1.0000");
  expect("freq % 0", 0, "null");
  expect("-freq", 1, "-2.0000");
  expect("- - freq", 1, "2.0000");
  expect("2 + 3 * 4", 0, "14.0000");
  expect("(2 + 3) * 4", 0, "20.0000");
  expect("10 - 4 - 3", 0, "3.0000");
  expect("freq + null", 0, "null");
  expect("dbl * 2", 0, "0.20000000000000001");
  expect("freq + 1.5e1", 0, "16");
}

static void comparisons(void **state) {
  (void)state;
  expect("money = 100", 0, "true");
  expect("money = 100.00", 0, "true");
  expect("money > 99.9999", 0, "true");
  expect("0.1 + 0.2 = 0.3", 0, "true");
  expect("dbl = 0.1", 0, "true");
  expect("freq <> 1", 0, "false");
  expect("freq != 1", 1, "true");
  expect("freq >= 2", 1, "true");
  expect("freq <= 0", 3, "true");
  expect("freq < 1", 2, "null");
  expect("cat = 'alpha'", 0, "true");
  expect("cat < 'b'", 0, "true");
  expect("cat = 'beta'", 3, "null");
  expect("s = 'hello'", 0, "true");
  expect("s is null", 1, "true");
  expect("s is not null", 3, "true");
  expect("flag", 0, "true");
  expect("flag = false", 1, "true");
  expect("flag is null", 2, "true");
  expect("freq IS NULL AND NOT flag IS NULL", 2, "false");
}

static void names_are_case_sensitive(void **state) {
  (void)state;
  expect_error("Freq > 1", 8, false,
               "--where: unknown column 'Freq' (did you mean freq?) at offset 0");
}

static void dates(void **state) {
  (void)state;
  expect("day = '2024-02-29'", 1, "true");
  expect("day < '2024-01-02'", 0, "true");
  expect("'2024-01-02' > day", 0, "true");
  expect("day between '2024-01-01' and '2024-12-31'", 3, "false");
  expect("day in ('2023-12-31', '2024-01-01')", 3, "true");
  expect("days_since(day)", 0, "60.0000");
  expect("days_since('2024-02-01')", 0, "29.0000");
  expect("now", 0, "2024-03-01");
  expect("now()", 0, "2024-03-01");
  expect("day < now", 2, "null");
}

static void kleene(void **state) {
  (void)state;
  expect("freq > 0 and false", 2, "false");
  expect("freq > 0 and true", 2, "null");
  expect("freq > 0 or true", 2, "true");
  expect("freq > 0 or false", 2, "null");
  expect("not (freq > 0)", 2, "null");
  expect("not freq > 0", 3, "true");
  expect("not not freq > 0", 0, "true");
  expect("null and false", 0, "false");
  expect("null or true", 0, "true");
  expect("freq = 1 or freq = 2 and money < 0", 0, "true");
  expect("freq = 1 or freq = 2 and money < 0", 1, "false");
}

static void in_lists(void **state) {
  (void)state;
  expect("freq in (1, null)", 0, "true");
  expect("freq in (1, null)", 1, "null");
  expect("freq not in (1, null)", 1, "null");
  expect("freq not in (1, 3)", 1, "true");
  expect("freq in (1, 3)", 2, "null");
  expect("freq in (money * 4, 7)", 1, "true");
  expect("freq in (money / 50, null)", 0, "null");
  expect("cat in ('beta', 'gamma')", 1, "true");
  expect("dbl in (2.5, 0.1)", 0, "true");
  expect("freq in (1.0, 2.5)", 0, "true");
  expect("freq in (dbl * 10)", 0, "true");
  expect("freq between 1 and 2", 1, "true");
  expect("freq not between 1 and 2", 3, "true");
  expect("freq between null and 2", 3, "null");
  expect("freq between 3 and null", 3, "false");
}

static void like(void **state) {
  (void)state;
  expect("s like 'he%'", 0, "true");
  expect("s like 'h_llo'", 0, "true");
  expect("s like 'H%'", 0, "false");
  expect("s like '%'", 1, "null");
  expect("s like 'a_b%c'", 3, "true");
  expect("s like '%%b%%'", 3, "true");
  expect("s like '_'", 0, "false");
  expect("s not like '%l%'", 0, "false");
  expect("cat like 'al%'", 0, "true");
  expect("'%x' like '%%x'", 0, "true");
  expect("'it''s' like '%''%'", 0, "true");
}

static void functions(void **state) {
  (void)state;
  expect("coalesce(freq, 7)", 2, "7.0000");
  expect("coalesce(null, freq, 7)", 0, "1.0000");
  expect("coalesce(dbl, freq)", 1, "2");
  expect("least(freq, null, 5)", 0, "1.0000");
  expect("greatest(freq, money)", 0, "100.0000");
  expect("greatest(null, null)", 0, "null");
  expect("least(freq)", 2, "null");
  expect("abs(-2.5)", 0, "2.5000");
  expect("abs(dbl)", 3, "1");
  expect("ln(0)", 0, "null");
  expect("ln(1)", 0, "0");
  expect("log1p(0)", 0, "0");
  expect("exp(0)", 0, "1");
  expect("lower('ABc')", 0, "'abc'");
  expect("upper(cat)", 1, "'BETA'");
  expect("starts_with(s, 'he')", 0, "true");
  expect("contains(s, 'll')", 0, "true");
  expect("contains(s, 'x')", 0, "false");
  expect("contains(s, 'x')", 2, "null");
  expect("COALESCE(freq, 0) = 0", 2, "true");
}

static void errors(void **state) {
  (void)state;
  expect_error("fre > 1", 7, false,
               "--where: unknown column 'fre' (did you mean freq?) at offset 0");
  expect_error("freqq > 1", 9, false,
               "--where: unknown column 'freqq' (did you mean freq?) at offset 0");
  expect_error("freq = 'x'", 10, false, "--where: cannot compare a number with text at offset 5");
  expect_error("1 < freq < 3", 12, false, "--where: comparisons do not chain");
  expect_error("freq = 1 = 2", 12, false, "--where: comparisons do not chain");
  expect_error("freq + 1", 8, true, "--where: the expression is not a condition (it is a number)");
  expect_error("freq +", 6, false, "--where: unexpected end of expression at offset 6");
  expect_error("s = 'abc", 8, false, "--where: unterminated string at offset 4");
  expect_error("freq > 1 money", 14, false, "--where: unexpected 'money' after the expression");
  expect_error("day = 'soon'", 12, false,
               "--where: this text is not a date (YYYY-MM-DD) at offset 6");
  expect_error("s + 1", 5, false, "--where: '+' needs a number, not text at offset 0");
  expect_error("not freq", 8, false, "--where: 'not' needs a condition, not a number at offset 4");
  expect_error("freq and true", 13, false, "--where: 'and' needs a condition");
  expect_error("lenght(s)", 9, false, "--where: unknown function 'lenght'");
  expect_error("coalesc(s, 'x')", 15, false,
               "--where: unknown function 'coalesc' (did you mean coalesce?)");
  expect_error("abs(1, 2)", 9, false, "--where: abs() takes 1 argument");
  expect_error("coalesce(freq, s)", 17, false, "--where: coalesce() mixes a number and text");
  expect_error("age() > 3", 9, false, "--where: age() needs the customers file's birth_date");
  expect_error("purchases(30) > 1", 17, false, "--where: purchases() needs the input data");
  expect_error("", 0, false, "--where: empty expression at offset 0");
  expect_error("s like 3", 8, false, "--where: 'like' needs a quoted pattern");
  expect_error("freq # 1", 8, false, "--where: unexpected character at offset 5");
}

static void caret_echo(void **state) {
  (void)state;
  expect_error("freq > 1 and recency > 2", 24, false,
               "--where: unknown column 'recency' at offset 13\n"
               "  freq > 1 and recency > 2\n"
               "               ^");
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail) {
  size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
  char *s = malloc(hl + ul * n + tl + 1);
  memcpy(s, head, hl);
  for (size_t i = 0; i < n; i++)
    memcpy(s + hl + i * ul, unit, ul);
  memcpy(s + hl + n * ul, tail, tl + 1);
  return s;
}

static void limits(void **state) {
  (void)state;
  char *deep = repeat("", "(", 129, "1");
  expect_error(deep, strlen(deep), false,
               "--where: more than 128 levels of parentheses and calls at offset 128");
  free(deep);
  char *ok = repeat("", "(", 128, "");
  char *ok2 = repeat(ok, "1", 1, "");
  char *ok3 = repeat(ok2, ")", 128, " = 1");
  expect(ok3, 0, "true");
  free(ok), free(ok2), free(ok3);
  char *calls = repeat("", "abs(", 129, "1");
  expect_error(calls, strlen(calls), false,
               "--where: more than 128 levels of parentheses and calls at offset 515");
  free(calls);
  max_text = 1 << 20; /* 100,000 items do not fit in 64 KiB */
  char *list = repeat("freq in (0", ",1", 100000, ")");
  expect_error(list, strlen(list), false,
               "--where: more than 100,000 items in an 'in' list at offset");
  free(list);
  char *fits = repeat("freq in (0", ",1", 99999, ")");
  expect(fits, 0, "true");
  free(fits);
  max_text = 0;
  char *big = repeat("freq = 1", " ", 65536 - 8 + 1, "");
  expect_error(big, strlen(big), false,
               "--where: the expression is longer than 64 KiB at offset 65536");
  big[65536] = '\0';
  expect(big, 0, "true");
  free(big);
  char *chain = repeat("freq", " + freq", 3000, " > 0");
  expect_error(chain, strlen(chain), false, "--where: more than 2048 operators nested");
  free(chain);
  char *nots = repeat("", "not ", 10001, "freq > 1");
  expect(nots, 0, "true");
  free(nots);
}

static void birthdays(void **state) {
  (void)state;
  int32_t leap = patron_days_from_civil(2000, 2, 29);
  assert_int_equal(patron__days_to_birthday(leap, patron_days_from_civil(2023, 2, 28)), 0);
  assert_int_equal(patron__days_to_birthday(leap, patron_days_from_civil(2023, 3, 1)), 365);
  assert_int_equal(patron__days_to_birthday(leap, patron_days_from_civil(2024, 2, 28)), 1);
  assert_int_equal(patron__days_to_birthday(leap, patron_days_from_civil(2024, 2, 29)), 0);
  assert_int_equal(patron__age_years(leap, patron_days_from_civil(2023, 2, 27)), 22);
  assert_int_equal(patron__age_years(leap, patron_days_from_civil(2023, 2, 28)), 23);
  assert_int_equal(patron__age_years(leap, patron_days_from_civil(2024, 2, 28)), 23);
  assert_int_equal(patron__age_years(leap, patron_days_from_civil(2024, 2, 29)), 24);
  int32_t b = patron_days_from_civil(1990, 12, 31);
  assert_int_equal(patron__days_to_birthday(b, patron_days_from_civil(2024, 1, 1)), 365);
  assert_int_equal(patron__age_years(b, patron_days_from_civil(2024, 12, 30)), 33);
}

/* An outside function like the store's previous(column): one whole column per call. */
static int64_t prev_values[4] = {5, PATRON_NULL_INT, 7, 0};
static const char *const moved_labels[] = {"up", "down", "same"};
static int32_t moved_codes[4] = {0, 1, -1, 2};
static int calls;

static patron_status fake_previous(void *ctx, const patron_expr_call *call, patron_column *out,
                                   patron_error *err) {
  (void)ctx;
  calls++;
  if (!call->arg_names[0] || strcmp(call->arg_names[0], "freq") != 0) {
    snprintf(err->message, sizeof err->message, "%s() knows only freq", call->name);
    return PATRON_ERR_USAGE;
  }
  if (strcmp(call->name, "moved") == 0)
    *out = (patron_column){
        .type = PATRON_COL_CATEGORY, .data = moved_codes, .labels = moved_labels, .n_labels = 3};
  else
    *out = (patron_column){.type = PATRON_COL_INT, .data = prev_values};
  return PATRON_OK;
}

static void outside_functions(void **state) {
  (void)state;
  patron_table *t = expr_table();
  patron_expr_function fns[] = {{"previous", 1, 1, fake_previous, NULL},
                                {"moved", 1, 1, fake_previous, NULL}};
  patron_expr_env env;
  expr_env(&env, t);
  env.functions = fns;
  env.n_functions = 2;
  const char *text = "PREVIOUS(freq) > freq or moved(freq) = 'same'";
  patron_expr *e = NULL;
  patron_error err = {0};
  assert_int_equal(patron_expr_compile(text, strlen(text), &env, &e, &err), PATRON_OK);
  assert_int_equal(calls, 2);
  agree(e, 4); /* rows: 5 > 1 true; null/down -> null; 7 > null -> null, moved null; same */
  int8_t v[4];
  assert_int_equal(patron_expr_eval_bool(e, NULL, 4, v, &err), PATRON_OK);
  assert_int_equal(v[0], 1), assert_int_equal(v[1], -1), assert_int_equal(v[2], -1);
  assert_int_equal(v[3], 1);
  patron_expr_free(e);
  text = "previous(money) > 1";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "previous() knows only freq at offset 0"));
  patron_error_clear(&err);
  text = "previos(freq) > 1";
  assert_int_not_equal(patron_expr_compile(text, strlen(text), &env, &e, &err), PATRON_OK);
  assert_non_null(strstr(err.message, "unknown function 'previos' (did you mean previous?)"));
  patron_table_free(t);
}

static void collect(void *ctx, const char *name, size_t len) {
  char *out = ctx;
  strncat(out, name, len);
  strcat(out, " ");
}

/* The column names a text refers to: not calls, keywords, now or quoted text. */
static void referenced_names(void **state) {
  (void)state;
  char got[256] = "";
  const char *text = "moved(lifecycle) = 'up' AND NOT tier IN ('a', 'b') and days_since(now) > "
                     "recency_days or x is null and lifecycle like 'c%' and f (1) = 2";
  patron_expr_names(text, strlen(text), collect, got);
  assert_string_equal(got, "lifecycle tier recency_days x lifecycle ");
  got[0] = '\0';
  patron_expr_names("a = 'open", 9, collect, got); /* stops at the lexical error */
  assert_string_equal(got, "a ");
}

PATRON_TEST_MAIN(cmocka_unit_test(outside_functions), cmocka_unit_test(referenced_names),
                 cmocka_unit_test(arithmetic), cmocka_unit_test(comparisons),
                 cmocka_unit_test(names_are_case_sensitive), cmocka_unit_test(dates),
                 cmocka_unit_test(kleene), cmocka_unit_test(in_lists), cmocka_unit_test(like),
                 cmocka_unit_test(functions), cmocka_unit_test(errors),
                 cmocka_unit_test(caret_echo), cmocka_unit_test(limits),
                 cmocka_unit_test(birthdays))
