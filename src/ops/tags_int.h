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

#endif
