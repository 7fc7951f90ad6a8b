/* level_warning (SPEC section 10): a member-level warning from the member_level column and
 * the customer's orders — upgrade_near when the spend over the level window is within 10%
 * below the next level's threshold, downgrade_risk when the spend still inside the window at
 * the next review date is below the current level's threshold (docs/MOVEMENTS.md). */
#include "core/core_int.h"
#include "ops/stages.h"
#include "patron/movements.h"

#include <math.h>

static const char *const warning_labels[] = {"upgrade_near", "downgrade_risk"};
static const char *const warning_labels_zh[] = {"即将升级", "降级风险"};

/* Sum of the order values of customer c with a time in [from, to). */
static patron_money spend_between(const patron_orders_view *o, uint32_t c, int64_t from,
                                  int64_t to) {
  patron_money sum = 0;
  for (uint32_t i = o->start[c]; i < o->start[c + 1]; i++)
    if (o->time[i] >= from && o->time[i] < to)
      sum += o->value[i];
  return sum;
}

static int32_t warning_of(int32_t level, patron_money spend, patron_money kept,
                          const patron_money cut[PATRON_LEVEL_COUNT]) {
  if (level < 0)
    return PATRON_NULL_CODE;
  if (level + 1 < PATRON_LEVEL_COUNT) {
    patron_money next = cut[level + 1];
    /* spend >= 90% of next, exactly: 10 * spend >= 9 * next */
    if (spend < next && (__int128)spend * 10 >= (__int128)next * 9)
      return 0;
  }
  if (level > PATRON_LEVEL_NORMAL && kept < cut[level])
    return 1;
  return PATRON_NULL_CODE;
}

patron_status patron_level_warning_add(patron_profile *p, const patron_dataset *ds,
                                       const patron_level_options *levels, int window_days,
                                       int review_days, patron_error *err) {
  patron_table *t = patron_profile_table(p);
  const patron_column *lc = patron_table_find(t, "member_level");
  if (!lc || lc->type != PATRON_COL_CATEGORY)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "level_warning needs the member_level column");
  if (window_days < 1 || review_days < 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "level_warning: window and review days must be positive");
  patron_money cut[PATRON_LEVEL_COUNT];
  for (int i = 0; i < PATRON_LEVEL_COUNT; i++)
    cut[i] = (patron_money)llround(levels->thresholds[i] * PATRON_MONEY_SCALE);
  const int32_t *level = lc->data;
  int32_t *warn;
  patron_status st = patron_table_add_category(t, "level_warning", warning_labels,
                                               warning_labels_zh, 2, true, &warn, err);
  if (st != PATRON_OK)
    return st;
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  const uint32_t *cust = patron_profile_customers(p);
  int64_t end = (int64_t)patron_profile_as_of(p) * 86400;
  int64_t start = end - (int64_t)window_days * 86400;
  int64_t kept_start = start + (int64_t)review_days * 86400;
  for (size_t r = 0; r < patron_table_n_rows(t); r++) {
    patron_money spend = spend_between(&o, cust[r], start, end);
    patron_money kept = spend_between(&o, cust[r], kept_start, end);
    warn[r] = warning_of(level[r], spend, kept, cut);
  }
  return PATRON_OK;
}

patron_status patron__stage_level_warning(patron_profile *p, const patron_dataset *ds,
                                          patron_run *run, patron_error *err) {
  if (patron__stage_is_given(run, "level_warning")) /* an MPI run's ranks computed it */
    return patron__stage_given(p, run, "level_warning", err);
  const patron_pipeline_options *o = run->options;
  return patron_level_warning_add(p, ds, &o->value.levels, o->value.tiers.window_days,
                                  o->review_days, err);
}
