/* The HTTP server of `patron serve` on libmicrohttpd: a listening socket of our own (so port
 * 0 works and the bound port is known), a pool of polling threads, limits on connections
 * (total and per IP), idle time and body size (413 beyond --max-body), optional TLS with
 * GnuTLS, a request log line per request (time, token name, method, path without query,
 * status, milliseconds: no token, no query, no personal data) and a graceful stop. */
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void patron_server_options_init(patron_server_options *o) {
  *o = (patron_server_options){
      .listen = "127.0.0.1:8080",
      .max_body = 1u << 20,
      .max_connections = 512,
      .per_ip_connections = 128,
      .timeout_seconds = 30,
      .threads = 2,
  };
}

static patron_status fail(patron_error *err, patron_status st, const char *file, const char *fmt,
                          const char *detail) {
  snprintf(err->message, sizeof err->message, fmt, detail);
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  return err->status = st;
}

static patron_status read_file(const char *path, char **out, patron_error *err) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (!f)
    return fail(err, PATRON_ERR_IO, path, "cannot read: %s", strerror(errno));
  do {
    if (len + 4096 + 1 > cap) {
      char *g = realloc(buf, cap = cap * 2 + 8192);
      if (!g) {
        free(buf);
        fclose(f);
        return fail(err, PATRON_ERR_NOMEM, path, "%s", "out of memory");
      }
      buf = g;
    }
    n = fread(buf + len, 1, 4096, f);
    len += n;
  } while (n > 0 && len < (64u << 20));
  fclose(f);
  buf[len] = '\0';
  *out = buf;
  return PATRON_OK;
}

static patron_status add_snapshots(patron_server *s, const patron_server_snapshot *snaps, size_t n,
                                   patron_error *err) {
  s->snaps = calloc(n ? n : 1, sizeof *s->snaps);
  if (!s->snaps)
    return fail(err, PATRON_ERR_NOMEM, NULL, "%s", "out of memory");
  for (size_t i = 0; i < n; i++) {
    srv_snapshot *d = &s->snaps[s->n_snaps];
    d->s = snaps[i];
    d->id = patron_table_find(snaps[i].table, "customer_id");
    if (!d->id || d->id->type != PATRON_COL_STRING)
      return fail(err, PATRON_ERR_USAGE, NULL, "%s", "a snapshot has no customer_id column");
    s->n_snaps++;
    for (size_t f = 0; f < 5; f++)
      d->member_shown[f] = !patron_table_find(snaps[i].table, SRV_MEMBER_FIELDS[f]);
    if (!srv_index_build(d) || !srv_customer_keys(d))
      return fail(err, PATRON_ERR_NOMEM, NULL, "%s", "out of memory");
    patron_status st = patron_segment_report(snaps[i].table, &d->segments, &d->n_segments, err);
    if (st != PATRON_OK)
      return st;
  }
  return PATRON_OK;
}

patron_status patron_server_new(const patron_server_options *o,
                                const patron_server_snapshot *snapshots, size_t n_snapshots,
                                patron_server **out, patron_error *err) {
  *out = NULL;
  if (!o->tokens_file)
    return fail(err, PATRON_ERR_USAGE, NULL, "%s", "a tokens file is required");
  if (!o->tls_cert != !o->tls_key)
    return fail(err, PATRON_ERR_USAGE, NULL, "%s", "TLS needs both a certificate and a key");
  patron_server *s = calloc(1, sizeof *s);
  if (!s)
    return fail(err, PATRON_ERR_NOMEM, NULL, "%s", "out of memory");
  s->o = *o;
  s->listen_fd = -1;
  pthread_mutex_init(&s->store_lock, NULL);
  srv_expr_cache_init(&s->exprs);
  if (!s->o.log)
    s->o.log = stderr;
  patron_status st = srv_tokens_load(s, o->tokens_file, err);
  if (st == PATRON_OK)
    st = add_snapshots(s, snapshots, n_snapshots, err);
  if (st == PATRON_OK && o->tls_cert)
    st = read_file(o->tls_cert, &s->tls_cert, err);
  if (st == PATRON_OK && o->tls_key)
    st = read_file(o->tls_key, &s->tls_key, err);
  if (st != PATRON_OK) {
    patron_server_free(s);
    return st;
  }
  *out = s;
  return PATRON_OK;
}

/* "HOST:PORT" or "[V6]:PORT" into host and port strings. */
static bool split_listen(const char *listen, char *host, size_t cap, const char **port) {
  const char *colon = strrchr(listen, ':');
  if (!colon || !colon[1])
    return false;
  const char *h = listen;
  size_t hlen = (size_t)(colon - listen);
  if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']')
    h++, hlen -= 2;
  if (hlen == 0 || hlen >= cap)
    return false;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  *port = colon + 1;
  return true;
}

static patron_status open_listener(patron_server *s, patron_error *err) {
  char host[256];
  const char *port;
  if (!split_listen(s->o.listen, host, sizeof host, &port))
    return fail(err, PATRON_ERR_USAGE, NULL, "listen address must be HOST:PORT, not '%s'",
                s->o.listen);
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                  *ai = NULL;
  int rc = getaddrinfo(host, port, &hints, &ai);
  if (rc != 0)
    return fail(err, PATRON_ERR_USAGE, NULL, "cannot resolve the listen address: %s",
                gai_strerror(rc));
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
  if (fd >= 0)
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    freeaddrinfo(ai);
    return fail(err, PATRON_ERR_IO, NULL, "cannot listen: %s", strerror(e));
  }
  freeaddrinfo(ai);
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  s->port = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                             : ((struct sockaddr_in *)&addr)->sin_port);
  s->listen_fd = fd;
  return PATRON_OK;
}

/* Per request: the raw target, the start time, the body gathered so far. */
typedef struct srv_conn_req {
  char *uri;
  struct timespec start;
  char *body;
  size_t len, cap;
  bool started, too_big;
} srv_conn_req;

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c) {
  (void)cls, (void)c;
  srv_conn_req *r = calloc(1, sizeof *r);
  if (r) {
    r->uri = strdup(uri ? uri : "/");
    clock_gettime(CLOCK_MONOTONIC, &r->start);
  }
  return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode why) {
  (void)cls, (void)c, (void)why;
  srv_conn_req *r = *req_cls;
  if (r) {
    free(r->uri);
    free(r->body);
    free(r);
  }
  *req_cls = NULL;
}

/* One log line; the path is cut at '?' and stripped of control characters. */
static void log_request(patron_server *s, const srv_conn_req *r, const char *token_name,
                        const char *method, int status) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double ms =
      (double)(now.tv_sec - r->start.tv_sec) * 1e3 + (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
  static _Thread_local char stamp[32];
  static _Thread_local time_t stamp_second = -1;
  char path[256];
  size_t n = 0;
  for (const char *p = r->uri; p && *p && *p != '?' && n + 1 < sizeof path; p++)
    path[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
  path[n] = '\0';
  time_t t = time(NULL);
  if (t != stamp_second) { /* formatted once a second per thread */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    stamp_second = t;
  }
  fprintf(s->o.log, "%s %s %s %s %d %.3fms\n", stamp, token_name, method, path, status, ms);
}

static enum MHD_Result reply(struct MHD_Connection *c, const srv_answer *an) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      an->len, an->body, an->is_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", an->content_type);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (an->extra_header) {
    const char *colon = strchr(an->extra_header, ':');
    char name[64];
    size_t nlen = (size_t)(colon - an->extra_header);
    if (colon && nlen < sizeof name) {
      memcpy(name, an->extra_header, nlen);
      name[nlen] = '\0';
      MHD_add_response_header(resp, name, colon + 2);
    }
  }
  enum MHD_Result rc = MHD_queue_response(c, (unsigned)an->status, resp);
  MHD_destroy_response(resp);
  return rc;
}

static bool append_body(patron_server *s, srv_conn_req *r, const char *data, size_t n) {
  if (r->too_big || r->len + n > s->o.max_body)
    return r->too_big = true, true;
  if (r->len + n + 1 > r->cap) {
    size_t cap = (r->len + n + 1) * 2;
    char *g = realloc(r->body, cap);
    if (!g)
      return false;
    r->body = g;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
  (void)url, (void)version;
  patron_server *s = cls;
  srv_conn_req *r = *req_cls;
  if (!r)
    return MHD_NO;
  srv_answer an = {0};
  const char *token_name = "-";
  if (!r->started) {
    r->started = true;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (!cl || strtoull(cl, NULL, 10) <= s->o.max_body)
      return MHD_YES;
    r->too_big = true;
  } else if (*upload_size) {
    bool ok = append_body(s, r, upload, *upload_size);
    *upload_size = 0;
    if (ok)
      return MHD_YES;
    srv_error(&an, 500, "internal", "out of memory");
  }
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (r->too_big) {
    const srv_token *t = srv_authenticate(s, auth);
    token_name = t ? t->name : "-";
    srv_error(&an, 413, "payload_too_large", "request body over %zu bytes", s->o.max_body);
  } else if (!an.status)
    srv_handle(s, method, r->uri, auth, r->body, r->len, &an, &token_name);
  log_request(s, r, token_name, method, an.status);
  return reply(c, &an);
}

patron_status patron_server_start(patron_server *s, patron_error *err) {
  patron_status st = open_listener(s, err);
  if (st != PATRON_OK)
    return st;
  /* turbo: no shutdown() before close, optimistic reads (the listening socket is ours and
   * non-blocking, as turbo wants) */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                   (s->tls_cert ? MHD_USE_TLS : 0);
  struct MHD_OptionItem tls[] = {
      {s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
      {MHD_OPTION_END, 0, NULL},
  };
  s->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
      MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
      MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      s->o.per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout_seconds,
      MHD_OPTION_THREAD_POOL_SIZE, s->o.threads ? s->o.threads : 1, MHD_OPTION_ARRAY, tls,
      MHD_OPTION_END);
  if (!s->daemon) {
    close(s->listen_fd);
    s->listen_fd = -1;
    return fail(err, PATRON_ERR_IO, NULL, "%s",
                s->tls_cert ? "cannot start the server (are the TLS certificate and key valid PEM?)"
                            : "cannot start the server");
  }
  return PATRON_OK;
}

int patron_server_port(const patron_server *s) { return s->port; }

void patron_server_stop(patron_server *s) {
  if (!s || !s->daemon)
    return;
  MHD_socket fd = MHD_quiesce_daemon(s->daemon);
  MHD_stop_daemon(s->daemon);
  s->daemon = NULL;
  if (fd != MHD_INVALID_SOCKET)
    close(fd);
  s->listen_fd = -1;
}

void patron_server_free(patron_server *s) {
  if (!s)
    return;
  patron_server_stop(s);
  srv_expr_cache_free(&s->exprs);
  for (size_t i = 0; i < s->n_snaps; i++) {
    free(s->snaps[i].segments);
    free(s->snaps[i].index);
    free(s->snaps[i].keys.data);
    free(s->snaps[i].key_at);
    free(s->snaps[i].pii);
  }
  free(s->snaps);
  free(s->tokens);
  free(s->tls_cert);
  free(s->tls_key);
  pthread_mutex_destroy(&s->store_lock);
  free(s);
}
