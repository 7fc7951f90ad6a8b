/* Internals of the synthetic retail generator: the read-only world shared by all workers
 * (catalogue, calendar, id offsets), per-thread workers, and fast text formatting helpers.
 * Customers are simulated in fixed blocks with per-block seeds, so output never depends on
 * the number of threads. */
#ifndef PATRON_GEN_INT_H
#define PATRON_GEN_INT_H

#include "patron/gen.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  GEN_N_CATEGORIES = 10,
  GEN_MAX_ITEMS = 6000, /* items per category at most (item codes fit 16 bits) */
  GEN_N_BRANDS = 10,    /* brands per category */
  GEN_N_CITIES = 20,
  GEN_N_STORES = 100,
  GEN_BLOCK_MIN = 4096,   /* customers per block, at least */
  GEN_MAX_BLOCKS = 16384, /* blocks grow beyond GEN_BLOCK_MIN to stay under this */
  GEN_MAX_LINES = 6,      /* lines per order */
  GEN_ROW_ROOM = 256      /* bytes reserved before formatting one row */
};

enum { GEN_ONLINE, GEN_OFFLINE, GEN_APP, GEN_N_CHANNELS };
enum { GEN_VIEW, GEN_CART, GEN_FAVORITE, GEN_SEARCH, GEN_VISIT };
/* The three random streams of a block: each is seeded from (master seed, block, stream). */
enum { GEN_STREAM_PLAN, GEN_STREAM_DETAIL, GEN_STREAM_EVENTS, GEN_N_STREAMS };
/* The three output files, in this order. */
enum { GEN_FILE_CUSTOMERS, GEN_FILE_ORDERS, GEN_FILE_EVENTS, GEN_N_FILES };

typedef struct gen_category {
  const char *name;
  double price;      /* median unit price of an item */
  double popularity; /* share of lines, before customer preferences */
  double extra_qty;  /* mean of quantity - 1 (Poisson) */
} gen_category;

extern const gen_category patron__gen_categories[GEN_N_CATEGORIES];
extern const char *const patron__gen_cities[GEN_N_CITIES];
extern const char *const patron__gen_channels[GEN_N_CHANNELS];
extern const char *const patron__gen_event_types[5];
/* The category whose items partner each category's items (co-purchase pattern). */
extern const uint8_t patron__gen_partner_category[GEN_N_CATEGORIES];

/* Everything workers read and never write (after planning). */
typedef struct gen_world {
  patron_gen_options opts;
  int32_t start_day, n_days; /* window: start_day .. start_day + n_days - 1 (= end_day) */
  double *cum_weight;        /* n_days + 1: cumulative seasonal weight, mean weight 1 */
  char *day_text;            /* n_days * 10: "YYYY-MM-DD" of each window day */
  uint8_t *day_promo;        /* n_days: 1 on promotion days */
  /* The catalogue: n_items items per category; item code = category * n_items + item. */
  int n_items, item_digits; /* item_id = I + 2-digit category + item_digits-digit item */
  int64_t *item_cents;      /* per code: list price */
  uint8_t *item_brand;      /* per code */
  /* Planted co-purchase pattern: each item's partner (a code) in the category paired with
   * its own, often bought with it or after it. */
  uint16_t *item_partner;
  uint8_t city_first_store[GEN_N_CITIES + 1];
  gsl_ran_discrete_t *category_table, *lines_table, *city_table;
  gsl_ran_discrete_t *hour_table[GEN_N_CHANNELS];
  uint64_t block_size, n_blocks;
  /* Per (block, day): purchase orders and refunds dated that day. After planning these
   * hold, per day, the number in earlier blocks (ids are numbered by day, then block). */
  uint32_t *order_counts, *refund_counts;
  uint64_t *order_day_base, *refund_day_base; /* n_days: ids dated before that day */
  int customer_width, order_width, refund_width;
} gen_world;

typedef struct gen_buf {
  char *data;
  size_t len, cap;
} gen_buf;

typedef struct gen_block_stats {
  uint64_t customers, purchasers, orders, refunds, order_rows, events;
} gen_block_stats;

/* A member's contact and profile fields beyond the basics (personal data: SPEC section 14). */
typedef struct gen_contact {
  uint8_t surname, given[2], n_given;
  uint64_t phone;         /* 11 digits; 0 = none */
  uint8_t email_domain;   /* 0 = no email */
  uint64_t email_number;  /* QQ number, or digits after the letters */
  char email_letters[10]; /* lowercase local part (not for qq.com) */
  uint8_t n_email_letters;
  char wechat[10]; /* wxid_ + these; n_wechat 0 = none */
  uint8_t n_wechat;
  int8_t consent[3]; /* sms, email, wechat: 1, 0, -1 = unknown (empty) */
  uint8_t timezone, source;
} gen_contact;

/* member.c: draws the fields from the detail stream; formats them as
 * ",name,phone,email,wechat_id,consent_sms,consent_email,consent_wechat,timezone,source". */
void patron__gen_draw_contact(gsl_rng *rng, gen_contact *c);
char *patron__gen_put_contact(char *q, const gen_contact *c);
/* 29 February of the latest leap year on or before `day`'s year (a leap-day birthday). */
int32_t patron__gen_leap_day(int32_t day);

/* Per-thread state: random streams and scratch that grows to the largest customer. */
typedef struct gen_worker gen_worker;

/* world.c builds the calendar and catalogue (catalog.c) around these. */
patron_status patron__gen_world_init(gen_world *w, const patron_gen_options *opts,
                                     patron_error *err);
void patron__gen_world_free(gen_world *w);

gen_worker *patron__gen_worker_new(void);
void patron__gen_worker_free(gen_worker *wk);

/* Planning pass: counts block b's orders and refunds per day into the world's count rows.
 * Returns false when memory runs out. */
bool patron__gen_plan_block(gen_world *w, gen_worker *wk, uint64_t block);

/* Generation pass: formats block b's rows into out[GEN_N_FILES] (appending) and adds its
 * counts to stats. Returns false when memory runs out. */
bool patron__gen_block(const gen_world *w, gen_worker *wk, uint64_t block, gen_buf out[GEN_N_FILES],
                       gen_block_stats *stats);

/* time_order.c: rewrites the generated file at path with its data rows sorted by the
 * timestamp in field time_field (0-based), stably. */
patron_status patron__gen_time_order(const char *path, int time_field, patron_error *err);

/* Seed of stream `stream` of block `block` (a hash of the master seed). */
unsigned long patron__gen_block_seed(uint64_t seed, uint64_t block, int stream);

/* Ensures room for `need` more bytes; false when memory runs out. */
bool patron__gen_buf_room(gen_buf *b, size_t need);
void patron__gen_buf_free(gen_buf *b);

/* ---- formatting into a buffer with room (no bounds checks: callers reserve first) ---- */

static inline char *gen_put(char *p, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = s[i];
  return p + n;
}

static inline char *gen_put_str(char *p, const char *s) {
  while (*s)
    *p++ = *s++;
  return p;
}

/* Unsigned number, zero-padded to at least width digits. */
static inline char *gen_put_uint(char *p, uint64_t v, int width) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n < width)
    tmp[n++] = '0';
  while (n)
    *p++ = tmp[--n];
  return p;
}

/* Cents as a decimal with exactly 2 decimals, "-" for negative amounts. */
static inline char *gen_put_cents(char *p, int64_t cents) {
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  p = gen_put_uint(p, (uint64_t)cents / 100, 1);
  *p++ = '.';
  *p++ = (char)('0' + cents / 10 % 10);
  *p++ = (char)('0' + cents % 10);
  return p;
}

/* "YYYY-MM-DD HH:MM:SS" for a window day index and a second of the day. */
static inline char *gen_put_time(char *p, const gen_world *w, int32_t day_index, int32_t sec) {
  p = gen_put(p, w->day_text + (size_t)day_index * 10, 10);
  int h = sec / 3600, m = sec / 60 % 60, s = sec % 60;
  p[0] = ' ';
  p[1] = (char)('0' + h / 10);
  p[2] = (char)('0' + h % 10);
  p[3] = ':';
  p[4] = (char)('0' + m / 10);
  p[5] = (char)('0' + m % 10);
  p[6] = ':';
  p[7] = (char)('0' + s / 10);
  p[8] = (char)('0' + s % 10);
  return p + 9;
}

#endif
