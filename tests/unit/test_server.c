/* The API without the network (patron_server_handle): personal data masked per role by the
 * masking module (viewer and analyst see 138****5678, admin the number), roles on endpoints,
 * an audience's count, order and limit on a hand-made three-customer profile. */
#include "test_util.h"
#include "fixture.h"
#include "patron/server.h"

typedef struct world {
  patron_table *t;
  patron_server *s;
} world;

static const char *const IDS[] = {"A", "B", "C"};
static const char *const PHONES[] = {"13812345678", NULL, "13900001111"};

static world *setup(void) {
  world *w = calloc(1, sizeof *w);
  patron_error err = {0};
  const char **id, **phone;
  int64_t *rec, *freq, *mon;
  w->t = patron_table_new(3);
  assert_int_equal(patron_table_add(w->t, "customer_id", PATRON_COL_STRING, (void **)&id, &err), 0);
  patron_table_add(w->t, "recency_days", PATRON_COL_INT, (void **)&rec, &err);
  patron_table_add(w->t, "frequency", PATRON_COL_INT, (void **)&freq, &err);
  patron_table_add(w->t, "monetary", PATRON_COL_MONEY, (void **)&mon, &err);
  patron_table_add(w->t, "phone", PATRON_COL_STRING, (void **)&phone, &err);
  for (int i = 0; i < 3; i++) {
    id[i] = IDS[i], phone[i] = PHONES[i];
    rec[i] = 10 * (i + 1), freq[i] = i + 1, mon[i] = (int64_t)(3 - i) * 1000000; /* 100, 200, 300 */
  }
  char tokens[512];
  snprintf(tokens, sizeof tokens,
           "4c94485e0c21ae6c41ce1dfe7b6bfaceea5ab68e40a2476f50208e526f506080 viewer v\n"
           "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb analyst a\n"
           "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 admin x\n");
  patron_server_options o;
  patron_server_options_init(&o);
  o.tokens_file = fixture_file(0, "tokens", tokens);
  patron_server_snapshot snap = {.as_of = 19000, .table = w->t};
  assert_int_equal(patron_server_new(&o, &snap, 1, &w->s, &err), PATRON_OK);
  return w;
}

static void teardown(world *w) {
  patron_server_free(w->s);
  patron_table_free(w->t);
  free(w);
}

/* Status of a request; the body into *body (free it). */
static int call(world *w, const char *method, const char *uri, const char *token, const char *body,
                char **out) {
  char auth[64];
  size_t len;
  const char *type;
  snprintf(auth, sizeof auth, "Bearer %s", token ? token : "");
  return patron_server_handle(w->s, method, uri, token ? auth : NULL, body, body ? strlen(body) : 0,
                              out, &len, &type);
}

static void masked_per_role(void **state) {
  (void)state;
  world *w = setup();
  char *body;
  assert_int_equal(call(w, "GET", "/api/v1/customers/A", "v", NULL, &body), 200);
  assert_non_null(strstr(body, "\"phone\":\"138****5678\""));
  assert_null(strstr(body, "13812345678"));
  free(body);
  assert_int_equal(call(w, "GET", "/api/v1/customers/A", "a", NULL, &body), 200);
  assert_non_null(strstr(body, "\"phone\":\"138****5678\""));
  free(body);
  assert_int_equal(call(w, "GET", "/api/v1/customers/A", "x", NULL, &body), 200);
  assert_non_null(strstr(body, "\"phone\":\"13812345678\""));
  free(body);
  assert_int_equal(call(w, "GET", "/api/v1/customers/B", "v", NULL, &body), 200);
  assert_non_null(strstr(body, "\"phone\":null"));
  free(body);
  teardown(w);
}

static void roles(void **state) {
  (void)state;
  world *w = setup();
  char *body;
  assert_int_equal(call(w, "GET", "/api/v1/customers/A", NULL, NULL, &body), 401);
  free(body);
  assert_int_equal(call(w, "GET", "/api/v1/customers/A", "nope", NULL, &body), 401);
  free(body);
  assert_int_equal(
      call(w, "POST", "/api/v1/audiences", "v", "{\"where\":\"frequency > 0\"}", &body), 403);
  free(body);
  assert_int_equal(call(w, "GET", "/api/v1/health", NULL, NULL, &body), 200);
  free(body);
  teardown(w);
}

static void audience(void **state) {
  (void)state;
  world *w = setup();
  char *body;
  /* frequency >= 2: B and C; by monetary descending B (200) then C (100); limit 1 keeps B */
  assert_int_equal(call(w, "POST", "/api/v1/audiences", "a",
                        "{\"where\":\"frequency >= 2\",\"order_by\":\"monetary:desc\",\"limit\":1}",
                        &body),
                   200);
  assert_non_null(strstr(body, "{\"count\":2,\"rows\":[{\"customer_id\":\"B\""));
  assert_null(strstr(body, "\"customer_id\":\"C\""));
  free(body);
  assert_int_equal(call(w, "POST", "/api/v1/audiences", "a",
                        "{\"where\":\"frequency >= 2\",\"order_by\":\"monetary\"}", &body),
                   200);
  char *c = strstr(body, "\"customer_id\":\"C\""), *b = strstr(body, "\"customer_id\":\"B\"");
  assert_true(c && b && c < b);
  free(body);
  assert_int_equal(call(w, "POST", "/api/v1/audiences", "a", "{\"where\":\"frequency >=\"}", &body),
                   400);
  assert_non_null(strstr(body, "\"column\":"));
  free(body);
  teardown(w);
}

PATRON_TEST_MAIN(cmocka_unit_test(masked_per_role), cmocka_unit_test(roles),
                 cmocka_unit_test(audience))
