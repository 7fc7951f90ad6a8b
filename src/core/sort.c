/* LSD radix sort on 64-bit keys and selection (nth element) of signed values (see sort.h). */
#include "core/sort.h"

#include <stdlib.h>
#include <string.h>

/* Byte positions where not every key agrees: only those need a pass. */
static unsigned varying_bytes(const uint64_t *keys, size_t n) {
  uint64_t and_all = ~0ull, or_all = 0;
  for (size_t i = 0; i < n; i++)
    and_all &= keys[i], or_all |= keys[i];
  uint64_t diff = and_all ^ or_all;
  unsigned mask = 0;
  for (unsigned b = 0; b < 8; b++)
    if ((diff >> (8 * b)) & 0xff)
      mask |= 1u << b;
  return mask;
}

static void one_pass(const uint64_t *src_k, const uint32_t *src_p, uint64_t *dst_k, uint32_t *dst_p,
                     size_t n, unsigned shift) {
  size_t count[256] = {0};
  for (size_t i = 0; i < n; i++)
    count[(src_k[i] >> shift) & 0xff]++;
  size_t pos = 0;
  for (int b = 0; b < 256; b++) {
    size_t c = count[b];
    count[b] = pos;
    pos += c;
  }
  for (size_t i = 0; i < n; i++) {
    size_t at = count[(src_k[i] >> shift) & 0xff]++;
    dst_k[at] = src_k[i];
    if (src_p)
      dst_p[at] = src_p[i];
  }
}

bool patron__radix_sort(uint64_t *keys, uint32_t *payload, size_t n) {
  if (n < 2)
    return true;
  unsigned mask = varying_bytes(keys, n);
  if (!mask)
    return true;
  uint64_t *tk = patron__realloc_big(NULL, n * sizeof *tk);
  uint32_t *tp = payload ? patron__realloc_big(NULL, n * sizeof *tp) : NULL;
  if (!tk || (payload && !tp)) {
    free(tk);
    free(tp);
    return false;
  }
  uint64_t *k[2] = {keys, tk};
  uint32_t *p[2] = {payload, tp};
  int cur = 0;
  for (unsigned b = 0; b < 8; b++) {
    if (!(mask & (1u << b)))
      continue;
    one_pass(k[cur], p[cur], k[!cur], p[!cur], n, 8 * b);
    cur = !cur;
  }
  if (cur) {
    memcpy(keys, tk, n * sizeof *keys);
    if (payload)
      memcpy(payload, tp, n * sizeof *payload);
  }
  free(tk);
  free(tp);
  return true;
}

bool patron__sort_i64(int64_t *values, size_t n) {
  uint64_t *keys = (uint64_t *)values;
  for (size_t i = 0; i < n; i++)
    keys[i] = patron__key_i64(values[i]);
  bool ok = patron__radix_sort(keys, NULL, n);
  for (size_t i = 0; i < n; i++)
    values[i] = (int64_t)(keys[i] ^ (1ull << 63));
  return ok;
}

static inline void swap_i64(int64_t *a, int64_t *b) {
  int64_t t = *a;
  *a = *b;
  *b = t;
}

static int64_t median3(int64_t a, int64_t b, int64_t c) {
  if (a > b)
    swap_i64(&a, &b);
  return c < a ? a : c > b ? b : c;
}

bool patron__select_i64(int64_t *v, size_t n, size_t k) {
  size_t lo = 0, hi = n;
  for (int round = 0; hi - lo > 16; round++) {
    if (round == 64)
      return patron__sort_i64(v + lo, hi - lo);
    int64_t pivot = median3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]);
    size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < pivot, [lt,i) == pivot, [gt,hi) > pivot */
    while (i < gt) {
      if (v[i] < pivot)
        swap_i64(&v[lt++], &v[i++]);
      else if (v[i] > pivot)
        swap_i64(&v[i], &v[--gt]);
      else
        i++;
    }
    if (k < lt)
      hi = lt;
    else if (k >= gt)
      lo = gt;
    else
      return true;
  }
  for (size_t i = lo + 1; i < hi; i++)
    for (size_t j = i; j > lo && v[j - 1] > v[j]; j--)
      swap_i64(&v[j - 1], &v[j]);
  return true;
}
