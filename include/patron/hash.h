/* Deterministic assignment hashing, the same as GrowthBook's SDK (hash version 2), so an id
 * lands in the same arm in Patron and in a GrowthBook experiment with the same salt (SPEC
 * section 12): n = fnv1a32(decimal(fnv1a32(salt + id))) mod 10000 / 10000, FNV-1a 32-bit over
 * the UTF-16 code units of the text. Used by experiments and by trigger holdouts. */
#ifndef PATRON_HASH_H
#define PATRON_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "patron/error.h"

/* FNV-1a 32-bit over the UTF-16 code units of a UTF-8 text of len bytes (each unit XORed in
 * whole, then multiplied by the FNV prime 16777619 mod 2^32; offset basis 2166136261).
 * Code points above U+FFFF count as their two surrogates; a byte that does not start a
 * valid UTF-8 sequence counts as U+FFFD, as a browser's decoder would give it. Total. */
PATRON_API uint32_t patron_fnv1a32_utf16(const char *text, size_t len);

/* The hash-version-2 bucket of id under salt: fnv1a32(decimal(fnv1a32(salt + id))) mod
 * 10000, an integer in 0..9999 (n = bucket / 10000). Texts are UTF-8, of the given byte
 * lengths. Total. */
PATRON_API uint32_t patron_hash_bucket(const char *salt, size_t salt_len, const char *id,
                                       size_t id_len);

/* The arm of bucket under weights (n_arms > 0, each >= 0, sum > 0): arms in the given order
 * take consecutive ranges of n = bucket / 10000 in proportion to their weights, the ranges
 * [start, start + w / sum) built by accumulating normalized weights as GrowthBook's
 * getBucketRanges does. Writes the arm index to *arm; PATRON_ERR_USAGE on bad weights. */
PATRON_API patron_status patron_hash_choose_arm(uint32_t bucket, const double *weights,
                                                size_t n_arms, size_t *arm, patron_error *err);

#endif
