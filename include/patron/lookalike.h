/* Lookalike audiences (SPEC section 9): every customer outside a seed group scored by its
 * likeness to the seed, from profile figures, tags, member attributes and behaviour, with a
 * held-out-seed evaluation (ROC AUC, recall and lift at the chosen size). The method (an
 * L2-regularised logistic regression of seed versus rest on standardised features, PU
 * learning in the sense of Elkan & Noto 2008) and its measured comparison with two baselines
 * (distance to the seed centroid; rank by monetary) are in docs/LOOKALIKE.md. */
#ifndef PATRON_LOOKALIKE_H
#define PATRON_LOOKALIKE_H

#include "patron/dataset.h"
#include "patron/profile.h"

#include <stdint.h>

typedef struct patron_lookalike_options {
  size_t size;          /* the best `size` customers (0: use top_pct) */
  double top_pct;       /* or floor(top_pct / 100 x n + 0.5) of the n non-seed customers */
  double holdout_pct;   /* share of the seed hidden for the evaluation (default 20; 0: none) */
  uint64_t rng_seed;    /* holdout draw and the sample of the rest (default 0) */
  double l2;            /* ridge penalty of the logistic regression (default 1) */
  size_t max_negatives; /* rest rows sampled for fitting (default 100,000; 0: all) */
  int n_threads;        /* 0: all cores; results never depend on it */
} patron_lookalike_options;

PATRON_API void patron_lookalike_options_init(patron_lookalike_options *o);

/* One method's held-out evaluation: hidden seed members against the other non-seed
 * customers. NaN when there is no evaluation (holdout 0, or too small a seed). */
typedef struct patron_lookalike_eval {
  double auc;    /* ROC AUC of the hidden members' scores against the non-seed customers' */
  double recall; /* share of the hidden members among the best k of (non-seed + hidden) */
  double lift;   /* recall / (k / (non-seed + hidden)) */
} patron_lookalike_eval;

typedef struct patron_lookalike_result {
  uint32_t *rows;      /* profile rows of the chosen customers, best first (ties: customer_id) */
  double *score;       /* their scores in [0, 1] */
  size_t n_rows;       /* the chosen size */
  size_t n_seed;       /* seed customers */
  size_t n_candidates; /* non-seed customers (scored) */
  size_t n_features;   /* model columns after encoding */
  size_t n_hidden;     /* seed members hidden for the evaluation */
  size_t eval_k;       /* the size used for recall and lift */
  patron_lookalike_eval model, centroid, monetary;
  /* The evaluation's scores (for checking the AUC): profile rows of the non-seed customers
   * and the hidden members, their logistic scores, 1 for hidden members. */
  uint32_t *eval_rows;
  double *eval_score;
  uint8_t *eval_hidden;
  size_t n_eval;
} patron_lookalike_result;

/* Scores the profile's customers outside the seed (seed_rows: distinct profile rows, any
 * order). ds is the dataset the profile was built from (behaviour and member attributes).
 * Errors: PATRON_ERR_USAGE for bad options; PATRON_ERR_DOMAIN when the seed is empty or
 * holds every customer; NOMEM. Free with patron_lookalike_result_free. */
PATRON_API patron_status patron_lookalike_run(const patron_profile *p, const patron_dataset *ds,
                                              const uint32_t *seed_rows, size_t n_seed,
                                              const patron_lookalike_options *o,
                                              patron_lookalike_result *out, patron_error *err);
PATRON_API void patron_lookalike_result_free(patron_lookalike_result *r);

/* The chosen size for n non-seed customers: min(size, n), or floor(top_pct/100 x n + 0.5). */
PATRON_API size_t patron_lookalike_size(const patron_lookalike_options *o, size_t n);

/* ROC AUC, recall and lift at k of scores (higher = more seed-like) with labels (1 =
 * positive) over n rows; rows are ranked by score descending, ties by index. */
PATRON_API patron_lookalike_eval patron_lookalike_evaluate(const double *score,
                                                           const uint8_t *label, size_t n,
                                                           size_t k);

/* lookalike.json text (malloc'ed; free()): sizes, method, evaluation of the model and the
 * baselines. NULL when out of memory. */
PATRON_API char *patron_lookalike_json(const patron_lookalike_result *r,
                                       const patron_lookalike_options *o, size_t n_unknown);

#endif
