/* Rule files of SPEC section 7: `NAME: EXPRESSION` per line. `--tags FILE` adds one column
 * per rule (1, 0, or empty when null; later rules and expressions see it as a boolean) and
 * `tags` (the true ones joined by '|'); `--segments FILE` adds a first-match segmentation
 * (`others` when no rule matches). Errors are FILE:LINE: message (with the caret of the
 * expression language for expression errors). */
#include "io/files.h"
#include "ops/tags_int.h"
#include "patron/caret.h"
#include "patron/expr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 and 0, in that order: the segments of a tag (expressions read the column as a boolean). */
static const char *const tag_labels[] = {"1", "0"};

/* The members file's columns of SPEC section 1: rule names may not shadow them. */
static const char *const member_columns[] = {
    "customer_id", "name",          "phone",          "email",       "wechat_id",
    "gender",      "birth_date",    "city",           "signup_date", "level",
    "consent_sms", "consent_email", "consent_wechat", "timezone",    "tags"};

static patron_status line_error(patron_error *err, const char *path, uint64_t line,
                                const char *msg) {
  return patron__error_set(err, PATRON_ERR_USAGE, path, line, 0, "%s", msg);
}

static bool valid_name(const char *s, size_t n) {
  if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

static char *trim(char *s, char *end, char **out_end) {
  while (s < end && (*s == ' ' || *s == '\t'))
    s++;
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  *out_end = end;
  return s;
}

static patron_status parse_line(const char *path, uint64_t line, char *s, char *end,
                                patron_rule_file *f, size_t *cap, patron_error *err) {
  char *colon = memchr(s, ':', (size_t)(end - s));
  if (!colon)
    return line_error(err, path, line, "expected NAME: EXPRESSION");
  char *name_end, *name = trim(s, colon, &name_end), *expr_end,
                  *expr = trim(colon + 1, end, &expr_end);
  *name_end = '\0';
  char msg[300];
  if (!valid_name(name, (size_t)(name_end - name))) {
    snprintf(msg, sizeof msg, "'%.100s' is not a rule name ([A-Za-z_][A-Za-z0-9_]*)", name);
    return line_error(err, path, line, msg);
  }
  for (size_t i = 0; i < sizeof member_columns / sizeof *member_columns; i++)
    if (strcmp(name, member_columns[i]) == 0) {
      snprintf(msg, sizeof msg, "rule '%s' would shadow the members' column %s", name, name);
      return line_error(err, path, line, msg);
    }
  for (size_t i = 0; i < f->n_rules; i++)
    if (strcmp(f->rules[i].name, name) == 0) {
      snprintf(msg, sizeof msg, "rule '%s' is already defined on line %llu", name,
               (unsigned long long)f->rules[i].line);
      return line_error(err, path, line, msg);
    }
  if (!patron__reserve((void **)&f->rules, cap, f->n_rules + 1, sizeof *f->rules))
    return PATRON__OOM(err);
  f->rules[f->n_rules++] = (patron_rule){name, expr, (size_t)(expr_end - expr), line};
  return PATRON_OK;
}

patron_status patron_rule_file_parse(const char *path, char *text, size_t len,
                                     patron_rule_file *out, patron_error *err) {
  *out = (patron_rule_file){.text = text};
  size_t cap = 0;
  char *p = text, *end = text + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  for (uint64_t line = 1; p < end; line++) {
    char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end, *t_end;
    char *s = trim(p, stop, &t_end);
    if (s < t_end && *s != '#') {
      patron_status st = parse_line(path, line, s, t_end, out, &cap, err);
      if (st != PATRON_OK) {
        patron_rule_file_free(out);
        return st;
      }
    }
    p = nl ? nl + 1 : end;
  }
  return PATRON_OK;
}

void patron_rule_file_free(patron_rule_file *f) {
  if (!f)
    return;
  free(f->rules);
  free(f->text);
  *f = (patron_rule_file){0};
}

typedef struct rules_ctx {
  patron_tagset *ts;
  patron_profile *p;
  const patron_dataset *ds;
  patron_error *err;
  const patron_table *given; /* the rules' columns computed elsewhere (MPI ranks), or NULL */
} rules_ctx;

static patron_status compile_rule(rules_ctx *c, const char *path, const patron_rule *r,
                                  patron_expr **out) {
  patron_expr_env env;
  patron_expr_env_init(&env);
  env.table = patron_profile_table_const(c->p);
  env.dataset = c->ds;
  env.row_customer = patron_profile_customers(c->p);
  env.as_of = (int64_t)patron_profile_as_of(c->p) * 86400;
  env.want_condition = true;
  patron_error e = {0};
  patron_status st = patron_expr_compile(r->expr, r->expr_len, &env, out, &e);
  if (st != PATRON_OK)
    patron__error_set(c->err, st == PATRON_ERR_NOMEM ? st : PATRON_ERR_USAGE, path, r->line,
                      e.column, "%s: %s", r->name, e.message);
  return st == PATRON_ERR_NOMEM ? st : st != PATRON_OK ? PATRON_ERR_USAGE : PATRON_OK;
}

static patron_status check_new_column(rules_ctx *c, const char *path, const patron_rule *r) {
  for (size_t k = 0; c->ds && k < patron_dataset_n_member_columns(c->ds); k++) {
    patron_member_column m;
    patron_dataset_member_column(c->ds, k, &m);
    if (strcmp(m.name, r->name) == 0)
      return patron__error_set(c->err, PATRON_ERR_USAGE, path, r->line, 0,
                               "rule '%s' would shadow the members' column %s", r->name, r->name);
  }
  if (!patron_table_find(patron_profile_table_const(c->p), r->name))
    return PATRON_OK;
  return patron__error_set(c->err, PATRON_ERR_USAGE, path, r->line, 0,
                           "rule '%s' would shadow the profile column %s", r->name, r->name);
}

/* Appends "|name" (or "name") to row's joined tags. */
static bool join_tag(rules_ctx *c, const char **joined, const char *name) {
  const char *old = *joined;
  size_t a = old ? strlen(old) : 0, b = strlen(name);
  char buf[4096];
  if (a + b + 2 > sizeof buf)
    return true; /* a list longer than 4 KiB keeps its first tags */
  if (a)
    memcpy(buf, old, a), buf[a++] = '|';
  memcpy(buf + a, name, b);
  return (*joined = patron__arena_strdup(&c->ts->text, buf, a + b)) != NULL;
}

/* A tag's values (1, 0, -1 for null) from its given column (codes of "1", "0"). */
static patron_status given_values(rules_ctx *c, const char *name, int8_t *v) {
  const patron_column *g = patron_table_find(c->given, name);
  if (!g || g->type != PATRON_COL_CATEGORY)
    return patron__error_set(c->err, PATRON_ERR_INTERNAL, NULL, 0, 0, "no given rule %s", name);
  const int32_t *code = g->data;
  for (size_t r = 0; r < patron_table_n_rows(c->given); r++)
    v[r] = code[r] < 0 ? -1 : code[r] == 0;
  return PATRON_OK;
}

static patron_status apply_tags(rules_ctx *c, const char *path, const patron_rule_file *f) {
  patron_table *t = patron_profile_table(c->p);
  size_t n = patron_table_n_rows(t);
  int8_t *v = malloc((n ? n : 1) * sizeof *v);
  const char **joined = calloc(n ? n : 1, sizeof *joined);
  if (!v || !patron__tagset_own(c->ts, (void *)joined)) {
    free(v);
    return PATRON__OOM(c->err);
  }
  patron_status st = PATRON_OK;
  for (size_t i = 0; i < f->n_rules && st == PATRON_OK; i++) {
    const patron_rule *r = &f->rules[i];
    patron_expr *e = NULL;
    int32_t *codes;
    if ((st = check_new_column(c, path, r)) != PATRON_OK)
      break;
    if (c->given)
      st = given_values(c, r->name, v);
    else if ((st = compile_rule(c, path, r, &e)) == PATRON_OK)
      st = patron_expr_eval_bool(e, NULL, n, v, c->err);
    patron_expr_free(e);
    if (st == PATRON_OK)
      st = patron_table_add_category(t, r->name, tag_labels, NULL, 2, true, &codes, c->err);
    for (size_t row = 0; row < n && st == PATRON_OK; row++) {
      codes[row] = v[row] < 0 ? -1 : v[row] ? 0 : 1;
      if (v[row] == 1 && !join_tag(c, &joined[row], r->name))
        st = PATRON__OOM(c->err);
    }
  }
  free(v);
  const char **col;
  if (st == PATRON_OK &&
      (st = patron_table_add(t, "tags", PATRON_COL_STRING, (void **)&col, c->err)) == PATRON_OK)
    for (size_t row = 0; row < n; row++)
      col[row] = joined[row];
  return st;
}

static patron_status apply_segments(rules_ctx *c, const char *path, const patron_rule_file *f,
                                    const char *column) {
  patron_table *t = patron_profile_table(c->p);
  size_t n = patron_table_n_rows(t), k = f->n_rules;
  if (patron_table_find(t, column))
    return patron__error_set(c->err, PATRON_ERR_USAGE, path, 0, 0,
                             "--segments-name %s is already a profile column", column);
  const char **labels = malloc((k + 1) * sizeof *labels);
  int8_t *v = malloc((n ? n : 1) * sizeof *v);
  if (!patron__tagset_own(c->ts, (void *)labels) || !v) {
    free(v);
    return PATRON__OOM(c->err);
  }
  for (size_t i = 0; i < k; i++)
    labels[i] = f->rules[i].name;
  labels[k] = "others";
  int32_t *codes;
  patron_status st =
      patron_table_add_category(t, column, labels, NULL, (int32_t)k + 1, true, &codes, c->err);
  for (size_t row = 0; row < n && st == PATRON_OK; row++)
    codes[row] = (int32_t)k;
  const patron_column *g = c->given ? patron_table_find(c->given, column) : NULL;
  for (size_t row = 0; g && st == PATRON_OK && row < n; row++)
    codes[row] = ((const int32_t *)g->data)[row];
  if (c->given && !g)
    st = patron__error_set(c->err, PATRON_ERR_INTERNAL, NULL, 0, 0, "no given %s", column);
  for (size_t i = 0; i < k && st == PATRON_OK; i++) {
    patron_expr *e = NULL;
    if ((st = check_new_column(c, path, &f->rules[i])) != PATRON_OK || c->given ||
        (st = compile_rule(c, path, &f->rules[i], &e)) != PATRON_OK)
      continue;
    st = patron_expr_eval_bool(e, NULL, n, v, c->err);
    patron_expr_free(e);
    for (size_t row = 0; row < n && st == PATRON_OK; row++)
      if (codes[row] == (int32_t)k && v[row] == 1)
        codes[row] = (int32_t)i;
  }
  free(v);
  return st;
}

/* Reads a rule file into memory the tag set keeps (rule names become column names). */
static patron_status load_rules(rules_ctx *c, const char *path, patron_rule_file *f) {
  char *text = NULL;
  size_t len = 0;
  patron_status st = patron__read_file(path, PATRON__RULES_FILE_MAX, &text, &len, c->err);
  if (st == PATRON_OK)
    st = patron_rule_file_parse(path, text, len, f, c->err);
  if (st != PATRON_OK)
    return st;
  if (!patron__tagset_own(c->ts, f->text) || (f->rules && !patron__tagset_own(c->ts, f->rules)))
    return PATRON__OOM(c->err);
  return PATRON_OK;
}

patron_status patron_tags_rules(patron_tagset *ts, patron_profile *p, const patron_dataset *ds,
                                const patron_tags_options *o, patron_error *err) {
  return patron__tags_rules_with(ts, p, ds, o, NULL, err);
}

patron_status patron__tags_rules_with(patron_tagset *ts, patron_profile *p,
                                      const patron_dataset *ds, const patron_tags_options *o,
                                      const patron_table *given, patron_error *err) {
  rules_ctx c = {ts, p, ds, err, given};
  patron_status st = PATRON_OK;
  if (o->tags_file) {
    patron_rule_file f;
    if ((st = load_rules(&c, o->tags_file, &f)) == PATRON_OK)
      st = apply_tags(&c, o->tags_file, &f);
  }
  if (st == PATRON_OK && o->segments_file) {
    patron_rule_file f;
    if ((st = load_rules(&c, o->segments_file, &f)) == PATRON_OK)
      st = apply_segments(&c, o->segments_file, &f,
                          o->segments_name ? o->segments_name : "custom_segment");
  }
  return st;
}
