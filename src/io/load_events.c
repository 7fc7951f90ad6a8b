/* The events loader: behaviour rows (customer_id, event_time, event_type, optional item_id
 * and category) into columns; types, items and categories become dictionary codes. */
#include "io/load_int.h"

#include <stdlib.h>
#include <string.h>

enum { E_CUSTOMER, E_TIME, E_TYPE, E_ITEM, E_CATEGORY };

typedef struct events_worker {
  load_worker base;
  uint32_t *customer, *type, *category, *item;
  int64_t *time;
  size_t n, cap;
} events_worker;

static void events_init(load_worker *b) { (void)b; }

static void events_free_data(load_worker *b) {
  events_worker *w = (events_worker *)b;
  free(w->customer);
  free(w->type);
  free(w->category);
  free(w->item);
  free(w->time);
  w->customer = w->type = w->category = w->item = NULL;
  w->time = NULL;
  w->n = w->cap = 0;
}

/* Grows five parallel arrays together; false when memory runs out. */
static bool grow_events(uint32_t **c, uint32_t **ty, uint32_t **cat, uint32_t **it, int64_t **t,
                        size_t *cap, size_t need) {
  if (need <= *cap)
    return true;
  size_t n = *cap ? *cap : 4096;
  while (n < need)
    n *= 2;
  uint32_t **u32[4] = {c, ty, cat, it};
  for (int i = 0; i < 4; i++) {
    uint32_t *p = realloc(*u32[i], n * sizeof **u32[i]);
    if (!p)
      return false;
    *u32[i] = p;
  }
  int64_t *p = realloc(*t, n * sizeof **t);
  if (!p)
    return false;
  *t = p;
  *cap = n;
  return true;
}

static uint32_t optional_code(load_worker *b, const patron__csv_record *rec, int column,
                              patron__dict_id dict) {
  int i = b->file->field[column];
  return i < 0 ? 0 : patron__worker_code(b, dict, &rec->fields[i]);
}

static bool events_row(void *ctx, const patron__csv_record *rec, uint64_t line) {
  events_worker *w = ctx;
  load_worker *b = &w->base;
  const load_file *f = b->file;
  bool go;
  if (!patron__worker_row_ok(b, rec, line, &go))
    return go;
  const patron__csv_field *cid = &rec->fields[f->field[E_CUSTOMER]];
  if (!cid->len)
    return patron__worker_reject(b, rec, line, E_CUSTOMER, PATRON_REJECT_EMPTY_CUSTOMER_ID);
  int64_t t;
  if (!patron__parse_time_field(f, &rec->fields[f->field[E_TIME]], &t))
    return patron__worker_reject(b, rec, line, E_TIME, PATRON_REJECT_BAD_DATE);
  if (!patron__time_plausible(t))
    return patron__worker_reject(b, rec, line, E_TIME, PATRON_REJECT_DATE_OUT_OF_RANGE);
  const patron__csv_field *type = &rec->fields[f->field[E_TYPE]];
  if (!type->len)
    return patron__worker_reject(b, rec, line, E_TYPE, PATRON_REJECT_EMPTY_EVENT_TYPE);
  b->rows_used++;
  if (t >= f->as_of_seconds) {
    b->after_as_of++;
    return true;
  }
  if (!grow_events(&w->customer, &w->type, &w->category, &w->item, &w->time, &w->cap, w->n + 1))
    return b->oom = true, false;
  uint32_t c = patron__worker_customer(b, cid);
  w->customer[w->n] = c;
  w->time[w->n] = t;
  w->type[w->n] = patron__worker_code(b, PATRON__DICT_EVENT_TYPE, type);
  w->item[w->n] = optional_code(b, rec, E_ITEM, PATRON__DICT_ITEM);
  w->category[w->n] = optional_code(b, rec, E_CATEGORY, PATRON__DICT_CATEGORY);
  w->n++;
  return !b->oom;
}

static patron_status merge_events(patron_dataset *ds, events_worker *w, patron_error *err) {
  uint32_t *cust = NULL, *type = NULL, *cat = NULL, *item = NULL;
  patron_status st = patron__merge_customers(ds, &w->base, &cust, err);
  if (st == PATRON_OK)
    st = patron__merge_dict(ds, &w->base, PATRON__DICT_EVENT_TYPE, &type, err);
  if (st == PATRON_OK)
    st = patron__merge_dict(ds, &w->base, PATRON__DICT_CATEGORY, &cat, err);
  if (st == PATRON_OK)
    st = patron__merge_dict(ds, &w->base, PATRON__DICT_ITEM, &item, err);
  if (st == PATRON_OK &&
      !grow_events(&ds->event_customer, &ds->event_type, &ds->event_category, &ds->event_item,
                   &ds->event_time, &ds->event_cap, ds->n_events + w->n))
    st = PATRON__OOM(err);
  for (size_t i = 0; i < w->n && st == PATRON_OK; i++) {
    size_t k = ds->n_events++;
    ds->event_customer[k] = cust[w->customer[i]];
    ds->event_time[k] = w->time[i];
    ds->event_type[k] = type[w->type[i]];
    ds->event_category[k] = cat[w->category[i]];
    ds->event_item[k] = item[w->item[i]];
  }
  free(cust);
  free(type);
  free(cat);
  free(item);
  return st;
}

static patron_status merge_all(patron_dataset *ds, load_file *f, load_worker **b, int n,
                               patron_error *err) {
  (void)f;
  patron_status st = PATRON_OK;
  for (int i = 0; i < n && st == PATRON_OK; i++)
    st = merge_events(ds, (events_worker *)b[i], err);
  ds->has_events = st == PATRON_OK;
  return st;
}

static patron_status check_columns(const load_file *f, patron_error *err) {
  patron_status st = PATRON_OK;
  for (int c = E_CUSTOMER; c <= E_TYPE && st == PATRON_OK; c++)
    st = patron__load_require(f, c, NULL, err);
  return st;
}

static const load_kind events_kind = {
    .kind = PATRON_FILE_EVENTS,
    .stage = "reading events",
    .worker_size = sizeof(events_worker),
    .check = check_columns,
    .init = events_init,
    .free_data = events_free_data,
    .row = events_row,
    .merge = merge_all,
};

patron_status patron__load_events(patron_dataset *ds, const patron_load_options *opts,
                                  patron_error *err) {
  return patron__load_file(ds, opts, &events_kind, err);
}
