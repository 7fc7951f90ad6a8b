/* The web assets (report and dashboard scripts, styles, pages, ECharts) embedded into the
 * library at build time by cmake/web_assets.cmake. */
#ifndef PATRON_IO_WEB_ASSETS_INT_H
#define PATRON_IO_WEB_ASSETS_INT_H

typedef struct patron__web_asset {
  const char *name;
  const char *start, *end; /* bytes [start, end) */
} patron__web_asset;

/* Terminated by an entry with a NULL name. */
extern const patron__web_asset patron__web_assets[];
/* 1 when ECharts was found at build time. */
extern const int patron__web_have_echarts;

#endif
