/* Relationship stage and loyalty (SPEC section 17; include/patron/portrait.h). The stage
 * compares the purchases of the two windows before as-of; the loyalty score is the
 * probability that the customer's own purchase cycle (a gamma law with the mean and the
 * coefficient of variation of the gaps between purchase days) runs longer than the time
 * since the last purchase, weighted by repeat purchases, regularity and tenure
 * (docs/PORTRAIT.md). */
#include "core/core_int.h"
#include "ops/stages.h"
#include "patron/portrait.h"

#include <stdlib.h>

static const char *const stage_labels[] = {"exploration", "formation", "stability", "decline"};
static const char *const stage_labels_zh[] = {"考察期", "形成期", "稳定期", "退化期"};

static int32_t stage_of(int64_t frequency, int64_t tenure, int64_t recent, int64_t prior) {
  if (frequency == 1 || tenure < 90)
    return 0;
  if (recent * 5 > prior * 6) /* recent > 1.2 x prior, exactly */
    return 1;
  if (recent == 0 || recent * 5 < prior * 4) /* recent < 0.8 x prior */
    return 3;
  return 2;
}

/* Purchases (orders with value > 0) of customer c in [from, to). */
static int64_t purchases_between(const patron_orders_view *o, uint32_t c, int64_t from,
                                 int64_t to) {
  int64_t n = 0;
  for (uint32_t i = o->start[c]; i < o->start[c + 1]; i++)
    n += o->value[i] > 0 && o->time[i] >= from && o->time[i] < to;
  return n;
}

patron_status patron_stage_add(patron_profile *p, const patron_dataset *ds, int days,
                               patron_error *err) {
  if (days < 1)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--stage-days must be at least 1, got %d", days);
  patron_table *t = patron_profile_table(p);
  const int64_t *freq = patron_table_find(t, "frequency")->data;
  const int64_t *tenure = patron_table_find(t, "tenure_days")->data;
  int32_t *codes;
  patron_status st = patron_table_add_category(t, "stage", stage_labels, stage_labels_zh, 4, true,
                                               &codes, err);
  if (st != PATRON_OK)
    return st;
  patron_orders_view o;
  patron_dataset_orders(ds, &o);
  const uint32_t *cust = patron_profile_customers(p);
  int64_t end = (int64_t)patron_profile_as_of(p) * 86400, span = (int64_t)days * 86400;
  for (size_t r = 0; r < patron_table_n_rows(t); r++) {
    if (freq[r] == PATRON_NULL_INT || freq[r] < 1)
      continue;
    int64_t recent = purchases_between(&o, cust[r], end - span, end);
    int64_t prior = purchases_between(&o, cust[r], end - 2 * span, end - span);
    codes[r] = stage_of(freq[r], tenure[r], recent, prior);
  }
  return PATRON_OK;
}

patron_status patron__stage_relationship(patron_profile *p, const patron_dataset *ds,
                                         patron_run *run, patron_error *err) {
  return patron_stage_add(p, ds, run->options->tags.stage_days, err);
}
