/* The campaign plan (SPEC section 11): the campaign matrix JSON (jansson; syntax errors with
 * positions, others with member paths), the default matrix of the seeds, the choice of a
 * campaign and channel per customer, and plan.csv / plan_summary.csv. docs/PLAN.md. */
#include "io/files.h"
#include "core/core_int.h"
#include "io/write_int.h"
#include "patron/movements.h"
#include "patron/plan.h"
#include "patron/sink.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void patron_plan_matrix_free(patron_plan_matrix *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n_campaigns; i++) {
    patron_plan_campaign *c = &m->campaigns[i];
    free(c->name);
    free(c->group);
    for (size_t j = 0; j < c->n_channels; j++)
      free(c->channels[j]);
    for (size_t j = 0; j < c->n_fits; j++)
      free(c->fits[j].value);
    free(c->channels);
    free(c->fits);
  }
  free(m->campaigns);
  free(m->rows);
  free(m);
}

static patron_status bad(const char *file, const char *path, const char *what, patron_error *err) {
  return patron__error_set(err, PATRON_ERR_INPUT, file, 0, 0, "%s: %s", path, what);
}

static char *text_of(json_t *v) {
  if (!json_is_string(v) || json_string_length(v) == 0 ||
      strlen(json_string_value(v)) != json_string_length(v))
    return NULL;
  return strdup(json_string_value(v));
}

static patron_status parse_channels(const char *file, const char *path, json_t *a,
                                    patron_plan_campaign *c, patron_error *err) {
  if (!json_is_array(a) || json_array_size(a) == 0)
    return bad(file, path, "channels: expected a non-empty array of texts", err);
  if (!(c->channels = calloc(json_array_size(a), sizeof *c->channels)))
    return PATRON__OOM(err);
  for (size_t i = 0; i < json_array_size(a); i++)
    if (!(c->channels[c->n_channels++] = text_of(json_array_get(a, i))))
      return bad(file, path, "channels: expected a non-empty array of texts", err);
  return PATRON_OK;
}

static patron_status parse_fits(const char *file, const char *path, json_t *o,
                                patron_plan_campaign *c, patron_error *err) {
  if (!json_is_object(o))
    return bad(file, path, "fit: expected an object of value: number", err);
  if (!(c->fits = calloc(json_object_size(o) + 1, sizeof *c->fits)))
    return PATRON__OOM(err);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(x) || x < 0 || x > 1e6) {
      char msg[160];
      snprintf(msg, sizeof msg, "fit.%.100s: expected a number from 0 to 1e6", key);
      return bad(file, path, msg, err);
    }
    patron_plan_fit *f = &c->fits[c->n_fits++];
    f->fit = x;
    if (!(f->value = strdup(key)))
      return PATRON__OOM(err);
  }
  return PATRON_OK;
}

static patron_status parse_campaign(const char *file, json_t *o, size_t i, patron_plan_campaign *c,
                                    patron_error *err) {
  char path[48];
  snprintf(path, sizeof path, "campaigns[%zu]", i);
  if (!json_is_object(o))
    return bad(file, path, "expected an object", err);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (strcmp(key, "name") && strcmp(key, "group") && strcmp(key, "channels") &&
        strcmp(key, "fit") && strcmp(key, "description")) {
      char msg[160];
      snprintf(msg, sizeof msg, "unknown member '%.100s'", key);
      return bad(file, path, msg, err);
    }
  }
  if (!(c->name = text_of(json_object_get(o, "name"))))
    return bad(file, path, "name: expected a non-empty text", err);
  json_t *g = json_object_get(o, "group");
  if (g && !(c->group = text_of(g)))
    return bad(file, path, "group: expected a non-empty text", err);
  patron_status st = parse_channels(file, path, json_object_get(o, "channels"), c, err);
  return st == PATRON_OK ? parse_fits(file, path, json_object_get(o, "fit"), c, err) : st;
}

static patron_status parse_root(const char *file, json_t *root, patron_plan_matrix *m,
                                patron_error *err) {
  if (!json_is_object(root))
    return bad(file, "(top)", "expected an object with \"rows\" and \"campaigns\"", err);
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (strcmp(key, "rows") && strcmp(key, "campaigns") && strcmp(key, "description")) {
      char msg[160];
      snprintf(msg, sizeof msg, "unknown member '%.100s'", key);
      return bad(file, "(top)", msg, err);
    }
  }
  if (!(m->rows = text_of(json_object_get(root, "rows"))))
    return bad(file, "rows", "expected the name of a segmentation, e.g. \"lifecycle\"", err);
  json_t *a = json_object_get(root, "campaigns");
  if (!json_is_array(a))
    return bad(file, "campaigns", "expected an array of campaigns", err);
  if (!(m->campaigns = calloc(json_array_size(a) + 1, sizeof *m->campaigns)))
    return PATRON__OOM(err);
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < json_array_size(a); i++)
    st = parse_campaign(file, json_array_get(a, i), i, &m->campaigns[m->n_campaigns++], err);
  return st;
}

patron_status patron_plan_matrix_parse(const char *text, size_t len, const char *file,
                                       patron_plan_matrix **out, patron_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return patron__error_set(err, PATRON_ERR_INPUT, file, (uint64_t)(je.line > 0 ? je.line : 0),
                             (uint32_t)(je.column > 0 ? je.column : 0), "%s (column %d)", je.text,
                             je.column);
  patron_plan_matrix *m = calloc(1, sizeof *m);
  patron_status st = m ? parse_root(file, root, m, err) : PATRON__OOM(err);
  json_decref(root);
  if (st != PATRON_OK) {
    patron_plan_matrix_free(m);
    return st;
  }
  *out = m;
  return PATRON_OK;
}

patron_status patron_plan_matrix_load(const char *path, patron_plan_matrix **out,
                                      patron_error *err) {
  *out = NULL;
  char *buf = NULL;
  size_t len = 0;
  patron_status st = patron__read_file(path, PATRON__RULES_FILE_MAX, &buf, &len, err);
  if (st == PATRON_OK)
    st = patron_plan_matrix_parse(buf, len, path, out, err);
  free(buf);
  return st;
}

/* ---- the plan ---- */

static double fit_for(const patron_plan_campaign *c, const char *value) {
  for (size_t i = 0; i < c->n_fits; i++)
    if (strcmp(c->fits[i].value, value) == 0)
      return c->fits[i].fit;
  return 0;
}

patron_status patron_plan_compute(const patron_plan_matrix *m, const patron_table *table,
                                  const uint32_t *row_customer, const patron_contacts *contacts,
                                  patron_plan_row **out, patron_error *err) {
  *out = NULL;
  const patron_column *col = patron_table_find(table, m->rows);
  if (!col)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the profile has no column '%s' (the matrix's rows)", m->rows);
  if (col->type != PATRON_COL_CATEGORY && col->type != PATRON_COL_STRING)
    return patron__error_set(err, PATRON_ERR_INPUT, NULL, 0, 0,
                             "the matrix's rows '%s' must be a segmentation or text column",
                             m->rows);
  size_t n = patron_table_n_rows(table);
  patron_plan_row *plan = malloc((n ? n : 1) * sizeof *plan);
  if (!plan)
    return PATRON__OOM(err);
  char buf[32];
  for (size_t r = 0; r < n; r++) {
    const char *v = patron_cell_text(col, r, buf);
    bool empty = strcmp(v, PATRON_MOVE_EMPTY) == 0;
    patron_plan_row p = {.row = empty ? "" : v, .campaign = -1, .fit = 0, .channel = "none"};
    for (size_t c = 0; !empty && c < m->n_campaigns; c++) {
      double f = fit_for(&m->campaigns[c], v);
      if (f >= 1 && f > p.fit)
        p.campaign = (long)c, p.fit = f;
    }
    for (size_t k = 0; p.campaign >= 0 && k < m->campaigns[p.campaign].n_channels; k++) {
      const char *ch = m->campaigns[p.campaign].channels[k];
      if (patron_contacts_reachable(contacts, row_customer ? row_customer[r] : UINT32_MAX, ch)) {
        p.channel = ch;
        break;
      }
    }
    plan[r] = p;
  }
  *out = plan;
  return PATRON_OK;
}

/* ---- files ---- */

static patron_status save(const char *dir, const char *name, const patron__buf *b,
                          const patron_output_options *o, patron_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (b->oom)
    return PATRON__OOM(err);
  patron_sink *sink = NULL;
  patron_status st = patron_sink_file(path, o, &sink, err);
  if (st == PATRON_OK)
    st = patron__csv_begin(sink, err); /* --excel's byte-order mark */
  if (st == PATRON_OK)
    st = patron_sink_write(sink, b->data, b->len, err);
  if (sink && st != PATRON_OK) {
    patron_sink_abort(sink);
    return st;
  }
  return st == PATRON_OK ? patron_sink_close(sink, err) : st;
}

static void put_field(patron__buf *b, const char *s, char end) {
  patron__buf_csv_field(b, s, strlen(s));
  patron__buf_putc(b, end);
}

typedef struct tally {
  const char *row;
  long campaign;
  size_t customers;
  size_t rank;
} tally;

static int by_rank(const void *pa, const void *pb) {
  const tally *a = pa, *b = pb;
  if (a->rank != b->rank)
    return a->rank < b->rank ? -1 : 1;
  unsigned long ca = (unsigned long)a->campaign, cb = (unsigned long)b->campaign; /* -1 last */
  return ca < cb ? -1 : ca > cb;
}

/* Rank of a rows value: its first appearance among the matrix's fits, else after them. */
static size_t value_rank(const patron_plan_matrix *m, const char *v) {
  size_t k = 0;
  for (size_t c = 0; c < m->n_campaigns; c++)
    for (size_t i = 0; i < m->campaigns[c].n_fits; i++, k++)
      if (strcmp(m->campaigns[c].fits[i].value, v) == 0)
        return k;
  return SIZE_MAX;
}

static patron_status write_summary(const patron_plan_matrix *m, const patron_plan_row *plan,
                                   size_t n, const char *dir, const patron_output_options *o,
                                   patron_error *err) {
  tally *t = NULL;
  size_t n_t = 0, cap = 0;
  for (size_t r = 0; r < n; r++) {
    size_t i = 0;
    while (i < n_t && !(t[i].campaign == plan[r].campaign && strcmp(t[i].row, plan[r].row) == 0))
      i++;
    if (i == n_t) {
      if (!patron__reserve((void **)&t, &cap, n_t + 1, sizeof *t))
        return free(t), PATRON__OOM(err);
      size_t rank = value_rank(m, plan[r].row);
      t[n_t] =
          (tally){plan[r].row, plan[r].campaign, 0, rank == SIZE_MAX ? SIZE_MAX / 2 + n_t : rank};
      n_t++;
    }
    t[i].customers++;
  }
  if (n_t) /* qsort needs a non-null array even for 0 elements */
    qsort(t, n_t, sizeof *t, by_rank);
  patron__buf b = {.formula_guard = o && o->formula_guard};
  patron__buf_put(&b, "row,campaign,customers\n", 23);
  char num[32];
  for (size_t i = 0; i < n_t; i++) {
    put_field(&b, t[i].row, ',');
    put_field(&b, t[i].campaign >= 0 ? m->campaigns[t[i].campaign].name : "", ',');
    patron__buf_put(&b, num, (size_t)snprintf(num, sizeof num, "%zu\n", t[i].customers));
  }
  patron_status st = save(dir, "plan_summary.csv", &b, o, err);
  free(b.data);
  free(t);
  return st;
}

patron_status patron_plan_write(const patron_plan_matrix *m, const patron_table *table,
                                const patron_plan_row *plan, const char *dir,
                                const patron_output_options *o, patron_error *err) {
  const patron_column *id = patron_table_find(table, "customer_id");
  if (!id || id->type != PATRON_COL_STRING)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "plan: no customer_id column");
  size_t n = patron_table_n_rows(table);
  patron__buf b = {.formula_guard = o && o->formula_guard};
  patron__buf_put(&b, "customer_id,row,campaign,fit,channel\n", 37);
  char num[64];
  for (size_t r = 0; r < n; r++) {
    const char *cid = ((const char *const *)id->data)[r];
    put_field(&b, cid ? cid : "", ',');
    put_field(&b, plan[r].row, ',');
    put_field(&b, plan[r].campaign >= 0 ? m->campaigns[plan[r].campaign].name : "", ',');
    patron__buf_put(&b, num, (size_t)snprintf(num, sizeof num, "%g,", plan[r].fit));
    put_field(&b, plan[r].channel, '\n');
  }
  patron_status st = save(dir, "plan.csv", &b, o, err);
  free(b.data);
  return st == PATRON_OK ? write_summary(m, plan, n, dir, o, err) : st;
}

/* The seeds' campaign matrix ("广告投放指南"): item campaigns and brand & customer (VIP)
 * campaigns by EDM, SMS and WeChat, with a fit of 0..4 stars per lifecycle stage. The stars
 * are a starting point to edit (docs/PLAN.md). */
const char *patron_plan_matrix_default(void) {
  return "{\n"
         "  \"rows\": \"lifecycle\",\n"
         "  \"campaigns\": [\n"
         "    { \"name\": \"new_item_notice\", \"group\": \"item\", \"channels\": [\"edm\", "
         "\"sms\", \"wechat\"],\n"
         "      \"fit\": { \"new\": 3, \"active\": 4, \"silent\": 4, \"dormant\": 3, "
         "\"churned\": 2 } },\n"
         "    { \"name\": \"top_item_promotion\", \"group\": \"item\", \"channels\": "
         "[\"wechat\", \"sms\", \"edm\"],\n"
         "      \"fit\": { \"active\": 3, \"silent\": 4, \"dormant\": 4, \"churned\": 3 } },\n"
         "    { \"name\": \"series_item_promotion\", \"group\": \"item\", \"channels\": "
         "[\"edm\", \"wechat\"],\n"
         "      \"fit\": { \"active\": 3, \"silent\": 3, \"dormant\": 2, \"churned\": 1 } },\n"
         "    { \"name\": \"package\", \"group\": \"item\", \"channels\": [\"edm\", \"sms\"],\n"
         "      \"fit\": { \"new\": 2, \"active\": 2, \"silent\": 3, \"dormant\": 2, "
         "\"churned\": 1 } },\n"
         "    { \"name\": \"vip_exclusive_promotion\", \"group\": \"vip\", \"channels\": "
         "[\"sms\", \"wechat\", \"edm\"],\n"
         "      \"fit\": { \"active\": 4, \"silent\": 3, \"dormant\": 2, \"churned\": 1 } },\n"
         "    { \"name\": \"vip_upgrading\", \"group\": \"vip\", \"channels\": [\"wechat\", "
         "\"sms\"],\n"
         "      \"fit\": { \"new\": 4, \"active\": 3, \"silent\": 2 } },\n"
         "    { \"name\": \"store_promotion\", \"group\": \"brand\", \"channels\": [\"wechat\", "
         "\"sms\"],\n"
         "      \"fit\": { \"active\": 2, \"silent\": 3, \"dormant\": 3, \"churned\": 2 } },\n"
         "    { \"name\": \"discount\", \"group\": \"brand\", \"channels\": [\"sms\", "
         "\"edm\"],\n"
         "      \"fit\": { \"silent\": 3, \"dormant\": 4, \"churned\": 4 } },\n"
         "    { \"name\": \"seckill_promotion\", \"group\": \"brand\", \"channels\": "
         "[\"wechat\", \"sms\"],\n"
         "      \"fit\": { \"active\": 3, \"silent\": 2, \"dormant\": 2 } },\n"
         "    { \"name\": \"point_buying\", \"group\": \"brand\", \"channels\": [\"wechat\", "
         "\"edm\"],\n"
         "      \"fit\": { \"active\": 2, \"silent\": 2, \"dormant\": 1 } },\n"
         "    { \"name\": \"season_clearance_sale\", \"group\": \"brand\", \"channels\": "
         "[\"edm\", \"sms\", \"wechat\"],\n"
         "      \"fit\": { \"active\": 1, \"silent\": 2, \"dormant\": 3, \"churned\": 3 } },\n"
         "    { \"name\": \"daily_special_offer\", \"group\": \"brand\", \"channels\": "
         "[\"wechat\"],\n"
         "      \"fit\": { \"active\": 2, \"silent\": 1 } }\n"
         "  ]\n"
         "}\n";
}
