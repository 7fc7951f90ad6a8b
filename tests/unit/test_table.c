/* The profile table owns its column names and labels (issue 8): derived columns whose
 * names and labels are built at run time (tags, rule results, columns read back from a
 * store) stay valid after the caller's buffers are gone. */
#include "test_util.h"
#include "fixture.h"

static void test_owns_names_and_labels(void **state) {
  (void)state;
  patron_table *t = patron_table_new(2);
  char name[32], l0[16], l1[16], z0[16];
  strcpy(name, "tag_vip");
  strcpy(l0, "yes");
  strcpy(l1, "no");
  strcpy(z0, "是");
  const char *labels[2] = {l0, l1}, *alt[2] = {z0, NULL};
  int32_t *codes;
  assert_int_equal(patron_table_add_category(t, name, labels, alt, 2, true, &codes, NULL),
                   PATRON_OK);
  codes[0] = 0;
  codes[1] = 1;
  char *cell = strdup("from a store");
  const char **s;
  strcpy(name, "note");
  assert_int_equal(patron_table_add(t, name, PATRON_COL_STRING, (void **)&s, NULL), PATRON_OK);
  s[0] = patron_table_intern(t, cell);
  free(cell);
  memset(name, 'x', sizeof name - 1);
  memset(l0, 'x', sizeof l0 - 1);
  memset(z0, 'x', sizeof z0 - 1);
  labels[0] = labels[1] = alt[0] = NULL;
  const patron_column *c = patron_table_find(t, "tag_vip");
  assert_non_null(c);
  assert_string_equal(c->labels[0], "yes");
  assert_string_equal(c->labels[1], "no");
  assert_string_equal(c->alt_labels[0], "是");
  assert_null(c->alt_labels[1]);
  assert_true(c->segmentation);
  assert_string_equal(((const char **)patron_table_find(t, "note")->data)[0], "from a store");
  assert_null(patron_table_intern(t, NULL));
  /* a duplicate name is still refused */
  void *d;
  patron_error err = {0};
  assert_int_equal(patron_table_add(t, "note", PATRON_COL_INT, &d, &err), PATRON_ERR_USAGE);
  /* label and name pointers read from a column outlive the table (callers such as the
   * recommender keep segment labels after freeing the profile) */
  const char *label = c->labels[0], *col_name = c->name;
  patron_table_free(t);
  assert_string_equal(label, "yes");
  assert_string_equal(col_name, "tag_vip");
}

PATRON_TEST_MAIN(cmocka_unit_test(test_owns_names_and_labels))
