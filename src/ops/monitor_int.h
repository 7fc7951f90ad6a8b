/* Internals of monitoring (src/ops/monitor*.c): the parsed alert rules. */
#ifndef PATRON_MONITOR_INT_H
#define PATRON_MONITOR_INT_H

#include "core/core_int.h"
#include "patron/monitor.h"

typedef struct patron__alert_rule {
  char *metric;                /* exact name, or a prefix ending in '*' */
  double min, max, max_change; /* NaN when absent */
} patron__alert_rule;

struct patron_alert_rules {
  patron__alert_rule *items;
  size_t n, cap;
};

#endif
