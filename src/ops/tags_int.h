/* Insides of the tags module (SPEC section 7): the tag set owning what tag columns point
 * to; shared by tags_builtin.c and tags_rules.c. */
#ifndef PATRON_OPS_TAGS_INT_H
#define PATRON_OPS_TAGS_INT_H

#include "core/core_int.h"
#include "patron/tags.h"

struct patron_tagset {
  patron__arena text; /* labels and joined strings */
  void **blocks;      /* other owned memory (label arrays, rule files) */
  size_t n_blocks, cap_blocks;
};

/* Registers memory freed with the tag set; false (p freed) when out of memory. */
bool patron__tagset_own(patron_tagset *ts, void *p);

/* What the built-in tags read from the inputs, and so which columns they add: whether there
 * are order lines, a non-zero discount, a birth_date among the profile's customers, an
 * events file, and the non-empty values of the category, brand and channel dictionaries in
 * byte order (a column's labels). One process takes them from its dataset; the MPI backend
 * combines every rank's (docs/SCALE.md section 9), so each rank's columns carry the global
 * labels and every rank adds the same columns. */
enum { PATRON__TAG_CATEGORY, PATRON__TAG_BRAND, PATRON__TAG_CHANNEL, PATRON__TAG_DICTS };
extern const char *const patron__tag_dicts[PATRON__TAG_DICTS];
typedef struct patron__tag_inputs {
  bool lines, discount, birth_date, events;
  const char *const *labels[PATRON__TAG_DICTS];
  size_t n_labels[PATRON__TAG_DICTS];
} patron__tag_inputs;

/* The inputs of ds for profile p (the label arrays owned by ts; the strings are ds's). */
patron_status patron__tags_inputs(patron_tagset *ts, const patron_dataset *ds,
                                  const patron_profile *p, patron__tag_inputs *out,
                                  patron_error *err);
/* The notes of the tags the inputs leave out (summary.json "notes"); run may be NULL. */
void patron__tags_notes(patron_run *run, const patron__tag_inputs *in);
/* The inputs as far as the notes need them, from the tag columns present in `given` (the
 * columns an MPI run's ranks computed). */
void patron__tags_given_inputs(const patron_table *given, patron__tag_inputs *out);
/* patron_tags_builtin's columns from the given inputs (no notes), rows on n_threads
 * workers (0: all online cores; the columns never depend on it). */
patron_status patron__tags_builtin_with(patron_tagset *ts, patron_profile *p,
                                        const patron_dataset *ds, const patron_tags_options *o,
                                        const patron__tag_inputs *in, int n_threads,
                                        patron_error *err);

/* patron_tags_rules; with `given` (rank 0 of an MPI run, docs/SCALE.md section 9), the
 * rules' values come from given's columns (rows in p's order: each tag's column of codes
 * of "1" and "0", the segmentation's column), which the ranks computed with
 * patron_tags_rules over their own customers: the columns, the joined `tags` and the
 * errors are then made as in one process. */
patron_status patron__tags_rules_with(patron_tagset *ts, patron_profile *p,
                                      const patron_dataset *ds, const patron_tags_options *o,
                                      const patron_table *given, patron_error *err);

#endif
