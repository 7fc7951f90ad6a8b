/* Internal constructors of the experiment containers (src/core/assignments.c). */
#ifndef PATRON_ASSIGN_INT_H
#define PATRON_ASSIGN_INT_H

#include "core/core_int.h"
#include "patron/experiment.h"

/* Appends an arm (a copy of name[0..len)); false when memory runs out. */
bool patron__arms_add(patron_arms *arms, const char *name, size_t len, double weight);
/* Deep copy; false (dst empty) when memory runs out. */
bool patron__arms_copy(patron_arms *dst, const patron_arms *src);
/* n rows (ids, arm, bucket uninitialised) and an id_text block of text_bytes; arms empty. */
patron_assignments *patron__assignments_new(const char *name, size_t n, size_t text_bytes);

#endif
