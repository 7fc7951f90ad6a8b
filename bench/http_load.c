/* A bounded HTTP/1.1 load generator for bench/server_bench.sh: C keep-alive connections to a
 * loopback server, one request in flight per connection, a fixed total of requests cycling
 * through the request targets read from a file (one per line: "GET /path" or
 * "POST /path BODY"), every answer's status checked (200 expected), the latency of each
 * request kept; prints requests/s and the p50/p99/max latencies.
 * Usage: http_load PORT CONNECTIONS REQUESTS TARGETS_FILE TOKEN */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
  int fd;
  char in[65536];
  size_t got;
  double start;
} conn;

static char **reqs;
static size_t *req_len, n_reqs;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void load_targets(const char *path, const char *token) {
  FILE *f = fopen(path, "r");
  char line[8192];
  if (!f) {
    perror(path);
    exit(2);
  }
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *method = line, *target = strchr(line, ' ');
    if (!target)
      continue;
    *target++ = '\0';
    char *body = strchr(target, ' ');
    if (body)
      *body++ = '\0';
    reqs = realloc(reqs, (n_reqs + 1) * sizeof *reqs);
    req_len = realloc(req_len, (n_reqs + 1) * sizeof *req_len);
    size_t blen = body ? strlen(body) : 0;
    char *r = malloc(512 + strlen(target) + strlen(token) + blen);
    int n = snprintf(r, 512 + strlen(target) + strlen(token) + blen,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, target, token, blen, body ? body : "");
    reqs[n_reqs] = r;
    req_len[n_reqs++] = (size_t)n;
  }
  fclose(f);
}

/* A complete answer in c->in: returns its status, or 0 when more bytes are needed. */
static int complete(conn *c) {
  c->in[c->got] = '\0';
  char *end = strstr(c->in, "\r\n\r\n");
  if (!end)
    return 0;
  char *cl = strcasestr(c->in, "\r\nContent-Length:");
  size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
  if (c->got < (size_t)(end + 4 - c->in) + body)
    return 0;
  return atoi(c->in + 9);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: http_load PORT CONNECTIONS REQUESTS TARGETS_FILE TOKEN\n");
    return 2;
  }
  int port = atoi(argv[1]), nc = atoi(argv[2]);
  long total = atol(argv[3]);
  load_targets(argv[4], argv[5]);
  if (!n_reqs || nc < 1 || total < nc)
    return 2;
  double *lat = malloc((size_t)total * sizeof *lat);
  conn *cs = calloc((size_t)nc, sizeof *cs);
  int ep = epoll_create1(0);
  long sent = 0, done = 0, bad = 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  double t0 = now();
  for (int i = 0; i < nc; i++) {
    cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(cs[i].fd, (struct sockaddr *)&a, sizeof a) != 0) {
      perror("connect");
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    size_t k = (size_t)sent % n_reqs;
    cs[i].start = now();
    if (write(cs[i].fd, reqs[k], req_len[k]) < 0)
      return 1;
    sent++;
  }
  struct epoll_event evs[256];
  while (done < total) {
    int n = epoll_wait(ep, evs, 256, 30000);
    if (n <= 0) {
      fprintf(stderr, "http_load: no answer for 30 s\n");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      conn *c = evs[i].data.ptr;
      ssize_t r = read(c->fd, c->in + c->got, sizeof c->in - 1 - c->got);
      if (r <= 0) {
        fprintf(stderr, "http_load: connection closed by the server\n");
        return 1;
      }
      c->got += (size_t)r;
      int status = complete(c);
      if (!status)
        continue;
      lat[done++] = now() - c->start;
      bad += status != 200;
      c->got = 0;
      if (sent < total) {
        size_t k = (size_t)sent++ % n_reqs;
        c->start = now();
        if (write(c->fd, reqs[k], req_len[k]) < 0)
          return 1;
      }
    }
  }
  double secs = now() - t0;
  qsort(lat, (size_t)total, sizeof *lat, cmp);
  printf("requests %ld connections %d seconds %.3f requests/s %.0f p50_ms %.3f p99_ms %.3f "
         "max_ms %.3f non_200 %ld\n",
         total, nc, secs, (double)total / secs, lat[total / 2] * 1e3,
         lat[(size_t)((double)total * 0.99)] * 1e3, lat[total - 1] * 1e3, bad);
  return bad ? 1 : 0;
}
