/* A trigger run (SPEC section 11): from each rule's matched rows to actions. Rules are taken
 * by priority descending, then name, customers in customer_id order; each match is checked
 * for the rule's state (disabled in the store), its cooldown, the channel's contact and
 * consent, and the channel's cap; then its arm by the SPEC section 12 hash (salt = rule name)
 * and its send time outside quiet hours. History (cooldowns, caps, replays) is the store's
 * action log. docs/TRIGGERS.md. */
#include "core/core_int.h"
#include "patron/hash.h"
#include "patron/trigger.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400

const char *patron_skip_reason_name(patron_skip_reason r) {
  static const char *const names[] = {"disabled", "cooldown", "no_contact", "cap", "replay"};
  return names[r];
}

void patron_format_minute(int64_t t, char buf[17]) {
  int64_t day = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
  int64_t sec = t - day * DAY;
  patron_format_day((int32_t)day, buf);
  int h = (int)(sec / 3600), m = (int)(sec / 60 % 60);
  buf[10] = 'T';
  buf[11] = (char)('0' + h / 10), buf[12] = (char)('0' + h % 10), buf[13] = ':';
  buf[14] = (char)('0' + m / 10), buf[15] = (char)('0' + m % 10), buf[16] = '\0';
}

void patron_trigger_result_free(patron_trigger_result *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n_actions; i++) {
    if (r->items)
      free(r->items[i]);
    if (r->reasons)
      free(r->reasons[i]);
  }
  free(r->items);
  free(r->reasons);
  free(r->actions);
  free(r->skips);
  free(r->stats);
  *r = (patron_trigger_result){0};
}

static int64_t floor_day(int64_t t) { return (t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY)) * DAY; }

/* ---- history ---- */

typedef struct state {
  const patron_trigger_input *in;
  const patron_trigger_rules *rules;
  size_t n_rows;
  const char *const *ids;
  int64_t **last;      /* per rule, per row: latest logged fired_at (INT64_MIN: none) */
  uint16_t **cap_used; /* per cap, per row: treatment actions in the cap window */
  int64_t *since;      /* per rule: a logged action at or after this blocks (cooldown) */
  patron_trigger_result *out;
  size_t cap_actions, cap_skips;
} state;

static long find_row(const state *s, const char *id) {
  size_t lo = 0, hi = s->n_rows;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(s->ids[mid] ? s->ids[mid] : "", id);
    if (c == 0)
      return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static long rule_index(const patron_trigger_rules *r, const char *name) {
  for (size_t i = 0; i < r->n_rules; i++)
    if (strcmp(r->rules[i].name, name) == 0)
      return (long)i;
  return -1;
}

static long cap_index(const patron_trigger_rules *r, const char *channel) {
  for (size_t i = 0; channel && i < r->n_caps; i++)
    if (strcmp(r->caps[i].channel, channel) == 0)
      return (long)i;
  return -1;
}

static bool take_history(void *ctx, const patron_action *a) {
  state *s = ctx;
  long row = find_row(s, a->customer_id);
  if (row < 0)
    return true;
  long ri = rule_index(s->rules, a->rule);
  if (ri >= 0 && a->fired_at > s->last[ri][row])
    s->last[ri][row] = a->fired_at;
  long ci = cap_index(s->rules, a->channel);
  int64_t t = s->in->t;
  if (ci >= 0 && !a->holdout && a->fired_at <= t &&
      a->fired_at > t - (int64_t)s->rules->caps[ci].days * DAY && s->cap_used[ci][row] < UINT16_MAX)
    s->cap_used[ci][row]++;
  return true;
}

static patron_status load_history(state *s, patron_error *err) {
  const patron_trigger_rules *r = s->rules;
  int64_t t = s->in->t, since = floor_day(t);
  for (size_t i = 0; i < r->n_rules; i++) {
    int cd = r->rules[i].cooldown_days;
    s->since[i] = cd > 0 ? t - (int64_t)cd * DAY + 1 : floor_day(t);
    since = s->since[i] < since ? s->since[i] : since;
    if (!(s->last[i] = malloc((s->n_rows ? s->n_rows : 1) * sizeof **s->last)))
      return PATRON__OOM(err);
    for (size_t k = 0; k < s->n_rows; k++)
      s->last[i][k] = INT64_MIN;
  }
  for (size_t i = 0; i < r->n_caps; i++) {
    int64_t from = t - (int64_t)r->caps[i].days * DAY + 1;
    since = from < since ? from : since;
    if (!(s->cap_used[i] = calloc(s->n_rows ? s->n_rows : 1, sizeof **s->cap_used)))
      return PATRON__OOM(err);
  }
  if (!s->in->store)
    return PATRON_OK;
  return patron_store_actions_between(s->in->store, since, INT64_MAX, take_history, s, err);
}

/* ---- decisions ---- */

static patron_status skip(state *s, size_t rule, uint32_t row, patron_skip_reason why,
                          patron_error *err) {
  patron_trigger_result *o = s->out;
  if (!patron__reserve((void **)&o->skips, &s->cap_skips, o->n_skips + 1, sizeof *o->skips))
    return PATRON__OOM(err);
  o->skips[o->n_skips++] = (patron_trigger_skip){rule, row, why};
  o->stats[rule].skipped[why]++;
  return PATRON_OK;
}

/* The next end of quiet hours after t when t is inside them (in the member's zone), else t. */
static int64_t send_time(const state *s, uint32_t row) {
  const patron_trigger_rules *r = s->rules;
  int64_t t = s->in->t;
  if (!r->quiet)
    return t;
  int32_t tz = r->tz_minutes;
  const patron_contacts *c = s->in->contacts;
  uint32_t cust = s->in->row_customer ? s->in->row_customer[row] : UINT32_MAX;
  if (c && cust < c->n && c->tz_minutes[cust] != PATRON_NO_TZ)
    tz = c->tz_minutes[cust];
  int64_t shift = (int64_t)(tz - r->tz_minutes) * 60, local = t + shift;
  int64_t day = floor_day(local);
  int m = (int)((local - day) / 60);
  int a = r->quiet_start, b = r->quiet_end;
  bool quiet = a < b ? (m >= a && m < b) : (m >= a || m < b);
  if (!quiet)
    return t;
  int64_t end = day + (int64_t)b * 60 + (m >= b ? DAY : 0);
  return end - shift;
}

static bool in_holdout(const patron_trigger_rule *rule, const char *id) {
  if (rule->holdout_percent <= 0)
    return false;
  uint32_t bucket = patron_hash_bucket(rule->name, strlen(rule->name), id, strlen(id));
  return (double)bucket < rule->holdout_percent * 100.0;
}

static patron_status fire(state *s, size_t ri, uint32_t row, bool holdout, patron_error *err) {
  patron_trigger_result *o = s->out;
  const patron_trigger_rule *rule = &s->rules->rules[ri];
  if (!patron__reserve((void **)&o->actions, &s->cap_actions, o->n_actions + 1, sizeof *o->actions))
    return PATRON__OOM(err);
  patron_action *a = &o->actions[o->n_actions++];
  *a = (patron_action){.rule = rule->name,
                       .campaign = rule->campaign,
                       .channel = rule->channel,
                       .customer_id = s->ids[row],
                       .holdout = holdout,
                       .fired_at = s->in->t,
                       .send_at = holdout ? s->in->t : send_time(s, row)};
  patron_action_id(rule->name, s->ids[row], (int32_t)(floor_day(s->in->t) / DAY), a->action_id);
  s->last[ri][row] = s->in->t;
  if (holdout)
    o->stats[ri].holdout++;
  else
    o->stats[ri].treatment++;
  return PATRON_OK;
}

static patron_status decide(state *s, size_t ri, uint32_t row, bool disabled, patron_error *err) {
  const patron_trigger_rule *rule = &s->rules->rules[ri];
  const patron_trigger_input *in = s->in;
  if (disabled)
    return skip(s, ri, row, PATRON_SKIP_DISABLED, err);
  if (s->last[ri][row] >= s->since[ri])
    return skip(s, ri, row, PATRON_SKIP_COOLDOWN, err);
  uint32_t cust = in->row_customer ? in->row_customer[row] : UINT32_MAX;
  if (!patron_contacts_reachable(in->contacts, cust, rule->channel))
    return skip(s, ri, row, PATRON_SKIP_NO_CONTACT, err);
  long ci = cap_index(s->rules, rule->channel);
  if (ci >= 0 && s->cap_used[ci][row] >= s->rules->caps[ci].max)
    return skip(s, ri, row, PATRON_SKIP_CAP, err);
  bool holdout = in_holdout(rule, s->ids[row]);
  if (ci >= 0 && !holdout)
    s->cap_used[ci][row]++;
  return fire(s, ri, row, holdout, err);
}

static int by_priority(const void *pa, const void *pb, void *ctx) {
  const patron_trigger_rules *r = ctx;
  const patron_trigger_rule *a = &r->rules[*(const size_t *)pa];
  const patron_trigger_rule *b = &r->rules[*(const size_t *)pb];
  if (a->priority != b->priority)
    return a->priority > b->priority ? -1 : 1;
  return strcmp(a->name, b->name);
}

static patron_status rule_disabled(const state *s, size_t ri, bool *disabled, patron_error *err) {
  *disabled = false;
  if (!s->in->store)
    return PATRON_OK;
  bool enabled = true;
  patron_status st =
      patron_store_rule_get(s->in->store, s->rules->rules[ri].name, &enabled, NULL, 0, err);
  *disabled = !enabled;
  return st;
}

static patron_status run_rules(state *s, patron_error *err) {
  const patron_trigger_rules *r = s->rules;
  size_t *order = malloc((r->n_rules ? r->n_rules : 1) * sizeof *order);
  if (!order)
    return PATRON__OOM(err);
  for (size_t i = 0; i < r->n_rules; i++)
    order[i] = i;
  qsort_r(order, r->n_rules, sizeof *order, by_priority, (void *)r);
  patron_status st = PATRON_OK;
  for (size_t k = 0; st == PATRON_OK && k < r->n_rules; k++) {
    size_t ri = order[k];
    const uint32_t *rows = s->in->matched[ri];
    if (!rows || !r->rules[ri].enabled)
      continue;
    bool disabled;
    st = rule_disabled(s, ri, &disabled, err);
    s->out->stats[ri].matched = s->in->n_matched[ri];
    for (size_t j = 0; st == PATRON_OK && j < s->in->n_matched[ri]; j++)
      st = decide(s, ri, rows[j], disabled, err);
  }
  free(order);
  return st;
}

/* A replay (T not after the latest recorded run) adds nothing: every action becomes a skip. */
static patron_status as_replay(state *s, patron_error *err) {
  patron_trigger_result *o = s->out;
  for (size_t i = 0; i < o->n_actions; i++) {
    long ri = rule_index(s->rules, o->actions[i].rule);
    long row = find_row(s, o->actions[i].customer_id);
    patron_status st = skip(s, (size_t)ri, (uint32_t)row, PATRON_SKIP_REPLAY, err);
    if (st != PATRON_OK)
      return st;
    if (o->actions[i].holdout)
      o->stats[ri].holdout--;
    else
      o->stats[ri].treatment--;
  }
  o->n_actions = 0;
  return PATRON_OK;
}

patron_status patron_trigger_decide(const patron_trigger_input *in, patron_trigger_result *out,
                                    patron_error *err) {
  *out = (patron_trigger_result){0};
  const patron_column *idc = patron_table_find(in->table, "customer_id");
  if (!idc || idc->type != PATRON_COL_STRING)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "trigger: no customer_id column");
  const patron_trigger_rules *r = in->rules;
  state s = {
      .in = in, .rules = r, .n_rows = patron_table_n_rows(in->table), .ids = idc->data, .out = out};
  s.last = calloc(r->n_rules + 1, sizeof *s.last);
  s.since = calloc(r->n_rules + 1, sizeof *s.since);
  s.cap_used = calloc(r->n_caps + 1, sizeof *s.cap_used);
  out->stats = calloc(r->n_rules + 1, sizeof *out->stats);
  patron_status st = s.last && s.since && s.cap_used && out->stats ? PATRON_OK : PATRON__OOM(err);
  if (st == PATRON_OK)
    st = load_history(&s, err);
  if (st == PATRON_OK)
    st = run_rules(&s, err);
  int64_t last_t = 0;
  if (st == PATRON_OK && in->store)
    st = patron_store_last_trigger(in->store, &out->replay, &last_t, err);
  out->replay = out->replay && in->t <= last_t;
  if (st == PATRON_OK && out->replay)
    st = as_replay(&s, err);
  for (size_t i = 0; s.last && i < r->n_rules; i++)
    free(s.last[i]);
  for (size_t i = 0; s.cap_used && i < r->n_caps; i++)
    free(s.cap_used[i]);
  free(s.last);
  free(s.since);
  free(s.cap_used);
  if (st != PATRON_OK)
    patron_trigger_result_free(out);
  return st;
}

patron_status patron_trigger_log(patron_store *store, int64_t t, const patron_trigger_result *r,
                                 int64_t *run_id, patron_error *err) {
  char when[17];
  patron_format_minute(t, when);
  *run_id = 0;
  patron_status st = patron_store_begin(store, err);
  if (st != PATRON_OK)
    return st;
  st = patron_store_run_add(store, "trigger", when, NULL, run_id, err);
  if (st == PATRON_OK)
    st = patron_store_actions_add(store, *run_id, r->actions, r->n_actions, NULL, err);
  if (st != PATRON_OK)
    patron_store_rollback(store);
  return st;
}

patron_status patron_trigger_log_commit(patron_store *store, int64_t run_id,
                                        const char *detail_json, patron_error *err) {
  patron_status st =
      detail_json ? patron_store_run_detail(store, run_id, detail_json, err) : PATRON_OK;
  if (st == PATRON_OK)
    return patron_store_commit(store, err);
  patron_store_rollback(store);
  return st;
}

patron_status patron_trigger_record(patron_store *store, int64_t t, const patron_trigger_result *r,
                                    const char *detail_json, patron_error *err) {
  int64_t run_id;
  patron_status st = patron_trigger_log(store, t, r, &run_id, err);
  return st == PATRON_OK ? patron_trigger_log_commit(store, run_id, detail_json, err) : st;
}
