/* Synthetic retail data: a deterministic "world" of members, order lines and behaviour
 * events written as SPEC section 1 CSV files. Purchases follow a heterogeneous
 * purchase-and-dropout process (Pareto/NBD, Schmittlein, Morrison & Colombo 1987); spend is
 * lognormal with a customer-specific mean. See docs/GENERATOR.md for the full model. */
#ifndef PATRON_GEN_H
#define PATRON_GEN_H

#include "patron/error.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct patron_gen_options {
  uint64_t n_customers; /* members to create, 1..PATRON_GEN_MAX_CUSTOMERS */
  uint64_t seed;        /* master seed: same seed + options = byte-identical files */
  int32_t end_day;      /* last day with data (days since 1970-01-01); default 2025-12-31 */
  double years;         /* length of the history window ending at end_day; default 3 */
  /* Purchase rate lambda ~ Gamma(shape r, rate alpha), purchases per year while alive. */
  double r, alpha;
  /* Dropout rate mu ~ Gamma(shape s, rate beta), per year; lifetime ~ Exponential(mu). */
  double s, beta;
  double spend_sigma;          /* sd of the customer's log price level (spend heterogeneity) */
  double line_sigma;           /* sd of a line's log unit price around the customer's level */
  double prospect_share;       /* members who never buy, in [0, 1) */
  double refund_rate;          /* probability that an order gets a refund row, in [0, 1) */
  double browse_rate;          /* browsing sessions without purchase per expected purchase */
  uint32_t items_per_category; /* catalogue size: 10 categories x this (default 1000, at
                                  most 6000); item_id = I + category (2 digits) + item */
  bool customers;              /* write customers.csv (default true) */
  bool events;                 /* write events.csv (default true) */
  bool time_ordered; /* orders.csv and events.csv rows in time order, customers interleaved
                        (default false: grouped by customer) */
  int threads;       /* worker threads; 0 = one per online CPU. Output never depends on it */
  /* Optional progress report: stage is a short label, fraction in [0, 1]; always called
   * from the thread that called patron_gen_world. */
  void (*progress)(void *ctx, const char *stage, double fraction);
  void *progress_ctx;
} patron_gen_options;

#define PATRON_GEN_MAX_CUSTOMERS 1000000000ull

typedef struct patron_gen_stats {
  uint64_t customers;  /* data rows in customers.csv (members, prospects included) */
  uint64_t purchasers; /* customers with at least one order */
  uint64_t orders;     /* purchase orders (ids O...) */
  uint64_t refunds;    /* refund orders (ids R..., one negative row each) */
  uint64_t order_rows; /* data rows in orders.csv: order lines + refund rows */
  uint64_t events;     /* data rows in events.csv */
  uint64_t bytes;      /* bytes written, all files */
} patron_gen_stats;

/* Fills opts with the documented defaults (n_customers = 10000, seed = 1). */
PATRON_API void patron_gen_options_default(patron_gen_options *opts);

/* Writes customers.csv, orders.csv and events.csv (as enabled) into out_dir, creating the
 * directory (and its parents) when missing. Files are written under a temporary name and
 * renamed when complete. stats (optional) receives the counts.
 * Returns PATRON_OK; PATRON_ERR_USAGE for invalid options (err names the option);
 * PATRON_ERR_IO when the directory or a file cannot be created or written (err names the
 * path); PATRON_ERR_NOMEM. */
PATRON_API patron_status patron_gen_world(const patron_gen_options *opts, const char *out_dir,
                                          patron_gen_stats *stats, patron_error *err);

#endif
