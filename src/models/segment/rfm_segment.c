/* Named segments from the R, F, M scores (SPEC section 3, segment): the first rule whose
 * inclusive ranges contain (r_score, f_score, m_score) wins; no match is "others". The
 * ranges are written for 5 bins, as in the SPEC table. */
#include "core/table_int.h"
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

static bool in(int64_t v, int lo, int hi) { return v >= lo && v <= hi; }

static int32_t segment_of(int64_t r, int64_t f, int64_t m) {
  for (int32_t i = 0; i < N_RULES; i++)
    if (in(r, rules[i].r_lo, rules[i].r_hi) && in(f, rules[i].f_lo, rules[i].f_hi) &&
        in(m, rules[i].m_lo, rules[i].m_hi))
      return i;
  return N_RULES;
}

patron_status patron_rfm_segments(patron_table *t, patron_error *err) {
  const char *step = "segment";
  const int64_t *r = patron__column_data(t, "r_score", PATRON_COL_INT, step, err);
  const int64_t *f = patron__column_data(t, "f_score", PATRON_COL_INT, step, err);
  const int64_t *m = patron__column_data(t, "m_score", PATRON_COL_INT, step, err);
  if (!r || !f || !m)
    return err ? err->status : PATRON_ERR_USAGE;
  int32_t *seg;
  patron_status st =
      patron_table_add_category(t, "segment", segment_labels, NULL, N_RULES + 1, true, &seg, err);
  if (st != PATRON_OK)
    return st;
  size_t n = patron_table_n_rows(t);
  for (size_t i = 0; i < n; i++)
    if (r[i] != PATRON_NULL_INT)
      seg[i] = segment_of(r[i], f[i], m[i]);
  return PATRON_OK;
}
