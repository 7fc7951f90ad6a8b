/* Masking of personal data (SPEC section 14), the one module every output uses (CSV files,
 * rejects.csv raw lines of a members file, the HTTP API, reports, logs):
 *   phone      first 3 and last 4 characters, one '*' for each other  138****5678
 *   email      first character, "***", then the domain                 z***@example.com
 *   name       first character, one '*' for each other (UTF-8 aware)  张*, 欧阳**
 *   wechat_id  one '*' for each character but the last 4              ******ab12
 * Characters are UTF-8 code points. A value too short for its rule to hide anything (phone
 * of 7 characters or fewer, wechat_id of 4 or fewer) becomes one '*' per character. */
#ifndef PATRON_MASK_H
#define PATRON_MASK_H

#include "patron/error.h"

#include <stddef.h>

typedef enum patron_pii {
  PATRON_PII_NONE,
  PATRON_PII_NAME,
  PATRON_PII_PHONE,
  PATRON_PII_EMAIL,
  PATRON_PII_WECHAT
} patron_pii;

/* The kind of personal data a column holds, by its SPEC name ("name", "phone", "email",
 * "wechat_id"); PATRON_PII_NONE for any other column. */
PATRON_API patron_pii patron_pii_of_column(const char *column);

/* Masks value (len bytes) into out (cap bytes, NUL-terminated, cut when short). Returns the
 * masked length, which is at most len + 3 (so len + 4 bytes always suffice). NONE copies. */
PATRON_API size_t patron_mask(patron_pii kind, const char *value, size_t len, char *out,
                              size_t cap);

#endif
