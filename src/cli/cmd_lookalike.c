/* patron lookalike: the customers most like a seed group (SPEC section 9), from the same
 * profile analyze would write; writes customer_id, score, rank of the best N (or PCT%) and
 * lookalike.json beside it with the held-out evaluation, also printed. The model is
 * src/models/lookalike (docs/LOOKALIKE.md). */
#include "cli_inputs.h"
#include "cli_outputs.h"
#include "cli_profile.h"
#include "cli_store.h"
#include "cli_tags.h"
#include "patron/expr.h"
#include "patron/lookalike.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "Usage: patron lookalike --orders FILE [--customers FILE] [--events FILE]\n"
    "                        (--seed FILE | --seed-where EXPR) (--size N | --top PCT)\n"
    "                        --out FILE.csv [OPTIONS]\n"
    "Scores every customer outside the seed (prospects included) by likeness to it, from\n"
    "profile figures, tags, member attributes and behaviour, and writes the best: customer_id,\n"
    "score (0..1) and rank. lookalike.json beside FILE holds the evaluation on a hidden part of\n"
    "the seed (AUC, recall and lift at the chosen size), also printed "
    "(docs/LOOKALIKE.md).\n\n" CLI_INPUT_USAGE "\nLookalike:\n"
    "  --seed FILE          the seed: a CSV with a header, ids in its customer_id column (else\n"
    "                       its first); ids that are no customer are counted and reported\n"
    "  --seed-where EXPR    or the seed as a condition (docs/EXPRESSIONS.md)\n"
    "  --size N             write the best N non-seed customers\n"
    "  --top PCT            or the best floor(PCT/100 x n + 0.5) of the n non-seed customers\n"
    "  --out FILE.csv       the lookalike audience (required)\n"
    "  --holdout PCT        share of the seed hidden for the evaluation (default 20; 0: none)\n"
    "  --rng-seed S         seeds the holdout draw and the sample of the rest (default 0)\n"
    "  --eval-out FILE.csv  the evaluation's scores: customer_id, score, hidden (1 = a hidden\n"
    "                       seed member), for checking the AUC elsewhere\n"
    "  --db STORE           the store (read only): previous(column) and moved(column) in\n"
    "                       --seed-where, and the level_warning column (SPEC 6, 10)\n"
    "  --quiet              no report on stdout\n"
    "  -h, --help           this help\n" CLI_TAGS_USAGE "\n" CLI_OUTPUT_USAGE;

enum {
  OPT_SEED = CLI_OPT_FIRST_FREE,
  OPT_SEED_WHERE,
  OPT_SIZE,
  OPT_TOP,
  OPT_OUT,
  OPT_HOLDOUT,
  OPT_RNG_SEED,
  OPT_EVAL_OUT,
  OPT_DB,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    CLI_TAGS_LONG_OPTIONS,
    {"seed", required_argument, NULL, OPT_SEED},
    {"seed-where", required_argument, NULL, OPT_SEED_WHERE},
    {"size", required_argument, NULL, OPT_SIZE},
    {"top", required_argument, NULL, OPT_TOP},
    {"out", required_argument, NULL, OPT_OUT},
    {"holdout", required_argument, NULL, OPT_HOLDOUT},
    {"rng-seed", required_argument, NULL, OPT_RNG_SEED},
    {"eval-out", required_argument, NULL, OPT_EVAL_OUT},
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

typedef struct lookalike_args {
  cli_inputs inputs;
  patron_tags_options tags;
  patron_lookalike_options la;
  const char *seed, *seed_where, *out, *eval_out, *db;
  cli_history history;          /* --db: previous()/moved() in --seed-where */
  patron_output_options output; /* --excel, --csv-formula-guard */
  bool quiet;
} lookalike_args;

/* A percentage in (0, hi], or [0, hi] when zero_ok. */
static bool parse_pct(const char *flag, const char *arg, bool zero_ok, double hi, double *out) {
  if (!cli_parse_double("lookalike", flag, arg, out))
    return false;
  if ((*out > 0 || (zero_ok && *out == 0)) && *out <= hi)
    return true;
  cli_usage_error("lookalike", "%s expects a percentage in %s0, %g], got '%s'", flag,
                  zero_ok ? "[" : "(", hi, arg);
  return false;
}

static bool own_option(lookalike_args *a, int opt, const char *arg) {
  long v;
  switch (opt) {
  case OPT_SEED: a->seed = arg; return true;
  case OPT_SEED_WHERE: a->seed_where = arg; return true;
  case OPT_SIZE:
    if (!cli_parse_long("lookalike", "--size", arg, 1, 2000000000L, &v))
      return false;
    a->la.size = (size_t)v;
    return true;
  case OPT_TOP: return parse_pct("--top", arg, false, 100, &a->la.top_pct);
  case OPT_OUT: a->out = arg; return true;
  case OPT_HOLDOUT: return parse_pct("--holdout", arg, true, 99, &a->la.holdout_pct);
  case OPT_RNG_SEED:
    if (!cli_parse_long("lookalike", "--rng-seed", arg, 0, 2147483647L, &v))
      return false;
    a->la.rng_seed = (uint64_t)v;
    return true;
  case OPT_EVAL_OUT: a->eval_out = arg; return true;
  case OPT_QUIET: a->quiet = true; return true;
  case OPT_DB: a->db = arg; return true;
  default: return cli_usage_error("lookalike", "unknown option"), false;
  }
}

static int check_args(lookalike_args *a) {
  if (!cli_inputs_ready(&a->inputs, "lookalike"))
    return CLI_EXIT_USAGE;
  if (!a->seed == !a->seed_where)
    return cli_usage_error("lookalike", "give one of --seed FILE or --seed-where EXPR");
  if (!a->la.size == !(a->la.top_pct > 0))
    return cli_usage_error("lookalike", "give one of --size N or --top PCT");
  if (!a->out)
    return cli_usage_error("lookalike", "--out FILE.csv is required");
  return CLI_EXIT_OK;
}

static int parse(lookalike_args *a, int argc, char **argv) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("lookalike", opt, argv, long_options);
    int handled = cli_inputs_option(&a->inputs, "lookalike", opt, optarg);
    if (handled == 0)
      handled = cli_tags_option(&a->tags, "lookalike", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("lookalike", "unexpected argument '%s'", argv[optind]);
  return check_args(a);
}

/* The seed as profile rows: from the file (unknown ids counted) or the condition. */
static patron_status seed_rows(lookalike_args *a, const patron_dataset *ds, const patron_profile *p,
                               uint32_t **rows, size_t *n, size_t *n_unknown, patron_error *err) {
  if (a->seed_where) {
    patron_audience_options o;
    patron_audience_options_init(&o);
    o.where = a->seed_where;
    o.label = "--seed-where";
    patron_audience au = {0};
    patron_status st = cli_history_attach(&a->history, p, &o.functions, &o.n_functions, err);
    if (st == PATRON_OK)
      st = patron_audience_select(p, ds, &o, &au, err);
    *rows = au.rows, *n = au.n_selected;
    return st;
  }
  char **ids = NULL;
  size_t n_ids = 0, n_cust = patron_dataset_n_customers(ds);
  size_t n_rows = patron_table_n_rows(patron_profile_table_const(p));
  patron_status st = patron_ids_read_csv(a->seed, &ids, &n_ids, err);
  uint32_t *row_of = st == PATRON_OK ? malloc((n_cust + 1) * sizeof *row_of) : NULL;
  *rows = st == PATRON_OK ? malloc((n_ids + 1) * sizeof **rows) : NULL;
  if (st == PATRON_OK && (!row_of || !*rows)) {
    err->status = st = PATRON_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
  }
  if (st == PATRON_OK) {
    memset(row_of, 0xff, (n_cust + 1) * sizeof *row_of);
    const uint32_t *cust = patron_profile_customers(p);
    for (size_t r = 0; r < n_rows; r++)
      row_of[cust[r]] = (uint32_t)r;
    *n = *n_unknown = 0;
    for (size_t i = 0; i < n_ids; i++) {
      uint32_t c = patron_dataset_find_customer(ds, ids[i], strlen(ids[i]));
      if (c == UINT32_MAX || row_of[c] == UINT32_MAX)
        ++*n_unknown;
      else
        (*rows)[(*n)++] = row_of[c];
    }
  }
  free(row_of);
  free(ids);
  return st;
}

/* Writes n profile rows as customer_id, score (decimals), and the integer column NAME with
 * the values third (NULL: the rank, 1..n) to path. */
static patron_status write_scored(const patron_dataset *ds, const patron_profile *p, size_t n,
                                  const uint32_t *rows, const double *scores, const char *name,
                                  const uint8_t *third, int decimals, const char *path,
                                  const patron_output_options *o, patron_error *err) {
  patron_table *t = patron_table_new(n);
  const char **id;
  double *score;
  int64_t *extra;
  const uint32_t *cust = patron_profile_customers(p);
  patron_status st = t ? patron_table_add(t, "customer_id", PATRON_COL_STRING, (void **)&id, err)
                       : PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st = patron_table_add(t, "score", PATRON_COL_DOUBLE, (void **)&score, err);
  if (st == PATRON_OK)
    st = patron_table_add(t, name, PATRON_COL_INT, (void **)&extra, err);
  for (size_t i = 0; st == PATRON_OK && i < n; i++) {
    id[i] = patron_dataset_customer_id(ds, cust[rows[i]]);
    score[i] = scores[i];
    extra[i] = third ? (int64_t)third[i] : (int64_t)i + 1;
  }
  if (st == PATRON_OK) {
    patron_table_set_decimals(t, "score", decimals);
    st = patron_write_table_csv_as(t, path, o, err);
  }
  patron_table_free(t);
  return st;
}

/* FILE: customer_id, score (4 decimals), rank. */
static patron_status write_audience(const lookalike_args *a, const patron_dataset *ds,
                                    const patron_profile *p, const patron_lookalike_result *r,
                                    patron_error *err) {
  return write_scored(ds, p, r->n_rows, r->rows, r->score, "rank", NULL, 4, a->out, &a->output,
                      err);
}

/* --eval-out: every evaluation row with its exact score and whether it was a hidden seed. */
static patron_status write_eval(const lookalike_args *a, const patron_dataset *ds,
                                const patron_profile *p, const patron_lookalike_result *r,
                                patron_error *err) {
  if (!a->eval_out)
    return PATRON_OK;
  return write_scored(ds, p, r->n_eval, r->eval_rows, r->eval_score, "hidden", r->eval_hidden,
                      PATRON_DECIMALS_EXACT, a->eval_out, &a->output, err);
}

/* lookalike.json in FILE's directory. */
static patron_status write_json(const lookalike_args *a, const patron_lookalike_result *r,
                                size_t n_unknown, char *path, size_t cap, patron_error *err) {
  const char *slash = strrchr(a->out, '/');
  int dir = slash ? (int)(slash - a->out + 1) : 0;
  snprintf(path, cap, "%.*slookalike.json", dir, a->out);
  char *text = patron_lookalike_json(r, &a->la, n_unknown);
  patron_output_options oo;
  patron_output_options_init(&oo);
  patron_sink *s = NULL;
  patron_status st = text ? patron_sink_file(path, &oo, &s, err) : PATRON_ERR_NOMEM;
  if (st == PATRON_OK)
    st = patron_sink_write(s, text, strlen(text), err);
  if (st == PATRON_OK)
    st = patron_sink_write(s, "\n", 1, err);
  if (s && st == PATRON_OK)
    st = patron_sink_close(s, err);
  else if (s)
    patron_sink_abort(s);
  free(text);
  return st;
}

static void print_eval(const char *name, const patron_lookalike_eval *e) {
  printf("  %-28s %8.4f %9.4f %8.2f\n", name, e->auc, e->recall, e->lift);
}

enum { MAX_NOTE_NAMES = 16 };

typedef struct name_list {
  const char *name[MAX_NOTE_NAMES];
  size_t len[MAX_NOTE_NAMES], n;
} name_list;

/* Keeps a name the expression refers to (pointing into its text), once. */
static void add_name(void *ctx, const char *name, size_t len) {
  name_list *l = ctx;
  for (size_t i = 0; i < l->n; i++)
    if (l->len[i] == len && memcmp(l->name[i], name, len) == 0)
      return;
  if (l->n < MAX_NOTE_NAMES)
    l->name[l->n] = name, l->len[l->n++] = len;
}

/* A seed chosen by a condition on columns the model also sees is separable by design: say
 * what the held-out figures then measure. */
static void note_seed_where(const char *where) {
  name_list l = {.n = 0};
  patron_expr_names(where, strlen(where), add_name, &l);
  if (!l.n)
    return;
  printf("\nNote: the seed is chosen by a condition on ");
  for (size_t i = 0; i < l.n; i++)
    printf("%s%.*s", i ? ", " : "", (int)l.len[i], l.name[i]);
  printf(", which the model\nalso sees, so the held-out figures measure how well it recovers that "
         "condition;\nthe best-ranked customers are those closest to meeting it.\n");
}

static void report(const lookalike_args *a, const patron_lookalike_result *r, size_t n_unknown,
                   const char *json_path, double seconds) {
  if (a->quiet)
    return;
  printf("Seed:      %zu customers", r->n_seed);
  if (n_unknown)
    printf(" (%zu ids are no customer: ignored)", n_unknown);
  printf("\nScored:    %zu non-seed customers on %zu features (model %.1f s)\n", r->n_candidates,
         r->n_features, seconds);
  if (r->n_hidden) {
    printf("\nEvaluation: %zu seed members (%g%%) hidden before fitting, ranked against the %zu\n"
           "non-seed customers; recall and lift among the best %zu\n",
           r->n_hidden, a->la.holdout_pct, r->n_eval - r->n_hidden, r->eval_k);
    printf("  %-28s %8s %9s %8s\n", "method", "AUC", "recall", "lift");
    print_eval("logistic, seed vs rest", &r->model);
    print_eval("baseline: seed centroid", &r->centroid);
    print_eval("baseline: monetary", &r->monetary);
    if (a->seed_where)
      note_seed_where(a->seed_where);
  } else {
    printf("\nEvaluation: none (%s)\n",
           a->la.holdout_pct > 0 ? "the seed is too small to hide a part" : "--holdout 0");
  }
  printf("\nWrote %s (%zu rows), %s\n", a->out, r->n_rows, json_path);
}

static patron_status score_and_write(lookalike_args *a, const patron_dataset *ds,
                                     const patron_profile *p, patron_error *err) {
  uint32_t *rows = NULL;
  size_t n = 0, n_unknown = 0;
  patron_lookalike_result r = {0};
  char json_path[4096];
  a->la.n_threads = a->inputs.load.n_threads;
  patron_status st = seed_rows(a, ds, p, &rows, &n, &n_unknown, err);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (st == PATRON_OK)
    st = patron_lookalike_run(p, ds, rows, n, &a->la, &r, err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (st == PATRON_OK)
    st = write_audience(a, ds, p, &r, err);
  if (st == PATRON_OK)
    st = write_eval(a, ds, p, &r, err);
  if (st == PATRON_OK)
    st = write_json(a, &r, n_unknown, json_path, sizeof json_path, err);
  if (st == PATRON_OK)
    report(a, &r, n_unknown, json_path,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  patron_lookalike_result_free(&r);
  free(rows);
  return st;
}

static int run_lookalike(lookalike_args *a) {
  patron_error err = {0};
  if (cli_history_open(a->db, false, &a->history, &err) != PATRON_OK)
    return cli_fail("lookalike", &err);
  cli_profile p;
  patron_status st = cli_profile_selecting_warned(&a->inputs, &a->tags, a->db != NULL, &p, &err);
  if (st == PATRON_OK)
    st = score_and_write(a, p.ds, p.r.profile, &err);
  cli_profile_free(&p);
  cli_history_close(&a->history);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("lookalike", &err);
}

static int run(int argc, char **argv) {
  lookalike_args a;
  memset(&a, 0, sizeof a);
  cli_inputs_init(&a.inputs);
  patron_tags_options_init(&a.tags);
  patron_lookalike_options_init(&a.la);
  patron_output_options_init(&a.output);
  int rc = parse(&a, argc, argv);
  if (rc == CLI_EXIT_OK)
    rc = run_lookalike(&a);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_lookalike = {"lookalike", run,
                                       "find customers like a seed group (SPEC 9)", usage};
