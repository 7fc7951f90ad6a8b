/* The SPEC section 3 segmentations of a profile (scores, rfm_class, segment, value
 * quadrant, abc_class, lifecycle) and patron_profile_build, which is the base profile of
 * core plus these: the models stay above core (core never calls a model). */
#include "core/core_int.h"
#include "models/segment/segment_int.h"
#include "patron/profile.h"
#include "patron/rfm.h"

static patron_status check_options(const patron_profile_options *o, patron_error *err) {
  if (o->bins < 2 || o->bins > 9)
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--bins must be 2..9 (rfm_cell is three digits), got %d", o->bins);
  if (!(o->abc_a_pct > 0 && o->abc_b_pct >= 0 && o->abc_a_pct + o->abc_b_pct <= 100))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "--abc A,B needs A > 0, B >= 0 and A + B <= 100");
  if (!(0 <= o->new_days && o->active_days <= o->silent_days && o->silent_days <= o->dormant_days &&
        o->active_days >= 1))
    return patron__error_set(err, PATRON_ERR_USAGE, NULL, 0, 0,
                             "lifecycle windows must satisfy 1 <= active <= silent <= dormant");
  return PATRON_OK;
}

patron_status patron_profile_segment(patron_profile *p, const patron_profile_options *o,
                                     patron_error *err) {
  patron_table *t = patron_profile_table(p);
  patron_status st = check_options(o, err);
  if (st == PATRON_OK)
    st = patron__rfm_scores_on(t, o->bins, o->n_threads, err);
  if (st == PATRON_OK)
    st = patron_rfm_classes(t, o->median_threshold, err);
  if (st == PATRON_OK)
    st = patron_rfm_segments(t, o->bins, err);
  if (st == PATRON_OK)
    st = patron_value_quadrants(t, err);
  if (st == PATRON_OK)
    st = patron_abc_classes(t, o->abc_a_pct, o->abc_b_pct, err);
  if (st == PATRON_OK)
    st = patron_lifecycles(t, o->new_days, o->active_days, o->silent_days, o->dormant_days, err);
  return st;
}

patron_status patron_profile_build(const patron_dataset *ds, const patron_profile_options *opts,
                                   patron_profile **out, patron_error *err) {
  *out = NULL;
  patron_profile *p = NULL;
  patron_status st = check_options(opts, err);
  if (st == PATRON_OK)
    st = patron_profile_base(ds, opts->as_of_day, &p, err);
  if (st == PATRON_OK)
    st = patron_profile_segment(p, opts, err);
  if (st != PATRON_OK) {
    patron_profile_free(p);
    return st;
  }
  *out = p;
  return PATRON_OK;
}
