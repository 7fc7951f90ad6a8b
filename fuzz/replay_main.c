/* Corpus replay driver: a plain main() that runs every file of the directories (or the
 * files) given on the command line through LLVMFuzzerTestOneInput, so committed corpora
 * are ordinary CTest tests with gcc, and under the ASan+UBSan build too. */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *grown = realloc(buf, cap);
      if (!grown) {
        fprintf(stderr, "out of memory reading %s\n", path);
        free(buf);
        fclose(f);
        return 1;
      }
      buf = grown;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "read error on %s\n", path);
    free(buf);
    return 1;
  }
  /* libFuzzer hands the harness an exactly-sized copy: do the same so ASan sees overreads */
  uint8_t *exact = malloc(len ? len : 1);
  if (exact && len)
    memcpy(exact, buf, len);
  free(buf);
  if (!exact)
    return 1;
  printf("replaying %s (%zu bytes)\n", path, len);
  fflush(stdout);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir, size_t *n_files) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, by_name);
  if (n < 0) {
    fprintf(stderr, "cannot read directory %s\n", dir);
    return 1;
  }
  int failed = 0;
  for (int i = 0; i < n; i++) {
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
    struct stat st;
    if (names[i]->d_name[0] != '.' && len > 0 && (size_t)len < sizeof path &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      failed |= replay_file(path);
      (*n_files)++;
    }
    free(names[i]);
  }
  free(names);
  return failed;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  int failed = 0;
  size_t n_files = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      failed |= replay_dir(argv[i], &n_files);
    } else {
      failed |= replay_file(argv[i]);
      n_files++;
    }
  }
  if (n_files == 0) {
    fprintf(stderr, "no corpus files found\n");
    return 1;
  }
  printf("%zu inputs replayed\n", n_files);
  return failed;
}
