/* The self-contained HTML report (SPEC section 14): the figures as JSON in a data script,
 * the page's style and script and ECharts, all inline; a Content-Security-Policy that
 * allows no network request of any kind; written through a file sink (atomic). Also the
 * accessor for the embedded web assets. */
#include "core/core_int.h"
#include "io/web_assets_int.h"
#include "patron/report.h"
#include "patron/sink.h"

#include <stdio.h>
#include <string.h>

const char *patron_web_asset(const char *name, size_t *len) {
  for (const patron__web_asset *a = patron__web_assets; name && a->name; a++)
    if (strcmp(a->name, name) == 0) {
      *len = (size_t)(a->end - a->start);
      return a->start;
    }
  return NULL;
}

bool patron_web_has_charts(void) { return patron__web_have_echarts != 0; }

/* Writes through a sink; errors are sticky in the sink and reported at close. */
static void put(patron_sink *k, const char *s, size_t n) {
  patron_error ignored = {0};
  patron_sink_write(k, s, n, &ignored);
}

static void put_str(patron_sink *k, const char *s) { put(k, s, strlen(s)); }

static void put_asset(patron_sink *k, const char *name) {
  size_t len = 0;
  const char *data = patron_web_asset(name, &len);
  if (data)
    put(k, data, len);
}

/* JSON inside a script element: every '<' as \u003c so no "</script>" can end it early. */
static void put_json(patron_sink *k, const char *json) {
  for (const char *p = json; *p;) {
    size_t run = strcspn(p, "<");
    put(k, p, run);
    p += run;
    if (*p == '<') {
      put_str(k, "\\u003c");
      p++;
    }
  }
}

patron_status patron_write_report_html(const char *data_json, const char *lang, const char *path,
                                       patron_error *err) {
  if (!lang || (strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "report language must be en or zh");
  patron_sink *k = NULL;
  patron_status st = patron_sink_file(path, NULL, &k, err);
  if (st != PATRON_OK)
    return st;
  char head[1024];
  snprintf(head, sizeof head,
           "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>Patron report</title>\n<style>",
           lang);
  put_str(k, head);
  put_asset(k, "style.css");
  snprintf(head, sizeof head,
           "</style></head>\n<body data-lang=\"%s\" data-charts=\"%d\">\n<div id=\"app\"></div>\n"
           "<script type=\"application/json\" id=\"patron-data\">",
           lang, patron_web_has_charts() ? 1 : 0);
  put_str(k, head);
  put_json(k, data_json);
  static const char *const SCRIPTS[] = {"echarts.min.js", "common.js", "report.js"};
  for (size_t i = 0; i < 3; i++) {
    put_str(k, "</script>\n<script>");
    put_asset(k, SCRIPTS[i]);
  }
  put_str(k, "</script>\n</body></html>\n");
  return patron_sink_close(k, err);
}
