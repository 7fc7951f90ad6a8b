/* Fuzz harness for rule files (--tags / --segments, SPEC section 7: patron_rule_file_parse,
 * src/ops/tags_rules.c): any text parses or fails with FILE:LINE; every parsed rule has a
 * valid name and its expression compiles against the fixture table or fails with an offset. */
#include "fuzz.h"

#include "../tests/unit/expr_fixture.h"
#include "patron/tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static patron_table *t;
  if (!t)
    t = expr_table();
  char *text = malloc(size ? size : 1);
  FUZZ_CHECK(text, "out of memory");
  memcpy(text, data, size);
  patron_rule_file f;
  patron_error err = {0};
  if (patron_rule_file_parse("rules.txt", text, size, &f, &err) != PATRON_OK) {
    FUZZ_CHECK(err.line >= 1 && strcmp(err.file, "rules.txt") == 0, "no position: %s", err.message);
    return 0;
  }
  patron_expr_env env;
  expr_env(&env, t);
  env.want_condition = true;
  for (size_t i = 0; i < f.n_rules; i++) {
    const patron_rule *r = &f.rules[i];
    FUZZ_CHECK(r->line >= 1 && r->name[0], "rule without line or name");
    patron_expr *e = NULL;
    patron_error ee = {0};
    if (patron_expr_compile(r->expr, r->expr_len, &env, &e, &ee) != PATRON_OK)
      FUZZ_CHECK(ee.column >= 1 && strstr(ee.message, " at offset "), "no offset: %s", ee.message);
    patron_expr_free(e);
  }
  patron_rule_file_free(&f);
  return 0;
}
