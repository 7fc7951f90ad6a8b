/* Alert rules of monitoring (SPEC section 13): {"alerts": [{"metric": ..., "min": ...,
 * "max": ..., "max_change": ...}]}, parsed with jansson; strict (unknown keys, wrong types
 * and empty rules are errors naming the file and the rule) because a silently ignored rule
 * is an alert that never fires. Also the default rules. */
#include "io/files.h"
#include "ops/monitor_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_MAX_BYTES (1u << 20)
#define RULES_MAX_COUNT 10000

void patron_alert_rules_free(patron_alert_rules *rules) {
  if (!rules)
    return;
  for (size_t i = 0; i < rules->n; i++)
    free(rules->items[i].metric);
  free(rules->items);
  free(rules);
}

size_t patron_alert_rules_count(const patron_alert_rules *rules) { return rules->n; }

static bool add_rule(patron_alert_rules *r, const char *metric, double min, double max,
                     double change) {
  if (!patron__reserve((void **)&r->items, &r->cap, r->n + 1, sizeof *r->items))
    return false;
  char *name = strdup(metric);
  if (!name)
    return false;
  r->items[r->n++] = (patron__alert_rule){name, min, max, change};
  return true;
}

static patron_status rule_error(const char *source, size_t i, const char *why, patron_error *err) {
  return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0, "alerts[%zu]: %s", i, why);
}

/* A number field of rule i into *out (NaN when absent). */
static patron_status number_field(json_t *rule, const char *key, const char *source, size_t i,
                                  double *out, patron_error *err) {
  json_t *v = json_object_get(rule, key);
  *out = NAN;
  if (!v)
    return PATRON_OK;
  if (!json_is_number(v) || !isfinite(json_number_value(v)))
    return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0,
                             "alerts[%zu]: \"%s\" must be a number", i, key);
  *out = json_number_value(v);
  return PATRON_OK;
}

static patron_status parse_rule(json_t *rule, const char *source, size_t i, patron_alert_rules *out,
                                patron_error *err) {
  if (!json_is_object(rule))
    return rule_error(source, i, "a rule must be an object", err);
  const char *key;
  json_t *value;
  json_object_foreach(rule, key, value) {
    if (strcmp(key, "metric") && strcmp(key, "min") && strcmp(key, "max") &&
        strcmp(key, "max_change"))
      return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0,
                               "alerts[%zu]: unknown key \"%.64s\" (expected metric, min, max, "
                               "max_change)",
                               i, key);
  }
  json_t *metric = json_object_get(rule, "metric");
  if (!json_is_string(metric) || json_string_length(metric) == 0 ||
      strlen(json_string_value(metric)) != json_string_length(metric))
    return rule_error(source, i, "\"metric\" must be a non-empty string", err);
  double min, max, change;
  patron_status st = number_field(rule, "min", source, i, &min, err);
  if (st == PATRON_OK)
    st = number_field(rule, "max", source, i, &max, err);
  if (st == PATRON_OK)
    st = number_field(rule, "max_change", source, i, &change, err);
  if (st != PATRON_OK)
    return st;
  if (isnan(min) && isnan(max) && isnan(change))
    return rule_error(source, i, "a rule needs min, max or max_change", err);
  if (!isnan(change) && change < 0)
    return rule_error(source, i, "\"max_change\" must be >= 0", err);
  if (!add_rule(out, json_string_value(metric), min, max, change))
    return PATRON__OOM(err);
  return PATRON_OK;
}

static patron_status parse_root(json_t *root, const char *source, patron_alert_rules *out,
                                patron_error *err) {
  if (!json_is_object(root))
    return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0,
                             "expected an object {\"alerts\": [...]}");
  const char *key;
  json_t *value;
  json_object_foreach(root, key, value) {
    if (strcmp(key, "alerts"))
      return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0,
                               "unknown key \"%.64s\" (expected \"alerts\")", key);
  }
  json_t *alerts = json_object_get(root, "alerts");
  if (!json_is_array(alerts))
    return patron__error_set(err, PATRON_ERR_INPUT, source, 0, 0,
                             "\"alerts\" must be an array of rules");
  if (json_array_size(alerts) > RULES_MAX_COUNT)
    return patron__error_set(err, PATRON_ERR_LIMIT, source, 0, 0, "more than %d alert rules",
                             RULES_MAX_COUNT);
  patron_status st = PATRON_OK;
  for (size_t i = 0; i < json_array_size(alerts) && st == PATRON_OK; i++)
    st = parse_rule(json_array_get(alerts, i), source, i, out, err);
  return st;
}

patron_status patron_alert_rules_parse(const char *text, size_t len, const char *source,
                                       patron_alert_rules **out, patron_error *err) {
  if (len > RULES_MAX_BYTES)
    return patron__error_set(err, PATRON_ERR_LIMIT, source, 0, 0,
                             "alert rules larger than %u bytes", RULES_MAX_BYTES);
  json_error_t jerr;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return patron__error_set(
        err, PATRON_ERR_INPUT, source, (uint64_t)(jerr.line > 0 ? jerr.line : 0),
        (uint32_t)(jerr.column > 0 ? jerr.column : 0), "invalid JSON: %s", jerr.text);
  patron_alert_rules *r = calloc(1, sizeof *r);
  patron_status st = r ? parse_root(root, source, r, err) : PATRON__OOM(err);
  json_decref(root);
  if (st != PATRON_OK) {
    patron_alert_rules_free(r);
    return st;
  }
  *out = r;
  return PATRON_OK;
}

patron_status patron_alert_rules_read(const char *path, patron_alert_rules **out,
                                      patron_error *err) {
  char *buf = NULL;
  size_t n = 0;
  patron_status st = patron__read_file(path, RULES_MAX_BYTES, &buf, &n, err);
  if (st == PATRON_OK)
    st = patron_alert_rules_parse(buf, n, path, out, err);
  free(buf);
  return st;
}

patron_status patron_alert_rules_default(patron_alert_rules **out, patron_error *err) {
  patron_alert_rules *r = calloc(1, sizeof *r);
  if (!r || !add_rule(r, "*", NAN, NAN, 0.2) || !add_rule(r, "reject_rate", NAN, 0.05, NAN)) {
    patron_alert_rules_free(r);
    return PATRON__OOM(err);
  }
  *out = r;
  return PATRON_OK;
}
