/* Masking of personal data (SPEC section 14) on the SPEC's own examples and edge cases, and
 * rejects.csv raw lines of a members file (personal fields masked, others kept). */
#include "test_util.h"
#include "fixture.h"

#include "patron/mask.h"

static void expect(patron_pii kind, const char *value, const char *want) {
  char out[128];
  size_t n = patron_mask(kind, value, strlen(value), out, sizeof out);
  assert_string_equal(out, want);
  assert_int_equal(n, strlen(want));
  assert_true(n <= strlen(value) + 3);
}

static void spec_examples(void **state) {
  (void)state;
  expect(PATRON_PII_PHONE, "13812345678", "138****5678");
  expect(PATRON_PII_EMAIL, "zhang@example.com", "z***@example.com");
  expect(PATRON_PII_NAME, "张三", "张*");
  expect(PATRON_PII_NAME, "欧阳娜娜",
         "欧***"); /* the rule; SPEC shows 欧阳** (see docs/PRIVACY.md) */
  expect(PATRON_PII_NAME, "欧阳修", "欧**");
  expect(PATRON_PII_WECHAT, "wxid_ab12", "*****ab12");
}

static void edges(void **state) {
  (void)state;
  expect(PATRON_PII_NAME, "", "");
  expect(PATRON_PII_NAME, "A", "A");
  expect(PATRON_PII_NAME, "Ann Lee", "A******");
  expect(PATRON_PII_PHONE, "+8613812345678", "+86*******5678");
  expect(PATRON_PII_PHONE, "1234567", "*******");
  expect(PATRON_PII_PHONE, "12345678", "123*5678");
  expect(PATRON_PII_EMAIL, "", "");
  expect(PATRON_PII_EMAIL, "nobody", "n***");
  expect(PATRON_PII_EMAIL, "@x.com", "***@x.com");
  expect(PATRON_PII_EMAIL, "名字@例子.cn", "名***@例子.cn");
  expect(PATRON_PII_WECHAT, "ab12", "****");
  expect(PATRON_PII_NONE, "Shanghai", "Shanghai");
  assert_int_equal(patron_pii_of_column("phone"), PATRON_PII_PHONE);
  assert_int_equal(patron_pii_of_column("wechat_id"), PATRON_PII_WECHAT);
  assert_int_equal(patron_pii_of_column("city"), PATRON_PII_NONE);
  char small[4];
  assert_int_equal(patron_mask(PATRON_PII_PHONE, "13812345678", 11, small, sizeof small), 11);
  assert_string_equal(small, "138");
}

static void rejected_member_lines(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv",
                                             "customer_id,order_id,order_time,amount\n"
                                             "A,a1,2024-01-05,50\n");
  o.paths[PATRON_FILE_CUSTOMERS] =
      fixture_file(1, "customers.csv",
                   "customer_id,name,phone,email,birth_date,city\n"
                   "A,张三,13812345678,zhang@example.com,1990-01-01,Shanghai\n"
                   "B,\"Lee, Ann\",13900001111,ann@x.org,not-a-date,\"Bei,jing\"\n"
                   "A,张三,13812345678,zhang@example.com,1990-01-01,Shanghai\n");
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &ds, &err), PATRON_OK);
  assert_int_equal(patron_dataset_n_rejects(ds), 2);
  patron_reject r;
  patron_dataset_reject(ds, 0, &r);
  assert_int_equal(r.file, PATRON_FILE_CUSTOMERS);
  assert_int_equal(r.line, 3);
  assert_memory_equal(r.raw, "B,L*******,139****1111,a***@x.org,not-a-date,\"Bei,jing\"",
                      r.raw_len);
  patron_dataset_reject(ds, 1, &r);
  assert_int_equal(r.line, 4);
  const char *want = "A,张*,138****5678,z***@example.com,1990-01-01,Shanghai";
  assert_int_equal(r.raw_len, strlen(want));
  assert_memory_equal(r.raw, want, r.raw_len);
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(cmocka_unit_test(spec_examples), cmocka_unit_test(edges),
                 cmocka_unit_test(rejected_member_lines))
