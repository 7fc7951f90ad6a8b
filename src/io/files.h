/* Internal file helpers shared by every reader and writer of the library: paths built
 * with a length check, whole small files read with a size cap. */
#ifndef PATRON_IO_FILES_H
#define PATRON_IO_FILES_H

#include "core/core_int.h"
#include "patron/dataset.h"

#include <stddef.h>

/* DIR/NAME into buf; PATRON_ERR_LIMIT naming the path when it does not fit (never a
 * silently truncated name). */
patron_status patron__path_join(char *buf, size_t cap, const char *dir, const char *name,
                                patron_error *err);

/* The cap on rule files read whole (tags and segments, triggers, campaign matrices). */
#define PATRON__RULES_FILE_MAX ((size_t)16 << 20)

/* Reads a whole file into a NUL-terminated malloc'ed buffer (free() it). A file larger
 * than max_bytes is PATRON_ERR_LIMIT; a missing or unreadable one PATRON_ERR_IO. */
patron_status patron__read_file(const char *path, size_t max_bytes, char **out, size_t *len,
                                patron_error *err);

/* PATRON_ERR_USAGE when path names one of ds's input files (the same file, through any
 * name or link): an output must never overwrite what the run reads. */
patron_status patron__check_not_input(const char *path, const patron_dataset *ds,
                                      patron_error *err);

#endif
