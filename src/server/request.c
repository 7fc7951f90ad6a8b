/* Request parsing for the API: the raw request target into its path (kept encoded) and decoded
 * query parameters (application/x-www-form-urlencoded: '&'-separated key=value, '+' is a space, %XX
 * escapes; RFC 3986 section 2.1), and typed query values. Every limit has its own error: target
 * length, parameter count, bad escapes, NUL bytes. */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes src[0..len) into dst (NUL-terminated); returns false on a bad escape or a NUL. */
static bool decode(char *dst, const char *src, size_t len, bool plus_is_space) {
  size_t j = 0;
  for (size_t i = 0; i < len; i++) {
    char c = src[i];
    if (c == '%') {
      if (i + 2 >= len)
        return false;
      int a = hex(src[i + 1]), b = hex(src[i + 2]);
      if (a < 0 || b < 0)
        return false;
      c = (char)(a * 16 + b);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0')
      return false;
    dst[j++] = c;
  }
  dst[j] = '\0';
  return true;
}

static bool parse_query(srv_request *rq, const char *q, const char **why) {
  char *out = rq->buf;
  while (*q) {
    size_t len = strcspn(q, "&");
    if (len) {
      if (rq->n_query == SRV_MAX_PARAMS)
        return *why = "too many query parameters", false;
      size_t klen = strcspn(q, "=&");
      srv_param *p = &rq->query[rq->n_query++];
      p->key = out;
      if (!decode(out, q, klen, true))
        return *why = "bad percent-encoding in the query string", false;
      out += strlen(out) + 1;
      p->value = out;
      size_t vlen = klen < len ? len - klen - 1 : 0;
      if (!decode(out, q + klen + (klen < len), vlen, true))
        return *why = "bad percent-encoding in the query string", false;
      out += strlen(out) + 1;
    }
    q += len + (q[len] == '&');
  }
  return true;
}

bool srv_parse_target(srv_request *rq, const char *uri, const char **why) {
  rq->n_query = 0;
  size_t n = strlen(uri);
  if (n >= SRV_MAX_URI)
    return *why = "request target too long", false;
  if (uri[0] != '/')
    return *why = "request target must start with '/'", false;
  size_t plen = strcspn(uri, "?#");
  /* the path stays encoded (so an encoded '/' inside an id cannot change the route); it
   * must decode, and path parameters are decoded once matched (srv_decode_param) */
  if (!decode(rq->param, uri, plen, false))
    return *why = "bad percent-encoding in the path", false;
  memcpy(rq->path, uri, plen);
  rq->path[plen] = '\0';
  if (uri[plen] != '?')
    return true;
  /* decoded keys and values are never longer than their encoding, plus two NULs each */
  char q[SRV_MAX_URI];
  size_t qlen = strcspn(uri + plen + 1, "#");
  memcpy(q, uri + plen + 1, qlen);
  q[qlen] = '\0';
  return parse_query(rq, q, why);
}

void srv_decode_param(srv_request *rq, const char *raw, size_t len) {
  decode(rq->param, raw, len, false); /* checked with the whole path */
  rq->path_param = rq->param;
}

const char *srv_query(const srv_request *rq, const char *key) {
  for (size_t i = 0; i < rq->n_query; i++)
    if (strcmp(rq->query[i].key, key) == 0)
      return rq->query[i].value;
  return NULL;
}

bool srv_query_long(const srv_request *rq, srv_answer *an, const char *key, long min, long max,
                    long *out) {
  const char *v = srv_query(rq, key);
  if (!v)
    return true;
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (!*v || *end || errno || x < min || x > max) {
    srv_error(an, 400, "bad_request", "%s must be an integer from %ld to %ld", key, min, max);
    return false;
  }
  *out = x;
  return true;
}

const srv_snapshot *srv_query_snapshot(patron_server *s, const srv_request *rq, srv_answer *an,
                                       const char *key) {
  const char *v = srv_query(rq, key);
  if (!s->n_snaps) {
    srv_error(an, 404, "not_found", "no snapshot");
    return NULL;
  }
  if (!v || !*v)
    return &s->snaps[s->n_snaps - 1];
  int32_t day;
  if (patron_parse_day(v, strlen(v), &day) != PATRON_OK) {
    srv_error(an, 400, "bad_request", "%s must be a date YYYY-MM-DD", key);
    return NULL;
  }
  for (size_t i = 0; i < s->n_snaps; i++)
    if (s->snaps[i].s.as_of == day)
      return &s->snaps[i];
  srv_error(an, 404, "not_found", "no snapshot as of %s", v);
  return NULL;
}
