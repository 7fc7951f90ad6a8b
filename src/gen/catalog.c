/* The generator's fixed world: product categories with price levels, brands and items,
 * cities and stores, the seasonal calendar (weekday, month and promotion-day weights) and
 * the hour-of-day profiles per channel. Built once per run from the master seed. */
#include "core/core_int.h"
#include "gen/gen_int.h"
#include "patron/parse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* name, median item price, share of lines, mean extra quantity */
const gen_category patron__gen_categories[GEN_N_CATEGORIES] = {
    {"grocery", 16.0, 0.22, 0.9}, {"beauty", 89.0, 0.13, 0.2},    {"apparel", 149.0, 0.16, 0.15},
    {"shoes", 269.0, 0.07, 0.05}, {"digital", 599.0, 0.06, 0.05}, {"home", 119.0, 0.10, 0.3},
    {"baby", 79.0, 0.07, 0.4},    {"sports", 189.0, 0.06, 0.1},   {"books", 39.0, 0.07, 0.3},
    {"toys", 99.0, 0.06, 0.15},
};

/* grocery-home, beauty-apparel, apparel-shoes, shoes-sports, digital-books, baby-toys ... */
const uint8_t patron__gen_partner_category[GEN_N_CATEGORIES] = {5, 2, 3, 7, 8, 0, 9, 3, 9, 6};

const char *const patron__gen_cities[GEN_N_CITIES] = {
    "Shanghai", "Beijing",  "Guangzhou", "Shenzhen", "Chengdu", "Hangzhou", "Chongqing",
    "Wuhan",    "Xian",     "Nanjing",   "Suzhou",   "Tianjin", "Changsha", "Zhengzhou",
    "Qingdao",  "Dongguan", "Shenyang",  "Kunming",  "Hefei",   "Xiamen"};
/* Members per city (relative) and stores per city (sums to GEN_N_STORES). */
static const double city_weight[GEN_N_CITIES] = {14, 12, 9, 9, 7, 7, 6, 5, 4, 4,
                                                 4,  4,  3, 3, 2, 2, 2, 1, 1, 1};
static const uint8_t city_stores[GEN_N_CITIES] = {13, 11, 9, 9, 7, 7, 6, 5, 4, 4,
                                                  4,  4,  3, 3, 2, 2, 2, 2, 2, 1};

const char *const patron__gen_channels[GEN_N_CHANNELS] = {"online", "offline", "app"};
const char *const patron__gen_event_types[5] = {"view", "cart", "favorite", "search", "visit"};

/* Orders per hour of the day: web and app peak in the evening, stores open 9:00-21:59. */
static const double hour_web[24] = {0.35, 0.2, 0.1,  0.06, 0.05, 0.08, 0.2,  0.45,
                                    0.7,  0.9, 1.05, 1.15, 1.25, 1.15, 1.05, 1.05,
                                    1.1,  1.2, 1.3,  1.55, 1.8,  1.85, 1.45, 0.8};
static const double hour_store[24] = {0,   0,   0,   0,   0,   0,   0,   0,   0,   0.6, 0.9, 1.1,
                                      1.2, 1.1, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.3, 0.8, 0,   0};
static const double lines_weight[GEN_MAX_LINES] = {0.46, 0.24, 0.13, 0.08, 0.05, 0.04};

/* Seasonal demand of one calendar day (before normalising to mean 1). */
static double day_weight(int32_t day, int *promo) {
  static const double weekday[7] = {0.92, 0.9, 0.92, 0.95, 1.05, 1.2, 1.15}; /* Mon..Sun */
  static const double month[12] = {0.95, 0.85, 0.95, 0.95, 1.0,  1.05,
                                   0.95, 0.95, 1.0,  1.0,  1.15, 1.3};
  int y, m, d;
  patron_civil_from_days(day, &y, &m, &d);
  double wgt = weekday[((day % 7) + 7 + 3) % 7] * month[m - 1];
  *promo = 1;
  if (m == 11 && d == 11)
    return wgt * 3.0; /* Singles' Day */
  if (m == 6 && d == 18)
    return wgt * 2.0;
  if (m == 12 && d == 12)
    return wgt * 1.8;
  *promo = 0;
  return wgt;
}

static bool build_calendar(gen_world *w) {
  size_t n = (size_t)w->n_days;
  w->cum_weight = malloc((n + 1) * sizeof *w->cum_weight);
  w->day_text = malloc(n * 10 + 1);
  w->day_promo = malloc(n);
  if (!w->cum_weight || !w->day_text || !w->day_promo)
    return false;
  w->cum_weight[0] = 0;
  for (size_t i = 0; i < n; i++) {
    int promo;
    w->cum_weight[i + 1] = w->cum_weight[i] + day_weight(w->start_day + (int32_t)i, &promo);
    w->day_promo[i] = (uint8_t)promo;
    char tmp[11];
    patron_format_day(w->start_day + (int32_t)i, tmp);
    memcpy(w->day_text + i * 10, tmp, 10);
  }
  double mean = w->cum_weight[n] / (double)n;
  for (size_t i = 0; i <= n; i++)
    w->cum_weight[i] /= mean;
  return true;
}

/* Items: each has a brand (popular brands own more items) and a lognormal price around the
 * category's level times the brand's premium. */
static void build_items(gen_world *w, gsl_rng *rng) {
  for (int c = 0; c < GEN_N_CATEGORIES; c++) {
    double premium[GEN_N_BRANDS];
    for (int b = 0; b < GEN_N_BRANDS; b++)
      premium[b] = exp(gsl_ran_gaussian(rng, 0.2));
    for (int k = 0; k < w->n_items; k++) {
      int b = (int)(GEN_N_BRANDS * pow(gsl_rng_uniform(rng), 1.6));
      double price =
          patron__gen_categories[c].price * premium[b] * exp(gsl_ran_gaussian(rng, 0.35));
      int64_t dimes = llround(price * 10);
      w->item_cents[c * w->n_items + k] = (dimes < 10 ? 10 : dimes) * 10;
      w->item_brand[c * w->n_items + k] = (uint8_t)(c * GEN_N_BRANDS + b);
    }
  }
}

/* Partners: a popular item (index ~ N u^2, like sales) of the paired category, so pairs show
 * at item, category and brand level. Drawn after the items: the catalogue is unchanged. */
static void build_partners(gen_world *w, gsl_rng *rng) {
  for (int c = 0; c < GEN_N_CATEGORIES; c++)
    for (int k = 0; k < w->n_items; k++) {
      double u = gsl_rng_uniform(rng);
      int item = (int)(w->n_items * u * u);
      w->item_partner[c * w->n_items + k] =
          (uint16_t)(patron__gen_partner_category[c] * w->n_items + item);
    }
}

static bool build_tables(gen_world *w) {
  double cat[GEN_N_CATEGORIES];
  for (int c = 0; c < GEN_N_CATEGORIES; c++)
    cat[c] = patron__gen_categories[c].popularity;
  w->category_table = gsl_ran_discrete_preproc(GEN_N_CATEGORIES, cat);
  w->lines_table = gsl_ran_discrete_preproc(GEN_MAX_LINES, lines_weight);
  w->city_table = gsl_ran_discrete_preproc(GEN_N_CITIES, city_weight);
  w->hour_table[GEN_ONLINE] = gsl_ran_discrete_preproc(24, hour_web);
  w->hour_table[GEN_APP] = gsl_ran_discrete_preproc(24, hour_web);
  w->hour_table[GEN_OFFLINE] = gsl_ran_discrete_preproc(24, hour_store);
  w->city_first_store[0] = 0;
  for (int c = 0; c < GEN_N_CITIES; c++)
    w->city_first_store[c + 1] = (uint8_t)(w->city_first_store[c] + city_stores[c]);
  return w->category_table && w->lines_table && w->city_table && w->hour_table[GEN_ONLINE] &&
         w->hour_table[GEN_APP] && w->hour_table[GEN_OFFLINE];
}

patron_status patron__gen_world_init(gen_world *w, const patron_gen_options *opts,
                                     patron_error *err) {
  memset(w, 0, sizeof *w);
  w->opts = *opts;
  w->n_days = (int32_t)llround(opts->years * 365.25);
  if (w->n_days < 1)
    w->n_days = 1;
  w->start_day = opts->end_day - w->n_days + 1;
  w->n_items = (int)opts->items_per_category;
  w->item_digits = 3;
  for (int n = w->n_items - 1; n >= 1000; n /= 10)
    w->item_digits++;
  size_t n_codes = (size_t)GEN_N_CATEGORIES * (size_t)w->n_items;
  w->item_cents = malloc(n_codes * sizeof *w->item_cents);
  w->item_brand = malloc(n_codes);
  w->item_partner = malloc(n_codes * sizeof *w->item_partner);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
  if (!rng || !w->item_cents || !w->item_brand || !w->item_partner || !build_calendar(w) ||
      !build_tables(w)) {
    gsl_rng_free(rng);
    patron__gen_world_free(w);
    return PATRON__OOM(err);
  }
  gsl_rng_set(rng, patron__gen_block_seed(opts->seed, UINT64_MAX, 0));
  build_items(w, rng);
  build_partners(w, rng);
  gsl_rng_free(rng);
  return PATRON_OK;
}

void patron__gen_world_free(gen_world *w) {
  if (!w)
    return;
  free(w->item_cents);
  free(w->item_brand);
  free(w->item_partner);
  free(w->cum_weight);
  free(w->day_text);
  free(w->day_promo);
  gsl_ran_discrete_free(w->category_table);
  gsl_ran_discrete_free(w->lines_table);
  gsl_ran_discrete_free(w->city_table);
  for (int c = 0; c < GEN_N_CHANNELS; c++)
    gsl_ran_discrete_free(w->hour_table[c]);
  free(w->order_counts);
  free(w->refund_counts);
  free(w->order_day_base);
  free(w->refund_day_base);
  memset(w, 0, sizeof *w);
}

unsigned long patron__gen_block_seed(uint64_t seed, uint64_t block, int stream) {
  uint64_t key[3] = {seed, block, (uint64_t)stream};
  uint64_t h = patron__hash_bytes(key, sizeof key, 0x9e3779b97f4a7c15ull);
  unsigned long s = (unsigned long)(h ^ (h >> 32));
  return s ? s : 1;
}

bool patron__gen_buf_room(gen_buf *b, size_t need) {
  if (b->cap - b->len >= need)
    return true;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap - b->len < need)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p)
    return false;
  b->data = p;
  b->cap = cap;
  return true;
}

void patron__gen_buf_free(gen_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}
