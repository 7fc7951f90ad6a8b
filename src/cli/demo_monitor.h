/* The monitoring part of `patron demo` (demo_monitor.c). */
#ifndef PATRON_CLI_DEMO_MONITOR_H
#define PATRON_CLI_DEMO_MONITOR_H

/* Tomorrow's export with a planted data-quality problem analyzed into the store at db, then
 * `patron monitor` printing the one alert it causes. Exit status (0 when the alert fired). */
int cli_demo_monitor(const char *out_dir, const char *db, const char *orders,
                     const char *customers);

#endif
