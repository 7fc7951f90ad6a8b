/* Association rules (SPEC section 18; Agrawal & Srikant 1994, as in Spark MLlib FPGrowth and
 * mlxtend): exact counts of values, pairs and triples over baskets, apriori-pruned (a set
 * is counted only when all its subsets reach --min-support), then rules A -> c with |A| of
 * 1 or 2: support = n(A+c)/N, confidence = n(A+c)/n(A), lift = confidence / (n(c)/N).
 * Sorted by lift (an exact comparison of count ratios in 128-bit integers), orders, then
 * antecedent and consequent bytewise. Pairs are counted in reco_pairs.c, triples in
 * reco_triples.c. */
#include "models/recommend/reco_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- byte order of values */

static int cmp_code_text(const void *a, const void *b, void *ctx) {
  const patron_recommender *m = ctx;
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return strcmp(patron_dataset_dict_value(m->ds, m->dict, x),
                patron_dataset_dict_value(m->ds, m->dict, y));
}

/* Pairs are counted among values in at least this many baskets (view-days): 2, or
 * min-support when smaller. Rules need min-support (a pair reaching it has both values
 * above it); similar values use every pair seen together (a value seen once has no
 * evidence of anything). */
static uint32_t pair_floor(const patron_recommender *m) {
  return m->o.min_support < 2 ? (uint32_t)m->o.min_support : 2;
}

/* rank[code] = position of the value in byte order; dense ids for the values counted in
 * pairs. */
static bool rank_codes(patron_recommender *m) {
  size_t n = m->n_codes;
  uint32_t *order = malloc((n ? n : 1) * sizeof *order);
  m->rank = malloc((n ? n : 1) * sizeof *m->rank);
  if (!order || !m->rank)
    return free(order), false;
  for (size_t i = 0; i < n; i++)
    order[i] = (uint32_t)i;
  qsort_r(order, n, sizeof *order, cmp_code_text, m);
  for (size_t i = 0; i < n; i++)
    m->rank[order[i]] = (uint32_t)i;
  /* frequent values in byte order get dense ids */
  m->freq_code = malloc((n ? n : 1) * sizeof *m->freq_code);
  m->dense = malloc((n ? n : 1) * sizeof *m->dense);
  if (!m->freq_code || !m->dense)
    return free(order), false;
  m->n_freq = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t code = order[i];
    m->dense[code] = RECO_NONE;
    if (code && m->count[code] >= pair_floor(m)) {
      m->dense[code] = (uint32_t)m->n_freq;
      m->freq_code[m->n_freq++] = code;
    }
  }
  free(order);
  m->ftext = malloc((m->n_freq ? m->n_freq : 1) * sizeof *m->ftext);
  if (!m->ftext)
    return false;
  for (size_t i = 0; i < m->n_freq; i++)
    m->ftext[i] = patron_dataset_dict_value(m->ds, m->dict, m->freq_code[i]);
  return true;
}

/* ---------------------------------------------------------------- counting */

/* Co-purchases by dense id; co-views by code, among the values on enough view-days. */
static bool count_pairs(patron_recommender *m) {
  uint32_t *vkey = malloc((m->n_codes ? m->n_codes : 1) * sizeof *vkey);
  if (!vkey)
    return false;
  for (size_t c = 0; c < m->n_codes; c++)
    vkey[c] = m->vcount[c] >= pair_floor(m) ? (uint32_t)c : RECO_NONE;
  bool ok = patron__reco_pairs_count(&m->baskets, m->dense, m->n_freq, m->threads, &m->pairs) &&
            patron__reco_pairs_count(&m->views, vkey, m->n_codes, m->threads, &m->vpairs);
  free(vkey);
  return ok;
}

static void count_values(patron_recommender *m) {
  for (size_t i = 0; i < m->baskets.n_vals; i++)
    m->count[m->baskets.vals[i]]++;
  for (size_t i = 0; i < m->views.n_vals; i++)
    m->vcount[m->views.vals[i]]++;
}

/* The frequent pairs as adjacency lists: a -> every b > a with n(a, b) >= min-support,
 * ascending. */
static bool frequent_adjacency(patron_recommender *m) {
  const reco_pairs *p = &m->pairs;
  m->adj_start = calloc(m->n_freq + 2, sizeof *m->adj_start);
  m->adj = malloc((p->start[p->n_ids] ? p->start[p->n_ids] : 1) * sizeof *m->adj);
  if (!m->adj_start || !m->adj)
    return false;
  uint32_t k = 0;
  for (size_t a = 0; a < p->n_ids; a++) {
    for (size_t i = p->start[a]; i < p->start[a + 1]; i++)
      if (p->n[i] >= m->o.min_support)
        m->adj[k++] = p->other[i];
    m->adj_start[a + 1] = k;
  }
  return true;
}

/* ---------------------------------------------------------------- rules */

static bool add_rule(patron_recommender *m, size_t *cap, reco_rule r) {
  if (r.n_ant == 0 || (double)r.n_all < m->o.min_confidence * (double)r.n_ant)
    return true;
  if (m->n_rules >= RECO_MAX_RULES) {
    m->too_many = true;
    return false;
  }
  if (!patron__reserve((void **)&m->rules, cap, m->n_rules + 1, sizeof *m->rules))
    return false;
  m->rules[m->n_rules++] = r;
  return true;
}

static uint32_t fcount(const patron_recommender *m, uint32_t id) {
  return m->count[m->freq_code[id]];
}

static uint32_t pair_count(const patron_recommender *m, uint32_t a, uint32_t b) {
  return patron__reco_pairs_get(&m->pairs, a, b);
}

static bool pair_rules(patron_recommender *m, size_t *cap) {
  for (uint32_t a = 0; a < m->pairs.n_ids; a++)
    for (size_t i = m->pairs.start[a]; i < m->pairs.start[a + 1]; i++) {
      uint32_t n = m->pairs.n[i], b = m->pairs.other[i];
      if (n < m->o.min_support)
        continue;
      if (!add_rule(m, cap, (reco_rule){a, RECO_NONE, b, n, fcount(m, a), fcount(m, b)}) ||
          !add_rule(m, cap, (reco_rule){b, RECO_NONE, a, n, fcount(m, b), fcount(m, a)}))
        return false;
    }
  return true;
}

static bool triple_rules(patron_recommender *m, size_t *cap) {
  for (size_t t = 0; t < m->n_tri; t++) {
    uint32_t a = m->tri[t].a, b = m->tri[t].b, c = m->tri[t].c, n = m->tri[t].n;
    if (!add_rule(m, cap, (reco_rule){a, b, c, n, pair_count(m, a, b), fcount(m, c)}) ||
        !add_rule(m, cap, (reco_rule){a, c, b, n, pair_count(m, a, c), fcount(m, b)}) ||
        !add_rule(m, cap, (reco_rule){b, c, a, n, pair_count(m, b, c), fcount(m, a)}))
      return false;
  }
  return true;
}

/* Bytewise comparison of "x[|y]" strings without building them. */
static int cmp_joined(const char *x1, const char *y1, const char *x2, const char *y2) {
  const char *p[2][3] = {{x1, y1 ? "|" : "", y1 ? y1 : ""}, {x2, y2 ? "|" : "", y2 ? y2 : ""}};
  int seg[2] = {0, 0};
  const char *c[2] = {p[0][0], p[1][0]};
  for (;;) {
    for (int s = 0; s < 2; s++)
      while (!*c[s] && seg[s] < 2)
        c[s] = p[s][++seg[s]];
    unsigned char a = (unsigned char)*c[0], b = (unsigned char)*c[1];
    if (a != b || !a)
      return (a > b) - (a < b);
    c[0]++, c[1]++;
  }
}

static const char *dense_text(const patron_recommender *m, uint32_t id) {
  return id == RECO_NONE ? NULL : m->ftext[id];
}

static int cmp_rule(const void *pa, const void *pb, void *ctx) {
  const reco_rule *x = pa, *y = pb;
  /* lift x > lift y  <=>  n_all_x * n_ant_y * n_c_y > n_all_y * n_ant_x * n_c_x */
  unsigned __int128 lx = (unsigned __int128)x->n_all * y->n_ant * y->n_c;
  unsigned __int128 ly = (unsigned __int128)y->n_all * x->n_ant * x->n_c;
  if (lx != ly)
    return lx > ly ? -1 : 1;
  if (x->n_all != y->n_all)
    return x->n_all > y->n_all ? -1 : 1;
  const patron_recommender *m = ctx;
  int c = cmp_joined(dense_text(m, x->a), dense_text(m, x->b), dense_text(m, y->a),
                     dense_text(m, y->b));
  if (c)
    return c;
  return (x->c > y->c) - (x->c < y->c); /* dense ids are in byte order */
}

static bool build_rules(patron_recommender *m) {
  size_t cap = 0;
  if (!pair_rules(m, &cap) || !triple_rules(m, &cap))
    return false;
  if (m->n_rules) /* qsort_r wants a non-null base even for no rules */
    qsort_r(m->rules, m->n_rules, sizeof *m->rules, cmp_rule, m);
  return true;
}

patron_status patron__reco_count(patron_recommender *m, patron_error *err) {
  m->count = calloc(m->n_codes ? m->n_codes : 1, sizeof *m->count);
  m->vcount = calloc(m->n_codes ? m->n_codes : 1, sizeof *m->vcount);
  if (!m->count || !m->vcount)
    return PATRON__OOM(err);
  count_values(m);
  bool ok = rank_codes(m);
  ok = ok && count_pairs(m);
  if (ok && m->want_rules)
    ok = frequent_adjacency(m) && patron__reco_triples(m) && build_rules(m);
  if (!ok && m->too_many)
    return patron__error_set(err, PATRON_ERR_LIMIT, NULL, 0, 0,
                             "more than %d association rules at --min-support %llu: raise "
                             "--min-support (default 10) or --min-confidence",
                             RECO_MAX_RULES, (unsigned long long)m->o.min_support);
  return ok ? PATRON_OK : PATRON__OOM(err);
}

/* ---------------------------------------------------------------- the rules table */

static int digits(size_t v) {
  int n = 1;
  while (v >= 10)
    v /= 10, n++;
  return n;
}

static const char *antecedent_text(patron_recommender *m, const reco_rule *r) {
  const char *a = dense_text(m, r->a);
  if (r->b == RECO_NONE)
    return a;
  const char *b = dense_text(m, r->b);
  size_t la = strlen(a), lb = strlen(b);
  char *s = patron__arena_strdup(&m->text, a, la + 1 + lb);
  if (!s)
    return NULL;
  s[la] = '|';
  memcpy(s + la + 1, b, lb);
  s[la + 1 + lb] = '\0';
  return s;
}

patron_status patron_recommender_rules(const patron_recommender *cm, patron_table **out,
                                       patron_error *err) {
  patron_recommender *m = (patron_recommender *)cm; /* the arena grows; the fit does not change */
  *out = NULL;
  patron_table *t = patron_table_new(m->n_rules);
  if (!t)
    return PATRON__OOM(err);
  const char **ant, **cons;
  double *support, *confidence, *lift;
  int64_t *orders;
  patron_status st = patron_table_add(t, "antecedent", PATRON_COL_STRING, (void **)&ant, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "consequent", PATRON_COL_STRING, (void **)&cons, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "support", PATRON_COL_DOUBLE, (void **)&support, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "confidence", PATRON_COL_DOUBLE, (void **)&confidence, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "lift", PATRON_COL_DOUBLE, (void **)&lift, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "orders", PATRON_COL_INT, (void **)&orders, err);
  double n = (double)m->baskets.n;
  for (size_t i = 0; i < m->n_rules && st == PATRON_OK; i++) {
    const reco_rule *r = &m->rules[i];
    ant[i] = antecedent_text(m, r);
    cons[i] = dense_text(m, r->c);
    if (!ant[i])
      st = PATRON__OOM(err);
    support[i] = (double)r->n_all / n;
    confidence[i] = (double)r->n_all / (double)r->n_ant;
    lift[i] = (double)r->n_all * n / ((double)r->n_ant * (double)r->n_c);
    orders[i] = r->n_all;
  }
  /* at least 7 significant digits for any value >= 1 / N */
  int decimals = 7 + digits(m->baskets.n);
  patron_table_set_decimals(t, "support", decimals);
  patron_table_set_decimals(t, "confidence", decimals);
  patron_table_set_decimals(t, "lift", decimals);
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}
