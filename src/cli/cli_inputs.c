/* Parsing of the shared input options into patron_load_options. */
#include "cli_inputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The loader's warnings (a stray quote, an absurd date span...) go to stderr. */
static void warn_stderr(void *ctx, const char *message) {
  (void)ctx;
  fputs("patron: warning: ", stderr);
  cli_print_escaped(stderr, message);
  fputc('\n', stderr);
}

/* The dataset cache's notes (written, rebuilt and why) go to stderr. */
static void note_stderr(void *ctx, const char *message) {
  (void)ctx;
  fputs("patron: cache: ", stderr);
  cli_print_escaped(stderr, message);
  fputc('\n', stderr);
}

void cli_inputs_init(cli_inputs *in) {
  memset(in, 0, sizeof *in);
  patron_load_options_init(&in->load);
  in->load.warn = warn_stderr;
  in->load.cache_note = note_stderr;
}

void cli_inputs_free(cli_inputs *in) {
  free(in->maps);
  free(in->encodings);
}

static bool parse_delimiter(const char *arg, char *out) {
  static const struct {
    const char *name;
    char c;
  } names[] = {{"comma", ','}, {"tab", '\t'},       {"semicolon", ';'},
               {"pipe", '|'},  {"whitespace", ' '}, {"\\t", '\t'}};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(arg, names[i].name) == 0)
      return *out = names[i].c, true;
  if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
    return *out = arg[0], true;
  return false;
}

static int add_map(cli_inputs *in, const char *arg) {
  const char **m = realloc(in->maps, (in->n_maps + 1) * sizeof *m);
  if (!m)
    return -1;
  in->maps = m;
  in->maps[in->n_maps++] = arg;
  in->load.maps = in->maps;
  in->load.n_maps = in->n_maps;
  return 1;
}

static int add_encoding(cli_inputs *in, const char *arg) {
  const char **e = realloc(in->encodings, (in->n_encodings + 1) * sizeof *e);
  if (!e)
    return -1;
  in->encodings = e;
  in->encodings[in->n_encodings++] = arg;
  in->load.encodings = in->encodings;
  in->load.n_encodings = in->n_encodings;
  return 1;
}

int cli_inputs_option(cli_inputs *in, const char *command, int opt, const char *arg) {
  patron_load_options *o = &in->load;
  long n;
  switch (opt) {
  case CLI_OPT_ORDERS: o->paths[PATRON_FILE_ORDERS] = arg; return 1;
  case CLI_OPT_CUSTOMERS: o->paths[PATRON_FILE_CUSTOMERS] = arg; return 1;
  case CLI_OPT_EVENTS: o->paths[PATRON_FILE_EVENTS] = arg; return 1;
  case CLI_OPT_MAP: return add_map(in, arg);
  case CLI_OPT_DELIMITER:
    if (parse_delimiter(arg, &o->delimiter))
      return 1;
    cli_usage_error(command,
                    "--delimiter expects comma, tab, semicolon, pipe, whitespace or "
                    "one character, got '%s'",
                    arg);
    return -1;
  case CLI_OPT_NO_HEADER: o->no_header = true; return 1;
  case CLI_OPT_COLUMNS: o->columns = arg; return 1;
  case CLI_OPT_DATE_FORMAT: o->date_format = arg; return 1;
  case CLI_OPT_ORDER_PER_ROW: o->order_per_row = true; return 1;
  case CLI_OPT_STRICT: o->strict = true; return 1;
  case CLI_OPT_AS_OF: return cli_parse_day(command, "--as-of", arg, &o->as_of_day) ? 1 : -1;
  case CLI_OPT_THREADS:
    if (!cli_parse_long(command, "--threads", arg, 1, 64, &n))
      return -1;
    o->n_threads = (int)n;
    return 1;
  case CLI_OPT_MAX_FIELD_LINES:
    if (!cli_parse_long(command, "--max-field-lines", arg, 1, 1 << 20, &n))
      return -1;
    o->max_field_lines = (uint32_t)n;
    return 1;
  case CLI_OPT_MAX_FIELD_BYTES:
    if (!cli_parse_long(command, "--max-field-bytes", arg, 1, 1 << 20, &n))
      return -1;
    o->max_field_bytes = (uint32_t)n;
    return 1;
  case CLI_OPT_ENCODING: return add_encoding(in, arg);
  case CLI_OPT_CACHE: o->cache_dir = arg; return 1;
  default: return 0;
  }
}

bool cli_inputs_ready(cli_inputs *in, const char *command) {
  if (!in->load.paths[PATRON_FILE_ORDERS]) {
    cli_usage_error(command, "--orders FILE is required");
    return false;
  }
  if (in->load.columns && !in->load.no_header) {
    cli_usage_error(command, "--columns names the columns of files without a header: add "
                             "--no-header");
    return false;
  }
  return true;
}

bool cli_make_dir(const char *command, const char *dir) {
  char path[4096];
  size_t len = strlen(dir);
  if (len == 0 || len >= sizeof path) {
    cli_usage_error(command, "bad output directory '%s'", dir);
    return false;
  }
  memcpy(path, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (path[i] != '/' && path[i] != '\0')
      continue;
    char saved = path[i];
    path[i] = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "patron %s: cannot create directory %s: %s\n", command, path,
              strerror(errno));
      return false;
    }
    path[i] = saved;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "patron %s: %s is not a directory\n", command, dir);
    return false;
  }
  return true;
}

const char *cli_path(char *buf, size_t cap, const char *dir, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
  return buf;
}

double cli_seconds_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
