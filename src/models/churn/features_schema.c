/* The feature schema: the columns a model was trained on (numeric features of the groups
 * present at training, one-hot levels of categorical features chosen by frequency with a
 * cap, rare levels -> "(other)"), the encoding of any feature set into a dense float matrix
 * by level *names* (dictionary codes differ between datasets), and its JSON form. */
#include "core/exec.h"
#include "io/json_int.h"
#include "models/churn/features_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct patron_feature_schema {
  unsigned groups;
  size_t n_cols;
  char **names;                   /* n_cols, owned */
  uint8_t *heavy;                 /* n_cols */
  int num_idx[PATRON__N_NUMERIC]; /* numeric features used, in column order */
  size_t n_num;
  int cat_idx[PATRON__N_CATEGORICAL];
  size_t n_cat;
  char **levels[PATRON__N_CATEGORICAL]; /* by categorical feature; owned strings */
  size_t n_levels[PATRON__N_CATEGORICAL];
  size_t first_col[PATRON__N_CATEGORICAL]; /* levels, then "(other)" */
};

static const char *const GROUP_NAMES[] = {"orders", "lines", "events", "members", "clv"};
enum { N_GROUPS = 5 };

const char *patron__groups_text(unsigned groups, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int g = 0; g < N_GROUPS; g++)
    if (groups & (1u << g))
      len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? ", " : "",
                              GROUP_NAMES[g]);
  return buf;
}

void patron_feature_schema_free(patron_feature_schema *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->n_cols; i++)
    free(s->names ? s->names[i] : NULL);
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++) {
    for (size_t j = 0; j < s->n_levels[k]; j++)
      free(s->levels[k][j]);
    free(s->levels[k]);
  }
  free(s->names);
  free(s->heavy);
  free(s);
}

size_t patron_feature_schema_n_columns(const patron_feature_schema *s) { return s->n_cols; }
const char *patron_feature_schema_column(const patron_feature_schema *s, size_t i) {
  return i < s->n_cols ? s->names[i] : NULL;
}
bool patron_feature_schema_heavy(const patron_feature_schema *s, size_t i) {
  return i < s->n_cols && s->heavy[i];
}
unsigned patron_feature_schema_groups(const patron_feature_schema *s) { return s->groups; }

static char *dup_str(const char *a, const char *b) {
  size_t la = strlen(a), lb = b ? strlen(b) + 1 : 0;
  char *s = malloc(la + lb + 1);
  if (!s)
    return NULL;
  memcpy(s, a, la);
  if (b) {
    s[la] = '=';
    memcpy(s + la + 1, b, lb);
  }
  s[la + lb] = '\0';
  return s;
}

/* Fills the column list from groups and levels (levels already set). */
static bool build_columns(patron_feature_schema *s) {
  s->n_num = s->n_cat = 0;
  size_t n = 0;
  for (int k = 0; k < PATRON__N_NUMERIC; k++)
    if (s->groups & patron__numeric_defs[k].group)
      s->num_idx[s->n_num++] = k, n++;
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++)
    if (s->groups & patron__categorical_defs[k].group)
      s->cat_idx[s->n_cat++] = k, n += s->n_levels[k] + 1;
  s->names = calloc(n, sizeof *s->names);
  s->heavy = calloc(n, 1);
  if (!s->names || !s->heavy)
    return false;
  s->n_cols = n;
  size_t col = 0;
  for (size_t i = 0; i < s->n_num; i++, col++) {
    s->names[col] = dup_str(patron__numeric_defs[s->num_idx[i]].name, NULL);
    s->heavy[col] = patron__numeric_defs[s->num_idx[i]].heavy;
    if (!s->names[col])
      return false;
  }
  for (size_t i = 0; i < s->n_cat; i++) {
    int k = s->cat_idx[i];
    s->first_col[k] = col;
    for (size_t j = 0; j <= s->n_levels[k]; j++, col++) {
      const char *level = j < s->n_levels[k] ? s->levels[k][j] : PATRON__LEVEL_OTHER;
      if (!(s->names[col] = dup_str(patron__categorical_defs[k].name, level)))
        return false;
    }
  }
  return true;
}

/* ---- Fitting the levels ------------------------------------------------------------------ */

typedef struct level_count {
  const char *label;
  double count;
} level_count;

static int cmp_level(const void *a, const void *b) {
  const level_count *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp(x->label, y->label);
}

/* Adds set f's counts of categorical k into the list (merging by label). */
static bool count_levels(const patron_features *f, int k, level_count **list, size_t *n,
                         size_t *cap) {
  double *per_code = calloc(f->n_labels[k], sizeof *per_code);
  if (!per_code)
    return false;
  for (size_t i = 0; i < f->n_rows; i++)
    per_code[f->cat[(size_t)k * f->n_rows + i]]++;
  bool ok = true;
  for (size_t code = 0; code < f->n_labels[k] && ok; code++) {
    if (per_code[code] == 0)
      continue;
    size_t j = 0;
    while (j < *n && strcmp((*list)[j].label, f->labels[k][code]) != 0)
      j++;
    if (j == *n && (ok = patron__reserve((void **)list, cap, *n + 1, sizeof **list)))
      (*list)[(*n)++] = (level_count){f->labels[k][code], 0};
    if (ok)
      (*list)[j].count += per_code[code];
  }
  free(per_code);
  return ok;
}

static bool fit_levels(patron_feature_schema *s, int k, const patron_features *const *sets,
                       size_t n_sets, int max_levels, double min_share) {
  level_count *list = NULL;
  size_t n = 0, cap = 0;
  double rows = 0;
  bool ok = true;
  for (size_t i = 0; i < n_sets && ok; i++) {
    ok = count_levels(sets[i], k, &list, &n, &cap);
    rows += (double)sets[i]->n_rows;
  }
  if (ok && n)
    qsort(list, n, sizeof *list, cmp_level);
  size_t keep = 0;
  while (ok && keep < n && keep < (size_t)max_levels && list[keep].count >= min_share * rows)
    keep++;
  s->levels[k] = calloc(keep ? keep : 1, sizeof *s->levels[k]);
  ok = ok && s->levels[k];
  for (size_t j = 0; ok && j < keep; j++, s->n_levels[k]++)
    ok = (s->levels[k][j] = dup_str(list[j].label, NULL)) != NULL;
  free(list);
  return ok;
}

/* Levels are saved in schema.json as text: a value in another encoding (a GBK city read
 * without --encoding) is named here rather than breaking the schema downstream. */
static patron_status check_levels_text(const patron_feature_schema *s, patron_error *err) {
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++)
    for (size_t j = 0; j < s->n_levels[k]; j++) {
      const char *v = s->levels[k][j];
      if (patron__utf8_valid(v, strlen(v)))
        continue;
      char shown[200];
      return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                               "the %s value '%s' is not UTF-8 text: give its file's encoding, "
                               "e.g. --encoding customers=gbk (or --encoding gbk for all files)",
                               patron__categorical_defs[k].name,
                               patron__escape(shown, sizeof shown, v, strlen(v)));
    }
  return PATRON_OK;
}

patron_status patron_feature_schema_fit(const patron_features *const *sets, size_t n_sets,
                                        int max_levels, double min_share,
                                        patron_feature_schema **out, patron_error *err) {
  *out = NULL;
  if (!sets || n_sets == 0)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "no feature sets");
  for (size_t i = 1; i < n_sets; i++)
    if (sets[i]->groups != sets[0]->groups)
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "feature sets have different groups");
  patron_feature_schema *s = calloc(1, sizeof *s);
  if (!s)
    return PATRON__OOM(err);
  s->groups = sets[0]->groups;
  bool ok = true;
  for (int k = 0; k < PATRON__N_CATEGORICAL && ok; k++)
    if (s->groups & patron__categorical_defs[k].group)
      ok = fit_levels(s, k, sets, n_sets, max_levels > 0 ? max_levels : 0, min_share);
  if (!ok || !build_columns(s)) {
    patron_feature_schema_free(s);
    return PATRON__OOM(err);
  }
  patron_status st = check_levels_text(s, err);
  if (st != PATRON_OK) {
    patron_feature_schema_free(s);
    return st;
  }
  *out = s;
  return PATRON_OK;
}

/* ---- Encoding ------------------------------------------------------------------------------ */

static patron_status check_groups(const patron_feature_schema *s, const patron_features *f,
                                  patron_error *err) {
  if (f->groups == s->groups)
    return PATRON_OK;
  char missing[128], extra[128];
  patron__groups_text(s->groups & ~f->groups, missing, sizeof missing);
  patron__groups_text(f->groups & ~s->groups, extra, sizeof extra);
  return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                           "the data does not match the model's feature schema: %s%s%s%s%s "
                           "(give the same inputs as at training: events need --events, "
                           "members --customers, lines the order lines)",
                           missing[0] ? "the model needs features from " : "", missing,
                           missing[0] && extra[0] ? "; " : "",
                           extra[0] ? "the data has features the model was not trained "
                                      "with, from "
                                    : "",
                           extra);
}

/* code -> column for categorical k of f. */
static size_t *level_map(const patron_feature_schema *s, const patron_features *f, int k) {
  size_t *map = malloc(f->n_labels[k] * sizeof *map);
  if (!map)
    return NULL;
  for (size_t code = 0; code < f->n_labels[k]; code++) {
    size_t j = 0;
    while (j < s->n_levels[k] && strcmp(s->levels[k][j], f->labels[k][code]) != 0)
      j++;
    map[code] = s->first_col[k] + j; /* j == n_levels: "(other)" */
  }
  return map;
}

/* Rows [lo, hi) into out (row lo first) in blocks that stay in cache: the source is
 * column-major, the output row-major. */
void patron__encoding_rows(const patron__encoding *e, size_t lo, size_t hi, float *out) {
  enum { BLOCK_ROWS = 256 };
  const patron_feature_schema *s = e->s;
  const patron_features *f = e->f;
  size_t n = f->n_rows, p = s->n_cols;
  out -= lo * p;
  for (size_t b = lo; b < hi; b += BLOCK_ROWS) {
    size_t end = b + BLOCK_ROWS < hi ? b + BLOCK_ROWS : hi;
    for (size_t j = 0; j < s->n_num; j++) {
      const double *col = patron__features_col(f, s->num_idx[j]);
      for (size_t i = b; i < end; i++)
        out[i * p + j] = (float)col[i];
    }
    for (size_t i = b; i < end; i++)
      memset(out + i * p + s->n_num, 0, (p - s->n_num) * sizeof *out);
    for (size_t c = 0; c < s->n_cat; c++) {
      const uint32_t *codes = f->cat + (size_t)s->cat_idx[c] * n;
      for (size_t i = b; i < end; i++)
        out[i * p + e->maps[c][codes[i]]] = 1.0f;
    }
  }
}

typedef struct encode_job {
  const patron__encoding *e;
  size_t lo, hi;
  float *out;
} encode_job;

static void encode_worker(void *arg) {
  encode_job *j = arg;
  patron__encoding_rows(j->e, j->lo, j->hi, j->out + j->lo * j->e->s->n_cols);
}

/* Two halves on the executor when the matrix is large (rows are independent). */
static void encode_parallel(const patron__encoding *e, float *out) {
  size_t n = e->f->n_rows, half = n < 65536 ? n : n / 2;
  encode_job jobs[2] = {{e, 0, half, out}, {e, half, n, out}};
  patron__exec_each(2, jobs, half < n ? 2 : 1, sizeof *jobs, encode_worker);
}

void patron__encoding_free(patron__encoding *e) {
  for (size_t c = 0; c < PATRON__N_CATEGORICAL; c++)
    free(e->maps[c]);
}

patron_status patron__encoding_init(patron__encoding *e, const patron_feature_schema *s,
                                    const patron_features *f, patron_error *err) {
  *e = (patron__encoding){.s = s, .f = f};
  patron_status st = check_groups(s, f, err);
  for (size_t c = 0; c < s->n_cat && st == PATRON_OK; c++)
    if (!(e->maps[c] = level_map(s, f, s->cat_idx[c])))
      st = PATRON__OOM(err);
  if (st != PATRON_OK)
    patron__encoding_free(e);
  return st;
}

patron_status patron_feature_schema_encode(const patron_feature_schema *s, const patron_features *f,
                                           float *out, patron_error *err) {
  patron__encoding e;
  patron_status st = patron__encoding_init(&e, s, f, err);
  if (st == PATRON_OK)
    encode_parallel(&e, out);
  patron__encoding_free(&e);
  return st;
}

/* ---- JSON --------------------------------------------------------------------------------- */

json_t *patron__feature_schema_json(const patron_feature_schema *s) {
  json_t *o = json_object(), *groups = json_array(), *cols = json_array(), *cats = json_object();
  for (int g = 0; g < N_GROUPS; g++)
    if (s->groups & (1u << g))
      json_array_append_new(groups, json_string(GROUP_NAMES[g]));
  for (size_t c = 0; c < s->n_cat; c++) {
    int k = s->cat_idx[c];
    json_t *levels = json_array();
    for (size_t j = 0; j < s->n_levels[k]; j++)
      json_array_append_new(levels, patron__json_str(s->levels[k][j], NULL));
    json_object_set_new(cats, patron__categorical_defs[k].name, levels);
  }
  for (size_t i = 0; i < s->n_cols; i++) {
    json_t *col = json_object();
    json_object_set_new(col, "name", patron__json_str(s->names[i], NULL));
    json_object_set_new(col, "type", json_string(i < s->n_num ? "numeric" : "one_hot"));
    json_object_set_new(col, "heavy_tailed", json_boolean(s->heavy[i]));
    json_array_append_new(cols, col);
  }
  json_object_set_new(o, "groups", groups);
  json_object_set_new(o, "categorical_levels", cats);
  json_object_set_new(o, "columns", cols);
  return o;
}

static patron_status bad(patron_error *err, const char *what) {
  return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0, "bad feature schema: %s", what);
}

static bool parse_groups(json_t *arr, unsigned *groups) {
  size_t i;
  json_t *v;
  *groups = 0;
  json_array_foreach(arr, i, v) {
    int g = 0;
    while (g < N_GROUPS && (!json_is_string(v) || strcmp(json_string_value(v), GROUP_NAMES[g])))
      g++;
    if (g == N_GROUPS)
      return false;
    *groups |= 1u << g;
  }
  return (*groups & PATRON_FEATURES_ORDERS) != 0;
}

static bool parse_levels(patron_feature_schema *s, json_t *cats) {
  for (int k = 0; k < PATRON__N_CATEGORICAL; k++) {
    if (!(s->groups & patron__categorical_defs[k].group))
      continue;
    json_t *arr = json_object_get(cats, patron__categorical_defs[k].name);
    if (!json_is_array(arr))
      return false;
    size_t n = json_array_size(arr);
    s->levels[k] = calloc(n ? n : 1, sizeof *s->levels[k]);
    if (!s->levels[k])
      return false;
    for (size_t j = 0; j < n; j++, s->n_levels[k]++) {
      json_t *v = json_array_get(arr, j);
      if (!json_is_string(v) || !(s->levels[k][j] = dup_str(json_string_value(v), NULL)))
        return false;
    }
  }
  return true;
}

/* The columns recomputed from groups and levels must be the ones written. */
static bool columns_match(const patron_feature_schema *s, json_t *cols) {
  if (!json_is_array(cols) || json_array_size(cols) != s->n_cols)
    return false;
  for (size_t i = 0; i < s->n_cols; i++) {
    const char *name = json_string_value(json_object_get(json_array_get(cols, i), "name"));
    if (!name || strcmp(name, s->names[i]) != 0)
      return false;
  }
  return true;
}

patron_status patron__feature_schema_parse(json_t *o, patron_feature_schema **out,
                                           patron_error *err) {
  *out = NULL;
  patron_feature_schema *s = calloc(1, sizeof *s);
  if (!s)
    return PATRON__OOM(err);
  const char *why = NULL;
  if (!json_is_object(o) || !parse_groups(json_object_get(o, "groups"), &s->groups))
    why = "'groups' must list known feature groups including orders";
  else if (!parse_levels(s, json_object_get(o, "categorical_levels")))
    why = "'categorical_levels' must hold the levels of each categorical feature";
  else if (!build_columns(s) || !columns_match(s, json_object_get(o, "columns")))
    why = "'columns' do not match the groups and levels (edited by hand, or a newer Patron?)";
  if (why) {
    patron_feature_schema_free(s);
    return bad(err, why);
  }
  *out = s;
  return PATRON_OK;
}

char *patron_feature_schema_to_json(const patron_feature_schema *s) {
  json_t *o = patron__feature_schema_json(s);
  char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(o);
  return text;
}

patron_status patron_feature_schema_from_json(const char *text, patron_feature_schema **out,
                                              patron_error *err) {
  json_error_t je;
  json_t *o = json_loads(text, 0, &je);
  if (!o)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, (uint64_t)je.line, (uint32_t)je.column,
                             "bad feature schema JSON: %s", je.text);
  patron_status st = patron__feature_schema_parse(o, out, err);
  json_decref(o);
  return st;
}
