/* Fuzz harness for the expression compiler (src/ops/expr_*.c, SPEC section 6): any text
 * either compiles or fails with a caret error that carries an offset (err.column >= 1 and
 * "at offset N" in the message), never crashes; what compiles is evaluated on the 4-row
 * fixture table with both evaluators, which must agree. The first byte's low bit asks for
 * a condition. */
#include "fuzz.h"

#include "../tests/unit/expr_fixture.h"

static void agree(patron_expr *e) {
  int8_t vec[4];
  patron_error err = {0};
  FUZZ_CHECK(patron_expr_eval_bool(e, NULL, 4, vec, &err) == PATRON_OK, "%s", err.message);
  for (size_t r = 0; r < 4; r++) {
    patron_expr_value v;
    FUZZ_CHECK(patron_expr_eval_row(e, r, &v, &err) == PATRON_OK, "%s", err.message);
    FUZZ_CHECK(vec[r] == (v.is_null ? -1 : v.boolean), "row %zu: vectorized %d, row %d", r, vec[r],
               v.is_null ? -1 : v.boolean);
  }
}

typedef struct span {
  const char *text;
  size_t len;
} span;

/* Every name patron_expr_names reports lies inside the text. */
static void inside(void *ctx, const char *name, size_t len) {
  const span *s = ctx;
  FUZZ_CHECK(name >= s->text && len > 0 && name + len <= s->text + s->len, "name outside the text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static patron_table *t;
  if (!t)
    t = expr_table();
  if (size < 1)
    return 0;
  patron_expr_env env;
  expr_env(&env, t);
  env.want_condition = data[0] & 1;
  span text = {(const char *)data + 1, size - 1};
  patron_expr_names(text.text, text.len, inside, &text);
  patron_expr *e = NULL;
  patron_error err = {0};
  patron_status st = patron_expr_compile((const char *)data + 1, size - 1, &env, &e, &err);
  if (st != PATRON_OK) {
    FUZZ_CHECK(e == NULL, "an expression despite an error");
    FUZZ_CHECK(err.column >= 1 && err.column <= size, "error without an offset: %s", err.message);
    FUZZ_CHECK(strstr(err.message, " at offset ") != NULL, "no offset in: %s", err.message);
    return 0;
  }
  if (patron_expr_result_type(e) == PATRON_EXPR_BOOL)
    agree(e);
  else
    for (size_t r = 0; r < 4; r++) {
      patron_expr_value v;
      FUZZ_CHECK(patron_expr_eval_row(e, r, &v, &err) == PATRON_OK, "%s", err.message);
    }
  patron_expr_free(e);
  return 0;
}
