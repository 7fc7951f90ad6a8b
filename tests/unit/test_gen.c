/* Unit tests for the synthetic retail generator (include/patron/gen.h): determinism, thread
 * independence, well-formed CSV, and the shapes the model promises (one-time buyers, Pareto
 * revenue, refunds, prospects, an events funnel with abandoned carts), members' contact
 * fields, and the planted patterns (browse without buying, co-purchase pairs). */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

enum { SMALL_N = 3000 };

typedef struct text {
  char *data;
  size_t len;
} text;

static text slurp(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  text t = {malloc((size_t)n + 1), (size_t)n};
  assert_non_null(t.data);
  assert_int_equal(fread(t.data, 1, (size_t)n, f), (size_t)n);
  t.data[n] = '\0';
  fclose(f);
  return t;
}

static void make_dir(char *dir) {
  strcpy(dir, "/tmp/patron_test_gen_XXXXXX");
  assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir) {
  const char *names[] = {"customers.csv", "orders.csv", "events.csv"};
  char path[512];
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

static patron_gen_stats gen(const char *dir, uint64_t n, uint64_t seed, int threads) {
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = n;
  o.seed = seed;
  o.threads = threads;
  patron_gen_stats st;
  patron_error err = {0};
  assert_int_equal(patron_gen_world(&o, dir, &st, &err), PATRON_OK);
  return st;
}

static bool same_file(const char *a, const char *b, const char *name) {
  text x = slurp(a, name), y = slurp(b, name);
  bool same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
  free(x.data);
  free(y.data);
  return same;
}

static void test_deterministic(void **state) {
  (void)state;
  char a[64], b[64], c[64];
  make_dir(a);
  make_dir(b);
  make_dir(c);
  gen(a, SMALL_N, 42, 2);
  gen(b, SMALL_N, 42, 2);
  gen(c, SMALL_N, 43, 2);
  const char *names[] = {"customers.csv", "orders.csv", "events.csv"};
  for (size_t i = 0; i < 3; i++) {
    assert_true(same_file(a, b, names[i]));
    assert_false(same_file(a, c, names[i]));
  }
  remove_dir(a);
  remove_dir(b);
  remove_dir(c);
}

/* More customers than one block (4096), so blocks really run on different threads. */
static void test_thread_independent(void **state) {
  (void)state;
  char a[64], b[64];
  make_dir(a);
  make_dir(b);
  patron_gen_stats s1 = gen(a, 9000, 5, 1), s3 = gen(b, 9000, 5, 3);
  assert_true(memcmp(&s1, &s3, sizeof s1) == 0);
  const char *names[] = {"customers.csv", "orders.csv", "events.csv"};
  for (size_t i = 0; i < 3; i++)
    assert_true(same_file(a, b, names[i]));
  remove_dir(a);
  remove_dir(b);
}

/* ---- a tiny CSV walker: the generator never quotes, so fields split on commas ---- */

typedef struct row {
  const char *f[16];
  size_t len[16];
  int n;
} row;

/* Splits the line at *p into r; advances *p past it. False at the end of the text. */
static bool next_row(const char **p, row *r) {
  if (!**p)
    return false;
  const char *s = *p;
  r->n = 0;
  for (;;) {
    const char *e = s;
    while (*e && *e != ',' && *e != '\n')
      e++;
    assert_true(r->n < 16);
    r->f[r->n] = s;
    r->len[r->n++] = (size_t)(e - s);
    if (*e != ',') {
      *p = *e ? e + 1 : e;
      return true;
    }
    s = e + 1;
  }
}

static bool field_is(const row *r, int i, const char *s) {
  return r->len[i] == strlen(s) && memcmp(r->f[i], s, r->len[i]) == 0;
}

static int64_t field_time(const row *r, int i) {
  int64_t t;
  assert_int_equal(patron_parse_time(r->f[i], r->len[i], &t), PATRON_OK);
  return t;
}

static void check_file_shape(const char *dir, const char *name, int n_fields, uint64_t rows) {
  text t = slurp(dir, name);
  const char *p = t.data;
  row r;
  uint64_t n = 0;
  assert_true(next_row(&p, &r));
  assert_int_equal(r.n, n_fields);
  while (next_row(&p, &r)) {
    assert_int_equal(r.n, n_fields);
    assert_true(r.len[0] > 1 && r.f[0][0] == 'C');
    n++;
  }
  assert_true(n == rows);
  free(t.data);
}

static void test_rows_parse(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  patron_gen_stats st = gen(dir, SMALL_N, 1, 2);
  check_file_shape(dir, "customers.csv", 15, st.customers);
  check_file_shape(dir, "orders.csv", 11, st.order_rows);
  check_file_shape(dir, "events.csv", 5, st.events);
  text t = slurp(dir, "orders.csv");
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  while (next_row(&p, &r)) {
    patron_money amount, discount;
    int64_t qty;
    assert_int_equal(patron_parse_money(r.f[3], r.len[3], &amount), PATRON_OK);
    assert_int_equal(patron_parse_money(r.f[9], r.len[9], &discount), PATRON_OK);
    assert_int_equal(patron_parse_money(r.f[4], r.len[4], &qty), PATRON_OK);
    assert_true(field_time(&r, 2) < (int64_t)patron_days_from_civil(2026, 1, 1) * 86400);
    assert_true(field_is(&r, 7, "online") || field_is(&r, 7, "offline") || field_is(&r, 7, "app"));
    assert_true(field_is(&r, 7, "offline") == (r.len[8] > 0));
    assert_true((r.f[1][0] == 'R') == (amount < 0));
    assert_true(discount >= 0 && qty != 0);
    assert_true(r.len[10] == 6 && r.f[10][0] == 'I'); /* item_id: I + category + item */
  }
  free(t.data);
  t = slurp(dir, "customers.csv");
  p = t.data;
  next_row(&p, &r);
  while (next_row(&p, &r)) {
    int32_t d;
    assert_int_equal(patron_parse_day(r.f[4], r.len[4], &d), PATRON_OK);
    if (r.len[2])
      assert_int_equal(patron_parse_day(r.f[2], r.len[2], &d), PATRON_OK);
  }
  free(t.data);
  remove_dir(dir);
}

/* ---- figures per customer from orders.csv (rows of a customer and of an order adjacent) ---- */

typedef struct figures {
  uint64_t purchasers, one_time, purchase_orders, refund_orders;
  double top20_share;
} figures;

static int cmp_desc(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

static void close_customer(figures *fg, int64_t *revenue, size_t *n_rev, int64_t spend,
                           uint64_t freq) {
  if (!freq)
    return;
  fg->purchasers++;
  fg->one_time += freq == 1;
  revenue[(*n_rev)++] = spend;
}

static figures order_figures(const char *dir, uint64_t n_customers) {
  figures fg = {0};
  text t = slurp(dir, "orders.csv");
  int64_t *revenue = calloc(n_customers, sizeof *revenue);
  size_t n_rev = 0;
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  char cust[32] = "", order[32] = "";
  int64_t spend = 0, value = 0;
  uint64_t freq = 0;
  while (next_row(&p, &r)) {
    patron_money a;
    assert_int_equal(patron_parse_money(r.f[3], r.len[3], &a), PATRON_OK);
    if (!field_is(&r, 1, order)) {
      freq += value > 0;
      value = 0;
      snprintf(order, sizeof order, "%.*s", (int)r.len[1], r.f[1]);
      fg.purchase_orders += order[0] == 'O';
      fg.refund_orders += order[0] == 'R';
    }
    if (!field_is(&r, 0, cust)) {
      close_customer(&fg, revenue, &n_rev, spend, freq);
      spend = 0;
      freq = 0;
      snprintf(cust, sizeof cust, "%.*s", (int)r.len[0], r.f[0]);
    }
    spend += a;
    value += a;
  }
  freq += value > 0;
  close_customer(&fg, revenue, &n_rev, spend, freq);
  qsort(revenue, n_rev, sizeof *revenue, cmp_desc);
  double top = 0, all = 0;
  for (size_t i = 0; i < n_rev; i++) {
    all += (double)revenue[i];
    top += i < n_rev / 5 ? (double)revenue[i] : 0;
  }
  fg.top20_share = top / all;
  free(revenue);
  free(t.data);
  return fg;
}

static void test_retail_shapes(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  patron_gen_stats st = gen(dir, SMALL_N, 3, 2);
  figures fg = order_figures(dir, SMALL_N);
  assert_true(fg.purchasers == st.purchasers);
  assert_true(fg.purchase_orders == st.orders && fg.refund_orders == st.refunds);
  double refund_share = (double)fg.refund_orders / (double)fg.purchase_orders;
  double one_time = (double)fg.one_time / (double)fg.purchasers;
  double prospects = 1 - (double)fg.purchasers / (double)st.customers;
  print_message("refunds %.4f one-time %.3f top20 %.3f prospects %.3f\n", refund_share, one_time,
                fg.top20_share, prospects);
  assert_true(refund_share >= 0.01 && refund_share <= 0.03);
  assert_true(one_time >= 0.35 && one_time <= 0.6);
  assert_true(fg.top20_share >= 0.55 && fg.top20_share <= 0.8);
  assert_true(prospects >= 0.01 && prospects <= 0.1);
  double rows_per_customer = (double)st.order_rows / (double)st.customers;
  assert_true(rows_per_customer > 7 && rows_per_customer < 13);
  remove_dir(dir);
}

/* ---- events: carts lead to purchases of the same category, or are abandoned ---- */

typedef struct line_ref {
  char cust[16], category[16];
  int64_t t;
} line_ref;

static size_t load_lines(const char *dir, const char *name, int t_col, int cat_col,
                         const char *type, line_ref **out) {
  text t = slurp(dir, name);
  size_t n = 0, cap = 1024;
  line_ref *v = malloc(cap * sizeof *v);
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  while (next_row(&p, &r)) {
    if (type && !field_is(&r, 2, type))
      continue;
    if (n == cap)
      v = realloc(v, (cap *= 2) * sizeof *v);
    snprintf(v[n].cust, sizeof v[n].cust, "%.*s", (int)r.len[0], r.f[0]);
    snprintf(v[n].category, sizeof v[n].category, "%.*s", (int)r.len[cat_col], r.f[cat_col]);
    v[n++].t = field_time(&r, t_col);
  }
  free(t.data);
  *out = v;
  return n;
}

static void test_events_funnel(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  gen(dir, 1000, 9, 2);
  line_ref *carts, *lines, *views;
  size_t n_carts = load_lines(dir, "events.csv", 1, 4, "cart", &carts);
  size_t n_views = load_lines(dir, "events.csv", 1, 4, "view", &views);
  size_t n_lines = load_lines(dir, "orders.csv", 2, 5, NULL, &lines);
  assert_true(n_carts > 100 && n_views > 3 * n_carts);
  /* Both files are grouped by customer in the same order: walk them together. */
  size_t bought = 0, abandoned = 0, j = 0;
  for (size_t i = 0; i < n_carts; i++) {
    while (j < n_lines && strcmp(lines[j].cust, carts[i].cust) < 0)
      j++;
    bool later = false;
    for (size_t k = j; k < n_lines && strcmp(lines[k].cust, carts[i].cust) == 0; k++)
      later |= lines[k].t >= carts[i].t && lines[k].t - carts[i].t < 7 * 86400 &&
               strcmp(lines[k].category, carts[i].category) == 0;
    bought += later;
    abandoned += !later;
  }
  print_message("carts %zu: followed by a purchase %zu, abandoned %zu\n", n_carts, bought,
                abandoned);
  assert_true(bought > n_carts / 4 && abandoned > n_carts / 10);
  free(carts);
  free(views);
  free(lines);
  remove_dir(dir);
}

/* ---- members: contact fields, consent, time zones, leap-day birthdays ---- */

static void test_members(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  gen(dir, SMALL_N, 4, 2);
  text t = slurp(dir, "customers.csv");
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  assert_true(field_is(&r, 6, "name") && field_is(&r, 14, "source"));
  size_t n = 0, leap = 0, phones = 0, emails = 0, wechats = 0, tz8 = 0;
  size_t consent[3][3] = {{0}}; /* per channel: empty, 0, 1 */
  while (next_row(&p, &r)) {
    n++;
    assert_true(r.len[6] >= 6); /* two or more Chinese characters (3 bytes each) */
    leap += r.len[2] == 10 && memcmp(r.f[2] + 5, "02-29", 5) == 0;
    assert_true(r.len[7] == 0 || r.len[7] == 11);
    phones += r.len[7] == 11;
    emails += memchr(r.f[8], '@', r.len[8]) != NULL;
    wechats += r.len[9] > 5 && memcmp(r.f[9], "wxid_", 5) == 0;
    for (int k = 0; k < 3; k++) {
      assert_true(r.len[10 + k] == 0 || field_is(&r, 10 + k, "0") || field_is(&r, 10 + k, "1"));
      consent[k][r.len[10 + k] ? r.f[10 + k][0] - '0' + 1 : 0]++;
    }
    tz8 += field_is(&r, 13, "+08:00");
  }
  print_message("leap-day birthdays %zu, phones %zu, emails %zu, wechat %zu, +08:00 %zu of %zu\n",
                leap, phones, emails, wechats, tz8, n);
  assert_true(leap >= 3);
  assert_true(phones > n * 8 / 10 && phones < n);
  assert_true(emails > n / 2 && emails < n && wechats > n / 2 && wechats < n);
  for (int k = 0; k < 3; k++)
    assert_true(consent[k][0] > n / 20 && consent[k][1] > n / 10 && consent[k][2] > n / 3);
  assert_true(tz8 > n * 85 / 100 && tz8 < n);
  free(t.data);
  remove_dir(dir);
}

/* ---- planted patterns: browse without buying, items bought together ---- */

typedef struct item_ref {
  char cust[16], item[8];
  int64_t t;
} item_ref;

static size_t load_items(const char *dir, const char *name, int t_col, int item_col,
                         const char *type, item_ref **out) {
  text t = slurp(dir, name);
  size_t n = 0, cap = 1024;
  item_ref *v = malloc(cap * sizeof *v);
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  while (next_row(&p, &r)) {
    if ((type && !field_is(&r, 2, type)) || r.len[item_col] == 0)
      continue;
    if (n == cap)
      v = realloc(v, (cap *= 2) * sizeof *v);
    snprintf(v[n].cust, sizeof v[n].cust, "%.*s", (int)r.len[0], r.f[0]);
    snprintf(v[n].item, sizeof v[n].item, "%.*s", (int)r.len[item_col], r.f[item_col]);
    v[n++].t = field_time(&r, t_col);
  }
  free(t.data);
  *out = v;
  return n;
}

/* Customers with an item viewed 5+ times within 7 days and no order line of it then. */
static size_t browse_without_buying(const item_ref *views, size_t n_views, const item_ref *lines,
                                    size_t n_lines) {
  size_t found = 0, j = 0;
  for (size_t i = 0; i < n_views;) {
    size_t e = i;
    while (e < n_views && strcmp(views[e].cust, views[i].cust) == 0)
      e++;
    while (j < n_lines && strcmp(lines[j].cust, views[i].cust) < 0)
      j++;
    bool hit = false;
    for (size_t a = i; a < e && !hit; a++) {
      int count = 0;
      for (size_t b = a; b < e && views[b].t - views[a].t < 7 * 86400; b++)
        count += strcmp(views[b].item, views[a].item) == 0;
      bool bought = false;
      for (size_t k = j; k < n_lines && strcmp(lines[k].cust, views[i].cust) == 0; k++)
        bought |= strcmp(lines[k].item, views[a].item) == 0 && lines[k].t >= views[a].t &&
                  lines[k].t - views[a].t < 7 * 86400;
      hit = count >= 5 && !bought;
    }
    found += hit;
    i = e;
  }
  return found;
}

static void test_patterns(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  gen(dir, 1000, 9, 2);
  item_ref *views, *lines;
  size_t n_views = load_items(dir, "events.csv", 1, 3, "view", &views);
  size_t n_lines = load_items(dir, "orders.csv", 2, 10, NULL, &lines);
  size_t browsers = browse_without_buying(views, n_views, lines, n_lines);
  /* Items bought together: lines of one order are adjacent and share the time. The planted
   * partner of an item follows it in the same order far more often than chance. */
  size_t same_pair = 0, pairs = 0;
  for (size_t i = 1; i < n_lines; i++) {
    if (strcmp(lines[i].cust, lines[i - 1].cust) != 0 || lines[i].t != lines[i - 1].t)
      continue;
    pairs++;
    /* partners sit in the paired category: baby (06) with toys (09), shoes (03)/sports (07) */
    const char *a = lines[i - 1].item, *b = lines[i].item;
    same_pair += (memcmp(a, "I06", 3) == 0 && memcmp(b, "I09", 3) == 0) ||
                 (memcmp(a, "I03", 3) == 0 && memcmp(b, "I07", 3) == 0);
  }
  print_message("browse without buying: %zu customers; baby->toys or shoes->sports pairs %zu of "
                "%zu adjacent pairs\n",
                browsers, same_pair, pairs);
  assert_true(browsers >= 20);
  /* by chance (category shares 7% x 6% + 7% x 6%) under 1% of adjacent pairs */
  assert_true(same_pair * 100 > pairs * 2);
  free(views);
  free(lines);
  remove_dir(dir);
}

/* --time-ordered: rows sorted by time (customers interleaved), the same rows as the grouped
 * files, byte-identical for any thread count. */
static void test_time_ordered(void **state) {
  (void)state;
  char a[64], b[64];
  make_dir(a);
  make_dir(b);
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = 5000;
  o.seed = 3;
  o.time_ordered = true;
  patron_gen_stats st;
  patron_error err = {0};
  o.threads = 1;
  assert_int_equal(patron_gen_world(&o, a, &st, &err), PATRON_OK);
  o.threads = 3;
  assert_int_equal(patron_gen_world(&o, b, NULL, &err), PATRON_OK);
  const char *names[] = {"orders.csv", "events.csv"};
  const int time_col[] = {2, 1};
  const uint64_t rows[] = {st.order_rows, st.events};
  for (int f = 0; f < 2; f++) {
    assert_true(same_file(a, b, names[f]));
    text t = slurp(a, names[f]);
    const char *p = t.data;
    row r;
    next_row(&p, &r);
    int64_t last = INT64_MIN;
    uint64_t n = 0, switches = 0;
    char prev[16] = "";
    while (next_row(&p, &r)) {
      int64_t tm = field_time(&r, time_col[f]);
      assert_true(tm >= last);
      last = tm;
      switches += !field_is(&r, 0, prev);
      snprintf(prev, sizeof prev, "%.*s", (int)r.len[0], r.f[0]);
      n++;
    }
    assert_true(n == rows[f]);
    assert_true(switches > n / 4); /* customers interleave */
    free(t.data);
  }
  assert_true(same_file(a, b, "customers.csv"));
  remove_dir(a);
  remove_dir(b);
}

/* A larger catalogue: item ids widen to I + 2-digit category + 4-digit item. */
static void test_items_per_category(void **state) {
  (void)state;
  char dir[64];
  make_dir(dir);
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = 300;
  o.items_per_category = 5000;
  patron_error err = {0};
  assert_int_equal(patron_gen_world(&o, dir, NULL, &err), PATRON_OK);
  text t = slurp(dir, "orders.csv");
  const char *p = t.data;
  row r;
  next_row(&p, &r);
  size_t wide = 0, n = 0;
  while (next_row(&p, &r)) {
    assert_int_equal(r.len[10], 7);
    wide += r.f[10][3] != '0'; /* item index 1000 or more */
    n++;
  }
  assert_true(wide > n / 4);
  free(t.data);
  remove_dir(dir);
  o.items_per_category = 6001;
  assert_int_equal(patron_gen_world(&o, dir, NULL, &err), PATRON_ERR_USAGE);
}

static void test_bad_options(void **state) {
  (void)state;
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = 0;
  patron_error err = {0};
  assert_int_equal(patron_gen_world(&o, "/tmp/patron_test_gen_never", NULL, &err),
                   PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "customers"));
  patron_gen_options_default(&o);
  o.refund_rate = 1.5;
  patron_error_clear(&err);
  assert_int_equal(patron_gen_world(&o, "/tmp/patron_test_gen_never", NULL, &err),
                   PATRON_ERR_USAGE);
  assert_non_null(strstr(err.message, "refund"));
  /* A directory below a regular file cannot be created, even by root. */
  char file[] = "/tmp/patron_test_gen_file_XXXXXX";
  int fd = mkstemp(file);
  assert_true(fd >= 0);
  close(fd);
  char dir[128];
  snprintf(dir, sizeof dir, "%s/out", file);
  patron_gen_options_default(&o);
  o.n_customers = 10;
  patron_error_clear(&err);
  assert_int_equal(patron_gen_world(&o, dir, NULL, &err), PATRON_ERR_IO);
  assert_string_equal(err.file, dir);
  assert_non_null(strstr(err.message, "cannot create directory"));
  unlink(file);
}

/* --no-events / --orders-only: the files written match the options, and the orders do not
 * change when events are switched off. */
static void test_orders_only(void **state) {
  (void)state;
  char a[64], b[64];
  make_dir(a);
  make_dir(b);
  gen(a, 500, 11, 1);
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = 500;
  o.seed = 11;
  o.events = o.customers = false;
  patron_gen_stats st;
  patron_error err = {0};
  assert_int_equal(patron_gen_world(&o, b, &st, &err), PATRON_OK);
  assert_true(st.events == 0 && st.customers == 500);
  assert_true(same_file(a, b, "orders.csv"));
  char path[128];
  snprintf(path, sizeof path, "%s/events.csv", b);
  assert_int_equal(access(path, F_OK), -1);
  snprintf(path, sizeof path, "%s/customers.csv", b);
  assert_int_equal(access(path, F_OK), -1);
  remove_dir(a);
  remove_dir(b);
}

PATRON_TEST_MAIN(cmocka_unit_test(test_deterministic), cmocka_unit_test(test_thread_independent),
                 cmocka_unit_test(test_rows_parse), cmocka_unit_test(test_retail_shapes),
                 cmocka_unit_test(test_events_funnel), cmocka_unit_test(test_bad_options),
                 cmocka_unit_test(test_orders_only), cmocka_unit_test(test_members),
                 cmocka_unit_test(test_patterns), cmocka_unit_test(test_items_per_category),
                 cmocka_unit_test(test_time_ordered))
