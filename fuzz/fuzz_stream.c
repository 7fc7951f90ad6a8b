/* Fuzz harness for the parsers of the streaming contract (SPEC 15, docs/SCALE.md): patron
 * map's orders reader (src/io/stream_orders.c), patron reduce's map lines
 * (src/ops/stream_reduce.c), patron finalize's reducer lines (src/ops/stream_finalize.c),
 * patron score's (src/ops/stream_score.c) and the partial summary's text form
 * (src/models/segment/seg_partial.c). Input: byte 0 % 5 picks the parser, the rest is its
 * input. Checks: no crash or leak; a parsed partial
 * formats back to a text that parses to the same text; a failure carries a message. */
#include "fuzz.h"

#include "models/segment/seg_merge.h"
#include "patron/patron.h"
#include "patron/stream.h"

#include <stdlib.h>
#include <unistd.h>

static const char *out_dir(void) {
  static char dir[64];
  if (!dir[0]) {
    strcpy(dir, "/tmp/patron-fuzz-stream-XXXXXX");
    FUZZ_CHECK(mkdtemp(dir), "mkdtemp");
  }
  return dir;
}

static void partial_round_trip(const uint8_t *data, size_t size) {
  patron__seg_partial *p = patron__seg_partial_new(), *q = patron__seg_partial_new();
  FUZZ_CHECK(p && q, "alloc");
  patron_error err = {0};
  if (patron__seg_partial_parse(p, (const char *)data, size, &err) == PATRON_OK) {
    size_t n1, n2;
    char *a = patron__seg_partial_format(p, &n1);
    FUZZ_CHECK(a && patron__seg_partial_parse(q, a, n1, &err) == PATRON_OK, "%s", err.message);
    char *b = patron__seg_partial_format(q, &n2);
    FUZZ_CHECK(b && n1 == n2 && memcmp(a, b, n1) == 0, "round trip");
    free(a);
    free(b);
  } else {
    FUZZ_CHECK(err.message[0], "no message");
  }
  patron__seg_partial_free(p);
  patron__seg_partial_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  int mode = data[0] % 5;
  data++, size--;
  if (mode == 1) {
    partial_round_trip(data, size);
    return 0;
  }
  FILE *in = fmemopen(size ? (void *)data : (void *)"", size, "r");
  FILE *out = fopen("/dev/null", "w");
  FUZZ_CHECK(in && out, "streams");
  patron_error err = {0};
  patron_status st;
  if (mode == 0) {
    st = patron_stream_reduce(in, out, NULL, &err);
  } else if (mode == 2) {
    patron_load_options o;
    patron_load_options_init(&o);
    st = patron_stream_map(in, "fuzz", out, &o, NULL, &err);
  } else if (mode == 4) {
    static const double params[4] = {0.25, 10, 0.7, 3};
    patron_clv_model *m = NULL;
    FUZZ_CHECK(patron_clv_model_new(PATRON_CLV_BGNBD, params, &m, &err) == PATRON_OK, "model");
    st = patron_stream_score(in, out, m, 1, 20500, 90, &err);
    patron_clv_model_free(m);
  } else {
    patron_profile_options o;
    patron_profile_options_init(&o);
    st = patron_stream_finalize(&in, 1, out_dir(), &o, "fuzz", NULL, NULL, &err);
  }
  FUZZ_CHECK(st == PATRON_OK || err.message[0], "failure without a message");
  fclose(in);
  fclose(out);
  return 0;
}
