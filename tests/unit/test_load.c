/* Unit tests for the loaders: column mapping, rejects with positions, as-of, members,
 * events, strict mode, clear errors. Rows read = used + rejected throughout. */
#include "test_util.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static patron_dataset *load(patron_load_options *o, patron_status want, patron_error *err) {
  patron_dataset *ds = NULL;
  patron_error_clear(err);
  assert_int_equal(patron_dataset_load(o, &ds, err), want);
  return ds;
}

static void assert_balanced(const patron_file_report *r) {
  assert_int_equal(r->rows_read, r->rows_used + r->rows_rejected);
  uint64_t by_reason = 0;
  for (int k = 0; k < PATRON_REJECT_COUNT; k++)
    by_reason += r->rejected_by_reason[k];
  assert_int_equal(by_reason, r->rows_rejected);
}

static const char orders_csv[] =
    "customer_id,order_id,order_time,amount,category\n"
    "c1,o1,2024-01-05 10:00:00,10.50,\"toys, games\"\n"
    "c1,o1,2024-01-05 10:00:00,4.50,books\n"
    "c2,o1,2024-01-06,20,\"multi\nline\"\n" /* same order id, other customer: another order */
    ",o9,2024-01-06,5,x\n"                  /* line 6: empty customer */
    "c3,o3,2024-02-30,5,x\n"                /* line 7: bad date */
    "c3,o4,2024-02-03,five,x\n"             /* line 8: bad number */
    "c3,o5,2024-02-03,5\n"                  /* line 9: wrong field count */
    "\n"
    "c3,\"o6\"x,2024-02-03,5,x\n" /* line 11: text after quote */
    "c1,o7,2024-01-09,-3.00,x\n"; /* a refund */

static void test_orders_rejects_and_collapse(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv);
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_int_equal(r->rows_read, 9);
  assert_int_equal(r->rows_used, 4);
  assert_int_equal(r->blank_lines, 1);
  assert_balanced(r);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_EMPTY_CUSTOMER_ID], 1);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_BAD_DATE], 1);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_BAD_NUMBER], 1);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_FIELD_COUNT], 1);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_TEXT_AFTER_QUOTE], 1);
  assert_int_equal(patron_dataset_n_rejects(ds), 5);
  const uint64_t lines[] = {6, 7, 8, 9, 11};
  const char *columns[] = {"customer_id", "order_time", "amount", "", ""};
  for (size_t i = 0; i < 5; i++) {
    patron_reject rj;
    patron_dataset_reject(ds, i, &rj);
    assert_int_equal(rj.line, lines[i]);
    assert_string_equal(rj.column, columns[i]);
  }
  patron_reject rj;
  patron_dataset_reject(ds, 1, &rj);
  assert_memory_equal(rj.raw, "c3,o3,2024-02-30,5,x", rj.raw_len);
  /* c3 had only bad rows: it is not a customer */
  assert_int_equal(patron_dataset_n_customers(ds), 2);
  assert_string_equal(patron_dataset_customer_id(ds, 0), "c1");
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.n_orders, 3);
  assert_int_equal(ov.start[1] - ov.start[0], 2); /* c1: o1 (2 lines) and the refund o7 */
  assert_true(ov.value[ov.start[0]] == 150000);
  assert_int_equal(ov.n_lines[ov.start[0]], 2);
  assert_true(ov.value[ov.start[0] + 1] == -30000);
  assert_true(ov.value[ov.start[1]] == 200000);
  patron_dataset_free(ds);
}

/* since_day: earlier order lines are counted (before_since) and kept out, customers too. */
static void test_since_day(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv);
  o.since_day = patron_days_from_civil(2024, 1, 6);
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_int_equal(r->rows_used, 4);
  assert_int_equal(r->before_since, 2); /* c1's o1, two lines on 2024-01-05 */
  assert_balanced(r);
  assert_int_equal(patron_dataset_n_customers(ds), 2);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.n_orders, 2);
  assert_int_equal(ov.start[1] - ov.start[0], 1); /* c1: only the refund o7 */
  assert_true(ov.value[ov.start[0]] == -30000);
  assert_true(ov.value[ov.start[1]] == 200000);
  patron_dataset_free(ds);
  o.since_day = patron_days_from_civil(2024, 1, 10); /* nothing left: c3 was all bad rows */
  ds = load(&o, PATRON_OK, &err);
  assert_int_equal(patron_dataset_n_customers(ds), 0);
  /* the latest order of the file still counts (the default as-of, partial windows) */
  assert_true(patron_dataset_max_order_time(ds) ==
              (int64_t)patron_days_from_civil(2024, 1, 9) * 86400);
  patron_dataset_free(ds);
}

static void test_strict_names_file_and_line(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv);
  o.strict = true;
  patron_error err;
  assert_null(load(&o, PATRON_ERR_INPUT, &err));
  char msg[1024];
  patron_error_format(&err, msg, sizeof msg);
  assert_non_null(strstr(msg, "orders.csv:6: empty_customer_id"));
}

static void test_map_and_quantity_price(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "retail.tsv",
                                             "Cust\tInvoice\tWhen\tQuantity\tPrice\n"
                                             "17850.0\tC536379\t12/1/2010 9:41\t-1\t27.5\n"
                                             "17850.0\t536365\t12/1/2010 8:26\t6\t2.55\n"
                                             "17850\t536366\t12/1/2010 8:28\t3\t0.333333\n");
  const char *maps[] = {"customer_id=Cust", "order_id=Invoice", "orders.order_time=When",
                        "unit_price=Price"}; /* Quantity is found case-insensitively */
  o.maps = maps;
  o.n_maps = 4;
  o.date_format = "%m/%d/%Y %H:%M";
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  assert_int_equal(patron_dataset_n_customers(ds), 2); /* "17850" and "17850.0" differ */
  uint32_t c = patron_dataset_find_customer(ds, "17850.0", 7);
  assert_int_equal(c, 1);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.start[c + 1] - ov.start[c], 2);
  /* time-sorted: 08:26 purchase first, then the 09:41 cancellation */
  assert_true(ov.value[ov.start[c]] == 153000);
  assert_true(ov.value[ov.start[c] + 1] == -275000);
  assert_true(ov.value[ov.start[0]] == 10000); /* 3 x 0.333333 = 0.999999, exact */
  assert_true(ov.time[ov.start[c]] % 86400 == 8 * 3600 + 26 * 60);
  patron_dataset_free(ds);
}

static void test_missing_columns_are_errors(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "o.csv", "customer_id,order_id,when,amount\n");
  patron_error err;
  assert_null(load(&o, PATRON_ERR_INPUT, &err));
  assert_non_null(strstr(err.message, "missing required column 'order_time'"));
  assert_non_null(strstr(err.message, "--map order_time=HEADER"));
  o.paths[PATRON_FILE_ORDERS] =
      fixture_file(0, "o.csv", "customer_id,order_id,order_time,quantity\n");
  assert_null(load(&o, PATRON_ERR_INPUT, &err));
  assert_non_null(strstr(err.message, "'amount' column, or both 'quantity' and 'unit_price'"));
  const char *bad_map[] = {"ordertime=When"};
  o.maps = bad_map;
  o.n_maps = 1;
  assert_null(load(&o, PATRON_ERR_USAGE, &err));
  assert_non_null(strstr(err.message, "unknown column name"));
  assert_non_null(strstr(err.message, "^"));
}

static void test_as_of_at_load(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv);
  assert_int_equal(patron_parse_day("2024-01-06", 10, &o.as_of_day), PATRON_OK);
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_int_equal(r->after_as_of, 2); /* c2's order on the 6th, c1's refund on the 9th */
  assert_balanced(r);
  assert_int_equal(patron_dataset_n_customers(ds), 1);
  patron_dataset_free(ds);
}

static void test_members_and_events(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "orders.csv", orders_csv);
  o.paths[PATRON_FILE_CUSTOMERS] =
      fixture_file(1, "customers.csv",
                   "customer_id,gender,birth_date,city,signup_date\n"
                   "c1,F,1990-02-01,Shanghai,2023-12-01\n"
                   "m9,M,,Beijing,2023-11-11\n"
                   "c1,F,1990-02-01,Shanghai,2023-12-01\n" /* duplicate */
                   "m8,,1980-13-01,,\n");                  /* bad birth date */
  o.paths[PATRON_FILE_EVENTS] = fixture_file(2, "events.csv",
                                             "customer_id,event_time,event_type,item_id\n"
                                             "v1,2024-01-02 10:00:00,view,sku1\n"
                                             "c1,2024-01-02 09:00:00,cart,sku1\n"
                                             "c1,2024-01-01 09:00:00,view,sku1\n"
                                             "c1,2024-01-01 09:00:00,,sku1\n");
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *m = patron_dataset_file_report(ds, PATRON_FILE_CUSTOMERS);
  assert_int_equal(m->rows_read, 4);
  assert_int_equal(m->rejected_by_reason[PATRON_REJECT_DUPLICATE_CUSTOMER], 1);
  assert_int_equal(m->rejected_by_reason[PATRON_REJECT_BAD_DATE], 1);
  assert_balanced(m);
  const patron_file_report *e = patron_dataset_file_report(ds, PATRON_FILE_EVENTS);
  assert_int_equal(e->rejected_by_reason[PATRON_REJECT_EMPTY_EVENT_TYPE], 1);
  assert_balanced(e);
  /* c1, c2 (orders), m9 (member), v1 (events) */
  assert_int_equal(patron_dataset_n_customers(ds), 4);
  patron_members_view mv;
  patron_dataset_members(ds, &mv);
  uint32_t m9 = patron_dataset_find_customer(ds, "m9", 2);
  assert_true(mv.is_member[m9]);
  assert_string_equal(patron_dataset_dict_value(ds, "city", mv.city[m9]), "Beijing");
  assert_int_equal(mv.birth_day[m9], PATRON_NO_DAY);
  patron_events_view ev;
  patron_dataset_events(ds, &ev);
  uint32_t c1 = patron_dataset_find_customer(ds, "c1", 2);
  assert_int_equal(ev.start[c1 + 1] - ev.start[c1], 2);
  assert_string_equal(patron_dataset_dict_value(ds, "event_type", ev.type[ev.start[c1]]), "view");
  assert_true(ev.time[ev.start[c1]] < ev.time[ev.start[c1] + 1]);
  patron_dataset_free(ds);
}

/* CDNOW's layout: no header, runs of blanks, YYYYMMDD dates, no order id. */
static void test_whitespace_no_header(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "cdnow.txt",
                                             " 00004 0001 19970101  2   29.33\r\n"
                                             " 00004 0001 19970101  1   10.00\r\n"
                                             " 00021 0002 19970101  3   63.34\r\n");
  o.delimiter = ' ';
  o.no_header = true;
  o.columns = "customer_id,sample_id,order_time,quantity,amount";
  o.date_format = "%Y%m%d";
  o.order_per_row = true;
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.n_orders, 3);
  assert_int_equal(patron_dataset_n_customers(ds), 2);
  assert_true(ov.value[0] == 293300);
  patron_dataset_free(ds);
}

/* An order whose lines sit at both ends of a file big enough for two workers. */
static void test_order_split_across_workers(void **state) {
  (void)state;
  size_t rows = 120000;
  size_t cap = rows * 48 + 256;
  char *text = malloc(cap), *p = text;
  p += sprintf(p, "customer_id,order_id,order_time,amount\nbig,o1,2024-01-01,1.25\n");
  for (size_t i = 0; i < rows; i++)
    p += sprintf(p, "cust%06zu,ord%06zu,2024-01-02 10:00:00,2.00\n", i % 1000, i);
  p += sprintf(p, "big,o1,2023-12-31,1.25\n");
  const char *path = fixture_file(0, "split.csv", text);
  free(text);
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = path;
  o.n_threads = 2;
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.n_orders, rows + 1);
  uint32_t big = patron_dataset_find_customer(ds, "big", 3);
  assert_int_equal(ov.start[big + 1] - ov.start[big], 1);
  assert_true(ov.value[ov.start[big]] == 25000);
  assert_int_equal(ov.n_lines[ov.start[big]], 2);
  assert_true(ov.time[ov.start[big]] == (int64_t)patron_days_from_civil(2023, 12, 31) * 86400);
  assert_int_equal(patron_dataset_n_customers(ds), 1001);
  patron_dataset_free(ds);
}

/* Every kept line points at an order of its own customer, and the lines of each order add
 * up to the order's value and line count. */
static void check_line_orders(const patron_dataset *ds) {
  patron_orders_view ov;
  patron_lines_view lv;
  patron_dataset_orders(ds, &ov);
  patron_dataset_lines(ds, &lv);
  patron_money *sum = calloc(ov.n_orders + 1, sizeof *sum);
  uint32_t *count = calloc(ov.n_orders + 1, sizeof *count);
  size_t n_customers = patron_dataset_n_customers(ds);
  for (size_t c = 0; c < n_customers; c++)
    for (uint32_t i = lv.start[c]; i < lv.start[c + 1]; i++) {
      uint32_t o = lv.order[i];
      assert_true(o >= ov.start[c] && o < ov.start[c + 1]);
      sum[o] += lv.amount[i];
      count[o]++;
    }
  for (size_t o = 0; o < ov.n_orders; o++) {
    assert_true(sum[o] == ov.value[o]);
    assert_int_equal(count[o], ov.n_lines[o]);
  }
  free(sum);
  free(count);
}

/* Orders whose lines are not adjacent, for a customer with few orders (list + Bloom mask)
 * and one with many (hash table past 32 orders), on one and on two workers. */
static void test_interleaved_orders(void **state) {
  (void)state;
  size_t filler = 100000, cap = filler * 48 + 20000;
  char *text = malloc(cap), *p = text;
  p += sprintf(p, "customer_id,order_id,order_time,amount\n");
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < 200; k++)
      p += sprintf(p, "heavy,h%03d,2024-01-%02d,1.00\n", k, 1 + k % 28);
    for (int k = 0; k < 5; k++)
      p += sprintf(p, "light,l%d,2024-02-0%d,2.00\n", k, 1 + k);
    if (pass == 0)
      for (size_t i = 0; i < filler; i++)
        p += sprintf(p, "f%06zu,x%06zu,2024-03-01 10:00:00,3.00\n", i, i);
  }
  const char *path = fixture_file(0, "interleaved.csv", text);
  free(text);
  for (int threads = 1; threads <= 3; threads++) { /* 3: a middle worker is merged by id */
    patron_load_options o;
    patron_load_options_init(&o);
    o.paths[PATRON_FILE_ORDERS] = path;
    o.n_threads = threads;
    o.keep_lines = true;
    patron_error err;
    patron_dataset *ds = load(&o, PATRON_OK, &err);
    check_line_orders(ds);
    patron_orders_view ov;
    patron_dataset_orders(ds, &ov);
    assert_int_equal(ov.n_orders, 200 + 5 + filler);
    uint32_t h = patron_dataset_find_customer(ds, "heavy", 5);
    uint32_t l = patron_dataset_find_customer(ds, "light", 5);
    assert_int_equal(ov.start[h + 1] - ov.start[h], 200);
    assert_int_equal(ov.start[l + 1] - ov.start[l], 5);
    for (uint32_t i = ov.start[h]; i < ov.start[h + 1]; i++) {
      assert_true(ov.value[i] == 20000);
      assert_int_equal(ov.n_lines[i], 2);
    }
    for (uint32_t i = ov.start[l]; i < ov.start[l + 1]; i++)
      assert_true(ov.value[i] == 40000);
    patron_dataset_free(ds);
  }
}

/* keep_lines: each line's attributes, grouped per customer and time-sorted; a bad discount
 * is a bad_number reject whether or not lines are kept. */
static void test_keep_lines(void **state) {
  (void)state;
  const char *text = "customer_id,order_id,order_time,amount,category,brand,channel,discount\n"
                     "c1,o2,2024-01-07,30,toys,acme,online,\n"
                     "c1,o1,2024-01-05,10,books,,offline,1.50\n"
                     "c1,o1,2024-01-05,20,toys,acme,offline,0\n"
                     "c2,o3,2024-01-06,5,books,zed,app,lots\n";
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "lines.csv", text);
  o.keep_lines = true;
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_BAD_NUMBER], 1);
  assert_true(patron_dataset_has_lines(ds));
  patron_lines_view lv;
  patron_dataset_lines(ds, &lv);
  assert_int_equal(lv.n_lines, 3);
  assert_int_equal(lv.start[1] - lv.start[0], 3);
  /* time order: the two o1 lines (file order kept for ties), then o2 */
  assert_true(lv.amount[0] == 100000 && lv.amount[1] == 200000 && lv.amount[2] == 300000);
  assert_true(lv.discount[0] == 15000 && lv.discount[2] == 0);
  assert_string_equal(patron_dataset_dict_value(ds, "category", lv.category[0]), "books");
  assert_string_equal(patron_dataset_dict_value(ds, "brand", lv.brand[0]), "");
  assert_string_equal(patron_dataset_dict_value(ds, "brand", lv.brand[1]), "acme");
  assert_string_equal(patron_dataset_dict_value(ds, "channel", lv.channel[2]), "online");
  patron_dataset_free(ds);
  o.keep_lines = false;
  ds = load(&o, PATRON_OK, &err);
  assert_false(patron_dataset_has_lines(ds));
  assert_int_equal(patron_dataset_file_report(ds, PATRON_FILE_ORDERS)->rows_rejected, 1);
  patron_dataset_free(ds);
}

/* item_id on order lines shares the "item" dictionary with events; each line knows its order. */
static void test_line_items(void **state) {
  (void)state;
  const char *orders = "customer_id,order_id,order_time,amount,item_id\n"
                       "c1,o1,2024-01-05,10,I1\n"
                       "c1,o2,2024-01-04,7,I2\n"
                       "c1,o1,2024-01-05,20,\n"
                       "c2,o1,2024-01-06,5,I2\n";
  const char *events = "customer_id,event_time,event_type,item_id\nc2,2024-01-01,view,I2\n";
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "items.csv", orders);
  o.paths[PATRON_FILE_EVENTS] = fixture_file(1, "item_events.csv", events);
  o.keep_lines = true;
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  check_line_orders(ds);
  patron_lines_view lv;
  patron_events_view ev;
  patron_dataset_lines(ds, &lv);
  patron_dataset_events(ds, &ev);
  assert_int_equal(lv.n_lines, 4);
  /* c1: o2 (2024-01-04) is order 0, o1 order 1 */
  assert_string_equal(patron_dataset_dict_value(ds, "item", lv.item[0]), "I2");
  assert_int_equal(lv.order[0], 0);
  assert_string_equal(patron_dataset_dict_value(ds, "item", lv.item[1]), "I1");
  assert_int_equal(lv.item[2], 0);
  assert_int_equal(lv.order[1], 1);
  assert_int_equal(lv.order[2], 1);
  assert_int_equal(lv.item[3], ev.item[0]);
  patron_dataset_free(ds);
}

/* One line per order (each row its own order, times out of order within a customer, ties
 * included): the lines follow the orders' grouping and time order, linked or not, on one
 * and on two workers, and keep their codes and discounts. */
static void test_one_line_per_order(void **state) {
  (void)state;
  size_t rows = 120000;
  char *text = malloc(rows * 64 + 128), *p = text;
  p += sprintf(p, "customer_id,order_id,order_time,amount,category,discount\n");
  for (size_t i = 0; i < rows; i++) {
    size_t s = i * 7919 % 100000, a = i % 50;
    p += sprintf(p, "c%03zu,o%06zu,2024-01-%02zu %02zu:%02zu:%02zu,%zu.00,k%zu,0.%02zu\n", i % 997,
                 i, 1 + s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60, a + 1, a % 5, a % 3);
  }
  const char *path = fixture_file(0, "one_line.csv", text);
  free(text);
  for (int variant = 0; variant < 4; variant++) {
    patron_load_options o;
    patron_load_options_init(&o);
    o.paths[PATRON_FILE_ORDERS] = path;
    o.n_threads = 1 + variant % 2;
    o.keep_lines = true;
    o.lines_unlinked = variant >= 2;
    patron_error err;
    patron_dataset *ds = load(&o, PATRON_OK, &err);
    patron_orders_view ov;
    patron_lines_view lv;
    patron_dataset_orders(ds, &ov);
    patron_dataset_lines(ds, &lv);
    assert_int_equal(lv.n_lines, rows);
    assert_int_equal(ov.n_orders, rows);
    for (size_t c = 0; c <= patron_dataset_n_customers(ds); c++)
      assert_int_equal(lv.start[c], ov.start[c]);
    for (size_t c = 0; c < patron_dataset_n_customers(ds); c++)
      for (uint32_t i = lv.start[c] + 1; i < lv.start[c + 1]; i++)
        assert_true(lv.time[i - 1] <= lv.time[i]);
    char want[8];
    for (size_t i = 0; i < rows; i++) {
      assert_true(lv.time[i] == ov.time[i] && lv.amount[i] == ov.value[i]);
      int64_t a = lv.amount[i] / PATRON_MONEY_SCALE - 1;
      snprintf(want, sizeof want, "k%d", (int)(a % 5));
      assert_string_equal(patron_dataset_dict_value(ds, "category", lv.category[i]), want);
      assert_true(lv.discount[i] == a % 3 * PATRON_MONEY_SCALE / 100);
      assert_int_equal(lv.brand[i], 0);
      assert_int_equal(lv.order[i], o.lines_unlinked ? 0 : i);
    }
    patron_dataset_free(ds);
  }
}

/* lines_amount_with_discount: the lines' amounts are kept when the file has a discount
 * column and read 0 when it has none; untimed lines of one line per order follow their
 * orders' time order (time 0), on one and on two workers. */
static void test_lines_amount_with_discount(void **state) {
  (void)state;
  static const char *const files[2] = {
      "customer_id,order_id,order_time,amount,discount\n"
      "a,o1,2024-01-03,5,1\nb,o2,2024-01-02,7,0\na,o3,2024-01-01,3,0\n",
      "customer_id,order_id,order_time,amount\n"
      "a,o1,2024-01-03,5\nb,o2,2024-01-02,7\na,o3,2024-01-01,3\n"};
  for (int variant = 0; variant < 4; variant++) {
    bool discount = variant < 2;
    patron_load_options o;
    patron_load_options_init(&o);
    o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "amounts.csv", files[discount ? 0 : 1]);
    o.n_threads = 1 + variant % 2;
    o.keep_lines = o.lines_unlinked = o.lines_untimed = o.lines_amount_with_discount = true;
    patron_error err;
    patron_dataset *ds = load(&o, PATRON_OK, &err);
    patron_lines_view lv;
    patron_dataset_lines(ds, &lv);
    assert_int_equal(lv.n_lines, 3);
    assert_int_equal(lv.start[1], 2); /* a: o3 then o1 */
    const int64_t want[3] = {3, 5, 7}, want_discount[3] = {0, 1, 0};
    for (size_t i = 0; i < 3; i++) {
      assert_true(lv.amount[i] == (discount ? want[i] * PATRON_MONEY_SCALE : 0));
      assert_true(lv.discount[i] == (discount ? want_discount[i] * PATRON_MONEY_SCALE : 0));
      assert_true(lv.time[i] == 0 && lv.order[i] == 0);
    }
    patron_dataset_free(ds);
  }
}

/* Physical lines are accounted (header + rows + blank + lines inside quotes), a stray quote
 * rejects only its own line, and the caller hears about it through opts->warn. */
static void collect_warning(void *ctx, const char *message) {
  char *buf = ctx;
  size_t used = strlen(buf);
  snprintf(buf + used, 2048 - used, "%s\n", message);
}

static void test_lines_and_stray_quote_warning(void **state) {
  (void)state;
  patron_load_options o;
  patron_load_options_init(&o);
  char warnings[2048] = "";
  o.warn = collect_warning;
  o.warn_ctx = warnings;
  o.max_field_lines = 2;
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "quotes.csv",
                                             "customer_id,order_id,order_time,amount\n"
                                             "a,\"o1\n\",2024-01-01,1\n" /* 2 lines, kept */
                                             "b,\"o2,2024-01-01,2\n"     /* line 4: stray */
                                             "c,o3,2024-01-02,3\n"
                                             "\n"
                                             "d,o4,2024-01-03,4\n"
                                             "e,o5\",2024-01-04,5"); /* no final newline */
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_balanced(r);
  assert_int_equal(r->rows_read, 5);
  assert_int_equal(r->rows_used, 4);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_RUNAWAY_QUOTE], 1);
  assert_int_equal(r->lines_read, 8);
  assert_int_equal(r->lines_in_quotes, 1);
  assert_int_equal(r->lines_read, 1 + r->rows_read + r->blank_lines + r->lines_in_quotes);
  patron_reject rj;
  patron_dataset_reject(ds, 0, &rj);
  assert_int_equal(rj.line, 4);
  assert_non_null(strstr(warnings, "quotes.csv:4: runaway_quote"));
  patron_dataset_free(ds);
}

/* gzip-compressed and GBK-encoded files load as their plain UTF-8 twin does. */
static void test_gzip_and_encoding(void **state) {
  (void)state;
  static const char text[] = "customer_id,order_id,order_time,amount,category\n"
                             "c1,o1,2024-01-05,10,\xe5\xa5\xb3\xe8\xa3\x85\n" /* 女装 */
                             "c2,o2,2024-01-06,20,x\n";
  const char *plain = fixture_file(0, "plain.csv", text);
  char gz[512], gbk[512], cmd[2048];
  snprintf(gz, sizeof gz, "%s.gz", plain);
  snprintf(gbk, sizeof gbk, "%s.gbk", plain);
  snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' && iconv -f UTF-8 -t GBK '%s' > '%s'", plain, gz,
           plain, gbk);
  assert_int_equal(system(cmd), 0); /* gzip and iconv (libc-bin) are part of every Debian */
  patron_load_options o;
  patron_load_options_init(&o);
  patron_error err;
  const char *paths[2] = {gz, gbk};
  const char *gbk_encoding[] = {"orders=gbk"};
  for (int i = 0; i < 2; i++) {
    o.paths[PATRON_FILE_ORDERS] = paths[i];
    o.encodings = i ? gbk_encoding : NULL;
    o.n_encodings = i ? 1 : 0;
    o.keep_lines = true;
    patron_dataset *ds = load(&o, PATRON_OK, &err);
    assert_int_equal(patron_dataset_file_report(ds, PATRON_FILE_ORDERS)->rows_used, 2);
    bool found = false;
    for (uint32_t c = 0; c < patron_dataset_dict_size(ds, "category"); c++)
      found |= strcmp(patron_dataset_dict_value(ds, "category", c), "女装") == 0;
    assert_true(found);
    patron_dataset_free(ds);
  }
  o.encodings = (const char *[]){"orders=no-such-encoding"};
  load(&o, PATRON_ERR_USAGE, &err);
  assert_non_null(strstr(err.message, "unknown encoding"));
}

/* Times through the loader's fast path and its fallbacks, hand-computed (2023-01-01 is
 * 1672531200 s): quoted times, CRLF line ends, a date repeated and changed, a leap second,
 * odd dates rejected, other layouts read by the general parser, negative amounts. */
static void test_time_fast_path_and_fallback(void **state) {
  (void)state;
  static const char csv[] = "customer_id,order_id,order_time,amount\r\n"
                            "a,1,2023-01-01 00:03:11,-5.25\r\n"
                            "a,2,\"2023-01-01 00:03:12\",1\r\n" /* quoted */
                            "a,3,2023-01-01T23:59:60,2\r\n"     /* leap second: next day 00:00 */
                            "a,4,2023-01-02 00:00:01,3\n"       /* LF among CRLF */
                            "b,5,2023-02-29 00:00:00,4\r\n"     /* line 6: no such day */
                            "b,6,2023-01-01 24:00:00,4\r\n"     /* line 7: no such hour */
                            "b,7,2023-01-01,-0.5\r\n"           /* the general parser */
                            "b,8, 2023-01-01 00:00:09 ,6\r\n"   /* blanks: general parser */
                            "b,9,2023-01-01 00:00:09+08:00,7\r\n"
                            "b,10,2023-01-01T00:00:10Z,8\r\n";
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = fixture_file(0, "fast.csv", csv);
  patron_error err;
  patron_dataset *ds = load(&o, PATRON_OK, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  assert_int_equal(r->rows_read, 10);
  assert_int_equal(r->rejected_by_reason[PATRON_REJECT_BAD_DATE], 2);
  assert_balanced(r);
  patron_reject rj;
  patron_dataset_reject(ds, 0, &rj);
  assert_int_equal(rj.line, 6);
  patron_dataset_reject(ds, 1, &rj);
  assert_int_equal(rj.line, 7);
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  assert_int_equal(ov.n_orders, 8);
  const int64_t day0 = 1672531200;
  const int64_t a_time[] = {day0 + 191, day0 + 192, day0 + 86400, day0 + 86401};
  const patron_money a_value[] = {-52500, 10000, 20000, 30000};
  for (int k = 0; k < 4; k++) {
    assert_true(ov.time[ov.start[0] + k] == a_time[k]);
    assert_true(ov.value[ov.start[0] + k] == a_value[k]);
  }
  const int64_t b_time[] = {day0, day0 + 9, day0 + 9, day0 + 10};
  const patron_money b_value[] = {-5000, 60000, 70000, 80000};
  for (int k = 0; k < 4; k++) {
    assert_true(ov.time[ov.start[1] + k] == b_time[k]);
    assert_true(ov.value[ov.start[1] + k] == b_value[k]);
  }
  patron_dataset_free(ds);
  /* with --date-format the fast path is off: the layout decides (day first here) */
  static const char dmy[] = "customer_id,order_id,order_time,amount\n"
                            "a,1,2023-02-01 00:00:00,1\n";
  o.paths[PATRON_FILE_ORDERS] = fixture_file(1, "dmy.csv", dmy);
  o.date_format = "%Y-%d-%m %H:%M:%S";
  ds = load(&o, PATRON_OK, &err);
  patron_dataset_orders(ds, &ov);
  assert_true(ov.time[0] == day0 + 86400); /* 2 January, not 1 February */
  patron_dataset_free(ds);
}

PATRON_TEST_MAIN(
    cmocka_unit_test(test_lines_and_stray_quote_warning), cmocka_unit_test(test_since_day),
    cmocka_unit_test(test_gzip_and_encoding), cmocka_unit_test(test_line_items),
    cmocka_unit_test(test_keep_lines), cmocka_unit_test(test_lines_amount_with_discount),
    cmocka_unit_test(test_interleaved_orders), cmocka_unit_test(test_orders_rejects_and_collapse),
    cmocka_unit_test(test_strict_names_file_and_line),
    cmocka_unit_test(test_map_and_quantity_price),
    cmocka_unit_test(test_missing_columns_are_errors), cmocka_unit_test(test_as_of_at_load),
    cmocka_unit_test(test_members_and_events), cmocka_unit_test(test_whitespace_no_header),
    cmocka_unit_test(test_order_split_across_workers), cmocka_unit_test(test_one_line_per_order),
    cmocka_unit_test(test_time_fast_path_and_fallback))
