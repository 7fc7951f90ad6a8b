/* Status texts and the one function that records every error (break here to catch all). */
#include "core/core_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *patron_strerror(patron_status status) {
  switch (status) {
#define PATRON_X_CASE(name, text)                                                                  \
  case name: return text;
    PATRON_STATUS_LIST(PATRON_X_CASE)
#undef PATRON_X_CASE
  }
  return "unknown status";
}

void patron_error_clear(patron_error *err) {
  if (err)
    memset(err, 0, sizeof *err);
}

patron_status patron__error_set(patron_error *err, patron_status status, const char *file,
                                uint64_t line, uint32_t column, const char *fmt, ...) {
  if (!err || err->status != PATRON_OK)
    return status;
  err->status = status;
  err->line = line;
  err->column = column;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

const char *patron_error_format(const patron_error *err, char *buf, unsigned cap) {
  if (!err || cap == 0)
    return buf;
  const char *msg = err->message[0] ? err->message : patron_strerror(err->status);
  if (err->file[0] && err->line)
    snprintf(buf, cap, "%s:%llu: %s", err->file, (unsigned long long)err->line, msg);
  else if (err->file[0])
    snprintf(buf, cap, "%s: %s", err->file, msg);
  else
    snprintf(buf, cap, "%s", msg);
  return buf;
}
