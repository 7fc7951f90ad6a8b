/* The shared tokenizer for one-line languages (see core/tokenize.h): SPEC section 6's
 * lexical rules (single-quoted strings with '' as a quote, case-insensitive keywords). */
#include "core/tokenize.h"

#include <string.h>
#include <strings.h>

static bool name_start(unsigned char c) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

static bool name_char(unsigned char c) { return name_start(c) || (c >= '0' && c <= '9'); }

static bool digit(const char *s, size_t len, size_t i) {
  return i < len && s[i] >= '0' && s[i] <= '9';
}

static size_t scan_number(const char *s, size_t len, size_t i) {
  while (digit(s, len, i))
    i++;
  if (i < len && s[i] == '.' && digit(s, len, i + 1))
    for (i++; digit(s, len, i);)
      i++;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < len && (s[j] == '+' || s[j] == '-'))
      j++;
    if (digit(s, len, j))
      for (i = j; digit(s, len, i);)
        i++;
  }
  return i;
}

static patron__token scan_string(const char *s, size_t len, size_t start) {
  patron__token t = {PATRON__TOK_STRING, start, 0, NULL};
  for (size_t i = start + 1; i < len; i++) {
    if (s[i] != '\'')
      continue;
    if (i + 1 < len && s[i + 1] == '\'') {
      i++;
      continue;
    }
    t.len = i + 1 - start;
    return t;
  }
  t.kind = PATRON__TOK_ERROR;
  t.len = len - start;
  t.error = "unterminated string";
  return t;
}

static size_t symbol_len(const char *s, size_t len, size_t i) {
  char c = s[i], n = i + 1 < len ? s[i + 1] : '\0';
  if ((c == '!' && n == '=') || (c == '<' && (n == '=' || n == '>')) || (c == '>' && n == '='))
    return 2;
  return strchr("(),=<>+-*/%", c) && c ? 1 : 0;
}

patron__token patron__next_token(const char *s, size_t len, size_t *pos) {
  size_t i = *pos;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  patron__token t = {PATRON__TOK_END, i, 0, NULL};
  if (i >= len) {
    *pos = i;
    return t;
  }
  unsigned char c = (unsigned char)s[i];
  if (name_start(c)) {
    size_t j = i;
    while (j < len && name_char((unsigned char)s[j]))
      j++;
    t.kind = PATRON__TOK_NAME, t.len = j - i;
  } else if (digit(s, len, i) || (c == '.' && digit(s, len, i + 1))) {
    t.kind = PATRON__TOK_NUMBER, t.len = scan_number(s, len, i) - i;
  } else if (c == '\'') {
    t = scan_string(s, len, i);
  } else if ((t.len = symbol_len(s, len, i)) > 0) {
    t.kind = PATRON__TOK_SYMBOL;
  } else {
    t.kind = PATRON__TOK_ERROR, t.len = 1, t.error = "unexpected character";
  }
  *pos = i + t.len;
  return t;
}

bool patron__token_is(const char *text, const patron__token *t, const char *word) {
  return t->kind == PATRON__TOK_NAME && strlen(word) == t->len &&
         strncasecmp(text + t->offset, word, t->len) == 0;
}

size_t patron__token_string(const char *text, const patron__token *t, char *out) {
  size_t n = 0;
  for (size_t i = t->offset + 1; i + 1 < t->offset + t->len; i++) {
    out[n++] = text[i];
    if (text[i] == '\'')
      i++;
  }
  return n;
}
