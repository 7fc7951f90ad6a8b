/* The route table of the API (SPEC section 14): method, path pattern (a trailing "{param}"
 * matches one non-empty segment, and may be followed by a fixed rest such as "/orders"), the least
 * role allowed, the handler. One function takes a raw request through parsing, authentication, the
 * role check and the handler. */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct srv_route {
  const char *method, *pattern;
  srv_role role; /* SRV_ROLE_NONE: no token needed */
  srv_handler *handler;
} srv_route;

static const srv_route ROUTES[] = {
    {"GET", "/", SRV_ROLE_NONE, srv_asset_index},
    {"GET", "/assets/{name}", SRV_ROLE_NONE, srv_asset},
    {"GET", "/api/v1/health", SRV_ROLE_NONE, srv_health},
    {"GET", "/api/v1/openapi.json", SRV_ROLE_NONE, srv_openapi},
    {"GET", "/api/v1/snapshots", SRV_ROLE_VIEWER, srv_snapshots},
    {"GET", "/api/v1/segments", SRV_ROLE_VIEWER, srv_segments},
    {"GET", "/api/v1/report", SRV_ROLE_VIEWER, srv_report},
    {"GET", "/api/v1/customers/{id}", SRV_ROLE_VIEWER, srv_customer},
    {"GET", "/api/v1/customers/{id}/orders", SRV_ROLE_VIEWER, srv_customer_orders},
    {"GET", "/api/v1/customers", SRV_ROLE_ANALYST, srv_customers},
    {"POST", "/api/v1/audiences", SRV_ROLE_ANALYST, srv_audiences},
    {"GET", "/api/v1/movements", SRV_ROLE_VIEWER, srv_movements},
    {"GET", "/api/v1/actions", SRV_ROLE_VIEWER, srv_actions},
    {"GET", "/api/v1/experiments/{name}", SRV_ROLE_VIEWER, srv_experiment},
    {"GET", "/api/v1/rules", SRV_ROLE_VIEWER, srv_rules},
};

/* Whether path matches pattern; the {param} segment's start and length into *param, *len. */
static bool match(const char *pattern, const char *path, const char **param, size_t *len) {
  const char *brace = strchr(pattern, '{');
  if (!brace)
    return strcmp(pattern, path) == 0;
  size_t prefix = (size_t)(brace - pattern);
  if (strncmp(pattern, path, prefix) != 0)
    return false;
  const char *rest = path + prefix, *suffix = strchr(brace, '}') + 1;
  size_t seg = strcspn(rest, "/");
  if (!seg || strcmp(rest + seg, suffix) != 0)
    return false;
  *param = rest;
  *len = seg;
  return true;
}

void srv_dispatch(patron_server *s, srv_request *rq, srv_answer *an) {
  bool path_known = false;
  for (size_t i = 0; i < sizeof ROUTES / sizeof *ROUTES; i++) {
    const srv_route *r = &ROUTES[i];
    const char *param = NULL;
    size_t param_len = 0;
    if (!match(r->pattern, rq->path, &param, &param_len))
      continue;
    path_known = true;
    if (strcmp(r->method, rq->method) != 0 &&
        !(strcmp(rq->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0))
      continue;
    if (r->role != SRV_ROLE_NONE && rq->role == SRV_ROLE_NONE)
      return srv_error(an, 401, "unauthorized", "a valid 'Authorization: Bearer TOKEN' is needed");
    if (rq->role < r->role)
      return srv_error(an, 403, "forbidden", "role %s may not use this endpoint (needs %s)",
                       srv_role_name(rq->role), srv_role_name(r->role));
    if (param)
      srv_decode_param(rq, param, param_len);
    r->handler(s, rq, an);
    return;
  }
  if (path_known)
    return srv_error(an, 405, "method_not_allowed", "method %s is not allowed here", rq->method);
  srv_error(an, 404, "not_found", "no such endpoint");
}

void srv_handle(patron_server *s, const char *method, const char *uri, const char *authorization,
                const char *body, size_t body_len, srv_answer *an, const char **token_name) {
  srv_request rq; /* ~33 KB on the thread's stack; only the fields below need values */
  const char *why = NULL;
  *token_name = "-";
  rq.method = method;
  rq.body = body;
  rq.body_len = body_len;
  rq.path_param = NULL;
  rq.role = SRV_ROLE_NONE;
  rq.token_name = NULL;
  const srv_token *t = srv_authenticate(s, authorization);
  if (t) {
    rq.role = t->role;
    rq.token_name = *token_name = t->name;
  }
  if (!srv_parse_target(&rq, uri, &why))
    srv_error(an, 400, "bad_request", "%s", why);
  else
    srv_dispatch(s, &rq, an);
}

int patron_server_handle(patron_server *s, const char *method, const char *uri,
                         const char *authorization, const char *body, size_t body_len,
                         char **out_body, size_t *out_len, const char **content_type) {
  srv_answer an = {0};
  const char *name;
  srv_handle(s, method, uri, authorization, body, body_len, &an, &name);
  *out_body = malloc(an.len + 1);
  if (*out_body) {
    memcpy(*out_body, an.body, an.len);
    (*out_body)[an.len] = '\0';
  }
  *out_len = an.len;
  *content_type = an.content_type;
  if (!an.is_static)
    free(an.body);
  return an.status;
}
