/* Access control (SPEC section 14): the tokens file lists "sha256(token) role name" per line
 * ('#' comments and blank lines allowed); a request's "Authorization: Bearer TOKEN" is
 * hashed with SHA-256 (GnuTLS) and compared in constant time with every entry. Tokens are
 * never stored or logged, only their digests and names. */
#include "server_int.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ROLES[] = {"none", "viewer", "analyst", "admin"};

const char *srv_role_name(srv_role r) { return ROLES[r]; }

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_digest(const char *hex, unsigned char out[32]) {
  if (strlen(hex) != 64)
    return false;
  for (int i = 0; i < 32; i++) {
    int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
    if (a < 0 || b < 0)
      return false;
    out[i] = (unsigned char)(a * 16 + b);
  }
  return true;
}

/* The next blank-separated field of *p (NUL-terminated in place), or NULL. */
static char *next_field(char **p) {
  static const char blanks[] = " \t\r\n";
  char *s = *p + strspn(*p, blanks);
  if (!*s)
    return NULL;
  char *e = s + strcspn(s, blanks);
  *p = *e ? e + 1 : e;
  *e = '\0';
  return s;
}

static const char *parse_line(char *line, srv_token *t) {
  char *p = line, *digest = next_field(&p), *role = next_field(&p), *name = next_field(&p);
  if (!digest || !role || !name || next_field(&p))
    return "expected three fields: sha256(token) role name";
  if (!parse_digest(digest, t->digest))
    return "the first field must be 64 lowercase hex digits (sha256 of the token)";
  t->role = SRV_ROLE_NONE;
  for (int r = SRV_ROLE_VIEWER; r <= SRV_ROLE_ADMIN; r++)
    if (strcmp(role, ROLES[r]) == 0)
      t->role = (srv_role)r;
  if (t->role == SRV_ROLE_NONE)
    return "role must be viewer, analyst or admin";
  if (strlen(name) >= sizeof t->name)
    return "name longer than 63 bytes";
  strcpy(t->name, name);
  return NULL;
}

static bool blank(const char *line) {
  line += strspn(line, " \t\r\n");
  return !*line || *line == '#';
}

patron_status srv_tokens_load(patron_server *s, const char *path, patron_error *err) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err->message, sizeof err->message, "cannot read tokens file: %s", strerror(errno));
    snprintf(err->file, sizeof err->file, "%s", path);
    return err->status = PATRON_ERR_IO;
  }
  char line[1024];
  uint64_t n = 0;
  patron_status st = PATRON_OK;
  while (st == PATRON_OK && fgets(line, sizeof line, f)) {
    n++;
    if (blank(line))
      continue;
    srv_token t;
    const char *why = strchr(line, '\n') || feof(f) ? parse_line(line, &t) : "line too long";
    srv_token *grown = why ? NULL : realloc(s->tokens, (s->n_tokens + 1) * sizeof *grown);
    if (why || !grown) {
      snprintf(err->message, sizeof err->message, "%s", why ? why : "out of memory");
      snprintf(err->file, sizeof err->file, "%s", path);
      err->line = n;
      st = err->status = why ? PATRON_ERR_INPUT : PATRON_ERR_NOMEM;
      break;
    }
    s->tokens = grown;
    s->tokens[s->n_tokens++] = t;
  }
  fclose(f);
  if (st == PATRON_OK && s->n_tokens == 0) {
    snprintf(err->message, sizeof err->message, "no token in the tokens file");
    snprintf(err->file, sizeof err->file, "%s", path);
    st = err->status = PATRON_ERR_INPUT;
  }
  return st;
}

const srv_token *srv_authenticate(const patron_server *s, const char *authorization) {
  static const char bearer[] = "Bearer ";
  if (!authorization || strncmp(authorization, bearer, sizeof bearer - 1) != 0)
    return NULL;
  const char *token = authorization + sizeof bearer - 1;
  unsigned char d[32];
  if (!*token || gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
    return NULL;
  const srv_token *found = NULL;
  for (size_t i = 0; i < s->n_tokens; i++) {
    unsigned diff = 0;
    for (int k = 0; k < 32; k++)
      diff |= (unsigned)(d[k] ^ s->tokens[i].digest[k]);
    if (!diff && !found)
      found = &s->tokens[i];
  }
  return found;
}
