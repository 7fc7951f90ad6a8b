/* The self-contained HTML report (SPEC section 14): the figures as JSON in a data script,
 * the page's style and script and ECharts, all inline; a Content-Security-Policy that
 * allows no network request of any kind. Also the accessor for the embedded web assets. */
#include "core/core_int.h"
#include "io/web_assets_int.h"
#include "patron/report.h"

#include <errno.h>
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

static void put_asset(FILE *f, const char *name) {
  size_t len = 0;
  const char *data = patron_web_asset(name, &len);
  if (data)
    fwrite(data, 1, len, f);
}

/* JSON inside a script element: every '<' as \u003c so no "</script>" can end it early. */
static void put_json(FILE *f, const char *json) {
  for (const char *p = json; *p; p++) {
    if (*p == '<')
      fputs("\\u003c", f);
    else
      fputc(*p, f);
  }
}

patron_status patron_write_report_html(const char *data_json, const char *lang, const char *path,
                                       patron_error *err) {
  if (!lang || (strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "report language must be en or zh");
  FILE *f = fopen(path, "w");
  if (!f)
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
  fprintf(f,
          "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Patron report</title>\n<style>",
          lang);
  put_asset(f, "style.css");
  fprintf(f,
          "</style></head>\n<body data-lang=\"%s\" data-charts=\"%d\">\n<div id=\"app\"></div>\n",
          lang, patron_web_has_charts() ? 1 : 0);
  fputs("<script type=\"application/json\" id=\"patron-data\">", f);
  put_json(f, data_json);
  fputs("</script>\n<script>", f);
  put_asset(f, "echarts.min.js");
  fputs("</script>\n<script>", f);
  put_asset(f, "common.js");
  fputs("</script>\n<script>", f);
  put_asset(f, "report.js");
  fputs("</script>\n</body></html>\n", f);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0 || bad)
    return patron__error_set(err, PATRON_ERR_IO, path, 0, 0, "write failed: %s", strerror(errno));
  return PATRON_OK;
}
