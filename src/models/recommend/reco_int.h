/* Internals of the recommender (SPEC section 18, docs/RECOMMEND.md): baskets and view-days
 * per customer, exact itemset counts in open-addressing maps, rules, similar lists and the
 * per-customer scorer. Values are codes of the level's dataset dictionary (0 = none). */
#ifndef PATRON_RECO_INT_H
#define PATRON_RECO_INT_H

#include "core/core_int.h"
#include "core/exec.h"
#include "patron/profile.h"
#include "patron/recommend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECO_NONE UINT32_MAX

/* uint64 key (never 0) -> uint32 count, linear probing. */
typedef struct reco_map {
  uint64_t *keys;
  uint32_t *vals;
  size_t cap, n;
} reco_map;

bool patron__reco_map_add(reco_map *m, uint64_t key, uint32_t by);
void patron__reco_map_free(reco_map *m);

/* Pair counts: for each id a, the ids b > a seen with it, other[start[a] .. start[a+1])
 * ascending, and n[...] the sets holding both. */
typedef struct reco_pairs {
  size_t *start;
  uint32_t *other, *n;
  size_t n_ids;
} reco_pairs;

/* A list of sets: set i is vals[start[i] .. start[i+1]) (sorted codes), dated day[i]. */
typedef struct reco_sets {
  uint32_t *start, *vals;
  int32_t *day;
  size_t n, n_vals, cap, cap_vals;
} reco_sets;

bool patron__reco_sets_push(reco_sets *s, int32_t day, const uint32_t *vals, size_t n);
bool patron__reco_sets_append(reco_sets *dst, const reco_sets *src);
void patron__reco_sets_free(reco_sets *s);

typedef struct reco_triple {
  uint32_t a, b, c, n; /* dense ids a < b < c, baskets holding all three */
} reco_triple;

typedef struct reco_rule {
  uint32_t a, b, c;           /* antecedent a (and b, RECO_NONE when one value), consequent c:
                                 dense ids, a < b in byte order */
  uint32_t n_all, n_ant, n_c; /* baskets with all, with the antecedent, with c */
} reco_rule;

/* At most this many triples and rules (a 1.5 GB rules.csv): a --min-support of 2 on item
 * baskets can reach hundreds of millions; past it the fit fails naming --min-support. */
enum { RECO_MAX_RULES = 20000000 };

struct patron_recommender {
  const patron_dataset *ds;
  patron_recommend_options o;
  int32_t as_of;
  const char *dict;
  size_t n_codes, n_customers;
  int threads; /* the executor's worker count: per-worker scratch is indexed below it */
  /* per dataset customer: baskets [bstart[c], bstart[c+1]), view-days likewise */
  uint32_t *bstart, *vstart;
  reco_sets baskets, views;
  uint32_t *count, *vcount; /* per code: baskets / view-days (in the view window) holding it */
  uint32_t *rank;           /* per code: position in byte order */
  uint32_t *dense;          /* per code: dense id among frequent values, RECO_NONE */
  uint32_t *freq_code;      /* dense id -> code, ascending byte order */
  size_t n_freq;
  reco_pairs pairs, vpairs;  /* co-purchases by dense ids, co-views by codes */
  uint32_t *adj_start, *adj; /* frequent pairs: dense a -> b > a with n(a, b) >= support */
  reco_triple *tri;          /* triples reaching min-support */
  size_t n_tri;
  const char **ftext; /* dense id -> value text */
  bool want_rules;    /* false for evaluation fits: no triples, no rules */
  reco_rule *rules;
  size_t n_rules;
  bool too_many; /* more than RECO_MAX_RULES triples or rules: a limit error, not memory */
  /* similar values: code -> [sim_start[code], sim_start[code+1]) best first */
  uint32_t *sim_start, *sim_code;
  double *sim_score;
  /* segments: per dataset customer a code into seg_label (RECO_NONE: none); favourites */
  uint32_t *segment;
  const char **seg_label;
  size_t n_segments;
  uint32_t *fav_start, *fav_code; /* per segment; segment n_segments = everyone (baseline) */
  const char **reason_bought, **reason_viewed, **reason_popular;
  patron__arena text;
};

/* reco_baskets.c */
patron_status patron__reco_build_sets(patron_recommender *m, patron_error *err);
/* reco_pairs.c: tid lists (for each id, the sets holding a value v with key[v] = id, RECO_NONE
 * for none: *start over n_ids + 1, *tid; false when memory runs out) and the pair counts of
 * the sets' values by key (n_ids ids) on `threads` workers. */
bool patron__reco_tid_lists(const reco_sets *s, const uint32_t *key, size_t n_ids, uint32_t **start,
                            uint32_t **tid);
bool patron__reco_pairs_count(const reco_sets *sets, const uint32_t *key, size_t n_ids, int threads,
                              reco_pairs *out);
uint32_t patron__reco_pairs_get(const reco_pairs *p, uint32_t a, uint32_t b);
void patron__reco_pairs_free(reco_pairs *p);
/* reco_rules.c */
patron_status patron__reco_count(patron_recommender *m, patron_error *err);
/* reco_triples.c: fills m->tri from the baskets and m->adj. False when memory runs out. */
bool patron__reco_triples(patron_recommender *m);
/* reco_similar.c */
patron_status patron__reco_similar(patron_recommender *m, patron_error *err);
/* reco_customers.c */
patron_status patron__reco_segments(patron_recommender *m, patron_error *err);
/* Fills out (k slots) with customer c's recommendations: codes, scores, reasons. */
typedef struct reco_pick {
  uint32_t code;
  double score;
  const char *reason;
} reco_pick;
typedef struct reco_scratch reco_scratch;
reco_scratch *patron__reco_scratch_new(size_t n_codes);
void patron__reco_scratch_free(reco_scratch *s);
size_t patron__reco_pick(const patron_recommender *m, reco_scratch *s, uint32_t c, int k,
                         reco_pick *out);

static inline int32_t patron__reco_day(int64_t t) {
  return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

#endif
