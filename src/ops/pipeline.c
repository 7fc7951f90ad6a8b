/* The pipeline (include/patron/pipeline.h): profile as of the run's date, then the stage
 * table in order. To add a stage: write `patron_status patron__stage_NAME(profile, dataset,
 * run, err)` (declare it in src/ops/stages.h), put its options in patron_pipeline_options,
 * anything it leaves besides columns in patron_pipeline_results, and add one line below. */
#include "core/core_int.h"
#include "core/exec.h"
#include "core/profile_int.h"
#include "core/run_int.h"
#include "ops/pipeline_int.h"
#include "ops/stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool always(const patron_pipeline_options *o) {
  (void)o;
  return true;
}
static bool models(const patron_pipeline_options *o) { return !o->spec_only; }
static bool clv_on(const patron_pipeline_options *o) { return !o->spec_only && o->clv; }
static bool rules_on(const patron_pipeline_options *o) {
  return o->tags.tags_file || o->tags.segments_file;
}
static bool warning_on(const patron_pipeline_options *o) {
  return !o->spec_only && o->level_warning;
}
static bool validate_on(const patron_pipeline_options *o) {
  return o->validate_loyalty_day != PATRON_NO_DAY;
}
static bool churn_on(const patron_pipeline_options *o) {
  return !o->spec_only && o->churn_model_dir;
}

/* clang-format off */
static const patron_stage stages[] = {
  {"segment", "always, first; reads the base figures; adds r_score .. lifecycle (SPEC 3)",
   always, patron__stage_segment, true,
   "r_score,f_score,m_score,rfm_cell,rfm_score,rfm_class,segment,value_quadrant,abc_class,"
   "lifecycle", NULL},
  {"clv", "unless --spec-only/--no-clv; reads orders; adds p_alive, exp_purchases_90d, "
          "clv_365d", clv_on, patron__stage_clv, false, "p_alive,exp_purchases_90d,clv_365d", NULL},
  {"repurchase", "unless --spec-only; reads orders, lines; adds repurchase_cycle_days, "
                 "next_purchase_expected, repurchase_due, repurchase_status", models,
   patron__stage_repurchase, false,
   "repurchase_cycle_days,repurchase_cycle_source,next_purchase_date,repurchase_due,"
   "repurchase_status", NULL},
  {"cluster", "unless --spec-only; reads the --features columns; adds cluster, "
              "cluster_label", models, patron__stage_cluster, false, "cluster,cluster_label", NULL},
  {"tiers", "unless --spec-only; reads recency_days, frequency, monetary, events; adds "
            "value_index, tier, member_level", models, patron__stage_tiers, false,
   "value_index,tier,member_level", NULL},
  {"tags", "unless --spec-only; reads lines, events, members; adds the built-in tags "
           "(preferred_category ... last_event_date) the inputs support", models,
   patron__stage_tags, false,
   "preferred_category,preferred_brand,preferred_channel,omnichannel,price_band,promo_share,"
   "promo_sensitivity,age_band,events_30d,last_event_date", NULL},
  {"loyalty", "unless --spec-only; reads frequency, orders; adds loyalty_score, loyalty "
              "(SPEC 17)", models, patron__stage_loyalty, false, "loyalty_score,loyalty", NULL},
  {"relationship_stage", "unless --spec-only; reads frequency, tenure_days, orders; adds "
                         "stage (SPEC 17)", models, patron__stage_relationship, false, "stage", NULL},
  {"rules", "with --tags/--segments; reads any column; adds one column per tag rule and tags, "
            "or custom_segment", rules_on, patron__stage_rules, false, NULL, NULL},
  {"churn", "with --churn-model, after the default columns (which keep their positions); "
            "reads the model's features; adds churn_risk or purchase_propensity", churn_on,
   patron__stage_churn, false, NULL, NULL},
  {"level_warning", "with --db, unless --spec-only; reads member_level, orders; adds "
                    "level_warning", warning_on, patron__stage_level_warning, false, "level_warning",
   "member_level"},
  {"loyalty_validation", "with --validate-loyalty D; reads orders; adds the time-split AUCs "
                         "to summary.json", validate_on, patron__stage_loyalty_validation, false, "", NULL},
  {"segment_report", "always, last; reads every segmentation column; makes segments.csv",
   always, patron__stage_segment_report, false, "", NULL},
};
/* clang-format on */

const patron_stage *patron_pipeline_stages(size_t *n) {
  *n = sizeof stages / sizeof stages[0];
  return stages;
}

void patron_pipeline_options_init(patron_pipeline_options *o) {
  *o = (patron_pipeline_options){
      .clv = true, .review_days = 30, .validate_loyalty_day = PATRON_NO_DAY};
  patron_profile_options_init(&o->profile);
  patron_clv_profile_options_init(&o->clv_options);
  patron_repurchase_options_init(&o->repurchase);
  patron_cluster_options_init(&o->cluster);
  o->cluster.k = 5;
  o->cluster.scan.fit.n_init = 3;
  o->cluster.fewer_ok = true;
  patron_value_tiers_options_init(&o->value);
  patron_tags_options_init(&o->tags);
}

/* Is `name` one of the comma-separated names of `list`? */
static bool listed(const char *list, const char *name) {
  size_t len = strlen(name);
  for (const char *s = list; *s;) {
    size_t n = strcspn(s, ",");
    if (n == len && strncmp(s, name, len) == 0)
      return true;
    s += n + (s[n] == ',');
  }
  return false;
}

static patron_status check_only(const char *only, patron_error *err) {
  for (const char *s = only; *s;) {
    size_t n = strcspn(s, ","), i = 0;
    while (i < sizeof stages / sizeof stages[0] &&
           (strlen(stages[i].name) != n || strncmp(stages[i].name, s, n) != 0))
      i++;
    if (i == sizeof stages / sizeof stages[0])
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "unknown stage '%.*s'", (int)n,
                               s);
    s += n + (s[n] == ',');
  }
  return PATRON_OK;
}

/* Does any comma-separated name of `a` appear in list `b`? */
static bool lists_meet(const char *a, const char *b) {
  char name[64];
  for (const char *s = a; s && *s;) {
    size_t n = strcspn(s, ",");
    if (n < sizeof name) {
      memcpy(name, s, n);
      name[n] = '\0';
      if (listed(b, name))
        return true;
    }
    s += n + (s[n] == ',');
  }
  return false;
}

/* Is stage i needed for `names` or by a stage already wanted? */
static bool needed(size_t i, const bool *want, const char *const *names, size_t n_names) {
  for (size_t k = 0; k < n_names; k++)
    if (listed(stages[i].adds, names[k]))
      return true;
  for (size_t j = 0; j < sizeof stages / sizeof stages[0]; j++)
    if (want[j] && lists_meet(stages[j].reads, stages[i].adds))
      return true;
  return false;
}

patron_status patron_pipeline_only_for(const patron_pipeline_options *o, const char *const *names,
                                       size_t n_names, char **only, patron_error *err) {
  enum { N = sizeof stages / sizeof stages[0] };
  bool want[N] = {false};
  *only = NULL;
  for (size_t i = 0; i < N; i++)
    if (stages[i].enabled(o) && !stages[i].profile && !stages[i].adds)
      return PATRON_OK; /* its columns are known only when it runs: run everything */
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < N; i++)
      if (!want[i] && !stages[i].profile && stages[i].enabled(o) && needed(i, want, names, n_names))
        want[i] = changed = true;
  }
  size_t len = 1;
  for (size_t i = 0; i < N; i++)
    len += want[i] ? strlen(stages[i].name) + 1 : 0;
  if (!(*only = malloc(len)))
    return PATRON__OOM(err);
  char *p = *only;
  for (size_t i = 0; i < N; i++)
    if (want[i])
      p += sprintf(p, "%s%s", p == *only ? "" : ",", stages[i].name);
  *p = '\0';
  return PATRON_OK;
}

/* A copy of column c appended to t (same type, labels, decimals). */
static patron_status copy_column(patron_table *t, const patron_column *c, patron_error *err) {
  size_t n = patron_table_n_rows(t),
         size = c->type == PATRON_COL_CATEGORY || c->type == PATRON_COL_DATE ? 4 : 8;
  void *data;
  patron_status st =
      c->type == PATRON_COL_CATEGORY
          ? patron_table_add_category(t, c->name, (const char *const *)c->labels, c->alt_labels,
                                      c->n_labels, c->segmentation, (int32_t **)&data, err)
          : patron_table_add(t, c->name, c->type, &data, err);
  if (st == PATRON_OK && n)
    memcpy(data, c->data, n * size);
  if (st == PATRON_OK && c->type == PATRON_COL_DOUBLE)
    patron_table_set_decimals(t, c->name, c->decimals);
  return st;
}

patron_status patron__stage_given(patron_profile *p, const patron_run *run, const char *name,
                                  patron_error *err) {
  const patron_table *g = run->options->given;
  patron_table *t = patron_profile_table(p);
  const patron_stage *s = stages;
  while (strcmp(s->name, name) != 0)
    s++;
  if (patron_table_n_rows(g) != patron_table_n_rows(t))
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0,
                             "%s: the given columns have %zu rows, the profile %zu", name,
                             patron_table_n_rows(g), patron_table_n_rows(t));
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < patron_table_n_columns(g); i++) {
    const patron_column *c = patron_table_column(g, i);
    if (s->adds && listed(s->adds, c->name))
      st = copy_column(t, c, err);
  }
  return st;
}

patron_status patron__stage_given_column(patron_profile *p, const patron_run *run,
                                         const char *column, patron_error *err) {
  const patron_table *g = run->options->given;
  const patron_column *c = patron_table_find(g, column);
  if (!c || patron_table_n_rows(g) != patron_table_n_rows(patron_profile_table_const(p)))
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "no given column %s", column);
  return copy_column(patron_profile_table(p), c, err);
}

bool patron__stage_is_given(const patron_run *run, const char *name) {
  const patron_pipeline_options *o = run->options;
  return o->given_stages && o->given && listed(o->given_stages, name);
}

/* Index of stage `name` (the table's end for NULL or an unknown name). */
static size_t stage_index(const char *name) {
  size_t i = 0;
  while (name && i < sizeof stages / sizeof stages[0] && strcmp(stages[i].name, name) != 0)
    i++;
  return name ? i : sizeof stages / sizeof stages[0];
}

static bool skipped(const patron_stage *s, const patron_pipeline_options *o) {
  return !s->enabled(o) || (o->only && !s->profile && !listed(o->only, s->name));
}

/* The enabled stages of the table from index `from` up to `to` (excluded), on profile p. */
static patron_status run_range(const patron_dataset *ds, const patron_pipeline_options *o,
                               patron_run *run, patron_profile *p, size_t from, size_t to,
                               patron_error *err) {
  patron_status st = PATRON_OK;
  for (size_t i = from; st == PATRON_OK && i < to; i++) {
    const patron_stage *s = &stages[i];
    if (skipped(s, o))
      continue;
    if (patron_run_cancelled(run))
      return patron__error_set(err, PATRON_ERR_CANCELLED, NULL, 0, 0, "cancelled before %s",
                               s->name);
    st = s->run(p, ds, run, err);
    if (st == PATRON_OK)
      patron_run_lap(run, s->name);
  }
  return st;
}

/* Two lanes: the clv stage, whose fit is partly serial, runs on a view of the profile
 * beside the stages after it up to relationship_stage, which read only the base and
 * segment columns and the dataset (see the stage table's "reads"); the view's columns then
 * take clv's place in the table, and its run's lists their place in the run's, so the
 * outputs are those of the stages run one after the other. */
typedef struct lane {
  const patron_dataset *ds;
  const patron_pipeline_options *o;
  patron_run *run;
  patron_profile *p;
  size_t from, to;
  patron_status st;
  patron_error err;
} lane;

static void lane_run(void *item) {
  lane *l = item;
  l->st = run_range(l->ds, l->o, l->run, l->p, l->from, l->to, &l->err);
}

/* Can stages [i, j) run as two lanes: clv and the stages after it? Not on one thread,
 * nor when the cluster features read clv's columns. */
static bool lanes_fit(const patron_pipeline_options *o, const patron_run *run, size_t i, size_t j) {
  if (i + 1 >= j || strcmp(stages[i].name, "clv") != 0 || skipped(&stages[i], o) ||
      patron__exec_workers(run->n_threads, 2) < 2)
    return false;
  const char *features = o->cluster.features ? o->cluster.features : "";
  for (const char *a = stages[i].adds; *a;) {
    size_t n = strcspn(a, ",");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)n, a);
    if (strstr(features, name))
      return false;
    a += n + (a[n] == ',');
  }
  return true;
}

static patron_status run_lanes(const patron_dataset *ds, const patron_pipeline_options *o,
                               patron_run *run, patron_profile *p, size_t i, size_t j,
                               patron_error *err) {
  patron_run side;
  patron__run_mark mark;
  lane l[2] = {{ds, o, &side, NULL, i, i + 1, PATRON_OK, {0}},
               {ds, o, run, p, i + 1, j, PATRON_OK, {0}}};
  patron_status st = patron__profile_view(p, &l[0].p, err);
  if (st != PATRON_OK)
    return st;
  patron__run_fork(run, &side, &mark);
  patron__exec_each(2, l, 2, sizeof *l, lane_run);
  patron__run_join(run, &side, &mark);
  patron_run_free_contents(&side);
  st = patron__profile_adopt(p, l[0].p, err);
  for (int k = 1; k >= 0; k--) /* the first stage's error wins, as one after the other */
    if (l[k].st != PATRON_OK)
      st = l[k].st, *err = l[k].err;
  return st;
}

/* The stages [from, to), clv and the stages up to relationship_stage as two lanes when
 * they fit. */
static patron_status run_stages(const patron_dataset *ds, const patron_pipeline_options *o,
                                patron_run *run, patron_pipeline_results *out, size_t from,
                                size_t to, patron_error *err) {
  size_t i = stage_index("clv"), j = stage_index("relationship_stage") + 1;
  if (from > i || to < j || !lanes_fit(o, run, i, j))
    return run_range(ds, o, run, out->profile, from, to, err);
  patron_status st = run_range(ds, o, run, out->profile, from, i, err);
  if (st == PATRON_OK)
    st = run_lanes(ds, o, run, out->profile, i, j, err);
  return st == PATRON_OK ? run_range(ds, o, run, out->profile, j, to, err) : st;
}

patron_status patron_pipeline_run(const patron_dataset *ds, const patron_pipeline_options *o,
                                  patron_run *run, patron_pipeline_results *out,
                                  patron_error *err) {
  *out = (patron_pipeline_results){0};
  patron_status st = o->only ? check_only(o->only, err) : PATRON_OK;
  if (st != PATRON_OK)
    return st;
  int32_t as_of = run->as_of_day != PATRON_NO_DAY ? run->as_of_day : o->profile.as_of_day;
  if ((st = patron_profile_base(ds, as_of, &out->profile, err)) != PATRON_OK)
    return st;
  return patron__pipeline_run_stages(ds, o, run, out, err);
}

patron_status patron__pipeline_run_stages(const patron_dataset *ds,
                                          const patron_pipeline_options *o, patron_run *run,
                                          patron_pipeline_results *out, patron_error *err) {
  return patron__pipeline_run_part(ds, o, run, out, NULL, NULL, err);
}

patron_status patron__pipeline_run_part(const patron_dataset *ds, const patron_pipeline_options *o,
                                        patron_run *run, patron_pipeline_results *out,
                                        const char *from, const char *to, patron_error *err) {
  if (!from) {
    run->as_of_day = patron_profile_as_of(out->profile);
    patron_run_lap(run, "profile");
  }
  const patron_pipeline_options *saved_options = run->options;
  patron_pipeline_results *saved_results = run->results;
  run->options = o;
  run->results = out;
  patron_status st =
      run_stages(ds, o, run, out, from ? stage_index(from) : 0, stage_index(to), err);
  run->options = saved_options;
  run->results = saved_results;
  return st;
}

void patron_pipeline_results_free(patron_pipeline_results *r) {
  if (!r)
    return;
  patron_profile_free(r->profile);
  patron_tagset_free(r->tagset); /* after the profile: it owns the tag columns' labels */
  free(r->segments);
  patron_clustering_free(r->clustering);
  patron_clv_model_free(r->clv_purchases);
  patron_clv_model_free(r->clv_spend);
  *r = (patron_pipeline_results){0};
}
