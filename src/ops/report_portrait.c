/* The report's portrait section (SPEC 14 report, SPEC 17 portrait; issue 15 item 4): one
 * group per rfm_class against all customers (patron_portrait_build_table), and per
 * dimension the value each class over-indexes on most: the highest TGI among the values
 * holding at least 5% of the class (the rule of `patron portrait`'s printed summary). */
#include "ops/report_int.h"
#include "patron/portrait.h"

#include <math.h>
#include <string.h>

/* Row of the value with the highest TGI among rows [lo, hi) holding 5%+; SIZE_MAX: none. */
static size_t top_row(const double *share, const double *tgi, size_t lo, size_t hi) {
  size_t best = SIZE_MAX;
  for (size_t r = lo; r < hi; r++)
    if (share[r] >= 0.05 && (best == SIZE_MAX || tgi[r] > tgi[best]))
      best = r;
  return best;
}

static json_t *dimension_json(const patron_portrait *pt, const char *dim) {
  const patron_table *t = pt->portrait;
  const char *const *grp = patron_table_find(t, "group")->data;
  const char *const *name = patron_table_find(t, "dimension")->data;
  const char *const *value = patron_table_find(t, "value")->data;
  const double *share = patron_table_find(t, "share")->data;
  const double *tgi = patron_table_find(t, "tgi")->data;
  size_t n = patron_table_n_rows(t);
  const char *zh = patron_portrait_name_zh(dim);
  json_t *cells = json_array();
  for (size_t g = 0; g < pt->n_groups && cells; g++) {
    size_t lo = 0;
    while (lo < n && !(grp[lo] == pt->groups[g].name && strcmp(name[lo], dim) == 0))
      lo++;
    size_t hi = lo;
    while (hi < n && grp[hi] == pt->groups[g].name && strcmp(name[hi], dim) == 0)
      hi++;
    size_t r = top_row(share, tgi, lo, hi);
    json_array_append_new(cells, r == SIZE_MAX ? json_null()
                                               : json_pack("[s,s?,f,f]", value[r], pt->value_zh[r],
                                                           share[r], round(10 * tgi[r]) / 10));
  }
  return json_pack("{s:s,s:s?,s:o}", "name", dim, "name_zh", zh, "cells", cells);
}

json_t *patron__report_portrait(const patron_report_input *in) {
  patron_portrait_options o;
  patron_portrait_options_init(&o);
  o.by = "rfm_class";
  patron_portrait pt;
  patron_error err = {0};
  if (!patron_table_find(in->table, "rfm_class") ||
      patron_portrait_build_table(in->table, in->ds ? in->customers : NULL, in->ds, in->as_of, &o,
                                  &pt, &err) != PATRON_OK)
    return json_null();
  json_t *groups = json_array(), *dims = json_array();
  for (size_t g = 0; g < pt.n_groups; g++)
    json_array_append_new(groups, json_pack("{s:s,s:s?,s:I}", "name", pt.groups[g].name, "name_zh",
                                            pt.groups[g].name_zh, "customers",
                                            (json_int_t)pt.groups[g].customers));
  const char *const *name = patron_table_find(pt.portrait, "dimension")->data;
  size_t n = patron_table_n_rows(pt.portrait);
  for (size_t r = 0; r < n; r++) /* dimensions in table order, each once */
    if (r == 0 || strcmp(name[r], name[r - 1]) != 0) {
      bool seen = false;
      for (size_t k = 0; k < json_array_size(dims) && !seen; k++)
        seen = strcmp(json_string_value(json_object_get(json_array_get(dims, k), "name")),
                      name[r]) == 0;
      if (!seen)
        json_array_append_new(dims, dimension_json(&pt, name[r]));
    }
  json_t *out = json_pack("{s:s,s:I,s:o,s:o}", "by", "rfm_class", "base_customers",
                          (json_int_t)pt.base_customers, "groups", groups, "dimensions", dims);
  patron_portrait_free(&pt);
  return out;
}
