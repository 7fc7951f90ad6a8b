/* The dataset's insides, shared by the loaders (src/io) that fill it and the accessors
 * (src/core/dataset.c) that expose it read-only. */
#ifndef PATRON_DATASET_INT_H
#define PATRON_DATASET_INT_H

#include "core/intern.h"
#include "core/order_set.h"
#include "patron/dataset.h"

typedef enum patron__dict_id {
  PATRON__DICT_EVENT_TYPE,
  PATRON__DICT_CATEGORY,
  PATRON__DICT_ITEM,
  PATRON__DICT_GENDER,
  PATRON__DICT_CITY,
  PATRON__DICT_LEVEL,
  PATRON__DICT_BRAND,
  PATRON__DICT_CHANNEL,
  PATRON__DICT_STORE,
  PATRON__DICT_COUNT
} patron__dict_id;

extern const char *const patron__dict_names[PATRON__DICT_COUNT];

/* Order lines kept with keep_lines: parallel columns, in file order while loading. `order`
 * is the line's order: a worker's local index, then the dataset's order_set index after the
 * merge, then the CSR order index after finalize. Columns named in `absent` (the file has
 * no such column, `order` when the lines are loaded unlinked, `time` when untimed, `amount`
 * when the amounts are kept only beside a discount column the file lacks) stay NULL
 * while loading and become zero columns at finalize (patron__line_store_fill_absent), whose
 * pages are never written. */
typedef struct patron__line_store {
  uint32_t *customer, *order, *category, *brand, *channel, *store, *item;
  int64_t *time;
  patron_money *amount, *discount;
  size_t n, cap;
  size_t first_cap; /* the first allocation's lines (patron__line_store_hint), 0: 4096 */
  unsigned absent;  /* PATRON__LINE_* bits */
} patron__line_store;

enum {
  PATRON__LINE_CATEGORY = 1,
  PATRON__LINE_BRAND = 2,
  PATRON__LINE_CHANNEL = 4,
  PATRON__LINE_STORE = 8,
  PATRON__LINE_ITEM = 16,
  PATRON__LINE_DISCOUNT = 32,
  PATRON__LINE_ORDER = 64,
  PATRON__LINE_TIME = 128,
  PATRON__LINE_AMOUNT = 256
};

/* codes: category, brand, channel, store, item (dictionary codes); absent columns' values
 * are not stored. */
bool patron__line_store_push(patron__line_store *s, uint32_t customer, uint32_t order, int64_t time,
                             patron_money amount, patron_money discount, const uint32_t codes[5]);
/* Sizes the first allocation for about n lines: address space only (pages are touched as
 * lines arrive), and no moving of grown columns, whose huge pages would be split. */
void patron__line_store_hint(patron__line_store *s, size_t n);
/* Sets the number of lines to n, growing the columns when needed (new lines are
 * unwritten); false when out of memory. */
bool patron__line_store_resize(patron__line_store *s, size_t n);
/* Gives each absent column (and any column never allocated, when there are no lines) n
 * zeros (calloc'd: pages only read cost no page zeroing); false when out of memory. */
bool patron__line_store_fill_absent(patron__line_store *s);
void patron__line_store_free(patron__line_store *s);

typedef struct patron__reject_rec {
  uint64_t line;
  const char *column; /* points at a static or header string owned by the dataset */
  const char *raw;
  const char *value; /* the offending field (cut at 200 bytes), "" when none */
  uint32_t raw_len;
  uint8_t reason;
  uint8_t file;
} patron__reject_rec;

typedef struct patron__rejects {
  patron__reject_rec *items;
  size_t n, cap;
  patron__arena text;
} patron__rejects;

/* Extra member columns kept (more are ignored). */
#define PATRON__MAX_EXTRA 32

struct patron_dataset {
  /* while loading: customers and orders in order of first appearance */
  patron__intern customers; /* scope 0 */
  order_set orders;         /* customers numbered by first appearance */
  int64_t max_order_time;
  int32_t load_as_of;
  bool no_amounts; /* the orders file had no amount column (amount_optional) */
  int n_threads;   /* for finalize (patron__exec_*): the load's, 0 = all cores */

  /* members (customers file), indexed by first-appearance customer index while loading */
  uint8_t *is_member;
  int32_t *signup_day, *birth_day;
  uint32_t *member_attr[3]; /* gender, city, level codes */
  size_t member_cap;
  /* the members file's extra columns (beyond SPEC section 1's), per customer: texts
   * (NULL = empty, strings in names); numbers when every value is one (NaN = empty) */
  size_t n_extra;
  const char *extra_name[PATRON__MAX_EXTRA];
  const char **extra[PATRON__MAX_EXTRA];
  double *extra_num[PATRON__MAX_EXTRA];
  bool has_members;

  /* events, in file order while loading */
  uint32_t *event_customer, *event_type, *event_category, *event_item;
  int64_t *event_time;
  size_t n_events, event_cap;
  bool has_events;

  patron__line_store lines;
  bool has_lines;

  patron__intern dicts[PATRON__DICT_COUNT];

  /* after finalize: customers sorted by id, CSR indexes */
  size_t n_customers;
  const char **ids; /* sorted */
  uint32_t *id_len;
  uint32_t *order_start; /* n_customers + 1 */
  int64_t *order_time;   /* CSR order, built from `orders` */
  patron_money *order_value;
  uint32_t *order_lines;
  uint32_t *event_start; /* n_customers + 1 */
  uint32_t *line_start;  /* n_customers + 1 */
  size_t n_orders;

  patron_file_report reports[PATRON_FILE_KINDS];
  char *paths[PATRON_FILE_KINDS];
  patron__rejects rejects;
  patron__arena names; /* header names referenced by rejects */
  /* read from a dataset cache (src/io/dataset_cache.c): the columns and strings point into
   * this mapping of the file (munmap'ed by patron_dataset_free when cache_mapped; a
   * borrowed buffer otherwise) */
  const void *cache_map;
  size_t cache_map_len;
  bool cache_mapped;
};

/* munmap of a cache file's mapping. */
void patron__dataset_unmap(const void *map, size_t len);

/* Makes sure per-customer member arrays cover n customers (zero-filled). */
bool patron__dataset_reserve_members(patron_dataset *ds, size_t n);
/* Declares the members file's extra columns (names owned by ds->names; at most
 * PATRON__MAX_EXTRA) before its rows are merged; false when out of memory. */
bool patron__dataset_add_extras(patron_dataset *ds, const char *const *names, size_t n);
/* Sorts customers by id, builds the CSR indexes; frees load-time tables. */
patron_status patron__dataset_finalize(patron_dataset *ds, patron_error *err);

#endif
