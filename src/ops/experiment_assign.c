/* Experiment arms and assignment (SPEC section 12): "control:50,treatment:50" parsed into
 * weighted arms; each id's arm from its GrowthBook hash-version-2 bucket under the salt
 * (src/ops/hash.c); the assignment file customer_id,arm,bucket through the table writer. */
#include "core/assign_int.h"
#include "patron/hash.h"
#include "patron/output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool name_char(char ch) {
  return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.';
}

static patron_status arm_error(const char *spec, size_t at, const char *why, patron_error *err) {
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, (uint32_t)at + 1,
                           "--arms '%s': %s at character %zu", spec, why, at + 1);
}

/* One NAME[:WEIGHT] starting at spec[*at]. */
static patron_status parse_arm(const char *spec, size_t *at, patron_arms *out, patron_error *err) {
  size_t start = *at, i = start;
  while (name_char(spec[i]))
    i++;
  if (i == start)
    return arm_error(spec, i, "expected an arm name", err);
  double weight = 1;
  size_t end_name = i;
  if (spec[i] == ':') {
    char *end;
    weight = strtod(spec + i + 1, &end);
    if (end == spec + i + 1 || !isfinite(weight) || weight < 0)
      return arm_error(spec, i + 1, "expected a weight >= 0", err);
    i = (size_t)(end - spec);
  }
  for (size_t k = 0; k < out->n; k++)
    if (strlen(out->names[k]) == end_name - start &&
        memcmp(out->names[k], spec + start, end_name - start) == 0)
      return arm_error(spec, start, "arm named twice", err);
  if (!patron__arms_add(out, spec + start, end_name - start, weight))
    return PATRON__OOM(err);
  *at = i;
  return PATRON_OK;
}

patron_status patron_arms_parse(const char *spec, patron_arms *out, patron_error *err) {
  memset(out, 0, sizeof *out);
  size_t at = 0;
  patron_status st = PATRON_OK;
  while (st == PATRON_OK) {
    st = parse_arm(spec, &at, out, err);
    if (st != PATRON_OK || spec[at] == '\0')
      break;
    if (spec[at] != ',')
      st = arm_error(spec, at, "expected ',' between arms", err);
    at++;
  }
  double sum = 0;
  for (size_t i = 0; st == PATRON_OK && i < out->n; i++)
    sum += out->weights[i];
  if (st == PATRON_OK && out->n < 2)
    st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                           "--arms '%s': an experiment needs at least 2 arms", spec);
  if (st == PATRON_OK && !(sum > 0 && isfinite(sum)))
    st = patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                           "--arms '%s': the weights must add up to a number above 0", spec);
  if (st != PATRON_OK)
    patron_arms_clear(out);
  return st;
}

patron_status patron_experiment_assign(const char *name, const char *const *ids, size_t n,
                                       const patron_arms *arms, const char *salt,
                                       patron_assignments **out, patron_error *err) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++)
    bytes += strlen(ids[i]) + 1;
  patron_assignments *a = patron__assignments_new(name, n, bytes);
  if (!a || !patron__arms_copy(&a->arms, arms)) {
    patron_assignments_free(a);
    return PATRON__OOM(err);
  }
  size_t salt_len = strlen(salt);
  char *text = a->id_text;
  patron_status st = PATRON_OK;
  for (size_t i = 0; i < n && st == PATRON_OK; i++) {
    size_t len = strlen(ids[i]), arm = 0;
    memcpy(text, ids[i], len + 1);
    a->ids[i] = text;
    text += len + 1;
    a->bucket[i] = patron_hash_bucket(salt, salt_len, ids[i], len);
    st = patron_hash_choose_arm(a->bucket[i], arms->weights, arms->n, &arm, err);
    a->arm[i] = (uint32_t)arm;
  }
  if (st != PATRON_OK) {
    patron_assignments_free(a);
    return st;
  }
  *out = a;
  return PATRON_OK;
}

patron_status patron_assignments_write_csv(const patron_assignments *a, const char *path,
                                           patron_error *err) {
  patron_table *t = patron_table_new(a->n);
  if (!t)
    return PATRON__OOM(err);
  const char **ids;
  int32_t *arm;
  int64_t *bucket;
  patron_status st = patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&ids, err);
  if (st == PATRON_OK)
    st = patron_table_add_category(t, "arm", (const char *const *)a->arms.names, NULL,
                                   (int32_t)a->arms.n, false, &arm, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, "bucket", PATRON_COL_INT, (void **)&bucket, err);
  for (size_t i = 0; st == PATRON_OK && i < a->n; i++) {
    ids[i] = a->ids[i];
    arm[i] = (int32_t)a->arm[i];
    bucket[i] = a->bucket[i] == PATRON_NO_BUCKET ? PATRON_NULL_INT : (int64_t)a->bucket[i];
  }
  if (st == PATRON_OK)
    st = patron_write_table_csv(t, path, err);
  patron_table_free(t);
  return st;
}
