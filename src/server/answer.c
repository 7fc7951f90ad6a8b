/* Answers of the API: JSON bodies, JSON errors {"error": {"code", "message"}} (SPEC section
 * 14), static assets. */
#include "server_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char JSON_TYPE[] = "application/json; charset=utf-8";

void srv_json(srv_answer *an, int status, json_t *value) {
  char *text = value ? json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
  json_decref(value);
  if (!text) {
    static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
    srv_static(an, JSON_TYPE, oom, sizeof oom - 1);
    an->status = 500;
    return;
  }
  an->status = status;
  an->content_type = JSON_TYPE;
  an->body = text;
  an->len = strlen(text);
  an->is_static = false;
}

void srv_error(srv_answer *an, int status, const char *code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  srv_json(an, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void srv_static(srv_answer *an, const char *content_type, const char *data, size_t len) {
  an->status = 200;
  an->content_type = content_type;
  an->body = (char *)data;
  an->len = len;
  an->is_static = true;
}
