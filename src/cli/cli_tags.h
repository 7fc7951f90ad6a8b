/* The tag options shared by analyze and the commands that select from its profile
 * (audience, ...): --tag-window, --price-bands, --tags, --segments, --segments-name
 * (SPEC section 7), parsed into patron_tags_options. */
#ifndef PATRON_CLI_TAGS_H
#define PATRON_CLI_TAGS_H

#include "cli.h"

#include <getopt.h>

enum {
  CLI_OPT_TAG_WINDOW = 1900,
  CLI_OPT_PRICE_BANDS,
  CLI_OPT_TAGS,
  CLI_OPT_SEGMENTS,
  CLI_OPT_SEGMENTS_NAME,
  CLI_OPT_STAGE_DAYS
};

#define CLI_TAGS_LONG_OPTIONS                                                                      \
  {"tag-window", required_argument, NULL, CLI_OPT_TAG_WINDOW},                                     \
      {"price-bands", required_argument, NULL, CLI_OPT_PRICE_BANDS},                               \
      {"tags", required_argument, NULL, CLI_OPT_TAGS},                                             \
      {"segments", required_argument, NULL, CLI_OPT_SEGMENTS},                                     \
      {"stage-days", required_argument, NULL, CLI_OPT_STAGE_DAYS}, {                               \
    "segments-name", required_argument, NULL, CLI_OPT_SEGMENTS_NAME                                \
  }

#define CLI_TAGS_USAGE                                                                             \
  "\nTags and custom segments:\n"                                                                  \
  "  --tag-window D       window of the built-in tags, days before as-of (default 365)\n"          \
  "  --price-bands A,B,.. lower bounds of the price_band column (default 100,500,2000)\n"          \
  "  --tags FILE          rule tags: lines NAME: EXPRESSION, one 1/0 column each + tags\n"         \
  "  --segments FILE      custom segmentation: lines NAME: EXPRESSION, first match wins\n"         \
  "  --segments-name N    its column name (default custom_segment)\n"                              \
  "  --stage-days D       windows of the relationship stage column, days (default 180)\n"

/* Handles one tag option: 1 handled, 0 not one of ours, -1 usage error (printed). */
int cli_tags_option(patron_tags_options *o, const char *command, int opt, const char *arg);

#endif
