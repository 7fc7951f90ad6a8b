/* Selection of signed values (src/core/sort.c, patron__select_i64: the nth element, used
 * for the top-20% revenue share) against hand-made lists and a full sort. */
#include "test_util.h"

#include "core/sort.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* values[k] is the sorted list's k-th, nothing larger before it, nothing smaller after. */
static void check_select(const int64_t *values, size_t n, size_t k) {
  int64_t *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *sorted);
  assert_non_null(v);
  assert_non_null(sorted);
  memcpy(v, values, n * sizeof *v);
  memcpy(sorted, values, n * sizeof *v);
  qsort(sorted, n, sizeof *sorted, cmp_i64);
  assert_true(patron__select_i64(v, n, k));
  assert_int_equal(v[k], sorted[k]);
  for (size_t i = 0; i < k; i++)
    assert_true(v[i] <= v[k]);
  for (size_t i = k + 1; i < n; i++)
    assert_true(v[i] >= v[k]);
  qsort(v, n, sizeof *v, cmp_i64); /* a permutation of the input */
  assert_memory_equal(v, sorted, n * sizeof *v);
  free(v);
  free(sorted);
}

/* Short lists (the insertion-sort path): the 2nd smallest of {5, -3, 9, 0, -3} is -3. */
static void select_small_by_hand(void **state) {
  (void)state;
  int64_t v[] = {5, -3, 9, 0, -3};
  assert_true(patron__select_i64(v, 5, 1));
  assert_int_equal(v[1], -3);
  int64_t one[] = {INT64_MIN};
  assert_true(patron__select_i64(one, 1, 0));
  assert_int_equal(one[0], INT64_MIN);
  int64_t ext[] = {INT64_MAX, INT64_MIN, 0};
  check_select(ext, 3, 0);
  check_select(ext, 3, 2);
}

/* Long lists through the partition: ascending, descending, all equal, few distinct values,
 * and scrambled values with extremes, at the first, middle, 80% and last positions. */
static void select_long_lists(void **state) {
  (void)state;
  enum { N = 5000 };
  static int64_t v[N];
  for (int kind = 0; kind < 5; kind++) {
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[i] = kind == 0   ? (int64_t)i
             : kind == 1 ? (int64_t)(N - i)
             : kind == 2 ? 7
             : kind == 3 ? (int64_t)(x % 3) - 1
                         : (int64_t)x;
    }
    v[N / 3] = INT64_MIN;
    v[N / 2] = INT64_MAX;
    size_t ks[] = {0, N / 2, N - N / 5, N - 1};
    for (size_t j = 0; j < sizeof ks / sizeof *ks; j++)
      check_select(v, N, ks[j]);
  }
}

PATRON_TEST_MAIN(cmocka_unit_test(select_small_by_hand), cmocka_unit_test(select_long_lists))
