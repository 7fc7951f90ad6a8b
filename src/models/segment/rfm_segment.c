/* Named segments from the R, F, M scores (SPEC section 3, segment): the first rule whose
 * inclusive ranges contain (r_score, f_score, m_score) wins; no match is "others". The
 * ranges are written for 5 bins, as in the SPEC table; scores of K bins are first put on
 * that scale (docs/FIGURES.md). */
#include "core/table_int.h"
#include "models/segment/segment_int.h"
#include "patron/rfm.h"

typedef struct segment_rule {
  const char *name;
  int r_lo, r_hi, f_lo, f_hi, m_lo, m_hi;
} segment_rule;

static const segment_rule rules[] = {
    {"champions", 4, 5, 4, 5, 4, 5},          {"loyal_customers", 2, 5, 3, 5, 3, 5},
    {"potential_loyalist", 3, 5, 1, 3, 1, 3}, {"new_customers", 4, 5, 1, 1, 1, 1},
    {"promising", 3, 4, 1, 1, 1, 1},          {"need_attention", 2, 3, 2, 3, 2, 3},
    {"about_to_sleep", 2, 3, 1, 2, 1, 2},     {"at_risk", 1, 2, 2, 5, 2, 5},
    {"cant_lose_them", 1, 1, 4, 5, 4, 5},     {"hibernating", 1, 2, 1, 2, 1, 2},
};
enum { N_RULES = sizeof rules / sizeof *rules };

static const char *const segment_labels[N_RULES + 1] = {
    "champions",      "loyal_customers", "potential_loyalist",
    "new_customers",  "promising",       "need_attention",
    "about_to_sleep", "at_risk",         "cant_lose_them",
    "hibernating",    "others"};
/* Chinese names, shown beside the labels in the report (as rfm_class and lifecycle do). */
static const char *const segment_labels_zh[N_RULES + 1] = {
    "冠军客户",     "忠诚客户",     "潜在忠诚客户",   "新客户",   "有潜力客户", "需要关注客户",
    "即将沉睡客户", "流失风险客户", "不能失去的客户", "休眠客户", "其他客户"};

static bool in(int64_t v, int lo, int hi) { return v >= lo && v <= hi; }

/* A score of 1..bins on the 1..5 scale of the rules: 1 + round(4 (s - 1) / (bins - 1)). */
static int64_t on_five(int64_t s, int bins) {
  if (bins == 5 || bins < 2)
    return s;
  return 1 + (8 * (s - 1) + (bins - 1)) / (2 * (bins - 1));
}

static int32_t segment_of(int64_t r, int64_t f, int64_t m) {
  for (int32_t i = 0; i < N_RULES; i++)
    if (in(r, rules[i].r_lo, rules[i].r_hi) && in(f, rules[i].f_lo, rules[i].f_hi) &&
        in(m, rules[i].m_lo, rules[i].m_hi))
      return i;
  return N_RULES;
}

int32_t patron__segment_code(int64_t r, int64_t f, int64_t m, int bins) {
  return segment_of(on_five(r, bins), on_five(f, bins), on_five(m, bins));
}

patron_status patron__segment_column(patron_table *t, int32_t **codes, patron_error *err) {
  return patron_table_add_category(t, "segment", segment_labels, segment_labels_zh, N_RULES + 1,
                                   true, codes, err);
}

patron_status patron_rfm_segments(patron_table *t, int bins, patron_error *err) {
  const char *step = "segment";
  const int64_t *r = patron__column_data(t, "r_score", PATRON_COL_INT, step, err);
  const int64_t *f = patron__column_data(t, "f_score", PATRON_COL_INT, step, err);
  const int64_t *m = patron__column_data(t, "m_score", PATRON_COL_INT, step, err);
  if (!r || !f || !m)
    return err ? err->status : PATRON_ERR_USAGE;
  int32_t *seg;
  patron_status st = patron__segment_column(t, &seg, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(t);
  for (size_t i = 0; i < n; i++)
    if (r[i] != PATRON_NULL_INT)
      seg[i] = patron__segment_code(r[i], f[i], m[i], bins);
  return PATRON_OK;
}
