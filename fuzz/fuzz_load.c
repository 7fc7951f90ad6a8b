/* Fuzz harness for the loaders (patron_dataset_load: src/io/csv_scan.c, load_*.c).
 * Input: a flags byte (which file the data is: orders, customers or events; strict
 * differential; threads; as-of; run expansion up to 12 MiB; 1-vs-2-thread differential), a
 * preset byte (date format, --map, delimiter, no-header layouts of the real data sets), then
 * the file's bytes, written to a memfd and loaded by its /proc/self/fd path. Checks the
 * report arithmetic (rows read = used + rejected), the rejects list, the dataset's indexes,
 * that --strict fails exactly when rejects occur, and (files over 4 MiB are split between
 * threads) that two threads give exactly what one gives. */
#include "fuzz.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "patron/dataset.h"
#include "patron/trigger.h"

enum {
  F_KIND = 0x03,
  F_STRICT = 0x04,
  F_THREADS = 0x08,
  F_AS_OF = 0x10,
  F_EXPAND = 0x20,
  F_SPLIT = 0x40
};
enum { EXPAND_LIMIT = 12u << 20 };

typedef struct preset {
  const char *date_format;
  const char *maps[6];
  char delimiter;
  const char *columns; /* with no_header */
  bool order_per_row;
} preset;

static const preset presets[] = {
    {0},
    {.date_format = "%m/%d/%Y %H:%M"},
    {.maps = {"customer_id=CustomerID", "order_id=InvoiceNo", "order_time=InvoiceDate",
              "quantity=Quantity", "unit_price=UnitPrice"}},
    {.maps = {"order_time=date", "amount=dollar_value"},
     .delimiter = ' ',
     .date_format = "%Y%m%d",
     .order_per_row = true},
    {.delimiter = ' ',
     .columns = "customer_id,order_time,quantity,amount",
     .date_format = "%Y%m%d",
     .order_per_row = true},
    {.date_format = "%Y%m%d"},
    {.date_format = "%b %e %Y %I:%M %p"},
    {.date_format = "%d.%m.%Y", .delimiter = ';'},
    {.delimiter = '\t'},
    {.delimiter = '|', .date_format = "%F %T", .maps = {"events.event_type=action"}},
    {.date_format = "%j/%y", .maps = {"orders.amount=total", "customers.signup_date=joined"}},
    {.columns = "customer_id,order_id,order_time,amount", .date_format = "%d/%m/%y"},
};

static int input_fd = -1, orders_fd = -1;
static char input_path[64], orders_path[64];

static int open_memfd(const char *name, char *path, size_t cap) {
  int fd = memfd_create(name, 0);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  snprintf(path, cap, "/proc/self/fd/%d", fd);
  return fd;
}

static void put(int fd, const void *data, size_t len) {
  FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
  FUZZ_CHECK(len == 0 || pwrite(fd, data, len, 0) == (ssize_t)len, "pwrite failed");
}

/* The orders file used when the fuzz data is the customers or events file. */
static void put_fixed_orders(char delim) {
  char text[512];
  int n =
      snprintf(text, sizeof text,
               "customer_id%corder_id%corder_time%camount\n"
               "A%co1%c2020-01-05%c10.5\nB%co2%c2020-02-01%c-3\n17850.0%co3%c2010-12-01%c7\n",
               delim, delim, delim, delim, delim, delim, delim, delim, delim, delim, delim, delim);
  put(orders_fd, text, (size_t)n);
}

static void setup(void) {
  if (input_fd >= 0)
    return;
  input_fd = open_memfd("fuzz-input", input_path, sizeof input_path);
  orders_fd = open_memfd("fuzz-orders", orders_path, sizeof orders_path);
}

static void check_reports(const patron_dataset *ds, const patron_load_options *o) {
  uint64_t rejected = 0;
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *r = patron_dataset_file_report(ds, (patron_file_kind)k);
    FUZZ_CHECK(r->present == (o->paths[k] != NULL), "file %d presence", k);
    FUZZ_CHECK(r->rows_read == r->rows_used + r->rows_rejected,
               "file %d: read %lu != used %lu + rejected %lu", k, (unsigned long)r->rows_read,
               (unsigned long)r->rows_used, (unsigned long)r->rows_rejected);
    uint64_t by_reason = 0;
    for (int why = 0; why < PATRON_REJECT_COUNT; why++)
      by_reason += r->rejected_by_reason[why];
    FUZZ_CHECK(by_reason == r->rows_rejected, "file %d: reasons do not add up", k);
    FUZZ_CHECK(r->after_as_of <= r->rows_used, "file %d: after_as_of > used", k);
    FUZZ_CHECK(o->as_of_day != PATRON_NO_DAY || r->after_as_of == 0, "after_as_of without as-of");
    rejected += r->rows_rejected;
  }
  size_t n = patron_dataset_n_rejects(ds);
  FUZZ_CHECK(n == rejected, "%zu rejects listed, %lu counted", n, (unsigned long)rejected);
  patron_reject prev = {0};
  for (size_t i = 0; i < n; i++) {
    patron_reject r;
    patron_dataset_reject(ds, i, &r);
    FUZZ_CHECK(r.line >= 1 && r.raw_len <= 4096 && r.reason < PATRON_REJECT_COUNT && r.column &&
                   r.raw,
               "bad reject %zu", i);
    FUZZ_CHECK(i == 0 || r.file > prev.file || (r.file == prev.file && r.line >= prev.line),
               "rejects out of order at %zu", i);
    prev = r;
  }
}

/* Per-customer ranges: offsets from 0 to n_items, times sorted within each customer. */
static void check_csr(const uint32_t *start, const int64_t *time, size_t n_customers,
                      size_t n_items, const char *what) {
  FUZZ_CHECK(start[0] == 0 && start[n_customers] == n_items, "%s: bad CSR ends", what);
  for (size_t c = 0; c < n_customers; c++) {
    FUZZ_CHECK(start[c] <= start[c + 1], "%s: offsets decrease at %zu", what, c);
    for (uint32_t i = start[c] + 1; i < start[c + 1]; i++)
      FUZZ_CHECK(time[i - 1] <= time[i], "%s: times unsorted for customer %zu", what, c);
  }
}

typedef struct input_info {
  patron_file_kind kind;
  bool has_nul;
  uint64_t lines;    /* physical lines, when the file has no quotes (else 0) */
  uint64_t physical; /* physical lines (0 when unknown) */
} input_info;

static void check_dataset(const patron_dataset *ds, const patron_load_options *o,
                          const input_info *in) {
  check_reports(ds, o);
  const patron_file_report *fr = patron_dataset_file_report(ds, in->kind);
  uint64_t header = o->no_header ? 0 : 1;
  /* without quotes every line is the header, a row (used or rejected) or blank */
  FUZZ_CHECK(!in->lines || fr->rows_read + fr->blank_lines + header == in->lines,
             "%lu rows + %lu blank + header, but %lu lines", (unsigned long)fr->rows_read,
             (unsigned long)fr->blank_lines, (unsigned long)in->lines);
  /* every physical line is accounted for: header, a row's first line, blank, or inside quotes */
  FUZZ_CHECK(!in->physical || fr->lines_read == in->physical, "lines_read %lu of %lu lines",
             (unsigned long)fr->lines_read, (unsigned long)in->physical);
  FUZZ_CHECK(fr->lines_read >= fr->rows_read + fr->blank_lines + fr->lines_in_quotes + header,
             "lines_read %lu < rows %lu + blank %lu + in quotes %lu + header",
             (unsigned long)fr->lines_read, (unsigned long)fr->rows_read,
             (unsigned long)fr->blank_lines, (unsigned long)fr->lines_in_quotes);
  bool has_nul = in->has_nul;
  size_t n = patron_dataset_n_customers(ds);
  for (size_t c = 0; c < n; c++) {
    const char *id = patron_dataset_customer_id(ds, (uint32_t)c);
    FUZZ_CHECK(c == 0 || strcmp(patron_dataset_customer_id(ds, (uint32_t)c - 1), id) <= 0,
               "customers not sorted at %zu", c);
    if (!has_nul) /* an id with a NUL byte cannot be looked up by its C string */
      FUZZ_CHECK(patron_dataset_find_customer(ds, id, strlen(id)) == c, "find_customer(%s)", id);
  }
  patron_orders_view ov;
  patron_dataset_orders(ds, &ov);
  check_csr(ov.start, ov.time, n, ov.n_orders, "orders");
  uint64_t lines = 0;
  for (size_t i = 0; i < ov.n_orders; i++)
    lines += ov.n_lines[i];
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  FUZZ_CHECK(lines == r->rows_used - r->after_as_of, "order lines %lu, rows kept %lu",
             (unsigned long)lines, (unsigned long)(r->rows_used - r->after_as_of));
  if (patron_dataset_has_events(ds)) {
    patron_events_view ev;
    patron_dataset_events(ds, &ev);
    check_csr(ev.start, ev.time, n, ev.n_events, "events");
    r = patron_dataset_file_report(ds, PATRON_FILE_EVENTS);
    FUZZ_CHECK(ev.n_events == r->rows_used - r->after_as_of, "events kept");
  }
  if (patron_dataset_has_members(ds)) {
    patron_members_view mv;
    patron_dataset_members(ds, &mv);
    uint64_t members = 0;
    for (size_t c = 0; c < n; c++)
      members += mv.is_member[c];
    r = patron_dataset_file_report(ds, PATRON_FILE_CUSTOMERS);
    FUZZ_CHECK(members == r->rows_used, "%lu members, %lu rows used", (unsigned long)members,
               (unsigned long)r->rows_used);
  }
}

static patron_status load(const patron_load_options *o, patron_error *err, const input_info *in,
                          patron_dataset **out) {
  patron_dataset *ds = NULL;
  patron_error_clear(err);
  patron_status st = patron_dataset_load(o, &ds, err);
  *out = ds;
  if (st != PATRON_OK) {
    FUZZ_CHECK(!ds && err->status == st && err->message[0], "failed load left state behind");
    FUZZ_CHECK(st == PATRON_ERR_INPUT || st == PATRON_ERR_USAGE || st == PATRON_ERR_IO,
               "unexpected status %d: %s", st, err->message);
    return st;
  }
  check_dataset(ds, o, in);
  patron_contacts contacts; /* the contacts reader reads the customers file as the loader does */
  patron_error cerr = {0};
  patron_status cs = patron_contacts_load(o, ds, &contacts, &cerr);
  FUZZ_CHECK(cs == PATRON_OK || cs == PATRON_ERR_INPUT || cs == PATRON_ERR_IO, "contacts: %d: %s",
             cs, cerr.message);
  patron_contacts_free(&contacts);
  return st;
}

#define SAME_ARRAY(a, b, n) ((n) == 0 || memcmp((a), (b), (n) * sizeof *(a)) == 0)

static void compare_rejects(const patron_dataset *a, const patron_dataset *b) {
  size_t n = patron_dataset_n_rejects(a);
  FUZZ_CHECK(n == patron_dataset_n_rejects(b), "threads: %zu rejects vs %zu", n,
             patron_dataset_n_rejects(b));
  for (size_t i = 0; i < n; i++) {
    patron_reject x, y;
    patron_dataset_reject(a, i, &x);
    patron_dataset_reject(b, i, &y);
    FUZZ_CHECK(x.file == y.file && x.line == y.line && x.reason == y.reason &&
                   strcmp(x.column, y.column) == 0 && x.raw_len == y.raw_len &&
                   memcmp(x.raw, y.raw, x.raw_len) == 0,
               "threads: reject %zu differs (line %lu vs %lu)", i, (unsigned long)x.line,
               (unsigned long)y.line);
  }
}

/* Everything a load produces must not depend on the thread count. */
static void compare(const patron_dataset *a, const patron_dataset *b) {
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *x = patron_dataset_file_report(a, (patron_file_kind)k);
    const patron_file_report *y = patron_dataset_file_report(b, (patron_file_kind)k);
    FUZZ_CHECK(x->rows_read == y->rows_read && x->rows_used == y->rows_used &&
                   x->after_as_of == y->after_as_of && x->blank_lines == y->blank_lines &&
                   x->lines_read == y->lines_read && x->lines_in_quotes == y->lines_in_quotes &&
                   x->widest_record_line == y->widest_record_line &&
                   SAME_ARRAY(x->rejected_by_reason, y->rejected_by_reason, PATRON_REJECT_COUNT),
               "threads: file %d report differs (read %lu vs %lu)", k, (unsigned long)x->rows_read,
               (unsigned long)y->rows_read);
  }
  compare_rejects(a, b);
  size_t n = patron_dataset_n_customers(a);
  FUZZ_CHECK(n == patron_dataset_n_customers(b), "threads: customers differ");
  for (size_t c = 0; c < n; c++)
    FUZZ_CHECK(strcmp(patron_dataset_customer_id(a, (uint32_t)c),
                      patron_dataset_customer_id(b, (uint32_t)c)) == 0,
               "threads: customer %zu differs", c);
  patron_orders_view x, y;
  patron_dataset_orders(a, &x);
  patron_dataset_orders(b, &y);
  FUZZ_CHECK(x.n_orders == y.n_orders && SAME_ARRAY(x.start, y.start, n + 1) &&
                 SAME_ARRAY(x.time, y.time, x.n_orders) &&
                 SAME_ARRAY(x.value, y.value, x.n_orders) &&
                 SAME_ARRAY(x.n_lines, y.n_lines, x.n_orders),
             "threads: orders differ");
  FUZZ_CHECK(patron_dataset_max_order_time(a) == patron_dataset_max_order_time(b),
             "threads: max order time differs");
  FUZZ_CHECK(patron_dataset_has_events(a) == patron_dataset_has_events(b) &&
                 patron_dataset_has_members(a) == patron_dataset_has_members(b),
             "threads: files differ");
  if (patron_dataset_has_events(a)) {
    patron_events_view e, f;
    patron_dataset_events(a, &e);
    patron_dataset_events(b, &f);
    FUZZ_CHECK(e.n_events == f.n_events && SAME_ARRAY(e.start, f.start, n + 1) &&
                   SAME_ARRAY(e.time, f.time, e.n_events),
               "threads: events differ");
  }
  if (patron_dataset_has_members(a)) {
    patron_members_view m, w;
    patron_dataset_members(a, &m);
    patron_dataset_members(b, &w);
    FUZZ_CHECK(SAME_ARRAY(m.is_member, w.is_member, n) &&
                   SAME_ARRAY(m.signup_day, w.signup_day, n) &&
                   SAME_ARRAY(m.birth_day, w.birth_day, n),
               "threads: members differ");
  }
}

/* --strict must fail exactly when the lenient load rejected something, at that row. */
static void strict_differential(patron_load_options o, patron_status st,
                                const patron_dataset *lenient, const input_info *in) {
  o.strict = true;
  patron_error err;
  patron_dataset *ds;
  patron_status sst = load(&o, &err, in, &ds);
  size_t n_rejects = lenient ? patron_dataset_n_rejects(lenient) : 0;
  if (st != PATRON_OK) {
    FUZZ_CHECK(sst == st, "strict %d, lenient %d", sst, st);
  } else if (n_rejects == 0) {
    FUZZ_CHECK(sst == PATRON_OK && patron_dataset_n_rejects(ds) == 0,
               "strict failed without rejects: %s", err.message);
  } else {
    patron_reject first;
    patron_dataset_reject(lenient, 0, &first);
    FUZZ_CHECK(sst == PATRON_ERR_INPUT && err.line == first.line,
               "strict: status %d line %lu, first reject at line %lu", sst, (unsigned long)err.line,
               (unsigned long)first.line);
  }
  patron_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  setup();
  uint8_t flags = data[0];
  const preset *p = &presets[data[1] % (sizeof presets / sizeof presets[0])];
  patron_file_kind kind =
      (flags & F_KIND) == 3 ? PATRON_FILE_ORDERS : (patron_file_kind)(flags & F_KIND);
  patron_load_options o;
  patron_load_options_init(&o);
  o.date_format = p->date_format;
  o.delimiter = p->delimiter;
  o.maps = p->maps;
  while (o.n_maps < 6 && p->maps[o.n_maps])
    o.n_maps++;
  o.order_per_row = p->order_per_row;
  o.n_threads = flags & F_THREADS ? 2 : 1;
  if (flags & F_AS_OF)
    o.as_of_day = patron_days_from_civil(2011, 1, 1);
  if (kind == PATRON_FILE_ORDERS) {
    o.no_header = p->columns != NULL;
    o.columns = p->columns;
  } else {
    put_fixed_orders(o.delimiter ? o.delimiter : ',');
    o.paths[PATRON_FILE_ORDERS] = orders_path;
  }
  o.paths[kind] = input_path;
  size_t len = 0;
  char *text = fuzz_expand(data + 2, size - 2, flags & F_EXPAND, EXPAND_LIMIT, &len);
  if (!text)
    return 0;
  put(input_fd, text, len);
  input_info in = {.kind = kind, .has_nul = memchr(text, 0, len) != NULL};
  for (size_t i = 0; i < len; i++)
    in.physical += text[i] == '\n';
  in.physical += len && text[len - 1] != '\n';
  if (len >= 2 && (unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b)
    in.physical = 0; /* gzip: the lines are those of the decompressed text */
  if (!memchr(text, '"', len))
    in.lines = in.physical;
  free(text);

  patron_error err;
  patron_dataset *ds;
  patron_status st = load(&o, &err, &in, &ds);
  if (flags & F_SPLIT) {
    o.n_threads = o.n_threads == 1 ? 2 : 1;
    patron_error err2;
    patron_dataset *ds2;
    patron_status st2 = load(&o, &err2, &in, &ds2);
    FUZZ_CHECK(st2 == st && err2.line == err.line, "threads: status %d vs %d", st, st2);
    if (ds && ds2)
      compare(ds, ds2);
    patron_dataset_free(ds2);
  }
  if (flags & F_STRICT)
    strict_differential(o, st, ds, &in);
  patron_dataset_free(ds);
  return 0;
}
