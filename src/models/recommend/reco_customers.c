/* Next best values per customer (SPEC section 18, recommendations.csv). A customer's
 * interests are the values they bought (each purchase weighted exp(-age / 180 days)) and
 * viewed in the view window (each view-day weighted 0.5 exp(-age / 30 days)); a candidate
 * scores the sum over interests of weight x similarity (reco_similar.c), and a viewed value
 * not bought scores its own view weight too. The reason is the interest that gave the most:
 * `bought_with:X` or `viewed:X`. Values bought in the --exclude-days before as-of are left
 * out; customers with fewer than k candidates are filled from their segment's favourites
 * (`popular:SEGMENT`, the values bought by the most customers of the segment; prospects:
 * the values in the most customers' first purchase). */
#include "models/recommend/reco_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FAVOURITES = 200, PICK_BLOCK = 2048 };

static const char prospect_label[] = "prospect";

/* ---------------------------------------------------------------- segments and favourites */

static bool reason_texts(patron_recommender *m) {
  size_t n = m->n_codes;
  m->reason_bought = calloc(n ? n : 1, sizeof *m->reason_bought);
  m->reason_viewed = calloc(n ? n : 1, sizeof *m->reason_viewed);
  m->reason_popular = calloc(m->n_segments + 1, sizeof *m->reason_popular);
  if (!m->reason_bought || !m->reason_viewed || !m->reason_popular)
    return false;
  char buf[4096];
  for (size_t c = 1; c < n; c++) {
    if (!m->count[c] && !m->vcount[c])
      continue;
    const char *v = patron_dataset_dict_value(m->ds, m->dict, (uint32_t)c);
    int a = snprintf(buf, sizeof buf, "bought_with:%s", v);
    m->reason_bought[c] =
        patron__arena_strdup(&m->text, buf, (size_t)a < sizeof buf ? (size_t)a : sizeof buf - 1);
    a = snprintf(buf, sizeof buf, "viewed:%s", v);
    m->reason_viewed[c] =
        patron__arena_strdup(&m->text, buf, (size_t)a < sizeof buf ? (size_t)a : sizeof buf - 1);
    if (!m->reason_bought[c] || !m->reason_viewed[c])
      return false;
  }
  for (size_t s = 0; s <= m->n_segments; s++) {
    int a = snprintf(buf, sizeof buf, "popular:%s", s < m->n_segments ? m->seg_label[s] : "all");
    if (!(m->reason_popular[s] = patron__arena_strdup(&m->text, buf, (size_t)a)))
      return false;
  }
  return true;
}

/* Segment codes per dataset customer from the profile's `segment` column (prospects: the
 * last label, "prospect"): the base profile with the default bins' RFM scores and segments,
 * the only segmentation read (patron_profile_build's other columns are not). */
static patron_status read_segments(patron_recommender *m, patron_error *err) {
  patron_profile_options po;
  patron_profile_options_init(&po);
  patron_profile *p = NULL;
  patron_status st = patron_profile_base(m->ds, m->as_of, &p, err);
  if (st == PATRON_OK)
    st = patron__rfm_scores_on(patron_profile_table(p), po.bins, m->o.n_threads, err);
  if (st == PATRON_OK)
    st = patron_rfm_segments(patron_profile_table(p), po.bins, err);
  if (st != PATRON_OK) {
    patron_profile_free(p);
    return st;
  }
  const patron_table *t = patron_profile_table_const(p);
  const patron_column *seg = patron_table_find(t, "segment");
  const uint32_t *rows = patron_profile_customers(p);
  size_t n = patron_table_n_rows(t);
  m->segment = malloc((m->n_customers + 1) * sizeof *m->segment);
  m->n_segments = seg ? (size_t)seg->n_labels + 1 : 1;
  m->seg_label = malloc(m->n_segments * sizeof *m->seg_label);
  if (!m->segment || !m->seg_label) {
    patron_profile_free(p);
    return PATRON__OOM(err);
  }
  bool ok = true;
  for (size_t i = 0; i + 1 < m->n_segments && ok; i++) /* copied: the profile goes away */
    ok = (m->seg_label[i] =
              patron__arena_strdup(&m->text, seg->labels[i], strlen(seg->labels[i]))) != NULL;
  m->seg_label[m->n_segments - 1] = prospect_label;
  if (!ok) {
    patron_profile_free(p);
    return PATRON__OOM(err);
  }
  for (size_t c = 0; c < m->n_customers; c++)
    m->segment[c] = RECO_NONE;
  const int32_t *code = seg ? seg->data : NULL;
  for (size_t r = 0; r < n; r++)
    m->segment[rows[r]] = code && code[r] >= 0 ? (uint32_t)code[r] : (uint32_t)(m->n_segments - 1);
  patron_profile_free(p);
  return PATRON_OK;
}

typedef struct fav_sort {
  const uint32_t *count;
  const uint32_t *rank;
} fav_sort;

static int cmp_fav(const void *a, const void *b, void *ctx) {
  const fav_sort *f = ctx;
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  if (f->count[x] != f->count[y])
    return f->count[x] > f->count[y] ? -1 : 1;
  return (f->rank[x] > f->rank[y]) - (f->rank[x] < f->rank[y]);
}

/* Customers per (segment, value): each customer's distinct values (all purchases; for the
 * prospect row, first purchases), into count[segment * n_codes + code]; the last row is
 * everyone (the popularity baseline). */
static void segment_counts(const patron_recommender *m, uint32_t *count, uint32_t *stamp) {
  size_t n = m->n_codes, prospect = m->n_segments - 1, all = m->n_segments;
  for (size_t c = 0; c < m->n_customers; c++) {
    uint32_t b0 = m->bstart[c], b1 = m->bstart[c + 1];
    if (b0 == b1)
      continue;
    uint32_t s = m->segment[c] == RECO_NONE ? (uint32_t)prospect : m->segment[c];
    for (uint32_t b = b0; b < b1; b++)
      for (uint32_t i = m->baskets.start[b]; i < m->baskets.start[b + 1]; i++) {
        uint32_t v = m->baskets.vals[i];
        if (stamp[v] == c + 1)
          continue;
        stamp[v] = (uint32_t)c + 1;
        count[s * n + v]++;
        count[all * n + v]++;
        if (b == b0)
          count[prospect * n + v]++;
      }
  }
}

static bool favourites(patron_recommender *m) {
  size_t n = m->n_codes, rows = m->n_segments + 1;
  uint32_t *count = calloc(rows * n + 1, sizeof *count);
  uint32_t *stamp = calloc(n + 1, sizeof *stamp);
  uint32_t *order = malloc((n + 1) * sizeof *order);
  m->fav_start = malloc((rows + 1) * sizeof *m->fav_start);
  m->fav_code = malloc((rows * FAVOURITES + 1) * sizeof *m->fav_code);
  bool ok = count && stamp && order && m->fav_start && m->fav_code;
  if (ok)
    segment_counts(m, count, stamp);
  size_t at = 0;
  for (size_t s = 0; ok && s < rows; s++) {
    size_t k = 0;
    for (size_t v = 1; v < n; v++)
      if (count[s * n + v])
        order[k++] = (uint32_t)v;
    fav_sort f = {count + s * n, m->rank};
    qsort_r(order, k, sizeof *order, cmp_fav, &f);
    m->fav_start[s] = (uint32_t)at;
    for (size_t i = 0; i < k && i < FAVOURITES; i++)
      m->fav_code[at++] = order[i];
  }
  if (ok)
    m->fav_start[rows] = (uint32_t)at;
  free(count), free(stamp), free(order);
  return ok;
}

patron_status patron__reco_segments(patron_recommender *m, patron_error *err) {
  patron_status st = read_segments(m, err);
  if (st == PATRON_OK && (!favourites(m) || !reason_texts(m)))
    st = PATRON__OOM(err);
  return st;
}

/* ---------------------------------------------------------------- one customer */

/* Interests: weights per value, accumulated in a small list (values repeat rarely). */
typedef struct interest {
  uint32_t code;
  double w;
} interest;

enum { MAX_INTERESTS = 512, MAX_K = 1000 }; /* k is at most 1000 (checked at fit) */

struct reco_scratch {
  interest *bought, *viewed; /* MAX_INTERESTS each */
  double *score, *best;
  uint32_t *from, *stamp, *touched, *excluded;
  uint32_t *top; /* MAX_K: the best candidates */
  uint32_t now;
  size_t n_touched;
};

reco_scratch *patron__reco_scratch_new(size_t n_codes) {
  reco_scratch *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  size_t n = n_codes ? n_codes : 1;
  s->score = malloc(n * sizeof *s->score);
  s->best = malloc(n * sizeof *s->best);
  s->from = malloc(n * sizeof *s->from);
  s->stamp = calloc(n, sizeof *s->stamp);
  s->excluded = calloc(n, sizeof *s->excluded);
  s->touched = malloc(n * sizeof *s->touched);
  s->top = malloc(MAX_K * sizeof *s->top);
  s->bought = malloc(MAX_INTERESTS * sizeof *s->bought);
  s->viewed = malloc(MAX_INTERESTS * sizeof *s->viewed);
  if (!s->top || !s->bought || !s->viewed || !s->score || !s->best || !s->from || !s->stamp ||
      !s->excluded || !s->touched) {
    patron__reco_scratch_free(s);
    return NULL;
  }
  return s;
}

void patron__reco_scratch_free(reco_scratch *s) {
  if (!s)
    return;
  free(s->score), free(s->best), free(s->from), free(s->stamp), free(s->excluded);
  free(s->touched), free(s->top), free(s->bought), free(s->viewed);
  free(s);
}

/* Adds `gain` to candidate v, credited to interest `from` (high bit: a view). */
static void credit(reco_scratch *s, uint32_t v, double gain, uint32_t from) {
  if (s->stamp[v] != s->now) {
    s->stamp[v] = s->now;
    s->score[v] = 0;
    s->best[v] = -1;
    s->touched[s->n_touched++] = v;
  }
  s->score[v] += gain;
  if (gain > s->best[v]) {
    s->best[v] = gain;
    s->from[v] = from;
  }
}

enum { VIEW_FLAG = 1u << 31 };

static size_t add_interest(interest *list, size_t n, uint32_t code, double w) {
  for (size_t i = 0; i < n; i++)
    if (list[i].code == code) {
      list[i].w += w;
      return n;
    }
  list[n] = (interest){code, w};
  return n + 1;
}

static void spread(const patron_recommender *m, reco_scratch *s, const interest *in, size_t n,
                   uint32_t flag) {
  for (size_t i = 0; i < n; i++) {
    uint32_t x = in[i].code;
    for (uint32_t q = m->sim_start[x]; q < m->sim_start[x + 1]; q++)
      credit(s, m->sim_code[q], in[i].w * m->sim_score[q], x | flag);
  }
}

/* x ranks before y: higher score, then byte order. */
static bool better(const patron_recommender *m, const reco_scratch *s, uint32_t x, uint32_t y) {
  if (s->score[x] != s->score[y])
    return s->score[x] > s->score[y];
  return m->rank[x] < m->rank[y];
}

/* The best k of the n candidates, best first, into top (a partial insertion sort: one
 * comparison per candidate once top is full). Returns how many. */
static size_t top_k(const patron_recommender *m, const reco_scratch *s, const uint32_t *cand,
                    size_t n, size_t k, uint32_t *top) {
  size_t got = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t v = cand[i];
    if (got == k && !better(m, s, v, top[k - 1]))
      continue;
    size_t j = got < k ? got++ : k - 1;
    for (; j > 0 && better(m, s, v, top[j - 1]); j--)
      top[j] = top[j - 1];
    top[j] = v;
  }
  return got;
}

/* The customer's interests (bought, viewed) and exclusions; returns the counts. */
static void gather_interests(const patron_recommender *m, reco_scratch *s, uint32_t c,
                             interest *bought, size_t *nb, interest *viewed, size_t *nv) {
  int32_t exclude_from = m->as_of - m->o.exclude_days;
  *nb = *nv = 0;
  for (uint32_t b = m->bstart[c + 1]; b-- > m->bstart[c];) { /* newest first */
    double w = exp(-(double)(m->as_of - m->baskets.day[b]) / 180.0);
    for (uint32_t i = m->baskets.start[b]; i < m->baskets.start[b + 1]; i++) {
      uint32_t v = m->baskets.vals[i];
      if (m->baskets.day[b] >= exclude_from)
        s->excluded[v] = s->now;
      if (*nb < MAX_INTERESTS)
        *nb = add_interest(bought, *nb, v, w);
    }
  }
  for (uint32_t d = m->vstart[c + 1]; d-- > m->vstart[c];) {
    double w = 0.5 * exp(-(double)(m->as_of - m->views.day[d]) / 30.0);
    for (uint32_t i = m->views.start[d]; i < m->views.start[d + 1] && *nv < MAX_INTERESTS; i++)
      *nv = add_interest(viewed, *nv, m->views.vals[i], w);
  }
}

size_t patron__reco_pick(const patron_recommender *m, reco_scratch *s, uint32_t c, int k,
                         reco_pick *out) {
  interest *bought = s->bought, *viewed = s->viewed;
  size_t nb, nv;
  k = k > MAX_K ? MAX_K : k;
  s->now++;
  s->n_touched = 0;
  gather_interests(m, s, c, bought, &nb, viewed, &nv);
  spread(m, s, bought, nb, 0);
  spread(m, s, viewed, nv, VIEW_FLAG);
  for (size_t i = 0; i < nv; i++) /* a value viewed and not bought is its own candidate */
    credit(s, viewed[i].code, viewed[i].w, viewed[i].code | VIEW_FLAG);
  size_t n = 0;
  for (size_t i = 0; i < s->n_touched; i++)
    if (s->excluded[s->touched[i]] != s->now)
      s->touched[n++] = s->touched[i];
  size_t n_top = top_k(m, s, s->touched, n, (size_t)k, s->top);
  size_t got = 0;
  for (size_t i = 0; i < n_top; i++) {
    uint32_t v = s->top[i], f = s->from[v];
    out[got++] = (reco_pick){
        v, s->score[v], f & VIEW_FLAG ? m->reason_viewed[f & ~VIEW_FLAG] : m->reason_bought[f]};
    s->excluded[v] = s->now; /* taken */
  }
  uint32_t seg = m->segment[c] == RECO_NONE ? (uint32_t)(m->n_segments - 1) : m->segment[c];
  for (uint32_t q = m->fav_start[seg]; q < m->fav_start[seg + 1] && got < (size_t)k; q++) {
    uint32_t v = m->fav_code[q];
    if (s->excluded[v] == s->now)
      continue;
    s->excluded[v] = s->now;
    out[got++] = (reco_pick){v, 0, m->reason_popular[seg]};
  }
  return got;
}

/* ---------------------------------------------------------------- the table */

typedef struct table_job {
  const patron_recommender *m;
  const uint32_t *customers;
  int k;
  reco_pick *picks; /* k per customer */
  uint32_t *n_picks;
  reco_scratch *scratch[PATRON__EXEC_MAX_WORKERS];
  bool failed;
} table_job;

static void table_range(void *ctx, size_t lo, size_t hi, int worker) {
  table_job *j = ctx;
  if (!j->scratch[worker] && !(j->scratch[worker] = patron__reco_scratch_new(j->m->n_codes))) {
    j->failed = true;
    return;
  }
  for (size_t i = lo; i < hi; i++)
    j->n_picks[i] = (uint32_t)patron__reco_pick(j->m, j->scratch[worker], j->customers[i], j->k,
                                                j->picks + i * (size_t)j->k);
}

/* Every customer of the profile as of the fit day (segment known), in id order. */
static uint32_t *all_customers(const patron_recommender *m, size_t *n) {
  uint32_t *ids = malloc((m->n_customers + 1) * sizeof *ids);
  if (!ids)
    return NULL;
  *n = 0;
  for (size_t c = 0; c < m->n_customers; c++)
    if (m->segment[c] != RECO_NONE)
      ids[(*n)++] = (uint32_t)c;
  return ids;
}

static patron_status fill_table(const patron_recommender *m, const table_job *j, size_t n,
                                patron_table **out, patron_error *err) {
  size_t rows = 0;
  for (size_t i = 0; i < n; i++)
    rows += j->n_picks[i];
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  const char **id, **value, **reason;
  int64_t *rank;
  double *score;
  patron_status st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "rank", PATRON_COL_INT, (void **)&rank, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "value", PATRON_COL_STRING, (void **)&value, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "score", PATRON_COL_DOUBLE, (void **)&score, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "reason", PATRON_COL_STRING, (void **)&reason, err);
  if (st != PATRON_OK) {
    patron_table_free(t);
    return st;
  }
  size_t r = 0;
  for (size_t i = 0; i < n; i++)
    for (uint32_t q = 0; q < j->n_picks[i]; q++, r++) {
      const reco_pick *p = &j->picks[i * (size_t)j->k + q];
      id[r] = patron_dataset_customer_id(m->ds, j->customers[i]);
      rank[r] = q + 1;
      value[r] = patron_dataset_dict_value(m->ds, m->dict, p->code);
      score[r] = p->score;
      reason[r] = p->reason;
    }
  patron_table_set_decimals(t, "score", 6);
  *out = t;
  return PATRON_OK;
}

patron_status patron_recommend_customers(const patron_recommender *m, const uint32_t *customers,
                                         size_t n_customers, int k, patron_table **out,
                                         patron_error *err) {
  *out = NULL;
  table_job j = {.m = m, .k = k > 0 ? k : m->o.k};
  uint32_t *all = NULL;
  if (!customers && !(customers = all = all_customers(m, &n_customers)))
    return PATRON__OOM(err);
  for (size_t i = 0; i < n_customers; i++)
    if (customers[i] >= m->n_customers) {
      free(all);
      return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                               "customer index %u is not a customer of the dataset", customers[i]);
    }
  j.customers = customers;
  j.picks = malloc((n_customers * (size_t)j.k + 1) * sizeof *j.picks);
  j.n_picks = calloc(n_customers + 1, sizeof *j.n_picks);
  patron_status st = PATRON_OK;
  if (!j.picks || !j.n_picks)
    st = PATRON__OOM(err);
  else
    patron__exec_ranges(m->threads, n_customers, PICK_BLOCK, table_range, &j);
  if (st == PATRON_OK && j.failed)
    st = PATRON__OOM(err);
  if (st == PATRON_OK)
    st = fill_table(m, &j, n_customers, out, err);
  for (int w = 0; w < PATRON__EXEC_MAX_WORKERS; w++)
    patron__reco_scratch_free(j.scratch[w]);
  free(j.picks), free(j.n_picks), free(all);
  return st;
}

size_t patron_recommend_join(const patron_recommender *m, uint32_t customer, int k, char *buf,
                             size_t cap) {
  if (cap)
    buf[0] = '\0';
  if (customer >= m->n_customers || k <= 0 || !cap)
    return 0;
  reco_scratch *s = patron__reco_scratch_new(m->n_codes);
  reco_pick *picks = malloc((size_t)k * sizeof *picks);
  size_t n = s && picks ? patron__reco_pick(m, s, customer, k, picks) : 0, len = 0, used = 0;
  for (size_t i = 0; i < n; i++) {
    const char *v = patron_dataset_dict_value(m->ds, m->dict, picks[i].code);
    size_t l = strlen(v) + (i ? 1 : 0);
    if (len + l + 1 > cap)
      break;
    if (i)
      buf[len++] = '|';
    memcpy(buf + len, v, strlen(v) + 1);
    len += strlen(v);
    used++;
  }
  patron__reco_scratch_free(s);
  free(picks);
  return used;
}
