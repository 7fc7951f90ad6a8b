/* Structural check of an XGBoost JSON model (the format XGBoosterSaveModelToBuffer writes,
 * XGBoost >= 1.0 "learner" schema) before it is handed to XGBoost, which trusts its input:
 * an edited model.json with a split index out of range, a child pointing back up the tree,
 * two trees with the same id (XGBoost places each tree at trees[id] and leaves the other slot
 * empty), a huge num_trees or another objective would crash it, hang it or score garbage. */
#include "models/churn/churn_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TREES = 100000, MAX_NODES = 1 << 22 };

static patron_status bad(patron_error *err, const char *what) {
  return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "model.json is not a valid churn model: %s", what);
}

/* An integer stored as a number or, as XGBoost writes parameters, as a decimal string. */
static bool int_of(const json_t *v, long long *out) {
  if (json_is_integer(v))
    return *out = json_integer_value(v), true;
  if (!json_is_string(v))
    return false;
  char *end;
  const char *s = json_string_value(v);
  *out = strtoll(s, &end, 10);
  return end != s && *end == '\0';
}

/* A real stored as a number or as a string ("5E-1"). */
static bool real_of(const json_t *v, double *out) {
  if (json_is_number(v))
    return *out = json_number_value(v), true;
  if (!json_is_string(v))
    return false;
  char *end;
  const char *s = json_string_value(v);
  *out = strtod(s, &end);
  return end != s && *end == '\0';
}

static const json_t *path(const json_t *o, const char *const *keys) {
  for (; o && *keys; keys++)
    o = json_object_get(o, *keys);
  return o;
}

static bool int_array(const json_t *a, size_t n) {
  return json_is_array(a) && json_array_size(a) == n;
}

/* size_leaf_vector absent or 0: XGBoost's CPU predictor aborts on vector leaves. */
static bool scalar_leaves(const json_t *v) {
  long long n = 0;
  return !v || (int_of(v, &n) && n == 0);
}

/* Children come after their parent (XGBoost allocates nodes in that order), so the tree is
 * acyclic and every walk ends; split features index the model's columns. */
static patron_status check_tree(const json_t *t, long long n_feature, patron_error *err) {
  long long n_nodes;
  const char *np[] = {"tree_param", "num_nodes", NULL};
  if (!int_of(path(t, np), &n_nodes) || n_nodes < 1 || n_nodes > MAX_NODES)
    return bad(err, "a tree's num_nodes is missing or out of range");
  /* vector leaves: XGBoost's CPU predictor refuses them with a failed check (an abort) */
  const char *lv[] = {"tree_param", "size_leaf_vector", NULL};
  if (!scalar_leaves(path(t, lv)))
    return bad(err, "a tree's size_leaf_vector is not 0 (vector leaves are not supported)");
  const json_t *left = json_object_get(t, "left_children"),
               *right = json_object_get(t, "right_children"),
               *split = json_object_get(t, "split_indices");
  size_t n = (size_t)n_nodes;
  if (!int_array(left, n) || !int_array(right, n) || !int_array(split, n) ||
      !int_array(json_object_get(t, "split_conditions"), n) ||
      !int_array(json_object_get(t, "base_weights"), n))
    return bad(err, "a tree's node arrays do not match its num_nodes");
  for (size_t i = 0; i < n; i++) {
    long long l = -2, r = -2, f = -1;
    int_of(json_array_get(left, i), &l);
    int_of(json_array_get(right, i), &r);
    int_of(json_array_get(split, i), &f);
    bool leaf = l == -1 && r == -1;
    if (!leaf && (l <= (long long)i || r <= (long long)i || l >= n_nodes || r >= n_nodes))
      return bad(err, "a tree's child index points outside the tree or back up it");
    if (!leaf && (f < 0 || f >= n_feature))
      return bad(err, "a split index names no feature of the model");
  }
  return PATRON_OK;
}

/* Each tree's id is its slot: ids are 0..n-1, each once; tree_info gives every tree the one
 * output group of a binary model. */
static patron_status check_tree_ids(const json_t *root, const json_t *trees, size_t n,
                                    patron_error *err) {
  const char *ti[] = {"learner", "gradient_booster", "model", "tree_info", NULL};
  const json_t *info = path(root, ti);
  if (!int_array(info, n))
    return bad(err, "tree_info does not list one group per tree");
  unsigned char *seen = calloc(n ? n : 1, 1);
  if (!seen)
    return patron__error_set(err, PATRON_ERR_NOMEM, NULL, 0, 0, "out of memory");
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    long long id = -1, group = -1;
    int_of(json_object_get(json_array_get(trees, i), "id"), &id);
    int_of(json_array_get(info, i), &group);
    if (id < 0 || (size_t)id >= n || seen[id])
      st = bad(err, "tree ids must be 0 to num_trees - 1, each once");
    else if (group != 0)
      st = bad(err, "tree_info names an output group a binary model lacks");
    else
      seen[id] = 1;
  }
  free(seen);
  return st;
}

static patron_status check_learner(const json_t *root, size_t n_features, patron_error *err) {
  const char *obj[] = {"learner", "objective", "name", NULL};
  const char *name = json_string_value(path(root, obj));
  if (!name || strcmp(name, "binary:logistic") != 0)
    return bad(err, "the objective must be binary:logistic");
  const char *cls[] = {"learner", "learner_model_param", "num_class", NULL};
  const char *nf[] = {"learner", "learner_model_param", "num_feature", NULL};
  long long n_class = 0, n_feature;
  if (path(root, cls) && (!int_of(path(root, cls), &n_class) || n_class > 1))
    return bad(err, "a multi-class model cannot give a churn probability");
  const char *tg[] = {"learner", "learner_model_param", "num_target", NULL};
  long long n_target = 1; /* absent in older models: one target */
  if (path(root, tg) && (!int_of(path(root, tg), &n_target) || n_target != 1))
    return bad(err, "a model of several targets cannot give one churn probability");
  if (!int_of(path(root, nf), &n_feature) || n_feature != (long long)n_features)
    return bad(err, "its feature count differs from schema.json's");
  const char *bs[] = {"learner", "learner_model_param", "base_score", NULL};
  double base_score;
  if (!real_of(path(root, bs), &base_score) || !(base_score > 0 && base_score < 1))
    return bad(err, "base_score must be a probability in (0, 1)");
  const char *gb[] = {"learner", "gradient_booster", "name", NULL};
  const char *booster = json_string_value(path(root, gb));
  if (!booster || strcmp(booster, "gbtree") != 0)
    return bad(err, "the booster must be gbtree");
  const char *nt[] = {"learner", "gradient_booster", "model", "gbtree_model_param", "num_trees",
                      NULL};
  const char *tr[] = {"learner", "gradient_booster", "model", "trees", NULL};
  long long n_trees;
  const json_t *trees = path(root, tr);
  if (!int_of(path(root, nt), &n_trees) || n_trees < 0 || n_trees > MAX_TREES ||
      !json_is_array(trees) || json_array_size(trees) != (size_t)n_trees)
    return bad(err, "num_trees is out of range or differs from the trees listed");
  const char *lv[] = {
      "learner", "gradient_booster", "model", "gbtree_model_param", "size_leaf_vector", NULL};
  if (!scalar_leaves(path(root, lv)))
    return bad(err, "size_leaf_vector is not 0 (vector leaves are not supported)");
  patron_status st = check_tree_ids(root, trees, (size_t)n_trees, err);
  for (size_t i = 0; st == PATRON_OK && i < (size_t)n_trees; i++)
    st = check_tree(json_array_get(trees, i), n_feature, err);
  return st;
}

patron_status patron__xgb_check(const char *text, size_t len, size_t n_features,
                                patron_error *err) {
  json_error_t je;
  json_t *root = json_loadb(text, len, 0, &je);
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, (uint64_t)je.line, (uint32_t)je.column,
                             "model.json is not valid JSON: %s", je.text);
  patron_status st = check_learner(root, n_features, err);
  json_decref(root);
  return st;
}
