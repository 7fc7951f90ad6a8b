/* Several output files of one run written together: each to a temporary name, all renamed
 * into place only when every one is complete (see include/patron/sink.h). */
#include "io/files.h"
#include "patron/output.h"

#include <stdlib.h>
#include <unistd.h>

enum { MAX_FILES = 64 };

static patron_status write_one(const patron_output_file *f, patron_sink *s, patron_error *err) {
  if (f->write)
    return f->write(f->ctx, s, err);
  return f->table ? patron_write_table_csv_to(f->table, s, err)
                  : patron_sink_write(s, f->text, f->len, err);
}

static bool has_content(const patron_output_file *f) { return f->table || f->text || f->write; }

patron_status patron_write_files(const char *dir, const patron_output_file *files, size_t n,
                                 const patron_output_options *o, const patron_dataset *inputs,
                                 patron_error *err) {
  if (n > MAX_FILES)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "too many files at once");
  char paths[MAX_FILES][4096];
  patron_sink *sinks[MAX_FILES] = {0};
  patron_status st = PATRON_OK;
  for (size_t i = 0; st == PATRON_OK && i < n; i++)
    if ((st = patron__path_join(paths[i], sizeof paths[i], dir, files[i].name, err)) == PATRON_OK &&
        inputs)
      st = patron__check_not_input(paths[i], inputs, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    if (!has_content(&files[i]))
      continue;
    st = patron_sink_file(paths[i], o, &sinks[i], err);
    if (st == PATRON_OK)
      st = write_one(&files[i], sinks[i], err);
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
    if (!has_content(&files[i]))
      unlink(paths[i]); /* a stale file of an earlier run would mislead */
  return st;
}

patron_status patron_write_tables_csv(const char *dir, const char *const *names,
                                      const patron_table *const *tables, size_t n,
                                      const patron_output_options *o, const patron_dataset *inputs,
                                      patron_error *err) {
  patron_output_file files[MAX_FILES];
  if (n > MAX_FILES)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "too many files at once");
  for (size_t i = 0; i < n; i++)
    files[i] = (patron_output_file){.name = names[i], .table = tables[i]};
  return patron_write_files(dir, files, n, o, inputs, err);
}
