/* The MPI shuffle of an input file, orders, customers or events (mpi_int.h): byte ranges
 * per rank, each line routed to its customer's owner rank with patron__mpi_alltoallv. A line
 * belongs to the rank whose range [data_start + i S / n, data_start + (i + 1) S / n) holds its
 * first byte (S: the data bytes after the header), so every line is read exactly once for any n.
 * The header is resolved by the loader's own column resolution (load_common.c), and the customer
 * field cut by its CSV tokenizer, so --map, --columns, --delimiter and quoting mean the same. */
#include "io/load_int.h"
#include "mpi/mpi_int.h"
#include "patron/hash.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int patron__mpi_owner(const char *id, size_t len, int n_ranks) {
  return (int)(patron_fnv1a32_utf16(id, len) % (uint32_t)n_ranks);
}

/* Field index of customer_id in the file's rows (-1 when the header lacks it). */
static int customer_field(const load_file *f) {
  for (int i = 0; i < PATRON__MAX_COLUMNS && patron__column_names[f->kind][i]; i++)
    if (strcmp(patron__column_names[f->kind][i], "customer_id") == 0)
      return f->field[i];
  return -1;
}

/* The first line start at or after `at` (data starts at `data`). */
static uint64_t line_start(const char *map, uint64_t data, uint64_t size, uint64_t at) {
  if (at <= data)
    return data;
  if (at >= size)
    return size;
  if (map[at - 1] == '\n')
    return at;
  const char *nl = memchr(map + at, '\n', size - at);
  return nl ? (uint64_t)(nl - map) + 1 : size;
}

typedef struct router {
  const char *map;
  uint64_t start, stop, size;
  const patron__csv_dialect *dialect;
  int id_field, rank, n;
  uint32_t *dest; /* per line */
  size_t n_lines;
  uint64_t *counts;  /* bytes per destination (each line sent with a '\n') */
  size_t open_quote; /* 1 + index of the first line whose quoted field runs past it, 0: none */
} router;

/* End of the line at p (its '\n' or the end of the file). */
static const char *line_end(const router *r, const char *p) {
  const char *nl = memchr(p, '\n', (size_t)(r->map + r->size - p));
  return nl ? nl : r->map + r->size;
}

static int owner_of(router *r, patron__csv_record *rec, const char *p, const char *eol) {
  const char *next;
  const char *end = eol < r->map + r->size ? eol + 1 : eol;
  patron__csv_status cs = patron__csv_parse(r->dialect, p, end, true, rec, &next);
  if (cs == PATRON__CSV_UNTERMINATED && !r->open_quote)
    r->open_quote = r->n_lines + 1;
  if (r->id_field < 0 || cs != PATRON__CSV_OK || (size_t)r->id_field >= rec->n_fields ||
      patron__csv_is_blank(rec))
    return r->rank; /* blank or bad: its reader's loader counts or rejects it */
  const patron__csv_field *id = &rec->fields[r->id_field];
  return id->len ? patron__mpi_owner(id->ptr, id->len, r->n) : r->rank;
}

/* Pass 1: the destination of every line and the bytes per destination. */
static bool route(router *r) {
  patron__csv_record rec = {0};
  size_t cap = 0;
  bool ok = true;
  for (const char *p = r->map + r->start; ok && p < r->map + r->stop;) {
    const char *eol = line_end(r, p);
    if (r->n_lines == cap) {
      cap = cap ? 2 * cap : 4096;
      uint32_t *grown = realloc(r->dest, cap * sizeof *grown);
      ok = grown != NULL;
      r->dest = ok ? grown : r->dest;
    }
    if (ok) {
      int to = owner_of(r, &rec, p, eol);
      r->dest[r->n_lines++] = (uint32_t)to;
      r->counts[to] += (uint64_t)(eol - p) + 1;
    }
    p = eol + 1;
  }
  patron__csv_record_free(&rec);
  return ok;
}

/* Pass 2: the lines packed by destination, in file order within each. */
static char *pack(const router *r) {
  uint64_t total = 0;
  uint64_t *at = malloc(r->n * sizeof *at);
  for (int i = 0; at && i < r->n; i++)
    at[i] = total, total += r->counts[i];
  char *buf = at ? malloc(total ? total : 1) : NULL;
  size_t line = 0;
  for (const char *p = r->map + r->start; buf && p < r->map + r->stop; line++) {
    const char *eol = line_end(r, p);
    uint64_t *o = &at[r->dest[line]];
    memcpy(buf + *o, p, (size_t)(eol - p));
    buf[*o + (uint64_t)(eol - p)] = '\n';
    *o += (uint64_t)(eol - p) + 1;
    p = eol + 1;
  }
  free(at);
  return buf;
}

/* A record spanning lines would be cut by the byte ranges: --mpi needs one record per
 * line, and the first line (file-wide) opening a quote it does not close fails the run. */
static patron_status check_quotes(MPI_Comm comm, const load_file *f, const router *r,
                                  patron_error *err) {
  uint64_t lines = r->n_lines, before = 0, first = r->open_quote ? 1 : 0, any;
  MPI_Exscan(&lines, &before, 1, MPI_UINT64_T, MPI_SUM, comm);
  if (r->rank == 0)
    before = 0; /* Exscan leaves rank 0's value undefined */
  MPI_Allreduce(&first, &any, 1, MPI_UINT64_T, MPI_MAX, comm);
  if (!any)
    return PATRON_OK;
  patron_status st = PATRON_OK;
  if (r->open_quote)
    st = patron__error_set(err, PATRON_ERR_INPUT, f->path,
                           f->scan.header_lines + before + r->open_quote, 0,
                           "a quoted field runs past the end of the line: --mpi reads files "
                           "with one record per line (run without --mpi)");
  return patron__mpi_agree(comm, st, err);
}

/* Routes this rank's lines and exchanges them; out->text gets header + received lines. */
static patron_status exchange(MPI_Comm comm, const load_file *f, const char *map,
                              patron__mpi_part *out, patron_error *err) {
  router r = {
      .map = map, .size = f->scan.size, .dialect = &f->scan.dialect, .id_field = customer_field(f)};
  MPI_Comm_rank(comm, &r.rank);
  MPI_Comm_size(comm, &r.n);
  uint64_t data = f->scan.data_start, span = r.size > data ? r.size - data : 0;
  r.start = line_start(map, data, r.size, data + span * (uint64_t)r.rank / (uint64_t)r.n);
  r.stop = line_start(map, data, r.size, data + span * (uint64_t)(r.rank + 1) / (uint64_t)r.n);
  r.counts = calloc((size_t)r.n, sizeof *r.counts);
  uint64_t *recv_counts = malloc((size_t)r.n * sizeof *recv_counts);
  char *send = r.counts && recv_counts && route(&r) ? pack(&r) : NULL;
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), from = r.start / page * page;
  if (r.stop > r.start) /* the file's pages are read: let them go before the exchange */
    madvise((void *)(map + from), r.stop - from, MADV_DONTNEED);
  patron_status st = patron__mpi_agree(comm, send ? PATRON_OK : PATRON__OOM(err), err);
  if (st == PATRON_OK)
    st = check_quotes(comm, f, &r, err);
  if (st == PATRON_OK)
    st = patron__mpi_alltoallv(comm, send, r.counts, (size_t)data, &out->text, recv_counts, err);
  if (st == PATRON_OK) {
    memcpy(out->text, map, (size_t)data);
    out->len = (size_t)data;
    for (int i = 0; i < r.n; i++)
      out->len += (size_t)recv_counts[i];
  }
  free(send), free(r.dest), free(r.counts), free(recv_counts);
  return st;
}

patron_status patron__mpi_shuffle(MPI_Comm comm, const patron_load_options *opts,
                                  patron_file_kind kind, patron__mpi_part *out, patron_error *err) {
  *out = (patron__mpi_part){0};
  load_file f;
  patron_dataset *scratch = calloc(1, sizeof *scratch); /* owns the header names */
  patron_status st = scratch ? patron__load_open(&f, scratch, kind, opts, err) : PATRON__OOM(err);
  const char *map = NULL;
  if (st == PATRON_OK && f.scan.size) {
    map = mmap(NULL, f.scan.size, PROT_READ, MAP_PRIVATE, f.scan.fd, 0);
    if (map == MAP_FAILED)
      st = patron__error_set(err, PATRON_ERR_IO, f.path, 0, 0, "cannot map the file");
  }
  st = patron__mpi_agree(comm, st, err);
  if (st == PATRON_OK) {
    out->header_lines = f.scan.header_lines;
    out->delimiter = f.scan.dialect.delimiter;
    st = exchange(comm, &f, map ? map : "", out, err);
  }
  if (map && map != MAP_FAILED)
    munmap((void *)map, f.scan.size);
  if (scratch)
    patron__scan_close(&f.scan);
  patron_dataset_free(scratch);
  return st;
}
