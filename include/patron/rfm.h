/* RFM models over a profile table (SPEC section 3). Each reads the columns it needs
 * (recency_days, frequency, monetary, avg_order_value, tenure_days) and appends its own.
 * All of them consider only rows with frequency >= 1; other rows get "none". */
#ifndef PATRON_RFM_H
#define PATRON_RFM_H

#include "patron/table.h"

/* r_score, f_score, m_score (1..bins, ties equal), rfm_cell (3 digits), rfm_score. */
PATRON_API patron_status patron_rfm_scores(patron_table *t, int bins, patron_error *err);
/* rfm_class: the eight classes, cut at means (or medians). */
PATRON_API patron_status patron_rfm_classes(patron_table *t, bool median, patron_error *err);
/* Number of rfm_class labels, and the label of a class code (SPEC table order:
 * 0 important_value .. 7 general_retain), in Chinese with zh; NULL outside 0..7. */
#define PATRON_RFM_CLASSES 8
PATRON_API const char *patron_rfm_class_label(int code, bool zh);
/* The class code of R, F, M high or low (the SPEC rfm_class table). */
PATRON_API int patron_rfm_class_code(bool r_high, bool f_high, bool m_high);
/* segment: the named segments from the scores of `bins` bins (first matching rule; else
 * "others"). The rules are written for 5 bins: other scores are put on that scale first,
 * 1 + round(4 (s - 1) / (bins - 1)). */
PATRON_API patron_status patron_rfm_segments(patron_table *t, int bins, patron_error *err);
/* value_quadrant: frequency x average order value, cut at means. */
PATRON_API patron_status patron_value_quadrants(patron_table *t, patron_error *err);
/* abc_class: A = first ceil(a% n) by monetary desc (ties: row order), B = next ceil(b% n). */
PATRON_API patron_status patron_abc_classes(patron_table *t, double a_pct, double b_pct,
                                            patron_error *err);
/* lifecycle: prospect, new, active, silent, dormant, churned by the window flags. */
PATRON_API patron_status patron_lifecycles(patron_table *t, int new_days, int active_days,
                                           int silent_days, int dormant_days, patron_error *err);

#endif
