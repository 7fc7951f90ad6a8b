/* Internals of the merged segmentations (seg_merge.h): the partial's layout, the money
 * buckets and the sorted histograms the plan reads. */
#ifndef PATRON_MODELS_SEG_MERGE_INT_H
#define PATRON_MODELS_SEG_MERGE_INT_H

#include "models/segment/seg_merge.h"

/* Money buckets: 65,536 per sign, log-linear (exact below 1024 units of 1e-4, then 1,024
 * per power of two), non-decreasing in the amount. */
enum { SEG_HALF = 65536, SEG_BUCKETS = 2 * SEG_HALF };
uint32_t patron__seg_bucket(patron_money v);

typedef struct seg_hist { /* int64 value -> count */
  int64_t *value;
  uint64_t *count; /* 0 = empty slot */
  size_t n, cap;
} seg_hist;
bool patron__seg_hist_add(seg_hist *h, int64_t v, uint64_t count);
void patron__seg_hist_free(seg_hist *h);

typedef struct seg_pair {
  int64_t value;
  uint64_t count, below; /* below: total count of smaller values */
} seg_pair;
/* The histogram sorted by value, with prefix counts; NULL when memory runs out. */
seg_pair *patron__seg_hist_sorted(const seg_hist *h, size_t *n);

struct patron__seg_partial {
  uint64_t customers, purchasers;
  int32_t max_day;                               /* latest order day, PATRON_NO_DAY: none */
  __int128 sum_last, sum_freq, sum_mon, sum_aov; /* over purchasers */
  seg_hist last, freq;                           /* last_purchase day, frequency */
  uint64_t *bucket_count;                        /* [SEG_BUCKETS] monetary of purchasers */
  __int128 *bucket_sum;
};

#endif
