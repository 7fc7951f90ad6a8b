/* CSV field quoting for the writers (RFC 4180), the OWASP formula-injection guard
 * (https://owasp.org/www-community/attacks/CSV_Injection) and the Excel byte-order mark. */
#include "io/write_int.h"
#include "patron/table.h"

#include <stdio.h>
#include <stdlib.h>

void patron__buf_double(patron__buf *b, double v, int decimals) {
  char tmp[400]; /* %.*f of the largest double with up to 60 decimals fits */
  int n;
  if (decimals == PATRON_DECIMALS_EXACT) {
    n = snprintf(tmp, sizeof tmp, "%.15g", v); /* the shortest of %.15g/%.17g reading back v */
    if (strtod(tmp, NULL) != v)
      n = snprintf(tmp, sizeof tmp, "%.17g", v);
  } else {
    if (decimals < 0 || decimals > 60)
      decimals = 6;
    n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
  }
  if (n > 0)
    patron__buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void patron__buf_csv_field(patron__buf *b, const char *s, size_t n) {
  bool guard = b->formula_guard && n > 0 && formula_start(s[0]);
  bool quote = false;
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    if (guard)
      patron__buf_putc(b, '\'');
    patron__buf_put(b, s, n);
    return;
  }
  patron__buf_putc(b, '"');
  if (guard)
    patron__buf_putc(b, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      patron__buf_putc(b, '"');
    patron__buf_putc(b, s[i]);
  }
  patron__buf_putc(b, '"');
}

patron__buf patron__csv_buf(const patron_sink *s) {
  return (patron__buf){.formula_guard = patron_sink_options(s)->formula_guard};
}

patron_status patron__csv_begin(patron_sink *s, patron_error *err) {
  static const char bom[] = "\xEF\xBB\xBF";
  return patron_sink_options(s)->bom ? patron_sink_write(s, bom, 3, err) : PATRON_OK;
}

patron_status patron__buf_flush(patron__buf *b, patron_sink *s, patron_error *err) {
  if (b->oom)
    return PATRON__OOM(err);
  patron_status st = patron_sink_write(s, b->data, b->len, err);
  b->len = 0;
  return st;
}
