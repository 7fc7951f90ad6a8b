/* Usage errors, failure messages and flag-value parsing shared by every command. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "patron %s: ", command);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'patron %s --help'.\n", command);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *command, int opt, char **argv, const struct option *long_options) {
  const char *arg = argv[optind - 1];
  if (opt == ':')
    return cli_usage_error(command, "missing value for '%s'", arg);
  enum { MAX_NAMES = 128 };
  const char *names[MAX_NAMES];
  size_t n = 0;
  for (const struct option *o = long_options; o && o->name && n < MAX_NAMES; o++)
    names[n++] = o->name;
  const char *word = strncmp(arg, "--", 2) == 0 ? arg + 2 : "";
  size_t len = strcspn(word, "=");
  const char *near = len >= 3 ? patron_suggest(word, len, names, n) : NULL; /* "--x": no guess */
  if (near)
    return cli_usage_error(command, "unknown option '%s' (did you mean '--%s'?)", arg, near);
  return cli_usage_error(command, "unknown option '%s'", arg);
}

void cli_print_escaped(FILE *f, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
      fprintf(f, "\\x%02x", *p);
    else
      fputc(*p, f);
  }
}

int cli_fail(const char *command, const patron_error *err) {
  char buf[1024];
  fprintf(stderr, "patron %s: ", command);
  cli_print_escaped(stderr, patron_error_format(err, buf, sizeof buf));
  fputc('\n', stderr);
  return err->status == PATRON_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

void cli_print_warnings(const char *command, const patron_run *run) {
  for (size_t i = 0; i < run->n_warnings; i++)
    fprintf(stderr, "patron %s: warning: %s\n", command, run->warnings[i]);
}

bool cli_parse_long(const char *command, const char *flag, const char *text, long min, long max,
                    long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || v < min || v > max) {
    cli_usage_error(command, "%s expects a whole number from %ld to %ld, got '%s'", flag, min, max,
                    text);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_double(const char *command, const char *flag, const char *text, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end != '\0' || !isfinite(v)) {
    cli_usage_error(command, "%s expects a number, got '%s'", flag, text);
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_day(const char *command, const char *flag, const char *text, int32_t *out) {
  if (patron_parse_day(text, strlen(text), out) != PATRON_OK) {
    cli_usage_error(command, "%s expects a date YYYY-MM-DD, got '%s'", flag, text);
    return false;
  }
  if (*out < PATRON_FIRST_PLAUSIBLE_DAY || *out > PATRON_LAST_PLAUSIBLE_DAY + 1) {
    cli_usage_error(command, "%s %s lies outside 1900-01-01 .. 2200-01-01", flag, text);
    return false;
  }
  return true;
}
