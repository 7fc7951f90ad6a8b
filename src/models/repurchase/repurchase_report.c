/* The category repurchase report (docs/REPURCHASE.md): per category its buyers, repeat
 * buyers (>= 2 purchase days in it), the median cycle (median of the repeat buyers'
 * cycles), the share of repeat buyers whose first gap is within twice that cycle, the
 * share of buyers observed for a whole 2x window who came back within it, due and overdue
 * pairs. Medians are exact over collected values; merged across partitions they would need
 * the values (or a histogram of half-day cycles), not partial sums. */
#include "models/repurchase/repurchase_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct cat_stat {
  int64_t buyers, repeat, first_within, observed, returned, due, overdue;
  double cycle;
} cat_stat;

/* stats[code].cycle = median over the code's repeat buyers (NaN when none); counts. */
static bool category_cycles(const patron__pairs *p, cat_stat *stats, size_t n_cat) {
  size_t *at = calloc(n_cat + 1, sizeof *at);
  double *own = patron__realloc_big(NULL, (p->n ? p->n : 1) * sizeof *own);
  bool ok = at && own;
  const int64_t *days = p->cols.purchase_days;
  for (size_t i = 0; ok && i < p->n; i++) {
    stats[p->code[i]].buyers++;
    if (days[i] >= 2)
      at[p->code[i] + 1]++, stats[p->code[i]].repeat++;
  }
  for (size_t c = 0; ok && c < n_cat; c++)
    at[c + 1] += at[c];
  for (size_t i = 0; ok && i < p->n; i++)
    if (days[i] >= 2)
      own[at[p->code[i]]++] = p->cols.cycle[i];
  for (size_t c = 0, lo = 0; ok && c < n_cat; lo = at[c++])
    stats[c].cycle = at[c] > lo ? patron__median(own + lo, at[c] - lo) : NAN;
  free(at);
  free(own);
  return ok;
}

/* The 2x-cycle figures and due counts of pair i, added to its category. */
static void count_pair(const patron__pairs *p, size_t i, cat_stat *s) {
  if (isnan(s->cycle))
    return;
  double window = 2 * s->cycle;
  bool within = p->cols.purchase_days[i] >= 2 && p->first_gap[i] <= window;
  s->first_within += within;
  if (p->cols.first[i] + window < p->cols.as_of) {
    s->observed++;
    s->returned += within;
  }
  s->due += p->cols.status[i] == PATRON_REPURCHASE_DUE;
  s->overdue += p->cols.status[i] == PATRON_REPURCHASE_OVERDUE;
}

/* Fallback cycles for pairs with one day, then every pair's counts. */
static void count_pairs(patron__pairs *p, cat_stat *stats, bool fallback) {
  for (size_t i = 0; i < p->n; i++) {
    cat_stat *s = &stats[p->code[i]];
    if (fallback && p->cols.purchase_days[i] == 1 && !isnan(s->cycle))
      patron__cycle_cols_set(&p->cols, i, p->cols.last[i], s->cycle, false);
    count_pair(p, i, s);
  }
}

typedef struct report_cols {
  const char **category;
  int64_t *buyers, *repeat, *observed, *returned, *due, *overdue;
  double *repeat_share, *cycle, *first_share, *returned_share;
} report_cols;

static patron_status add_report_cols(patron_table *t, report_cols *c, patron_error *err) {
  struct {
    const char *name;
    patron_col_type type;
    void **data;
  } spec[] = {
      {"category", PATRON_COL_STRING, (void **)&c->category},
      {"buyers", PATRON_COL_INT, (void **)&c->buyers},
      {"repeat_buyers", PATRON_COL_INT, (void **)&c->repeat},
      {"repeat_share", PATRON_COL_DOUBLE, (void **)&c->repeat_share},
      {"median_cycle_days", PATRON_COL_DOUBLE, (void **)&c->cycle},
      {"first_gap_within_2x_share", PATRON_COL_DOUBLE, (void **)&c->first_share},
      {"observed_buyers", PATRON_COL_INT, (void **)&c->observed},
      {"returned_within_2x", PATRON_COL_INT, (void **)&c->returned},
      {"returned_within_2x_share", PATRON_COL_DOUBLE, (void **)&c->returned_share},
      {"due", PATRON_COL_INT, (void **)&c->due},
      {"overdue", PATRON_COL_INT, (void **)&c->overdue},
  };
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < sizeof spec / sizeof *spec; i++)
    st = patron_table_add(t, spec[i].name, spec[i].type, spec[i].data, err);
  if (st == PATRON_OK)
    patron_table_set_decimals(t, "median_cycle_days", 2);
  return st;
}

static double share(int64_t part, int64_t whole) {
  return whole ? (double)part / (double)whole : NAN;
}

static void fill_report_row(const report_cols *c, size_t r, const char *name, const cat_stat *s) {
  c->category[r] = name;
  c->buyers[r] = s->buyers;
  c->repeat[r] = s->repeat;
  c->repeat_share[r] = share(s->repeat, s->buyers);
  c->cycle[r] = s->cycle;
  c->due[r] = s->due;
  c->overdue[r] = s->overdue;
  if (isnan(s->cycle))
    return; /* no repeat buyer: the 2x figures are undefined */
  c->first_share[r] = share(s->first_within, s->repeat);
  c->observed[r] = s->observed;
  c->returned[r] = s->returned;
  c->returned_share[r] = share(s->returned, s->observed);
}

static patron_status report_table(const char *const *names, const cat_stat *stats,
                                  const uint32_t *code_of_rank, size_t n_cat, patron_table **out,
                                  patron_error *err) {
  size_t rows = 0;
  for (size_t c = 0; c < n_cat; c++)
    rows += stats[c].buyers > 0;
  patron_table *t = patron_table_new(rows);
  if (!t)
    return PATRON__OOM(err);
  report_cols cols;
  patron_status st = add_report_cols(t, &cols, err);
  for (size_t k = 0, r = 0; st == PATRON_OK && k < n_cat; k++) {
    uint32_t code = code_of_rank[k];
    if (stats[code].buyers)
      fill_report_row(&cols, r++, names[code], &stats[code]);
  }
  if (st != PATRON_OK)
    patron_table_free(t);
  else
    *out = t;
  return st;
}

patron_status patron__category_report(patron__pairs *pairs, const char *const *names,
                                      const uint32_t *code_of_rank, size_t n_cat, bool fallback,
                                      patron_table **out, patron_error *err) {
  cat_stat *stats = calloc(n_cat ? n_cat : 1, sizeof *stats);
  if (!stats || !category_cycles(pairs, stats, n_cat)) {
    free(stats);
    return PATRON__OOM(err);
  }
  count_pairs(pairs, stats, fallback);
  patron_status st = report_table(names, stats, code_of_rank, n_cat, out, err);
  free(stats);
  return st;
}
