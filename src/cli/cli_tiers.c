/* The clustering and value-tier options of analyze and cluster, and their notes in
 * analyze's report. */
#include "cli_tiers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cli_tiers_init(cli_tiers *t, bool for_analyze) {
  patron_cluster_options_init(&t->cluster);
  patron_value_tiers_options_init(&t->value);
  t->weights_given = false;
  if (for_analyze) {
    t->cluster.k = 5;
    t->cluster.scan.fit.n_init = 3;
    t->cluster.fewer_ok = true;
  } else {
    t->cluster.scores = true;
  }
}

/* --k-range A..B with 2 <= A <= B <= 1000. */
static bool parse_k_range(const char *command, const char *arg, patron_kmeans_scan_options *s) {
  char *end;
  errno = 0;
  long a = strtol(arg, &end, 10), b = 0;
  bool ok = !errno && end != arg && strncmp(end, "..", 2) == 0;
  if (ok) {
    const char *second = end + 2;
    b = strtol(second, &end, 10);
    ok = !errno && end != second && !*end && a >= 2 && a <= b && b <= 1000;
  }
  if (!ok)
    return cli_usage_error(command, "--k-range expects A..B with 2 <= A <= B <= 1000, got '%s'",
                           arg),
           false;
  s->k_min = (size_t)a;
  s->k_max = (size_t)b;
  return true;
}

static bool parse_size(const char *command, const char *flag, const char *arg, long min, long max,
                       size_t *out) {
  long v;
  if (!cli_parse_long(command, flag, arg, min, max, &v))
    return false;
  *out = (size_t)v;
  return true;
}

static bool parse_k(const char *command, const char *arg, patron_cluster_options *c) {
  if (strcmp(arg, "auto") == 0) {
    c->k = 0;
    return true;
  }
  long v;
  char *end;
  errno = 0;
  v = strtol(arg, &end, 10);
  if (errno || end == arg || *end || v < 1 || v > 1000)
    return cli_usage_error(command, "--k expects auto or a whole number from 1 to 1000, got '%s'",
                           arg),
           false;
  c->k = (size_t)v;
  return true;
}

/* A library parse error is a usage error: print its message (the text with a caret). */
static bool spec_ok(const char *command, patron_status st, const patron_error *err) {
  if (st != PATRON_OK)
    cli_usage_error(command, "%s", err->message);
  return st == PATRON_OK;
}

static bool cluster_option(cli_tiers *t, const char *command, int opt, const char *arg) {
  patron_kmeans_scan_options *s = &t->cluster.scan;
  size_t seed;
  switch (opt) {
  case CLI_OPT_K: return parse_k(command, arg, &t->cluster);
  case CLI_OPT_K_RANGE: return parse_k_range(command, arg, s);
  case CLI_OPT_FEATURES: t->cluster.features = arg; return true;
  case CLI_OPT_N_INIT: return parse_size(command, "--n-init", arg, 1, 1000, &s->fit.n_init);
  case CLI_OPT_MAX_ITER: return parse_size(command, "--max-iter", arg, 1, 100000, &s->fit.max_iter);
  case CLI_OPT_TOL:
    if (!cli_parse_double(command, "--tol", arg, &s->fit.tol))
      return false;
    return s->fit.tol >= 0 ||
           (cli_usage_error(command, "--tol expects a number >= 0, got '%s'", arg), false);
  case CLI_OPT_SEED:
    if (!parse_size(command, "--seed", arg, 0, 2147483647, &seed))
      return false;
    s->fit.seed = seed;
    s->sample_seed = seed;
    return true;
  default:
    return parse_size(command, "--silhouette-sample", arg, 0, 1000000000, &s->silhouette_sample);
  }
}

static bool value_option(cli_tiers *t, const char *command, int opt, const char *arg) {
  patron_error err = {0};
  switch (opt) {
  case CLI_OPT_INDEX:
    return spec_ok(command, patron_value_index_parse_method(arg, &t->value.index.method, &err),
                   &err);
  case CLI_OPT_WEIGHTS:
    t->weights_given = true;
    return spec_ok(command, patron_value_index_parse_weights(arg, t->value.index.weights, &err),
                   &err);
  case CLI_OPT_TIERS:
    return spec_ok(command, patron_tier_options_parse(arg, &t->value.tiers, &err), &err);
  default: return spec_ok(command, patron_level_options_parse(arg, &t->value.levels, &err), &err);
  }
}

int cli_tiers_option(cli_tiers *t, const char *command, int opt, const char *arg) {
  if (opt >= CLI_OPT_K && opt <= CLI_OPT_SIL_SAMPLE)
    return cluster_option(t, command, opt, arg) ? 1 : -1;
  if (opt >= CLI_OPT_INDEX && opt <= CLI_OPT_LEVELS)
    return value_option(t, command, opt, arg) ? 1 : -1;
  return 0;
}

bool cli_tiers_ready(const cli_tiers *t, const char *command) {
  const patron_kmeans_scan_options *s = &t->cluster.scan;
  size_t k = t->cluster.k ? t->cluster.k : s->k_max; /* the most clusters a silhouette sees */
  if (s->silhouette_sample && s->silhouette_sample <= k) {
    cli_usage_error(command,
                    "--silhouette-sample %zu cannot score %zu clusters: give 0 (every row) or "
                    "more than %zu rows",
                    s->silhouette_sample, k, k);
    return false;
  }
  if (t->weights_given && t->value.index.method == PATRON_VALUE_INDEX_FORMULA_V1) {
    cli_usage_error(command, "--weights does not apply to --index formula-v1 (its weights are "
                             "part of the formula)");
    return false;
  }
  return true;
}

void cli_tiers_print(FILE *out, const cli_tiers *t, const patron_pipeline_results *r) {
  if (!r->clustering) /* --spec-only: no clusters were made */
    return;
  const patron_cluster_result *c = patron_clustering_result(r->clustering);
  fprintf(out, "\nClusters: k = %zu", c->k);
  if (t->cluster.k && c->k < t->cluster.k)
    fprintf(out, " (asked for %zu; the data has only %zu distinct customers)", t->cluster.k, c->k);
  else if (!t->cluster.k)
    fprintf(out, " (chosen by silhouette)");
  fprintf(out, " on %zu customers with a purchase, features ", c->n_clustered);
  for (size_t j = 0; j < c->n_features; j++)
    fprintf(out, "%s%s", j ? "," : "", c->feature_names[j]);
  fputc('\n', out);
  if (c->n_missing)
    fprintf(out, "  %zu customers with a purchase were left out: a feature was empty\n",
            c->n_missing);
  if (r->value.tiers.potential_note)
    fprintf(out, "Tiers: %s\n", r->value.tiers.potential_note);
}
