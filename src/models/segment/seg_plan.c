/* Plan, pass 2, finish and labels of the merged segmentations (seg_merge.h, docs/MERGE.md):
 * the SPEC section 3 cuts from a merged partial, money order statistics made exact by a
 * second pass over the customers of a few buckets, and each customer's labels by the same
 * formulas as the in-memory models (rfm_scores.c, rfm_class.c, value_quadrant.c,
 * abc_class.c, lifecycle.c, profile.c's summary figures). */
#include "models/segment/seg_merge_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_RANKS = 16 }; /* bins - 1 (<= 8), 2 medians, 2 abc cuts, the top-20% cut */

typedef struct money_rank {
  uint64_t rank;   /* 0-based ascending rank over purchasers */
  uint32_t bucket; /* the bucket holding it */
  patron_money value;
  size_t pos; /* index of the rank in the sorted refine entries */
} money_rank;

typedef struct abc_cut {
  bool all;           /* the class takes every remaining customer */
  patron_money value; /* customers above are in; at it, ids <= id are in */
  char *id;
  size_t id_len;
} abc_cut;

struct patron__seg_plan {
  patron_profile_options o;
  int32_t as_of;
  uint64_t customers, n; /* rows, purchasers */
  seg_pair *last, *freq; /* sorted histograms */
  size_t n_last, n_freq;
  long double r_cut, f_cut, m_cut, f_mean, a_mean;
  __int128 revenue;
  uint64_t silent;
  uint64_t *below; /* [SEG_BUCKETS + 1] purchasers in lower buckets */
  __int128 *bucket_sum;
  money_rank ranks[MAX_RANKS];
  int n_ranks, m_rank0, median_rank0, abc_rank0, top_rank;
  abc_cut abc[2];
  __int128 top_sum;
  bool finished;
};

typedef struct refine_entry {
  patron_money value;
  const char *id;
  size_t id_len;
} refine_entry;

struct patron__seg_refine {
  const patron__seg_plan *plan;
  bool selected[SEG_BUCKETS];
  refine_entry *e;
  size_t n, cap;
  patron__arena ids;
};

void patron__seg_customer_of(const int32_t *order_day, const patron_money *value, size_t n,
                             patron__seg_customer *out) {
  *out = (patron__seg_customer){PATRON_NO_DAY, PATRON_NO_DAY, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    out->monetary += value[i];
    if (value[i] <= 0)
      continue;
    if (!out->frequency++ || order_day[i] < out->first_day)
      out->first_day = order_day[i];
    if (order_day[i] > out->last_day)
      out->last_day = order_day[i];
  }
  if (!out->frequency)
    return;
  patron_money q = out->monetary / out->frequency, r = out->monetary % out->frequency;
  if (2 * (r < 0 ? -r : r) >= out->frequency) /* half away from zero, as profile.c */
    q += out->monetary < 0 ? -1 : 1;
  out->aov = q;
}

/* ---- plan ------------------------------------------------------------------------------ */

static patron_status check_options(const patron_profile_options *o, patron_error *err) {
  if (o->bins < 2 || o->bins > 9)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--bins must be 2..9 (rfm_cell is three digits), got %d", o->bins);
  if (!(o->abc_a_pct > 0 && o->abc_b_pct >= 0 && o->abc_a_pct + o->abc_b_pct <= 100))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--abc A,B needs A > 0, B >= 0 and A + B <= 100");
  return PATRON_OK;
}

/* Value of 0-based ascending rank k in a sorted histogram. */
static int64_t hist_rank(const seg_pair *p, size_t n, uint64_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (p[mid].below + p[mid].count > k)
      hi = mid;
    else
      lo = mid + 1;
  }
  return p[lo].value;
}

/* The median as center() of rfm_class.c: the middle value, or the mean of the two. */
static long double median_of(int64_t lo_value, int64_t hi_value, uint64_t n) {
  return n % 2 ? (long double)hi_value : ((long double)lo_value + (long double)hi_value) / 2;
}

static void add_rank(patron__seg_plan *p, uint64_t rank) {
  money_rank *r = &p->ranks[p->n_ranks++];
  r->rank = rank;
  size_t lo = 0, hi = SEG_BUCKETS - 1; /* the bucket b with below[b] <= rank < below[b+1] */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (p->below[mid + 1] > rank)
      hi = mid;
    else
      lo = mid + 1;
  }
  r->bucket = (uint32_t)lo;
}

/* The money ranks the figures need (see the header of seg_merge.h). */
static void money_ranks(patron__seg_plan *p) {
  uint64_t n = p->n;
  size_t bins = (size_t)p->o.bins;
  p->m_rank0 = p->n_ranks;
  for (size_t k = 1; k < bins; k++) /* r_k = ceil(k n / bins), 1-based */
    add_rank(p, (k * n + bins - 1) / bins - 1);
  p->median_rank0 = p->n_ranks;
  add_rank(p, n % 2 ? n / 2 : n / 2 - 1);
  add_rank(p, n / 2);
  size_t a = patron__ceil_share(p->o.abc_a_pct, n);
  size_t cuts[2] = {a, a + patron__ceil_share(p->o.abc_b_pct, n)};
  p->abc_rank0 = p->n_ranks;
  for (int i = 0; i < 2; i++) {
    p->abc[i].all = cuts[i] >= n;
    add_rank(p, cuts[i] >= n ? 0 : n - cuts[i]);
  }
  p->top_rank = p->n_ranks;
  add_rank(p, n - (n + 4) / 5);
}

static patron_status plan_cuts(patron__seg_plan *p, const patron__seg_partial *m,
                               patron_error *err) {
  if (!(p->last = patron__seg_hist_sorted(&m->last, &p->n_last)) ||
      !(p->freq = patron__seg_hist_sorted(&m->freq, &p->n_freq)) ||
      !(p->below = malloc((SEG_BUCKETS + 1) * sizeof *p->below)) ||
      !(p->bucket_sum = malloc(SEG_BUCKETS * sizeof *p->bucket_sum)))
    return PATRON__OOM(err);
  p->below[0] = 0;
  for (size_t b = 0; b < SEG_BUCKETS; b++)
    p->below[b + 1] = p->below[b] + m->bucket_count[b];
  memcpy(p->bucket_sum, m->bucket_sum, SEG_BUCKETS * sizeof *p->bucket_sum);
  uint64_t n = p->n;
  if (!n)
    return PATRON_OK;
  p->revenue = m->sum_mon;
  for (size_t i = 0; i < p->n_last && p->as_of - p->last[i].value > 180; i++)
    p->silent += p->last[i].count;
  long double nd = (long double)n;
  p->f_mean = (long double)m->sum_freq / nd;
  p->a_mean = (long double)m->sum_aov / nd;
  p->r_cut = (long double)((__int128)p->as_of * (__int128)n - m->sum_last) / nd;
  p->f_cut = p->f_mean;
  p->m_cut = (long double)m->sum_mon / nd;
  if (p->o.median_threshold) { /* recency ascending = last day descending */
    int64_t r_lo = hist_rank(p->last, p->n_last, n - 1 - (n % 2 ? n / 2 : n / 2 - 1));
    int64_t r_hi = hist_rank(p->last, p->n_last, n - 1 - n / 2);
    p->r_cut = median_of(p->as_of - r_lo, p->as_of - r_hi, n);
    p->f_cut = median_of(hist_rank(p->freq, p->n_freq, n % 2 ? n / 2 : n / 2 - 1),
                         hist_rank(p->freq, p->n_freq, n / 2), n);
  }
  money_ranks(p);
  return PATRON_OK;
}

patron_status patron__seg_plan_new(const patron__seg_partial *merged,
                                   const patron_profile_options *o, patron__seg_plan **out,
                                   patron_error *err) {
  *out = NULL;
  patron_status st = check_options(o, err);
  if (st != PATRON_OK)
    return st;
  int32_t as_of = o->as_of_day;
  if (as_of == PATRON_NO_DAY && merged->max_day == PATRON_NO_DAY)
    return patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                             "no usable order rows: cannot choose an as-of date (give --as-of)");
  patron__seg_plan *p = calloc(1, sizeof *p);
  if (!p)
    return PATRON__OOM(err);
  p->o = *o;
  p->as_of = as_of != PATRON_NO_DAY ? as_of : merged->max_day + 1;
  p->customers = merged->customers;
  p->n = merged->purchasers;
  st = plan_cuts(p, merged, err);
  if (st != PATRON_OK) {
    patron__seg_plan_free(p);
    return st;
  }
  *out = p;
  return PATRON_OK;
}

void patron__seg_plan_free(patron__seg_plan *p) {
  if (!p)
    return;
  free(p->last);
  free(p->freq);
  free(p->below);
  free(p->bucket_sum);
  for (int i = 0; i < 2; i++)
    free(p->abc[i].id);
  free(p);
}

int32_t patron__seg_plan_as_of(const patron__seg_plan *p) { return p->as_of; }

/* ---- pass 2 ----------------------------------------------------------------------------- */

patron__seg_refine *patron__seg_refine_new(const patron__seg_plan *plan) {
  patron__seg_refine *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->plan = plan;
  for (int i = 0; i < plan->n_ranks && plan->n; i++)
    r->selected[plan->ranks[i].bucket] = true;
  return r;
}

void patron__seg_refine_free(patron__seg_refine *r) {
  if (!r)
    return;
  free(r->e);
  patron__arena_free(&r->ids);
  free(r);
}

static bool push_entry(patron__seg_refine *r, patron_money v, const char *id, size_t len) {
  if (!patron__reserve((void **)&r->e, &r->cap, r->n + 1, sizeof *r->e))
    return false;
  char *copy = patron__arena_strdup(&r->ids, id, len);
  if (!copy)
    return false;
  r->e[r->n++] = (refine_entry){v, copy, len};
  return true;
}

bool patron__seg_refine_add(patron__seg_refine *r, const char *id, size_t id_len,
                            const patron__seg_customer *c) {
  if (c->frequency <= 0 || !r->selected[patron__seg_bucket(c->monetary)])
    return true;
  return push_entry(r, c->monetary, id, id_len);
}

bool patron__seg_refine_merge(patron__seg_refine *acc, const patron__seg_refine *src) {
  for (size_t i = 0; i < src->n; i++)
    if (!push_entry(acc, src->e[i].value, src->e[i].id, src->e[i].id_len))
      return false;
  return true;
}

size_t patron__seg_refine_count(const patron__seg_refine *r) { return r->n; }

void patron__seg_refine_entry(const patron__seg_refine *r, size_t i, patron_money *monetary,
                              const char **id, size_t *id_len) {
  *monetary = r->e[i].value;
  *id = r->e[i].id;
  *id_len = r->e[i].id_len;
}

/* ---- finish ----------------------------------------------------------------------------- */

/* Customer ids in byte order (shorter first on a common prefix), as profiles are sorted. */
static int cmp_id(const char *a, size_t la, const char *b, size_t lb) {
  int c = memcmp(a, b, la < lb ? la : lb);
  return c ? c : (la > lb) - (la < lb);
}

static int cmp_entry(const void *x, const void *y) {
  const refine_entry *a = x, *b = y;
  if (a->value != b->value)
    return a->value < b->value ? -1 : 1;
  return cmp_id(a->id, a->id_len, b->id, b->id_len);
}

/* Checks that each selected bucket holds as many entries as pass 1 counted, and places
 * every wanted rank in the sorted entries. */
static bool place_ranks(patron__seg_plan *p, const patron__seg_refine *r) {
  size_t start = 0, i = 0;
  for (size_t b = 0; b < SEG_BUCKETS; b++) {
    if (!r->selected[b])
      continue;
    size_t count = 0;
    while (i < r->n && patron__seg_bucket(r->e[i].value) == b)
      i++, count++;
    if (count != p->below[b + 1] - p->below[b])
      return false;
    for (int k = 0; k < p->n_ranks; k++)
      if (p->ranks[k].bucket == b) {
        if (p->ranks[k].rank < p->below[b] || p->ranks[k].rank - p->below[b] >= count)
          return false; /* a rank outside its bucket: the partials disagree */
        p->ranks[k].pos = start + (size_t)(p->ranks[k].rank - p->below[b]);
        p->ranks[k].value = r->e[p->ranks[k].pos].value;
      }
    start += count;
  }
  return i == r->n;
}

/* abc cut i: customers above the value of the cut rank are in; at that value, the first
 * `need` ids (those whose position in (monetary desc, id asc) is before the cut). */
static patron_status abc_cut_of(patron__seg_plan *p, const patron__seg_refine *r, int i, size_t cut,
                                patron_error *err) {
  abc_cut *a = &p->abc[i];
  if (a->all)
    return PATRON_OK;
  const money_rank *k = &p->ranks[p->abc_rank0 + i];
  a->value = k->value;
  size_t last = k->pos, first = k->pos;
  while (last + 1 < r->n && r->e[last + 1].value == a->value)
    last++;
  while (first > 0 && r->e[first - 1].value == a->value)
    first--;
  uint64_t ranked = k->rank + (last - k->pos);
  uint64_t above = ranked < p->n ? p->n - 1 - ranked : 0; /* customers with more */
  if (ranked >= p->n || cut <= above || cut - above > last - first + 1)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the partial summaries disagree with the customers' rows (an abc "
                             "cut falls outside its value's run): were they made from one input?");
  size_t need = cut - (size_t)above; /* 1 .. run length */
  const refine_entry *e = &r->e[first + need - 1];
  a->id_len = e->id_len;
  if (!(a->id = malloc(e->id_len + 1)))
    return PATRON__OOM(err);
  memcpy(a->id, e->id, e->id_len + 1);
  return PATRON_OK;
}

static void top_sum(patron__seg_plan *p, const patron__seg_refine *r) {
  const money_rank *k = &p->ranks[p->top_rank];
  __int128 sum = 0;
  for (size_t b = k->bucket + 1; b < SEG_BUCKETS; b++)
    sum += p->bucket_sum[b];
  size_t end = k->pos;
  while (end < r->n && patron__seg_bucket(r->e[end].value) == k->bucket)
    sum += r->e[end++].value;
  p->top_sum = sum;
}

patron_status patron__seg_plan_finish(patron__seg_plan *p, patron__seg_refine *r,
                                      patron_error *err) {
  p->finished = true;
  if (!p->n)
    return PATRON_OK;
  if (r->n > 1) /* qsort wants a valid pointer even for none */
    qsort(r->e, r->n, sizeof *r->e, cmp_entry);
  if (!place_ranks(p, r))
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the second pass saw other customers than the first (the reducers' "
                             "output changed between the passes)");
  if (p->o.median_threshold)
    p->m_cut =
        median_of(p->ranks[p->median_rank0].value, p->ranks[p->median_rank0 + 1].value, p->n);
  size_t a = patron__ceil_share(p->o.abc_a_pct, p->n);
  patron_status st = abc_cut_of(p, r, 0, a, err);
  if (st == PATRON_OK)
    st = abc_cut_of(p, r, 1, a + patron__ceil_share(p->o.abc_b_pct, p->n), err);
  if (st != PATRON_OK)
    return st;
  top_sum(p, r);
  return PATRON_OK;
}

/* ---- labels ----------------------------------------------------------------------------- */

/* 1 + floor(bins * below / n) from a sorted histogram holding v. */
static int64_t hist_score(const seg_pair *h, size_t n_h, int64_t v, uint64_t n, int bins,
                          bool larger_is_worse) {
  size_t lo = 0, hi = n_h - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (h[mid].value < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint64_t below = larger_is_worse ? n - h[lo].below - h[lo].count : h[lo].below;
  return 1 + (int64_t)((size_t)bins * below / n);
}

static bool in_class(const abc_cut *a, patron_money v, const char *id, size_t len) {
  return a->all || v > a->value || (v == a->value && cmp_id(id, len, a->id, a->id_len) <= 0);
}

void patron__seg_label(const patron__seg_plan *p, const char *id, size_t id_len,
                       const patron__seg_customer *c, patron__seg_labels *out) {
  const patron_profile_options *o = &p->o;
  *out = (patron__seg_labels){PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              PATRON_NULL_INT,
                              -1,
                              -1,
                              -1,
                              -1,
                              0};
  if (c->frequency <= 0)
    return;
  out->recency = p->as_of - c->last_day;
  out->tenure = p->as_of - c->first_day;
  /* R: customers with a strictly larger recency are those with an earlier last day */
  out->r = hist_score(p->last, p->n_last, c->last_day, p->n, o->bins, false);
  out->f = hist_score(p->freq, p->n_freq, c->frequency, p->n, o->bins, false);
  out->m = 1;
  for (int k = 0; k < o->bins - 1; k++)
    out->m += c->monetary > p->ranks[p->m_rank0 + k].value;
  out->cell = out->r * 100 + out->f * 10 + out->m;
  out->score = out->r + out->f + out->m;
  out->rfm_class = patron_rfm_class_code(out->recency <= p->r_cut, c->frequency >= p->f_cut,
                                         c->monetary >= p->m_cut);
  out->segment = patron__segment_code(out->r, out->f, out->m, o->bins);
  out->quadrant = patron__quadrant_code(c->frequency >= p->f_mean, c->aov >= p->a_mean);
  out->abc = in_class(&p->abc[0], c->monetary, id, id_len)   ? 0
             : in_class(&p->abc[1], c->monetary, id, id_len) ? 1
                                                             : 2;
  out->lifecycle = patron__lifecycle_code(true, out->tenure, out->recency, o->new_days,
                                          o->active_days, o->silent_days, o->dormant_days);
}

void patron__seg_plan_stats(const patron__seg_plan *p, patron_profile_stats *out) {
  *out = (patron_profile_stats){.customers = p->customers, .purchasers = p->n};
  out->revenue = (patron_money)p->revenue;
  if (!p->n)
    return;
  out->top20_revenue_share = out->revenue ? (double)((long double)p->top_sum / out->revenue) : 0;
  out->silent_share = (double)p->silent / (double)p->n;
}
