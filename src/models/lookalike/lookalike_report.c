/* lookalike.json (SPEC section 9): the sizes, the method and the held-out evaluation of the
 * model and its two baselines (docs/LOOKALIKE.md describes every field). */
#include "models/lookalike/lookalike_int.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static json_t *real_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *eval_json(const patron_lookalike_eval *e) {
  json_t *o = json_object();
  json_object_set_new(o, "auc", real_or_null(e->auc));
  json_object_set_new(o, "recall", real_or_null(e->recall));
  json_object_set_new(o, "lift", real_or_null(e->lift));
  return o;
}

char *patron_lookalike_json(const patron_lookalike_result *r, const patron_lookalike_options *o,
                            size_t n_unknown) {
  json_t *root = json_object(), *ev = eval_json(&r->model), *base = json_object();
  json_object_set_new(root, "schema", json_string("patron.lookalike"));
  json_object_set_new(root, "schema_version", json_integer(1));
  json_object_set_new(root, "method", json_string("logistic regression, seed vs rest (L2)"));
  json_object_set_new(root, "seed", json_integer((json_int_t)r->n_seed));
  json_object_set_new(root, "unknown_seed_ids", json_integer((json_int_t)n_unknown));
  json_object_set_new(root, "candidates", json_integer((json_int_t)r->n_candidates));
  json_object_set_new(root, "size", json_integer((json_int_t)r->n_rows));
  json_object_set_new(root, "features", json_integer((json_int_t)r->n_features));
  json_object_set_new(root, "holdout_pct", json_real(o->holdout_pct));
  json_object_set_new(root, "rng_seed", json_integer((json_int_t)o->rng_seed));
  json_object_set_new(root, "l2", json_real(o->l2));
  json_object_set_new(ev, "hidden", json_integer((json_int_t)r->n_hidden));
  json_object_set_new(ev, "against", json_integer((json_int_t)(r->n_eval - r->n_hidden)));
  json_object_set_new(ev, "k", json_integer((json_int_t)r->eval_k));
  json_object_set_new(root, "evaluation", ev);
  json_object_set_new(base, "centroid", eval_json(&r->centroid));
  json_object_set_new(base, "monetary", eval_json(&r->monetary));
  json_object_set_new(root, "baselines", base);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
  json_decref(root);
  return text;
}
