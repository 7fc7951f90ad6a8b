/* `mpirun -np N patron analyze --mpi ...` (SPEC section 15; docs/SCALE.md, "MPI"): every
 * rank reads a byte range of the orders file, lines travel to the rank owning their
 * customer, each rank loads and profiles its own customers with the single-process code,
 * and rank 0 merges the rows and the file report, runs the stages on the whole profile and
 * writes the outputs, byte-identical to `patron analyze` for any number of ranks. Built
 * only when CMake finds MPI (PATRON_HAVE_MPI). */
#include "analysis.h"
#include "mpi/mpi_int.h"
#include "ops/pipeline_int.h"
#include "ops/stages.h"
#include "patron/portrait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The model stages --mpi runs: computed by the ranks (clv: one fit on rank 0; repurchase,
 * tags, loyalty, relationship_stage: per customer; tiers: the activity per customer, the
 * ranks on rank 0) or on rank 0's gathered rows (cluster). */
static const char *const mpi_stages[] = {"clv",  "repurchase", "cluster",           "tiers",
                                         "tags", "loyalty",    "relationship_stage"};
#define MPI_STAGES   "clv, repurchase, cluster, tiers, tags, loyalty, relationship_stage"
#define GIVEN_STAGES "clv,repurchase,tiers,tags,loyalty,relationship_stage"

static bool listed_in(const char *list, const char *name) {
  size_t len = strlen(name);
  for (const char *s = list; *s;) {
    size_t n = strcspn(s, ",");
    if (n == len && !strncmp(s, name, n))
      return true;
    s += n + (s[n] == ',');
  }
  return false;
}

/* A stage of --stages that --mpi does not run, or NULL. */
static const char *missing_stage(const char *list, char *name, size_t cap) {
  for (const char *s = list; *s;) {
    size_t n = strcspn(s, ","), i = 0;
    while (i < sizeof mpi_stages / sizeof *mpi_stages &&
           (strlen(mpi_stages[i]) != n || strncmp(mpi_stages[i], s, n) != 0))
      i++;
    if (i == sizeof mpi_stages / sizeof *mpi_stages)
      return snprintf(name, cap, "%.*s", (int)n, s), name;
    s += n + (s[n] == ',');
  }
  return NULL;
}

/* What --mpi supports so far; NULL when the flags fit. */
static const char *unsupported(const cli_analysis *a, char *buf, size_t cap) {
  const patron_load_options *o = &a->inputs.load;
  char name[64];
  if (!a->spec_only && a->stages && missing_stage(a->stages, name, sizeof name))
    return snprintf(buf, cap,
                    "--stages: --mpi does not run the stage '%s' (yet); it runs " MPI_STAGES, name),
           buf;
  if (!a->spec_only && a->churn_model)
    return "--mpi does not run --churn-model yet";
  if (a->validate_loyalty_day != PATRON_NO_DAY)
    return "--mpi does not run --validate-loyalty yet";
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

/* The model columns of one rank's customers (the columns after tenure_days of `local`,
 * gathered with the rows): CLV with rank 0's models, loyalty and the relationship stage.
 * Rank 0 keeps the CLV models (or the fit's failure) in its results. Collective. */
typedef struct local_models {
  patron_clv_model *pm, *sm;
  char note[512];
  patron_tagset *ts; /* the tag columns' labels */
} local_models;

static bool stage_on(const patron_pipeline_options *o, const char *name) {
  size_t n;
  const patron_stage *st = patron_pipeline_stages(&n);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(st[i].name, name))
      return st[i].enabled(o) && (!o->only || listed_in(o->only, name));
  return false;
}

/* The tiers' activity of this rank's customers as two columns (rank 0 ranks them all). */
static patron_status activity_columns(const patron_dataset *ds, patron_profile *local,
                                      const patron_tier_options *o, patron_error *err) {
  patron_activity a;
  patron_status st =
      patron_activity_compute(ds, local, o->window_days, o->cart_days, o->cart_event, &a, err);
  if (st != PATRON_OK)
    return st;
  patron_table *t = patron_profile_table(local);
  patron_money *spend;
  int64_t *purchases;
  st = patron_table_add(t, PATRON__ACTIVITY_SPEND, PATRON_COL_MONEY, (void **)&spend, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, PATRON__ACTIVITY_PURCHASES, PATRON_COL_INT, (void **)&purchases, err);
  if (st == PATRON_OK && a.n) {
    memcpy(spend, a.spend, a.n * sizeof *spend);
    memcpy(purchases, a.purchases, a.n * sizeof *purchases);
  }
  patron_activity_free(&a);
  return st;
}

static patron_status local_columns(const patron_pipeline_options *o, const patron_dataset *ds,
                                   patron_profile *local, int threads, local_models *m,
                                   patron_error *err) {
  patron_status st = PATRON_OK;
  if (stage_on(o, "clv")) {
    patron_clv_profile_options co = o->clv_options;
    co.threads = threads;
    st = patron__mpi_clv(MPI_COMM_WORLD, ds, local, &co, &m->pm, &m->sm, m->note, sizeof m->note,
                         err);
  }
  if (st == PATRON_OK && stage_on(o, "repurchase")) {
    patron_repurchase_options ro = o->repurchase;
    ro.n_threads = threads;
    ro.fallback = false; /* a median over every customer: rank 0 adds it (stages.c) */
    st = patron_repurchase_profile(local, ds, &ro, err);
  }
  if (st == PATRON_OK && stage_on(o, "tiers"))
    st = activity_columns(ds, local, &o->value.tiers, err);
  if (st == PATRON_OK && stage_on(o, "tags"))
    st = (m->ts = patron_tagset_new())
             ? patron__mpi_tags(MPI_COMM_WORLD, ds, local, &o->tags, m->ts, err)
             : PATRON__OOM(err);
  if (st == PATRON_OK && stage_on(o, "loyalty"))
    st = patron_loyalty_add(local, ds, err);
  if (st == PATRON_OK && stage_on(o, "relationship_stage"))
    st = patron_stage_add(local, ds, o->tags.stage_days, err);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

/* Rank 0: the stages on the gathered profile (the ranks' columns given), then the files
 * and the report. */
static patron_status finish(const char *command, cli_analysis *a, cli_run *s,
                            patron_pipeline_options *o, const patron_table *given, local_models *m,
                            patron_error *err) {
  const patron_file_report *r = patron_dataset_file_report(s->ds, PATRON_FILE_ORDERS);
  if (r->rows_read > 0 && r->rows_used == 0)
    return patron__error_set(err, PATRON_ERR_INPUT, r->path, 0, 0,
                             "every one of the %llu order rows was rejected (run without --mpi "
                             "for the reasons and rejects.csv)",
                             (unsigned long long)r->rows_read);
  o->given = given;
  o->given_stages = GIVEN_STAGES;
  s->r.clv_purchases = m->pm, s->r.clv_spend = m->sm; /* the results own them now */
  m->pm = m->sm = NULL;
  snprintf(s->r.clv_note, sizeof s->r.clv_note, "%s", m->note);
  patron_status st = patron__pipeline_run_stages(s->ds, o, &s->run, &s->r, err);
  if (st == PATRON_OK)
    st = cli_analysis_output(command, a, s, NULL, err);
  if (st == PATRON_OK && r->rows_rejected)
    fprintf(stderr,
            "patron %s: %llu order rows were rejected (counted in summary.json); rejects.csv "
            "is not written under --mpi: run without --mpi to list them\n",
            command, (unsigned long long)r->rows_rejected);
  return st;
}

/* Every rank: shuffle, load, base profile and its model columns; rank 0 gathers and
 * finishes. */
static patron_status run_ranks(const char *command, cli_analysis *a, int rank, cli_run *s,
                               patron_error *err) {
  if (!a->spec_only) /* the tags read order lines (category, brand, channel, discount) */
    a->inputs.load.keep_lines = true;
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
  patron_pipeline_options o;
  cli_analysis_pipeline_options(a, &o);
  local_models m = {0};
  if (st == PATRON_OK)
    st = local_columns(&o, s->ds, local, a->inputs.load.n_threads, &m, err);
  patron_run_lap(&s->run, "local_models");
  char *ids = NULL;
  patron_table *given = NULL;
  if (st == PATRON_OK)
    st = patron__mpi_gather_profile(MPI_COMM_WORLD, local, as_of, &s->r.profile, &ids, &given, err);
  patron_profile_free(local);
  patron_run_lap(&s->run, "gather");
  if (st == PATRON_OK && rank == 0)
    st = finish(command, a, s, &o, given, &m, err);
  cli_run_free(s); /* before the ids the profile points into */
  patron_table_free(given);
  patron_clv_model_free(m.pm), patron_clv_model_free(m.sm);
  patron_tagset_free(m.ts);
  free(ids);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

int cli_mpi_analysis(const char *command, cli_analysis *a) {
  int provided, rank;
  MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char buf[256];
  const char *why = unsupported(a, buf, sizeof buf);
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
