/* The HTTP API and dashboard of SPEC section 14 (`patron serve`): JSON over HTTP(S) on
 * libmicrohttpd, bearer tokens with roles (viewer, analyst, admin), personal data masked
 * unless the role is admin, a request log without personal data. Lives in its own library
 * (libpatron_server) so libpatron does not depend on libmicrohttpd. */
#ifndef PATRON_SERVER_H
#define PATRON_SERVER_H

#include "patron/dataset.h"
#include "patron/table.h"

#include <stdio.h>

typedef struct patron_server_options {
  const char *listen;             /* "HOST:PORT" or "[V6]:PORT"; default "127.0.0.1:8080";
                                     port 0 picks a free one (patron_server_port) */
  const char *tokens_file;        /* required: "sha256hex role name" per line */
  const char *tls_cert, *tls_key; /* PEM files: HTTPS when both are given */
  size_t max_body;                /* request bodies over this answer 413 (default 1 MiB) */
  unsigned max_connections;       /* default 512 */
  unsigned per_ip_connections;    /* default 128 (0 = no limit) */
  unsigned timeout_seconds;       /* idle connection timeout, default 30 */
  unsigned threads;               /* polling threads, default 2 */
  FILE *log;                      /* request log, default stderr */
  /* A store (opened read-only) for /actions and /experiments, or NULL: they answer 404. The
   * server serialises its use; it must outlive the server. */
  struct patron_store *store;
  /* Trigger rules (serve --rules) for GET /rules: each rule's verdict from the store's action
   * log and the orders in memory; NULL: /rules answers 404. Must outlive the server. */
  const struct patron_trigger_rules *rules;
} patron_server_options;

PATRON_API void patron_server_options_init(patron_server_options *o);

/* One profile snapshot served by the API: the table (rows sorted by customer_id), its
 * as-of day, and optionally the dataset and row -> customer map (member fields). */
typedef struct patron_server_snapshot {
  int32_t as_of;
  const patron_table *table;
  const patron_dataset *ds;  /* may be NULL */
  const uint32_t *customers; /* with ds */
  const char *report_json;   /* patron_report_data of this snapshot, or NULL */
} patron_server_snapshot;

typedef struct patron_server patron_server;

/* Loads the tokens file and prepares the routes over `snapshots` (latest last; copied, but
 * the tables, datasets and report texts must outlive the server). Errors: PATRON_ERR_INPUT
 * (tokens file: FILE:LINE: reason), PATRON_ERR_IO, PATRON_ERR_USAGE (options). */
PATRON_API patron_status patron_server_new(const patron_server_options *o,
                                           const patron_server_snapshot *snapshots,
                                           size_t n_snapshots, patron_server **out,
                                           patron_error *err);
/* Binds and starts serving on background threads. Errors: PATRON_ERR_IO (address in use,
 * TLS files unreadable), PATRON_ERR_USAGE (bad listen address). */
PATRON_API patron_status patron_server_start(patron_server *s, patron_error *err);
/* The bound port (after start). */
PATRON_API int patron_server_port(const patron_server *s);
/* Stops accepting, lets requests in progress finish, stops the threads. */
PATRON_API void patron_server_stop(patron_server *s);
PATRON_API void patron_server_free(patron_server *s);

/* One request without the network (used by the fuzz harness and tests): `uri` is the raw
 * request target with its query string; `authorization` the header's value or NULL. The
 * answer (status, content type, body) is malloc'ed into *body: free() it. */
PATRON_API int patron_server_handle(patron_server *s, const char *method, const char *uri,
                                    const char *authorization, const char *body, size_t body_len,
                                    char **out_body, size_t *out_len, const char **content_type);

#endif
