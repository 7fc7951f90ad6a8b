/* Endpoints over the store (SPEC sections 11, 12, 14): GET /actions?rule=R&since=D (the
 * trigger action log, oldest first, at most `limit` rows) and GET /experiments/{name} (the
 * experiment's assignments counted per arm, with ?start= its evaluation: api_verdicts.c).
 * One request at a time uses the store. */
#include "patron/store.h"
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct actions_ctx {
  const char *rule;
  json_t *rows;
  size_t matched, limit;
} actions_ctx;

static json_t *time_json(int64_t t) {
  char buf[32];
  size_t n = patron_format_day((int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400)), buf);
  int64_t s = ((t % 86400) + 86400) % 86400;
  snprintf(buf + n, sizeof buf - n, "T%02d:%02d:%02dZ", (int)(s / 3600), (int)(s / 60 % 60),
           (int)(s % 60));
  return json_string(buf);
}

static bool on_action(void *ctx, const patron_action *a) {
  actions_ctx *c = ctx;
  if (c->rule && *c->rule && strcmp(c->rule, a->rule) != 0)
    return true;
  if (c->matched++ < c->limit)
    json_array_append_new(
        c->rows, json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:b,s:o,s:o}", "action_id", a->action_id, "rule",
                           a->rule, "campaign", a->campaign, "channel", a->channel, "customer_id",
                           a->customer_id, "holdout", a->holdout, "fired_at",
                           time_json(a->fired_at), "send_at", time_json(a->send_at)));
  return true;
}

void srv_actions(patron_server *s, const srv_request *rq, srv_answer *an) {
  if (!s->o.store)
    return srv_error(an, 404, "not_found", "no action log: serve a store (--db)");
  long limit = 1000;
  if (!srv_query_long(rq, an, "limit", 0, 100000, &limit))
    return;
  int32_t since = 0;
  const char *v = srv_query(rq, "since");
  if (v && *v && patron_parse_day(v, strlen(v), &since) != PATRON_OK)
    return srv_error(an, 400, "bad_request", "since must be a date YYYY-MM-DD");
  actions_ctx c = {srv_query(rq, "rule"), json_array(), 0, (size_t)limit};
  patron_error err = {0};
  pthread_mutex_lock(&s->store_lock);
  patron_status st = patron_store_actions_between(s->o.store, (int64_t)since * 86400, INT64_MAX,
                                                  on_action, &c, &err);
  pthread_mutex_unlock(&s->store_lock);
  if (st != PATRON_OK) {
    json_decref(c.rows);
    return srv_error(an, 500, "internal", "%s", err.message);
  }
  srv_json(an, 200, json_pack("{s:I,s:o}", "count", (json_int_t)c.matched, "actions", c.rows));
}

typedef struct arms_ctx {
  json_t *arms; /* arm -> customers */
  char salt[128];
  size_t n;
} arms_ctx;

static bool on_assignment(void *ctx, const patron_assignment *a) {
  arms_ctx *c = ctx;
  json_t *n = json_object_get(c->arms, a->arm);
  json_object_set_new(c->arms, a->arm, json_integer(n ? json_integer_value(n) + 1 : 1));
  if (!c->n++)
    snprintf(c->salt, sizeof c->salt, "%s", a->salt ? a->salt : "");
  return true;
}

void srv_experiment(patron_server *s, const srv_request *rq, srv_answer *an) {
  if (!s->o.store)
    return srv_error(an, 404, "not_found", "no such experiment: serve a store (--db)");
  arms_ctx c = {.arms = json_object()};
  patron_error err = {0};
  pthread_mutex_lock(&s->store_lock);
  patron_status st = patron_store_assignments(s->o.store, rq->path_param, on_assignment, &c, &err);
  pthread_mutex_unlock(&s->store_lock);
  if (st != PATRON_OK || !c.n) {
    json_decref(c.arms);
    return st != PATRON_OK ? srv_error(an, 500, "internal", "%s", err.message)
                           : srv_error(an, 404, "not_found", "no such experiment");
  }
  json_t *evaluation = NULL;
  if (srv_query(rq, "start") && !(evaluation = srv_experiment_results(s, rq, an)))
    return json_decref(c.arms);
  json_t *o = json_pack("{s:s,s:s,s:I,s:o}", "name", rq->path_param, "salt", c.salt, "customers",
                        (json_int_t)c.n, "arms", c.arms);
  if (evaluation)
    json_object_set_new(o, "evaluation", evaluation);
  srv_json(an, 200, o);
}
