/* A progress bar on stderr for long steps, drawn only when stderr is a terminal. */
#include "cli.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress(void *ctx, const char *stage, double fraction) {
  (void)ctx;
  static int is_tty = -1;
  if (is_tty < 0)
    is_tty = isatty(STDERR_FILENO);
  if (!is_tty)
    return;
  if (fraction < 0)
    fraction = 0;
  if (fraction > 1)
    fraction = 1;
  int width = 30, filled = (int)(fraction * width + 0.5);
  char bar[32];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r%-18s [%s] %3d%%", stage, bar, (int)(fraction * 100 + 0.5));
  if (fraction >= 1)
    fputs("\r\033[K", stderr);
  fflush(stderr);
}
