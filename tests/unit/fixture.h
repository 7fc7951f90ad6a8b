/* Test helpers: write a fixture file into a fresh temporary directory, load datasets. */
#ifndef PATRON_TEST_FIXTURE_H
#define PATRON_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/patron.h"

/* Writes text to /tmp/patron-test-XXXXXX/name; returns a static path (one per slot). */
static inline const char *fixture_file(int slot, const char *name, const char *text) {
  static char dir[64], paths[8][128];
  if (!dir[0]) {
    strcpy(dir, "/tmp/patron-test-XXXXXX");
    if (!mkdtemp(dir))
      abort();
  }
  snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
  FILE *f = fopen(paths[slot], "wb");
  if (!f)
    abort();
  fputs(text, f);
  fclose(f);
  return paths[slot];
}

#endif
