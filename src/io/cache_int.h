/* The dataset cache (docs/CACHE.md, a SPEC extension): a loaded dataset written to one
 * binary file keyed by its inputs, read back instead of parsing the files again. The codec
 * (dataset_codec.c) writes and reads the file's body; dataset_cache.c decides when a cache
 * file serves a load. */
#ifndef PATRON_IO_CACHE_INT_H
#define PATRON_IO_CACHE_INT_H

#include "core/dataset_int.h"

#include <stdio.h>

/* Bumped whenever the file's layout or the dataset's meaning changes: a file of another
 * version is rebuilt (with a note), never read. */
#define PATRON__CACHE_VERSION 2

/* What a cache file holds besides the dataset: the key it was written under (the inputs'
 * fingerprints and the load options) and the loader's warnings, replayed on reuse. */
typedef struct patron__cache_meta {
  const char *key; /* NUL-terminated */
  const char *const *warnings;
  size_t n_warnings;
} patron__cache_meta;

/* Writes ds (finalized by patron_dataset_load) and meta to f. False on a write error or
 * when memory runs out. n_threads: the checksum's (0: all cores; the file is the same). */
bool patron__cache_encode(FILE *f, const patron_dataset *ds, const patron__cache_meta *meta,
                          int n_threads);

/* A decoded cache file: the dataset (its paths unset: the caller's) and the warnings. */
typedef struct patron__cache_contents {
  patron_dataset *ds;
  char **warnings;
  size_t n_warnings;
  int64_t max_event_time; /* INT64_MIN when no event */
  int32_t max_signup_day; /* PATRON_NO_DAY when no member has one */
} patron__cache_contents;

void patron__cache_contents_free(patron__cache_contents *c);

/* Reads a cache file held in mem[0, size) (8-byte aligned): the dataset's columns and
 * strings point into it; mapped: mem is the file's mapping, handed over (unmapped with the
 * dataset, or at once on failure); else a buffer the caller keeps alive as long as the
 * dataset. A file written under another key than `key` (NULL: any), of another version,
 * with a wrong checksum (when check_sum; false only for the fuzzer, to reach the checks
 * behind it), truncated or inconsistent: PATRON_ERR_INPUT saying why; never a crash.
 * n_threads: the checksum's (0: all cores). */
patron_status patron__cache_decode(const uint8_t *mem, uint64_t size, bool mapped, const char *key,
                                   bool check_sum, int n_threads, patron__cache_contents *out,
                                   patron_error *err);

/* patron_dataset_load without the cache (load.c), and with it (dataset_cache.c). */
patron_status patron__dataset_load_files(const patron_load_options *opts, patron_dataset **out,
                                         patron_error *err);
patron_status patron__dataset_load_cached(const patron_load_options *opts, patron_dataset **out,
                                          patron_error *err);

#endif
