/* The shared tag options (cli_tags.h, SPEC section 7). */
#include "cli_tags.h"

#include <string.h>

static bool valid_name(const char *s) {
  if (!s[0] || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") == 0)
    return false;
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") == strlen(s);
}

int cli_tags_option(patron_tags_options *o, const char *command, int opt, const char *arg) {
  long v;
  patron_error err = {0};
  switch (opt) {
  case CLI_OPT_TAG_WINDOW:
    if (!cli_parse_long(command, "--tag-window", arg, 1, 36500, &v))
      return -1;
    o->window_days = (int)v;
    return 1;
  case CLI_OPT_STAGE_DAYS:
    if (!cli_parse_long(command, "--stage-days", arg, 1, 36500, &v))
      return -1;
    o->stage_days = (int)v;
    return 1;
  case CLI_OPT_PRICE_BANDS:
    if (patron_tags_parse_price_bands(arg, o, &err) != PATRON_OK)
      return cli_usage_error(command, "%s", err.message), -1;
    return 1;
  case CLI_OPT_TAGS: o->tags_file = arg; return 1;
  case CLI_OPT_SEGMENTS: o->segments_file = arg; return 1;
  case CLI_OPT_SEGMENTS_NAME:
    if (!valid_name(arg))
      return cli_usage_error(command, "--segments-name expects a column name, got '%s'", arg), -1;
    o->segments_name = arg;
    return 1;
  default: return 0;
  }
}
