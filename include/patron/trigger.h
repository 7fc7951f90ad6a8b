/* The trigger engine (SPEC section 11): rules from a JSON file, each a condition in the
 * expression language with a campaign, a channel, a priority, a cooldown and a holdout share;
 * a run as of an instant T decides which matches fire (cooldown, contact and consent, caps per
 * channel in priority order), their arm (holdout by the SPEC section 12 hash, salt = rule name)
 * and their send time (quiet hours in the member's or the rules' time zone), with idempotent
 * action ids. Also the members' contacts that triggers and plans need. docs/TRIGGERS.md. */
#ifndef PATRON_TRIGGER_H
#define PATRON_TRIGGER_H

#include "patron/dataset.h"
#include "patron/error.h"
#include "patron/expr.h"
#include "patron/parse.h"
#include "patron/recommend.h"
#include "patron/sink.h"
#include "patron/store.h"
#include "patron/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Contacts (customers file: phone, email, wechat_id, consent_*, timezone) ---- */

#define PATRON_NO_TZ INT32_MIN

typedef struct patron_contacts {
  size_t n;                                             /* dataset customers */
  const char **phone, **email, **wechat;                /* NULL when unknown or empty */
  int8_t *consent_sms, *consent_email, *consent_wechat; /* 1, 0, or -1 unknown */
  int32_t *tz_minutes;                                  /* offset from UTC, or PATRON_NO_TZ */
  void *priv;                                           /* the strings' storage */
} patron_contacts;

/* Reads the contacts of every dataset customer from the customers file of opts (columns
 * customer_id and any of phone, email, wechat_id, consent_sms, consent_email,
 * consent_wechat, timezone; others ignored), read as the dataset's loader reads it: the
 * same --map NAME=HEADER / customers.NAME=HEADER maps, delimiter, --no-header columns and
 * encoding. A consent other than 1, 0 or empty, or a time zone other than +HH:MM / -HH:MM /
 * empty, is PATRON_ERR_INPUT naming file and line. No customers file gives no contacts.
 * Free with patron_contacts_free. */
PATRON_API patron_status patron_contacts_load(const patron_load_options *opts,
                                              const patron_dataset *ds, patron_contacts *out,
                                              patron_error *err);
PATRON_API void patron_contacts_free(patron_contacts *c);

/* Can dataset customer c be reached on channel? sms needs a phone, email and edm an email,
 * wechat a wechat_id, each with its consent not 0; other channels need nothing. */
PATRON_API bool patron_contacts_reachable(const patron_contacts *c, uint32_t customer,
                                          const char *channel);

/* ---- Rules ---- */

typedef struct patron_trigger_rule {
  char *name, *where, *campaign, *channel;
  int priority;
  int cooldown_days;      /* 0: no cooldown */
  double holdout_percent; /* 0..100 */
  bool enabled;
  int recommend; /* "recommend": K (SPEC 18): K recommended values per action; 0: none */
} patron_trigger_rule;

typedef struct patron_trigger_cap {
  char *channel;
  int max, days;
} patron_trigger_cap;

typedef struct patron_trigger_rules {
  int32_t tz_minutes;         /* the rules' time zone ("timezone", default +00:00) */
  bool quiet;                 /* quiet_hours given */
  int quiet_start, quiet_end; /* minutes after midnight */
  patron_trigger_cap *caps;
  size_t n_caps;
  patron_trigger_rule *rules;
  size_t n_rules;
} patron_trigger_rules;

/* Parses a rules file's text (len bytes); `file` names it in errors. Syntax errors carry the
 * line and column; other errors name the member (e.g. `rules[2].channel: expected a text`).
 * Rule names: [A-Za-z_][A-Za-z0-9_]*, unique. Errors are PATRON_ERR_INPUT. Free with
 * patron_trigger_rules_free. */
PATRON_API patron_status patron_trigger_rules_parse(const char *text, size_t len, const char *file,
                                                    patron_trigger_rules **out, patron_error *err);
PATRON_API patron_status patron_trigger_rules_load(const char *path, patron_trigger_rules **out,
                                                   patron_error *err);
PATRON_API void patron_trigger_rules_free(patron_trigger_rules *r);

/* The example rules file of `patron trigger init` (the seeds' rules), NUL-terminated. */
PATRON_API const char *patron_trigger_rules_example(void);

/* ---- Conditions ---- */

/* Compiles every rule's `where` (enabled in the file) against env (its table, dataset,
 * as_of and outside functions; label and want_condition are set here) and evaluates it over
 * every row: matched[i] (malloc'ed; NULL for a rule disabled in the file) holds the ascending
 * rows where rule i is true, n_matched[i] their number. A bad expression is PATRON_ERR_INPUT
 * naming `file` and the rule (rules[i].where) with the caret message of SPEC section 6. Free
 * with patron_trigger_matches_free. */
PATRON_API patron_status patron_trigger_match(const patron_trigger_rules *r,
                                              const patron_expr_env *env, const char *file,
                                              uint32_t ***matched, size_t **n_matched,
                                              patron_error *err);
PATRON_API void patron_trigger_matches_free(uint32_t **matched, size_t *n_matched, size_t n_rules);

/* ---- A run ---- */

typedef enum patron_skip_reason {
  PATRON_SKIP_DISABLED,
  PATRON_SKIP_COOLDOWN,
  PATRON_SKIP_NO_CONTACT,
  PATRON_SKIP_CAP,
  PATRON_SKIP_REPLAY,
  PATRON_SKIP_COUNT
} patron_skip_reason;

PATRON_API const char *patron_skip_reason_name(patron_skip_reason r);

typedef struct patron_trigger_skip {
  size_t rule;
  uint32_t row;
  patron_skip_reason reason;
} patron_trigger_skip;

typedef struct patron_trigger_stats {
  size_t matched, treatment, holdout;
  size_t skipped[PATRON_SKIP_COUNT];
} patron_trigger_stats;

typedef struct patron_trigger_input {
  const patron_trigger_rules *rules;
  /* matched[i]: ascending table rows where rule i's condition is true (NULL for a rule that
   * is disabled in the file); n_matched[i] their number. */
  const uint32_t *const *matched;
  const size_t *n_matched;
  const patron_table *table;       /* the profile: customer_id column, rows in id order */
  const uint32_t *row_customer;    /* table row -> dataset customer (for contacts) */
  const patron_contacts *contacts; /* NULL: nobody has a contact */
  patron_store *store;             /* history, rule state; NULL: none */
  int64_t t;                       /* T: seconds since 1970-01-01 on the rules' wall clock */
} patron_trigger_input;

typedef struct patron_trigger_result {
  patron_action *actions; /* this run's new actions, in decision order (rule, customer) */
  size_t n_actions;
  patron_trigger_skip *skips;
  size_t n_skips;
  patron_trigger_stats *stats; /* one per rule, in file order */
  bool replay;                 /* T is not after the store's latest trigger run */
  /* Set by patron_trigger_recommend when a rule has "recommend": per action, the customer's
   * recommended values and their reasons joined by `|` (NULL for actions of other rules and
   * customers without recommendations). NULL arrays: no rule recommends. */
  char **items, **reasons;
} patron_trigger_result;

/* Decides the run (reads the store; writes nothing). The actions' strings point into the
 * rules and the table. Free with patron_trigger_result_free. */
PATRON_API patron_status patron_trigger_decide(const patron_trigger_input *in,
                                               patron_trigger_result *out, patron_error *err);
PATRON_API void patron_trigger_result_free(patron_trigger_result *r);

/* Does any rule enabled in the file have "recommend": K? */
PATRON_API bool patron_trigger_rules_recommend(const patron_trigger_rules *r);

/* The recommender behind the actions' items (SPEC 18): fitted on ds as of as_of_day with
 * patron recommend's defaults (ds loaded with keep_lines), before the actions are known: it
 * needs only ds and the day, so a caller may run it on another thread while the rules are
 * matched and decided (ds is only read). Its outcome is kept, not returned: a failed fit
 * matters only when an action needs items, and patron_trigger_recommend reports it then. */
typedef struct patron_trigger_fit {
  patron_recommender *model; /* NULL when no enabled rule recommends or the fit failed */
  patron_status status;      /* the fit's */
  patron_error error;        /* its error when status is not PATRON_OK */
} patron_trigger_fit;

/* Fits fit->model when an enabled rule recommends (else leaves it NULL and status OK). */
PATRON_API void patron_trigger_fit_run(patron_trigger_fit *fit, const patron_trigger_rules *rules,
                                       const patron_dataset *ds, int32_t as_of_day, int n_threads);
PATRON_API void patron_trigger_fit_free(patron_trigger_fit *fit);

/* Fills r->items and r->reasons (SPEC 18): for each action of a rule with "recommend": K,
 * the customer's first K values of patron_recommend_customers over fit's model, and their
 * reasons. Does nothing when no action's rule recommends. When the order lines have no item
 * values the items stay empty and *warning (if not NULL) is set to the fit's message (at most
 * 256 bytes); any other failed fit is this call's error. */
PATRON_API patron_status patron_trigger_recommend(patron_trigger_result *r,
                                                  const patron_trigger_rules *rules,
                                                  const patron_dataset *ds,
                                                  const patron_trigger_fit *fit, char warning[256],
                                                  patron_error *err);

/* Records the run and its actions in one transaction (detail_json may be NULL):
 * patron_trigger_log then patron_trigger_log_commit. */
PATRON_API patron_status patron_trigger_record(patron_store *store, int64_t t,
                                               const patron_trigger_result *r,
                                               const char *detail_json, patron_error *err);
/* The same in two steps, so that the action rows can be written (e.g. on another thread)
 * while the actions' items are computed and the files written (the log does not hold the
 * items; nothing may change r->actions meanwhile): patron_trigger_log opens the transaction
 * and writes the run without details and its actions (rolled back on failure);
 * patron_trigger_log_commit sets the details (unless NULL) and commits. */
PATRON_API patron_status patron_trigger_log(patron_store *store, int64_t t,
                                            const patron_trigger_result *r, int64_t *run_id,
                                            patron_error *err);
PATRON_API patron_status patron_trigger_log_commit(patron_store *store, int64_t run_id,
                                                   const char *detail_json, patron_error *err);

/* actions.csv (action_id,rule,campaign,channel,customer_id,arm,fired_at,send_at; times
 * YYYY-MM-DDTHH:MM on the rules' clock; then items,reasons when r->items is set) and skipped.csv
 * (rule,customer_id,reason) of a run (o: output options, NULL for defaults), written into file
 * sinks that are finished but not yet renamed: the caller closes them (patron_sink_close renames
 * into place) once the run is logged, or aborts them. */
PATRON_API patron_status patron_trigger_write(const patron_trigger_result *r,
                                              const patron_trigger_rules *rules,
                                              const patron_table *table, const char *actions_path,
                                              const char *skipped_path,
                                              const patron_output_options *o, patron_sink **actions,
                                              patron_sink **skipped, patron_error *err);

/* The latest T of a recorded trigger run (*found false when none). */
PATRON_API patron_status patron_store_last_trigger(patron_store *s, bool *found, int64_t *t,
                                                   patron_error *err);

/* T as "YYYY-MM-DDTHH:MM" into buf[17]. */
PATRON_API void patron_format_minute(int64_t t, char buf[17]);

#endif
