/* Patron status codes and error detail.
 * Every library call returns a patron_status and, on failure, fills a caller-owned
 * patron_error with a message and, for bad input, the file, line and column. */
#ifndef PATRON_ERROR_H
#define PATRON_ERROR_H

#include <stdint.h>

#if defined(PATRON_BUILDING)
#define PATRON_API __attribute__((visibility("default")))
#else
#define PATRON_API
#endif

/* Append-only: never renumber. X(name, text) */
#define PATRON_STATUS_LIST(X)                                                                      \
  X(PATRON_OK, "ok")                                                                               \
  X(PATRON_ERR_NOMEM, "out of memory")                                                             \
  X(PATRON_ERR_IO, "I/O error")                                                                    \
  X(PATRON_ERR_INPUT, "bad input")                                                                 \
  X(PATRON_ERR_USAGE, "invalid argument")                                                          \
  X(PATRON_ERR_DOMAIN, "the data cannot support this computation")                                 \
  X(PATRON_ERR_NOCONV, "did not converge")                                                         \
  X(PATRON_ERR_LIMIT, "a size limit was exceeded")                                                 \
  X(PATRON_ERR_INTERNAL, "internal error")                                                         \
  X(PATRON_ERR_CANCELLED, "cancelled")

typedef enum patron_status {
#define PATRON_X_ENUM(name, text) name,
  PATRON_STATUS_LIST(PATRON_X_ENUM)
#undef PATRON_X_ENUM
} patron_status;

/* Error detail: the first error recorded wins. line/column are 0 when unknown. */
typedef struct patron_error {
  patron_status status;
  char message[512];
  char file[256];
  uint64_t line;
  uint32_t column;
} patron_error;

/* Static text for a status code (never NULL). */
PATRON_API const char *patron_strerror(patron_status status);

/* Reset an error record to "ok". Accepts NULL. */
PATRON_API void patron_error_clear(patron_error *err);

/* Format an error for people: "FILE:LINE: message" or just "message".
 * Writes at most cap bytes including the terminator; returns buf. */
PATRON_API const char *patron_error_format(const patron_error *err, char *buf, unsigned cap);

#endif
