/* Member levels (docs/TIERS.md): normal / silver / gold / diamond by spend over the last
 * 365 days (net of refunds, as monetary), each threshold an inclusive lower bound
 * (defaults 0, 1000, 5000, 20000). Every row gets a level, members without orders too
 * (they spend 0); a net refund over the window below the normal threshold leaves it empty. */
#include "core/table_int.h"
#include "models/tiers/tiers_int.h"
#include "patron/tiers.h"

#include <math.h>

static const char *const level_labels[PATRON_LEVEL_COUNT] = {"normal", "silver", "gold", "diamond"};
static const char *const level_labels_zh[PATRON_LEVEL_COUNT] = {"普通会员", "银卡会员", "金卡会员",
                                                                "钻石会员"};

void patron_level_options_init(patron_level_options *o) {
  *o = (patron_level_options){{0, 1000, 5000, 20000}};
}

patron_status patron_level_options_parse(const char *text, patron_level_options *o,
                                         patron_error *err) {
  double v[PATRON_LEVEL_COUNT];
  size_t at = 0;
  for (int i = 0; i < PATRON_LEVEL_COUNT; i++) {
    size_t len = patron__field_len(text + at, ',');
    if (!patron__spec_number(text + at, len, &v[i]) || fabs(v[i]) > 1e12)
      return patron__spec_error(err, "--levels", text, at, "expected an amount");
    if (i > 0 && v[i] <= v[i - 1])
      return patron__spec_error(err, "--levels", text, at, "must be above the previous threshold");
    at += len;
    if (i < PATRON_LEVEL_COUNT - 1 && !text[at])
      return patron__spec_error(err, "--levels", text, at,
                                "expected four thresholds: normal,silver,gold,diamond");
    if (i < PATRON_LEVEL_COUNT - 1)
      at++;
  }
  if (text[at])
    return patron__spec_error(err, "--levels", text, at,
                              "expected four thresholds: normal,silver,gold,diamond");
  for (int i = 0; i < PATRON_LEVEL_COUNT; i++)
    o->thresholds[i] = v[i];
  return PATRON_OK;
}

patron_status patron_member_levels(patron_table *t, const patron_activity *a,
                                   const patron_level_options *o, size_t counts[PATRON_LEVEL_COUNT],
                                   patron_error *err) {
  size_t n = patron_table_n_rows(t);
  if (a->n != n)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "member_level: the activity has %zu rows, the table %zu", a->n, n);
  patron_money cut[PATRON_LEVEL_COUNT];
  for (int i = 0; i < PATRON_LEVEL_COUNT; i++)
    cut[i] = (patron_money)llround(o->thresholds[i] * PATRON_MONEY_SCALE);
  for (int i = 0; counts && i < PATRON_LEVEL_COUNT; i++)
    counts[i] = 0;
  int32_t *level;
  patron_status st = patron_table_add_category(t, "member_level", level_labels, level_labels_zh,
                                               PATRON_LEVEL_COUNT, true, &level, err);
  if (st != PATRON_OK)
    return st;
  for (size_t r = 0; r < n; r++) {
    int32_t l = PATRON_NULL_CODE;
    for (int i = 0; i < PATRON_LEVEL_COUNT; i++)
      if (a->spend[r] >= cut[i])
        l = i;
    level[r] = l;
    if (counts && l >= 0)
      counts[l]++;
  }
  return PATRON_OK;
}
