/* Fuzz harness for the JSON parsers of SPEC section 11: trigger rules
 * (patron_trigger_rules_parse, src/ops/trigger_rules.c) and the campaign matrix
 * (patron_plan_matrix_parse, src/ops/plan.c); a first byte 0x01 picks the matrix, anything else is
 * a rules file. Checks: a parse either succeeds with sane values (names valid and unique,
 * percentages in 0..100, caps positive, fits finite and >= 0, channels present) or fails with
 * PATRON_ERR_INPUT naming the file; never a crash or a leak. */
#include "fuzz.h"

#include "patron/plan.h"
#include "patron/trigger.h"

static void check_rules(const patron_trigger_rules *r) {
  for (size_t i = 0; i < r->n_rules; i++) {
    const patron_trigger_rule *x = &r->rules[i];
    FUZZ_CHECK(x->name && x->where && x->campaign && x->channel, "rule %zu lacks a text", i);
    FUZZ_CHECK(x->holdout_percent >= 0 && x->holdout_percent <= 100, "holdout %g",
               x->holdout_percent);
    FUZZ_CHECK(x->cooldown_days >= 0, "cooldown %d", x->cooldown_days);
    for (size_t j = 0; j < i; j++)
      FUZZ_CHECK(strcmp(r->rules[j].name, x->name) != 0, "duplicate rule %s", x->name);
  }
  for (size_t i = 0; i < r->n_caps; i++)
    FUZZ_CHECK(r->caps[i].days >= 1 && r->caps[i].max >= 0, "cap %zu", i);
  if (r->quiet)
    FUZZ_CHECK(r->quiet_start < 1440 && r->quiet_end < 1440, "quiet hours");
}

static void fuzz_matrix(const char *text, size_t size) {
  patron_plan_matrix *m = NULL;
  patron_error err = {0};
  patron_status st = patron_plan_matrix_parse(text, size, "fuzz.json", &m, &err);
  if (st != PATRON_OK) {
    FUZZ_CHECK(m == NULL && (st == PATRON_ERR_INPUT || st == PATRON_ERR_NOMEM), "status %d", st);
    FUZZ_CHECK(strcmp(err.file, "fuzz.json") == 0, "error without the file: %s", err.message);
    return;
  }
  FUZZ_CHECK(m->rows && m->rows[0], "no rows");
  for (size_t c = 0; c < m->n_campaigns; c++) {
    FUZZ_CHECK(m->campaigns[c].name && m->campaigns[c].n_channels > 0, "campaign %zu", c);
    for (size_t i = 0; i < m->campaigns[c].n_fits; i++)
      FUZZ_CHECK(m->campaigns[c].fits[i].fit >= 0, "fit");
  }
  patron_plan_matrix_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 0 && data[0] == 1) {
    fuzz_matrix((const char *)data + 1, size - 1);
    return 0;
  }
  patron_trigger_rules *r = NULL;
  patron_error err = {0};
  patron_status st = patron_trigger_rules_parse((const char *)data, size, "fuzz.json", &r, &err);
  if (st == PATRON_OK) {
    FUZZ_CHECK(r != NULL, "ok without rules");
    check_rules(r);
  } else {
    FUZZ_CHECK(r == NULL && (st == PATRON_ERR_INPUT || st == PATRON_ERR_NOMEM), "status %d", st);
    FUZZ_CHECK(strcmp(err.file, "fuzz.json") == 0, "error without the file: %s", err.message);
  }
  patron_trigger_rules_free(r);
  return 0;
}
