/* `patron analyze --stream`: --spec-only in one pass over the orders with memory bounded
 * by the customers (patron_stream_analyze, docs/SCALE.md), with analyze's report. */
#include "analysis.h"
#include "report_print.h"
#include "patron/stream.h"

#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

/* What the streaming path does not read: the in-memory run's inputs and stages. */
static bool check(const char *command, const cli_analysis *a) {
  const patron_load_options *o = &a->inputs.load;
  const char *why = o->paths[PATRON_FILE_CUSTOMERS] || o->paths[PATRON_FILE_EVENTS]
                        ? "--customers and --events"
                    : a->db                                      ? "--db"
                    : a->tags.tags_file || a->tags.segments_file ? "--tags and --segments"
                    : o->n_encodings                             ? "--encoding"
                    : ends_with(o->paths[PATRON_FILE_ORDERS], ".gz")
                        ? "a .gz file (pipe it: zcat FILE | patron analyze --orders - --stream)"
                        : NULL;
  if (why)
    cli_usage_error(command, "--stream reads one plain orders stream: drop %s", why);
  return why == NULL;
}

static void print_report(FILE *out, const patron_stream_result *r, bool median) {
  cli_print_file_report(out, "orders", &r->orders);
  cli_print_headline_stats(out, r->as_of, &r->stats);
  cli_print_segments(out, r->segments, r->n_segments, median);
}

static bool save_report(const char *dir, const patron_stream_result *r, bool median) {
  char path[4096];
  FILE *f = fopen(cli_path(path, sizeof path, dir, "report.txt"), "w");
  if (f)
    print_report(f, r, median);
  return f && fclose(f) == 0;
}

int cli_stream_analysis(const char *command, cli_analysis *a) {
  if (!check(command, a))
    return CLI_EXIT_USAGE;
  if (!cli_make_dir(command, a->out_dir))
    return CLI_EXIT_FAIL;
  patron_load_options o = a->inputs.load;
  const char *path = o.paths[PATRON_FILE_ORDERS];
  if (!o.delimiter)
    o.delimiter = ends_with(path, ".tsv") ? '\t' : ',';
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!in) {
    fprintf(stderr, "patron %s: cannot open %s\n", command, path);
    return CLI_EXIT_FAIL;
  }
  patron_error err = {0};
  patron_stream_result r = {0};
  patron_status st = patron_stream_analyze(in, path, &o, &a->profile, a->out_dir, &r, &err);
  if (in != stdin)
    fclose(in);
  bool median = a->profile.median_threshold;
  if (st == PATRON_OK && !save_report(a->out_dir, &r, median)) {
    fprintf(stderr, "patron %s: cannot write %s/report.txt\n", command, a->out_dir);
    st = PATRON_ERR_IO;
    err.status = st;
  }
  if (st == PATRON_OK && !a->quiet) {
    print_report(stdout, &r, median);
    printf("\nWrote %s/profiles.csv, segments.csv, summary.json, report.txt%s\n", a->out_dir,
           r.orders.rows_rejected ? ", rejects.csv" : "");
  }
  free(r.segments);
  if (st == PATRON_OK)
    return CLI_EXIT_OK;
  return err.message[0] ? cli_fail(command, &err) : CLI_EXIT_FAIL;
}
