/* The containers of experiments (include/patron/experiment.h): arms and assignments, built
 * by the assignment (src/ops) and by the reader of assignment files (src/io), freed here. */
#include "core/assign_int.h"

#include <stdlib.h>
#include <string.h>

void patron_arms_clear(patron_arms *arms) {
  if (!arms)
    return;
  for (size_t i = 0; i < arms->n; i++)
    free(arms->names[i]);
  free(arms->names);
  free(arms->weights);
  memset(arms, 0, sizeof *arms);
}

size_t patron_arms_control(const patron_arms *arms) {
  for (size_t i = 0; i < arms->n; i++)
    if (strcmp(arms->names[i], "control") == 0)
      return i;
  return 0;
}

bool patron__arms_add(patron_arms *arms, const char *name, size_t len, double weight) {
  char **names = realloc(arms->names, (arms->n + 1) * sizeof *names);
  if (!names)
    return false;
  arms->names = names;
  double *w = realloc(arms->weights, (arms->n + 1) * sizeof *w);
  if (!w)
    return false;
  arms->weights = w;
  char *copy = strndup(name, len);
  if (!copy)
    return false;
  names[arms->n] = copy;
  w[arms->n++] = weight;
  return true;
}

bool patron__arms_copy(patron_arms *dst, const patron_arms *src) {
  memset(dst, 0, sizeof *dst);
  for (size_t i = 0; i < src->n; i++)
    if (!patron__arms_add(dst, src->names[i], strlen(src->names[i]), src->weights[i])) {
      patron_arms_clear(dst);
      return false;
    }
  return true;
}

patron_assignments *patron__assignments_new(const char *name, size_t n, size_t text_bytes) {
  patron_assignments *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->n = n;
  a->name = strdup(name);
  a->ids = malloc((n ? n : 1) * sizeof *a->ids);
  a->arm = malloc((n ? n : 1) * sizeof *a->arm);
  a->bucket = malloc((n ? n : 1) * sizeof *a->bucket);
  a->id_text = malloc(text_bytes ? text_bytes : 1);
  if (!a->name || !a->ids || !a->arm || !a->bucket || !a->id_text) {
    patron_assignments_free(a);
    return NULL;
  }
  return a;
}

void patron_assignments_free(patron_assignments *a) {
  if (!a)
    return;
  free(a->name);
  free(a->ids);
  free(a->arm);
  free(a->bucket);
  free(a->id_text);
  patron_arms_clear(&a->arms);
  free(a);
}

patron_status patron_assignments_set_arms(patron_assignments *a, const patron_arms *arms,
                                          patron_error *err) {
  size_t *map = malloc((a->arms.n ? a->arms.n : 1) * sizeof *map);
  bool *used = calloc(arms->n ? arms->n : 1, sizeof *used);
  patron_status st = map && used ? PATRON_OK : PATRON__OOM(err);
  for (size_t k = 0; st == PATRON_OK && k < a->arms.n; k++) {
    size_t j = 0;
    while (j < arms->n && strcmp(arms->names[j], a->arms.names[k]) != 0)
      j++;
    if (j == arms->n)
      st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "the assignments' arm '%s' is not among the arms given",
                             a->arms.names[k]);
    else
      map[k] = j, used[j] = true;
  }
  for (size_t j = 0; st == PATRON_OK && j < arms->n; j++)
    if (!used[j])
      st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "arm '%s' has no customer in the assignments", arms->names[j]);
  patron_arms copy;
  if (st == PATRON_OK && !patron__arms_copy(&copy, arms))
    st = PATRON__OOM(err);
  if (st == PATRON_OK) {
    for (size_t i = 0; i < a->n; i++)
      a->arm[i] = (uint32_t)map[a->arm[i]];
    patron_arms_clear(&a->arms);
    a->arms = copy;
  }
  free(map);
  free(used);
  return st;
}
