/* Output writers shared by the churn and propensity commands (cmd_churn_io.c). */
#ifndef PATRON_CLI_CMD_CHURN_INT_H
#define PATRON_CLI_CMD_CHURN_INT_H

#include "cli.h"

/* DIR/model.json, schema.json, metrics.json, importance.csv, gains.csv. */
patron_status cli_churn_write_model(const char *dir, const patron_churn_model *m,
                                    const patron_churn_report *r, const patron_churn_trainset *ts,
                                    const patron_churn_options *o, patron_error *err);
/* customer_id, score, decile. */
patron_status cli_churn_write_scores(const char *path, const patron_dataset *ds,
                                     const patron_churn_model *m, const patron_churn_scores *s,
                                     patron_error *err);
/* customer_id, cutoff, set (train/valid), label, then every schema column (empty = missing). */
patron_status cli_churn_dump_features(const char *path, const patron_dataset *ds,
                                      const patron_churn_trainset *ts, patron_error *err);

#endif
