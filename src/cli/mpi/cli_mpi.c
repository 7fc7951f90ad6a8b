/* `mpirun -np N patron analyze --mpi ...` (SPEC section 15; docs/SCALE.md, "MPI"): every
 * rank reads a byte range of the orders file, lines travel to the rank owning their
 * customer, each rank loads and profiles its own customers with the single-process code,
 * and rank 0 merges the rows and the file report, runs the stages on the whole profile and
 * writes the outputs, byte-identical to `patron analyze` for any number of ranks. Built
 * only when CMake finds MPI (PATRON_HAVE_MPI). */
#include "analysis.h"
#include "cli_store.h"
#include "mpi/mpi_int.h"
#include "ops/pipeline_int.h"
#include "ops/stages.h"
#include "patron/movements.h"
#include "patron/portrait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The stages whose columns the ranks compute for their own customers and rank 0's stage
 * copies (every other stage runs on rank 0 over the merged profile: segment, cluster, the
 * tiers' ranks, segment_report; the rules run on the ranks between two parts of rank 0's
 * stages; docs/SCALE.md section 9). */
#define GIVEN_STAGES                                                                               \
  "clv,repurchase,tiers,tags,loyalty,relationship_stage,rules,churn,level_warning,"                \
  "loyalty_validation"

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

/* A name of --stages that is no stage, or NULL (rank 0 runs the stages without the
 * pipeline's own check). */
static const char *unknown_stage(const char *list, char *name, size_t cap) {
  size_t n_stages;
  const patron_stage *stages = patron_pipeline_stages(&n_stages);
  for (const char *s = list; *s;) {
    size_t n = strcspn(s, ","), i = 0;
    while (i < n_stages && (strlen(stages[i].name) != n || strncmp(stages[i].name, s, n) != 0))
      i++;
    if (i == n_stages)
      return snprintf(name, cap, "%.*s", (int)n, s), name;
    s += n + (s[n] == ',');
  }
  return NULL;
}

/* What --mpi does not run; NULL when the flags fit. */
static const char *unsupported(const cli_analysis *a, char *buf, size_t cap) {
  const patron_load_options *o = &a->inputs.load;
  char name[64];
  if (!a->spec_only && a->stages && unknown_stage(a->stages, name, sizeof name))
    return snprintf(buf, cap, "unknown stage '%s'", name), buf;
  if (!o->paths[PATRON_FILE_ORDERS])
    return "--mpi needs --orders FILE";
  int from_stdin = 0;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    from_stdin += o->paths[k] && !strcmp(o->paths[k], "-");
  if (from_stdin > 1)
    return "only one input file can be standard input (-)";
  return NULL;
}

/* This rank's part of input file `kind`, shuffled, in an anonymous memory file (the part's
 * buffer is freed once copied there, so the rank holds the part's bytes once). Collective. */
typedef struct part_file {
  int fd; /* -1: no such input */
  uint64_t header_lines;
  char delimiter;
} part_file;

static patron_status shuffle_part(const patron_load_options *o, patron_file_kind kind,
                                  part_file *out, patron_error *err) {
  patron__mpi_part part;
  patron_status st = patron__mpi_shuffle(MPI_COMM_WORLD, o, kind, &part, err);
  out->header_lines = part.header_lines, out->delimiter = part.delimiter;
  out->fd = st == PATRON_OK ? memfd_create("patron-mpi-part", 0) : -1;
  if (st == PATRON_OK && out->fd < 0)
    st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot create a memory file");
  size_t done = 0;
  while (st == PATRON_OK && done < part.len) {
    ssize_t w = write(out->fd, part.text + done, part.len - done);
    if (w <= 0)
      st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot fill a memory file");
    done += w > 0 ? (size_t)w : 0;
  }
  free(part.text);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

/* Every input file's part (the same delimiter for all: the parts' paths have no extension
 * to tell a .tsv by). Collective. */
static patron_status shuffle_parts(const patron_load_options *o, part_file *parts,
                                   patron_error *err) {
  patron_status st = PATRON_OK;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    parts[k] = (part_file){.fd = -1};
  for (int k = 0; st == PATRON_OK && k < PATRON_FILE_KINDS; k++)
    if (o->paths[k])
      st = shuffle_part(o, (patron_file_kind)k, &parts[k], err);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int k = 1; st == PATRON_OK && rank == 0 && k < PATRON_FILE_KINDS; k++)
    if (parts[k].fd >= 0 && parts[k].delimiter != parts[PATRON_FILE_ORDERS].delimiter)
      st = patron__error_set(err, PATRON_ERR_USAGE, o->paths[k], 0, 0,
                             "--mpi reads the input files with one delimiter, and this one's "
                             "differs from the orders file's: give --delimiter");
  return st;
}

/* Standard input (`-`), which mpirun gives rank 0 only: rank 0 copies it into a memory
 * file and broadcasts its bytes, which every other rank keeps in a memory file of its own
 * (every rank then holds the whole input once, where a file is read in byte ranges).
 * *fd: the memory file. Collective. */
static patron_status spool_stdin(int *fd, patron_error *err) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  *fd = memfd_create("patron-mpi-stdin", 0);
  uint64_t size = 0;
  char block[1 << 16];
  ssize_t got = 0;
  bool copied = true;
  while (rank == 0 && *fd >= 0 && copied && (got = read(0, block, sizeof block)) > 0) {
    copied = write(*fd, block, (size_t)got) == got;
    size += (uint64_t)got;
  }
  int ok = *fd >= 0 && got == 0 && copied, all;
  MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (ok && rank != 0)
    ok = ftruncate(*fd, (off_t)size) == 0;
  char *map = ok && size ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0) : NULL;
  ok = ok && map != MAP_FAILED;
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  for (uint64_t at = 0; all && at < size; at += 1u << 30) /* int counts: rounds of 1 GiB */
    MPI_Bcast(map + at, (int)(size - at < (1u << 30) ? size - at : 1u << 30), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  if (map && map != MAP_FAILED)
    munmap(map, size);
  return all ? PATRON_OK
             : patron__error_set(err, PATRON_ERR_IO, "-", 0, 0,
                                 "cannot copy standard input into memory for the ranks");
}

/* Loads this rank's parts with the normal loader. */
static patron_status load_parts(const patron_load_options *given, const part_file *parts,
                                patron_dataset **ds, patron_error *err) {
  char paths[PATRON_FILE_KINDS][64];
  patron_load_options o = *given;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (parts[k].fd >= 0) {
      snprintf(paths[k], sizeof paths[k], "/proc/self/fd/%d", parts[k].fd);
      o.paths[k] = paths[k];
    }
  o.delimiter = parts[PATRON_FILE_ORDERS].delimiter;
  o.encodings = NULL, o.n_encodings = 0; /* the parts are UTF-8 already */
  return patron_dataset_load(&o, ds, err);
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

/* The tiers' activity of this rank's customers as hidden columns (rank 0 ranks them all):
 * spend and purchases, and the cart flag when any rank's events have the cart type.
 * Collective. */
static patron_status activity_columns(const patron_dataset *ds, patron_profile *local,
                                      const patron_tier_options *o, patron_error *err) {
  patron_activity a;
  patron_status st =
      patron_activity_compute(ds, local, o->window_days, o->cart_days, o->cart_event, &a, err);
  int cart = st == PATRON_OK && a.has_cart_type, any_cart;
  MPI_Allreduce(&cart, &any_cart, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  if (st != PATRON_OK)
    return st;
  patron_table *t = patron_profile_table(local);
  patron_money *spend;
  int64_t *purchases, *carts = NULL;
  st = patron_table_add(t, PATRON__ACTIVITY_SPEND, PATRON_COL_MONEY, (void **)&spend, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, PATRON__ACTIVITY_PURCHASES, PATRON_COL_INT, (void **)&purchases, err);
  if (st == PATRON_OK && any_cart)
    st = patron_table_add(t, PATRON__ACTIVITY_CART, PATRON_COL_INT, (void **)&carts, err);
  for (size_t r = 0; st == PATRON_OK && r < a.n; r++) {
    spend[r] = a.spend[r], purchases[r] = a.purchases[r];
    if (carts)
      carts[r] = a.cart_after_purchase[r];
  }
  patron_activity_free(&a);
  return st;
}

/* level_warning (--db) of this rank's customers: from their member_level, a function of
 * their own spend (computed here as rank 0's tiers stage does), and their orders. */
static patron_status level_warning_column(const patron_pipeline_options *o,
                                          const patron_dataset *ds, patron_profile *local,
                                          patron_error *err) {
  patron_status st = PATRON_OK;
  if (stage_on(o, "tiers")) { /* else the warning fails as in one process: no member_level */
    const patron_tier_options *t = &o->value.tiers;
    patron_activity a;
    st = patron_activity_compute(ds, local, t->window_days, t->cart_days, t->cart_event, &a, err);
    if (st == PATRON_OK)
      st = patron_member_levels(patron_profile_table(local), &a, &o->value.levels, NULL, err);
    patron_activity_free(&a);
  }
  return st == PATRON_OK ? patron_level_warning_add(local, ds, &o->value.levels,
                                                    o->value.tiers.window_days, o->review_days, err)
                         : st;
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
  if (st == PATRON_OK && stage_on(o, "churn"))
    st = patron__mpi_churn(MPI_COMM_WORLD, o->churn_model_dir, ds, local, err);
  if (st == PATRON_OK && stage_on(o, "level_warning"))
    st = level_warning_column(o, ds, local, err);
  if (st == PATRON_OK && stage_on(o, "loyalty_validation"))
    st = patron__loyalty_validation_columns(local, ds, o->validate_loyalty_day, err);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

/* Rank 0: the stages on the gathered profile (the ranks' columns given) before the rules
 * (which need the ranks' data again: run_ranks). */
static patron_status before_rules(cli_run *s, patron_pipeline_options *o, const patron_table *given,
                                  local_models *m, patron_error *err) {
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
  return patron__pipeline_run_part(s->ds, o, &s->run, &s->r, NULL, "rules", err);
}

/* Rank 0: the stages from the rules on, then the files and the report. */
static patron_status after_rules(const char *command, cli_analysis *a, cli_run *s,
                                 const patron_pipeline_options *o, patron_store *store,
                                 patron_error *err) {
  patron_status st = patron__pipeline_run_part(s->ds, o, &s->run, &s->r, "rules", NULL, err);
  if (st == PATRON_OK)
    st = cli_analysis_output(command, a, s, store, err);
  uint64_t rejected = 0;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    rejected += patron_dataset_file_report(s->ds, (patron_file_kind)k)->rows_rejected;
  if (st == PATRON_OK && rejected)
    fprintf(stderr,
            "patron %s: %llu rows were rejected (counted in summary.json); rejects.csv is not "
            "written under --mpi: run without --mpi to list them\n",
            command, (unsigned long long)rejected);
  return st;
}

/* Every rank: shuffle, load, base profile and its model columns; rank 0 gathers and
 * finishes. */
static patron_status run_ranks(const char *command, cli_analysis *a, int rank, cli_run *s,
                               patron_store *store, patron_error *err) {
  if (!a->spec_only) /* the tags read order lines (category, brand, channel, discount) */
    a->inputs.load.keep_lines = true;
  patron_load_options inputs = a->inputs.load; /* standard input read from a memory file */
  char stdin_path[64];
  int stdin_fd = -1;
  patron_status st = PATRON_OK;
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (inputs.paths[k] && !strcmp(inputs.paths[k], "-")) {
      st = spool_stdin(&stdin_fd, err);
      snprintf(stdin_path, sizeof stdin_path, "/proc/self/fd/%d", stdin_fd);
      inputs.paths[k] = stdin_path;
    }
  part_file parts[PATRON_FILE_KINDS];
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    parts[k] = (part_file){.fd = -1};
  if (st == PATRON_OK)
    st = patron__mpi_agree(MPI_COMM_WORLD, shuffle_parts(&inputs, parts, err), err);
  if (stdin_fd >= 0)
    close(stdin_fd);
  patron_run_lap(&s->run, "shuffle");
  if (st == PATRON_OK)
    st = load_parts(&a->inputs.load, parts, &s->ds, err);
  st = patron__mpi_agree(MPI_COMM_WORLD, st, err);
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (parts[k].fd >= 0)
      close(parts[k].fd);
  if (st != PATRON_OK)
    return st;
  patron_run_lap(&s->run, "load");
  int32_t as_of = global_as_of(a, s->ds);
  for (int k = 0; k < PATRON_FILE_KINDS; k++)
    if (parts[k].fd >= 0)
      patron__mpi_merge_report(MPI_COMM_WORLD, s->ds, (patron_file_kind)k, parts[k].header_lines,
                               a->inputs.load.paths[k]);
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
  int32_t *origin = NULL;
  if (st == PATRON_OK)
    st = patron__mpi_gather_profile(MPI_COMM_WORLD, local, as_of, &s->r.profile, &ids, &given,
                                    &origin, err);
  patron_profile_free(local);
  patron_run_lap(&s->run, "gather");
  if (st == PATRON_OK && rank == 0)
    st = before_rules(s, &o, given, &m, err);
  st = patron__mpi_agree(MPI_COMM_WORLD, st, err);
  if (st == PATRON_OK && stage_on(&o, "rules"))
    st = patron__mpi_rules(MPI_COMM_WORLD, s->ds, as_of,
                           rank == 0 ? patron_profile_table_const(s->r.profile) : NULL, origin,
                           &o.tags, given, err);
  if (st == PATRON_OK && rank == 0)
    st = after_rules(command, a, s, &o, store, err);
  cli_run_free(s); /* before the ids the profile points into */
  patron_table_free(given);
  free(origin);
  patron_clv_model_free(m.pm), patron_clv_model_free(m.sm);
  patron_tagset_free(m.ts);
  free(ids);
  return patron__mpi_agree(MPI_COMM_WORLD, st, err);
}

/* Rank 0: the output directory and the store (--db); their errors are printed. */
static patron_status open_outputs(const char *command, const cli_analysis *a, patron_store **store,
                                  patron_error *err) {
  if (!cli_make_dir(command, a->out_dir))
    return patron__error_set(err, PATRON_ERR_IO, a->out_dir, 0, 0, "cannot create it");
  if (a->db && !(*store = cli_store_open(command, a->db, false)))
    return patron__error_set(err, PATRON_ERR_IO, a->db, 0, 0, "cannot open the store");
  return PATRON_OK;
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
    patron_store *store = NULL; /* rank 0's (--db), opened first as in one process */
    patron_status st = patron__mpi_agree(
        MPI_COMM_WORLD, rank == 0 ? open_outputs(command, a, &store, &err) : PATRON_OK, &err);
    if (st == PATRON_OK)
      st = run_ranks(command, a, rank, &s, store, &err);
    patron_store_close(store);
    rc = st == PATRON_OK ? CLI_EXIT_OK : st == PATRON_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    /* rank 0 prints; another rank only an error of its own that rank 0 did not have (the
     * ranks' rule files fail alike on every rank) */
    bool own = st != PATRON_OK && !strstr(err.message, "failed (see its message)");
    int zero_own = own;
    MPI_Bcast(&zero_own, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st != PATRON_OK && (rank == 0 || (own && !zero_own)))
      cli_fail(command, &err);
  }
  MPI_Finalize();
  return rc;
}
