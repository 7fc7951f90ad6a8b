/* Fuzz harness for the API's request handling (src/server: request targets, percent-decoding,
 * query strings, path parameters, typed query values, JSON bodies, routing and roles), run
 * without the network through patron_server_handle over a two-customer profile.
 * Input: one byte choosing the method and the token, then the request target up to the
 * first newline, then the body. Invariants: a known status; every JSON answer parses; error
 * answers have the {"error": {"code", "message"}} shape; a customer's phone number appears
 * unmasked only in answers to the admin token. */
#include "fuzz.h"
#include "patron/server.h"

#include <jansson.h>
#include <unistd.h>

static patron_server *server;
static patron_table *table;

static const char *const IDS[] = {"A", "B<\"x\">"};
static const char *const SEGMENTS[] = {"one", "two<"};
static const char PHONE[] = "13812345678";

static void make_table(void) {
  patron_error err = {0};
  const char **id, **phone;
  int64_t *freq, *rec, *mon;
  double *p;
  int32_t *seg;
  table = patron_table_new(2);
  patron_table_add(table, "customer_id", PATRON_COL_STRING, (void **)&id, &err);
  patron_table_add(table, "recency_days", PATRON_COL_INT, (void **)&rec, &err);
  patron_table_add(table, "frequency", PATRON_COL_INT, (void **)&freq, &err);
  patron_table_add(table, "monetary", PATRON_COL_MONEY, (void **)&mon, &err);
  patron_table_add(table, "p_alive", PATRON_COL_DOUBLE, (void **)&p, &err);
  patron_table_add_category(table, "segment", SEGMENTS, NULL, 2, true, &seg, &err);
  patron_table_add(table, "phone", PATRON_COL_STRING, (void **)&phone, &err);
  FUZZ_CHECK(err.status == PATRON_OK, "%s", err.message);
  id[0] = IDS[0], id[1] = IDS[1], phone[0] = PHONE;
  rec[0] = 4, freq[0] = 3, mon[0] = 120000, p[0] = 0.5, seg[0] = 1;
}

static void setup(void) {
  char path[] = "/tmp/patron-fuzz-tokens-XXXXXX";
  int fd = mkstemp(path);
  FUZZ_CHECK(fd >= 0, "mkstemp");
  /* sha256("v"), sha256("a"), sha256("x") */
  static const char tokens[] =
      "4c94485e0c21ae6c41ce1dfe7b6bfaceea5ab68e40a2476f50208e526f506080 viewer v\n"
      "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb analyst a\n"
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 admin x\n";
  FUZZ_CHECK(write(fd, tokens, sizeof tokens - 1) == (ssize_t)(sizeof tokens - 1), "write");
  close(fd);
  make_table();
  patron_server_options o;
  patron_server_options_init(&o);
  o.tokens_file = path;
  o.max_body = 4096;
  patron_server_snapshot snap = {.as_of = 19000, .table = table, .report_json = "{}"};
  patron_error err = {0};
  FUZZ_CHECK(patron_server_new(&o, &snap, 1, &server, &err) == PATRON_OK, "%s", err.message);
  unlink(path);
}

static void check_answer(int status, const char *body, size_t len, const char *type) {
  static const int known[] = {200, 400, 401, 403, 404, 405, 413, 500};
  bool ok = false;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    ok |= status == known[i];
  FUZZ_CHECK(ok, "status %d", status);
  if (!type || strncmp(type, "application/json", 16) != 0)
    return;
  json_t *v = json_loadb(body, len, JSON_DECODE_ANY, NULL);
  FUZZ_CHECK(v, "answer is not JSON: %.200s", body);
  if (status >= 400)
    FUZZ_CHECK(json_is_string(json_object_get(json_object_get(v, "error"), "code")),
               "error without a code: %.200s", body);
  json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const METHODS[] = {"GET", "POST", "HEAD", "DELETE"};
  static const char *const AUTH[] = {NULL, "Bearer v", "Bearer a", "Bearer x"};
  if (!server)
    setup();
  if (size < 1)
    return 0;
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  const char *nl = memchr(text, '\n', n);
  size_t tlen = nl ? (size_t)(nl - text) : n;
  char *target = malloc(tlen + 1);
  memcpy(target, text, tlen);
  target[tlen] = '\0';
  const char *body = nl ? nl + 1 : "";
  size_t blen = nl ? n - tlen - 1 : 0;
  char *out = NULL;
  size_t out_len = 0;
  const char *type = NULL;
  int status = patron_server_handle(server, METHODS[data[0] & 3], target, AUTH[(data[0] >> 2) & 3],
                                    body, blen, &out, &out_len, &type);
  check_answer(status, out, out_len, type);
  FUZZ_CHECK(((data[0] >> 2) & 3) == 3 || !out || !strstr(out, PHONE), "phone unmasked: %.200s",
             out);
  free(out);
  free(target);
  return 0;
}
