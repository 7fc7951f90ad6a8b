/* The readable summary printed by analyze: inputs, headline figures and the segment
 * tables, aligned for terminals (CJK labels count as two columns). */
#include "report_print.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One UTF-8 character at p: its byte length and display width (code points from U+1100
 * up count 2, CJK; others 1). */
static int char_width(const unsigned char *p, int *len) {
  unsigned cp = *p;
  *len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
  for (int i = 1; i < *len; i++)
    if (!p[i]) /* truncated sequence */
      *len = i;
  if (*len == 3)
    cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  return *len >= 3 && cp >= 0x1100 ? 2 : 1;
}

void cli_pad(FILE *out, const char *s, int width, bool cut) {
  int w = 0, len;
  for (const unsigned char *p = (const unsigned char *)s; *p; p += len) {
    int cw = char_width(p, &len);
    if (cut && w + cw > width)
      break;
    if (*p < 0x20) /* control characters (a newline in a name) print as a space */
      fputc(' ', out);
    else
      fwrite(p, 1, (size_t)len, out);
    w += cw;
  }
  for (; w < width; w++)
    fputc(' ', out);
}

static void pad(FILE *out, const char *s, int width) { cli_pad(out, s, width, false); }

/* 1234567.891 -> "1,234,567.89" (or digits only with decimals = 0). */
static const char *grouped(double v, int decimals, char *buf, size_t cap) {
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
  const char *dot = strchr(raw, '.');
  size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
  if (v < 0 && o < cap - 1)
    buf[o++] = '-';
  for (size_t i = 0; i < int_len && o < cap - 1; i++) {
    if (i && (int_len - i) % 3 == 0 && o < cap - 1)
      buf[o++] = ',';
    buf[o++] = raw[i];
  }
  for (const char *d = dot; d && *d && o < cap - 1; d++)
    buf[o++] = *d;
  buf[o] = '\0';
  return buf;
}

void cli_print_file_report(FILE *out, const char *kind, const patron_file_report *r) {
  char a[32], b[32], c[32];
  fprintf(out, "%-9s %s: %s rows read, %s used, %s rejected", kind, r->path,
          grouped((double)r->rows_read, 0, a, sizeof a),
          grouped((double)r->rows_used, 0, b, sizeof b),
          grouped((double)r->rows_rejected, 0, c, sizeof c));
  const char *sep = " (";
  for (int q = 0; q < PATRON_REJECT_COUNT; q++) {
    if (!r->rejected_by_reason[q])
      continue;
    fprintf(out, "%s%s %s", sep, patron_reject_key((patron_reject_reason)q),
            grouped((double)r->rejected_by_reason[q], 0, a, sizeof a));
    sep = ", ";
  }
  fputs(*sep == ',' ? ")" : "", out);
  if (r->after_as_of)
    fprintf(out, "; %s after as-of", grouped((double)r->after_as_of, 0, a, sizeof a));
  fputc('\n', out);
}

void cli_print_inputs(FILE *out, const patron_dataset *ds) {
  static const char *const kinds[PATRON_FILE_KINDS] = {"orders", "customers", "events"};
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *r = patron_dataset_file_report(ds, (patron_file_kind)k);
    if (r->present)
      cli_print_file_report(out, kinds[k], r);
  }
}

void cli_print_headline_stats(FILE *out, int32_t as_of, const patron_profile_stats *s) {
  char day[11], a[32], b[32], c[48];
  patron_format_day(as_of, day);
  fprintf(out, "\nAs of %s: %s customers, %s with a purchase, revenue %s\n", day,
          grouped((double)s->customers, 0, a, sizeof a),
          grouped((double)s->purchasers, 0, b, sizeof b),
          grouped((double)s->revenue / PATRON_MONEY_SCALE, 2, c, sizeof c));
  if (s->purchasers)
    fprintf(out,
            "Top 20%% of customers bring %.1f%% of revenue; %.1f%% have not bought in 180 days\n",
            100 * s->top20_revenue_share, 100 * s->silent_share);
}

void cli_print_headline(FILE *out, const patron_profile *p) {
  patron_profile_stats s;
  patron_profile_stats_get(p, &s);
  cli_print_headline_stats(out, patron_profile_as_of(p), &s);
}

static void print_rows(FILE *out, const patron_segment_row *rows, size_t from, size_t to) {
  bool alt = rows[from].segment_alt != NULL;
  int label_w = 20, alt_w = alt ? 14 : 0;
  fputc('\n', out);
  pad(out, rows[from].segmentation, label_w);
  if (alt)
    pad(out, "", alt_w);
  fprintf(out, "%12s %7s %18s %7s\n", "customers", "share", "revenue", "share");
  for (size_t i = from; i < to; i++) {
    const patron_segment_row *r = &rows[i];
    char a[32], b[48];
    pad(out, r->segment, label_w);
    if (alt)
      pad(out, r->segment_alt, alt_w);
    fprintf(out, "%12s %6.1f%% %18s ", grouped((double)r->customers, 0, a, sizeof a),
            isfinite(r->customer_share) ? 100 * r->customer_share : 0.0,
            grouped((double)r->revenue / PATRON_MONEY_SCALE, 2, b, sizeof b));
    if (isfinite(r->revenue_share))
      fprintf(out, "%6.1f%%\n", 100 * r->revenue_share);
    else
      fprintf(out, "%7s\n", "-");
  }
}

/* Why some rows of a table are empty: three named segments by the SPEC's rule order,
 * rfm_class classes under --threshold median (ties at the median, e.g. frequency 1). */
static void print_note(FILE *out, const patron_segment_row *rows, size_t from, size_t to,
                       bool median) {
  size_t empty = 0, customers = 0;
  for (size_t i = from; i < to; i++)
    empty += rows[i].customers == 0, customers += rows[i].customers;
  if (strcmp(rows[from].segmentation, "segment") == 0)
    fputs("Note: new_customers, promising and cant_lose_them are always empty: in the SPEC's "
          "first-match order potential_loyalist and at_risk come first and cover them "
          "(docs/FIGURES.md).\n",
          out);
  else if (strcmp(rows[from].segmentation, "rfm_class") == 0 && median && empty && customers)
    fprintf(out,
            "Note: %zu classes are empty with --threshold median: when many customers tie at "
            "the median (e.g. frequency 1), 'at or above the median' holds for all of them "
            "and one side of the cut is empty.\n",
            empty);
}

void cli_print_segments(FILE *out, const patron_segment_row *rows, size_t n, bool median) {
  for (size_t from = 0; from < n;) {
    size_t to = from;
    while (to < n && strcmp(rows[to].segmentation, rows[from].segmentation) == 0)
      to++;
    print_rows(out, rows, from, to);
    print_note(out, rows, from, to, median);
    from = to;
  }
}
