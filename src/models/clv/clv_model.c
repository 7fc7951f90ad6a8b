/* The fitted CLV model record: names, accessors, construction from known parameters and
 * JSON (de)serialization with a schema version (jansson). */
#include "models/clv/clv_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLV_SCHEMA "patron.clv.model"
enum { CLV_SCHEMA_VERSION = 1 };

static const char *const KIND_NAMES[] = {"bgnbd", "mbgnbd", "paretonbd", "gammagamma", "bgbb"};
static const char *const PARAM_NAMES[][PATRON_CLV_MAX_PARAMS] = {
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "s", "beta"},
    {"p", "q", "gamma", NULL},
    {"alpha", "beta", "gamma", "delta"}};

static bool kind_ok(patron_clv_kind kind) { return (unsigned)kind <= (unsigned)PATRON_CLV_BGBB; }

size_t patron_clv_n_params(patron_clv_kind kind) {
  if (!kind_ok(kind))
    return 0;
  return kind == PATRON_CLV_GAMMAGAMMA ? 3 : 4;
}

const char *patron_clv_param_name(patron_clv_kind kind, size_t i) {
  return i < patron_clv_n_params(kind) ? PARAM_NAMES[kind][i] : NULL;
}

const char *patron_clv_kind_name(patron_clv_kind kind) {
  return kind_ok(kind) ? KIND_NAMES[kind] : "unknown";
}

bool patron_clv_kind_parse(const char *name, patron_clv_kind *kind) {
  for (int k = 0; k <= PATRON_CLV_BGBB; k++)
    if (name && strcmp(name, KIND_NAMES[k]) == 0) {
      *kind = (patron_clv_kind)k;
      return true;
    }
  return false;
}

patron_status patron_clv_model_new(patron_clv_kind kind, const double *params,
                                   patron_clv_model **out, patron_error *err) {
  *out = NULL;
  if (!kind_ok(kind) || !params)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "unknown CLV model kind");
  for (size_t j = 0; j < patron_clv_n_params(kind); j++)
    if (!(params[j] > 0 && isfinite(params[j])))
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "%s parameter %s must be a finite number > 0", KIND_NAMES[kind],
                               PARAM_NAMES[kind][j]);
  patron_clv_model *m = calloc(1, sizeof *m);
  if (!m)
    return PATRON__OOM(err);
  m->kind = kind;
  memcpy(m->theta, params, patron_clv_n_params(kind) * sizeof *params);
  *out = m;
  return PATRON_OK;
}

void patron_clv_model_free(patron_clv_model *m) { free(m); }

patron_clv_model *patron__clv_model_clone(const patron_clv_model *m) {
  patron_clv_model *c = malloc(sizeof *c);
  return c ? memcpy(c, m, sizeof *c) : NULL;
}

patron_clv_kind patron_clv_model_kind(const patron_clv_model *m) { return m->kind; }

double patron_clv_model_param(const patron_clv_model *m, size_t i) {
  return i < patron_clv_n_params(m->kind) ? m->theta[i] : 0;
}

double patron_clv_model_se(const patron_clv_model *m, size_t i) {
  return i < patron_clv_n_params(m->kind) ? m->se[i] : 0;
}

double patron_clv_model_log_likelihood(const patron_clv_model *m) { return m->ll; }
int patron_clv_model_iterations(const patron_clv_model *m) { return m->iterations; }
bool patron_clv_model_converged(const patron_clv_model *m) { return m->converged; }
double patron_clv_model_n_customers(const patron_clv_model *m) { return m->n_customers; }
double patron_clv_model_spend_correlation(const patron_clv_model *m) { return m->spend_corr; }

const char *patron_clv_model_warning(const patron_clv_model *m) {
  return m->warning[0] ? m->warning : NULL;
}

static json_t *param_object(const patron_clv_model *m, const double *v) {
  json_t *o = json_object();
  for (size_t j = 0; o && j < patron_clv_n_params(m->kind); j++)
    json_object_set_new(o, PARAM_NAMES[m->kind][j], isfinite(v[j]) ? json_real(v[j]) : json_null());
  return o;
}

static json_t *model_json(const patron_clv_model *m) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_object_set_new(o, "schema", json_string(CLV_SCHEMA));
  json_object_set_new(o, "schema_version", json_integer(CLV_SCHEMA_VERSION));
  json_object_set_new(o, "model", json_string(KIND_NAMES[m->kind]));
  json_object_set_new(o, "params", param_object(m, m->theta));
  json_object_set_new(o, "std_errors", param_object(m, m->se));
  json_object_set_new(o, "log_likelihood", json_real(m->ll));
  json_object_set_new(o, "n_customers", json_real(m->n_customers));
  json_object_set_new(o, "penalizer", json_real(m->penalizer));
  json_object_set_new(o, "iterations", json_integer(m->iterations));
  json_object_set_new(o, "converged", json_boolean(m->converged));
  if (m->kind == PATRON_CLV_GAMMAGAMMA)
    json_object_set_new(o, "spend_correlation", json_real(m->spend_corr));
  if (m->warning[0])
    json_object_set_new(o, "warning", json_string(m->warning));
  return o;
}

static char *dump(json_t *o) {
  char *text =
      o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(o);
  return text;
}

char *patron_clv_model_to_json(const patron_clv_model *m) { return dump(model_json(m)); }

static double num(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : 0;
}

static patron_status read_params(json_t *root, const char *key, patron_clv_kind kind, double *v,
                                 bool required, patron_error *err) {
  json_t *o = json_object_get(root, key);
  for (size_t j = 0; j < patron_clv_n_params(kind); j++) {
    json_t *x = o ? json_object_get(o, PARAM_NAMES[kind][j]) : NULL;
    if (!json_is_number(x) && required)
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                               "CLV model JSON: %s.%s missing or not a number", key,
                               PARAM_NAMES[kind][j]);
    v[j] = json_is_number(x) ? json_number_value(x) : required ? 0 : NAN;
  }
  return PATRON_OK;
}

static patron_status from_root(json_t *root, patron_clv_model **out, patron_error *err) {
  json_t *schema = json_object_get(root, "schema");
  json_t *ver = json_object_get(root, "schema_version");
  if (!json_is_string(schema) || strcmp(json_string_value(schema), CLV_SCHEMA) != 0)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "not a CLV model (schema is not \"" CLV_SCHEMA "\")");
  if (!json_is_integer(ver) || json_integer_value(ver) != CLV_SCHEMA_VERSION)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "CLV model schema_version must be %d", CLV_SCHEMA_VERSION);
  patron_clv_kind kind;
  if (!patron_clv_kind_parse(json_string_value(json_object_get(root, "model")), &kind))
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "CLV model JSON: unknown \"model\"");
  double theta[PATRON_CLV_MAX_PARAMS] = {0}, se[PATRON_CLV_MAX_PARAMS] = {0};
  patron_status st = read_params(root, "params", kind, theta, true, err);
  if (st == PATRON_OK)
    st = read_params(root, "std_errors", kind, se, false, err);
  if (st == PATRON_OK)
    st = patron_clv_model_new(kind, theta, out, err);
  if (st != PATRON_OK)
    return st == PATRON_ERR_USAGE ? PATRON_ERR_INPUT : st;
  patron_clv_model *m = *out;
  memcpy(m->se, se, sizeof se);
  m->ll = num(root, "log_likelihood");
  m->n_customers = num(root, "n_customers");
  m->penalizer = num(root, "penalizer");
  m->spend_corr = num(root, "spend_correlation");
  m->iterations = (int)json_integer_value(json_object_get(root, "iterations"));
  m->converged = json_is_true(json_object_get(root, "converged"));
  const char *w = json_string_value(json_object_get(root, "warning"));
  if (w)
    snprintf(m->warning, sizeof m->warning, "%s", w);
  return PATRON_OK;
}

patron_status patron_clv_model_from_json(const char *text, patron_clv_model **out,
                                         patron_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = text ? json_loads(text, 0, &je) : NULL;
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, text ? (uint64_t)je.line : 0,
                             text ? (uint32_t)je.column : 0, "CLV model JSON: %s",
                             text ? je.text : "no text");
  patron_status st = json_is_object(root) ? from_root(root, out, err)
                                          : patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                                                              "CLV model JSON must be an object");
  json_decref(root);
  return st;
}

/* ---- model.json of `patron clv fit`: a purchase model, an optional spend model, units --- */

#define CLV_FIT_SCHEMA "patron.clv.fit"

char *patron_clv_fit_to_json(const patron_clv_model *purchases, const patron_clv_model *spend,
                             double unit_days, int32_t calibration_end) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  char day[16];
  json_object_set_new(o, "schema", json_string(CLV_FIT_SCHEMA));
  json_object_set_new(o, "schema_version", json_integer(CLV_SCHEMA_VERSION));
  json_object_set_new(o, "unit_days", json_real(unit_days));
  if (calibration_end != PATRON_NO_DAY)
    patron_format_day(calibration_end, day);
  json_object_set_new(o, "calibration_end",
                      calibration_end != PATRON_NO_DAY ? json_string(day) : json_null());
  json_object_set_new(o, "purchases", model_json(purchases));
  json_object_set_new(o, "spend", spend ? model_json(spend) : json_null());
  return dump(o);
}

static patron_status fit_from_root(json_t *root, patron_clv_model **purchases,
                                   patron_clv_model **spend, double *unit_days, patron_error *err) {
  json_t *ver = json_object_get(root, "schema_version");
  if (!json_is_integer(ver) || json_integer_value(ver) != CLV_SCHEMA_VERSION)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "CLV fit schema_version must be %d",
                             CLV_SCHEMA_VERSION);
  json_t *u = json_object_get(root, "unit_days"), *p = json_object_get(root, "purchases");
  json_t *sp = json_object_get(root, "spend");
  *unit_days = json_is_number(u) ? json_number_value(u) : 0;
  if (!(*unit_days > 0 && *unit_days <= 366) || !json_is_object(p))
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "CLV fit JSON needs unit_days in (0, 366] and a \"purchases\" model");
  patron_status st = from_root(p, purchases, err);
  if (st == PATRON_OK && json_is_object(sp))
    st = from_root(sp, spend, err);
  if (st == PATRON_OK && (*purchases)->kind == PATRON_CLV_GAMMAGAMMA)
    st = patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "CLV fit JSON: \"purchases\" must be a purchase model");
  if (st == PATRON_OK && *spend && (*spend)->kind != PATRON_CLV_GAMMAGAMMA)
    st = patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "CLV fit JSON: \"spend\" must be a Gamma-Gamma model");
  return st;
}

patron_status patron_clv_fit_from_json(const char *text, patron_clv_model **purchases,
                                       patron_clv_model **spend, double *unit_days,
                                       patron_error *err) {
  *purchases = *spend = NULL;
  *unit_days = 1;
  json_error_t je;
  json_t *root = text ? json_loads(text, 0, &je) : NULL;
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, text ? (uint64_t)je.line : 0,
                             text ? (uint32_t)je.column : 0, "CLV model JSON: %s",
                             text ? je.text : "no text");
  json_t *schema = json_object_get(root, "schema");
  patron_status st;
  if (json_is_string(schema) && strcmp(json_string_value(schema), CLV_FIT_SCHEMA) == 0)
    st = fit_from_root(root, purchases, spend, unit_days, err);
  else if (json_is_object(root))
    st = from_root(root, purchases, err);
  else
    st = patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "CLV model JSON must be an object");
  if (st == PATRON_OK && (*purchases)->kind == PATRON_CLV_GAMMAGAMMA)
    st = patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "a Gamma-Gamma model alone cannot predict purchases");
  json_decref(root);
  if (st != PATRON_OK) {
    patron_clv_model_free(*purchases), patron_clv_model_free(*spend);
    *purchases = *spend = NULL;
  }
  return st;
}
