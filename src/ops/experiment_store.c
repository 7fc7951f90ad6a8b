/* Experiment assignments in the store (SPEC sections 10 and 12): `experiment assign --db`
 * records them (one transaction, one run), `experiment evaluate --db --name` reads them back. */
#include "patron/experiment_rules.h"

#include <stdlib.h>
#include <string.h>

#include "core/assign_int.h"
#include "core/intern.h"

patron_status patron_assignments_store_put(patron_store *store, const patron_assignments *a,
                                           const char *salt, patron_error *err) {
  int64_t run = 0;
  patron_status st = patron_store_begin(store, err);
  if (st == PATRON_OK)
    st = patron_store_run_add(store, "experiment assign", NULL, NULL, &run, err);
  for (size_t i = 0; st == PATRON_OK && i < a->n; i++) {
    patron_assignment row = {a->name, a->ids[i], a->arms.names[a->arm[i]], salt,
                             a->bucket[i] == PATRON_NO_BUCKET ? 0 : (int32_t)a->bucket[i]};
    st = patron_store_assignment_put(store, &row, err);
  }
  if (st == PATRON_OK)
    return patron_store_commit(store, err);
  patron_store_rollback(store);
  return st;
}

typedef struct get_ctx {
  patron__intern ids, arms;
  uint32_t *arm, *bucket;
  size_t cap, bytes;
  bool oom;
} get_ctx;

static bool get_row(void *ctx, const patron_assignment *row) {
  get_ctx *c = ctx;
  bool added = false, new_arm = false;
  size_t old = c->cap;
  uint32_t id = patron__intern_put(&c->ids, 0, row->customer_id, strlen(row->customer_id), &added);
  uint32_t arm = patron__intern_put(&c->arms, 0, row->arm, strlen(row->arm), &new_arm);
  if (id == PATRON__NO_INDEX || arm == PATRON__NO_INDEX ||
      !patron__reserve((void **)&c->arm, &c->cap, c->ids.n, sizeof *c->arm))
    return c->oom = true, false;
  if (c->cap != old) {
    uint32_t *b = realloc(c->bucket, c->cap * sizeof *b);
    if (!b)
      return c->oom = true, false;
    c->bucket = b;
  }
  c->arm[id] = arm;
  c->bucket[id] =
      row->bucket >= 0 && row->bucket < 10000 ? (uint32_t)row->bucket : PATRON_NO_BUCKET;
  c->bytes += added ? strlen(row->customer_id) + 1 : 0;
  return true;
}

static patron_status build(const char *name, const get_ctx *c, patron_assignments **out,
                           patron_error *err) {
  patron_assignments *a = patron__assignments_new(name, c->ids.n, c->bytes);
  if (!a)
    return PATRON__OOM(err);
  for (size_t k = 0; k < c->arms.n; k++)
    if (!patron__arms_add(&a->arms, c->arms.str[k], c->arms.len[k], 1)) {
      patron_assignments_free(a);
      return PATRON__OOM(err);
    }
  char *text = a->id_text;
  for (size_t i = 0; i < c->ids.n; i++) {
    a->ids[i] = text;
    memcpy(text, c->ids.str[i], c->ids.len[i]);
    text[c->ids.len[i]] = '\0';
    text += c->ids.len[i] + 1;
    a->arm[i] = c->arm[i];
    a->bucket[i] = c->bucket[i];
  }
  *out = a;
  return PATRON_OK;
}

patron_status patron_assignments_store_get(patron_store *store, const char *name,
                                           patron_assignments **out, patron_error *err) {
  get_ctx c = {0};
  patron_status st = patron_store_assignments(store, name, get_row, &c, err);
  if (st == PATRON_OK && c.oom)
    st = PATRON__OOM(err);
  if (st == PATRON_OK && c.ids.n == 0)
    st = patron__error_set(err, PATRON_ERR_INPUT, patron_store_path(store), 0, 0,
                           "no assignments of experiment '%s'", name);
  if (st == PATRON_OK)
    st = build(name, &c, out, err);
  patron__intern_free(&c.ids);
  patron__intern_free(&c.arms);
  free(c.arm);
  free(c.bucket);
  return st;
}
