/* Transparent huge pages for the heap. Where the kernel's THP mode is "madvise" (Debian's
 * default), glibc's malloc asks for huge pages only when the tunable glibc.malloc.hugetlb=1
 * is set before the program starts, so the command sets it and executes itself once. Each
 * 4 KiB page of a fresh allocation otherwise costs a fault: on the 10M-row anchor file
 * `analyze --spec-only`, `clv fit`, `churn score` and a trigger run over 1M customers spend
 * 20-35% less wall time with it (docs/PERFORMANCE.md, "Huge pages for the heap"). Outputs do
 * not change. PATRON_NO_HUGEPAGES=1 turns it off. Under AddressSanitizer, whose allocator
 * replaces malloc's, it would only start the program twice. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TUNABLE "glibc.malloc.hugetlb"
#ifdef __SANITIZE_ADDRESS__
#define ASAN_BUILD true
#else
#define ASAN_BUILD false
#endif

/* Is the kernel's THP mode "madvise" (the one where the tunable makes a difference)? */
static bool thp_madvise(void) {
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  char line[128] = "";
  if (!f)
    return false;
  bool ok = fgets(line, sizeof line, f) && strstr(line, "[madvise]");
  fclose(f);
  return ok;
}

/* Not under a tool that follows the program's own code (valgrind would let the new image
 * run unchecked) and not when asked not to or already set. */
static bool wanted(void) {
  if (ASAN_BUILD)
    return false;
  const char *off = getenv("PATRON_NO_HUGEPAGES"), *tunables = getenv("GLIBC_TUNABLES"),
             *preload = getenv("LD_PRELOAD");
  if ((off && *off && strcmp(off, "0") != 0) || (tunables && strstr(tunables, TUNABLE)))
    return false;
  return !(preload && strstr(preload, "vgpreload")) && thp_madvise();
}

void cli_heap_hugepages(char **argv) {
  if (!wanted())
    return;
  const char *tunables = getenv("GLIBC_TUNABLES");
  char value[1024];
  int n = snprintf(value, sizeof value, "%s%s" TUNABLE "=1", tunables ? tunables : "",
                   tunables && *tunables ? ":" : "");
  if (n < 0 || (size_t)n >= sizeof value || setenv("GLIBC_TUNABLES", value, 1) != 0)
    return;
  execv("/proc/self/exe", argv);
  /* not executed (no /proc): go on as we are; the variable stops a second attempt */
}
