/* Readable summaries for stdout (the analyze report). */
#ifndef PATRON_REPORT_PRINT_H
#define PATRON_REPORT_PRINT_H

#include "cli.h"

#include <stdio.h>

/* Prints s padded with spaces to `width` terminal columns (CJK characters count two);
 * with cut, longer text is cut at a character boundary. Control characters print as
 * spaces. */
void cli_pad(FILE *out, const char *s, int width, bool cut);
void cli_print_inputs(FILE *out, const patron_dataset *ds);
void cli_print_headline(FILE *out, const patron_profile *p);
/* The same lines from one file's report and from the figures (the streaming analyze). */
void cli_print_file_report(FILE *out, const char *kind, const patron_file_report *r);
void cli_print_headline_stats(FILE *out, int32_t as_of, const patron_profile_stats *s);
/* The segment tables, each followed by a note on rows empty by definition (segment) or by
 * ties at the median (rfm_class under --threshold median: median = true). */
void cli_print_segments(FILE *out, const patron_segment_row *rows, size_t n, bool median);

#endif
