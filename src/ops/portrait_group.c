/* The portrait of SPEC section 17 (用户画像): for one group (a condition) or one per value of
 * a segmentation, the share of each value of each dimension against the base of all
 * customers and its target group index (TGI = 100 x share / base_share, the index of
 * Chinese marketing practice), and the same for the spend on categories and brands (the
 * window's positive line amounts). One pass over the profile rows with per-dimension count
 * arrays, cut into parts by the executor (partition -> partial counts -> merge). */
#include "core/core_int.h"
#include "core/exec.h"
#include "ops/portrait_int.h"
#include "patron/audience.h"
#include "patron/caret.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The dimensions of SPEC 17 in its order; gender, city and level are the members file's. */
static const char *const dim_names[] = {"gender",
                                        "age_band",
                                        "city",
                                        "level",
                                        "lifecycle",
                                        "rfm_class",
                                        "tier",
                                        "member_level",
                                        "price_band",
                                        "preferred_category",
                                        "preferred_brand",
                                        "preferred_channel",
                                        "promo_sensitivity",
                                        "loyalty",
                                        "stage"};
#define N_DIM_NAMES (sizeof dim_names / sizeof dim_names[0])
static const char *const member_dicts[] = {"gender", "city", "level"};
static const char *const affinity_dicts[] = {"category", "brand"};

static const char *const zh_names[][2] = {
    {"gender", "性别"},
    {"age_band", "年龄段"},
    {"city", "城市"},
    {"level", "会员等级"},
    {"lifecycle", "生命周期"},
    {"rfm_class", "RFM分类"},
    {"tier", "价值分层"},
    {"member_level", "会员级别"},
    {"price_band", "客单价区间"},
    {"preferred_category", "偏好品类"},
    {"preferred_brand", "偏好品牌"},
    {"preferred_channel", "偏好渠道"},
    {"promo_sensitivity", "促销敏感度"},
    {"loyalty", "忠诚度"},
    {"stage", "关系阶段"},
    {"category", "品类"},
    {"brand", "品牌"},
    {"recency_days", "最近购买天数"},
    {"frequency", "购买次数"},
    {"monetary", "消费金额"},
    {"avg_order_value", "客单价"},
    {"clv_365d", "365天价值"},
    {"p_alive", "活跃概率"},
    {"age", "年龄"},
};

const char *patron_portrait_name_zh(const char *name) {
  for (size_t i = 0; i < sizeof zh_names / sizeof zh_names[0]; i++)
    if (strcmp(zh_names[i][0], name) == 0)
      return zh_names[i][1];
  return NULL;
}

void patron_portrait_options_init(patron_portrait_options *o) {
  memset(o, 0, sizeof *o);
  o->window_days = 365;
}

void patron_portrait_free(patron_portrait *pt) {
  if (!pt)
    return;
  patron_table_free(pt->portrait);
  patron_table_free(pt->affinity);
  patron_table_free(pt->stats);
  free(pt->groups);
  free(pt->value_zh);
  memset(pt, 0, sizeof *pt);
}

int32_t patron__pdim_slot(const pdim *d, const uint32_t *cust, size_t r) {
  if (d->codes) {
    int32_t c = d->codes[r];
    return c >= 0 && (size_t)c < d->n_values ? c : -1;
  }
  uint32_t k = d->member[cust[r]];
  return k > 0 && k < d->n_values ? (int32_t)k : -1;
}

const char *patron__pdim_label(const pdim *d, const patron_dataset *ds, size_t slot) {
  return d->dict ? patron_dataset_dict_value(ds, d->dict, (uint32_t)slot) : d->labels[slot];
}

/* Chinese labels of the members' gender values. */
static const char *gender_zh(const char *v) {
  static const char *const map[][2] = {{"F", "女"},    {"M", "男"}, {"female", "女"},
                                       {"male", "男"}, {"f", "女"}, {"m", "男"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], v) == 0)
      return map[i][1];
  return NULL;
}

const char *patron__pdim_label_zh(const pdim *d, const patron_dataset *ds, size_t slot) {
  if (!d->dict)
    return d->alt ? d->alt[slot] : NULL;
  return strcmp(d->dict, "gender") == 0 ? gender_zh(patron__pdim_label(d, ds, slot)) : NULL;
}

/* A dimension over a table category column or a members dictionary; false when absent. */
static bool resolve_dim(const patron_table *t, const patron_dataset *ds, const char *name,
                        pdim *d) {
  memset(d, 0, sizeof *d);
  d->name = name;
  const patron_column *c = patron_table_find(t, name);
  if (c && c->type == PATRON_COL_CATEGORY) {
    d->codes = c->data;
    d->labels = c->labels;
    d->alt = c->alt_labels;
    d->n_values = (size_t)c->n_labels;
    return d->n_values > 0;
  }
  if (c || !ds || !patron_dataset_has_members(ds))
    return false;
  patron_members_view m;
  patron_dataset_members(ds, &m);
  for (size_t i = 0; i < 3; i++)
    if (strcmp(name, member_dicts[i]) == 0) {
      d->dict = member_dicts[i];
      d->member = i == 0 ? m.gender : i == 1 ? m.city : m.level;
      d->n_values = patron_dataset_dict_size(ds, d->dict);
      return d->n_values > 1;
    }
  return false;
}

static patron_status unknown_by(const patron_table *t, const patron_dataset *ds, const char *by,
                                bool exists, patron_error *err) {
  size_t n = patron_table_n_columns(t), k = 0;
  const char **cands = malloc((n + 3) * sizeof *cands);
  if (!cands)
    return PATRON__OOM(err);
  for (size_t i = 0; i < n; i++)
    if (patron_table_column(t, i)->type == PATRON_COL_CATEGORY)
      cands[k++] = patron_table_column(t, i)->name;
  for (size_t i = 0; i < 3 && ds && patron_dataset_has_members(ds); i++)
    cands[k++] = member_dicts[i];
  const char *s = exists ? NULL : patron_suggest(by, strlen(by), cands, k);
  patron_status st =
      patron_error_caret(err, PATRON_ERR_USAGE, "--by", by, strlen(by), 0, "%s '%s'%s%s%s",
                         exists ? "not a segmentation:" : "unknown segmentation", by,
                         s ? " (did you mean " : "", s ? s : "", s ? "?)" : "");
  free(cands);
  return st;
}

/* One group per value of --by holding a customer, in value order. */
static patron_status groups_by(pctx *x, const patron_portrait_options *o, patron_error *err) {
  pdim by;
  if (!resolve_dim(x->t, x->ds, o->by, &by))
    return unknown_by(x->t, x->ds, o->by, patron_table_find(x->t, o->by) != NULL, err);
  int32_t *group_of_slot = malloc(by.n_values * sizeof *group_of_slot);
  size_t *count = calloc(by.n_values, sizeof *count);
  x->groups = calloc(by.n_values, sizeof *x->groups);
  if (!group_of_slot || !count || !x->groups) {
    free(group_of_slot), free(count);
    return PATRON__OOM(err);
  }
  for (size_t r = 0; r < x->n_rows; r++) {
    int32_t s = patron__pdim_slot(&by, x->cust, r);
    x->group[r] = s;
    if (s >= 0)
      count[s]++;
  }
  for (size_t s = 0; s < by.n_values; s++) {
    group_of_slot[s] = count[s] ? (int32_t)x->n_groups : -1;
    if (count[s])
      x->groups[x->n_groups++] = (patron_portrait_group){
          patron__pdim_label(&by, x->ds, s), patron__pdim_label_zh(&by, x->ds, s), count[s]};
  }
  for (size_t r = 0; r < x->n_rows; r++)
    if (x->group[r] >= 0)
      x->group[r] = group_of_slot[x->group[r]];
  free(group_of_slot), free(count);
  return PATRON_OK;
}

static patron_status group_where(pctx *x, const patron_profile *p, const patron_portrait_options *o,
                                 patron_error *err) {
  patron_audience_options ao;
  patron_audience_options_init(&ao);
  ao.where = o->where;
  ao.functions = o->functions;
  ao.n_functions = o->n_functions;
  patron_audience au = {0};
  patron_status st = patron_audience_select(p, x->ds, &ao, &au, err);
  x->groups = calloc(1, sizeof *x->groups);
  if (st == PATRON_OK && !x->groups)
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    for (size_t r = 0; r < x->n_rows; r++)
      x->group[r] = -1;
    for (size_t i = 0; i < au.n_selected; i++)
      x->group[au.rows[i]] = 0;
    x->groups[0] =
        (patron_portrait_group){o->group_name ? o->group_name : o->where, NULL, au.n_selected};
    x->n_groups = 1;
  }
  patron_audience_free(&au);
  return st;
}

/* Counts of one part of the rows: per group row (0 = the base) the dimension slots, then
 * the affinity slots (spend in money units). */
static void count_part(void *ctx, size_t lo, size_t hi, void *partial) {
  const pctx *x = ctx;
  int64_t *acc = partial;
  patron_lines_view lv = x->lines;
  for (size_t r = lo; r < hi; r++) {
    int64_t *grp = x->group[r] >= 0 ? acc + (size_t)(x->group[r] + 1) * x->n_slots : NULL;
    for (size_t d = 0; d < x->n_dims; d++) {
      int32_t s = patron__pdim_slot(&x->dims[d], x->cust, r);
      if (s < 0)
        continue;
      acc[x->dims[d].offset + (size_t)s]++;
      if (grp)
        grp[x->dims[d].offset + (size_t)s]++;
    }
    if (!x->n_aff)
      continue;
    uint32_t c = x->cust[r];
    for (uint32_t k = lv.start[c]; k < lv.start[c + 1]; k++) {
      if (lv.time[k] < x->lo || lv.time[k] >= x->hi || lv.amount[k] <= 0)
        continue;
      for (size_t a = 0; a < x->n_aff; a++) {
        uint32_t code = x->aff_dict[a] == affinity_dicts[0] ? lv.category[k] : lv.brand[k];
        if (code == 0)
          continue;
        acc[x->aff_offset[a] + code] += lv.amount[k];
        if (grp)
          grp[x->aff_offset[a] + code] += lv.amount[k];
      }
    }
  }
}

static void merge_counts(void *ctx, void *acc, const void *partial) {
  const pctx *x = ctx;
  int64_t *a = acc;
  const int64_t *p = partial;
  for (size_t i = 0; i < (x->n_groups + 1) * x->n_slots; i++)
    a[i] += p[i];
}

static bool setup_dims(pctx *x, const patron_portrait_options *o) {
  for (size_t i = 0; i < N_DIM_NAMES; i++)
    if (resolve_dim(x->t, x->ds, dim_names[i], &x->dims[x->n_dims]))
      x->n_dims++;
  if (x->ds && x->cust && !patron__portrait_attrs(x))
    return false;
  for (size_t d = 0; d < x->n_dims; d++) {
    x->dims[d].offset = x->n_slots;
    x->n_slots += x->dims[d].n_values;
  }
  if (x->ds && patron_dataset_has_lines(x->ds)) {
    patron_dataset_lines(x->ds, &x->lines);
    for (size_t a = 0; a < 2; a++) {
      size_t n = patron_dataset_dict_size(x->ds, affinity_dicts[a]);
      if (n < 2)
        continue;
      x->aff_dict[x->n_aff] = affinity_dicts[a];
      x->aff_size[x->n_aff] = n;
      x->aff_offset[x->n_aff++] = x->n_slots;
      x->n_slots += n;
    }
  }
  int64_t as_of = (int64_t)x->as_of * 86400;
  x->lo = as_of - (int64_t)o->window_days * 86400;
  x->hi = as_of;
  return true;
}

static patron_status build(pctx *x, const patron_portrait_options *o, patron_portrait *out,
                           patron_error *err) {
  memset(out, 0, sizeof *out);
  x->n_rows = patron_table_n_rows(x->t);
  x->group = malloc((x->n_rows ? x->n_rows : 1) * sizeof *x->group);
  if (!x->group)
    return PATRON__OOM(err);
  patron_status st = o->by  ? groups_by(x, o, err)
                     : x->p ? group_where(x, x->p, o, err)
                            : patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                                                "portrait: --where needs a profile");
  if (st == PATRON_OK && !setup_dims(x, o))
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    x->counts = calloc((x->n_groups + 1) * x->n_slots + 1, sizeof *x->counts);
    st = x->counts ? PATRON_OK : PATRON__OOM(err);
  }
  if (st == PATRON_OK) {
    size_t parts = x->n_rows / 65536 + 1;
    st = patron__exec_reduce(o->n_threads, x->n_rows, parts > 16 ? 16 : parts,
                             ((x->n_groups + 1) * x->n_slots + 1) * sizeof *x->counts, count_part,
                             merge_counts, x, x->counts, err);
  }
  out->base_customers = x->n_rows;
  out->groups = x->groups; /* owned by out from here on; freed with it on failure */
  out->n_groups = x->n_groups;
  if (st == PATRON_OK)
    st = patron__portrait_tables(x, out, err);
  if (st == PATRON_OK)
    st = patron__portrait_stats(x, o, out, err);
  if (st != PATRON_OK)
    patron_portrait_free(out);
  patron__portrait_attrs_free(x);
  free(x->counts);
  free(x->group);
  return st;
}

patron_status patron_portrait_build(const patron_profile *p, const patron_dataset *ds,
                                    const patron_portrait_options *o, patron_portrait *out,
                                    patron_error *err) {
  pctx x = {.p = p,
            .ds = ds,
            .as_of = patron_profile_as_of(p),
            .t = patron_profile_table_const(p),
            .cust = patron_profile_customers(p)};
  return build(&x, o, out, err);
}

patron_status patron_portrait_build_table(const patron_table *t, const uint32_t *customers,
                                          const patron_dataset *ds, int32_t as_of,
                                          const patron_portrait_options *o, patron_portrait *out,
                                          patron_error *err) {
  pctx x = {.ds = customers ? ds : NULL, .as_of = as_of, .t = t, .cust = customers};
  return build(&x, o, out, err);
}
