/* Sorting for columns: a stable LSD radix sort on 64-bit keys with a 32-bit payload
 * (8 passes of 8 bits, skipping byte positions where every key agrees), and helpers that
 * map signed and descending orders onto unsigned keys. Faster than qsort by an order of
 * magnitude on millions of rows, and stable, which the SPEC's tie rules rely on. */
#ifndef PATRON_CORE_SORT_H
#define PATRON_CORE_SORT_H

#include "core/core_int.h"

/* Key of a signed value such that unsigned order = signed order. */
static inline uint64_t patron__key_i64(int64_t v) { return (uint64_t)v ^ (1ull << 63); }
/* Key for descending order. */
static inline uint64_t patron__key_i64_desc(int64_t v) { return ~patron__key_i64(v); }

/* Sorts keys ascending, moving payload along (payload may be NULL); equal keys keep their
 * order. False when scratch memory runs out. */
bool patron__radix_sort(uint64_t *keys, uint32_t *payload, size_t n);

/* Sorts signed values ascending (no payload). */
bool patron__sort_i64(int64_t *values, size_t n);

/* Selection (nth element): rearranges values so that values[k] (k < n) is what sorting
 * would put there, no value before it larger and none after it smaller. Quickselect with a
 * three-way partition, falling back to the sort after 64 rounds. False when that sort ran
 * out of memory. */
bool patron__select_i64(int64_t *values, size_t n, size_t k);

/* The first k in [lo, hi) with v[k] >= t, v ascending there (hi when none): where a
 * time window of a customer's time-sorted rows starts. */
static inline uint32_t patron__lower_bound_i64(const int64_t *v, uint32_t lo, uint32_t hi,
                                               int64_t t) {
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (v[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

#endif
