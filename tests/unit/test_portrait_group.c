/* The portrait of SPEC section 17 on a hand-computed fixture, as of 2024-01-01, and the
 * quartiles (linear interpolation between order statistics at position (n - 1) q, numpy's
 * and pandas' default).
 *   A F  2023-06-01 home 100, 2023-07-01 toys 50, 2023-08-01 a toys refund of 10
 *   B F  2022-06-01 home 999 (before the 365-day window), 2023-05-01 toys 200
 *   C M  2023-09-01 home 30, 2023-10-01 home 20
 *   D M  2023-11-01 home 100
 *   E F  a member without orders (a prospect)
 * Group: customer_id in ('A', 'C'). gender: base F 3 (A, B, E), M 2 -> 0.6 / 0.4; group F 1,
 * M 1 -> 0.5 / 0.5 -> TGI F 100 x 0.5 / 0.6 = 83.33, M 125. Affinity (positive lines in the
 * window): base home 100 + 30 + 20 + 100 = 250, toys 50 + 200 = 250 -> 0.5 / 0.5; group home
 * 150, toys 50 -> 0.75 / 0.25 -> TGI 150 and 50. Stats of the base, frequency: 2, 2, 2, 1
 * (E has none) -> mean 1.75, p25 1.75 (position 0.75 between 1 and 2), median 2, p75 2. */
#include "test_util.h"
#include "fixture.h"

#include <math.h>

static const char orders[] = "customer_id,order_id,order_time,amount,category\n"
                             "A,a1,2023-06-01,100,home\n"
                             "A,a2,2023-07-01,50,toys\n"
                             "A,a3,2023-08-01,-10,toys\n"
                             "B,b0,2022-06-01,999,home\n"
                             "B,b1,2023-05-01,200,toys\n"
                             "C,c1,2023-09-01,30,home\n"
                             "C,c2,2023-10-01,20,home\n"
                             "D,d1,2023-11-01,100,home\n";
static const char members[] = "customer_id,gender\nA,F\nB,F\nC,M\nD,M\nE,F\n";

typedef struct world {
  patron_dataset *ds;
  patron_profile *p;
  patron_portrait pt;
} world;

static void build(world *w, const patron_portrait_options *o, patron_status want) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders);
  lo.paths[PATRON_FILE_CUSTOMERS] = fixture_file(1, "customers.csv", members);
  lo.keep_lines = true;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&lo, &w->ds, &err), PATRON_OK);
  patron_profile_options po;
  patron_profile_options_init(&po);
  po.as_of_day = patron_days_from_civil(2024, 1, 1);
  assert_int_equal(patron_profile_build(w->ds, &po, &w->p, &err), PATRON_OK);
  assert_int_equal(patron_portrait_build(w->p, w->ds, o, &w->pt, &err), want);
}

static void done(world *w) {
  patron_portrait_free(&w->pt);
  patron_profile_free(w->p);
  patron_dataset_free(w->ds);
}

/* The row of table t whose first three string columns are a, b, c. */
static size_t row_of(const patron_table *t, const char *a, const char *b, const char *c) {
  const char *const *x = patron_table_column(t, 0)->data,
                    *const *y = patron_table_column(t, 1)->data,
                    *const *z = patron_table_column(t, 2)->data;
  for (size_t r = 0; r < patron_table_n_rows(t); r++)
    if (strcmp(x[r], a) == 0 && strcmp(y[r], b) == 0 && strcmp(z[r], c) == 0)
      return r;
  fail_msg("no row %s,%s,%s", a, b, c);
  return 0;
}

static double num(const patron_table *t, const char *col, size_t r) {
  const patron_column *c = patron_table_find(t, col);
  assert_non_null(c);
  if (c->type == PATRON_COL_DOUBLE)
    return ((const double *)c->data)[r];
  return (double)((const int64_t *)c->data)[r] /
         (c->type == PATRON_COL_MONEY ? PATRON_MONEY_SCALE : 1);
}

static void tgi_where(void **state) {
  (void)state;
  world w = {0};
  patron_portrait_options o;
  patron_portrait_options_init(&o);
  o.where = "customer_id in ('A', 'C')";
  o.group_name = "ac";
  build(&w, &o, PATRON_OK);
  assert_int_equal(w.pt.n_groups, 1);
  assert_int_equal(w.pt.groups[0].customers, 2);
  assert_int_equal(w.pt.base_customers, 5);
  const patron_table *t = w.pt.portrait;
  size_t f = row_of(t, "ac", "gender", "F"), m = row_of(t, "ac", "gender", "M");
  assert_true(num(t, "customers", f) == 1 && num(t, "base_customers", f) == 3);
  assert_true(fabs(num(t, "share", f) - 0.5) < 1e-12 &&
              fabs(num(t, "base_share", f) - 0.6) < 1e-12);
  assert_true(fabs(num(t, "tgi", f) - 250.0 / 3.0) < 1e-9);
  assert_true(fabs(num(t, "tgi", m) - 125.0) < 1e-9);
  assert_string_equal(w.pt.value_zh[f], "女");
  const patron_table *a = w.pt.affinity;
  size_t home = row_of(a, "ac", "category", "home"), toys = row_of(a, "ac", "category", "toys");
  assert_true(num(a, "spend", home) == 150 && num(a, "spend", toys) == 50);
  assert_true(fabs(num(a, "base_spend_share", home) - 0.5) < 1e-12);
  assert_true(fabs(num(a, "tgi", home) - 150) < 1e-9 && fabs(num(a, "tgi", toys) - 50) < 1e-9);
  done(&w);
}

/* stats.csv rows are (group, metric, numbers): found by the first two columns. */
static size_t stat_row(const patron_table *t, const char *g, const char *m) {
  const char *const *x = patron_table_column(t, 0)->data, *const *y =
                                                              patron_table_column(t, 1)->data;
  for (size_t r = 0; r < patron_table_n_rows(t); r++)
    if (strcmp(x[r], g) == 0 && strcmp(y[r], m) == 0)
      return r;
  fail_msg("no stats row %s,%s", g, m);
  return 0;
}

static void stats_base(void **state) {
  (void)state;
  world w = {0};
  patron_portrait_options o;
  patron_portrait_options_init(&o);
  o.by = "gender";
  build(&w, &o, PATRON_OK);
  assert_int_equal(w.pt.n_groups, 2); /* F, M in dictionary order */
  const patron_table *s = w.pt.stats;
  size_t r = stat_row(s, "(all)", "frequency");
  assert_true(num(s, "customers", r) == 4);
  assert_true(fabs(num(s, "mean", r) - 1.75) < 1e-12 && fabs(num(s, "p25", r) - 1.75) < 1e-12);
  assert_true(num(s, "median", r) == 2 && num(s, "p75", r) == 2);
  r = stat_row(s, "M", "frequency"); /* C 2, D 1 -> p25 1.25, median 1.5, p75 1.75 */
  assert_true(fabs(num(s, "p25", r) - 1.25) < 1e-12 && fabs(num(s, "median", r) - 1.5) < 1e-12);
  assert_true(fabs(num(s, "p75", r) - 1.75) < 1e-12);
  /* --by gender: group M holds C and D; its gender share is 1, TGI 100 / 0.4 = 250 */
  size_t m = row_of(w.pt.portrait, "M", "gender", "M");
  assert_true(fabs(num(w.pt.portrait, "tgi", m) - 250) < 1e-9);
  done(&w);
}

static void bad_input(void **state) {
  (void)state;
  world w = {0};
  patron_portrait_options o;
  patron_portrait_options_init(&o);
  o.by = "rfm_clas";
  build(&w, &o, PATRON_ERR_USAGE);
  done(&w);
  memset(&w, 0, sizeof w);
  patron_portrait_options_init(&o);
  o.where = "frequency >";
  build(&w, &o, PATRON_ERR_USAGE);
  done(&w);
}

static void quartiles(void **state) {
  (void)state;
  double a[] = {4, 1, 3, 2};
  assert_true(fabs(patron_quantile_linear(a, 4, 0.25) - 1.75) < 1e-12);
  assert_true(fabs(patron_quantile_linear(a, 4, 0.5) - 2.5) < 1e-12);
  assert_true(fabs(patron_quantile_linear(a, 4, 0.75) - 3.25) < 1e-12);
  double b[] = {5, 2, 3, 1, 2}; /* sorted 1 2 2 3 5: positions 1, 2, 3 exactly */
  assert_true(patron_quantile_linear(b, 5, 0.25) == 2 && patron_quantile_linear(b, 5, 0.5) == 2);
  assert_true(patron_quantile_linear(b, 5, 0.75) == 3 && patron_quantile_linear(b, 5, 1) == 5);
  assert_true(patron_quantile_linear(b, 5, 0) == 1);
  double c[] = {10, 0}; /* 0 + 0.25 x 10 */
  assert_true(fabs(patron_quantile_linear(c, 2, 0.25) - 2.5) < 1e-12);
  double d[] = {7};
  assert_true(patron_quantile_linear(d, 1, 0.75) == 7);
  assert_true(isnan(patron_quantile_linear(d, 0, 0.5)));
  double e[1000]; /* many ties: 0..9 a hundred times each; p25 at position 249.75 -> 2 */
  for (int i = 0; i < 1000; i++)
    e[i] = (double)((i * 7) % 10);
  assert_true(patron_quantile_linear(e, 1000, 0.25) == 2);
  assert_true(fabs(patron_quantile_linear(e, 1000, 0.5) - 4.5) < 1e-12);
}

PATRON_TEST_MAIN(cmocka_unit_test(tgi_where), cmocka_unit_test(stats_base),
                 cmocka_unit_test(bad_input), cmocka_unit_test(quartiles))
