/* A small tokenizer shared by the parsers of one-line languages (the expression language of
 * SPEC section 6, rule files): names, numbers, single-quoted strings ('' is a quote) and
 * operator symbols, each with its byte offset. Keywords are names; parsers compare them. */
#ifndef PATRON_CORE_TOKENIZE_H
#define PATRON_CORE_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum patron__tok_kind {
  PATRON__TOK_END,
  PATRON__TOK_NAME,   /* [A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]* */
  PATRON__TOK_NUMBER, /* digits[.digits][(e|E)[+-]digits] or .digits */
  PATRON__TOK_STRING, /* '...' with '' for a quote; text excludes the quotes */
  PATRON__TOK_SYMBOL, /* ( ) , = != <> < <= > >= + - * / % */
  PATRON__TOK_ERROR   /* an unterminated string or a stray byte; `error` says which */
} patron__tok_kind;

typedef struct patron__token {
  patron__tok_kind kind;
  size_t offset, len; /* the token's bytes in the text */
  const char *error;  /* for PATRON__TOK_ERROR */
} patron__token;

/* The token starting at or after *pos (blanks skipped); advances *pos past it. */
patron__token patron__next_token(const char *text, size_t len, size_t *pos);

/* True when the token is the name `word`, compared case-insensitively (ASCII). */
bool patron__token_is(const char *text, const patron__token *t, const char *word);

/* Decodes a string token's text ('' -> ') into out (at least t->len bytes); returns the
 * decoded length. */
size_t patron__token_string(const char *text, const patron__token *t, char *out);

#endif
