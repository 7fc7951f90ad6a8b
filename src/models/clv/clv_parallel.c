/* How many workers the per-customer CLV work uses (it runs on the executor, core/exec.h).
 * Each row's result depends only on the row (and a per-row seed), so outputs never depend
 * on the thread count. */
#include "models/clv/clv_int.h"

int patron__clv_threads(int requested, size_t n, size_t block) {
  int t = requested > 0 ? requested : patron__default_threads();
  size_t blocks = (n + block - 1) / block;
  if ((size_t)t > blocks)
    t = blocks ? (int)blocks : 1;
  return t < 1 ? 1 : t > 64 ? 64 : t;
}
