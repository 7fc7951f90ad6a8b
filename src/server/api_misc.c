/* The other endpoints: health, OpenAPI description, snapshots, segments, the report's
 * figures (for the dashboard's overview), movements, and the dashboard's static files. */
#include "patron/report.h"
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

void srv_health(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)rq;
  srv_json(an, 200, json_pack("{s:s,s:I}", "status", "ok", "snapshots", (json_int_t)s->n_snaps));
}

void srv_openapi(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)s, (void)rq;
  size_t len = 0;
  const char *doc = patron_web_asset("openapi.json", &len);
  if (!doc)
    return srv_error(an, 404, "not_found", "no OpenAPI description in this build");
  srv_static(an, "application/json; charset=utf-8", doc, len);
}

static json_t *day_json(int32_t day) {
  char buf[16];
  buf[patron_format_day(day, buf)] = '\0';
  return json_string(buf);
}

void srv_snapshots(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)rq;
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->n_snaps; i++)
    json_array_append_new(a, json_pack("{s:o,s:I}", "as_of", day_json(s->snaps[i].s.as_of),
                                       "customers",
                                       (json_int_t)patron_table_n_rows(s->snaps[i].s.table)));
  srv_json(an, 200, json_pack("{s:o}", "snapshots", a));
}

void srv_segments(patron_server *s, const srv_request *rq, srv_answer *an) {
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  const char *want = srv_query(rq, "segmentation");
  json_t *a = json_array();
  bool found = false;
  for (size_t i = 0; a && i < snap->n_segments; i++) {
    const patron_segment_row *r = &snap->segments[i];
    if (want && *want && strcmp(want, r->segmentation) != 0)
      continue;
    found = true;
    json_array_append_new(
        a, json_pack("{s:s,s:s,s:s?,s:I,s:f,s:f,s:f}", "segmentation", r->segmentation, "segment",
                     r->segment, "segment_alt", r->segment_alt, "customers",
                     (json_int_t)r->customers, "customer_share", r->customer_share, "revenue",
                     (double)r->revenue / 1e4, "revenue_share", r->revenue_share));
  }
  if (!found && want && *want) {
    json_decref(a);
    return srv_error(an, 404, "not_found", "no such segmentation");
  }
  srv_json(an, 200, json_pack("{s:o,s:o}", "as_of", day_json(snap->s.as_of), "segments", a));
}

void srv_report(patron_server *s, const srv_request *rq, srv_answer *an) {
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  if (!snap->s.report_json)
    return srv_error(an, 404, "not_found", "no report figures for this snapshot");
  srv_static(an, "application/json; charset=utf-8", snap->s.report_json,
             strlen(snap->s.report_json));
}

void srv_movements(patron_server *s, const srv_request *rq, srv_answer *an) {
  const srv_snapshot *to = srv_query_snapshot(s, rq, an, "to");
  if (!to)
    return;
  const srv_snapshot *from = NULL;
  if (srv_query(rq, "from"))
    from = srv_query_snapshot(s, rq, an, "from");
  else if (to > s->snaps)
    from = to - 1;
  else
    return srv_error(an, 404, "not_found", "no snapshot before %s", "the latest");
  if (!from)
    return;
  const char *by = srv_query(rq, "by");
  by = by && *by ? by : "segment";
  char *json = NULL;
  patron_error err = {0};
  if (patron_report_movements(from->s.table, to->s.table, by, &json, &err) != PATRON_OK)
    return srv_error(an, 500, "internal", "%s", err.message);
  json_t *m = json_loads(json, JSON_DECODE_ANY, NULL);
  free(json);
  if (json_is_null(m)) {
    json_decref(m);
    return srv_error(an, 404, "not_found", "no category column '%s' in both snapshots", by);
  }
  json_object_set_new(m, "from", day_json(from->s.as_of));
  json_object_set_new(m, "to", day_json(to->s.as_of));
  srv_json(an, 200, m);
}

static const char DASHBOARD_CSP[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

void srv_asset_index(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)s, (void)rq;
  size_t len = 0;
  const char *page = patron_web_asset("dashboard.html", &len);
  if (!page)
    return srv_error(an, 404, "not_found", "no dashboard in this build");
  srv_static(an, "text/html; charset=utf-8", page, len);
  an->extra_header = DASHBOARD_CSP;
}

void srv_asset(patron_server *s, const srv_request *rq, srv_answer *an) {
  (void)s;
  static const struct {
    const char *name, *type;
  } FILES[] = {{"common.js", "text/javascript; charset=utf-8"},
               {"dashboard.js", "text/javascript; charset=utf-8"},
               {"echarts.min.js", "text/javascript; charset=utf-8"},
               {"style.css", "text/css; charset=utf-8"}};
  for (size_t i = 0; i < sizeof FILES / sizeof *FILES; i++) {
    size_t len = 0;
    const char *data =
        strcmp(FILES[i].name, rq->path_param) == 0 ? patron_web_asset(FILES[i].name, &len) : NULL;
    if (data)
      return srv_static(an, FILES[i].type, data, len);
  }
  srv_error(an, 404, "not_found", "no such asset");
}
