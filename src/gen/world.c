/* patron_gen_world: options, then two passes over fixed blocks of customers. The planning
 * pass counts each block's orders per day (turned into order ids numbered by day, then block);
 * the generation pass has worker threads format blocks while the calling thread writes them
 * in block order, so the files are byte-identical for any number of threads. */
#include "core/core_int.h"
#include "gen/gen_int.h"
#include "patron/parse.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void patron_gen_options_default(patron_gen_options *o) {
  memset(o, 0, sizeof *o);
  o->n_customers = 10000;
  o->seed = 1;
  o->end_day = patron_days_from_civil(2025, 12, 31);
  o->years = 3;
  o->r = 0.6;
  o->alpha = 0.075;
  o->s = 1.0;
  o->beta = 0.3;
  o->spend_sigma = 0.35;
  o->line_sigma = 0.25;
  o->prospect_share = 0.03;
  o->refund_rate = 0.02;
  o->browse_rate = 1.0;
  o->items_per_category = 1000;
  o->customers = true;
  o->events = true;
}

/* ---------------------------------------------------------------- options */

static bool in_range(double v, double lo, double hi) { return isfinite(v) && v >= lo && v <= hi; }

static patron_status bad_option(patron_error *err, const char *name, const char *want) {
  return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0, "%s must be %s", name, want);
}

static patron_status check_rates(const patron_gen_options *o, patron_error *err) {
  const struct {
    const char *name;
    double v;
  } pos[] = {{"r (purchase-rate shape)", o->r},
             {"alpha (purchase-rate rate)", o->alpha},
             {"s (dropout-rate shape)", o->s},
             {"beta (dropout-rate rate)", o->beta}};
  for (size_t i = 0; i < sizeof pos / sizeof *pos; i++)
    if (!in_range(pos[i].v, 1e-6, 1e6))
      return bad_option(err, pos[i].name, "a number from 1e-6 to 1e6");
  if (!in_range(o->spend_sigma, 0, 3) || !in_range(o->line_sigma, 0, 3))
    return bad_option(err, "spend and line sigma", "from 0 to 3");
  if (!in_range(o->prospect_share, 0, 0.999) || !in_range(o->refund_rate, 0, 0.999))
    return bad_option(err, "prospect share and refund rate", "from 0 to less than 1");
  if (!in_range(o->browse_rate, 0, 100))
    return bad_option(err, "browse rate", "from 0 to 100");
  if (o->items_per_category < 10 || o->items_per_category > GEN_MAX_ITEMS)
    return bad_option(err, "items per category", "from 10 to 6000");
  return PATRON_OK;
}

static patron_status check_options(const patron_gen_options *o, const char *out_dir,
                                   patron_error *err) {
  if (o->n_customers < 1 || o->n_customers > PATRON_GEN_MAX_CUSTOMERS)
    return bad_option(err, "the number of customers", "from 1 to 1000000000");
  if (!in_range(o->years, 0.01, 50))
    return bad_option(err, "years", "from 0.01 to 50");
  if (o->end_day < patron_days_from_civil(1950, 1, 1) ||
      o->end_day > patron_days_from_civil(9999, 12, 31))
    return bad_option(err, "the end date", "from 1950-01-01 to 9999-12-31");
  if (o->threads < 0 || o->threads > 256)
    return bad_option(err, "threads", "from 0 (all cores) to 256");
  if (!out_dir || !*out_dir)
    return bad_option(err, "the output directory", "given");
  return check_rates(o, err);
}

/* ---------------------------------------------------------------- threads */

typedef struct gen_slot {
  gen_buf out[GEN_N_FILES];
  gen_block_stats stats;
  bool ready;
} gen_slot;

typedef struct gen_team {
  gen_world *w;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint64_t next; /* next block to hand out */
  uint64_t done; /* blocks planned (planning) or written (generation) */
  bool stop, failed;
  gen_slot *slots;
  size_t n_slots;
} gen_team;

static void *plan_thread(void *arg) {
  gen_team *t = arg;
  gen_worker *wk = patron__gen_worker_new();
  pthread_mutex_lock(&t->mu);
  t->failed |= !wk;
  while (!t->failed && t->next < t->w->n_blocks) {
    uint64_t b = t->next++;
    pthread_mutex_unlock(&t->mu);
    bool ok = patron__gen_plan_block(t->w, wk, b);
    pthread_mutex_lock(&t->mu);
    t->failed |= !ok;
    t->done++;
    pthread_cond_broadcast(&t->cv);
  }
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  patron__gen_worker_free(wk);
  return NULL;
}

static void *generate_thread(void *arg) {
  gen_team *t = arg;
  gen_worker *wk = patron__gen_worker_new();
  pthread_mutex_lock(&t->mu);
  t->failed |= !wk;
  for (;;) {
    while (!t->failed && !t->stop && t->next < t->w->n_blocks && t->next >= t->done + t->n_slots)
      pthread_cond_wait(&t->cv, &t->mu);
    if (t->failed || t->stop || t->next >= t->w->n_blocks)
      break;
    uint64_t b = t->next++;
    gen_slot *s = &t->slots[b % t->n_slots];
    pthread_mutex_unlock(&t->mu);
    for (int f = 0; f < GEN_N_FILES; f++)
      s->out[f].len = 0;
    memset(&s->stats, 0, sizeof s->stats);
    bool ok = patron__gen_block(t->w, wk, b, s->out, &s->stats);
    pthread_mutex_lock(&t->mu);
    t->failed |= !ok;
    s->ready = ok;
    pthread_cond_broadcast(&t->cv);
  }
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  patron__gen_worker_free(wk);
  return NULL;
}

static void report(const gen_world *w, const char *stage, double fraction) {
  if (w->opts.progress)
    w->opts.progress(w->opts.progress_ctx, stage, fraction);
}

/* Starts n threads running fn, runs main_loop on the calling thread, joins. */
static patron_status run_team(gen_team *t, int n, void *(*fn)(void *),
                              patron_status (*main_loop)(gen_team *, void *), void *arg,
                              patron_error *err) {
  pthread_t tid[256];
  int started = 0;
  while (started < n && pthread_create(&tid[started], NULL, fn, t) == 0)
    started++;
  patron_status st = PATRON_OK;
  if (started == 0)
    st = patron__error_set(err, PATRON_ERR_INTERNAL, NULL, 0, 0, "cannot start a thread");
  else
    st = main_loop(t, arg);
  pthread_mutex_lock(&t->mu);
  t->stop = true;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  for (int i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
  if (st == PATRON_OK && t->failed)
    st = PATRON__OOM(err);
  return st;
}

/* ---------------------------------------------------------------- planning */

static patron_status plan_loop(gen_team *t, void *arg) {
  (void)arg;
  pthread_mutex_lock(&t->mu);
  while (t->done < t->w->n_blocks && !t->failed) {
    pthread_cond_wait(&t->cv, &t->mu);
    double fraction = (double)t->done / (double)t->w->n_blocks;
    pthread_mutex_unlock(&t->mu);
    report(t->w, "gen: planning", fraction);
    pthread_mutex_lock(&t->mu);
  }
  pthread_mutex_unlock(&t->mu);
  return PATRON_OK;
}

/* Turns per-(block, day) counts into the number of ids of that day in earlier blocks and
 * fills day_base with the ids dated before each day. Returns the total. */
static uint64_t number_ids(const gen_world *w, uint32_t *counts, uint64_t *day_base) {
  size_t n_days = (size_t)w->n_days;
  memset(day_base, 0, n_days * sizeof *day_base);
  for (uint64_t b = 0; b < w->n_blocks; b++) {
    uint32_t *row = counts + b * n_days;
    for (size_t d = 0; d < n_days; d++) {
      uint32_t c = row[d];
      row[d] = (uint32_t)day_base[d];
      day_base[d] += c;
    }
  }
  uint64_t total = 0;
  for (size_t d = 0; d < n_days; d++) {
    uint64_t c = day_base[d];
    day_base[d] = total;
    total += c;
  }
  return total;
}

static int digits(uint64_t v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

static patron_status plan(gen_world *w, int threads, patron_error *err) {
  size_t cells = (size_t)w->n_blocks * (size_t)w->n_days;
  w->order_counts = calloc(cells, sizeof *w->order_counts);
  w->refund_counts = calloc(cells, sizeof *w->refund_counts);
  w->order_day_base = malloc((size_t)w->n_days * sizeof *w->order_day_base);
  w->refund_day_base = malloc((size_t)w->n_days * sizeof *w->refund_day_base);
  if (!w->order_counts || !w->refund_counts || !w->order_day_base || !w->refund_day_base)
    return PATRON__OOM(err);
  gen_team t = {.w = w};
  pthread_mutex_init(&t.mu, NULL);
  pthread_cond_init(&t.cv, NULL);
  patron_status st = run_team(&t, threads, plan_thread, plan_loop, NULL, err);
  pthread_mutex_destroy(&t.mu);
  pthread_cond_destroy(&t.cv);
  if (st != PATRON_OK)
    return st;
  uint64_t n_orders = number_ids(w, w->order_counts, w->order_day_base);
  uint64_t n_refunds = number_ids(w, w->refund_counts, w->refund_day_base);
  int cw = digits(w->opts.n_customers), ow = digits(n_orders), rw = digits(n_refunds);
  w->customer_width = cw > 7 ? cw : 7;
  w->order_width = ow > 8 ? ow : 8;
  w->refund_width = rw > 7 ? rw : 7;
  report(w, "gen: planning", 1.0);
  return PATRON_OK;
}

/* ---------------------------------------------------------------- files */

static const char *const file_names[GEN_N_FILES] = {"customers.csv", "orders.csv", "events.csv"};
static const char *const file_headers[GEN_N_FILES] = {
    "customer_id,gender,birth_date,city,signup_date,level,name,phone,email,wechat_id,consent_sms,"
    "consent_email,consent_wechat,timezone,source\n",
    "customer_id,order_id,order_time,amount,quantity,category,brand,channel,store_id,discount,"
    "item_id\n",
    "customer_id,event_time,event_type,item_id,category\n"};

typedef struct gen_files {
  FILE *f[GEN_N_FILES];
  char path[GEN_N_FILES][PATH_MAX];
  char part[GEN_N_FILES][PATH_MAX + 8];
  uint64_t bytes;
} gen_files;

static patron_status make_dirs(const char *dir, patron_error *err) {
  char path[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof path - 32)
    return patron__error_set(err, PATRON_ERR_USAGE, dir, 0, 0, "output directory name too long");
  memcpy(path, dir, len + 1);
  for (size_t i = 1; i < len; i++)
    if (path[i] == '/') {
      path[i] = '\0';
      mkdir(path, 0777); /* failures surface below, on the full path */
      path[i] = '/';
    }
  if (mkdir(path, 0777) != 0 && errno != EEXIST)
    return patron__error_set(err, PATRON_ERR_IO, dir, 0, 0, "cannot create directory: %s",
                             strerror(errno));
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return patron__error_set(err, PATRON_ERR_IO, dir, 0, 0, "not a directory");
  return PATRON_OK;
}

static bool file_wanted(const patron_gen_options *o, int f) {
  return f == GEN_FILE_ORDERS || (f == GEN_FILE_CUSTOMERS && o->customers) ||
         (f == GEN_FILE_EVENTS && o->events);
}

static void close_files(gen_files *fs, bool keep) {
  for (int f = 0; f < GEN_N_FILES; f++) {
    if (!fs->f[f])
      continue;
    fclose(fs->f[f]);
    fs->f[f] = NULL;
    if (!keep)
      unlink(fs->part[f]);
  }
}

static patron_status open_files(gen_files *fs, const patron_gen_options *o, const char *dir,
                                patron_error *err) {
  const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
  for (int f = 0; f < GEN_N_FILES; f++) {
    if (!file_wanted(o, f))
      continue;
    snprintf(fs->path[f], sizeof fs->path[f], "%s%s%s", dir, sep, file_names[f]);
    snprintf(fs->part[f], sizeof fs->part[f], "%s.part", fs->path[f]);
    fs->f[f] = fopen(fs->part[f], "wb");
    size_t n = strlen(file_headers[f]);
    if (!fs->f[f] || fwrite(file_headers[f], 1, n, fs->f[f]) != n) {
      patron__error_set(err, PATRON_ERR_IO, fs->part[f], 0, 0, "cannot create: %s",
                        strerror(errno));
      close_files(fs, false);
      return PATRON_ERR_IO;
    }
    fs->bytes += n;
  }
  return PATRON_OK;
}

/* Closes every file and renames it to its final name. */
static patron_status finish_files(gen_files *fs, patron_error *err) {
  patron_status st = PATRON_OK;
  for (int f = 0; f < GEN_N_FILES; f++) {
    if (!fs->f[f])
      continue;
    if (fclose(fs->f[f]) != 0 && st == PATRON_OK)
      st = patron__error_set(err, PATRON_ERR_IO, fs->part[f], 0, 0, "cannot write: %s",
                             strerror(errno));
    fs->f[f] = NULL;
  }
  for (int f = 0; f < GEN_N_FILES; f++) {
    if (!fs->part[f][0])
      continue;
    if (st == PATRON_OK && rename(fs->part[f], fs->path[f]) != 0)
      st = patron__error_set(err, PATRON_ERR_IO, fs->path[f], 0, 0, "cannot rename: %s",
                             strerror(errno));
    if (st != PATRON_OK)
      unlink(fs->part[f]);
  }
  return st;
}

/* ---------------------------------------------------------------- generation */

typedef struct gen_output {
  gen_files *files;
  patron_gen_stats *stats;
  patron_error *err;
} gen_output;

static patron_status write_slot(gen_output *o, gen_slot *s) {
  for (int f = 0; f < GEN_N_FILES; f++) {
    FILE *fp = o->files->f[f];
    if (!fp || !s->out[f].len)
      continue;
    if (fwrite(s->out[f].data, 1, s->out[f].len, fp) != s->out[f].len)
      return patron__error_set(o->err, PATRON_ERR_IO, o->files->part[f], 0, 0, "cannot write: %s",
                               strerror(errno));
    o->files->bytes += s->out[f].len;
  }
  patron_gen_stats *st = o->stats;
  st->customers += s->stats.customers;
  st->purchasers += s->stats.purchasers;
  st->orders += s->stats.orders;
  st->refunds += s->stats.refunds;
  st->order_rows += s->stats.order_rows;
  st->events += s->stats.events;
  return PATRON_OK;
}

static patron_status write_loop(gen_team *t, void *arg) {
  gen_output *o = arg;
  for (uint64_t b = 0; b < t->w->n_blocks; b++) {
    gen_slot *s = &t->slots[b % t->n_slots];
    pthread_mutex_lock(&t->mu);
    while (!s->ready && !t->failed)
      pthread_cond_wait(&t->cv, &t->mu);
    bool ready = s->ready;
    pthread_mutex_unlock(&t->mu);
    if (!ready)
      return PATRON_OK; /* a worker ran out of memory: run_team reports it */
    patron_status st = write_slot(o, s);
    if (st != PATRON_OK)
      return st;
    pthread_mutex_lock(&t->mu);
    s->ready = false;
    t->done++;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    report(t->w, "gen: writing", (double)(b + 1) / (double)t->w->n_blocks);
  }
  return PATRON_OK;
}

static patron_status generate(gen_world *w, int threads, gen_files *fs, patron_gen_stats *stats,
                              patron_error *err) {
  gen_team t = {.w = w, .n_slots = (size_t)threads * 2 + 2};
  t.slots = calloc(t.n_slots, sizeof *t.slots);
  if (!t.slots)
    return PATRON__OOM(err);
  pthread_mutex_init(&t.mu, NULL);
  pthread_cond_init(&t.cv, NULL);
  gen_output out = {.files = fs, .stats = stats, .err = err};
  patron_status st = run_team(&t, threads, generate_thread, write_loop, &out, err);
  pthread_mutex_destroy(&t.mu);
  pthread_cond_destroy(&t.cv);
  for (size_t i = 0; i < t.n_slots; i++)
    for (int f = 0; f < GEN_N_FILES; f++)
      patron__gen_buf_free(&t.slots[i].out[f]);
  free(t.slots);
  return st;
}

static int thread_count(const gen_world *w) {
  uint64_t n =
      w->opts.threads > 0 ? (uint64_t)w->opts.threads : (uint64_t)patron__default_threads();
  return (int)(n < w->n_blocks ? n : w->n_blocks);
}

patron_status patron_gen_world(const patron_gen_options *opts, const char *out_dir,
                               patron_gen_stats *stats, patron_error *err) {
  patron_gen_stats local = {0};
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  patron_status st = check_options(opts, out_dir, err);
  if (st == PATRON_OK)
    st = make_dirs(out_dir, err);
  if (st != PATRON_OK)
    return st;
  gen_world w;
  if ((st = patron__gen_world_init(&w, opts, err)) != PATRON_OK)
    return st;
  uint64_t n = opts->n_customers, per = (n + GEN_MAX_BLOCKS - 1) / GEN_MAX_BLOCKS;
  w.block_size = per > GEN_BLOCK_MIN ? per : GEN_BLOCK_MIN;
  w.n_blocks = (n + w.block_size - 1) / w.block_size;
  int threads = thread_count(&w);
  gen_files fs = {0};
  st = plan(&w, threads, err);
  if (st == PATRON_OK)
    st = open_files(&fs, opts, out_dir, err);
  if (st == PATRON_OK) {
    st = generate(&w, threads, &fs, stats, err);
    if (st == PATRON_OK)
      st = finish_files(&fs, err);
    else
      close_files(&fs, false);
  }
  if (st == PATRON_OK && opts->time_ordered)
    st = patron__gen_time_order(fs.path[GEN_FILE_ORDERS], 2, err);
  if (st == PATRON_OK && opts->time_ordered && opts->events)
    st = patron__gen_time_order(fs.path[GEN_FILE_EVENTS], 1, err);
  stats->bytes = fs.bytes;
  patron__gen_world_free(&w);
  return st;
}
