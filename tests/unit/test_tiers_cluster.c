/* Clusters of profiles (patron_cluster_table): obvious clusters found and numbered by
 * monetary, --k auto on them, ties, k above the distinct rows or n (error, or fewer
 * clusters said), a zero-variance feature, a net refunder under log1p, missing features,
 * determinism, and the --features text with its carets. */
#include "test_util.h"

#include "patron/patron.h"

#include <math.h>
#include <string.h>

typedef struct tbl {
  patron_table *t;
  int64_t *rec, *freq;
  patron_money *mon;
} tbl;

static tbl make_table(size_t n) {
  tbl b = {patron_table_new(n), NULL, NULL, NULL};
  patron_error err = {0};
  assert_int_equal(patron_table_add(b.t, "recency_days", PATRON_COL_INT, (void **)&b.rec, &err), 0);
  assert_int_equal(patron_table_add(b.t, "frequency", PATRON_COL_INT, (void **)&b.freq, &err), 0);
  assert_int_equal(patron_table_add(b.t, "monetary", PATRON_COL_MONEY, (void **)&b.mon, &err), 0);
  return b;
}

static void set_row(tbl *b, size_t r, int64_t rec, int64_t freq, double mon) {
  b->rec[r] = rec, b->freq[r] = freq;
  b->mon[r] = (patron_money)llround(mon * PATRON_MONEY_SCALE);
}

/* Three groups of 30 (rows 3g..), well apart in log space, with a little jitter:
 * group 0 (rows 0, 3, 6, ...): recent, frequent, big spenders; group 1: middling; group 2:
 * long gone, one small order. Row 90 is a prospect. */
static tbl three_groups(void) {
  tbl b = make_table(91);
  for (size_t i = 0; i < 90; i++) {
    int64_t j = (int64_t)(i / 3) % 5;
    if (i % 3 == 0)
      set_row(&b, i, 3 + j, 20 + j, 5000 + 100 * (double)j);
    else if (i % 3 == 1)
      set_row(&b, i, 60 + j, 5 + j % 2, 500 + 10 * (double)j);
    else
      set_row(&b, i, 300 + 5 * j, 1, 40 + (double)j);
  }
  return b;
}

static const int64_t *int_col(const patron_table *t, const char *name) {
  return patron_table_find(t, name)->data;
}

static patron_cluster_options options(size_t k) {
  patron_cluster_options o;
  patron_cluster_options_init(&o);
  o.k = k;
  o.scan.k_max = 6;
  return o;
}

static void check_three_groups(const patron_table *t, const patron_cluster_result *r) {
  assert_int_equal(r->k, 3);
  assert_int_equal(r->n_clustered, 90);
  const int64_t *c = int_col(t, "cluster");
  for (size_t i = 0; i < 90; i++) /* group g is cluster g + 1: numbered by monetary */
    assert_int_equal(c[i], (int64_t)(i % 3) + 1);
  assert_true(c[90] == PATRON_NULL_INT);
  assert_string_equal(r->labels[0], "important_value");
  assert_string_equal(r->labels[2], "general_retain");
  assert_string_equal(r->labels_zh[0], "重要价值客户");
  assert_int_equal(r->report[0].customers, 30);
  assert_true(fabs(r->report[0].monetary - 5200) < 1e-9);
  assert_true(r->report[0].revenue_share > r->report[1].revenue_share);
  const patron_column *lab = patron_table_find(t, "cluster_label");
  assert_true(lab->segmentation && lab->n_labels == 3);
  assert_int_equal(((const int32_t *)lab->data)[90], PATRON_NULL_CODE);
  /* centroids in feature units: group 0's log1p(monetary) is near log1p(5200) */
  assert_true(fabs(r->centroids[2] - log1p(5200)) < 0.05);
}

static void test_obvious_clusters(void **state) {
  (void)state;
  tbl b = three_groups();
  patron_cluster_options o = options(3);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  check_three_groups(b.t, patron_clustering_result(c));
  patron_table_free(b.t);
  patron_clustering_free(c);
}

static void test_auto_k(void **state) {
  (void)state;
  tbl b = three_groups();
  patron_cluster_options o = options(0);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  const patron_cluster_result *r = patron_clustering_result(c);
  check_three_groups(b.t, r);
  assert_int_equal(r->n_scan, 5); /* k = 2..6 */
  for (size_t i = 0; i < r->n_scan; i++)
    if (r->scan[i].k != 3)
      assert_true(r->scan[i].silhouette < r->scan[1].silhouette);
  patron_table_free(b.t);
  patron_clustering_free(c);
}

/* Same seed, any thread count: the same clusters. */
static void test_deterministic(void **state) {
  (void)state;
  int64_t first[91];
  for (int threads = 1; threads <= 2; threads++) {
    tbl b = three_groups();
    patron_cluster_options o = options(5); /* more clusters than groups: seeding matters */
    o.scan.fit.n_threads = threads;
    o.scan.fit.seed = 42;
    patron_clustering *c;
    patron_error err = {0};
    assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
    const int64_t *cl = int_col(b.t, "cluster");
    if (threads == 1)
      memcpy(first, cl, sizeof first);
    else
      assert_memory_equal(first, cl, sizeof first);
    patron_table_free(b.t);
    patron_clustering_free(c);
  }
}

/* Ties: identical customers always share a cluster. */
static void test_ties(void **state) {
  (void)state;
  tbl b = make_table(20);
  for (size_t i = 0; i < 20; i++)
    set_row(&b, i, i < 10 ? 5 : 200, i < 10 ? 8 : 1, i < 10 ? 900 : 30);
  patron_cluster_options o = options(2);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  const int64_t *cl = int_col(b.t, "cluster");
  for (size_t i = 0; i < 20; i++)
    assert_int_equal(cl[i], i < 10 ? 1 : 2);
  assert_true(patron_clustering_result(c)->info.inertia < 1e-20);
  patron_table_free(b.t);
  patron_clustering_free(c);
}

/* k above the distinct rows, and n < k: a clear error, or fewer clusters when allowed. */
static void test_too_few_rows(void **state) {
  (void)state;
  tbl b = make_table(9);
  for (size_t i = 0; i < 9; i++)
    set_row(&b, i, 10 * (int64_t)(i % 3 + 1), 1, 100 * (double)(i % 3 + 1));
  patron_cluster_options o = options(4);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "the data has 3 (use --k 3 or less"));
  assert_null(c);
  assert_null(patron_table_find(b.t, "cluster"));
  o.fewer_ok = true;
  patron_error_clear(&err);
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  assert_int_equal(patron_clustering_result(c)->k, 3);
  assert_int_equal(patron_clustering_result(c)->k_requested, 4);
  patron_table_free(b.t);
  patron_clustering_free(c);
  /* n < k */
  tbl two = make_table(3);
  set_row(&two, 0, 1, 1, 10);
  set_row(&two, 1, 50, 2, 20);
  o = options(3);
  patron_error_clear(&err);
  assert_int_equal(patron_cluster_table(two.t, &o, &c, &err), PATRON_ERR_DOMAIN);
  o.fewer_ok = true;
  assert_int_equal(patron_cluster_table(two.t, &o, &c, &err), PATRON_OK);
  assert_int_equal(patron_clustering_result(c)->k, 2);
  assert_int_equal(int_col(two.t, "cluster")[2], PATRON_NULL_INT); /* the prospect */
  patron_table_free(two.t);
  patron_clustering_free(c);
}

/* No purchaser at all: an error, or no clusters (and empty columns) when allowed. */
static void test_no_purchasers(void **state) {
  (void)state;
  tbl b = make_table(4);
  patron_cluster_options o = options(0);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_ERR_DOMAIN);
  assert_non_null(strstr(err.message, "nothing to cluster"));
  o.fewer_ok = true;
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  assert_int_equal(patron_clustering_result(c)->k, 0);
  assert_int_equal(patron_table_find(b.t, "cluster_label")->n_labels, 0);
  patron_table_free(b.t);
  patron_clustering_free(c);
}

/* Every frequency is 1: that feature is constant, drops out, and nothing becomes NaN. A net
 * refunder's negative monetary goes through signed log1p. */
static void test_zero_variance_and_refunder(void **state) {
  (void)state;
  tbl b = make_table(12);
  for (size_t i = 0; i < 12; i++)
    set_row(&b, i, i < 6 ? 3 : 250, 1, i < 6 ? 800 : 20);
  set_row(&b, 11, 250, 1, -35.5); /* refunds exceed purchases */
  patron_cluster_options o = options(2);
  patron_clustering *c;
  patron_error err = {0};
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  const patron_cluster_result *r = patron_clustering_result(c);
  assert_true(r->zero_variance[1] && !r->zero_variance[0] && !r->zero_variance[2]);
  for (size_t i = 0; i < r->k * r->n_features; i++)
    assert_true(isfinite(r->centroids[i]));
  assert_true(fabs(r->centroids[1] - log(2)) < 1e-12); /* the constant log1p(1) */
  const int64_t *cl = int_col(b.t, "cluster");
  for (size_t i = 0; i < 12; i++)
    assert_int_equal(cl[i], i < 6 ? 1 : 2);
  patron_table_free(b.t);
  patron_clustering_free(c);
}

/* Other features: bare columns, aliases, a double column with empty cells. */
static void test_other_features(void **state) {
  (void)state;
  tbl b = three_groups();
  double *score;
  patron_error err = {0};
  assert_int_equal(patron_table_add(b.t, "clv", PATRON_COL_DOUBLE, (void **)&score, &err), 0);
  for (size_t i = 0; i < 90; i++)
    score[i] = i == 7 ? NAN : (double)(b.mon[i] / PATRON_MONEY_SCALE);
  patron_cluster_options o = options(3);
  o.features = " recency , log1p(clv)";
  patron_clustering *c;
  assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_OK);
  const patron_cluster_result *r = patron_clustering_result(c);
  assert_int_equal(r->n_features, 2);
  assert_string_equal(r->feature_names[0], "recency_days");
  assert_string_equal(r->feature_names[1], "log1p(clv)");
  assert_int_equal(r->n_missing, 1);
  assert_int_equal(r->n_clustered, 89);
  assert_true(int_col(b.t, "cluster")[7] == PATRON_NULL_INT);
  patron_table_free(b.t);
  patron_clustering_free(c);
}

static void test_features_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint32_t column;
    const char *why;
  } cases[] = {
      {"log1p(recency_days),foo", 21, "not a column of the profile table"},
      {"log1p(recency_days", 19, "expected ')'"},
      {"sqrt(monetary)", 5, "unknown transform"},
      {"segment", 1, "not a numeric column"},
      {"frequency,log1p(monetary),frequency", 27, "given twice"},
      {"", 1, "expected a column name"},
      {"frequency,,monetary", 11, "expected a column name"},
      {"log1p()", 7, "expected a column name"},
      {"fre-quency", 4, "expected a column name"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    tbl b = make_table(3);
    int32_t *seg;
    static const char *const labels[1] = {"x"};
    patron_error err = {0};
    assert_int_equal(patron_table_add_category(b.t, "segment", labels, NULL, 1, true, &seg, &err),
                     0);
    patron_cluster_options o = options(2);
    o.features = cases[i].text;
    patron_clustering *c;
    assert_int_equal(patron_cluster_table(b.t, &o, &c, &err), PATRON_ERR_USAGE);
    if (err.column != cases[i].column || !strstr(err.message, cases[i].why) ||
        strncmp(err.message, "--features ", 11) != 0)
      fail_msg("'%s': column %u, message %s", cases[i].text, err.column, err.message);
    patron_table_free(b.t);
  }
}

PATRON_TEST_MAIN(cmocka_unit_test(test_obvious_clusters), cmocka_unit_test(test_auto_k),
                 cmocka_unit_test(test_deterministic), cmocka_unit_test(test_ties),
                 cmocka_unit_test(test_too_few_rows), cmocka_unit_test(test_no_purchasers),
                 cmocka_unit_test(test_zero_variance_and_refunder),
                 cmocka_unit_test(test_other_features), cmocka_unit_test(test_features_errors))
