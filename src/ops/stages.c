/* The model stages of the pipeline: each calls one model of src/models on the profile
 * (SPEC section 3 segmentations: docs/FIGURES.md; CLV columns: docs/CLV.md; repurchase:
 * docs/REPURCHASE.md; churn score: docs/CHURN.md; clusters, value index, tiers, member levels:
 * docs/TIERS.md; segment report: SPEC 4). */
#include "core/core_int.h"
#include "models/tiers/tiers_int.h"
#include "models/churn/churn_int.h"
#include "models/repurchase/repurchase_int.h"
#include "ops/stages.h"
#include "patron/churn.h"

#include <stdio.h>
#include <stdlib.h>

patron_status patron__stage_segment(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err) {
  (void)ds;
  patron_profile_options o = run->options->profile;
  o.n_threads = run->n_threads;
  return patron_profile_segment(p, &o, err);
}

/* The fitted models into summary.json ("clv": parameters, standard errors, warnings) and
 * their warnings into the run's. */
static void report_clv(patron_run *run, const patron_pipeline_results *r, int32_t as_of) {
  const patron_clv_model *m[2] = {r->clv_purchases, r->clv_spend};
  for (int i = 0; i < 2; i++)
    if (m[i] && patron_clv_model_warning(m[i]))
      patron_run_warn(run, "CLV %s model (%s): %s", i ? "spend" : "purchase",
                      patron_clv_kind_name(patron_clv_model_kind(m[i])),
                      patron_clv_model_warning(m[i]));
  char *json = patron_clv_fit_to_json(r->clv_purchases, r->clv_spend, 1, as_of - 1);
  if (json)
    patron_run_add_section(run, "clv", json);
  free(json);
}

/* CLV columns. When the data cannot support a model (too few repeat buyers, no
 * convergence) they stay empty with a warning (stderr, summary.json) and a note in the
 * results; other failures end the run. */
/* The CLV columns computed by the MPI ranks with rank 0's models, which the caller left in
 * the results (or the fit's failure in clv_note): the single process's columns, warnings
 * and report. */
static patron_status clv_given(patron_profile *p, patron_run *run, patron_error *err) {
  patron_status st = patron__stage_given(p, run, "clv", err);
  if (st == PATRON_OK && run->results->clv_note[0])
    patron_run_warn(run, "CLV columns left empty: %s", run->results->clv_note);
  else if (st == PATRON_OK && run->results->clv_purchases)
    report_clv(run, run->results, patron_profile_as_of(p));
  return st;
}

patron_status patron__stage_clv(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                patron_error *err) {
  if (patron__stage_is_given(run, "clv"))
    return clv_given(p, run, err);
  patron_error own = {0};
  patron_clv_profile_options o = run->options->clv_options;
  o.threads = run->n_threads;
  o.purchases_out = &run->results->clv_purchases;
  o.spend_out = &run->results->clv_spend;
  patron_status st = patron_clv_profile_columns(
      patron_profile_table(p), ds, patron_profile_customers(p), patron_profile_as_of(p), &o, &own);
  if (st == PATRON_ERR_DOMAIN || st == PATRON_ERR_NOCONV || st == PATRON_ERR_INPUT) {
    snprintf(run->results->clv_note, sizeof run->results->clv_note, "%s", own.message);
    patron_run_warn(run, "CLV columns left empty: %s", own.message);
    return PATRON_OK;
  }
  if (st == PATRON_OK && run->results->clv_purchases)
    report_clv(run, run->results, patron_profile_as_of(p));
  if (st != PATRON_OK)
    *err = own;
  return st;
}

patron_status patron__stage_repurchase(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                       patron_error *err) {
  if (patron__stage_is_given(run, "repurchase")) { /* the ranks' cycles; the fallback here */
    patron_status st = patron__stage_given(p, run, "repurchase", err);
    if (st == PATRON_OK && run->options->repurchase.fallback)
      st = patron__repurchase_fallback_after(p, &run->options->repurchase, err);
    return st;
  }
  patron_repurchase_options o = run->options->repurchase;
  o.n_threads = run->n_threads;
  return patron_repurchase_profile(p, ds, &o, err);
}

patron_status patron__churn_column(const char *dir, const patron_dataset *ds, patron_profile *p,
                                   const patron__rank_counter *rc, patron_error *err) {
  patron_churn_model *m = NULL;
  patron_status st = patron_churn_model_read(dir, &m, err);
  if (st == PATRON_OK)
    st = patron__churn_append_column_with(m, ds, patron_profile_as_of(p), patron_profile_table(p),
                                          patron_profile_customers(p), rc, err);
  patron_churn_model_free(m);
  return st;
}

/* The churn column the MPI ranks computed (its name is the model's). */
static patron_status churn_given(patron_profile *p, const patron_run *run, patron_error *err) {
  patron_churn_model *m = NULL;
  patron_status st = patron_churn_model_read(run->options->churn_model_dir, &m, err);
  if (st == PATRON_OK)
    st = patron__stage_given_column(p, run, patron_churn_model_score_name(m), err);
  patron_churn_model_free(m);
  return st;
}

patron_status patron__stage_churn(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err) {
  if (patron__stage_is_given(run, "churn"))
    return churn_given(p, run, err);
  return patron__churn_column(run->options->churn_model_dir, ds, p, NULL, err);
}

patron_status patron__stage_cluster(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                    patron_error *err) {
  (void)ds;
  if (run->options->given_clustering)
    return patron__cluster_table_given(patron_profile_table(p), &run->options->cluster,
                                       run->options->given_clustering, &run->results->clustering,
                                       err);
  return patron_cluster_table(patron_profile_table(p), &run->options->cluster,
                              &run->results->clustering, err);
}

/* The tiers on rank 0 of an MPI run: the ranks' activity columns (PATRON__ACTIVITY_SPEND,
 * PATRON__ACTIVITY_PURCHASES and, when any rank has cart events, PATRON__ACTIVITY_CART of
 * the given table). */
static patron_status tiers_given(patron_profile *p, const patron_dataset *ds, const patron_run *run,
                                 patron_value_tiers_info *info, patron_error *err) {
  const patron_table *g = run->options->given;
  const patron_column *spend = patron_table_find(g, PATRON__ACTIVITY_SPEND);
  const patron_column *purchases = patron_table_find(g, PATRON__ACTIVITY_PURCHASES);
  const patron_column *cart = patron_table_find(g, PATRON__ACTIVITY_CART);
  size_t n = patron_table_n_rows(g);
  if (!spend || !purchases || n != patron_table_n_rows(patron_profile_table_const(p)))
    return patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "tiers: no given activity");
  patron_activity a = {.n = n,
                       .spend = spend->data,
                       .purchases = purchases->data,
                       .cart_after_purchase = calloc(n ? n : 1, 1),
                       .has_events = patron_dataset_has_events(ds),
                       .has_cart_type = cart != NULL};
  for (size_t r = 0; cart && a.cart_after_purchase && r < n; r++)
    a.cart_after_purchase[r] = ((const int64_t *)cart->data)[r] != 0;
  patron_status st = a.cart_after_purchase
                         ? patron_value_tiers_with(p, &a, &run->options->value, info, err)
                         : PATRON__OOM(err);
  free(a.cart_after_purchase);
  return st;
}

patron_status patron__stage_tiers(patron_profile *p, const patron_dataset *ds, patron_run *run,
                                  patron_error *err) {
  patron_pipeline_results *r = run->results;
  patron_value_tiers_options o = run->options->value;
  o.n_threads = run->n_threads;
  patron_status st = patron__stage_is_given(run, "tiers")
                         ? tiers_given(p, ds, run, &r->value, err)
                         : patron_value_tiers_add(p, ds, &o, &r->value, err);
  r->value_done = st == PATRON_OK;
  const patron_value_index_info *i = &r->value.index;
  if (st == PATRON_OK && i->n_capped)
    patron_run_warn(run,
                    "formula-v1: exp(M/1000) reached the cap %.0e for %zu of %zu customers "
                    "(monetary >= 69,077.55; exp overflows above 709,782): their value_index "
                    "is capped and they tie",
                    i->cap, i->n_capped, i->n_scored);
  return st;
}

patron_status patron__stage_segment_report(patron_profile *p, const patron_dataset *ds,
                                           patron_run *run, patron_error *err) {
  (void)ds;
  patron_pipeline_results *r = run->results;
  return patron_segment_report(patron_profile_table_const(p), &r->segments, &r->n_segments, err);
}
