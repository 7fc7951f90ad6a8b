/* Count-only evaluation of a condition (SPEC section 6; the audience count of SPEC section
 * 14): the table's rows are cut into blocks, each block filtered with the vectorized
 * evaluator into a small per-thread buffer (cache-resident, reused) and only the number of
 * rows kept is summed, so no array of the table's size is written. Blocks are spread over the
 * threads of the executor (src/core/exec.h), one compiled copy of the expression per thread
 * (an expression is not thread-safe); the sum does not depend on the thread count. */
#include "core/exec.h"
#include "ops/expr_int.h"

#include <stdlib.h>
#include <string.h>

enum { COUNT_BLOCK = 65536 };

typedef struct count_ctx {
  patron_expr *const *copies;
  size_t n_rows, n_parts;
  uint32_t *buf[PATRON__EXEC_MAX_WORKERS];
  size_t *kept;          /* per part */
  patron_status *status; /* per part */
  patron_error *errors;  /* per part, filled on failure only */
} count_ctx;

static void count_part(void *ctx, size_t part, int worker) {
  count_ctx *c = ctx;
  size_t lo = part * COUNT_BLOCK, hi = lo + COUNT_BLOCK < c->n_rows ? lo + COUNT_BLOCK : c->n_rows;
  uint32_t *rows = c->buf[worker];
  for (size_t i = lo; i < hi; i++)
    rows[i - lo] = (uint32_t)i;
  c->status[part] =
      patron_expr_filter(c->copies[worker], rows, hi - lo, rows, &c->kept[part], &c->errors[part]);
}

static patron_status count_blocks(count_ctx *c, int n_workers, size_t *count, patron_error *err) {
  patron__exec_parts(n_workers, c->n_parts, count_part, c);
  for (size_t p = 0; p < c->n_parts; p++) {
    if (c->status[p] != PATRON_OK) {
      *err = c->errors[p];
      return c->status[p];
    }
    *count += c->kept[p];
  }
  return PATRON_OK;
}

patron_status patron_expr_count(patron_expr *const *copies, size_t n_copies, size_t *count,
                                patron_error *err) {
  *count = 0;
  if (!n_copies)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "no expression to count with");
  count_ctx c = {.copies = copies, .n_rows = copies[0]->n_rows};
  c.n_parts = (c.n_rows + COUNT_BLOCK - 1) / COUNT_BLOCK;
  if (!c.n_parts)
    return PATRON_OK;
  int n_workers = patron__exec_workers(
      n_copies > PATRON__EXEC_MAX_WORKERS ? PATRON__EXEC_MAX_WORKERS : (int)n_copies, c.n_parts);
  size_t block = c.n_rows < COUNT_BLOCK ? c.n_rows : COUNT_BLOCK;
  c.kept = calloc(c.n_parts, sizeof *c.kept);
  c.status = calloc(c.n_parts, sizeof *c.status);
  c.errors = calloc(c.n_parts, sizeof *c.errors);
  bool ok = c.kept && c.status && c.errors;
  for (int w = 0; w < n_workers; w++)
    ok = (c.buf[w] = malloc(block * sizeof *c.buf[w])) && ok;
  patron_status st = ok ? count_blocks(&c, n_workers, count, err) : PATRON__OOM(err);
  for (int w = 0; w < n_workers; w++)
    free(c.buf[w]);
  free(c.kept), free(c.status), free(c.errors);
  if (st != PATRON_OK)
    *count = 0;
  return st;
}
