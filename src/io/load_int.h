/* Shared machinery of the three loaders (orders, customers, events): resolving columns
 * from the header and the --map/--columns options, recording rejects, per-worker state,
 * and merging workers' customer ids and dictionaries into the dataset. */
#ifndef PATRON_LOAD_INT_H
#define PATRON_LOAD_INT_H

#include "core/dataset_int.h"
#include "io/io_int.h"

#define PATRON__MAX_COLUMNS 16

typedef struct load_file {
  patron_file_kind kind;
  const char *path;
  const patron_load_options *opts;
  patron__scan scan;
  size_t n_fields;                         /* fields every row must have */
  int field[PATRON__MAX_COLUMNS];          /* field index of each known column, -1 absent */
  const char *header[PATRON__MAX_COLUMNS]; /* its header text (owned by ds->names) */
  int64_t as_of_seconds;                   /* INT64_MAX when no as-of was given */
  int64_t since_seconds;                   /* orders: INT64_MIN when no since day was given */
  char found[256];                         /* the header names, for messages */
  const char *found_hint;                  /* a delimiter/encoding hint ("" when none) */
  const char *names[PATRON_EMPTY_COLUMNS]; /* the first header names (owned by ds->names) */
  /* customers: the extra columns kept as member attributes (field index, header name) */
  int extra_field[PATRON__MAX_EXTRA];
  const char *extra_name[PATRON__MAX_EXTRA];
  size_t n_extra;
} load_file;

typedef struct load_kind load_kind;

/* What every worker of every loader keeps (the first member of each loader's worker). */
typedef struct load_worker {
  const load_file *file;
  const load_kind *kind;
  int n_workers;
  patron__intern customers; /* local ids, scope 0 */
  uint32_t last_customer;   /* cache: rows of one customer are often adjacent */
  uint32_t last_len;        /* its id, when at most 32 bytes (NO_INDEX: none) */
  uint32_t last_tag;        /* the id's slot tag */
  uint64_t last_key;        /* the id's patron__short_key when at most 8 bytes */
  char last_id[32];         /* else its bytes */
  patron__intern dicts[PATRON__DICT_COUNT];
  patron__rejects rejects; /* lines relative to the worker's range */
  uint64_t rows_read, rows_used, after_as_of, before_since;
  uint64_t by_reason[PATRON_REJECT_COUNT];
  uint64_t line;          /* the row being read (worker-relative) */
  uint64_t not_utf8_line; /* first row with an id or category that is not UTF-8, 0: none */
  char not_utf8[48];      /* that value (escaped) */
  uint64_t empty[PATRON_EMPTY_COLUMNS]; /* empty cells per column, rows of the right width */
  bool oom;
} load_worker;

/* The CLV summary table (models/clv/clv_summary_load.c): a file kind known only to --map and column
 * resolution; the summary loader files its rows under its holder dataset's orders slot. */
#define PATRON__FILE_SUMMARY   ((patron_file_kind)PATRON_FILE_KINDS)
#define PATRON__FILE_KINDS_ALL (PATRON_FILE_KINDS + 1)

/* Known column names of each file kind, in the order of load_file.field. */
extern const char *const patron__column_names[PATRON__FILE_KINDS_ALL][PATRON__MAX_COLUMNS];

/* Opens the file, reads its header and resolves every known column. */
patron_status patron__load_open(load_file *f, patron_dataset *ds, patron_file_kind kind,
                                const patron_load_options *opts, patron_error *err);
/* The same for a file given by path (kind may be PATRON__FILE_SUMMARY). */
patron_status patron__load_open_path(load_file *f, patron_dataset *ds, patron_file_kind kind,
                                     const char *path, const patron_load_options *opts,
                                     patron_error *err);
/* Fails with a clear message when a required column is absent. */
patron_status patron__load_require(const load_file *f, int column, const char *hint,
                                   patron_error *err);

void patron__worker_init(load_worker *w, const load_file *f);
void patron__worker_free(load_worker *w);

/* Records a reject; returns false when the worker must stop (strict mode or no memory). */
/* rejects.csv raw text of a members file's record with its personal fields masked
 * (reject_mask.c): writes at most cap bytes into out, returns the length. */
size_t patron__masked_raw(const load_file *f, const patron__csv_record *rec, char *out, size_t cap);
/* Does the file have a personal-data column (name, phone, email, wechat_id)? */
bool patron__has_pii(const load_file *f);

bool patron__worker_reject(load_worker *w, const patron__csv_record *rec, uint64_t line, int column,
                           patron_reject_reason reason);
/* The syntax-error handler for patron__scan_run. */
bool patron__worker_syntax(void *ctx, const patron__csv_record *rec, uint64_t line,
                           patron__csv_status why);
/* Checks the field count (rejecting when wrong) and counts the row as read. */
bool patron__worker_row_ok(load_worker *w, const patron__csv_record *rec, uint64_t line,
                           bool *keep_going);

/* Local index of a customer id (cached for runs of the same id); NO_INDEX on OOM. */
uint32_t patron__worker_customer(load_worker *w, const patron__csv_field *id);
/* The same with the id's slot tag computed beforehand (patron__intern_tag, scope 0). */
uint32_t patron__worker_customer_tagged(load_worker *w, const patron__csv_field *id, uint32_t tag);
/* Dictionary code of a categorical value (0 for empty). */
uint32_t patron__worker_code(load_worker *w, patron__dict_id dict, const patron__csv_field *v);

/* Whether a parsed time lies in the plausible days (else reject as date_out_of_range). */
static inline bool patron__time_plausible(int64_t t) {
  return t >= (int64_t)PATRON_FIRST_PLAUSIBLE_DAY * 86400 &&
         t < ((int64_t)PATRON_LAST_PLAUSIBLE_DAY + 1) * 86400;
}

/* Parses a time field (order_time, event_time) per the options. */
bool patron__parse_time_field(const load_file *f, const patron__csv_field *v, int64_t *out);

/* Maps the worker's local customer ids (and dictionary codes) to the dataset's,
 * inserting new ones; *remap arrays are malloc'ed, caller frees. */
patron_status patron__merge_customers(patron_dataset *ds, load_worker *w, uint32_t **remap,
                                      patron_error *err);
patron_status patron__merge_dict(patron_dataset *ds, load_worker *w, patron__dict_id dict,
                                 uint32_t **remap, patron_error *err);

/* Adds the workers' counts and rejects (with file-wide line numbers) to the dataset and,
 * in strict mode, turns the first reject into the error. */
patron_status patron__merge_reports(patron_dataset *ds, load_file *f, load_worker **workers,
                                    patron__scan_worker *scan_workers, int n, patron_error *err);

int patron__load_threads(const patron_load_options *opts);

/* Hands a warning about file f to the caller's opts->warn (printf-style). */
void patron__load_warn(const load_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A kind of input file: how its workers are set up, fed and merged. */
struct load_kind {
  patron_file_kind kind;
  const char *stage;  /* progress label */
  size_t worker_size; /* the loader's worker struct, which starts with a load_worker */
  /* fails with a clear message when a required column is missing */
  patron_status (*check)(const load_file *f, patron_error *err);
  /* sets up the loader's part of a worker (the load_worker part is ready) */
  void (*init)(load_worker *w);
  /* frees the loader's part of a worker (not the load_worker part); may run twice */
  void (*free_data)(load_worker *w);
  patron__row_fn row;
  /* merges the workers' data into ds in file order; may add rejects to the workers */
  patron_status (*merge)(patron_dataset *ds, load_file *f, load_worker **w, int n,
                         patron_error *err);
};

/* Loads one file: open, resolve columns, scan on worker threads, merge, account. */
patron_status patron__load_file(patron_dataset *ds, const patron_load_options *opts,
                                const load_kind *kind, patron_error *err);

/* The three loaders, run in this order by patron_dataset_load. */
patron_status patron__load_orders(patron_dataset *ds, const patron_load_options *opts,
                                  patron_error *err);
patron_status patron__load_members(patron_dataset *ds, const patron_load_options *opts,
                                   patron_error *err);
patron_status patron__load_events(patron_dataset *ds, const patron_load_options *opts,
                                  patron_error *err);

#endif
