/* The files of a trigger run (SPEC section 11): actions.csv with this run's new actions and
 * skipped.csv with every match that did not fire and why; with rules that recommend
 * (SPEC 18), the actions' items and their reasons. */
#include "core/core_int.h"
#include "io/write_int.h"
#include "patron/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The buffer into a new file sink at path, finished (a temporary file) but not renamed. */
static patron_status stage(const char *path, const patron__buf *b, const patron_output_options *o,
                           patron_sink **out, patron_error *err) {
  if (b->oom)
    return PATRON__OOM(err);
  patron_status st = patron_sink_file(path, o, out, err);
  if (st == PATRON_OK)
    st = patron__csv_begin(*out, err); /* --excel's byte-order mark */
  if (st == PATRON_OK)
    st = patron_sink_write(*out, b->data, b->len, err);
  if (st == PATRON_OK)
    st = patron_sink_finish(*out, err);
  if (st != PATRON_OK) {
    patron_sink_abort(*out);
    *out = NULL;
  }
  return st;
}

static void field(patron__buf *b, const char *s, char end) {
  patron__buf_csv_field(b, s ? s : "", s ? strlen(s) : 0);
  patron__buf_putc(b, end);
}

patron_status patron_trigger_write(const patron_trigger_result *r,
                                   const patron_trigger_rules *rules, const patron_table *table,
                                   const char *actions_path, const char *skipped_path,
                                   const patron_output_options *o, patron_sink **actions,
                                   patron_sink **skipped, patron_error *err) {
  *actions = *skipped = NULL;
  patron__buf b = {.formula_guard = o && o->formula_guard};
  static const char header[] = "action_id,rule,campaign,channel,customer_id,arm,fired_at,send_at";
  patron__buf_put(&b, header, sizeof header - 1);
  if (r->items) /* rules with "recommend": K (SPEC 18; reasons: docs/TRIGGERS.md) */
    patron__buf_put(&b, ",items,reasons", 14);
  patron__buf_putc(&b, '\n');
  char t1[17], t2[17];
  for (size_t i = 0; i < r->n_actions; i++) {
    const patron_action *a = &r->actions[i];
    field(&b, a->action_id, ',');
    field(&b, a->rule, ',');
    field(&b, a->campaign, ',');
    field(&b, a->channel, ',');
    field(&b, a->customer_id, ',');
    field(&b, a->holdout ? "holdout" : "treatment", ',');
    patron_format_minute(a->fired_at, t1);
    patron_format_minute(a->send_at, t2);
    field(&b, t1, ',');
    field(&b, t2, r->items ? ',' : '\n');
    if (r->items) {
      field(&b, r->items[i], ',');
      field(&b, r->reasons[i], '\n');
    }
  }
  patron_status st = stage(actions_path, &b, o, actions, err);
  const patron_column *id = patron_table_find(table, "customer_id");
  b.len = 0;
  patron__buf_put(&b, "rule,customer_id,reason\n", 24);
  for (size_t i = 0; st == PATRON_OK && i < r->n_skips; i++) {
    const patron_trigger_skip *k = &r->skips[i];
    field(&b, rules->rules[k->rule].name, ',');
    field(&b, id ? ((const char *const *)id->data)[k->row] : "", ',');
    field(&b, patron_skip_reason_name(k->reason), '\n');
  }
  if (st == PATRON_OK)
    st = stage(skipped_path, &b, o, skipped, err);
  free(b.data);
  if (st != PATRON_OK) {
    patron_sink_abort(*actions);
    *actions = NULL;
  }
  return st;
}
