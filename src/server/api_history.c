/* GET /customers/{id}/orders (extension of SPEC section 14, for the dashboard's customer
 * page): the customer's order history from the dataset in memory, newest first, paged:
 * orders before the snapshot's as-of day with their date and time, amount (the order's
 * lines summed, refunds negative), number of lines, the distinct categories and items of
 * their lines and the channel (the first line's that names one). No personal data. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hline {
  uint32_t slot, category, item, channel;
} hline;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* "key":["label", ...] of the distinct nonzero codes (sorted by code) of dictionary dict. */
static void put_labels(srv_text *t, const char *key, const patron_dataset *ds, const char *dict,
                       uint32_t *codes, size_t n) {
  srv_text_put(t, ",", 1);
  srv_text_json_string(t, key);
  srv_text_put(t, ":[", 2);
  qsort(codes, n, sizeof *codes, cmp_u32);
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (!codes[i] || (i && codes[i] == codes[i - 1]))
      continue;
    if (!first)
      srv_text_put(t, ",", 1);
    first = false;
    srv_text_json_string(t, patron_dataset_dict_value(ds, dict, codes[i]));
  }
  srv_text_put(t, "]", 1);
}

/* The page's lines, grouped by slot (order k_hi - slot, so newest first), stable. */
static hline *page_lines(const patron_lines_view *lv, uint32_t c, size_t k_lo, size_t k_hi,
                         size_t *n) {
  size_t m = 0;
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1]; l++)
    m += lv->order[l] >= k_lo && lv->order[l] <= k_hi;
  hline *h = malloc((m ? m : 1) * sizeof *h);
  size_t *at = calloc(k_hi - k_lo + 2, sizeof *at);
  if (!h || !at)
    return free(h), free(at), NULL;
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1]; l++)
    if (lv->order[l] >= k_lo && lv->order[l] <= k_hi)
      at[k_hi - lv->order[l] + 1]++;
  for (size_t s = 1; s <= k_hi - k_lo + 1; s++)
    at[s] += at[s - 1];
  for (uint32_t l = lv->start[c]; l < lv->start[c + 1]; l++)
    if (lv->order[l] >= k_lo && lv->order[l] <= k_hi) {
      uint32_t slot = (uint32_t)(k_hi - lv->order[l]);
      h[at[slot]++] = (hline){slot, lv->category ? lv->category[l] : 0, lv->item ? lv->item[l] : 0,
                              lv->channel ? lv->channel[l] : 0};
    }
  free(at);
  *n = m;
  return h;
}

/* The lines part of one order: categories, items, channel. */
static void put_order_lines(srv_text *t, const patron_dataset *ds, const hline *h, size_t n,
                            uint32_t *tmp) {
  for (size_t i = 0; i < n; i++)
    tmp[i] = h[i].category;
  put_labels(t, "categories", ds, "category", tmp, n);
  for (size_t i = 0; i < n; i++)
    tmp[i] = h[i].item;
  put_labels(t, "items", ds, "item", tmp, n);
  uint32_t channel = 0;
  for (size_t i = 0; i < n && !channel; i++)
    channel = h[i].channel;
  srv_text_put(t, ",\"channel\":", 11);
  if (channel)
    srv_text_json_string(t, patron_dataset_dict_value(ds, "channel", channel));
  else
    srv_text_put(t, "null", 4);
}

static void put_order(srv_text *t, const patron_orders_view *ov, size_t k) {
  char buf[160], day[16];
  int64_t tm = ov->time[k], secs = ((tm % 86400) + 86400) % 86400;
  int32_t d = (int32_t)((tm - secs) / 86400);
  day[patron_format_day(d, day)] = '\0';
  int n = snprintf(buf, sizeof buf,
                   "{\"date\":\"%s\",\"time\":\"%sT%02d:%02d:%02dZ\",\"amount\":%.10g,\"lines\":%u",
                   day, day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                   (double)ov->value[k] / 1e4, ov->n_lines ? ov->n_lines[k] : 0);
  srv_text_put(t, buf, (size_t)n);
}

/* Writes the page [k_lo, k_hi] (order indices, newest first) into t. */
static bool put_orders(srv_text *t, const patron_dataset *ds, const patron_orders_view *ov,
                       uint32_t c, size_t k_lo, size_t k_hi) {
  patron_lines_view lv = {0};
  bool lines = patron_dataset_has_lines(ds);
  hline *h = NULL;
  uint32_t *tmp = NULL;
  size_t n_h = 0;
  if (lines) {
    patron_dataset_lines(ds, &lv);
    h = page_lines(&lv, c, k_lo, k_hi, &n_h);
    tmp = malloc((n_h ? n_h : 1) * sizeof *tmp);
    if (!h || !tmp)
      return free(h), free(tmp), false;
  }
  size_t at = 0;
  for (size_t k = k_hi + 1; k-- > k_lo;) {
    uint32_t slot = (uint32_t)(k_hi - k);
    if (k != k_hi)
      srv_text_put(t, ",", 1);
    put_order(t, ov, k);
    size_t from = at;
    while (at < n_h && h[at].slot == slot)
      at++;
    if (lines)
      put_order_lines(t, ds, h + from, at - from, tmp);
    srv_text_put(t, "}", 1);
  }
  free(h), free(tmp);
  return true;
}

void srv_customer_orders(patron_server *s, const srv_request *rq, srv_answer *an) {
  long limit = 20, offset = 0;
  if (!srv_query_long(rq, an, "limit", 1, 1000, &limit) ||
      !srv_query_long(rq, an, "offset", 0, 2147483647L, &offset))
    return;
  const srv_snapshot *snap = srv_query_snapshot(s, rq, an, "as_of");
  if (!snap)
    return;
  if (!snap->s.ds || !snap->s.customers)
    return srv_error(an, 404, "not_found",
                     "no order history for this snapshot: serve the orders (INPUTS)");
  size_t row = srv_index_find(snap, rq->path_param);
  if (row == SIZE_MAX)
    return srv_error(an, 404, "not_found", "no such customer");
  uint32_t c = snap->s.customers[row];
  patron_orders_view ov;
  patron_dataset_orders(snap->s.ds, &ov);
  size_t lo = ov.start[c], hi = ov.start[c + 1]; /* time-sorted: keep those before as-of */
  int64_t end = (int64_t)snap->s.as_of * 86400;
  while (hi > lo && ov.time[hi - 1] >= end)
    hi--;
  size_t count = hi - lo;
  srv_text t = {0};
  char head[96];
  char day[16];
  day[patron_format_day(snap->s.as_of, day)] = '\0';
  srv_text_put(&t, "{\"customer_id\":", 15);
  srv_text_json_string(&t, rq->path_param);
  srv_text_put(&t, head,
               (size_t)snprintf(head, sizeof head,
                                ",\"as_of\":\"%s\",\"count\":%zu,\"offset\":%ld,\"orders\":[", day,
                                count, offset));
  bool ok = true;
  if ((size_t)offset < count) { /* newest first: the page is [hi - offset - limit, hi - offset) */
    size_t k_hi = hi - 1 - (size_t)offset;
    size_t k_lo = k_hi + 1 - lo > (size_t)limit ? k_hi + 1 - (size_t)limit : lo;
    ok = put_orders(&t, snap->s.ds, &ov, c, k_lo, k_hi);
  }
  srv_text_put(&t, "]}", 2);
  if (!ok || t.oom) {
    free(t.data);
    return srv_error(an, 500, "internal", "out of memory");
  }
  an->status = 200;
  an->content_type = "application/json; charset=utf-8";
  an->body = t.data;
  an->len = t.len;
  an->is_static = false;
}
