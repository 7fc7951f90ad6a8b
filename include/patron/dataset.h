/* The dataset: everything loaded from a company's exports, held as columns.
 * Customers are interned ids sorted by id (byte order), so customer index order is output
 * order. Orders are collapsed from order lines at load (one order = one customer, the time
 * of its first line, the sum of its lines' amounts) and reachable per customer as a
 * contiguous, time-sorted range (CSR). Events likewise. See SPEC section 1 for the files. */
#ifndef PATRON_DATASET_H
#define PATRON_DATASET_H

#include "patron/error.h"
#include "patron/parse.h"
#include "patron/run.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct patron_dataset patron_dataset;

typedef enum patron_file_kind {
  PATRON_FILE_ORDERS,
  PATRON_FILE_CUSTOMERS,
  PATRON_FILE_EVENTS,
  PATRON_FILE_KINDS
} patron_file_kind;

/* Why a row was rejected. X(name, key): the key is used in rejects.csv and summary.json.
 * Append-only. */
#define PATRON_REJECT_LIST(X)                                                                      \
  X(PATRON_REJECT_FIELD_COUNT, "wrong_field_count")                                                \
  X(PATRON_REJECT_UNTERMINATED_QUOTE, "unterminated_quote")                                        \
  X(PATRON_REJECT_TEXT_AFTER_QUOTE, "text_after_quote")                                            \
  X(PATRON_REJECT_TOO_LONG, "record_too_long")                                                     \
  X(PATRON_REJECT_TOO_MANY_FIELDS, "too_many_fields")                                              \
  X(PATRON_REJECT_EMPTY_CUSTOMER_ID, "empty_customer_id")                                          \
  X(PATRON_REJECT_EMPTY_ORDER_ID, "empty_order_id")                                                \
  X(PATRON_REJECT_BAD_DATE, "bad_date")                                                            \
  X(PATRON_REJECT_BAD_NUMBER, "bad_number")                                                        \
  X(PATRON_REJECT_DUPLICATE_CUSTOMER, "duplicate_customer_id")                                     \
  X(PATRON_REJECT_EMPTY_EVENT_TYPE, "empty_event_type")                                            \
  X(PATRON_REJECT_IMPOSSIBLE_SUMMARY, "impossible_summary")                                        \
  X(PATRON_REJECT_RUNAWAY_QUOTE, "runaway_quote")                                                  \
  X(PATRON_REJECT_DATE_OUT_OF_RANGE, "date_out_of_range")

typedef enum patron_reject_reason {
#define PATRON_X_ENUM(name, key) name,
  PATRON_REJECT_LIST(PATRON_X_ENUM)
#undef PATRON_X_ENUM
      PATRON_REJECT_COUNT
} patron_reject_reason;

PATRON_API const char *patron_reject_key(patron_reject_reason reason);

typedef struct patron_load_options {
  const char *paths[PATRON_FILE_KINDS]; /* orders required; the others NULL when absent */
  /* "NAME=HEADER" or "FILE.NAME=HEADER" (FILE: orders, customers, events): the default
   * column NAME is found under HEADER. Unknown NAMEs are usage errors. */
  const char *const *maps;
  size_t n_maps;
  char delimiter;          /* 0: by extension (.tsv = tab, else ','); ' ' = runs of blanks */
  bool no_header;          /* with `columns`: the files have no header row */
  const char *columns;     /* comma-separated names of the columns, by position */
  const char *date_format; /* strptime-style layout, NULL for the ISO layouts */
  bool order_per_row;      /* no order_id column: each row is its own order */
  bool strict;             /* first bad row is an error */
  /* A quoted field holding more line breaks or bytes than this is a runaway quote: its line
   * is rejected and reading resumes on the next line. 0: 100 lines, 64 KiB; bytes are
   * capped at the record limit (1 MiB). */
  uint32_t max_field_lines, max_field_bytes;
  /* Text encodings, "ENC" for every file or "FILE=ENC" (FILE: orders, customers, events,
   * summary) for one: any iconv name (gbk, gb18030, latin1...); files are converted to
   * UTF-8 as they are read. NULL/0: UTF-8. */
  const char *const *encodings;
  size_t n_encodings;
  /* Called with each warning (a stray quote, a suspicious span...); NULL: none reported. */
  void (*warn)(void *ctx, const char *message);
  void *warn_ctx;
  bool amount_optional; /* an orders file without amount (or quantity and unit_price) is read:
                           every order is worth 0 (see patron_dataset_has_amounts) */
  bool keep_lines;      /* keep order lines (time, amount, discount, category, brand,
                           channel, store) for models that need them; off by default */
  bool lines_unlinked;  /* with keep_lines: leave out each line's order index (the lines
                           view's `order` is then all 0), for models that read lines per
                           customer only; saves a column and its relinking */
  bool lines_untimed;   /* with keep_lines: leave out each line's time (the lines view's `time`
                           is then all 0, and a customer's lines in no set order), for
                           models that read every line of a customer, all of which fall
                           before the dataset's as-of day; saves a column and its sorting */
  bool lines_amount_with_discount; /* with keep_lines: keep the lines' amounts only when the
                           file has a discount column (the lines view's `amount` is all 0
                           otherwise), for models that read line amounts only beside their
                           discounts (the churn and propensity features) */
  int32_t as_of_day;               /* PATRON_NO_DAY: every row is kept (as-of decided later) */
  /* Order lines dated before this day are read, checked and counted (before_since) but
   * kept out of the dataset, customers included: for a computation over a period only
   * (experiment evaluation). PATRON_NO_DAY: none. Events and members are not filtered. */
  int32_t since_day;
  int n_threads; /* 0: all online cores */
  /* A directory for the dataset cache (docs/CACHE.md): the loaded dataset is kept there and
   * read back, instead of parsing the files, while the files and these options stay the
   * same (same dataset either way). NULL: no cache. cache_note (NULL: silent) hears when a
   * cache file is written, rebuilt (and why) or cannot be used. */
  const char *cache_dir;
  void (*cache_note)(void *ctx, const char *message);
  void *cache_note_ctx;
  patron_progress_fn progress;
  void *progress_ctx;
} patron_load_options;

PATRON_API void patron_load_options_init(patron_load_options *opts);

/* Loads the files. On success *out owns everything (free with patron_dataset_free).
 * Bad rows are rejected and counted (see patron_dataset_file_report); with opts->strict
 * the first bad row is a PATRON_ERR_INPUT naming file, line and reason. Missing required
 * columns, empty or unreadable files: PATRON_ERR_INPUT / PATRON_ERR_IO naming the file.
 * Bad options (maps, format): PATRON_ERR_USAGE. */
PATRON_API patron_status patron_dataset_load(const patron_load_options *opts, patron_dataset **out,
                                             patron_error *err);
PATRON_API void patron_dataset_free(patron_dataset *ds);

/* Columns whose empty cells are counted per input file (the first of the header). */
#define PATRON_EMPTY_COLUMNS 64

/* What happened to each input file. Rows read = rows used + rows rejected; after_as_of
 * counts the used rows dated on or after the as-of day given at load (kept out of every
 * figure). Blank lines are not rows. Physical lines: lines_read = header lines + rows_read
 * + blank_lines + lines_in_quotes, where lines_in_quotes counts the lines past the first of
 * records spanning several lines (line breaks inside quoted fields); widest_record_line is
 * where the record spanning the most lines (widest_record_lines) starts. */
typedef struct patron_file_report {
  bool present;
  const char *path;
  uint64_t rows_read, rows_used, rows_rejected, after_as_of, blank_lines;
  uint64_t before_since; /* used rows dated before the since day given at load (kept out) */
  uint64_t rejected_by_reason[PATRON_REJECT_COUNT];
  uint64_t lines_read, lines_in_quotes, widest_record_line, widest_record_lines;
  /* Empty cells per column (the first PATRON_EMPTY_COLUMNS columns of the header), over the
   * data rows with the right number of fields: the data-quality figures of monitoring. */
  size_t n_columns;
  const char *columns[PATRON_EMPTY_COLUMNS]; /* header names (owned by the dataset) */
  uint64_t empty_cells[PATRON_EMPTY_COLUMNS];
} patron_file_report;

PATRON_API const patron_file_report *patron_dataset_file_report(const patron_dataset *ds,
                                                                patron_file_kind kind);

typedef struct patron_reject {
  patron_file_kind file;
  uint64_t line;      /* physical line where the record starts */
  const char *column; /* header name of the offending column, "" when none */
  patron_reject_reason reason;
  const char *raw; /* the record's text (cut at 4096 bytes) */
  size_t raw_len;
} patron_reject;

/* Rejects in file order (orders, customers, events; by line within a file). */
PATRON_API size_t patron_dataset_n_rejects(const patron_dataset *ds);
PATRON_API void patron_dataset_reject(const patron_dataset *ds, size_t i, patron_reject *out);

/* Customers: every id seen in any file, sorted by id (byte order). */
PATRON_API size_t patron_dataset_n_customers(const patron_dataset *ds);
PATRON_API const char *patron_dataset_customer_id(const patron_dataset *ds, uint32_t customer);
/* Index of a customer id, or UINT32_MAX. */
PATRON_API uint32_t patron_dataset_find_customer(const patron_dataset *ds, const char *id,
                                                 size_t len);

/* Orders grouped by customer: customer c's orders are [start[c], start[c+1]), by time. */
typedef struct patron_orders_view {
  size_t n_orders;
  const uint32_t *start;     /* n_customers + 1 offsets */
  const int64_t *time;       /* seconds since epoch of the order's first line */
  const patron_money *value; /* sum of the order's line amounts */
  const uint32_t *n_lines;
} patron_orders_view;

PATRON_API void patron_dataset_orders(const patron_dataset *ds, patron_orders_view *out);

/* Dates a loader accepts: 1900-01-01 to 2199-12-31 (sentinels such as 0001-01-01 or
 * 9999-12-31 are rejected as date_out_of_range, so no span or as-of runs absurd). */
#define PATRON_FIRST_PLAUSIBLE_DAY (-25567) /* 1900-01-01 */
#define PATRON_LAST_PLAUSIBLE_DAY  84005    /* 2199-12-31 */

/* Latest time of any used order row (INT64_MIN when there is none). */
PATRON_API int64_t patron_dataset_max_order_time(const patron_dataset *ds);
/* False when the orders file had no amount column (read with amount_optional). */
PATRON_API bool patron_dataset_has_amounts(const patron_dataset *ds);
/* The as-of day given at load, or PATRON_NO_DAY. */
PATRON_API int32_t patron_dataset_load_as_of(const patron_dataset *ds);
/* The as-of day of a run that names none (SPEC section 2), the one rule every command
 * uses: the as-of given at load, else the day after the latest order, else PATRON_NO_DAY
 * (no usable order row). */
PATRON_API int32_t patron_dataset_default_as_of(const patron_dataset *ds);

/* Members (customers file): per customer, PATRON_NO_DAY / 0 when unknown. Attribute codes
 * index the dictionaries below (code 0 = empty). */
typedef struct patron_members_view {
  const uint8_t *is_member;
  const int32_t *signup_day, *birth_day;
  const uint32_t *gender, *city, *level;
} patron_members_view;

PATRON_API bool patron_dataset_has_members(const patron_dataset *ds);

/* The members file's extra columns: every column beyond SPEC section 1's (customer_id,
 * name, phone, email, wechat_id, gender, birth_date, city, signup_date, level), e.g.
 * consent_sms, timezone or an attribute of the user's own, in file order (at most 32).
 * Per customer: text (NULL = empty); number when every non-empty value of the column is a
 * decimal number (NaN = empty), else NULL. */
typedef struct patron_member_column {
  const char *name;
  const char *const *text;
  const double *number;
} patron_member_column;

PATRON_API size_t patron_dataset_n_member_columns(const patron_dataset *ds);
PATRON_API void patron_dataset_member_column(const patron_dataset *ds, size_t i,
                                             patron_member_column *out);
PATRON_API void patron_dataset_members(const patron_dataset *ds, patron_members_view *out);

/* Events grouped by customer like orders. */
typedef struct patron_events_view {
  size_t n_events;
  const uint32_t *start;
  const int64_t *time;
  const uint32_t *type;     /* code in the "event_type" dictionary */
  const uint32_t *category; /* code in the "category" dictionary, 0 = none */
  const uint32_t *item;     /* code in the "item" dictionary, 0 = none */
} patron_events_view;

PATRON_API bool patron_dataset_has_events(const patron_dataset *ds);
PATRON_API void patron_dataset_events(const patron_dataset *ds, patron_events_view *out);

/* Order lines (with keep_lines): grouped per customer like orders, time-sorted (in no set
 * order, with time 0, when loaded with lines_untimed). Lines of refunds have negative
 * amounts. discount is 0 when the file has no discount column. */
typedef struct patron_lines_view {
  size_t n_lines;
  const uint32_t *start;
  const int64_t *time;
  const patron_money *amount, *discount;
  const uint32_t *category, *brand, *channel, *store; /* dictionary codes, 0 = none */
  const uint32_t *item;  /* code in the "item" dictionary (shared with events), 0 = none */
  const uint32_t *order; /* index of the line's order in patron_orders_view */
} patron_lines_view;

PATRON_API bool patron_dataset_has_lines(const patron_dataset *ds);
PATRON_API void patron_dataset_lines(const patron_dataset *ds, patron_lines_view *out);

/* Dictionaries of categorical values: "event_type", "category" (shared by events and order
 * lines), "item", "gender", "city", "level", "brand", "channel", "store". Code 0 is always ""
 * (none). Unknown dictionary names have size 0. */
PATRON_API size_t patron_dataset_dict_size(const patron_dataset *ds, const char *dict);
PATRON_API const char *patron_dataset_dict_value(const patron_dataset *ds, const char *dict,
                                                 uint32_t code);

#endif
