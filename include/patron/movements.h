/* Movements between two snapshots and member-level warnings (SPEC section 10): who moved
 * from which segment to which, in which direction by each segmentation's order (best first),
 * and the level_warning column (upgrade_near, downgrade_risk). */
#ifndef PATRON_MOVEMENTS_H
#define PATRON_MOVEMENTS_H

#include "patron/dataset.h"
#include "patron/profile.h"
#include "patron/table.h"
#include "patron/tiers.h"

#include <stddef.h>

/* Pseudo-values of a customer's segment (SPEC section 10). */
#define PATRON_MOVE_NONE  "(none)"  /* absent from that snapshot */
#define PATRON_MOVE_EMPTY "(empty)" /* present with an empty value */

typedef enum patron_direction {
  PATRON_DIR_SAME,
  PATRON_DIR_UP,
  PATRON_DIR_DOWN,
  PATRON_DIR_CHANGED, /* no order for the segmentation, or (none)/(empty)/prospect involved */
} patron_direction;

PATRON_API const char *patron_direction_name(patron_direction d); /* same, up, down, changed */

/* Rank of a value in the segmentation's order, best first (0 = best), or -1 when the
 * segmentation has no order or the value is outside it (prospect, (none), (empty)). Orders:
 * rfm_class and segment in SPEC section 3 table order (segment then `others`); lifecycle
 * new, active, silent, dormant, churned; abc_class A, B, C; tier high_value, potential,
 * regular, maintain; member_level diamond, gold, silver, normal. */
PATRON_API int patron_segmentation_rank(const char *segmentation, const char *value);

/* Direction of a move from -> to (texts; equal texts are SAME). */
PATRON_API patron_direction patron_move_direction(const char *segmentation, const char *from,
                                                  const char *to);

/* A column's value as the text used by movements: the label of a category, the text of a
 * string, the printed number otherwise; PATRON_MOVE_EMPTY for "none". buf (32 bytes) holds
 * numbers; the result may point at it or into the column's data. */
PATRON_API const char *patron_cell_text(const patron_column *c, size_t row, char buf[32]);

/* One cell of the movement matrix. */
typedef struct patron_movement {
  const char *from, *to; /* owned by the result */
  size_t customers;
  patron_money revenue; /* monetary in the `to` snapshot (0 where absent or empty) */
} patron_movement;

/* One changed customer. */
typedef struct patron_change {
  const char *customer_id, *from, *to; /* owned by the result or the tables */
  patron_direction direction;
} patron_change;

typedef struct patron_movements patron_movements;

/* Compares the segmentation `by` of two profile tables (rows in customer_id byte order, as
 * snapshots and profiles are) over every customer of either. Cells are ordered by the
 * values' order: the segmentation's order (else its labels' order, else first seen), then
 * (empty), then (none); only non-empty cells are kept. `by` missing from both tables is
 * PATRON_ERR_INPUT. The tables must outlive the result. Free with patron_movements_free. */
PATRON_API patron_status patron_movements_compute(const patron_table *from, const patron_table *to,
                                                  const char *by, patron_movements **out,
                                                  patron_error *err);
PATRON_API void patron_movements_free(patron_movements *m);
PATRON_API const patron_movement *patron_movements_cells(const patron_movements *m, size_t *n);
PATRON_API const patron_change *patron_movements_changes(const patron_movements *m, size_t *n);
/* The distinct values in matrix order (rows and columns of the printed matrix). */
PATRON_API const char *const *patron_movements_values(const patron_movements *m, size_t *n);

/* movements.csv (from,to,customers,revenue) and changes.csv (customer_id,from,to,direction). */
PATRON_API patron_status patron_movements_write(const patron_movements *m, const char *dir,
                                                patron_error *err);

/* Appends level_warning (category: upgrade_near, downgrade_risk) to p's table from its
 * member_level column: upgrade_near when the spend over the last window_days is at least 90%
 * of the next level's threshold (and below it); otherwise downgrade_risk when the level is
 * above normal and the spend that will still be inside the window review_days from now
 * (orders in [as_of + review_days - window_days, as_of)) is below the level's threshold;
 * empty otherwise. */
PATRON_API patron_status patron_level_warning_add(patron_profile *p, const patron_dataset *ds,
                                                  const patron_level_options *levels,
                                                  int window_days, int review_days,
                                                  patron_error *err);

#endif
