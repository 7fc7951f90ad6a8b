/* Internals of the HTTP API: the parsed request, the answer, tokens and roles, the route
 * table and the handlers (one file per group of endpoints). */
#ifndef PATRON_SERVER_INT_H
#define PATRON_SERVER_INT_H

#include "patron/mask.h"
#include "patron/output.h"
#include "patron/server.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

typedef enum srv_role { SRV_ROLE_NONE, SRV_ROLE_VIEWER, SRV_ROLE_ANALYST, SRV_ROLE_ADMIN } srv_role;

typedef struct srv_token {
  unsigned char digest[32]; /* sha256(token) */
  srv_role role;
  char name[64];
} srv_token;

enum { SRV_MAX_PARAMS = 16, SRV_MAX_URI = 8192 };

typedef struct srv_param {
  char *key, *value; /* percent-decoded, inside srv_request.buf */
} srv_param;

typedef struct srv_request {
  const char *method;
  char path[SRV_MAX_URI];                     /* the path as sent (percent-encoded) */
  char param[SRV_MAX_URI];                    /* the decoded path parameter */
  char buf[SRV_MAX_URI + 3 * SRV_MAX_PARAMS]; /* decoded query keys and values, NUL-ended */
  srv_param query[SRV_MAX_PARAMS];
  size_t n_query;
  const char *path_param; /* the decoded {id} or {name} of the route (in param) */
  const char *body;
  size_t body_len;
  srv_role role;
  const char *token_name;
} srv_request;

typedef struct srv_answer {
  int status;
  const char *content_type;
  char *body; /* malloc'ed unless is_static */
  size_t len;
  bool is_static;
  const char *extra_header; /* e.g. Content-Security-Policy for the dashboard */
} srv_answer;

/* customer_json.c: a growable text (NUL-terminated; oom is sticky) and the customer object. */
typedef struct srv_text {
  char *data;
  size_t len, cap;
  bool oom;
} srv_text;

typedef struct srv_snapshot {
  patron_server_snapshot s;
  const patron_column *id; /* customer_id */
  patron_segment_row *segments;
  size_t n_segments;
  uint32_t *index; /* open-addressing hash of customer_id -> row + 1 (0: empty slot) */
  size_t index_mask;
  bool member_shown[5]; /* SRV_MEMBER_FIELDS not among the profile's columns */
  srv_text keys;        /* each column's JSON key ("name":), written once */
  size_t *key_at;       /* column i's key is keys.data[key_at[i] .. key_at[i + 1]) */
  patron_pii *pii;      /* each column's kind of personal data */
} srv_snapshot;

/* The member fields a customer object adds (customer_json.c): gender, city, level (dictionary
 * codes), signup_date, birth_date. */
extern const char *const SRV_MEMBER_FIELDS[5];

/* expr_cache.c: compiled expressions by snapshot and normalised text (bounded LRU). */
enum { SRV_EXPR_CACHE = 64, SRV_EXPR_COPIES = 4 };
typedef struct srv_expr_entry srv_expr_entry;
typedef struct srv_expr_cache {
  pthread_mutex_t lock;
  srv_expr_entry *entries[SRV_EXPR_CACHE];
  size_t n;
  uint64_t tick;
} srv_expr_cache;

struct patron_server {
  patron_server_options o;
  srv_expr_cache exprs;
  srv_token *tokens;
  size_t n_tokens;
  srv_snapshot *snaps;
  size_t n_snaps;
  struct MHD_Daemon *daemon;
  int listen_fd, port;
  char *tls_cert, *tls_key;
  pthread_mutex_t store_lock; /* one request at a time on o.store */
};

/* request.c: parses the raw target into rq->path and rq->query; false on bad encoding or
 * size (the reason in *why). */
bool srv_parse_target(srv_request *rq, const char *uri, const char **why);
/* Decodes a matched path segment into rq->param and points rq->path_param at it. */
void srv_decode_param(srv_request *rq, const char *raw, size_t len);
const char *srv_query(const srv_request *rq, const char *key);
/* Typed query values: false (and an error answer) when present but malformed. */
bool srv_query_long(const srv_request *rq, srv_answer *an, const char *key, long min, long max,
                    long *out);
/* The snapshot named by ?as_of= (default: the latest); NULL with a 400/404 answer. */
const srv_snapshot *srv_query_snapshot(patron_server *s, const srv_request *rq, srv_answer *an,
                                       const char *key);

/* answer.c */
void srv_json(srv_answer *an, int status, json_t *value); /* takes the reference */
void srv_error(srv_answer *an, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void srv_static(srv_answer *an, const char *content_type, const char *data, size_t len);

/* auth.c */
patron_status srv_tokens_load(patron_server *s, const char *path, patron_error *err);
/* The token named by an Authorization header value, or NULL. */
const srv_token *srv_authenticate(const patron_server *s, const char *authorization);
const char *srv_role_name(srv_role r);

/* routes.c: runs the request through the route table into an; srv_handle parses the raw
 * target, authenticates and dispatches (*token_name: the caller's token name for the log). */
void srv_dispatch(patron_server *s, srv_request *rq, srv_answer *an);
void srv_handle(patron_server *s, const char *method, const char *uri, const char *authorization,
                const char *body, size_t body_len, srv_answer *an, const char **token_name);

/* Handlers (api_*.c): each fills an. */
typedef void srv_handler(patron_server *s, const srv_request *rq, srv_answer *an);
srv_handler srv_health, srv_openapi, srv_snapshots, srv_segments, srv_customer, srv_customers,
    srv_audiences, srv_movements, srv_actions, srv_experiment, srv_report, srv_asset_index,
    srv_asset, srv_customer_orders, srv_rules;

/* lookup.c: the hash index of a snapshot's customer ids; the row of an id or SIZE_MAX. */
bool srv_index_build(srv_snapshot *snap);
size_t srv_index_find(const srv_snapshot *snap, const char *id);

/* expr_cache.c: the number of rows of snap where `where` holds (false with a 400 caret
 * answer); the rows themselves in customer_id order (NULL or empty where: every row; NULL
 * with an error answer; free() them). */
void srv_expr_cache_init(srv_expr_cache *c);
void srv_expr_cache_drop(srv_expr_cache *c, const srv_snapshot *snap); /* NULL: every one */
void srv_expr_cache_free(srv_expr_cache *c);
bool srv_expr_count(patron_server *s, const srv_snapshot *snap, const char *where, srv_answer *an,
                    size_t *count);
uint32_t *srv_expr_rows(patron_server *s, const srv_snapshot *snap, const char *where,
                        srv_answer *an, size_t *n);

/* api_verdicts.c: the evaluation of experiment rq->path_param per the query (start, window,
 * alpha, min_lift), or NULL with an error answer. */
json_t *srv_experiment_results(patron_server *s, const srv_request *rq, srv_answer *an);

/* customer_json.c */
void srv_text_put(srv_text *t, const char *s, size_t n);
void srv_text_json_string(srv_text *t, const char *s);
bool srv_customer_keys(srv_snapshot *snap); /* prepares keys, key_at, pii; false: no memory */
/* One row as the API's customer object; personal data masked unless unmask. */
void srv_customer_text(srv_text *t, const srv_snapshot *snap, size_t row, bool unmask);

#endif
