/* Differential fuzz harness for the expression language (SPEC section 6): the input seeds a
 * random table (with nulls) and a random well-typed condition (tests/unit/expr_gen.h); the
 * row evaluator, the vectorized evaluator and the filter must agree on every row. */
#include "fuzz.h"

#include "../tests/unit/expr_fixture.h"
#include "../tests/unit/expr_gen.h"

enum { ROWS = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  egen g = {.state = fuzz_hash(data, size)};
  patron_table *t = expr_table_empty(ROWS);
  egen_fill(&g, t, ROWS);
  egen_condition(&g, 1 + (int)egen_pick(&g, 6));
  patron_expr_env env;
  expr_env(&env, t);
  patron_expr *e = NULL;
  patron_error err = {0};
  FUZZ_CHECK(patron_expr_compile(g.buf, g.len, &env, &e, &err) == PATRON_OK, "%s: %s", g.buf,
             err.message);
  int8_t vec[ROWS];
  uint32_t kept[ROWS];
  size_t n_kept = 0, k = 0;
  FUZZ_CHECK(patron_expr_eval_bool(e, NULL, ROWS, vec, &err) == PATRON_OK, "%s", err.message);
  FUZZ_CHECK(patron_expr_filter(e, NULL, 0, kept, &n_kept, &err) == PATRON_OK, "%s", err.message);
  for (size_t r = 0; r < ROWS; r++) {
    patron_expr_value v;
    FUZZ_CHECK(patron_expr_eval_row(e, r, &v, &err) == PATRON_OK, "%s", err.message);
    int8_t want = v.is_null ? -1 : v.boolean;
    FUZZ_CHECK(vec[r] == want, "%s: row %zu: vectorized %d, row %d", g.buf, r, vec[r], want);
    if (want == 1)
      FUZZ_CHECK(k < n_kept && kept[k++] == r, "%s: filter differs at row %zu", g.buf, r);
  }
  FUZZ_CHECK(k == n_kept, "%s: filter kept extra rows", g.buf);
  patron_expr_free(e);
  patron_table_free(t);
  free(g.buf);
  return 0;
}
