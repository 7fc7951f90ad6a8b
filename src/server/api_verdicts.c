/* Experiment verdicts over HTTP (SPEC section 12, for the dashboard's experiments page):
 * GET /experiments/{name}?start=D[&window=N&alpha=A&min_lift=L] adds to the arms the
 * evaluation `patron experiment evaluate --db STORE --name NAME --start D` computes (the rows
 * of results.csv, per arm and metric, with their verdicts), and GET /rules?as_of=D[&window=N]
 * evaluates every trigger rule of `serve --rules FILE` as `experiment evaluate --rules`
 * does (treatment against holdout from the store's action log, one verdict per rule, the
 * rule's state). Both need the orders in memory (serve INPUTS) and the store. */
#include "patron/experiment_rules.h"
#include "server_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *row_json(const patron_evaluation *e, const patron_result_row *r) {
  const patron_comparison *c = &r->c;
  json_t *o = json_pack("{s:s,s:s,s:I,s:I}", "metric", patron_metric_name(r->metric), "arm",
                        e->arms.names[r->arm], "n", (json_int_t)r->n, "control_n",
                        (json_int_t)r->control_n);
  const char *keys[] = {"value",    "control_value", "diff",    "diff_low",   "diff_high", "lift",
                        "lift_low", "lift_high",     "p_value", "p_adjusted", "srm_p"};
  const double vals[] = {c->value,     c->control_value, c->diff,     c->diff_low,
                         c->diff_high, c->lift,          c->lift_low, c->lift_high,
                         c->p_value,   r->p_adjusted,    r->srm_p};
  for (size_t i = 0; o && i < sizeof keys / sizeof *keys; i++)
    json_object_set_new(o, keys[i], num(vals[i]));
  json_object_set_new(o, "verdict", json_string(patron_verdict_name(r->verdict)));
  return o;
}

static json_t *results_json(const patron_evaluation *e) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < e->n_rows; i++)
    json_array_append_new(a, row_json(e, &e->rows[i]));
  return a;
}

/* The latest served dataset (orders in memory), or NULL. */
static const patron_dataset *served_orders(const patron_server *s) {
  for (size_t i = s->n_snaps; i-- > 0;)
    if (s->snaps[i].s.ds)
      return s->snaps[i].s.ds;
  return NULL;
}

static bool query_double(const srv_request *rq, srv_answer *an, const char *key, double min,
                         double max, double *out) {
  const char *v = srv_query(rq, key);
  if (!v)
    return true;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (!*v || *end || errno || !(x > min && x < max))
    return srv_error(an, 400, "bad_request", "%s must be a number between %g and %g", key, min,
                     max),
           false;
  *out = x;
  return true;
}

/* Evaluation options from the query (start required under `start_key`); false with a 400. */
static bool eval_options(const srv_request *rq, srv_answer *an, const char *start_key,
                         patron_eval_options *o) {
  patron_eval_options_init(o);
  const char *start = srv_query(rq, start_key);
  long window = 30;
  if (!start || patron_parse_day(start, strlen(start), &o->start_day) != PATRON_OK)
    return srv_error(an, 400, "bad_request", "%s must be a date YYYY-MM-DD", start_key), false;
  if (!srv_query_long(rq, an, "window", 1, 3650, &window) ||
      !query_double(rq, an, "alpha", 0, 1, &o->alpha) ||
      !query_double(rq, an, "min_lift", -1, 100, &o->min_lift))
    return false;
  o->window_days = (int)window;
  return true;
}

json_t *srv_experiment_results(patron_server *s, const srv_request *rq, srv_answer *an) {
  const patron_dataset *ds = served_orders(s);
  patron_eval_options o;
  if (!eval_options(rq, an, "start", &o))
    return NULL;
  if (!ds)
    return srv_error(an, 404, "not_found", "verdicts need the orders: serve INPUTS with --db"),
           NULL;
  patron_assignments *a = NULL;
  patron_evaluation *e = NULL;
  patron_error err = {0};
  pthread_mutex_lock(&s->store_lock);
  patron_status st = patron_assignments_store_get(s->o.store, rq->path_param, &a, &err);
  pthread_mutex_unlock(&s->store_lock);
  if (st == PATRON_OK)
    st = patron_experiment_evaluate(a, ds, &o, &e, &err);
  json_t *out = NULL;
  if (st == PATRON_OK)
    out = json_pack("{s:o,s:I,s:f,s:o}", "start", json_string(srv_query(rq, "start")), "window",
                    (json_int_t)o.window_days, "min_lift", o.min_lift, "results", results_json(e));
  else
    srv_error(an, st == PATRON_ERR_NOMEM ? 500 : 400,
              st == PATRON_ERR_NOMEM ? "internal" : "bad_request", "%s", err.message);
  patron_evaluation_free(e);
  patron_assignments_free(a);
  return out;
}

static json_t *rule_json(patron_server *s, const patron_rule_experiment *r) {
  char reason[256] = "";
  bool enabled = true;
  patron_error err = {0};
  patron_store_rule_get(s->o.store, r->rule, &enabled, reason, sizeof reason, &err);
  json_t *o = json_pack("{s:s,s:b,s:s,s:I,s:I,s:I,s:s}", "rule", r->rule, "enabled", enabled,
                        "reason", reason, "customers", (json_int_t)r->customers, "treatment",
                        (json_int_t)r->treatment, "holdout", (json_int_t)r->holdout, "verdict",
                        patron_verdict_name(r->verdict));
  json_object_set_new(o, "results", r->e ? results_json(r->e) : json_array());
  return o;
}

void srv_rules(patron_server *s, const srv_request *rq, srv_answer *an) {
  if (!s->o.store || !s->o.rules)
    return srv_error(an, 404, "not_found", "no trigger rules: serve a store (--db) with --rules");
  const patron_dataset *ds = served_orders(s);
  if (!ds)
    return srv_error(an, 404, "not_found", "rule verdicts need the orders: serve INPUTS");
  if (!s->n_snaps)
    return srv_error(an, 404, "not_found", "no snapshot");
  patron_eval_options o;
  char day[16];
  day[patron_format_day(s->snaps[s->n_snaps - 1].s.as_of, day)] = '\0';
  srv_request q = *rq; /* as_of defaults to the latest snapshot's */
  if (!srv_query(rq, "as_of") && q.n_query < SRV_MAX_PARAMS)
    q.query[q.n_query++] = (srv_param){"as_of", day};
  if (!eval_options(&q, an, "as_of", &o))
    return;
  day[patron_format_day(o.start_day, day)] = '\0';
  patron_rule_experiment *r = NULL;
  size_t n = 0;
  patron_error err = {0};
  pthread_mutex_lock(&s->store_lock);
  patron_status st = patron_experiment_rules(s->o.rules, s->o.store, ds,
                                             (int64_t)o.start_day * 86400, &o, &r, &n, &err);
  json_t *rules = json_array();
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    json_array_append_new(rules, rule_json(s, &r[i]));
  pthread_mutex_unlock(&s->store_lock);
  patron_rule_experiments_free(r, n);
  if (st != PATRON_OK) {
    json_decref(rules);
    return srv_error(an, 500, "internal", "%s", err.message);
  }
  srv_json(an, 200,
           json_pack("{s:s,s:I,s:o}", "as_of", day, "window", (json_int_t)o.window_days, "rules",
                     rules));
}
