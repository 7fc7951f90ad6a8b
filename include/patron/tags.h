/* Tags and custom segments (SPEC section 7): the built-in tag columns (preferred category,
 * brand and channel, omnichannel, price band, promotion share and sensitivity, age band,
 * recent events) and the user's rule files (`--tags FILE`: one boolean column per rule plus
 * `tags`; `--segments FILE`: a first-match segmentation). Rules are expressions of SPEC
 * section 6 (include/patron/expr.h). */
#ifndef PATRON_TAGS_H
#define PATRON_TAGS_H

#include "patron/dataset.h"
#include "patron/profile.h"
#include "patron/run.h"

#define PATRON_TAGS_MAX_BANDS 16

typedef struct patron_tags_options {
  int window_days;                                 /* --tag-window (365) */
  patron_money price_bands[PATRON_TAGS_MAX_BANDS]; /* --price-bands lower bounds (100,500,2000) */
  size_t n_price_bands;
  const char *tags_file;     /* --tags FILE or NULL */
  const char *segments_file; /* --segments FILE or NULL */
  const char *segments_name; /* --segments-name (custom_segment) */
  int stage_days;            /* --stage-days (180): the windows of the stage column (SPEC 17) */
} patron_tags_options;

PATRON_API void patron_tags_options_init(patron_tags_options *o);
/* "100,500,2000": increasing amounts, at most PATRON_TAGS_MAX_BANDS; PATRON_ERR_USAGE with a
 * message naming the fault otherwise. */
PATRON_API patron_status patron_tags_parse_price_bands(const char *text, patron_tags_options *o,
                                                       patron_error *err);

/* What the tag columns point to (labels, joined tag lists): free it after the profile. */
typedef struct patron_tagset patron_tagset;
PATRON_API patron_tagset *patron_tagset_new(void);
PATRON_API void patron_tagset_free(patron_tagset *ts);

/* Appends the built-in tag columns the inputs support; for each one left out, a warning in
 * run (may be NULL) says why. */
PATRON_API patron_status patron_tags_builtin(patron_tagset *ts, patron_profile *p,
                                             const patron_dataset *ds, const patron_tags_options *o,
                                             patron_run *run, patron_error *err);

/* Reads and applies o->tags_file, then o->segments_file (either may be NULL). Errors in a
 * file are PATRON_ERR_USAGE with err->file and err->line set (FILE:LINE: message, with the
 * expression's caret); an unreadable file is PATRON_ERR_IO. */
PATRON_API patron_status patron_tags_rules(patron_tagset *ts, patron_profile *p,
                                           const patron_dataset *ds, const patron_tags_options *o,
                                           patron_error *err);

/* A rule file's rules, parsed but not compiled (NAME: EXPRESSION per line). */
typedef struct patron_rule {
  const char *name, *expr;
  size_t expr_len;
  uint64_t line;
} patron_rule;

typedef struct patron_rule_file {
  patron_rule *rules;
  size_t n_rules;
  char *text; /* owned: the file's bytes the rules point into */
} patron_rule_file;

/* Parses text (len bytes) named `path` in messages. Blank lines and lines starting with '#'
 * are skipped; NAME must be [A-Za-z_][A-Za-z0-9_]*, unique, and no SPEC member column.
 * Takes ownership of text (malloc'ed) even on failure. */
PATRON_API patron_status patron_rule_file_parse(const char *path, char *text, size_t len,
                                                patron_rule_file *out, patron_error *err);
PATRON_API void patron_rule_file_free(patron_rule_file *f);

#endif
