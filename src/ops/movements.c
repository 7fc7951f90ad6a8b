/* Movements between two snapshots (SPEC section 10): a merge of two profile tables on
 * customer_id (both in byte order), the from x to matrix of one segmentation with the `to`
 * snapshot's revenue, the changed customers and their direction by the segmentation's order. */
#include "core/core_int.h"
#include "io/write_int.h"
#include "patron/movements.h"
#include "patron/sink.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- orders and directions ---- */

static const char *const rfm_class_order[] = {
    "important_value",  "important_develop", "important_keep",
    "important_retain", "general_value",     "general_develop",
    "general_keep",     "general_retain",    NULL};
static const char *const segment_order[] = {
    "champions",      "loyal_customers", "potential_loyalist",
    "new_customers",  "promising",       "need_attention",
    "about_to_sleep", "at_risk",         "cant_lose_them",
    "hibernating",    "others",          NULL};
static const char *const lifecycle_order[] = {"new",     "active",  "silent",
                                              "dormant", "churned", NULL};
static const char *const abc_order[] = {"A", "B", "C", NULL};
static const char *const tier_order[] = {"high_value", "potential", "regular", "maintain", NULL};
static const char *const level_order[] = {"diamond", "gold", "silver", "normal", NULL};

static const struct {
  const char *name;
  const char *const *order;
} orders[] = {
    {"rfm_class", rfm_class_order}, {"segment", segment_order}, {"lifecycle", lifecycle_order},
    {"abc_class", abc_order},       {"tier", tier_order},       {"member_level", level_order},
};

const char *patron_direction_name(patron_direction d) {
  static const char *const names[] = {"same", "up", "down", "changed"};
  return names[d];
}

int patron_segmentation_rank(const char *segmentation, const char *value) {
  for (size_t i = 0; value && i < sizeof orders / sizeof orders[0]; i++) {
    if (strcmp(orders[i].name, segmentation) != 0)
      continue;
    for (int r = 0; orders[i].order[r]; r++)
      if (strcmp(orders[i].order[r], value) == 0)
        return r;
    return -1;
  }
  return -1;
}

patron_direction patron_move_direction(const char *segmentation, const char *from, const char *to) {
  if (strcmp(from, to) == 0)
    return PATRON_DIR_SAME;
  int a = patron_segmentation_rank(segmentation, from);
  int b = patron_segmentation_rank(segmentation, to);
  if (a < 0 || b < 0)
    return PATRON_DIR_CHANGED;
  return b < a ? PATRON_DIR_UP : PATRON_DIR_DOWN;
}

const char *patron_cell_text(const patron_column *c, size_t row, char buf[32]) {
  switch (c->type) {
  case PATRON_COL_CATEGORY: {
    int32_t code = ((const int32_t *)c->data)[row];
    return code >= 0 && code < c->n_labels && c->labels[code] ? c->labels[code] : PATRON_MOVE_EMPTY;
  }
  case PATRON_COL_STRING: {
    const char *s = ((const char *const *)c->data)[row];
    return s && *s ? s : PATRON_MOVE_EMPTY;
  }
  case PATRON_COL_INT: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_INT ? PATRON_MOVE_EMPTY
                                : (snprintf(buf, 32, "%lld", (long long)v), buf);
  }
  case PATRON_COL_MONEY: {
    int64_t v = ((const int64_t *)c->data)[row];
    return v == PATRON_NULL_MONEY ? PATRON_MOVE_EMPTY : (patron_format_money(v, buf), buf);
  }
  case PATRON_COL_DATE: {
    int32_t v = ((const int32_t *)c->data)[row];
    return v == PATRON_NO_DAY ? PATRON_MOVE_EMPTY : (patron_format_day(v, buf), buf);
  }
  case PATRON_COL_DOUBLE: {
    double v = ((const double *)c->data)[row];
    return isnan(v) ? PATRON_MOVE_EMPTY : (snprintf(buf, 32, "%.*f", c->decimals, v), buf);
  }
  }
  return PATRON_MOVE_EMPTY;
}

/* ---- the result ---- */

#define MAX_VALUES 4096 /* distinct values of a segmentation (a guard against id-like columns) */

typedef struct value {
  char *text;
  int group, key; /* sort: 0 ordered (key = rank), 1 labelled, 2 first seen, 3 empty, 4 none */
  size_t first_seen;
} value;

struct patron_movements {
  char *by;
  value *values;
  size_t n_values, cap_values;
  const char **sorted; /* texts in matrix order */
  patron_movement *cells;
  size_t n_cells;
  patron_change *changes;
  size_t n_changes, cap_changes;
};

void patron_movements_free(patron_movements *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n_values; i++)
    free(m->values[i].text);
  free(m->values);
  free(m->sorted);
  free(m->cells);
  free(m->changes);
  free(m->by);
  free(m);
}

const patron_movement *patron_movements_cells(const patron_movements *m, size_t *n) {
  *n = m->n_cells;
  return m->cells;
}
const patron_change *patron_movements_changes(const patron_movements *m, size_t *n) {
  *n = m->n_changes;
  return m->changes;
}
const char *const *patron_movements_values(const patron_movements *m, size_t *n) {
  *n = m->n_values;
  return m->sorted;
}

static int label_index(const patron_column *c, const char *text) {
  if (!c || c->type != PATRON_COL_CATEGORY)
    return -1;
  for (int32_t i = 0; i < c->n_labels; i++)
    if (c->labels[i] && strcmp(c->labels[i], text) == 0)
      return i;
  return -1;
}

/* Index of text among the values, added when new; SIZE_MAX when memory or the cap runs out. */
static size_t intern(patron_movements *m, const char *text, const patron_column *a,
                     const patron_column *b) {
  for (size_t i = m->n_values; i-- > 0;)
    if (strcmp(m->values[i].text, text) == 0)
      return i;
  if (m->n_values >= MAX_VALUES ||
      !patron__reserve((void **)&m->values, &m->cap_values, m->n_values + 1, sizeof *m->values))
    return SIZE_MAX;
  value v = {.text = strdup(text), .first_seen = m->n_values};
  if (!v.text)
    return SIZE_MAX;
  int rank = patron_segmentation_rank(m->by, text), li = label_index(b, text);
  li = li >= 0 ? li : label_index(a, text);
  if (strcmp(text, PATRON_MOVE_NONE) == 0)
    v.group = 4;
  else if (strcmp(text, PATRON_MOVE_EMPTY) == 0)
    v.group = 3;
  else if (rank >= 0)
    v.group = 0, v.key = rank;
  else if (li >= 0)
    v.group = 1, v.key = li;
  else
    v.group = 2, v.key = (int)m->n_values;
  m->values[m->n_values] = v;
  return m->n_values++;
}

static int compare_values(const void *pa, const void *pb) {
  const value *a = pa, *b = pb;
  if (a->group != b->group)
    return a->group < b->group ? -1 : 1;
  if (a->key != b->key)
    return a->key < b->key ? -1 : 1;
  return a->first_seen < b->first_seen ? -1 : a->first_seen > b->first_seen;
}

typedef struct side {
  const patron_table *t;
  const patron_column *id, *by, *monetary;
  size_t row, n;
} side;

static patron_status side_init(side *s, const patron_table *t, const char *by, const char *name,
                               patron_error *err) {
  *s = (side){.t = t, .n = patron_table_n_rows(t)};
  s->id = patron_table_find(t, "customer_id");
  s->by = patron_table_find(t, by);
  const patron_column *m = patron_table_find(t, "monetary");
  s->monetary = m && m->type == PATRON_COL_MONEY ? m : NULL;
  if (!s->id || s->id->type != PATRON_COL_STRING)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the %s snapshot has no customer_id column", name);
  return PATRON_OK;
}

static const char *side_id(const side *s) {
  return s->row < s->n ? ((const char *const *)s->id->data)[s->row] : NULL;
}

static const char *side_value(const side *s, bool present, char buf[32]) {
  if (!present)
    return PATRON_MOVE_NONE;
  return s->by ? patron_cell_text(s->by, s->row, buf) : PATRON_MOVE_EMPTY;
}

typedef struct pair {
  size_t from, to; /* value indexes */
  patron_money revenue;
  const char *customer_id;
} pair;

/* Walks both tables in customer_id order; calls add for every customer of either. */
static patron_status merge(patron_movements *m, side *a, side *b, pair **pairs, size_t *n_pairs,
                           patron_error *err) {
  size_t cap = 0;
  char ba[32], bb[32];
  while (a->row < a->n || b->row < b->n) {
    const char *ia = side_id(a), *ib = side_id(b);
    int cmp = !ia ? 1 : !ib ? -1 : strcmp(ia, ib);
    bool in_a = cmp <= 0, in_b = cmp >= 0;
    size_t f = intern(m, side_value(a, in_a, ba), a->by, b->by);
    size_t t = intern(m, side_value(b, in_b, bb), a->by, b->by);
    if (f == SIZE_MAX || t == SIZE_MAX)
      return m->n_values >= MAX_VALUES
                 ? patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                                     "'%s' has over %d distinct values: not a segmentation", m->by,
                                     MAX_VALUES)
                 : PATRON__OOM(err);
    if (!patron__reserve((void **)pairs, &cap, *n_pairs + 1, sizeof **pairs))
      return PATRON__OOM(err);
    patron_money rev = 0;
    if (in_b && b->monetary) {
      patron_money v = ((const int64_t *)b->monetary->data)[b->row];
      rev = v == PATRON_NULL_MONEY ? 0 : v;
    }
    (*pairs)[(*n_pairs)++] = (pair){f, t, rev, in_b ? ib : ia};
    a->row += in_a;
    b->row += in_b;
  }
  return PATRON_OK;
}

static patron_status tabulate(patron_movements *m, const pair *pairs, size_t n_pairs,
                              patron_error *err) {
  size_t k = m->n_values, *pos = malloc((k ? k : 1) * sizeof *pos);
  value *sorted = malloc((k ? k : 1) * sizeof *sorted);
  m->sorted = malloc((k ? k : 1) * sizeof *m->sorted);
  patron_movement *grid = calloc(k > 0 ? k * k : 1, sizeof *grid);
  if (!pos || !sorted || !m->sorted || !grid) {
    free(pos), free(sorted), free(grid);
    return PATRON__OOM(err);
  }
  memcpy(sorted, m->values, k * sizeof *sorted);
  qsort(sorted, k, sizeof *sorted, compare_values);
  for (size_t i = 0; i < k; i++) {
    pos[sorted[i].first_seen] = i;
    m->sorted[i] = sorted[i].text;
  }
  for (size_t i = 0; i < n_pairs; i++) {
    patron_movement *c = &grid[pos[pairs[i].from] * k + pos[pairs[i].to]];
    c->customers++;
    c->revenue += pairs[i].revenue;
  }
  for (size_t i = 0; i < k * k; i++)
    if (grid[i].customers) {
      grid[i].from = m->sorted[i / k];
      grid[i].to = m->sorted[i % k];
      grid[m->n_cells++] = grid[i];
    }
  m->cells = grid;
  free(pos), free(sorted);
  return PATRON_OK;
}

static patron_status collect_changes(patron_movements *m, const pair *pairs, size_t n_pairs,
                                     patron_error *err) {
  for (size_t i = 0; i < n_pairs; i++) {
    if (pairs[i].from == pairs[i].to)
      continue;
    if (!patron__reserve((void **)&m->changes, &m->cap_changes, m->n_changes + 1,
                         sizeof *m->changes))
      return PATRON__OOM(err);
    const char *f = m->values[pairs[i].from].text, *t = m->values[pairs[i].to].text;
    m->changes[m->n_changes++] =
        (patron_change){pairs[i].customer_id, f, t, patron_move_direction(m->by, f, t)};
  }
  return PATRON_OK;
}

patron_status patron_movements_compute(const patron_table *from, const patron_table *to,
                                       const char *by, patron_movements **out, patron_error *err) {
  *out = NULL;
  side a, b;
  patron_status st = side_init(&a, from, by, "from", err);
  if (st == PATRON_OK)
    st = side_init(&b, to, by, "to", err);
  if (st != PATRON_OK)
    return st;
  if (!a.by && !b.by)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "neither snapshot has a column '%s'", by);
  patron_movements *m = calloc(1, sizeof *m);
  if (!m || !(m->by = strdup(by))) {
    free(m);
    return PATRON__OOM(err);
  }
  pair *pairs = NULL;
  size_t n_pairs = 0;
  st = merge(m, &a, &b, &pairs, &n_pairs, err);
  if (st == PATRON_OK)
    st = tabulate(m, pairs, n_pairs, err);
  if (st == PATRON_OK)
    st = collect_changes(m, pairs, n_pairs, err);
  free(pairs);
  if (st != PATRON_OK) {
    patron_movements_free(m);
    return st;
  }
  *out = m;
  return PATRON_OK;
}

/* ---- files ---- */

static patron_status write_file(const char *dir, const char *name, const patron__buf *b,
                                patron_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (b->oom)
    return PATRON__OOM(err);
  patron_sink *sink = NULL;
  patron_status st = patron_sink_file(path, NULL, &sink, err);
  if (st == PATRON_OK && (st = patron_sink_write(sink, b->data, b->len, err)) != PATRON_OK) {
    patron_sink_abort(sink);
    return st;
  }
  return st == PATRON_OK ? patron_sink_close(sink, err) : st;
}

static void put_text(patron__buf *b, const char *s) { patron__buf_csv_field(b, s, strlen(s)); }

patron_status patron_movements_write(const patron_movements *m, const char *dir,
                                     patron_error *err) {
  patron__buf b = {0};
  char tmp[64];
  patron__buf_put(&b, "from,to,customers,revenue\n", 26);
  for (size_t i = 0; i < m->n_cells; i++) {
    const patron_movement *c = &m->cells[i];
    put_text(&b, c->from);
    patron__buf_putc(&b, ',');
    put_text(&b, c->to);
    int n = snprintf(tmp, sizeof tmp, ",%zu,", c->customers);
    patron__buf_put(&b, tmp, (size_t)n);
    patron__buf_put(&b, tmp, patron_format_money(c->revenue, tmp));
    patron__buf_putc(&b, '\n');
  }
  patron_status st = write_file(dir, "movements.csv", &b, err);
  b.len = 0;
  patron__buf_put(&b, "customer_id,from,to,direction\n", 30);
  for (size_t i = 0; st == PATRON_OK && i < m->n_changes; i++) {
    const patron_change *c = &m->changes[i];
    put_text(&b, c->customer_id);
    patron__buf_putc(&b, ',');
    put_text(&b, c->from);
    patron__buf_putc(&b, ',');
    put_text(&b, c->to);
    patron__buf_putc(&b, ',');
    put_text(&b, patron_direction_name(c->direction));
    patron__buf_putc(&b, '\n');
  }
  if (st == PATRON_OK)
    st = write_file(dir, "changes.csv", &b, err);
  free(b.data);
  return st;
}
