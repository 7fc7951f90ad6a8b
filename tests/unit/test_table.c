/* The profile table owns its column names and labels (issue 8): derived columns whose
 * names and labels are built at run time (tags, rule results, columns read back from a
 * store) stay valid after the caller's buffers are gone. */
#include "test_util.h"
#include "fixture.h"
#include "core/table_int.h"

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

/* A view shares its table's columns; the columns a stage adds to it move into the table
 * where the table's columns stood when the view was made (src/ops/pipeline.c's lanes). */
static void test_view_adopt(void **state) {
  (void)state;
  patron_table *t = patron_table_new(2);
  int64_t *a, *c, *d;
  assert_int_equal(patron_table_add(t, "a", PATRON_COL_INT, (void **)&a, NULL), PATRON_OK);
  a[0] = 1, a[1] = 2;
  patron_table *v = patron__table_view(t);
  assert_non_null(v);
  assert_ptr_equal(patron_table_find(v, "a")->data, a);
  static const char *const labels[] = {"x", "y"};
  int32_t *codes;
  assert_int_equal(patron_table_add(v, "c", PATRON_COL_INT, (void **)&c, NULL), PATRON_OK);
  assert_int_equal(patron_table_add_category(v, "cat", labels, NULL, 2, true, &codes, NULL),
                   PATRON_OK);
  c[0] = 3, codes[1] = 1;
  assert_int_equal(patron_table_add(t, "d", PATRON_COL_INT, (void **)&d, NULL), PATRON_OK);
  assert_int_equal(patron__table_adopt(t, v, NULL), PATRON_OK);
  assert_int_equal(patron_table_n_columns(v), 1);
  patron_table_free(v); /* frees none of the moved or shared columns */
  const char *want[] = {"a", "c", "cat", "d"};
  assert_int_equal(patron_table_n_columns(t), 4);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(patron_table_column(t, i)->name, want[i]);
  assert_int_equal(((const int64_t *)patron_table_find(t, "c")->data)[0], 3);
  assert_string_equal(patron_table_find(t, "cat")->labels[1], "y");
  /* a name the table gained meanwhile is an internal error, and nothing moves */
  v = patron__table_view(t);
  assert_int_equal(patron_table_add(v, "e", PATRON_COL_INT, (void **)&c, NULL), PATRON_OK);
  assert_int_equal(patron_table_add(t, "e", PATRON_COL_INT, (void **)&d, NULL), PATRON_OK);
  patron_error err = {0};
  assert_int_equal(patron__table_adopt(t, v, &err), PATRON_ERR_INTERNAL);
  assert_int_equal(patron_table_n_columns(t), 5);
  patron_table_free(v);
  patron_table_free(t);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_owns_names_and_labels), cmocka_unit_test(test_view_adopt))
