/* CSV field quoting for the writers (RFC 4180). */
#include "io/write_int.h"

void patron__buf_csv_field(patron__buf *b, const char *s, size_t n) {
  bool quote = false;
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    patron__buf_put(b, s, n);
    return;
  }
  patron__buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      patron__buf_putc(b, '"');
    patron__buf_putc(b, s[i]);
  }
  patron__buf_putc(b, '"');
}
