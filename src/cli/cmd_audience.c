/* patron audience: the customers a condition selects (SPEC section 8), from the same profile
 * table analyze would write; writes customer_id and the chosen columns, prints the count,
 * revenue and, with --by, the breakdown by a segmentation. */
#include "cli_inputs.h"
#include "cli_outputs.h"
#include "cli_profile.h"
#include "cli_store.h"
#include "cli_tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: patron audience --orders FILE [--customers FILE] [--events FILE] --where EXPR\n"
    "                       --out FILE.csv [OPTIONS]\n"
    "Selects the customers for whom EXPR (the expression language, docs/EXPRESSIONS.md) is\n"
    "true, from the profile analyze would compute, and writes customer_id and the chosen\n"
    "columns, in customer_id order unless --order-by.\n\n" CLI_INPUT_USAGE "\nAudience:\n"
    "  --where EXPR         the condition, e.g. \"lifecycle = 'dormant' and monetary > 500\"\n"
    "  --out FILE.csv       the audience file (required)\n"
    "  --columns A,B,...    profile columns after customer_id (default: none; here it\n"
    "                       replaces the input option of that name)\n"
    "  --order-by COL[:desc]  order rows by a column (ties: customer_id ascending)\n"
    "  --limit N            keep the first N rows (applied last)\n"
    "  --exclude FILE       a suppression list: a CSV with a header, ids in its customer_id\n"
    "                       column (else its first)\n"
    "  --channel C          sms, email or wechat: only customers with that contact and its\n"
    "                       consent not 0, and the contact column (phone, email or\n"
    "                       wechat_id), masked unless --unmask\n"
    "  --by SEGMENTATION    print the audience broken down by a segmentation column\n"
    "  --recommend K        add `recommended`: the customer's first K recommended items\n"
    "                       (patron recommend's defaults, docs/RECOMMEND.md), joined by |\n"
    "  --db STORE           the store (read only): previous(column) and moved(column) in\n"
    "                       --where compare with its latest snapshot before the as-of, and\n"
    "                       the level_warning column is added (SPEC 6, 10)\n"
    "  --unmask             write personal data unmasked (masked by default, SPEC 14)\n"
    "  --quiet              no report on stdout\n"
    "  -h, --help           this help\n\n" CLI_OUTPUT_USAGE CLI_TAGS_USAGE;

enum {
  OPT_WHERE = CLI_OPT_FIRST_FREE,
  OPT_OUT,
  OPT_COLUMNS,
  OPT_ORDER_BY,
  OPT_LIMIT,
  OPT_EXCLUDE,
  OPT_CHANNEL,
  OPT_BY,
  OPT_UNMASK,
  OPT_RECOMMEND,
  OPT_DB,
  OPT_QUIET
};

static const struct option long_options[] = {
    CLI_INPUT_LONG_OPTIONS,
    CLI_OUTPUT_LONG_OPTIONS,
    CLI_TAGS_LONG_OPTIONS,
    {"where", required_argument, NULL, OPT_WHERE},
    {"out", required_argument, NULL, OPT_OUT},
    {"order-by", required_argument, NULL, OPT_ORDER_BY},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"channel", required_argument, NULL, OPT_CHANNEL},
    {"by", required_argument, NULL, OPT_BY},
    {"unmask", no_argument, NULL, OPT_UNMASK},
    {"recommend", required_argument, NULL, OPT_RECOMMEND},
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {NULL, 0, NULL, 0},
};

enum { MAX_COLUMNS = 256 };

typedef struct audience_args {
  cli_inputs inputs;
  patron_tags_options tags;
  patron_audience_options sel;
  patron_output_options output; /* --excel, --csv-formula-guard */
  const char *out, *columns_text, *exclude, *channel, *by;
  char order_by[256];
  const char *db; /* --db: previous()/moved() and level_warning */
  bool unmask, quiet;
  long recommend; /* --recommend K, 0 = none */
  const char *columns[MAX_COLUMNS];
  size_t n_columns;
  char columns_buf[4096];
} audience_args;

static bool split_columns(audience_args *a) {
  if (strlen(a->columns_text) >= sizeof a->columns_buf)
    return cli_usage_error("audience", "--columns is too long"), false;
  strcpy(a->columns_buf, a->columns_text);
  a->columns[a->n_columns++] = "customer_id";
  for (char *s = a->columns_buf; *s;) {
    size_t len = strcspn(s, ",");
    char *next = s + len + (s[len] == ',');
    s[len] = '\0';
    if (!*s || a->n_columns == MAX_COLUMNS)
      return cli_usage_error("audience", "--columns expects A,B,... (at most %d), got '%s'",
                             MAX_COLUMNS - 1, a->columns_text),
             false;
    a->columns[a->n_columns++] = s;
    s = next;
  }
  return true;
}

static bool set_order(audience_args *a, const char *arg) {
  size_t len = strcspn(arg, ":");
  if (len == 0 || len >= sizeof a->order_by ||
      (arg[len] && strcmp(arg + len, ":desc") != 0 && strcmp(arg + len, ":asc") != 0))
    return cli_usage_error("audience", "--order-by expects COL or COL:desc, got '%s'", arg), false;
  memcpy(a->order_by, arg, len);
  a->order_by[len] = '\0';
  a->sel.order_by = a->order_by;
  a->sel.order_desc = strcmp(arg + len, ":desc") == 0;
  return true;
}

static bool own_option(audience_args *a, int opt, const char *arg) {
  long v;
  switch (opt) {
  case OPT_WHERE: a->sel.where = arg; return true;
  case OPT_OUT: a->out = arg; return true;
  case OPT_COLUMNS: a->columns_text = arg; return true;
  case OPT_ORDER_BY: return set_order(a, arg);
  case OPT_LIMIT:
    if (!cli_parse_long("audience", "--limit", arg, 1, 2000000000L, &v))
      return false;
    a->sel.limit = (size_t)v;
    return true;
  case OPT_EXCLUDE: a->exclude = arg; return true;
  case OPT_RECOMMEND: return cli_parse_long("audience", "--recommend", arg, 1, 1000, &a->recommend);
  case OPT_CHANNEL:
    if (strcmp(arg, "sms") && strcmp(arg, "email") && strcmp(arg, "wechat"))
      return cli_usage_error("audience", "--channel expects sms, email or wechat, got '%s'", arg),
             false;
    a->channel = arg;
    return true;
  case OPT_BY: a->by = arg; return true;
  case OPT_UNMASK: a->unmask = true; return true;
  case OPT_DB: a->db = arg; return true;
  case OPT_QUIET: a->quiet = true; return true;
  default: return cli_usage_error("audience", "unknown option"), false;
  }
}

static int parse(audience_args *a, int argc, char **argv) {
  int opt;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    if (opt == '?' || opt == ':')
      return cli_bad_option("audience", opt, argv, long_options);
    if (opt == CLI_OPT_COLUMNS) /* SPEC 8: --columns names the audience's columns here */
      opt = OPT_COLUMNS;
    int handled = opt == OPT_COLUMNS ? 0 : cli_inputs_option(&a->inputs, "audience", opt, optarg);
    if (handled == 0)
      handled = cli_tags_option(&a->tags, "audience", opt, optarg);
    if (handled == 0)
      handled = cli_outputs_option(&a->output, opt);
    if (handled < 0 || (handled == 0 && !own_option(a, opt, optarg)))
      return CLI_EXIT_USAGE;
  }
  if (optind < argc)
    return cli_usage_error("audience", "unexpected argument '%s'", argv[optind]);
  if (!cli_inputs_ready(&a->inputs, "audience"))
    return CLI_EXIT_USAGE;
  if (!a->sel.where)
    return cli_usage_error("audience", "--where EXPR is required");
  if (!a->out)
    return cli_usage_error("audience", "--out FILE.csv is required");
  if (a->columns_text ? !split_columns(a) : (a->columns[a->n_columns++] = "customer_id", false))
    return CLI_EXIT_USAGE;
  return CLI_EXIT_OK;
}

/* Sum of monetary over rows (purchasers only; prospects have none). */
static patron_money revenue_of(const patron_table *t, const uint32_t *rows, size_t n) {
  const patron_money *m = patron_table_find(t, "monetary")->data;
  patron_money sum = 0;
  for (size_t i = 0; i < n; i++)
    if (m[rows[i]] != PATRON_NULL_MONEY)
      sum += m[rows[i]];
  return sum;
}

static void print_by(const patron_table *t, const patron_column *c, const patron_audience *au) {
  size_t n_labels = (size_t)c->n_labels + 1;
  size_t *count = calloc(n_labels, sizeof *count);
  patron_money *rev = calloc(n_labels, sizeof *rev);
  const patron_money *m = patron_table_find(t, "monetary")->data;
  if (!count || !rev) {
    free(count), free(rev);
    return;
  }
  for (size_t i = 0; i < au->n_selected; i++) {
    int32_t code = ((const int32_t *)c->data)[au->rows[i]];
    size_t k = code < 0 || code >= c->n_labels ? (size_t)c->n_labels : (size_t)code;
    count[k]++;
    rev[k] += m[au->rows[i]] == PATRON_NULL_MONEY ? 0 : m[au->rows[i]];
  }
  printf("\nBy %s:\n  %-24s %12s %8s %16s\n", c->name, "segment", "customers", "share", "revenue");
  for (size_t k = 0; k < n_labels; k++) {
    if (!count[k])
      continue;
    char money[24];
    patron_format_money(rev[k], money);
    printf("  %-24s %12zu %7.1f%% %16s\n", k < (size_t)c->n_labels ? c->labels[k] : "(empty)",
           count[k], 100.0 * (double)count[k] / (double)au->n_selected, money);
  }
  free(count), free(rev);
}

static void report(const audience_args *a, const patron_profile *p, const patron_audience *au) {
  if (a->quiet)
    return;
  const patron_table *t = patron_profile_table_const(p);
  patron_profile_stats s;
  patron_profile_stats_get(p, &s);
  patron_money rev = revenue_of(t, au->rows, au->n_selected);
  char money[24], total[24];
  patron_format_money(rev, money);
  patron_format_money(s.revenue, total);
  printf("Audience: %zu customers (%.1f%% of %zu)\n", au->n_selected,
         s.customers ? 100.0 * (double)au->n_selected / (double)s.customers : 0.0, s.customers);
  printf("Revenue:  %s (%.1f%% of %s)\n", money,
         s.revenue > 0 ? 100.0 * (double)rev / (double)s.revenue : 0.0, total);
  if (au->n_excluded)
    printf("Excluded: %zu customers on the suppression list\n", au->n_excluded);
  if (a->by)
    print_by(t, patron_table_find(t, a->by), au);
  printf("\nWrote %s (%zu rows%s)\n", a->out, au->n_rows,
         au->n_rows < au->n_selected ? ", --limit" : "");
}

static patron_status check_by(const audience_args *a, const patron_table *t, patron_error *err) {
  if (!a->by)
    return PATRON_OK;
  const patron_column *c = patron_table_find(t, a->by);
  if (c && c->type == PATRON_COL_CATEGORY)
    return PATRON_OK;
  return patron_error_caret(err, PATRON_ERR_USAGE, "--by", a->by, strlen(a->by), 0,
                            c ? "'%s' is not a segmentation" : "unknown segmentation '%s'", a->by);
}

/* --channel: keep the customers reachable on it (contact present, consent not 0), before
 * the limit (SPEC 8: --limit applies last). */
static void keep_reachable(const audience_args *a, const patron_contacts *c,
                           const patron_profile *p, patron_audience *au) {
  const uint32_t *cust = patron_profile_customers(p);
  size_t kept = 0;
  for (size_t i = 0; i < au->n_selected; i++)
    if (patron_contacts_reachable(c, cust[au->rows[i]], a->channel))
      au->rows[kept++] = au->rows[i];
  au->n_selected = kept;
  au->n_rows = a->sel.limit && a->sel.limit < kept ? a->sel.limit : kept;
}

/* The channel's contact column, masked (SPEC 14) unless --unmask. */
static patron_status oom(patron_error *err) {
  err->status = PATRON_ERR_NOMEM;
  snprintf(err->message, sizeof err->message, "out of memory");
  return PATRON_ERR_NOMEM;
}

static patron_status add_contact(const audience_args *a, const patron_contacts *c,
                                 const patron_profile *p, const patron_audience *au,
                                 patron_table *out, patron_error *err) {
  bool sms = strcmp(a->channel, "sms") == 0, email = strcmp(a->channel, "email") == 0;
  const char *name = sms ? "phone" : email ? "email" : "wechat_id";
  const char **values = sms ? c->phone : email ? c->email : c->wechat, **col;
  patron_status st = patron_table_add(out, name, PATRON_COL_STRING, (void **)&col, err);
  const uint32_t *cust = patron_profile_customers(p);
  for (size_t i = 0; i < au->n_rows && st == PATRON_OK; i++) {
    const char *v = values[cust[au->rows[i]]];
    char masked[1024];
    if (v && !a->unmask) {
      size_t len = strlen(v) < sizeof masked - 4 ? strlen(v) : sizeof masked - 4;
      patron_mask(patron_pii_of_column(name), v, len, masked, sizeof masked);
      v = masked;
    }
    if (v && !(col[i] = patron_table_intern(out, v)))
      st = oom(err);
  }
  return st;
}

/* --recommend K: the recommender fitted on the same dataset (SPEC 18), each written row's
 * first K values joined by `|` in a `recommended` column. */
static patron_status add_recommended(const audience_args *a, const patron_dataset *ds,
                                     const patron_profile *p, const patron_audience *au,
                                     patron_table *out, patron_error *err) {
  patron_recommend_options o;
  patron_recommend_options_init(&o);
  o.as_of_day = patron_profile_as_of(p);
  o.n_threads = a->inputs.load.n_threads;
  const char **col;
  patron_recommender *m = NULL;
  patron_table *recs = NULL;
  const uint32_t *cust = patron_profile_customers(p);
  uint32_t *ids = malloc((au->n_rows + 1) * sizeof *ids);
  patron_status st = ids ? patron_recommender_fit(ds, &o, &m, err) : oom(err);
  for (size_t i = 0; st == PATRON_OK && i < au->n_rows; i++)
    ids[i] = cust[au->rows[i]];
  if (st == PATRON_OK)
    st = patron_recommend_customers(m, ids, au->n_rows, (int)a->recommend, &recs, err);
  if (st == PATRON_OK)
    st = patron_table_add(out, "recommended", PATRON_COL_STRING, (void **)&col, err);
  if (st == PATRON_OK) {
    const char *const *rid = patron_table_find(recs, "customer_id")->data;
    const char *const *val = patron_table_find(recs, "value")->data;
    size_t n = patron_table_n_rows(recs), r = 0;
    char buf[8192];
    for (size_t i = 0; i < au->n_rows && st == PATRON_OK; i++) {
      const char *id = patron_dataset_customer_id(ds, ids[i]);
      size_t len = 0;
      buf[0] = '\0';
      for (; r < n && strcmp(rid[r], id) == 0; r++) {
        size_t l = strlen(val[r]);
        if (len + l + 2 < sizeof buf) {
          if (len)
            buf[len++] = '|';
          memcpy(buf + len, val[r], l + 1);
          len += l;
        }
      }
      if (len && !(col[i] = patron_table_intern(out, buf)))
        st = oom(err);
    }
  }
  patron_table_free(recs);
  patron_recommender_free(m);
  free(ids);
  return st;
}

/* The audience file through a sink with the output options (--excel, --csv-formula-guard). */
static patron_status write_audience(const audience_args *a, const patron_table *out,
                                    patron_error *err) {
  patron_sink *s = NULL;
  patron_status st = patron_sink_file(a->out, &a->output, &s, err);
  if (st == PATRON_OK)
    st = patron_write_table_csv_to(out, s, err);
  if (s && st == PATRON_OK)
    st = patron_sink_close(s, err);
  else if (s)
    patron_sink_abort(s);
  return st;
}

static patron_status select_and_write(audience_args *a, const patron_dataset *ds,
                                      const patron_profile *p, cli_history *hi, patron_error *err) {
  const patron_table *t = patron_profile_table_const(p);
  patron_audience au = {0};
  patron_table *out = NULL;
  patron_contacts contacts = {0};
  patron_status st = check_by(a, t, err);
  if (st == PATRON_OK && a->channel)
    st = patron_contacts_load(&a->inputs.load, ds, &contacts, err);
  if (st == PATRON_OK)
    st = cli_history_attach(hi, p, &a->sel.functions, &a->sel.n_functions, err);
  if (st == PATRON_OK)
    st = patron_audience_select(p, ds, &a->sel, &au, err);
  if (st == PATRON_OK && a->channel)
    keep_reachable(a, &contacts, p, &au);
  if (st == PATRON_OK)
    st = patron_table_select_rows(t, au.rows, au.n_rows, a->columns, a->n_columns, &out, err);
  if (st == PATRON_OK && a->channel)
    st = add_contact(a, &contacts, p, &au, out, err);
  if (st == PATRON_OK && a->recommend > 0)
    st = add_recommended(a, ds, p, &au, out, err);
  patron_contacts_free(&contacts);
  if (st == PATRON_OK)
    st = write_audience(a, out, err);
  if (st == PATRON_OK)
    report(a, p, &au);
  patron_table_free(out);
  patron_audience_free(&au);
  return st;
}

static int run_audience(audience_args *a) {
  patron_error err = {0};
  if (a->channel && !a->inputs.load.paths[PATRON_FILE_CUSTOMERS])
    return cli_usage_error("audience", "--channel needs --customers (contacts and consent)");
  char **ids = NULL;
  size_t n_ids = 0;
  if (a->exclude && patron_ids_read_csv(a->exclude, &ids, &n_ids, &err) != PATRON_OK)
    return cli_fail("audience", &err);
  a->sel.exclude = (const char *const *)ids;
  a->sel.n_exclude = n_ids;
  cli_history hi;
  if (cli_history_open(a->db, false, &hi, &err) != PATRON_OK) {
    free(ids);
    return cli_fail("audience", &err);
  }
  cli_profile p;
  patron_status st = cli_profile_selecting_warned(&a->inputs, &a->tags, a->db != NULL, &p, &err);
  if (st == PATRON_OK)
    st = select_and_write(a, p.ds, p.r.profile, &hi, &err);
  cli_profile_free(&p);
  cli_history_close(&hi);
  free(ids);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("audience", &err);
}

static int run(int argc, char **argv) {
  audience_args a;
  memset(&a, 0, sizeof a);
  cli_inputs_init(&a.inputs);
  patron_tags_options_init(&a.tags);
  patron_audience_options_init(&a.sel);
  patron_output_options_init(&a.output);
  int rc = parse(&a, argc, argv);
  if (rc == CLI_EXIT_OK)
    rc = run_audience(&a);
  cli_inputs_free(&a.inputs);
  return rc;
}

const cli_command cli_cmd_audience = {"audience", run,
                                      "select customers with an expression (SPEC 8)", usage};
