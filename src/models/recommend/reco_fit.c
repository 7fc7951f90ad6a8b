/* The recommender's life cycle (SPEC section 18): options, fit (baskets and view-days ->
 * counts and rules -> similar values -> segments and favourites), and the time-split
 * evaluation against the popularity baseline: hit rate, precision@k, recall@k and catalogue
 * coverage over the customers with a purchase in the last D days. */
#include "models/recommend/reco_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void patron_recommend_options_init(patron_recommend_options *o) {
  memset(o, 0, sizeof *o);
  o->level = PATRON_RECO_ITEM;
  o->k = 10;
  o->min_support = 10;
  o->min_confidence = 0.05;
  o->as_of_day = PATRON_NO_DAY;
  o->exclude_days = 90;
  o->view_days = 90;
}

bool patron_reco_level_parse(const char *s, patron_reco_level *out) {
  static const char *const names[] = {"item", "category", "brand"};
  for (int i = 0; i < 3; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (patron_reco_level)i;
      return true;
    }
  return false;
}

static const char *level_dict(patron_reco_level l) {
  return l == PATRON_RECO_ITEM ? "item" : l == PATRON_RECO_CATEGORY ? "category" : "brand";
}

static int32_t resolve_as_of(const patron_dataset *ds, int32_t as_of) {
  if (as_of != PATRON_NO_DAY)
    return as_of;
  if (patron_dataset_load_as_of(ds) != PATRON_NO_DAY)
    return patron_dataset_load_as_of(ds);
  int64_t t = patron_dataset_max_order_time(ds);
  return t == INT64_MIN ? 0 : patron__reco_day(t) + 1;
}

static patron_status check(const patron_dataset *ds, const patron_recommend_options *o,
                           patron_error *err) {
  if (!patron_dataset_has_lines(ds))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "recommendations need order lines (load with keep_lines)");
  if (o->k < 1 || o->k > 1000)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "k must be from 1 to 1000");
  if (o->min_support < 1 || !(o->min_confidence >= 0 && o->min_confidence <= 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "min support must be >= 1 and min confidence in [0, 1]");
  if (o->exclude_days < 0 || o->view_days < 0 || o->view_days > 100000)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "exclude and view days must be from 0 to 100000");
  if (patron_dataset_dict_size(ds, level_dict(o->level)) <= 1)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the order lines have no %s values (column %s)", level_dict(o->level),
                             o->level == PATRON_RECO_ITEM ? "item_id" : level_dict(o->level));
  return PATRON_OK;
}

static patron_status fit(const patron_dataset *ds, const patron_recommend_options *o,
                         bool want_rules, patron_recommender **out, patron_error *err) {
  *out = NULL;
  patron_status st = check(ds, o, err);
  if (st != PATRON_OK)
    return st;
  patron_recommender *m = calloc(1, sizeof *m);
  if (!m)
    return PATRON__OOM(err);
  m->ds = ds;
  m->o = *o;
  m->want_rules = want_rules;
  m->as_of = resolve_as_of(ds, o->as_of_day);
  m->dict = level_dict(o->level);
  m->n_codes = patron_dataset_dict_size(ds, m->dict);
  m->n_customers = patron_dataset_n_customers(ds);
  m->threads = patron__exec_workers(o->n_threads, SIZE_MAX);
  st = patron__reco_build_sets(m, err);
  if (st == PATRON_OK)
    st = patron__reco_count(m, err);
  if (st == PATRON_OK)
    st = patron__reco_similar(m, err);
  if (st == PATRON_OK)
    st = patron__reco_segments(m, err);
  if (st != PATRON_OK) {
    patron_recommender_free(m);
    return st;
  }
  *out = m;
  return PATRON_OK;
}

patron_status patron_recommender_fit(const patron_dataset *ds, const patron_recommend_options *o,
                                     patron_recommender **out, patron_error *err) {
  return fit(ds, o, !o->no_rules, out, err);
}

void patron_recommender_free(patron_recommender *m) {
  if (!m)
    return;
  free(m->bstart), free(m->vstart);
  patron__reco_sets_free(&m->baskets);
  patron__reco_sets_free(&m->views);
  free(m->count), free(m->vcount), free(m->rank), free(m->dense), free(m->freq_code);
  patron__reco_pairs_free(&m->pairs);
  free(m->adj_start), free(m->adj), free(m->tri), free(m->ftext);
  patron__reco_pairs_free(&m->vpairs);
  free(m->rules);
  free(m->sim_start), free(m->sim_code), free(m->sim_score);
  free(m->segment), free(m->seg_label), free(m->fav_start), free(m->fav_code);
  free(m->reason_bought), free(m->reason_viewed), free(m->reason_popular);
  patron__arena_free(&m->text);
  free(m);
}

void patron_recommender_stats_get(const patron_recommender *m, patron_recommender_stats *out) {
  size_t values = 0;
  for (size_t c = 1; c < m->n_codes; c++)
    values += m->count[c] > 0;
  *out = (patron_recommender_stats){m->baskets.n, values, m->n_rules, m->views.n};
}

/* ---------------------------------------------------------------- evaluation */

typedef struct eval_job {
  const patron_recommender *m;
  patron_orders_view ov;
  patron_lines_view lv;
  const uint32_t *line_code;
  int64_t from_t, to_t;
  const uint32_t *customers;
  int k;
  uint32_t *model, *n_model; /* k picks per customer */
  uint32_t *truth_n, *hits, *pop_hits;
  reco_scratch *scratch[PATRON__EXEC_MAX_WORKERS];
  uint32_t *stamp[PATRON__EXEC_MAX_WORKERS];
  bool failed;
} eval_job;

/* Marks customer c's values bought in the window with `mark`; returns how many. */
static uint32_t truth(const eval_job *j, uint32_t c, uint32_t *stamp, uint32_t mark) {
  uint32_t n = 0;
  for (uint32_t i = j->lv.start[c]; i < j->lv.start[c + 1]; i++) {
    uint32_t o = j->lv.order[i], v = j->line_code[i];
    if (!v || j->ov.value[o] <= 0 || j->ov.time[o] < j->from_t || j->ov.time[o] >= j->to_t)
      continue;
    if (stamp[v] != mark) {
      stamp[v] = mark;
      n++;
    }
  }
  return n;
}

static void eval_range(void *ctx, size_t lo, size_t hi, int w) {
  eval_job *j = ctx;
  const patron_recommender *m = j->m;
  if (!j->scratch[w])
    j->scratch[w] = patron__reco_scratch_new(m->n_codes);
  if (!j->stamp[w])
    j->stamp[w] = calloc(m->n_codes + 1, sizeof *j->stamp[w]);
  reco_pick *picks = malloc((size_t)j->k * sizeof *picks);
  if (!j->scratch[w] || !j->stamp[w] || !picks) {
    free(picks);
    j->failed = true;
    return;
  }
  const uint32_t *pop = m->fav_code + m->fav_start[m->n_segments];
  size_t n_pop = m->fav_start[m->n_segments + 1] - m->fav_start[m->n_segments];
  for (size_t i = lo; i < hi; i++) {
    uint32_t c = j->customers[i], mark = (uint32_t)i + 1;
    j->truth_n[i] = truth(j, c, j->stamp[w], mark);
    size_t n = patron__reco_pick(m, j->scratch[w], c, j->k, picks);
    j->n_model[i] = (uint32_t)n;
    for (size_t q = 0; q < n; q++) {
      j->model[i * (size_t)j->k + q] = picks[q].code;
      j->hits[i] += j->stamp[w][picks[q].code] == mark;
    }
    for (size_t q = 0; q < n_pop && q < (size_t)j->k; q++)
      j->pop_hits[i] += j->stamp[w][pop[q]] == mark;
  }
  free(picks);
}

/* Customers with a purchase in [from, to) holding a value at the level. */
static uint32_t *window_buyers(const eval_job *j, size_t n_customers, size_t *n) {
  uint32_t *ids = malloc((n_customers + 1) * sizeof *ids);
  if (!ids)
    return NULL;
  *n = 0;
  for (size_t c = 0; c < n_customers; c++)
    for (uint32_t i = j->lv.start[c]; i < j->lv.start[c + 1]; i++) {
      uint32_t o = j->lv.order[i];
      if (j->line_code[i] && j->ov.value[o] > 0 && j->ov.time[o] >= j->from_t &&
          j->ov.time[o] < j->to_t) {
        ids[(*n)++] = (uint32_t)c;
        break;
      }
    }
  return ids;
}

static void scores(const eval_job *j, size_t n, bool model, size_t catalogue,
                   patron_reco_scores *out) {
  const patron_recommender *m = j->m;
  uint8_t *seen = calloc(m->n_codes + 1, 1);
  double hit = 0, prec = 0, rec = 0;
  size_t covered = 0;
  const uint32_t *pop = m->fav_code + m->fav_start[m->n_segments];
  size_t n_pop = m->fav_start[m->n_segments + 1] - m->fav_start[m->n_segments];
  for (size_t i = 0; i < n; i++) {
    uint32_t h = model ? j->hits[i] : j->pop_hits[i];
    hit += h > 0;
    prec += (double)h / j->k;
    rec += (double)h / j->truth_n[i];
    size_t np = model ? j->n_model[i] : (n_pop < (size_t)j->k ? n_pop : (size_t)j->k);
    for (size_t q = 0; seen && q < np; q++) {
      uint32_t v = model ? j->model[i * (size_t)j->k + q] : pop[q];
      covered += !seen[v];
      seen[v] = 1;
    }
  }
  free(seen);
  double d = n ? (double)n : 1;
  *out = (patron_reco_scores){hit / d, prec / d, rec / d,
                              catalogue ? (double)covered / (double)catalogue : 0};
}

static patron_status run_eval(eval_job *j, patron_recommend_eval *out, patron_error *err) {
  const patron_recommender *m = j->m;
  size_t n = 0;
  uint32_t *ids = window_buyers(j, m->n_customers, &n);
  j->customers = ids;
  j->model = malloc((n * (size_t)j->k + 1) * sizeof *j->model);
  j->n_model = calloc(n + 1, sizeof *j->n_model);
  j->truth_n = calloc(n + 1, sizeof *j->truth_n);
  j->hits = calloc(n + 1, sizeof *j->hits);
  j->pop_hits = calloc(n + 1, sizeof *j->pop_hits);
  patron_status st = PATRON_OK;
  if (!ids || !j->model || !j->n_model || !j->truth_n || !j->hits || !j->pop_hits)
    st = PATRON__OOM(err);
  else
    patron__exec_ranges(m->threads, n, 1024, eval_range, j);
  if (st == PATRON_OK && j->failed)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    patron_recommender_stats ms;
    patron_recommender_stats_get(m, &ms);
    out->customers = n;
    out->catalogue = ms.values;
    scores(j, n, true, ms.values, &out->model);
    scores(j, n, false, ms.values, &out->popular);
  }
  for (int w = 0; w < PATRON__EXEC_MAX_WORKERS; w++) {
    patron__reco_scratch_free(j->scratch[w]);
    free(j->stamp[w]);
  }
  free(ids), free(j->model), free(j->n_model), free(j->truth_n), free(j->hits), free(j->pop_hits);
  return st;
}

patron_status patron_recommend_evaluate(const patron_dataset *ds,
                                        const patron_recommend_options *opts, int days,
                                        patron_recommend_eval *out, patron_error *err) {
  memset(out, 0, sizeof *out);
  if (days < 1 || days > 100000)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "evaluation days must be from 1 to 100000");
  patron_recommend_options o = *opts;
  int32_t as_of = resolve_as_of(ds, opts->as_of_day);
  o.as_of_day = as_of - days;
  patron_recommender *m = NULL;
  patron_status st = fit(ds, &o, false, &m, err); /* rules play no part in the scores */
  if (st != PATRON_OK)
    return st;
  eval_job j = {.m = m, .k = opts->k};
  patron_dataset_orders(ds, &j.ov);
  patron_dataset_lines(ds, &j.lv);
  j.line_code = opts->level == PATRON_RECO_ITEM       ? j.lv.item
                : opts->level == PATRON_RECO_CATEGORY ? j.lv.category
                                                      : j.lv.brand;
  j.from_t = (int64_t)o.as_of_day * 86400;
  j.to_t = (int64_t)as_of * 86400;
  *out = (patron_recommend_eval){
      .split_day = o.as_of_day, .as_of_day = as_of, .days = days, .k = opts->k};
  st = run_eval(&j, out, err);
  patron_recommender_free(m);
  return st;
}

static json_t *scores_json(const patron_reco_scores *s) {
  json_t *o = json_object();
  json_object_set_new(o, "hit_rate", json_real(s->hit_rate));
  json_object_set_new(o, "precision_at_k", json_real(s->precision));
  json_object_set_new(o, "recall_at_k", json_real(s->recall));
  json_object_set_new(o, "coverage", json_real(s->coverage));
  return o;
}

char *patron_recommend_eval_to_json(const patron_recommend_eval *e,
                                    const patron_recommend_options *o) {
  char split[16], as_of[16];
  patron_format_day(e->split_day, split);
  patron_format_day(e->as_of_day, as_of);
  json_t *root = json_object();
  json_object_set_new(root, "level", json_string(level_dict(o->level)));
  json_object_set_new(root, "k", json_integer(e->k));
  json_object_set_new(root, "evaluate_days", json_integer(e->days));
  json_object_set_new(root, "split", json_string(split));
  json_object_set_new(root, "as_of", json_string(as_of));
  json_object_set_new(root, "exclude_days", json_integer(o->exclude_days));
  json_object_set_new(root, "view_days", json_integer(o->view_days));
  json_object_set_new(root, "min_support", json_integer((json_int_t)o->min_support));
  json_object_set_new(root, "customers", json_integer((json_int_t)e->customers));
  json_object_set_new(root, "catalogue", json_integer((json_int_t)e->catalogue));
  json_object_set_new(root, "model", scores_json(&e->model));
  json_object_set_new(root, "popularity", scores_json(&e->popular));
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
  json_decref(root);
  return text;
}
