/* Internal helpers shared by every area: error recording, growable arrays, string arenas.
 * Not part of the public API (names carry the patron__ prefix). */
#ifndef PATRON_CORE_INT_H
#define PATRON_CORE_INT_H

#include "patron/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record an error (first one wins) and return status, so callers can write
 * `return patron__error_set(err, PATRON_ERR_INPUT, file, line, col, "...")`. */
patron_status patron__error_set(patron_error *err, patron_status status, const char *file,
                                uint64_t line, uint32_t column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Copies len bytes of input into out (NUL-terminated, cut to fit cap) with control bytes
 * and bytes that are not UTF-8 escaped (\n, \r, \t, \xHH; utf8.c), for messages that echo input: a
 * file's bytes must never reach a terminal as escape sequences or fake line breaks. Returns out. */
const char *patron__escape(char *out, size_t cap, const char *s, size_t len);

/* Whether s[0, len) is valid UTF-8 (utf8.c). */
bool patron__utf8_valid(const char *s, size_t len);
/* A malloc'ed NUL-terminated copy of s[0, n) with every invalid UTF-8 byte replaced by
 * U+FFFD (the JSON writer's repair); *n_bad counts them. NULL when out of memory. */
char *patron__utf8_repair(const char *s, size_t n, size_t *n_bad);

#define PATRON__OOM(err) patron__error_set((err), PATRON_ERR_NOMEM, NULL, 0, 0, "out of memory")

/* Ensure *items has room for `need` elements of `size` bytes; grows by doubling.
 * Returns false (leaving *items untouched) when memory runs out. */
bool patron__reserve(void **items, size_t *cap, size_t need, size_t size);

/* Asks the kernel for transparent huge pages on a large block (>= 4 MiB): on machines
 * where THP is "madvise", page faults on big columns otherwise cost a quarter of a load. */
void patron__advise_huge(void *p, size_t bytes);

/* realloc + patron__advise_huge; NULL (and *p untouched) on failure. */
void *patron__realloc_big(void *p, size_t bytes);

/* The loaders' fast path for the usual time layout, exactly "YYYY-MM-DD HH:MM:SS" (or 'T'
 * in the middle), read at fixed offsets (dates.c). The date's day number is kept in the
 * cache and reused while the date repeats (files in time order). True when s has exactly
 * that layout and is valid, *out being what patron_parse_time gives; false otherwise, and
 * the general parser decides. A zeroed cache is empty. */
typedef struct patron__date_cache {
  char date[10];
  int32_t day;
  bool set;
} patron__date_cache;
bool patron__parse_time_fixed(const char *s, size_t len, patron__date_cache *cache, int64_t *out);

/* A string arena: bump allocation in large blocks; strings live until the arena is freed. */
typedef struct patron__arena_block patron__arena_block;
typedef struct patron__arena {
  patron__arena_block *head;
  size_t used_bytes;
} patron__arena;

/* Copy len bytes (plus a NUL) into the arena; NULL when memory runs out. */
char *patron__arena_strdup(patron__arena *arena, const char *s, size_t len);
void patron__arena_free(patron__arena *arena);
/* Moves every block of src into dst (strings keep their addresses); src ends empty. */
void patron__arena_adopt(patron__arena *dst, patron__arena *src);

/* 64-bit hash of a byte string (wyhash-style mixing; not cryptographic). */
uint64_t patron__hash_bytes(const void *data, size_t len, uint64_t seed);

/* A decimal into a fixed-point integer with `decimals` places (0..9), rounded half away
 * from zero (see patron_parse_money, which is this with 4). */
patron_status patron__parse_decimal(const char *s, size_t len, int decimals, int64_t *out);

/* Number of worker threads to use for large work: online CPUs, at least 1. */
int patron__default_threads(void);

#endif
