/* patron experiment evaluate --segments FILE --by COLUMN: the evaluation within each segment
 * (e.g. analyze's profiles.csv and its `segment` or `lifecycle` column): each assigned
 * customer's segment looked up by id ("(none)" when absent from FILE, "(empty)" when its
 * cell is empty), DIR/results_by_segment.csv and a compact printed table. */
#include "cmd_experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct label_pair {
  const char *id, *label;
} label_pair;

static int cmp_pair(const void *a, const void *b) {
  return strcmp(((const label_pair *)a)->id, ((const label_pair *)b)->id);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Each assigned customer's label (sorted pairs, binary search). */
static const char *label_of(const label_pair *pairs, size_t n, const char *id) {
  label_pair key = {id, NULL};
  const label_pair *hit = bsearch(&key, pairs, n, sizeof *pairs, cmp_pair);
  return !hit ? "(none)" : *hit->label ? hit->label : "(empty)";
}

typedef struct strata {
  const char **names; /* distinct labels, sorted */
  size_t n;
  uint32_t *of; /* per assigned customer */
} strata;

static bool build_strata(const patron_assignments *a, char **ids, char **labels, size_t n_labels,
                         strata *s) {
  label_pair *pairs = malloc((n_labels ? n_labels : 1) * sizeof *pairs);
  const char **per = malloc((a->n ? a->n : 1) * sizeof *per);
  s->names = malloc((a->n ? a->n : 1) * sizeof *s->names);
  s->of = malloc((a->n ? a->n : 1) * sizeof *s->of);
  bool ok = pairs && per && s->names && s->of;
  for (size_t i = 0; ok && i < n_labels; i++)
    pairs[i] = (label_pair){ids[i], labels[i]};
  if (ok)
    qsort(pairs, n_labels, sizeof *pairs, cmp_pair);
  for (size_t i = 0; ok && i < a->n; i++)
    per[i] = s->names[i] = label_of(pairs, n_labels, a->ids[i]);
  s->n = 0;
  if (ok && a->n) {
    qsort(s->names, a->n, sizeof *s->names, cmp_str);
    for (size_t i = 0; i < a->n; i++)
      if (s->n == 0 || strcmp(s->names[s->n - 1], s->names[i]) != 0)
        s->names[s->n++] = s->names[i];
  }
  for (size_t i = 0; ok && i < a->n; i++) {
    const char **hit = bsearch(&per[i], s->names, s->n, sizeof *s->names, cmp_str);
    s->of[i] = (uint32_t)(hit - s->names);
  }
  free(pairs);
  free(per);
  return ok;
}

static void print_strata(const char *by, const strata *s, patron_evaluation *const *e) {
  printf("\nBy %s (each segment evaluated on its own customers):\n", by);
  printf("%-22s %-14s %9s  %-24s %-13s %-24s %s\n", by, "arm", "customers", "conversion [CI]",
         "verdict", "revenue [CI]", "verdict");
  for (size_t k = 0; k < s->n; k++) {
    if (!e[k]) {
      printf("%-22.22s (too few customers in an arm to compare)\n", s->names[k]);
      continue;
    }
    size_t per_metric = e[k]->n_rows / PATRON_METRIC_COUNT;
    for (size_t i = 0; i < per_metric; i++) {
      const patron_result_row *c = &e[k]->rows[i], *r = &e[k]->rows[per_metric + i];
      char conv[64], rev[64];
      snprintf(conv, sizeof conv, "%+.1f pp [%.1f, %.1f]", 100 * c->c.diff, 100 * c->c.diff_low,
               100 * c->c.diff_high);
      snprintf(rev, sizeof rev, "%+.2f [%.2f, %.2f]", r->c.diff, r->c.diff_low, r->c.diff_high);
      printf("%-22.22s %-14.14s %9zu  %-24s %-13s %-24s %s\n", s->names[k],
             e[k]->arms.names[c->arm], c->n + c->control_n, conv, patron_verdict_name(c->verdict),
             rev, patron_verdict_name(r->verdict));
    }
  }
}

patron_status cli_experiment_strata(const patron_assignments *a, const double *y, const double *x,
                                    const patron_eval_options *o, const char *segments_path,
                                    const char *by, const char *out_path, bool print,
                                    patron_error *err) {
  char **ids = NULL, **labels = NULL;
  size_t n_labels = 0;
  strata s = {0};
  patron_evaluation **e = NULL;
  patron_status st = patron_labels_read_csv(segments_path, by, &ids, &labels, &n_labels, err);
  if (st == PATRON_OK && !build_strata(a, ids, labels, n_labels, &s))
    st = PATRON_ERR_NOMEM;
  if (st == PATRON_OK && !(e = calloc(s.n ? s.n : 1, sizeof *e)))
    st = PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st = patron_experiment_evaluate_strata(a, y, x, s.of, s.n, o, e, err);
  if (st == PATRON_OK)
    st = patron_evaluations_write_strata_csv((const patron_evaluation *const *)e, s.names, s.n, by,
                                             out_path, err);
  if (st == PATRON_OK && print)
    print_strata(by, &s, e);
  if (st == PATRON_ERR_NOMEM && err->status == PATRON_OK) {
    err->status = PATRON_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
  }
  for (size_t k = 0; e && k < s.n; k++)
    patron_evaluation_free(e[k]);
  free(e);
  free(s.names);
  free(s.of);
  free(ids);
  free(labels);
  return st;
}
