/* Fuzz harness for the experiment file readers (src/io/read_assignments.c):
 * patron_ids_read_csv, patron_assignments_read_csv and patron_labels_read_csv on the same
 * bytes (written to a temporary file, as the readers take paths). Checks: a failure leaves a
 * message (and a position when it is bad input); accepted id lists hold unique non-empty ids;
 * accepted assignments have unique non-empty ids, arm indexes below the number of arms, unique
 * arm names and buckets in 0..9999 or none; labels pair every unique id with one label. */
#include "fuzz.h"

#include <unistd.h>

#include "patron/patron.h"

static void check_unique(char *const *ids, size_t n) {
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(ids[i][0] != '\0', "empty id accepted");
    for (size_t j = 0; j < i && n < 200; j++)
      FUZZ_CHECK(strcmp(ids[i], ids[j]) != 0, "id '%s' twice", ids[i]);
  }
}

static void check_ids(const char *path) {
  char **ids = NULL;
  size_t n = 0;
  patron_error err = {0};
  if (patron_ids_read_csv(path, &ids, &n, &err) != PATRON_OK) {
    FUZZ_CHECK(err.message[0], "failure without message");
    return;
  }
  check_unique(ids, n);
  free(ids);
}

static void check_assignments(const char *path) {
  patron_assignments *a = NULL;
  patron_error err = {0};
  if (patron_assignments_read_csv(path, &a, &err) != PATRON_OK) {
    FUZZ_CHECK(err.message[0] && !a, "failure without message");
    return;
  }
  FUZZ_CHECK(a->n > 0 && a->arms.n > 0, "empty assignments accepted");
  check_unique(a->ids, a->n);
  for (size_t i = 0; i < a->n; i++) {
    FUZZ_CHECK(a->arm[i] < a->arms.n, "arm index %u of %zu", a->arm[i], a->arms.n);
    FUZZ_CHECK(a->bucket[i] < 10000 || a->bucket[i] == PATRON_NO_BUCKET, "bucket %u", a->bucket[i]);
  }
  for (size_t k = 0; k < a->arms.n; k++)
    for (size_t j = 0; j < k; j++)
      FUZZ_CHECK(strcmp(a->arms.names[k], a->arms.names[j]) != 0, "arm twice");
  patron_assignments_free(a);
}

static void check_labels(const char *path) {
  char **ids = NULL, **labels = NULL;
  size_t n = 0;
  patron_error err = {0};
  if (patron_labels_read_csv(path, "segment", &ids, &labels, &n, &err) != PATRON_OK) {
    FUZZ_CHECK(err.message[0], "failure without message");
    return;
  }
  check_unique(ids, n);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK(labels[i] != NULL, "no label");
  free(ids);
  free(labels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[] = "/tmp/patron-fuzz-exp-XXXXXX";
  int fd = mkstemp(path);
  FUZZ_CHECK(fd >= 0, "mkstemp");
  FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "write");
  close(fd);
  check_ids(path);
  check_assignments(path);
  check_labels(path);
  unlink(path);
  return 0;
}
