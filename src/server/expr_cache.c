/* The compiled-expression cache of the API (audience counts and customer lists, SPEC
 * sections 6 and 14): a bounded LRU of expressions keyed by snapshot and normalised text
 * (runs of blanks outside '...' strings made one space, ends trimmed), each entry holding one
 * compiled copy per server thread (for patron_expr_count) and, once known, the number of
 * customers it selects (a snapshot never changes while it is served, so a count is final).
 * Entries are reference counted: one in use is never evicted; when every slot is in use a
 * new expression is used once without being cached. A snapshot's entries go with it
 * (srv_expr_cache_drop), so a reloaded profile never meets an old expression. Errors are
 * answered from a compilation of the text as sent, so the caret column is the user's. */
#include "patron/expr.h"
#include "server_int.h"

#include <stdlib.h>
#include <string.h>

struct srv_expr_entry {
  char *key;
  const srv_snapshot *snap;
  patron_expr *copies[SRV_EXPR_COPIES];
  size_t n_copies;
  size_t count;
  bool counted, cached;
  unsigned refs;
  uint64_t used;
  pthread_mutex_t lock; /* held while the copies evaluate */
};

static char *normalise(const char *s) {
  size_t n = strlen(s), j = 0;
  char *out = malloc(n + 1);
  bool in_string = false, blank = false;
  for (size_t i = 0; out && i < n; i++) {
    char c = s[i];
    if (!in_string && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      blank = true;
      continue;
    }
    if (blank && j > 0)
      out[j++] = ' ';
    blank = false;
    out[j++] = c;
    if (c == '\'')
      in_string = !in_string; /* '' inside a string closes and reopens: the same */
  }
  if (out)
    out[j] = '\0';
  return out;
}

static void entry_free(srv_expr_entry *e) {
  if (!e)
    return;
  for (size_t i = 0; i < e->n_copies; i++)
    patron_expr_free(e->copies[i]);
  pthread_mutex_destroy(&e->lock);
  free(e->key);
  free(e);
}

/* Answers a bad expression: 400 with the caret message and its column. */
static void expr_error(srv_answer *an, const patron_error *err) {
  bool oom = err->status == PATRON_ERR_NOMEM;
  srv_json(an, oom ? 500 : 400,
           json_pack("{s:{s:s,s:s,s:I}}", "error", "code", oom ? "internal" : "bad_request",
                     "message", err->message, "column", (json_int_t)err->column));
}

static srv_expr_entry *compile(const patron_server *s, const srv_snapshot *snap, const char *where,
                               char *key, srv_answer *an) {
  srv_expr_entry *e = calloc(1, sizeof *e);
  if (!e) {
    free(key);
    return srv_error(an, 500, "internal", "out of memory"), NULL;
  }
  e->key = key;
  e->snap = snap;
  pthread_mutex_init(&e->lock, NULL);
  patron_expr_env env;
  patron_expr_env_init(&env);
  env.table = snap->s.table;
  env.dataset = snap->s.customers ? snap->s.ds : NULL;
  env.row_customer = snap->s.customers;
  env.as_of = (int64_t)snap->s.as_of * 86400;
  env.want_condition = true;
  env.label = "where";
  size_t want = s->o.threads > 1 ? s->o.threads : 1;
  want = want < SRV_EXPR_COPIES ? want : SRV_EXPR_COPIES;
  patron_error err = {0};
  for (; e->n_copies < want; e->n_copies++)
    if (patron_expr_compile(where, strlen(where), &env, &e->copies[e->n_copies], &err) !=
        PATRON_OK) {
      expr_error(an, &err);
      entry_free(e);
      return NULL;
    }
  return e;
}

/* Puts e in the cache (evicting the least recently used entry not in use); false when every
 * slot is in use. Under the cache lock. */
static bool insert(srv_expr_cache *c, srv_expr_entry *e) {
  size_t slot = c->n;
  if (c->n == SRV_EXPR_CACHE) {
    slot = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++)
      if (!c->entries[i]->refs &&
          (slot == SIZE_MAX || c->entries[i]->used < c->entries[slot]->used))
        slot = i;
    if (slot == SIZE_MAX)
      return false;
    entry_free(c->entries[slot]);
  } else {
    c->n++;
  }
  c->entries[slot] = e;
  return e->cached = true;
}

static srv_expr_entry *find(srv_expr_cache *c, const srv_snapshot *snap, const char *key) {
  for (size_t i = 0; i < c->n; i++)
    if (c->entries[i]->snap == snap && strcmp(c->entries[i]->key, key) == 0)
      return c->entries[i];
  return NULL;
}

/* The entry of `where` over snap, compiled when new; NULL with an error answer. Give it back
 * with release(). */
static srv_expr_entry *acquire(patron_server *s, const srv_snapshot *snap, const char *where,
                               srv_answer *an) {
  srv_expr_cache *c = &s->exprs;
  char *key = normalise(where);
  if (!key)
    return srv_error(an, 500, "internal", "out of memory"), NULL;
  pthread_mutex_lock(&c->lock);
  srv_expr_entry *e = find(c, snap, key);
  if (e) {
    e->refs++;
    e->used = ++c->tick;
  }
  pthread_mutex_unlock(&c->lock);
  if (e) {
    free(key);
    return e;
  }
  srv_expr_entry *fresh = compile(s, snap, where, key, an);
  if (!fresh)
    return NULL;
  pthread_mutex_lock(&c->lock);
  e = find(c, snap, fresh->key); /* another thread may have compiled it meanwhile */
  if (!e) {
    e = fresh;
    fresh = NULL;
    insert(c, e);
  }
  e->refs++;
  e->used = ++c->tick;
  pthread_mutex_unlock(&c->lock);
  entry_free(fresh);
  return e;
}

static void release(patron_server *s, srv_expr_entry *e) {
  pthread_mutex_lock(&s->exprs.lock);
  bool drop = --e->refs == 0 && !e->cached;
  pthread_mutex_unlock(&s->exprs.lock);
  if (drop)
    entry_free(e);
}

bool srv_expr_count(patron_server *s, const srv_snapshot *snap, const char *where, srv_answer *an,
                    size_t *count) {
  srv_expr_entry *e = acquire(s, snap, where, an);
  if (!e)
    return false;
  patron_error err = {0};
  patron_status st = PATRON_OK;
  pthread_mutex_lock(&e->lock);
  if (!e->counted)
    st = patron_expr_count(e->copies, e->n_copies, &e->count, &err);
  e->counted = st == PATRON_OK;
  *count = e->count;
  pthread_mutex_unlock(&e->lock);
  release(s, e);
  if (st != PATRON_OK)
    expr_error(an, &err);
  return st == PATRON_OK;
}

uint32_t *srv_expr_rows(patron_server *s, const srv_snapshot *snap, const char *where,
                        srv_answer *an, size_t *n) {
  size_t n_rows = patron_table_n_rows(snap->s.table);
  uint32_t *rows = malloc((n_rows ? n_rows : 1) * sizeof *rows);
  if (!rows)
    return srv_error(an, 500, "internal", "out of memory"), NULL;
  if (!where || !*where) {
    for (size_t i = 0; i < n_rows; i++)
      rows[i] = (uint32_t)i;
    *n = n_rows;
    return rows;
  }
  srv_expr_entry *e = acquire(s, snap, where, an);
  if (!e)
    return free(rows), NULL;
  patron_error err = {0};
  pthread_mutex_lock(&e->lock);
  patron_status st = patron_expr_filter(e->copies[0], NULL, n_rows, rows, n, &err);
  if (st == PATRON_OK && !e->counted)
    e->count = *n, e->counted = true;
  pthread_mutex_unlock(&e->lock);
  release(s, e);
  if (st == PATRON_OK)
    return rows;
  free(rows);
  expr_error(an, &err);
  return NULL;
}

void srv_expr_cache_init(srv_expr_cache *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
}

void srv_expr_cache_drop(srv_expr_cache *c, const srv_snapshot *snap) {
  pthread_mutex_lock(&c->lock);
  size_t kept = 0;
  for (size_t i = 0; i < c->n; i++) {
    srv_expr_entry *e = c->entries[i];
    if (snap && e->snap != snap)
      c->entries[kept++] = e;
    else if (e->refs)
      e->cached = false; /* freed by its last user */
    else
      entry_free(e);
  }
  c->n = kept;
  pthread_mutex_unlock(&c->lock);
}

void srv_expr_cache_free(srv_expr_cache *c) {
  srv_expr_cache_drop(c, NULL);
  pthread_mutex_destroy(&c->lock);
}
