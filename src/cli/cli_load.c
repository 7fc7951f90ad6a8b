/* Loading for every data command (SPEC section 4: every row accounted for): rejects.csv and
 * summary.json beside each command's outputs, and a clear failure when every order row was
 * rejected (the usual first mistake: dates in a layout that needs --date-format). */
#include "cli_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reasons of a file, most frequent first (at most 3), into order[]; returns how many. */
static int top_reasons(const patron_file_report *r, int order[3]) {
  int n = 0;
  for (int q = 0; q < PATRON_REJECT_COUNT; q++) {
    if (!r->rejected_by_reason[q])
      continue;
    int at = n < 3 ? n++ : 3;
    while (at > 0 && r->rejected_by_reason[order[at - 1]] < r->rejected_by_reason[q]) {
      if (at < 3)
        order[at] = order[at - 1];
      at--;
    }
    if (at < 3)
      order[at] = q;
  }
  return n;
}

static const char *hint(patron_reject_reason top) {
  switch (top) {
  case PATRON_REJECT_BAD_DATE:
    return "give the layout of the dates with --date-format, e.g. '%Y%m%d' for 19970101 or "
           "'%m/%d/%Y %H:%M' for 12/1/2010 8:26";
  case PATRON_REJECT_BAD_NUMBER:
  case PATRON_REJECT_TOO_MANY_FIELDS:
    return "check the delimiter (--delimiter) and the column mapping (--map NAME=HEADER)";
  case PATRON_REJECT_EMPTY_CUSTOMER_ID:
  case PATRON_REJECT_EMPTY_ORDER_ID:
    return "check the column mapping (--map NAME=HEADER) and --order-per-row";
  default: return "see rejects.csv for every rejected line";
  }
}

/* An example line of the top reason: FILE:LINE: reason in column 'C': raw (cut). */
static void print_example(const patron_dataset *ds, patron_reject_reason reason) {
  for (size_t i = 0; i < patron_dataset_n_rejects(ds); i++) {
    patron_reject r;
    patron_dataset_reject(ds, i, &r);
    if (r.file != PATRON_FILE_ORDERS || r.reason != reason)
      continue;
    int len = r.raw_len > 120 ? 120 : (int)r.raw_len;
    char raw[121];
    for (int k = 0; k < len; k++)
      raw[k] = (unsigned char)r.raw[k] < 0x20 ? ' ' : r.raw[k];
    raw[len] = '\0';
    fprintf(stderr, "  e.g. line %llu, column '%s': %s%s\n", (unsigned long long)r.line, r.column,
            raw, r.raw_len > 120 ? "..." : "");
    return;
  }
}

static int all_rejected(const char *command, const patron_dataset *ds, const char *rejects_path) {
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  int order[3];
  int n = top_reasons(r, order);
  fprintf(stderr, "patron %s: %s: every one of the %llu order rows was rejected (", command,
          r->path, (unsigned long long)r->rows_read);
  for (int i = 0; i < n; i++)
    fprintf(stderr, "%s%s %llu", i ? ", " : "", patron_reject_key((patron_reject_reason)order[i]),
            (unsigned long long)r->rejected_by_reason[order[i]]);
  fputs(")\n", stderr);
  if (n)
    print_example(ds, (patron_reject_reason)order[0]);
  fprintf(stderr, "  hint: %s\n", hint(n ? (patron_reject_reason)order[0] : PATRON_REJECT_COUNT));
  patron_error err = {0};
  if (rejects_path && patron_write_rejects_csv(ds, rejects_path, &err) == PATRON_OK)
    fprintf(stderr, "  every rejected line is in %s\n", rejects_path);
  return CLI_EXIT_FAIL;
}

/* Warnings about dates that make every figure misleading (the run goes on): an as-of on or
 * before every order, orders dated in the future, a latest order that stands alone
 * (a stray 2099 date puts the default as-of there and every customer looks churned). */
/* One warning: into the run (summary.json; the caller prints them) or on stderr. */
static void warn(const char *command, patron_run *run, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(const char *command, patron_run *run, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (run)
    patron_run_warn(run, "%s", msg);
  else
    fprintf(stderr, "patron %s: warning: %s\n", command, msg);
}

static void warn_dates(const char *command, patron_run *run, const patron_dataset *ds) {
  patron_orders_view v;
  patron_dataset_orders(ds, &v);
  int32_t given = patron_dataset_load_as_of(ds), as_of = patron_dataset_default_as_of(ds);
  char a[16], l[16];
  if (given != PATRON_NO_DAY)
    patron_format_day(given, a);
  if (!v.n_orders) {
    if (given != PATRON_NO_DAY && patron_dataset_file_report(ds, PATRON_FILE_ORDERS)->after_as_of)
      warn(command, run, "every order is dated on or after the as-of date %s: no order counts", a);
    return;
  }
  int64_t last = patron_dataset_max_order_time(ds);
  size_t last_year = 0;
  for (size_t i = 0; i < v.n_orders; i++)
    last_year += v.time[i] > last - 365 * 86400LL;
  patron_format_day(as_of, a), patron_format_day(patron_day_of_time(last), l);
  if (patron_day_of_time(last) > patron_day_of_time(time(NULL)) + 1)
    warn(command, run, "the latest order is dated %s, in the future%s", l,
         given == PATRON_NO_DAY ? "; give --as-of" : "");
  if (last_year * 1000 < v.n_orders && given == PATRON_NO_DAY)
    warn(command, run,
         "only %zu of %zu orders fall in the year before the latest order (%s): a stray "
         "date? The as-of date is %s (the day after it), so most customers look inactive; "
         "give --as-of",
         last_year, v.n_orders, l, a);
}

int cli_load(const char *command, const patron_load_options *o, const char *rejects_path,
             patron_run *run, patron_dataset **out) {
  patron_error err = {0};
  *out = NULL;
  patron_dataset *ds = NULL;
  if (patron_dataset_load(o, &ds, &err) != PATRON_OK)
    return cli_fail(command, &err);
  const patron_file_report *r = patron_dataset_file_report(ds, PATRON_FILE_ORDERS);
  if (r->rows_read > 0 && r->rows_used == 0) {
    int rc = all_rejected(command, ds, rejects_path);
    patron_dataset_free(ds);
    return rc;
  }
  warn_dates(command, run, ds);
  *out = ds;
  return CLI_EXIT_OK;
}

patron_status cli_write_accounting(const patron_dataset *ds, const patron_profile *profile,
                                   patron_run *run, const char *rejects_path,
                                   const char *summary_path, patron_error *err) {
  patron_status st = PATRON_OK;
  if (patron_dataset_n_rejects(ds))
    st = patron_write_rejects_csv(ds, rejects_path, err);
  else
    unlink(rejects_path); /* a stale rejects.csv from an earlier run would mislead */
  if (st == PATRON_OK)
    st = patron_write_run_summary_json(ds, profile, run, summary_path, err);
  return st;
}

patron_status cli_write_accounting_timed(const patron_dataset *ds, patron_timing *timings,
                                         size_t n_timings, const char *rejects_path,
                                         const char *summary_path, patron_error *err) {
  patron_run run;
  patron_run_init(&run);
  run.timings = timings, run.n_timings = n_timings;
  patron_status st = cli_write_accounting(ds, NULL, &run, rejects_path, summary_path, err);
  run.timings = NULL, run.n_timings = 0; /* the caller's; the run owns only its warnings */
  patron_run_free_contents(&run);
  return st;
}

const char *cli_sibling_path(char *buf, size_t cap, const char *file, const char *name) {
  const char *slash = strrchr(file, '/'), *dot = strrchr(file, '.');
  size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - file) : strlen(file);
  snprintf(buf, cap, "%.*s.%s", (int)stem, file, name);
  return buf;
}
