/* Fuzz harness for the dataset cache reader (patron__cache_decode, src/io/dataset_codec.c;
 * docs/CACHE.md). Input: a flags byte (bit 0: check the checksum; off, a mutated file
 * reaches the structural checks behind it), then a cache file's bytes. A file either fails
 * with a message or gives a dataset whose every index the accessors trust is in range:
 * checked by walking each customer's orders, events and lines and every dictionary code. */
#include "fuzz.h"

#include "io/cache_int.h"

static void walk(const patron_dataset *ds) {
  size_t n = patron_dataset_n_customers(ds);
  patron_orders_view ov;
  patron_events_view ev;
  patron_dataset_orders(ds, &ov);
  patron_dataset_events(ds, &ev);
  size_t touched = 0;
  for (uint32_t c = 0; c < n; c++) {
    touched += strlen(patron_dataset_customer_id(ds, c));
    for (uint32_t i = ov.start[c]; i < ov.start[c + 1]; i++)
      touched += ov.n_lines[i] & 1;
    for (uint32_t i = ev.start[c]; i < ev.start[c + 1]; i++)
      touched += strlen(patron_dataset_dict_value(ds, "event_type", ev.type[i])) +
                 strlen(patron_dataset_dict_value(ds, "item", ev.item[i]));
  }
  if (patron_dataset_has_lines(ds)) {
    patron_lines_view lv;
    patron_dataset_lines(ds, &lv);
    for (uint32_t c = 0; c < n; c++)
      for (uint32_t i = lv.start[c]; i < lv.start[c + 1]; i++)
        touched += (size_t)(ov.time[lv.order[i]] & 1) +
                   strlen(patron_dataset_dict_value(ds, "brand", lv.brand[i]));
  }
  for (size_t i = 0; i < patron_dataset_n_rejects(ds); i++) {
    patron_reject r;
    patron_dataset_reject(ds, i, &r);
    touched += strlen(r.column) + (r.raw_len ? (unsigned char)r.raw[r.raw_len - 1] : 0) +
               strlen(patron_reject_key(r.reason));
  }
  for (int k = 0; k < PATRON_FILE_KINDS; k++) {
    const patron_file_report *rep = patron_dataset_file_report(ds, (patron_file_kind)k);
    for (size_t c = 0; c < rep->n_columns; c++)
      touched += strlen(rep->columns[c]);
  }
  FUZZ_CHECK(touched != (size_t)-1, "unreachable");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint64_t *buf = malloc((size / 8 + 1) * 8); /* 8-byte aligned, as a mapped file is */
  FUZZ_CHECK(buf != NULL, "out of memory");
  memcpy(buf, data + 1, size - 1);
  patron__cache_contents c;
  patron_error err = {0};
  patron_status st =
      patron__cache_decode((const uint8_t *)buf, size - 1, false, NULL, data[0] & 1, 1, &c, &err);
  if (st != PATRON_OK)
    FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
  else
    walk(c.ds);
  patron__cache_contents_free(&c);
  free(buf);
  return 0;
}
