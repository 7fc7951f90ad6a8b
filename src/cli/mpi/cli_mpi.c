/* `mpirun -np N patron analyze --mpi ...` (SPEC section 15; docs/SCALE.md, "MPI"): every
 * rank reads a byte range of the orders file, lines travel to the rank owning their
 * customer, each rank loads and profiles its own customers with the single-process code,
 * and rank 0 merges the rows and the file report, runs the stages on the whole profile and
 * writes the outputs, byte-identical to `patron analyze` for any number of ranks. Built
 * only when CMake finds MPI (PATRON_HAVE_MPI). */
#include "analysis.h"
#include "mpi/mpi_int.h"
#include "ops/pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* What --mpi supports so far; NULL when the flags fit. */
static const char *unsupported(const cli_analysis *a) {
  const patron_load_options *o = &a->inputs.load;
  if (!a->spec_only)
    return "--mpi computes the SPEC section 3 figures only so far: add --spec-only";
  if (o->paths[PATRON_FILE_CUSTOMERS] || o->paths[PATRON_FILE_EVENTS])
    return "--mpi reads an orders file only (no --customers, --events)";
  if (!o->paths[PATRON_FILE_ORDERS] || !strcmp(o->paths[PATRON_FILE_ORDERS], "-"))
    return "--mpi reads a file every rank can open, not standard input";
  if (a->db)
    return "--mpi does not record snapshots (--db)";
  if (a->tags.tags_file || a->tags.segments_file)
    return "--mpi does not run rule files (--tags, --segments) yet";
  return NULL;
}

/* Loads this rank's part with the normal loader, from an anonymous memory file (the part's
 * buffer is freed once copied there, so the rank holds the part's bytes once). */
static patron_status load_part(const patron_load_options *given, patron__mpi_part *part,
                               patron_dataset **ds, patron_error *err) {
  int fd = memfd_create("patron-mpi-part", 0);
  if (fd < 0)
    return patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot create a memory file");
  size_t done = 0;
  while (done < part->len) {
    ssize_t w = write(fd, part->text + done, part->len - done);
    if (w <= 0)
      break;
    done += (size_t)w;
  }
  free(part->text);
  part->text = NULL;
  patron_status st = PATRON_OK;
  if (done < part->len)
    st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot fill a memory file");
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  patron_load_options o = *given;
  o.paths[PATRON_FILE_ORDERS] = path;
  o.delimiter = part->delimiter;
  o.encodings = NULL, o.n_encodings = 0; /* the part is UTF-8 already */
  if (st == PATRON_OK)
    st = patron_dataset_load(&o, ds, err);
  close(fd);
  return st;
}

/* The as-of day: the one given, else the day after the latest order of any rank. */
static int32_t global_as_of(const cli_analysis *a, const patron_dataset *ds) {
  int32_t given =
      a->inputs.load.as_of_day != PATRON_NO_DAY ? a->inputs.load.as_of_day : a->profile.as_of_day;
  int32_t mine = given != PATRON_NO_DAY ? given : patron_dataset_default_as_of(ds), all;
  MPI_Allreduce(&mine, &all, 1, MPI_INT32_T, MPI_MAX, MPI_COMM_WORLD);
  return all;
}

/* Rank 0: the stages on the gathered profile, then the files and the report. */
static patron_status finish(const char *command, cli_analysis *a, cli_run *s, patron_error *err) {
  const patron_file_report *r = patron_dataset_file_report(s->ds, PATRON_FILE_ORDERS);
  if (r->rows_read > 0 && r->rows_used == 0)
    return patron__error_set(err, PATRON_ERR_INPUT, r->path, 0, 0,
                             "every one of the %llu order rows was rejected (run without --mpi "
                             "for the reasons and rejects.csv)",
                             (unsigned long long)r->rows_read);
  patron_pipeline_options o;
  cli_analysis_pipeline_options(a, &o);
  patron_status st = patron__pipeline_run_stages(s->ds, &o, &s->run, &s->r, err);
  if (st == PATRON_OK)
    st = cli_analysis_output(command, a, s, NULL, err);
  if (st == PATRON_OK && r->rows_rejected)
    fprintf(stderr,
            "patron %s: %llu order rows were rejected (counted in summary.json); rejects.csv "
            "is not written under --mpi: run without --mpi to list them\n",
            command, (unsigned long long)r->rows_rejected);
  return st;
}

/* Every rank: shuffle, load, base profile; rank 0 gathers and finishes. */
static patron_status run_ranks(const char *command, cli_analysis *a, int rank, cli_run *s,
                               patron_error *err) {
  patron__mpi_part part;
  patron_status st = patron__mpi_shuffle_orders(MPI_COMM_WORLD, &a->inputs.load, &part, err);
  patron_run_lap(&s->run, "shuffle");
  if (st == PATRON_OK)
    st = patron__mpi_agree(MPI_COMM_WORLD, load_part(&a->inputs.load, &part, &s->ds, err), err);
  free(part.text);
  if (st != PATRON_OK)
    return st;
  patron_run_lap(&s->run, "load");
  int32_t as_of = global_as_of(a, s->ds);
  patron__mpi_merge_report(MPI_COMM_WORLD, s->ds, part.header_lines,
                           a->inputs.load.paths[PATRON_FILE_ORDERS]);
  patron_profile *local = NULL;
  st = as_of == PATRON_NO_DAY
           ? patron__error_set(err, PATRON_ERR_DOMAIN, NULL, 0, 0,
                               "no usable order rows: cannot choose an as-of date (give --as-of)")
           : patron_profile_base(s->ds, as_of, &local, err);
  st = patron__mpi_agree(MPI_COMM_WORLD, st, err);
  char *ids = NULL;
  if (st == PATRON_OK)
    st = patron__mpi_gather_profile(MPI_COMM_WORLD, local, as_of, &s->r.profile, &ids, err);
  patron_profile_free(local);
  patron_run_lap(&s->run, "gather");
  if (st == PATRON_OK && rank == 0)
    st = finish(command, a, s, err);
  cli_run_free(s); /* before the ids the profile points into */
  free(ids);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

int cli_mpi_analysis(const char *command, cli_analysis *a) {
  int provided, rank;
  MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *why = unsupported(a);
  int rc = CLI_EXIT_USAGE;
  if (why) {
    if (rank == 0)
      cli_usage_error(command, "%s", why);
  } else {
    patron_error err = {0};
    cli_run s = {0};
    patron_run_init(&s.run);
    s.run.n_threads = a->inputs.load.n_threads;
    bool dir_ok = rank != 0 || cli_make_dir(command, a->out_dir);
    patron_status st = patron__mpi_agree(
        MPI_COMM_WORLD,
        dir_ok ? PATRON_OK
               : patron__error_set(&err, PATRON_ERR_IO, a->out_dir, 0, 0, "cannot create it"),
        &err);
    if (st == PATRON_OK)
      st = run_ranks(command, a, rank, &s, &err);
    rc = st == PATRON_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (st != PATRON_OK && (rank == 0 || !strstr(err.message, "failed (see its message)")))
      cli_fail(command, &err);
  }
  MPI_Finalize();
  return rc;
}
