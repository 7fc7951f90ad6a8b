/* The portrait's member-attribute dimensions (SPEC 17: "every member attribute with at most
 * 50 distinct values"): each extra column of the members file (patron_dataset_member_column:
 * beyond SPEC section 1's columns, personal data excluded by the loader) whose non-empty
 * values over the profile's customers number at most 50 becomes a dimension after the
 * SPEC's, its values in byte order. Values are coded once through a small hash table. */
#include "ops/portrait_int.h"

#include <stdlib.h>
#include <string.h>

enum { SLOTS = 128 }; /* a power of two above 2 x 50 */

typedef struct coder {
  const char *key[SLOTS];
  uint32_t code[SLOTS];
  size_t n;
} coder;

static uint32_t hash_of(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* The code of s (1-based, in order of first appearance), or 0 when a 51st value arrives. */
static uint32_t code_of(coder *c, const char *s) {
  for (uint32_t i = hash_of(s) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
    if (!c->key[i]) {
      if (c->n == PORTRAIT_MAX_ATTR_VALUES)
        return 0;
      c->key[i] = s;
      c->code[i] = (uint32_t)++c->n;
      return c->code[i];
    }
    if (c->key[i] == s || strcmp(c->key[i], s) == 0)
      return c->code[i];
  }
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Codes of one attribute over the profile's customers into codes (by customer); labels in
 * byte order. False when it has more than 50 values (or none). */
static bool code_attr(const pctx *x, const patron_member_column *mc, uint32_t *codes,
                      const char **labels, size_t *n_labels) {
  coder c = {0};
  for (size_t r = 0; r < x->n_rows; r++) {
    const char *v = mc->text[x->cust[r]];
    if (!v || !*v)
      continue;
    uint32_t k = code_of(&c, v);
    if (k == 0)
      return false;
    codes[x->cust[r]] = k;
  }
  if (c.n == 0)
    return false;
  const char *sorted[PORTRAIT_MAX_ATTR_VALUES];
  uint32_t remap[PORTRAIT_MAX_ATTR_VALUES + 1] = {0};
  size_t n = 0;
  for (size_t i = 0; i < SLOTS; i++)
    if (c.key[i])
      sorted[n++] = c.key[i];
  qsort(sorted, n, sizeof *sorted, by_text);
  labels[0] = "";
  for (size_t i = 0; i < n; i++) {
    labels[i + 1] = sorted[i];
    remap[code_of(&c, sorted[i])] = (uint32_t)(i + 1);
  }
  for (size_t r = 0; r < x->n_rows; r++)
    codes[x->cust[r]] = remap[codes[x->cust[r]]];
  *n_labels = n + 1;
  return true;
}

bool patron__portrait_attrs(pctx *x) {
  size_t n_cols = patron_dataset_n_member_columns(x->ds),
         n_cust = patron_dataset_n_customers(x->ds);
  for (size_t i = 0; i < n_cols && x->n_dims < PORTRAIT_MAX_DIMS; i++) {
    patron_member_column mc;
    patron_dataset_member_column(x->ds, i, &mc);
    uint32_t *codes = calloc(n_cust ? n_cust : 1, sizeof *codes);
    if (!codes)
      return false;
    size_t n_labels = 0;
    const char **labels = x->attr_labels[x->n_attr];
    if (!mc.text || !code_attr(x, &mc, codes, labels, &n_labels)) {
      free(codes);
      continue;
    }
    x->attr_codes[x->n_attr++] = codes;
    x->dims[x->n_dims++] =
        (pdim){.name = mc.name, .member = codes, .labels = labels, .n_values = n_labels};
  }
  return true;
}

void patron__portrait_attrs_free(pctx *x) {
  for (size_t i = 0; i < x->n_attr; i++)
    free(x->attr_codes[i]);
  x->n_attr = 0;
}
