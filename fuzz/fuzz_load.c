/* Fuzz harness for the loaders (patron_dataset_load: src/io/csv_scan.c, load_*.c).
 * Input: a flags byte (which file the data is: orders, customers or events; strict
 * differential; threads; as-of), a preset byte (date format, --map, delimiter, no-header
 * layouts of the real data sets), then the file's bytes, written to a memfd and loaded by
 * its /proc/self/fd path. Checks the report arithmetic (rows read = used + rejected), the
 * rejects list, the dataset's indexes, and that --strict fails exactly when rejects occur. */
#include "fuzz.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "patron/dataset.h"

enum { F_KIND = 0x03, F_STRICT = 0x04, F_THREADS = 0x08, F_AS_OF = 0x10 };

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
    {.maps = {"order_time=date", "amount=dollar_value"}, .delimiter = ' ',
     .date_format = "%Y%m%d", .order_per_row = true},
    {.delimiter = ' ', .columns = "customer_id,order_time,quantity,amount",
     .date_format = "%Y%m%d", .order_per_row = true},
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
  int n = snprintf(text, sizeof text,
                   "customer_id%corder_id%corder_time%camount\n"
                   "A%co1%c2020-01-05%c10.5\nB%co2%c2020-02-01%c-3\n17850.0%co3%c2010-12-01%c7\n",
                   delim, delim, delim, delim, delim, delim, delim, delim, delim, delim, delim,
                   delim);
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

static void check_dataset(const patron_dataset *ds, const patron_load_options *o, bool has_nul) {
  check_reports(ds, o);
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

static patron_status load(const patron_load_options *o, patron_error *err, size_t *n_rejects,
                          patron_reject *first, bool has_nul) {
  patron_dataset *ds = NULL;
  patron_error_clear(err);
  patron_status st = patron_dataset_load(o, &ds, err);
  if (st != PATRON_OK) {
    FUZZ_CHECK(!ds && err->status == st && err->message[0], "failed load left state behind");
    FUZZ_CHECK(st == PATRON_ERR_INPUT || st == PATRON_ERR_USAGE || st == PATRON_ERR_IO,
               "unexpected status %d: %s", st, err->message);
    return st;
  }
  check_dataset(ds, o, has_nul);
  *n_rejects = patron_dataset_n_rejects(ds);
  if (*n_rejects)
    patron_dataset_reject(ds, 0, first);
  patron_dataset_free(ds);
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  setup();
  uint8_t flags = data[0];
  const preset *p = &presets[data[1] % (sizeof presets / sizeof presets[0])];
  patron_file_kind kind = (flags & F_KIND) == 3 ? PATRON_FILE_ORDERS : (patron_file_kind)(flags & F_KIND);
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
  put(input_fd, data + 2, size - 2);
  bool has_nul = memchr(data + 2, 0, size - 2) != NULL;

  patron_error err;
  size_t n_rejects = 0;
  patron_reject first = {0};
  patron_status st = load(&o, &err, &n_rejects, &first, has_nul);
  if (!(flags & F_STRICT))
    return 0;
  /* --strict must fail exactly when the lenient load rejected something, at that row */
  o.strict = true;
  patron_error serr;
  size_t s_rejects = 0;
  patron_reject s_first = {0};
  patron_status sst = load(&o, &serr, &s_rejects, &s_first, has_nul);
  if (st != PATRON_OK) {
    FUZZ_CHECK(sst == st, "strict %d, lenient %d", sst, st);
  } else if (n_rejects == 0) {
    FUZZ_CHECK(sst == PATRON_OK && s_rejects == 0, "strict failed without rejects: %s",
               serr.message);
  } else {
    FUZZ_CHECK(sst == PATRON_ERR_INPUT && serr.line == first.line,
               "strict: status %d line %lu, first reject at line %lu", sst,
               (unsigned long)serr.line, (unsigned long)first.line);
  }
  return 0;
}
