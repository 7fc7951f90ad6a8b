/* Shared scaffolding of the libFuzzer harnesses: the entry point's prototype, a check that
 * aborts with a message (so libFuzzer and the corpus replays report it as a crash), and a
 * small deterministic generator seeded from the input (reproducible runs). */
#ifndef PATRON_FUZZ_H
#define PATRON_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                     \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* splitmix64: the stream is a pure function of the seed. */
static inline uint64_t fuzz_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* FNV-1a: seeds the generator from the input bytes. */
static inline uint64_t fuzz_hash(const uint8_t *data, size_t size) {
  uint64_t h = 0xCBF29CE484222325u;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 0x100000001B3u;
  return h;
}

/* Run expansion, so that size caps are reachable from small inputs: "0xFE hi lo" repeats
 * the previous byte (hi*256 + lo) * 16 times (when `on`; else a plain copy). Returns a
 * malloc'ed buffer, or NULL when the result would exceed `limit` bytes. */
static inline char *fuzz_expand(const uint8_t *d, size_t n, bool on, size_t limit, size_t *out_n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (on && d[i] == 0xFE && i > 0 && i + 2 < n) {
      len += ((size_t)d[i + 1] << 8 | d[i + 2]) * 16;
      i += 2;
    } else {
      len++;
    }
  }
  if (len > limit)
    return NULL;
  char *buf = malloc(len ? len : 1);
  FUZZ_CHECK(buf, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (on && d[i] == 0xFE && i > 0 && i + 2 < n) {
      size_t run = ((size_t)d[i + 1] << 8 | d[i + 2]) * 16;
      memset(buf + k, d[i - 1], run);
      k += run;
      i += 2;
    } else {
      buf[k++] = (char)d[i];
    }
  }
  *out_n = k;
  return buf;
}

#endif
