/* `patron score` (docs/SCALE.md section 8): the map-only CLV scoring of the streaming
 * contract. Reads reducer output lines (customer_id, first_purchase, last_purchase,
 * frequency, monetary, aov, repeat_days; lines with an empty key are skipped), turns each
 * purchaser into (x, t_x, T) at the model's calibration end and writes
 *   customer_id TAB frequency TAB recency TAB T TAB p_alive TAB exp_purchases_Hd
 * in batches with the fitted model broadcast to every task (patron finalize --clv-fit). */
#include "ops/stream_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BATCH = 4096 };

typedef struct scorer {
  const patron_clv_model *m;
  double unit, horizon_days;
  int32_t cal_end;
  FILE *out;
  size_t n;
  char *ids[BATCH];
  double x[BATCH], t_x[BATCH], T[BATCH], p[BATCH], e[BATCH];
} scorer;

static patron_status flush_batch(scorer *s, patron_error *err) {
  patron_clv_data d = {s->n, s->x, s->t_x, s->T, NULL, NULL};
  patron_status st = s->n ? patron_clv_predict_p_alive(s->m, &d, s->p, err) : PATRON_OK;
  if (st == PATRON_OK && s->n)
    st = patron_clv_predict_purchases(s->m, &d, s->horizon_days / s->unit, s->e, err);
  for (size_t i = 0; i < s->n; i++) {
    if (st == PATRON_OK) {
      fputs(s->ids[i], s->out);
      fprintf(s->out, "\t%.0f\t%.17g\t%.17g\t%.6f\t%.6f\n", s->x[i], s->t_x[i], s->T[i], s->p[i],
              s->e[i]);
    }
    free(s->ids[i]);
  }
  s->n = 0;
  return st;
}

/* One reducer line: a purchaser joins the batch. */
static patron_status score_line(scorer *s, const char *line, size_t len, uint64_t no,
                                patron_error *err) {
  patron__tsv_field f[PATRON__TSV_MAX_FIELDS];
  size_t n = patron__tsv_split(line, len, f, PATRON__TSV_MAX_FIELDS);
  if (n >= 1 && f[0].ptr && f[0].len == 0)
    return PATRON_OK; /* partial summaries, counts, triples */
  int32_t first, last;
  int64_t x;
  if (n != 7 || !f[0].ptr || !f[0].len || !patron__tsv_i64(&f[6], &x))
    return patron__error_set(err, PATRON_ERR_INPUT, "<stdin>", no, 0,
                             "expected a customer line of patron reduce");
  if (!f[1].ptr) /* no purchase: not scored */
    return PATRON_OK;
  if (!f[2].ptr || patron_parse_day(f[1].ptr, f[1].len, &first) != PATRON_OK ||
      patron_parse_day(f[2].ptr, f[2].len, &last) != PATRON_OK || last < first ||
      first > s->cal_end)
    return patron__error_set(err, PATRON_ERR_INPUT, "<stdin>", no, 0,
                             "bad purchase dates (or after the model's calibration end)");
  char *id = malloc(f[0].len + 1);
  if (!id)
    return PATRON__OOM(err);
  memcpy(id, f[0].ptr, f[0].len); /* kept escaped: written back as read */
  id[f[0].len] = '\0';
  s->ids[s->n] = id;
  s->x[s->n] = (double)x;
  s->t_x[s->n] = (last - first) / s->unit;
  s->T[s->n] = (s->cal_end - first) / s->unit;
  return ++s->n == BATCH ? flush_batch(s, err) : PATRON_OK;
}

patron_status patron_stream_score(FILE *in, FILE *out, const patron_clv_model *m, double unit_days,
                                  int32_t calibration_end, double horizon_days, patron_error *err) {
  scorer *s = calloc(1, sizeof *s);
  if (!s)
    return PATRON__OOM(err);
  *s = (scorer){.m = m,
                .unit = unit_days > 0 ? unit_days : 1,
                .horizon_days = horizon_days,
                .cal_end = calibration_end,
                .out = out};
  stream_lines lines = {.in = in};
  const char *line;
  size_t len;
  bool io_error = false;
  patron_status st = PATRON_OK;
  while (st == PATRON_OK && (line = patron__lines_next(&lines, &len, &io_error)))
    st = score_line(s, line, len, lines.line, err);
  if (st == PATRON_OK && io_error)
    st = patron__error_set(err, PATRON_ERR_IO, "<stdin>", 0, 0, "cannot read");
  patron_status flushed = flush_batch(s, err);
  st = st == PATRON_OK ? flushed : st;
  if (st == PATRON_OK && (fflush(out) != 0 || ferror(out)))
    st = patron__error_set(err, PATRON_ERR_IO, NULL, 0, 0, "cannot write the output");
  free(lines.buf);
  free(s);
  return st;
}
