/* Test helpers for the churn/propensity tests: a small synthetic world from patron gen in a
 * fresh temporary directory, loaded with order lines. */
#ifndef PATRON_TEST_CHURN_WORLD_H
#define PATRON_TEST_CHURN_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/patron.h"

typedef struct churn_world {
  char dir[64];
  char orders[128], customers[128], events[128];
} churn_world;

/* Generates n customers (seed) ending 2025-12-31 into /tmp/patron-churn-XXXXXX. */
static inline void churn_world_make(churn_world *w, uint64_t n, uint64_t seed) {
  strcpy(w->dir, "/tmp/patron-churn-XXXXXX");
  assert_non_null(mkdtemp(w->dir));
  patron_gen_options o;
  patron_gen_options_default(&o);
  o.n_customers = n;
  o.seed = seed;
  patron_error err = {0};
  assert_int_equal(patron_gen_world(&o, w->dir, NULL, &err), PATRON_OK);
  snprintf(w->orders, sizeof w->orders, "%s/orders.csv", w->dir);
  snprintf(w->customers, sizeof w->customers, "%s/customers.csv", w->dir);
  snprintf(w->events, sizeof w->events, "%s/events.csv", w->dir);
}

static inline patron_dataset *churn_world_load(const char *orders, const char *customers,
                                               const char *events) {
  patron_load_options o;
  patron_load_options_init(&o);
  o.paths[PATRON_FILE_ORDERS] = orders;
  o.paths[PATRON_FILE_CUSTOMERS] = customers;
  o.paths[PATRON_FILE_EVENTS] = events;
  o.keep_lines = true;
  o.n_threads = 2;
  patron_dataset *ds = NULL;
  patron_error err = {0};
  assert_int_equal(patron_dataset_load(&o, &ds, &err), PATRON_OK);
  return ds;
}

static inline void churn_world_remove(churn_world *w) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->dir);
  assert_int_equal(system(cmd), 0);
}

#endif
