/* Scoring with a trained XGBoost binary:logistic gbtree model without XGBoost's predictor:
 * the trees are read from the model's JSON once, then each row walks them in a tight loop
 * on the executor. The arithmetic is XGBoost's CPU predictor's (Chen & Guestrin 2016;
 * src/predictor/cpu_predictor.cc): a NaN feature takes the node's default child, otherwise
 * the left child when x < split; the margin starts at the base margin and adds each tree's
 * leaf value in tree order in float; p = 1 / (1 + expf(-margin)) in float. */
#include "core/exec.h"
#include "models/churn/churn_int.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A node: a split on column `feature` at `value` (child[0] left, child[1] right, by
 * absolute index; missing_right: where NaN goes), or a leaf (child[0] < 0) whose value is
 * added to the margin. */
typedef struct forest_node {
  float value;
  uint32_t feature;
  int32_t child[2];
  uint32_t missing_right;
} forest_node;

/* A split of the level layout; a leaf above the last level becomes a split (value NaN)
 * both of whose sides lead down to copies of the leaf. */
typedef struct level_node {
  float value;
  uint32_t feature, missing_right;
} level_node;

enum { LEVELS_MAX_DEPTH = 10 };

/* Trees of at most LEVELS_MAX_DEPTH levels are also laid out level by level (children of
 * split h at 2h + 1 and 2h + 2, every leaf at the same depth): a walk is then the same
 * number of steps for every row, which the processor overlaps across rows. */
struct patron__forest {
  forest_node *nodes;
  size_t *root; /* each tree's first node in nodes */
  size_t n_trees, n_nodes;
  float base_margin;
  unsigned depth;     /* the deepest leaf's depth */
  level_node *splits; /* when depth <= LEVELS_MAX_DEPTH: 2^depth - 1 per tree */
  float *leaves;      /* and 2^depth per tree */
};

void patron__forest_free(patron__forest *f) {
  if (!f)
    return;
  free(f->nodes);
  free(f->root);
  free(f->splits);
  free(f->leaves);
  free(f);
}

static const json_t *path(const json_t *o, const char *const *keys) {
  for (; o && *keys; keys++)
    o = json_object_get(o, *keys);
  return o;
}

static long long int_at(const json_t *a, size_t i) {
  const json_t *v = json_array_get(a, i);
  return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* Tree t's nodes from `at`; false when an array is short or a child is out of range
 * (patron__xgb_check has checked a model read from a file; this guards the rest). */
static bool read_tree(patron__forest *f, const json_t *t, size_t at, size_t n, size_t p) {
  const json_t *left = json_object_get(t, "left_children"),
               *right = json_object_get(t, "right_children"),
               *split = json_object_get(t, "split_indices"),
               *cond = json_object_get(t, "split_conditions"),
               *dflt = json_object_get(t, "default_left"), *type = json_object_get(t, "split_type");
  if (json_array_size(left) != n || json_array_size(right) != n || json_array_size(split) != n ||
      json_array_size(cond) != n || json_array_size(dflt) != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    long long l = int_at(left, i), r = int_at(right, i);
    bool leaf = l == -1;
    if (!leaf && (l <= (long long)i || r <= (long long)i || l >= (long long)n ||
                  r >= (long long)n || int_at(split, i) < 0 || int_at(split, i) >= (long long)p ||
                  (type && int_at(type, i) != 0)))
      return false;
    forest_node *node = &f->nodes[at + i];
    node->value = (float)json_number_value(json_array_get(cond, i));
    node->feature = leaf ? 0 : (uint32_t)int_at(split, i);
    node->child[0] = leaf ? -1 : (int32_t)(at + (size_t)l);
    node->child[1] = leaf ? -1 : (int32_t)(at + (size_t)r);
    node->missing_right = int_at(dflt, i) == 0;
  }
  return true;
}

static bool read_trees(patron__forest *f, const json_t *trees, size_t p) {
  f->n_trees = json_array_size(trees);
  f->root = malloc((f->n_trees ? f->n_trees : 1) * sizeof *f->root);
  for (size_t k = 0; f->root && k < f->n_trees; k++) {
    f->root[k] = f->n_nodes;
    f->n_nodes += json_array_size(json_object_get(json_array_get(trees, k), "left_children"));
  }
  f->nodes = f->root && f->n_nodes < INT32_MAX
                 ? malloc((f->n_nodes ? f->n_nodes : 1) * sizeof *f->nodes)
                 : NULL;
  if (!f->nodes)
    return false;
  for (size_t k = 0; k < f->n_trees; k++) {
    size_t end = k + 1 < f->n_trees ? f->root[k + 1] : f->n_nodes;
    if (end == f->root[k] ||
        !read_tree(f, json_array_get(trees, k), f->root[k], end - f->root[k], p))
      return false;
  }
  return true;
}

/* The deepest leaf's depth over the trees; false when out of memory. */
static bool measure_depth(patron__forest *f) {
  uint8_t *depth = calloc(f->n_nodes ? f->n_nodes : 1, 1); /* 1 + depth, 0: unreached */
  if (!depth)
    return false;
  for (size_t k = 0; k < f->n_trees; k++)
    depth[f->root[k]] = 1;
  for (size_t i = 0; i < f->n_nodes; i++) { /* children follow their parent */
    const forest_node *nd = &f->nodes[i];
    unsigned d = depth[i];
    if (d && nd->child[0] < 0 && d - 1 > f->depth)
      f->depth = d - 1;
    if (d && nd->child[0] >= 0 && d <= LEVELS_MAX_DEPTH)
      depth[nd->child[0]] = depth[nd->child[1]] = (uint8_t)(d + 1);
    else if (d && nd->child[0] >= 0)
      f->depth = LEVELS_MAX_DEPTH + 1;
  }
  free(depth);
  return true;
}

/* Places node `node` at split h of a tree's level layout, d levels down. */
static void place(patron__forest *f, size_t node, size_t h, unsigned d, level_node *splits,
                  float *leaves) {
  const forest_node *nd = &f->nodes[node];
  if (d == f->depth) {
    leaves[h - (((size_t)1 << d) - 1)] = nd->value;
    return;
  }
  bool leaf = nd->child[0] < 0;
  splits[h] =
      leaf ? (level_node){NAN, 0, 1} : (level_node){nd->value, nd->feature, nd->missing_right};
  place(f, leaf ? node : (size_t)nd->child[0], 2 * h + 1, d + 1, splits, leaves);
  place(f, leaf ? node : (size_t)nd->child[1], 2 * h + 2, d + 1, splits, leaves);
}

static bool lay_out_levels(patron__forest *f) {
  if (!measure_depth(f))
    return false;
  if (f->depth > LEVELS_MAX_DEPTH)
    return true;
  size_t inner = ((size_t)1 << f->depth) - 1, k = f->n_trees ? f->n_trees : 1;
  f->splits = malloc(k * (inner ? inner : 1) * sizeof *f->splits);
  f->leaves = malloc(k * (inner + 1) * sizeof *f->leaves);
  if (!f->splits || !f->leaves)
    return false;
  for (size_t t = 0; t < f->n_trees; t++)
    place(f, f->root[t], 0, 0, f->splits + t * inner, f->leaves + t * (inner + 1));
  return true;
}

/* XGBoost keeps base_score as a margin: -log(1 / base_score - 1), in float. */
static bool read_base_margin(patron__forest *f, const json_t *root) {
  const char *bs[] = {"learner", "learner_model_param", "base_score", NULL};
  const json_t *v = path(root, bs);
  const char *s = json_string_value(v);
  char *end = NULL;
  float p = s ? strtof(s, &end) : (float)json_number_value(v);
  if ((s && (end == s || *end)) || !(p > 0 && p < 1))
    return false;
  f->base_margin = -logf(1.0f / p - 1.0f);
  return true;
}

patron_status patron__forest_read(const char *text, size_t len, size_t n_features,
                                  patron__forest **out, patron_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_loadb(text, len, 0, &je);
  const char *tr[] = {"learner", "gradient_booster", "model", "trees", NULL};
  patron__forest *f = root ? calloc(1, sizeof *f) : NULL;
  bool ok = f && read_base_margin(f, root) && json_is_array(path(root, tr)) &&
            read_trees(f, path(root, tr), n_features) && lay_out_levels(f);
  json_decref(root);
  if (!ok) {
    patron__forest_free(f);
    return f || !root ? patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                                          "model.json is not a valid churn model: its trees "
                                          "cannot be read")
                      : PATRON__OOM(err);
  }
  *out = f;
  return PATRON_OK;
}

/* The leaf row x reaches in the tree whose first node is `node`. The side is computed
 * without branches: which way a row goes is unpredictable. */
static float leaf_value(const forest_node *nodes, size_t node, const float *x) {
  const forest_node *at = &nodes[node];
  while (at->child[0] >= 0) {
    float v = x[at->feature];
    uint32_t nan = v != v, right = !(v < at->value);
    at = &nodes[at->child[(right & !nan) | (at->missing_right & nan)]];
  }
  return at->value;
}

typedef struct predict_job {
  const patron__forest *f;
  const float *x;
  size_t p;
  double *out;
} predict_job;

enum { PREDICT_BLOCK = 64, PREDICT_PART = 8192 };

enum { LANES = 8 }; /* rows walked side by side: independent chains of loads */

/* The side of a split a value takes: right when v >= value, NaN on its default side
 * (v >= value is false for NaN). Branchless: which way a row goes is unpredictable. */
static inline uint32_t side(const level_node *nd, float v) {
  return (uint32_t)(v >= nd->value) | (nd->missing_right & (uint32_t)(v != v));
}

/* One level of the walks of LANES rows (row r at x + r * p) at splits h[r]; unrolled so
 * that the walks stay in registers. */
static inline void step(const level_node *splits, const float *x, size_t p, size_t *h) {
#pragma GCC unroll 8
  for (int r = 0; r < LANES; r++) {
    const level_node *nd = &splits[h[r]];
    h[r] = 2 * h[r] + 1 + side(nd, x[(size_t)r * p + nd->feature]);
  }
}

/* margin[i] += tree k's leaf for rows x[0..m) through the level layout. */
static void add_tree_levels(const patron__forest *f, size_t k, const float *x, size_t p, size_t m,
                            float *margin) {
  size_t inner = ((size_t)1 << f->depth) - 1, i = 0;
  const level_node *splits = f->splits + k * inner;
  const float *leaves = f->leaves + k * (inner + 1);
  for (; i + LANES <= m; i += LANES) {
    size_t h[LANES] = {0};
    for (unsigned d = 0; d < f->depth; d++)
      step(splits, x + i * p, p, h);
    for (int r = 0; r < LANES; r++)
      margin[i + (size_t)r] += leaves[h[r] - inner];
  }
  for (; i < m; i++) {
    size_t h = 0;
    for (unsigned d = 0; d < f->depth; d++) {
      const level_node *nd = &splits[h];
      h = 2 * h + 1 + side(nd, x[i * p + nd->feature]);
    }
    margin[i] += leaves[h - inner];
  }
}

static void add_levels(const patron__forest *f, const float *x, size_t p, size_t m, float *margin) {
  for (size_t k = 0; k < f->n_trees; k++)
    add_tree_levels(f, k, x, p, m, margin);
}

/* The same through the node lists (deeper trees). */
static void add_walks(const patron__forest *f, const float *x, size_t p, size_t m, float *margin) {
  for (size_t k = 0; k < f->n_trees; k++)
    for (size_t i = 0; i < m; i++)
      margin[i] += leaf_value(f->nodes, f->root[k], x + i * p);
}

/* Rows [lo, hi) tree by tree in blocks of PREDICT_BLOCK rows (the trees stay in cache). */
static void predict_rows(void *ctx, size_t lo, size_t hi, int worker) {
  (void)worker;
  const predict_job *j = ctx;
  const patron__forest *f = j->f;
  float margin[PREDICT_BLOCK];
  for (size_t b = lo; b < hi; b += PREDICT_BLOCK) {
    size_t m = hi - b < PREDICT_BLOCK ? hi - b : PREDICT_BLOCK;
    for (size_t i = 0; i < m; i++)
      margin[i] = f->base_margin;
    if (f->splits)
      add_levels(f, j->x + b * j->p, j->p, m, margin);
    else
      add_walks(f, j->x + b * j->p, j->p, m, margin);
    for (size_t i = 0; i < m; i++)
      j->out[b + i] = 1.0f / (1.0f + expf(-margin[i]));
  }
}

void patron__forest_predict(const patron__forest *f, const float *x, size_t n, size_t p,
                            int n_threads, double *out) {
  predict_job j = {f, x, p, out};
  patron__exec_ranges(n < 2 * PREDICT_PART ? 1 : n_threads, n, PREDICT_PART, predict_rows, &j);
}
