/* The experiment part of `patron demo`: every generated customer assigned to control or
 * treatment (GrowthBook hash), a planted effect (4% of the treatment arm, chosen by another
 * hash, buy once more in the last 30 days), and the evaluation printed with its verdicts.
 * The files it writes let the user run the same evaluation with `patron experiment evaluate`. */
#include "cmd_experiment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLANT_SALT    "demo-planted-effect"
#define PLANT_BUCKETS 400 /* of 10000: 4% of the treatment arm */

typedef struct demo_paths {
  char dir[4096], ids[4096], assign[4096], orders[4096], planted[4096];
} demo_paths;

static patron_status assign(const demo_paths *p, patron_assignments **out, patron_error *err) {
  patron_arms arms;
  char **ids = NULL;
  size_t n = 0;
  patron_status st = patron_arms_parse("control:50,treatment:50", &arms, err);
  if (st != PATRON_OK)
    return st;
  st = patron_ids_read_csv(p->ids, &ids, &n, err);
  if (st == PATRON_OK)
    st = patron_experiment_assign("demo_coupon", (const char *const *)ids, n, &arms, "demo_coupon",
                                  out, err);
  if (st == PATRON_OK)
    st = patron_assignments_write_csv(*out, p->assign, err);
  free(ids);
  patron_arms_clear(&arms);
  return st;
}

/* The orders plus one planted purchase for some treatment customers, in [start, start + 30). */
static patron_status plant(const demo_paths *p, const patron_assignments *a, int32_t start,
                           patron_error *err) {
  FILE *in = fopen(p->orders, "rb"), *out = fopen(p->planted, "wb");
  bool ok = in && out;
  char buf[1 << 16], pad[256] = "";
  size_t got, fields = 1;
  for (bool header = true; ok && (got = fread(buf, 1, sizeof buf, in)) > 0; header = false) {
    for (size_t k = 0; header && k < got && buf[k] != '\n'; k++)
      fields += buf[k] == ','; /* the generator's header: no quoted commas */
    ok = fwrite(buf, 1, got, out) == got;
  }
  for (size_t k = 4; k < fields && k < sizeof pad; k++)
    strcat(pad, ","); /* customer_id,order_id,order_time,amount come first, the rest empty */
  for (size_t i = 0; ok && i < a->n; i++) {
    const char *id = a->ids[i];
    uint32_t b = patron_hash_bucket(PLANT_SALT, strlen(PLANT_SALT), id, strlen(id));
    if (a->arm[i] != 1 || b >= PLANT_BUCKETS || strpbrk(id, ",\"\r\n"))
      continue;
    char day[16];
    patron_format_day(start + (int32_t)(b % 30), day);
    ok = fprintf(out, "%s,DEMO%07zu,%s 12:00:00,60.00%s\n", id, i, day, pad) > 0;
  }
  if (in)
    fclose(in);
  if (out && fclose(out) != 0)
    ok = false;
  if (!ok) {
    err->status = PATRON_ERR_IO;
    snprintf(err->message, sizeof err->message, "cannot write %.400s", p->planted);
  }
  return ok ? PATRON_OK : PATRON_ERR_IO;
}

/* The window: the 30 days before the day after the latest order. */
static patron_status window_start(const char *orders, int32_t *start, patron_error *err) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = orders;
  patron_dataset *ds = NULL;
  patron_status st = patron_dataset_load(&o, &ds, err);
  if (st == PATRON_OK) {
    int64_t t = patron_dataset_max_order_time(ds);
    *start = (int32_t)((t >= 0 ? t : t - 86399) / 86400) + 1 - 30;
  }
  patron_dataset_free(ds);
  return st;
}

static patron_status evaluate(const demo_paths *p, const patron_assignments *a, int32_t start,
                              patron_error *err) {
  patron_load_options lo;
  patron_load_options_init(&lo);
  lo.paths[PATRON_FILE_ORDERS] = p->planted;
  patron_dataset *ds = NULL;
  patron_evaluation *e = NULL;
  patron_eval_options o;
  patron_eval_options_init(&o);
  o.start_day = start;
  char path[4096];
  patron_status st = patron_dataset_load(&lo, &ds, err);
  if (st == PATRON_OK)
    st = patron_experiment_evaluate(a, ds, &o, &e, err);
  if (st == PATRON_OK)
    st = patron_evaluation_write_csv(e, cli_path(path, sizeof path, p->dir, "results.csv"), err);
  if (st == PATRON_OK) {
    cli_experiment_print(e, &o);
    char day[16];
    patron_format_day(start, day);
    printf("(planted: 4%% of the treatment arm buy once more in the window; re-run with\n"
           " patron experiment evaluate --assignments %s --orders %s --start %s --out DIR)\n",
           p->assign, p->planted, day);
  }
  patron_evaluation_free(e);
  patron_dataset_free(ds);
  return st;
}

int cli_demo_experiment(const char *out_dir, const char *data_dir) {
  demo_paths p;
  cli_path(p.dir, sizeof p.dir, out_dir, "experiment");
  if (!cli_make_dir("demo", p.dir))
    return CLI_EXIT_FAIL;
  cli_path(p.ids, sizeof p.ids, data_dir, "customers.csv");
  cli_path(p.orders, sizeof p.orders, data_dir, "orders.csv");
  cli_path(p.assign, sizeof p.assign, p.dir, "assign.csv");
  cli_path(p.planted, sizeof p.planted, p.dir, "orders_with_campaign.csv");
  printf("\n== Experiment: a coupon campaign, control vs treatment ==\n");
  patron_error err = {0};
  patron_assignments *a = NULL;
  int32_t start = 0;
  patron_status st = assign(&p, &a, &err);
  if (st == PATRON_OK)
    st = window_start(p.orders, &start, &err);
  if (st == PATRON_OK)
    st = plant(&p, a, start, &err);
  if (st == PATRON_OK)
    st = evaluate(&p, a, start, &err);
  patron_assignments_free(a);
  return st == PATRON_OK ? CLI_EXIT_OK : cli_fail("demo", &err);
}
