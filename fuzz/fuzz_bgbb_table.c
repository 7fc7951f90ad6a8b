/* Fuzz harness for the BG/BB recency/frequency table reader (patron_clv_bgbb_table_read,
 * src/models/clv/clv_bgbb_load.c). Input: a delimiter byte, then the file's bytes, written to
 * a memfd and read by its /proc/self/fd path. Invariants: a failed read is bad input naming
 * the file (with a line unless the file is unreadable) and returns no table; a table has
 * rows, every row is a possible pattern (patron_clv_bgbb_check), file lines increase, ids
 * exist exactly when the header has an id column; and for small tables the log-likelihood
 * at a fixed point and the predictions are finite probabilities. */
#include "fuzz.h"

#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include "patron/clv.h"

static int fd = -1;
static char path[64];

static void check_table(const patron_clv_bgbb_table *t) {
  FUZZ_CHECK(t->rows > 0, "a table without rows");
  patron_clv_data d = patron_clv_bgbb_table_data(t);
  patron_error err = {0};
  FUZZ_CHECK(patron_clv_bgbb_check(&d, &err) == PATRON_OK, "impossible row kept: %s", err.message);
  for (size_t i = 0; i < t->rows; i++) {
    FUZZ_CHECK(i == 0 || t->line[i] > t->line[i - 1], "lines out of order at row %zu", i);
    FUZZ_CHECK((patron_clv_bgbb_table_id(t, i) != NULL) == t->has_ids, "id of row %zu", i);
  }
  if (t->rows > 64)
    return;
  const double th[] = {1.2, 0.75, 0.66, 2.8};
  patron_clv_model *m = NULL;
  FUZZ_CHECK(patron_clv_model_new(PATRON_CLV_BGBB, th, &m, NULL) == PATRON_OK, "model");
  double alive[64], e[64];
  bool small = true;
  for (size_t i = 0; i < t->rows; i++)
    small = small && t->periods[i] - t->t_x[i] <= 10000;
  if (small && patron_clv_bgbb_p_alive(m, &d, alive, NULL) == PATRON_OK &&
      patron_clv_bgbb_expected(m, &d, 3, e, NULL) == PATRON_OK)
    for (size_t i = 0; i < t->rows; i++) {
      double l = patron_clv_bgbb_log_likelihood(th, t->x[i], t->t_x[i], t->periods[i]);
      FUZZ_CHECK(l <= 1e-9 && !isnan(l), "log-likelihood %g at row %zu", l, i);
      FUZZ_CHECK(alive[i] >= 0 && alive[i] <= 1 + 1e-9, "p_alive %g at row %zu", alive[i], i);
      FUZZ_CHECK(e[i] >= 0 && e[i] <= 3 + 1e-9, "expected %g at row %zu", e[i], i);
    }
  patron_clv_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char delimiters[] = {',', '\t', ';', '|'};
  if (size < 1)
    return 0;
  if (fd < 0) {
    fd = memfd_create("fuzz-bgbb", 0);
    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  }
  FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
  FUZZ_CHECK(size == 1 || pwrite(fd, data + 1, size - 1, 0) == (ssize_t)(size - 1), "pwrite");
  patron_clv_bgbb_table *t = NULL;
  patron_error err = {0};
  patron_status st = patron_clv_bgbb_table_read(path, delimiters[data[0] % 4], &t, &err);
  if (st == PATRON_OK) {
    check_table(t);
  } else {
    FUZZ_CHECK(t == NULL, "a table returned with an error");
    FUZZ_CHECK(st == PATRON_ERR_INPUT || st == PATRON_ERR_IO, "status %d: %s", (int)st,
               err.message);
    FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
  }
  patron_clv_bgbb_table_free(t);
  return 0;
}
