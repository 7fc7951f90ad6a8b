/* --config FILE for every command (SPEC section 16): lines `option = value` with the long
 * option names without dashes (a repeated line repeats a repeatable option; '#' starts a
 * comment). The file's options are put before the command line's, and an option given on
 * the command line drops the file's lines for it, so the command line overrides the file.
 * Values of path options that are relative are relative to the file. An option the command
 * does not document in its --help is an error naming the file and line. `name = true` (or
 * an empty value) is the flag --name; `name = false` leaves it out. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options whose values are paths (relative ones resolve against the config file). */
static const char *const path_options[] = {
    "orders",      "customers", "events",   "out",     "tags",  "segments",    "exclude",
    "seed",        "model",     "summary",  "db",      "rules", "matrix",      "ids",
    "assignments", "tokens",    "tls-cert", "tls-key", "log",   "churn-model", NULL};

typedef struct config_arg {
  char *text;
  char name[64];
  unsigned line;
} config_arg;

typedef struct config {
  config_arg *args;
  size_t n, cap;
  const char *path;
} config;

static bool is_path_option(const char *name) {
  for (const char *const *p = path_options; *p; p++)
    if (strcmp(*p, name) == 0)
      return true;
  return false;
}

/* Does the command's help document --name? */
static bool documented(const char *usage, const char *name) {
  size_t n = strlen(name);
  for (const char *s = strstr(usage, "--"); s; s = strstr(s + 2, "--")) {
    char after = s[2 + n];
    if (strncmp(s + 2, name, n) == 0 &&
        !((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9') || after == '-'))
      return true;
  }
  return false;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
    e--;
  *e = '\0';
  return s;
}

static bool push(config *c, const char *name, char *text, unsigned line) {
  config_arg *a = realloc(c->args, (c->n + 1) * sizeof *a);
  if (!a || !text)
    return free(text), false;
  c->args = a;
  a[c->n].text = text;
  snprintf(a[c->n].name, sizeof a[c->n].name, "%s", name);
  a[c->n++].line = line;
  return true;
}

static char *value_text(const config *c, const char *name, const char *value) {
  if (!is_path_option(name) || value[0] == '/' || !strchr(c->path, '/'))
    return strdup(value);
  const char *slash = strrchr(c->path, '/');
  size_t dir = (size_t)(slash - c->path) + 1, n = strlen(value);
  char *s = malloc(dir + n + 1);
  if (s) {
    memcpy(s, c->path, dir);
    memcpy(s + dir, value, n + 1);
  }
  return s;
}

static int config_line(config *c, const char *command, const char *usage, char *line, unsigned no) {
  char *hash = strchr(line, '#');
  if (hash)
    *hash = '\0';
  char *s = trim(line);
  if (!*s)
    return CLI_EXIT_OK;
  char *eq = strchr(s, '=');
  if (eq)
    *eq = '\0';
  char *name = trim(s), *value = eq ? trim(eq + 1) : "";
  if (!*name || strlen(name) >= 64 || name[0] == '-' || strcmp(name, "config") == 0 ||
      !documented(usage, name))
    return cli_usage_error(command, "%s:%u: unknown option '%s'", c->path, no, name);
  if (strcmp(value, "false") == 0)
    return CLI_EXIT_OK;
  char flag[70];
  snprintf(flag, sizeof flag, "--%s", name);
  if (!push(c, name, strdup(flag), no))
    return CLI_EXIT_FAIL;
  if (*value && strcmp(value, "true") != 0 && !push(c, name, value_text(c, name, value), no))
    return CLI_EXIT_FAIL;
  return CLI_EXIT_OK;
}

static int read_config(config *c, const char *command, const char *usage) {
  FILE *f = fopen(c->path, "r");
  if (!f) {
    fprintf(stderr, "patron %s: %s: cannot open: %s\n", command, c->path, strerror(errno));
    return CLI_EXIT_FAIL;
  }
  char line[8192];
  int rc = CLI_EXIT_OK;
  for (unsigned no = 1; rc == CLI_EXIT_OK && fgets(line, sizeof line, f); no++)
    rc = config_line(c, command, usage, line, no);
  fclose(f);
  return rc;
}

/* --name or --name=value on the command line? */
static bool given(int argc, char **argv, const char *name) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] == '-' && strncmp(argv[i] + 2, name, n) == 0 &&
        (argv[i][2 + n] == '\0' || argv[i][2 + n] == '='))
      return true;
  return false;
}

/* Where the config file is named: "--config FILE" or "--config=FILE"; returns its index. */
static int find_config(int argc, char **argv, const char **path, int *width) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      return -1;
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      return *path = argv[i + 1], *width = 2, i;
    if (strncmp(argv[i], "--config=", 9) == 0)
      return *path = argv[i] + 9, *width = 1, i;
  }
  return -1;
}

/* The expanded argument vector and the option texts taken from the file, owned here until
 * cli_config_release. */
static struct {
  char **argv;
  char **texts;
  size_t n;
} expansion;

void cli_config_release(void) {
  for (size_t k = 0; k < expansion.n; k++)
    free(expansion.texts[k]);
  free(expansion.texts);
  free(expansion.argv);
  expansion.argv = expansion.texts = NULL;
  expansion.n = 0;
}

int cli_config_expand(const char *command, const char *usage, int *argc, char ***argv) {
  const char *path;
  int width, at = find_config(*argc, *argv, &path, &width);
  if (at < 0)
    return strcmp((*argv)[*argc - 1], "--config") == 0
               ? cli_usage_error(command, "missing value for '--config'")
               : CLI_EXIT_OK;
  config c = {.path = path};
  int rc = read_config(&c, command, usage);
  char **out = rc == CLI_EXIT_OK ? malloc(((size_t)*argc + c.n + 1) * sizeof *out) : NULL;
  char **texts = rc == CLI_EXIT_OK ? malloc((c.n + 1) * sizeof *texts) : NULL;
  if (rc == CLI_EXIT_OK && (!out || !texts)) {
    free(out), free(texts);
    out = texts = NULL;
    rc = CLI_EXIT_FAIL;
  }
  size_t n_texts = 0;
  if (rc == CLI_EXIT_OK) {
    int n = 0, i = 0;
    out[n++] = (*argv)[i++];
    while (i < *argc && i != at && (*argv)[i][0] != '-') /* subcommands stay first */
      out[n++] = (*argv)[i++];
    for (size_t k = 0; k < c.n; k++) {
      bool overridden = given(*argc, *argv, c.args[k].name);
      if (!overridden)
        out[n++] = texts[n_texts++] = c.args[k].text;
      else
        free(c.args[k].text);
    }
    for (; i < *argc; i++)
      if (i == at)
        i += width - 1;
      else
        out[n++] = (*argv)[i];
    out[n] = NULL;
    *argc = n;
    *argv = out; /* lives until cli_config_release */
    cli_config_release();
    expansion.argv = out, expansion.texts = texts, expansion.n = n_texts;
  } else {
    for (size_t k = 0; k < c.n; k++)
      free(c.args[k].text);
  }
  free(c.args);
  return rc;
}
