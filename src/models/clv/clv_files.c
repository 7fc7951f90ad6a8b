/* A fitted CLV model file (patron_clv_fit_to_json's text) read by the library, under a size
 * cap: a model file is a few kilobytes, so anything past the cap (/dev/zero, a data file
 * given by mistake) fails at once instead of filling memory. */
#include "io/files.h"
#include "patron/clv.h"

#include <stdio.h>
#include <stdlib.h>

patron_status patron_clv_fit_read(const char *path, patron_clv_model **purchases,
                                  patron_clv_model **spend, double *unit_days, patron_error *err) {
  char *text = NULL;
  size_t len = 0;
  *purchases = *spend = NULL;
  patron_status st = patron__read_file(path, PATRON_CLV_MODEL_FILE_MAX, &text, &len, err);
  if (st == PATRON_OK) {
    st = patron_clv_fit_from_json(text, purchases, spend, unit_days, err);
    if (st != PATRON_OK && !err->file[0])
      snprintf(err->file, sizeof err->file, "%s", path);
  }
  free(text);
  return st;
}
