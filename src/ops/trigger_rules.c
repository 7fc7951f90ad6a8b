/* Trigger rules files (SPEC section 11): JSON via jansson with positions for syntax errors
 * and member paths for the rest; plus the example file of `patron trigger init`, the rules of
 * the seeds (docs/TRIGGERS.md). */
#include "io/files.h"
#include "core/core_int.h"
#include "patron/trigger.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_clock(const char *s, int *minutes) {
  if (!s || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
      !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
      !isdigit((unsigned char)s[4]))
    return false;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59)
    return false;
  *minutes = h * 60 + m;
  return true;
}

void patron_trigger_rules_free(patron_trigger_rules *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n_rules; i++) {
    free(r->rules[i].name);
    free(r->rules[i].where);
    free(r->rules[i].campaign);
    free(r->rules[i].channel);
  }
  for (size_t i = 0; i < r->n_caps; i++)
    free(r->caps[i].channel);
  free(r->rules);
  free(r->caps);
  free(r);
}

typedef struct parser {
  const char *file;
  patron_error *err;
} parser;

static patron_status bad(const parser *p, const char *path, const char *what) {
  return patron__error_set(p->err, PATRON_ERR_INPUT, p->file, 0, 0, "%s: %s", path, what);
}

static bool valid_name(const char *s) {
  if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_')
      return false;
  return true;
}

/* Checks that obj has only the allowed keys. */
static patron_status only_keys(const parser *p, json_t *obj, const char *path,
                               const char *const *allowed) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++)
      ok = strcmp(allowed[i], key) == 0;
    if (!ok) {
      char msg[160];
      snprintf(msg, sizeof msg, "unknown member '%.100s'", key);
      return bad(p, path, msg);
    }
  }
  return PATRON_OK;
}

static patron_status get_text(const parser *p, json_t *obj, const char *key, const char *path,
                              bool required, char **out) {
  json_t *v = json_object_get(obj, key);
  char where[128];
  snprintf(where, sizeof where, "%s.%s", path, key);
  if (!v)
    return required ? bad(p, where, "missing (expected a text)") : PATRON_OK;
  if (!json_is_string(v) || json_string_length(v) == 0 ||
      strlen(json_string_value(v)) != json_string_length(v))
    return bad(p, where, "expected a non-empty text");
  if (!(*out = strdup(json_string_value(v))))
    return PATRON__OOM(p->err);
  return PATRON_OK;
}

static patron_status get_number(const parser *p, json_t *obj, const char *key, const char *path,
                                double lo, double hi, bool integer, double *out) {
  json_t *v = json_object_get(obj, key);
  char where[128], msg[128];
  snprintf(where, sizeof where, "%s.%s", path, key);
  if (!v)
    return PATRON_OK;
  double x = json_is_number(v) ? json_number_value(v) : NAN;
  if (!isfinite(x) || x < lo || x > hi || (integer && x != floor(x))) {
    snprintf(msg, sizeof msg, "expected %s from %g to %g", integer ? "a whole number" : "a number",
             lo, hi);
    return bad(p, where, msg);
  }
  *out = x;
  return PATRON_OK;
}

static patron_status parse_rule(const parser *p, json_t *o, size_t i, patron_trigger_rule *r) {
  static const char *const keys[] = {"name",
                                     "where",
                                     "campaign",
                                     "channel",
                                     "priority",
                                     "cooldown_days",
                                     "holdout_percent",
                                     "enabled",
                                     "description",
                                     "recommend",
                                     NULL};
  char path[48];
  snprintf(path, sizeof path, "rules[%zu]", i);
  if (!json_is_object(o))
    return bad(p, path, "expected an object");
  double priority = 0, cooldown = 0, holdout = 0, recommend = 0;
  patron_status st = only_keys(p, o, path, keys);
  if (st == PATRON_OK)
    st = get_text(p, o, "name", path, true, &r->name);
  if (st == PATRON_OK && !valid_name(r->name))
    st = bad(p, path, "name must be [A-Za-z_][A-Za-z0-9_]*");
  if (st == PATRON_OK)
    st = get_text(p, o, "where", path, true, &r->where);
  if (st == PATRON_OK)
    st = get_text(p, o, "campaign", path, true, &r->campaign);
  if (st == PATRON_OK)
    st = get_text(p, o, "channel", path, true, &r->channel);
  if (st == PATRON_OK)
    st = get_number(p, o, "priority", path, -1e6, 1e6, true, &priority);
  if (st == PATRON_OK)
    st = get_number(p, o, "cooldown_days", path, 0, 36500, true, &cooldown);
  if (st == PATRON_OK)
    st = get_number(p, o, "holdout_percent", path, 0, 100, false, &holdout);
  if (st == PATRON_OK)
    st = get_number(p, o, "recommend", path, 1, 100, true, &recommend);
  json_t *en = json_object_get(o, "enabled");
  if (st == PATRON_OK && en && !json_is_boolean(en))
    st = bad(p, path, "enabled: expected true or false");
  r->priority = (int)priority;
  r->cooldown_days = (int)cooldown;
  r->holdout_percent = holdout;
  r->recommend = (int)recommend;
  r->enabled = !en || json_is_true(en);
  return st;
}

static patron_status parse_caps(const parser *p, json_t *caps, patron_trigger_rules *r) {
  if (!caps)
    return PATRON_OK;
  if (!json_is_object(caps))
    return bad(p, "caps", "expected an object of channel: {max, days}");
  r->caps = calloc(json_object_size(caps) + 1, sizeof *r->caps);
  if (!r->caps)
    return PATRON__OOM(p->err);
  const char *key;
  json_t *v;
  static const char *const keys[] = {"max", "days", NULL};
  json_object_foreach(caps, key, v) {
    char path[160];
    snprintf(path, sizeof path, "caps.%.100s", key);
    patron_trigger_cap *c = &r->caps[r->n_caps++];
    double max = -1, days = -1;
    patron_status st = json_is_object(v) ? only_keys(p, v, path, keys)
                                         : bad(p, path, "expected {\"max\": N, \"days\": D}");
    if (st == PATRON_OK)
      st = get_number(p, v, "max", path, 0, 1e6, true, &max);
    if (st == PATRON_OK)
      st = get_number(p, v, "days", path, 1, 36500, true, &days);
    if (st == PATRON_OK && (max < 0 || days < 0))
      st = bad(p, path, "needs both max and days");
    if (st != PATRON_OK)
      return st;
    c->max = (int)max;
    c->days = (int)days;
    if (!(c->channel = strdup(key)))
      return PATRON__OOM(p->err);
  }
  return PATRON_OK;
}

static patron_status parse_quiet(const parser *p, json_t *q, patron_trigger_rules *r) {
  if (!q)
    return PATRON_OK;
  static const char *const keys[] = {"start", "end", NULL};
  patron_status st = json_is_object(q) ? only_keys(p, q, "quiet_hours", keys)
                                       : bad(p, "quiet_hours", "expected {\"start\", \"end\"}");
  if (st != PATRON_OK)
    return st;
  if (!parse_clock(json_string_value(json_object_get(q, "start")), &r->quiet_start) ||
      !parse_clock(json_string_value(json_object_get(q, "end")), &r->quiet_end))
    return bad(p, "quiet_hours", "start and end must be times HH:MM");
  r->quiet = r->quiet_start != r->quiet_end;
  return PATRON_OK;
}

static patron_status parse_top(const parser *p, json_t *root, patron_trigger_rules *r) {
  static const char *const keys[] = {"timezone", "quiet_hours", "caps",
                                     "rules",    "description", NULL};
  if (!json_is_object(root))
    return bad(p, "(top)", "expected an object with \"rules\"");
  patron_status st = only_keys(p, root, "(top)", keys);
  json_t *tz = json_object_get(root, "timezone");
  if (st == PATRON_OK && tz &&
      (!json_is_string(tz) ||
       !patron_parse_tz(json_string_value(tz), json_string_length(tz), &r->tz_minutes)))
    st = bad(p, "timezone", "expected an offset such as \"+08:00\"");
  if (st == PATRON_OK)
    st = parse_quiet(p, json_object_get(root, "quiet_hours"), r);
  if (st == PATRON_OK)
    st = parse_caps(p, json_object_get(root, "caps"), r);
  json_t *rules = json_object_get(root, "rules");
  if (st == PATRON_OK && !json_is_array(rules))
    st = bad(p, "rules", "missing (expected an array of rules)");
  if (st != PATRON_OK)
    return st;
  r->rules = calloc(json_array_size(rules) + 1, sizeof *r->rules);
  if (!r->rules)
    return PATRON__OOM(p->err);
  for (size_t i = 0; st == PATRON_OK && i < json_array_size(rules); i++) {
    st = parse_rule(p, json_array_get(rules, i), i, &r->rules[r->n_rules++]);
    for (size_t j = 0; st == PATRON_OK && j + 1 < r->n_rules; j++)
      if (strcmp(r->rules[j].name, r->rules[i].name) == 0) {
        char path[48];
        snprintf(path, sizeof path, "rules[%zu].name", i);
        st = bad(p, path, "a rule of that name already exists");
      }
  }
  return st;
}

patron_status patron_trigger_rules_parse(const char *text, size_t len, const char *file,
                                         patron_trigger_rules **out, patron_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, file, (uint64_t)(je.line > 0 ? je.line : 0),
                             (uint32_t)(je.column > 0 ? je.column : 0), "%s (column %d)", je.text,
                             je.column);
  patron_trigger_rules *r = calloc(1, sizeof *r);
  parser p = {file, err};
  patron_status st = r ? parse_top(&p, root, r) : PATRON__OOM(err);
  json_decref(root);
  if (st != PATRON_OK) {
    patron_trigger_rules_free(r);
    return st;
  }
  *out = r;
  return PATRON_OK;
}

patron_status patron_trigger_rules_load(const char *path, patron_trigger_rules **out,
                                        patron_error *err) {
  *out = NULL;
  char *buf = NULL;
  size_t len = 0;
  patron_status st = patron__read_file(path, PATRON__RULES_FILE_MAX, &buf, &len, err);
  if (st == PATRON_OK)
    st = patron_trigger_rules_parse(buf, len, path, out, err);
  free(buf);
  return st;
}

/* The seeds' rules (docs/TRIGGERS.md): each a working example on `patron demo` data. */
const char *patron_trigger_rules_example(void) {
  return "{\n"
         "  \"timezone\": \"+08:00\",\n"
         "  \"quiet_hours\": { \"start\": \"21:00\", \"end\": \"09:00\" },\n"
         "  \"caps\": { \"sms\": { \"max\": 2, \"days\": 7 }, \"wechat\": { \"max\": 3, "
         "\"days\": 7 } },\n"
         "  \"rules\": [\n"
         "    { \"name\": \"browse_no_buy\", \"where\": \"items_viewed_unbought(7, 5) >= 1\",\n"
         "      \"campaign\": \"browse_coupon\", \"channel\": \"sms\", \"priority\": 10,\n"
         "      \"cooldown_days\": 14, \"holdout_percent\": 10, \"recommend\": 3, \"enabled\": "
         "true },\n"
         "    { \"name\": \"cart_abandoned\", \"where\": \"cart_abandoned(24)\",\n"
         "      \"campaign\": \"cart_reminder\", \"channel\": \"wechat\", \"priority\": 20,\n"
         "      \"cooldown_days\": 3, \"holdout_percent\": 10, \"enabled\": true },\n"
         "    { \"name\": \"tier_downgrade_warning\", \"where\": \"level_warning = "
         "'downgrade_risk'\",\n"
         "      \"campaign\": \"keep_your_level\", \"channel\": \"sms\", \"priority\": 15,\n"
         "      \"cooldown_days\": 30, \"holdout_percent\": 10, \"enabled\": true },\n"
         "    { \"name\": \"inactive_90_days\",\n"
         "      \"where\": \"recency_days > 90 and events('visit', 90) = 0 and events('view', "
         "90) = 0\",\n"
         "      \"campaign\": \"we_miss_you\", \"channel\": \"email\", \"priority\": 5,\n"
         "      \"cooldown_days\": 30, \"holdout_percent\": 10, \"enabled\": true },\n"
         "    { \"name\": \"repurchase_due\", \"where\": \"repurchase_status = 'due'\",\n"
         "      \"campaign\": \"replenish_reminder\", \"channel\": \"wechat\", \"priority\": "
         "12,\n"
         "      \"cooldown_days\": 14, \"holdout_percent\": 10, \"enabled\": true },\n"
         "    { \"name\": \"birthday\", \"where\": \"days_to_birthday() = 0\",\n"
         "      \"campaign\": \"birthday_gift\", \"channel\": \"sms\", \"priority\": 30,\n"
         "      \"cooldown_days\": 300, \"holdout_percent\": 0, \"enabled\": true },\n"
         "    { \"name\": \"dormant_winback\", \"where\": \"lifecycle = 'dormant' and "
         "monetary >= 500\",\n"
         "      \"campaign\": \"winback_coupon\", \"channel\": \"edm\", \"priority\": 8,\n"
         "      \"cooldown_days\": 60, \"holdout_percent\": 20, \"enabled\": true }\n"
         "  ]\n"
         "}\n";
}
