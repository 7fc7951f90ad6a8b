/* The merged segmentations (src/models/segment/seg_merge.h, docs/MERGE.md): for random
 * splits of the customers into 1..8 parts, partials merged in any order (half of them
 * through their text form), the plan, the refine pass and the labels give every customer
 * the scores and labels the in-memory models (patron_rfm_scores ... patron_lifecycles)
 * give, and the summary figures computed here by sorting; on adversarial data: all values
 * equal, fewer customers than bins, negative monetary, heavy ties across the abc cuts,
 * prospects, and the median threshold. */
#include "test_util.h"

#include "models/segment/seg_merge.h"
#include "patron/rfm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct world {
  size_t n;
  char (*id)[16];
  patron__seg_customer *c;
} world;

static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

enum kind { RANDOM, ALL_EQUAL, NEGATIVE, TIES, TINY };

static world make(enum kind k, size_t n, uint64_t seed) {
  world w = {n, calloc(n, 16), calloc(n, sizeof(patron__seg_customer))};
  for (size_t i = 0; i < n; i++) {
    snprintf(w.id[i], 16, "c%06zu", i);
    patron__seg_customer *c = &w.c[i];
    uint64_t r = next(&seed);
    if (k != ALL_EQUAL && r % 23 == 0) { /* a prospect row: refunds only */
      *c = (patron__seg_customer){PATRON_NO_DAY, PATRON_NO_DAY, 0, -(int64_t)(r % 5000), 0};
      continue;
    }
    int64_t f = k == ALL_EQUAL ? 2 : 1 + (int64_t)(next(&seed) % 9);
    int32_t first = 20000 + (k == ALL_EQUAL ? 0 : (int32_t)(next(&seed) % 700));
    int32_t last = first + (k == ALL_EQUAL ? 30 : (int32_t)(next(&seed) % 300));
    int64_t m = k == ALL_EQUAL  ? 1000000
                : k == TIES     ? 50000 * (int64_t)(1 + next(&seed) % 4)
                : k == NEGATIVE ? (int64_t)(next(&seed) % 2000000) - 1000000
                                : (int64_t)(next(&seed) % 50000000) + 1;
    patron_money q = m / f, rem = m % f;
    if (2 * (rem < 0 ? -rem : rem) >= f)
      q += m < 0 ? -1 : 1;
    *c = (patron__seg_customer){first, last, f, m, q};
  }
  return w;
}

static void free_world(world *w) {
  free(w->id);
  free(w->c);
}

/* The in-memory models over a table of w as of as_of. */
static patron_table *reference(const world *w, int32_t as_of, const patron_profile_options *o) {
  patron_table *t = patron_table_new(w->n);
  const char **id;
  int32_t *first, *last;
  int64_t *rec, *freq, *ten;
  patron_money *mon, *aov;
  assert_int_equal(patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, NULL), 0);
  assert_int_equal(patron_table_add(t, "first_purchase", PATRON_COL_DATE, (void **)&first, NULL),
                   0);
  assert_int_equal(patron_table_add(t, "last_purchase", PATRON_COL_DATE, (void **)&last, NULL), 0);
  assert_int_equal(patron_table_add(t, "recency_days", PATRON_COL_INT, (void **)&rec, NULL), 0);
  assert_int_equal(patron_table_add(t, "frequency", PATRON_COL_INT, (void **)&freq, NULL), 0);
  assert_int_equal(patron_table_add(t, "monetary", PATRON_COL_MONEY, (void **)&mon, NULL), 0);
  assert_int_equal(patron_table_add(t, "avg_order_value", PATRON_COL_MONEY, (void **)&aov, NULL),
                   0);
  assert_int_equal(patron_table_add(t, "tenure_days", PATRON_COL_INT, (void **)&ten, NULL), 0);
  for (size_t i = 0; i < w->n; i++) {
    const patron__seg_customer *c = &w->c[i];
    id[i] = w->id[i];
    if (c->frequency <= 0)
      continue;
    first[i] = c->first_day, last[i] = c->last_day, freq[i] = c->frequency;
    rec[i] = as_of - c->last_day, ten[i] = as_of - c->first_day;
    mon[i] = c->monetary, aov[i] = c->aov;
  }
  assert_int_equal(patron_rfm_scores(t, o->bins, NULL), 0);
  assert_int_equal(patron_rfm_classes(t, o->median_threshold, NULL), 0);
  assert_int_equal(patron_rfm_segments(t, o->bins, NULL), 0);
  assert_int_equal(patron_value_quadrants(t, NULL), 0);
  assert_int_equal(patron_abc_classes(t, o->abc_a_pct, o->abc_b_pct, NULL), 0);
  assert_int_equal(
      patron_lifecycles(t, o->new_days, o->active_days, o->silent_days, o->dormant_days, NULL), 0);
  return t;
}

static const void *col(const patron_table *t, const char *name) {
  const patron_column *c = patron_table_find(t, name);
  assert_non_null(c);
  return c->data;
}

/* Pass 1 over the parts, merged in a shuffled order, half through the text form. */
static patron__seg_partial *pass1(const world *w, const int *part, int k, uint64_t *seed) {
  patron__seg_partial **p = calloc((size_t)k, sizeof *p);
  for (int j = 0; j < k; j++)
    p[j] = patron__seg_partial_new();
  for (size_t i = 0; i < w->n; i++) {
    assert_true(patron__seg_partial_add(p[part[i]], &w->c[i]));
    if (w->c[i].frequency > 0)
      patron__seg_partial_note_day(p[part[i]], w->c[i].last_day + (int32_t)(i % 3));
  }
  patron__seg_partial *acc = patron__seg_partial_new();
  for (int j = k - 1; j >= 0; j--) {
    int pick = (int)(next(seed) % (uint64_t)(j + 1));
    patron__seg_partial *q = p[pick];
    p[pick] = p[j];
    if (next(seed) % 2) {
      size_t len;
      char *text = patron__seg_partial_format(q, &len);
      patron_error err = {0};
      assert_int_equal(patron__seg_partial_parse(acc, text, len, &err), PATRON_OK);
      free(text);
    } else {
      assert_true(patron__seg_partial_merge(acc, q));
    }
    patron__seg_partial_free(q);
  }
  free(p);
  return acc;
}

static void check_stats(const world *w, const patron__seg_plan *plan) {
  patron_profile_stats s;
  patron__seg_plan_stats(plan, &s);
  size_t n = 0, silent = 0;
  patron_money revenue = 0;
  int64_t *m = calloc(w->n + 1, sizeof *m);
  for (size_t i = 0; i < w->n; i++)
    if (w->c[i].frequency > 0) {
      m[n++] = w->c[i].monetary;
      revenue += w->c[i].monetary;
      silent += patron__seg_plan_as_of(plan) - w->c[i].last_day > 180;
    }
  assert_int_equal(s.customers, w->n);
  assert_int_equal(s.purchasers, n);
  assert_int_equal(s.revenue, revenue);
  for (size_t i = 1; i < n; i++) /* insertion sort: small worlds */
    for (size_t j = i; j > 0 && m[j - 1] > m[j]; j--) {
      int64_t t = m[j];
      m[j] = m[j - 1], m[j - 1] = t;
    }
  long double top = 0;
  for (size_t i = 0; i < (n + 4) / 5; i++)
    top += m[n - 1 - i];
  if (n) {
    assert_true(s.top20_revenue_share == (revenue ? (double)(top / revenue) : 0));
    assert_true(s.silent_share == (double)silent / (double)n);
  }
  free(m);
}

static void check_split(const world *w, const patron_profile_options *o, int k, uint64_t seed) {
  int *part = malloc(w->n * sizeof *part + 1);
  for (size_t i = 0; i < w->n; i++)
    part[i] = (int)(next(&seed) % (uint64_t)k);
  patron__seg_partial *merged = pass1(w, part, k, &seed);
  patron__seg_plan *plan;
  patron_error err = {0};
  assert_int_equal(patron__seg_plan_new(merged, o, &plan, &err), PATRON_OK);
  patron__seg_refine *acc = patron__seg_refine_new(plan);
  for (int j = 0; j < k; j++) { /* pass 2 per part, merged */
    patron__seg_refine *r = patron__seg_refine_new(plan);
    for (size_t i = 0; i < w->n; i++)
      if (part[i] == j)
        assert_true(patron__seg_refine_add(r, w->id[i], strlen(w->id[i]), &w->c[i]));
    assert_true(patron__seg_refine_merge(acc, r));
    patron__seg_refine_free(r);
  }
  assert_int_equal(patron__seg_plan_finish(plan, acc, &err), PATRON_OK);
  patron_table *t = reference(w, patron__seg_plan_as_of(plan), o);
  const int64_t *r = col(t, "r_score"), *f = col(t, "f_score"), *m = col(t, "m_score");
  const int64_t *cell = col(t, "rfm_cell"), *rec = col(t, "recency_days");
  const int32_t *cls = col(t, "rfm_class"), *seg = col(t, "segment"),
                *quad = col(t, "value_quadrant"), *abc = col(t, "abc_class"),
                *life = col(t, "lifecycle");
  for (size_t i = 0; i < w->n; i++) {
    patron__seg_labels l;
    patron__seg_label(plan, w->id[i], strlen(w->id[i]), &w->c[i], &l);
    assert_int_equal(l.r, r[i]);
    assert_int_equal(l.f, f[i]);
    assert_int_equal(l.m, m[i]);
    assert_int_equal(l.cell, cell[i]);
    assert_int_equal(l.recency, rec[i]);
    assert_int_equal(l.rfm_class, cls[i]);
    assert_int_equal(l.segment, seg[i]);
    assert_int_equal(l.quadrant, quad[i]);
    assert_int_equal(l.abc, abc[i]);
    assert_int_equal(l.lifecycle, life[i]);
  }
  check_stats(w, plan);
  patron_table_free(t);
  patron__seg_refine_free(acc);
  patron__seg_plan_free(plan);
  patron__seg_partial_free(merged);
  free(part);
}

static void run_kind(enum kind k, size_t n) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    world w = make(k, n, seed);
    patron_profile_options o;
    patron_profile_options_init(&o);
    for (int parts = 1; parts <= 8; parts++) {
      o.median_threshold = parts % 2 == 0;
      o.bins = 2 + (int)((seed + (uint64_t)parts) % 8);
      o.abc_a_pct = parts == 3 ? 50 : 15, o.abc_b_pct = parts == 3 ? 50 : 20;
      o.as_of_day = parts == 5 ? 21100 : PATRON_NO_DAY;
      check_split(&w, &o, parts, seed * 100 + (uint64_t)parts);
    }
    free_world(&w);
  }
}

static void test_random(void **state) {
  (void)state;
  run_kind(RANDOM, 3000);
}
static void test_all_equal(void **state) {
  (void)state;
  run_kind(ALL_EQUAL, 500);
}
static void test_negative_monetary(void **state) {
  (void)state;
  run_kind(NEGATIVE, 2000);
}
static void test_ties_across_abc_cuts(void **state) {
  (void)state;
  run_kind(TIES, 2000);
}
static void test_fewer_customers_than_bins(void **state) {
  (void)state;
  for (size_t n = 1; n <= 4; n++)
    run_kind(TINY, n);
}

/* A malformed partial is an input error with a message, and leaves the target as it was. */
static void test_partial_parse_errors(void **state) {
  (void)state;
  static const char *const bad[] = {
      "", "seg2\t1\t1\t1\t1\t1\t1\t1\t\t\t",
      "seg1\t1\t2\t\\N\t0\t0\t0\t0\t\t\t", /* purchasers > customers */
      "seg1\t1\t1\t\\N\t0\t0\t0\t0\t5:0\t\t", "seg1\t1\t1\t\\N\t0\t0\t0\t0\t\t\t999999:1:1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    patron__seg_partial *p = patron__seg_partial_new();
    patron_error err = {0};
    assert_int_equal(patron__seg_partial_parse(p, bad[i], strlen(bad[i]), &err), PATRON_ERR_INPUT);
    assert_true(err.message[0] != '\0');
    assert_int_equal(patron__seg_partial_customers(p), 0);
    patron__seg_partial_free(p);
  }
}

PATRON_TEST_MAIN(cmocka_unit_test(test_random), cmocka_unit_test(test_all_equal),
                 cmocka_unit_test(test_negative_monetary),
                 cmocka_unit_test(test_ties_across_abc_cuts),
                 cmocka_unit_test(test_fewer_customers_than_bins),
                 cmocka_unit_test(test_partial_parse_errors))
