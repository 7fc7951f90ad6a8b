/* The id table (src/core/intern.c: short ids compared inside the slot, long ones through
 * the strings) and the order candidates' collapse (src/core/order_set.c), checked against
 * a plain linear search and hand-made order lists. */
#include "test_util.h"

#include "core/order_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings that differ only past byte 8, by a trailing NUL, by length or by scope are
 * distinct; the same ones again get their first index. */
static void intern_distinct_and_repeated(void **state) {
  (void)state;
  patron__intern t = {0};
  static const struct {
    const char *s;
    size_t len;
    uint32_t scope;
  } v[] = {
      {"", 0, 0},
      {"a", 1, 0},
      {"a\0", 2, 0},
      {"12345678", 8, 0},
      {"123456789", 9, 0},
      {"12345678a", 9, 0},
      {"1234567", 7, 0},
      {"a", 1, 3},
      {"", 0, 3},
      {"12345678", 8, 1},
      {"a long id, 30 bytes.", 20, 0},
  };
  size_t n = sizeof v / sizeof v[0];
  bool added;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(patron__intern_put(&t, v[i].scope, v[i].s, v[i].len, &added), i);
    assert_true(added);
  }
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(patron__intern_put(&t, v[i].scope, v[i].s, v[i].len, &added), i);
    assert_false(added);
    assert_int_equal(patron__intern_find(&t, v[i].scope, v[i].s, v[i].len), i);
    assert_int_equal(t.len[i], v[i].len);
    assert_memory_equal(t.str[i], v[i].s, v[i].len);
  }
  assert_int_equal(patron__intern_find(&t, 0, "b", 1), PATRON__NO_INDEX);
  assert_int_equal(patron__intern_find(&t, 2, "a", 1), PATRON__NO_INDEX);
  patron__intern_free(&t);
}

/* Growth from a tiny table through many doublings, with short and long ids mixed, keeps
 * every index (checked against the order of insertion). */
static void intern_growth(void **state) {
  (void)state;
  patron__intern t = {0};
  enum { N = 300000 };
  char buf[64];
  bool added;
  for (int i = 0; i < N; i++) {
    int len = snprintf(buf, sizeof buf, i % 3 ? "%d" : "customer-%09d", i);
    assert_int_equal(patron__intern_put(&t, 0, buf, (size_t)len, &added), i);
    assert_true(added);
  }
  for (int i = N - 1; i >= 0; i--) {
    int len = snprintf(buf, sizeof buf, i % 3 ? "%d" : "customer-%09d", i);
    assert_int_equal(patron__intern_find(&t, 0, buf, (size_t)len), i);
  }
  assert_true(t.n_slots >= 2 * t.n);
  patron__intern_free(&t);
}

/* With a table of 1024 slots, many keys share a home slot: linear probing must still tell
 * them apart (every key is checked against a linear search). */
static void intern_collisions(void **state) {
  (void)state;
  patron__intern t = {0};
  char keys[500][12];
  bool added;
  for (int i = 0; i < 500; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i * 7919);
    uint32_t got = patron__intern_put(&t, 0, keys[i], strlen(keys[i]), &added);
    uint32_t want = (uint32_t)i;
    for (int j = 0; j < i; j++)
      if (strcmp(keys[j], keys[i]) == 0)
        want = (uint32_t)j;
    assert_int_equal(got, want);
  }
  assert_int_equal(t.n_slots, 1024);
  patron__intern_free(&t);
}

/* Candidates: customer, id, time, value. */
typedef struct cand {
  uint32_t customer;
  const char *id;
  int64_t time;
  int64_t value;
} cand;

static void fill(order_set *s, const cand *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t o = patron__order_set_add(s, c[i].customer, c[i].id, c[i].id ? strlen(c[i].id) : 0,
                                       c[i].time, c[i].value);
    assert_int_equal(o, i);
  }
}

static int64_t time_of(const order_set *s, size_t o) { return patron__order_col_get(&s->time, o); }
static int64_t value_of(const order_set *s, size_t o) {
  return patron__order_col_get(&s->value, o);
}

/* Groups candidates per customer (stable), as the dataset does before collapsing. */
static uint32_t *group(const order_set *s, size_t n_customers, uint32_t *start) {
  uint32_t *perm = malloc(s->n * sizeof *perm);
  size_t k = 0;
  for (uint32_t c = 0; c < n_customers; c++) {
    start[c] = (uint32_t)k;
    for (uint32_t o = 0; o < s->n; o++)
      if (s->customer[o] == c)
        perm[k++] = o;
  }
  start[n_customers] = (uint32_t)k;
  return perm;
}

/* Same id for one customer merges (sum, earliest time, into the first candidate); the same
 * id for another customer, a longer id sharing 8 bytes and id-less orders do not. */
static void collapse_merges_exactly(void **state) {
  (void)state;
  const cand c[] = {
      {0, "A1", 50, 100},
      {1, "A1", 40, 7},
      {0, "B", 60, 5},
      {0, "A1", 30, 1},
      {0, "orders-123456", 5, 2},
      {0, "orders-123457", 6, 3},
      {0, "orders-123456", 9, 4},
      {1, NULL, 1, 1},
      {1, NULL, 1, 1},
  };
  order_set s = {0};
  fill(&s, c, sizeof c / sizeof c[0]);
  assert_false(s.increasing);
  uint32_t start[3], canon[9];
  uint32_t *perm = group(&s, 2, start);
  size_t n;
  assert_true(patron__order_set_collapse(&s, perm, start, 2, canon, &n));
  assert_int_equal(n, 7);
  assert_int_equal(start[0], 0);
  assert_int_equal(start[1], 4);
  assert_int_equal(start[2], 7);
  const uint32_t kept[7] = {0, 2, 4, 5, 1, 7, 8};
  for (int i = 0; i < 7; i++)
    assert_int_equal(perm[i], kept[i]);
  assert_int_equal(value_of(&s, 0), 101);
  assert_int_equal(time_of(&s, 0), 30);
  assert_int_equal(s.lines[0], 2);
  assert_int_equal(value_of(&s, 4), 6);
  assert_int_equal(time_of(&s, 4), 5);
  assert_int_equal(canon[3], 0);
  assert_int_equal(canon[6], 4);
  assert_int_equal(canon[5], 5);
  free(perm);
  patron__order_set_free(&s);
}

/* A customer with many orders takes the sorted path; the result equals a quadratic scan. */
static void collapse_large_customer(void **state) {
  (void)state;
  enum { N = 2000 };
  order_set s = {0};
  char id[24];
  for (int i = 0; i < N; i++) {
    int r = (i * 37) % 600; /* 600 distinct ids, in a scrambled order */
    snprintf(id, sizeof id, r < 300 ? "%d" : "long-id-%d", r);
    assert_int_equal(patron__order_set_add(&s, 0, id, strlen(id), N - i, i), i);
  }
  uint32_t start[2], canon[N];
  uint32_t *perm = group(&s, 1, start);
  size_t n;
  assert_true(patron__order_set_collapse(&s, perm, start, 1, canon, &n));
  assert_int_equal(n, 600);
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    total += value_of(&s, perm[i]);
    assert_true(i == 0 || perm[i] > perm[i - 1]); /* first candidates kept, in load order */
  }
  assert_int_equal(total, (int64_t)N * (N - 1) / 2);
  for (int i = 0; i < N; i++)
    assert_true(canon[i] <= (uint32_t)i && canon[canon[i]] == canon[i]);
  free(perm);
  patron__order_set_free(&s);
}

/* Ids longer than the 252-byte stack record (copied through the heap) compare on every
 * byte: the same one merges, one differing in its last byte does not. */
static void collapse_very_long_ids(void **state) {
  (void)state;
  char a[300], b[300];
  memset(a, 'x', sizeof a);
  memcpy(b, a, sizeof b);
  b[299] = 'y';
  order_set s = {0};
  assert_int_equal(patron__order_set_add(&s, 0, a, sizeof a, 10, 1), 0);
  assert_int_equal(patron__order_set_add(&s, 0, b, sizeof b, 9, 1), 1);
  assert_int_equal(patron__order_set_add(&s, 0, a, sizeof a, 8, 1), 2);
  assert_true(patron__order_set_is(&s, 2, 0, a, sizeof a));
  assert_false(patron__order_set_is(&s, 1, 0, a, sizeof a));
  assert_false(patron__order_set_is(&s, 2, 0, a, 299));
  uint32_t start[2], canon[3];
  uint32_t *perm = group(&s, 1, start);
  size_t n;
  assert_true(patron__order_set_collapse(&s, perm, start, 1, canon, &n));
  assert_int_equal(n, 2);
  assert_int_equal(value_of(&s, 0), 2);
  assert_int_equal(time_of(&s, 0), 8);
  assert_int_equal(canon[2], 0);
  assert_int_equal(canon[1], 1);
  free(perm);
  patron__order_set_free(&s);
}

/* Increasing ids (numeric order: shorter first) skip the collapse; concat keeps the flag
 * only when the second part continues the first. */
static void increasing_ids(void **state) {
  (void)state;
  order_set a = {0}, b = {0}, c = {0};
  const cand ca[] = {{0, "9", 1, 1}, {1, "10", 1, 1}, {0, "11", 1, 1}};
  const cand cb[] = {{1, "12", 1, 1}, {0, "100", 1, 1}};
  const cand cc[] = {{0, "11", 1, 1}};
  fill(&a, ca, 3);
  fill(&b, cb, 2);
  fill(&c, cc, 1);
  assert_true(a.increasing && b.increasing && c.increasing);
  const uint32_t remap[2] = {1, 0};
  assert_true(patron__order_set_concat(&a, &b, remap, 2));
  assert_true(a.increasing);
  assert_int_equal(a.n, 5);
  assert_int_equal(a.customer[3], 0);
  assert_int_equal(a.customer[4], 1);
  assert_true(patron__order_set_concat(&a, &c, NULL, 1));
  assert_false(a.increasing); /* "11" again */
  assert_true(patron__order_set_is(&a, 5, 0, "11", 2));
  assert_false(patron__order_set_is(&a, 5, 1, "11", 2));
  patron__order_set_free(&a);
  patron__order_set_free(&b);
  patron__order_set_free(&c);
}

/* patron__short_key is the zero-padded bytes (a memcpy into a zeroed word, on this
 * little-endian machine) for every length up to 8, and 0 past it; short order ids keep
 * cmp_ids' order (shorter first, then bytes, high bytes included) when compared as words. */
static void short_keys_and_order(void **state) {
  (void)state;
  const char text[] = "\x01\xff"
                      "abcdefghij";
  for (size_t len = 0; len <= 8; len++) {
    uint64_t want = 0;
    memcpy(&want, text, len);
    assert_true(patron__short_key(text, len) == want);
  }
  assert_true(patron__short_key(text, 9) == 0);
  order_set a = {0};
  const cand ca[] = {{0, "ab", 1, 1}, {0, "b", 1, 1}};
  const cand cb[] = {{0, "a\xff", 1, 1},   {0, "b\x01", 1, 1}, {0, "b\x02", 1, 1},
                     {0, "zz", 1, 1},      {0, "abc", 1, 1},   {0, "abcdefgh", 1, 1},
                     {0, "abcdefgi", 1, 1}};
  fill(&a, ca, 2);
  assert_false(a.increasing); /* "b" is shorter than "ab" */
  patron__order_set_free(&a);
  order_set b = {0};
  fill(&b, cb, 7);
  assert_true(b.increasing);
  assert_true(patron__order_set_is(&b, 0, 0, "a\xff", 2));
  assert_false(patron__order_set_is(&b, 0, 0, "a", 1));
  patron__order_set_free(&b);
  order_set c = {0};
  const cand cc[] = {{0, "b\x02", 1, 1}, {0, "b\x01", 1, 1}};
  fill(&c, cc, 2);
  assert_false(c.increasing);
  patron__order_set_free(&c);
}

/* Times near 2000-01-01 and values under 214,748.3647 are kept in 32 bits; a line far from
 * them widens its column, sums past 32 bits too, and concatenating a narrow set to a wide one
 * keeps every value: each reads back exactly. */
static void narrow_and_wide_columns(void **state) {
  (void)state;
  const int64_t y2k = 946684800, far = -2208988800; /* 1900-01-01 */
  const int64_t big = 2000000000;                   /* 200,000.0000: fits, twice does not */
  order_set a = {0}, b = {0};
  assert_int_equal(patron__order_set_add(&a, 0, "1", 1, y2k + 5, big), 0);
  assert_false(a.time.wide || a.value.wide);
  assert_true(patron__order_set_add_line(&a, 0, y2k + 3, big));
  assert_true(a.value.wide && !a.time.wide);
  assert_int_equal(patron__order_set_add(&a, 1, "2", 1, y2k - 7, -big), 1);
  assert_true(patron__order_set_add_line(&a, 1, far, 1));
  assert_true(a.time.wide);
  assert_int_equal(patron__order_set_add(&b, 0, "3", 1, y2k + 9, 4), 0);
  assert_true(patron__order_set_add_line(&b, 0, y2k + 10, -5));
  assert_false(b.time.wide || b.value.wide);
  assert_true(patron__order_set_concat(&a, &b, NULL, 2));
  const int64_t time[3] = {y2k + 3, far, y2k + 9}, value[3] = {2 * big, 1 - big, -1};
  const uint32_t lines[3] = {2, 2, 2};
  assert_int_equal(a.n, 3);
  for (size_t o = 0; o < 3; o++) {
    assert_int_equal(time_of(&a, o), time[o]);
    assert_int_equal(value_of(&a, o), value[o]);
    assert_int_equal(a.lines[o], lines[o]);
  }
  patron__order_set_free(&a);
  patron__order_set_free(&b);
}

PATRON_TEST_MAIN(cmocka_unit_test(intern_distinct_and_repeated), cmocka_unit_test(intern_growth),
                 cmocka_unit_test(intern_collisions), cmocka_unit_test(collapse_merges_exactly),
                 cmocka_unit_test(collapse_large_customer),
                 cmocka_unit_test(collapse_very_long_ids), cmocka_unit_test(increasing_ids),
                 cmocka_unit_test(narrow_and_wide_columns), cmocka_unit_test(short_keys_and_order))
