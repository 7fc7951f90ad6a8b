/* Several output files of one run written together: each to a temporary name, all renamed
 * into place only when every one is complete (see include/patron/sink.h). */
#include "io/files.h"
#include "patron/output.h"

#include <stdlib.h>
#include <unistd.h>

enum { MAX_FILES = 64 };

patron_status patron_write_tables_csv(const char *dir, const char *const *names,
                                      const patron_table *const *tables, size_t n,
                                      const patron_output_options *o, const patron_dataset *inputs,
                                      patron_error *err) {
  if (n > MAX_FILES)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "too many files at once");
  char paths[MAX_FILES][4096];
  patron_sink *sinks[MAX_FILES] = {0};
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    if ((st = patron__path_join(paths[i], sizeof paths[i], dir, names[i], err)) == PATRON_OK &&
        inputs)
      st = patron__check_not_input(paths[i], inputs, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    if (!tables[i])
      continue;
    st = patron_sink_file(paths[i], o, &sinks[i], err);
    if (st == PATRON_OK)
      st = patron_write_table_csv_to(tables[i], sinks[i], err);
    if (st == PATRON_OK)
      st = patron_sink_finish(sinks[i], err);
  }
  for (size_t i = 0; i < n; i++) {
    if (st == PATRON_OK)
      st = patron_sink_close(sinks[i], err);
    else
      patron_sink_abort(sinks[i]);
  }
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    if (!tables[i])
      unlink(paths[i]); /* a stale file of an earlier run would mislead */
  return st;
}
