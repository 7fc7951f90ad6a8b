# patron trigger run (SPEC section 11) on a hand-worked fixture: priority order, cooldown,
# contact and consent, the sms cap, quiet hours in the member's zone, idempotent ids (an
# independent FNV-1a in Python), replays adding nothing, --dry-run changing nothing.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || exit 77
cd "$WORK" || exit 1
cat > customers.csv <<'CSV'
customer_id,phone,email,consent_sms,consent_email,timezone
A,13800000001,a@example.com,1,1,+08:00
B,13800000002,,1,,-05:00
C,,c@example.com,,0,
D,13800000004,d@example.com,0,1,
CSV
cat > orders.csv <<'CSV'
customer_id,order_id,order_time,amount
A,1,2024-03-01,150
B,2,2024-01-01,200
C,3,2024-01-15,50
D,4,2024-03-05,120
CSV
cat > rules.json <<'JSON'
{ "timezone": "+08:00", "quiet_hours": { "start": "21:00", "end": "09:00" },
  "caps": { "sms": { "max": 1, "days": 7 } },
  "rules": [
    { "name": "lapsed_sms", "where": "recency_days > 30", "campaign": "come_back",
      "channel": "sms", "priority": 1 },
    { "name": "vip", "where": "monetary >= 100", "campaign": "vip_offer", "channel": "sms",
      "priority": 10, "cooldown_days": 7 },
    { "name": "lapsed", "where": "recency_days > 30", "campaign": "come_back",
      "channel": "email", "priority": 5 } ] }
JSON
in=(--orders orders.csv --customers customers.csv --rules rules.json --db store.db)
ids() { python3 - "$@" <<'PY'
import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) % 2**64
    return "%016x" % h
for a in sys.argv[1:]:
    rule, cust, day = a.split(",")
    print(fnv(rule + "\x1f" + cust + "\x1f" + day))
PY
}
count() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" store.db "$1"; }
expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of 2024-03-10T22:00 --out t1
# vip first (priority 10): A fires, sent at 09:00 (22:00 is quiet at +08:00); B fires at once
# (22:00 at +08:00 is 09:00 at -05:00, the end of quiet hours); D refused sms. lapsed (5):
# B has no email, C refused email. lapsed_sms (1): B is at the sms cap, C has no phone.
read -r ida idb <<<"$(ids vip,A,2024-03-10 vip,B,2024-03-10 | tr '\n' ' ')"
cat > want_actions.csv <<CSV
action_id,rule,campaign,channel,customer_id,arm,fired_at,send_at
$ida,vip,vip_offer,sms,A,treatment,2024-03-10T22:00,2024-03-11T09:00
$idb,vip,vip_offer,sms,B,treatment,2024-03-10T22:00,2024-03-10T22:00
CSV
expect_same t1/actions.csv want_actions.csv
cat > want_skipped.csv <<'CSV'
rule,customer_id,reason
vip,D,no_contact
lapsed,B,no_contact
lapsed,C,no_contact
lapsed_sms,B,cap
lapsed_sms,C,no_contact
CSV
expect_same t1/skipped.csv want_skipped.csv
expect_contains "$WORK/out" "Wrote t1/actions.csv (2 new actions)"
[ "$(count 'select count(*) from actions')" = 2 ] || fail "two actions logged"
# --map renames the contact columns as it renames the others (SPEC 1): the same decisions
# from a tab-separated members file with other headers (and ids under "member")
sed -e 's/,/\t/g' -e '1s/.*/member\tmobile\tmail\tSMS_OK\tmail_ok\ttz/' customers.csv > members.tsv
expect_exit 0 -- "$PATRON" trigger run --orders orders.csv --customers members.tsv \
  --map customers.customer_id=member --map phone=mobile --map email=mail --map consent_sms=sms_ok \
  --map customers.consent_email=mail_ok --map timezone=tz --rules rules.json --db mapped.db \
  --as-of 2024-03-10T22:00 --out tm
expect_same tm/actions.csv want_actions.csv
expect_same tm/skipped.csv want_skipped.csv
expect_exit 1 -- "$PATRON" trigger run --orders orders.csv --customers members.tsv \
  --map customers.customer_id=member --map phone=cell --rules rules.json --db mapped.db \
  --as-of 2024-03-10T22:00 --out tm2
expect_contains "$WORK/err" "has no column 'cell'"
# the same T again, and an earlier one: replays add nothing
expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of 2024-03-10T22:00 --out t2
expect_contains "$WORK/out" "a replay adds nothing"
[ "$(wc -l <t2/actions.csv)" = 1 ] || fail "a replay wrote actions"
expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of 2024-03-09T10:00 --out t3
[ "$(wc -l <t3/actions.csv)" = 1 ] || fail "an earlier T wrote actions"
[ "$(count 'select count(*) from actions')" = 2 ] || fail "replays logged actions"
# a dry run a day later: cooldown and cap, nothing recorded
runs=$(count 'select count(*) from runs')
expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of 2024-03-11T12:00 --out t4 --dry-run
expect_contains t4/skipped.csv "vip,A,cooldown"
expect_contains t4/skipped.csv "lapsed_sms,B,cap"
[ "$(count 'select count(*) from runs')" = "$runs" ] || fail "a dry run was recorded"
# eight days later both cooldown and cap window are over
expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of 2024-03-18T12:00 --out t5
[ "$(wc -l <t5/actions.csv)" = 3 ] || fail "vip should fire again for A and B: $(cat t5/actions.csv)"
# errors
printf '{"rules": [{"name": "x", "where": "recency > 3", "campaign": "c", "channel": "sms"}]}' > bad.json
expect_exit 1 -- "$PATRON" trigger run --orders orders.csv --rules bad.json --db store.db --as-of 2024-03-20T10:00 --out t6
expect_contains "$WORK/err" "bad.json: rule 'x': rules[0].where: unknown column 'recency'"
printf '{"rules": [\n  {"name": "x",, }]}' > syntax.json
expect_exit 1 -- "$PATRON" trigger run --orders orders.csv --rules syntax.json --db store.db --as-of 2024-03-20T10:00 --out t6
expect_contains "$WORK/err" "syntax.json:2:"
expect_exit 2 -- "$PATRON" trigger run --orders orders.csv --rules rules.json --as-of 2024-03-20T10:00 --out t6
expect_contains "$WORK/err" "--db STORE is required"
expect_exit 2 -- "$PATRON" trigger run --orders orders.csv --rules rules.json --db store.db --as-of 2024-03-20X --out t6
expect_contains "$WORK/err" "--as-of expects YYYY-MM-DDTHH:MM"
# previous() and moved() read the store's latest snapshot before T. At 2024-02-01: A and D
# prospects (first orders later), B active (tenure 31, recency 31), C new (tenure 17). At
# 2024-03-10: A and D new, B active, C active: C moved down (new ranks first), A and D moved
# from prospect (outside the order: 'changed'), B stayed.
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv --as-of 2024-02-01 --db hist.db --out a1 --quiet --no-clv
cat > hist.json <<'JSON'
{ "rules": [
    { "name": "down", "where": "moved(lifecycle) = 'down'", "campaign": "c", "channel": "app",
      "priority": 2 },
    { "name": "was_prospect", "where": "previous(lifecycle) = 'prospect'", "campaign": "c",
      "channel": "app", "priority": 1 },
    { "name": "stayed", "where": "moved(lifecycle) = 'same' and previous(monetary) = 200",
      "campaign": "c", "channel": "app" } ] }
JSON
expect_exit 0 -- "$PATRON" trigger run --orders orders.csv --customers customers.csv --rules hist.json --db hist.db --as-of 2024-03-10T12:00 --out h1
got=$(cut -d, -f2,5 h1/actions.csv | tail -n +2 | tr '\n' ' ')
[ "$got" = "down,C was_prospect,A was_prospect,D stayed,B " ] || fail "previous/moved actions: $got"
expect_exit 0 -- "$PATRON" trigger init --out example.json
# the browse rule needs item_id in orders and events: without them, a clear refusal
expect_exit 1 -- "$PATRON" trigger run --orders orders.csv --customers customers.csv --rules example.json --db store.db --as-of 2024-03-25T10:00 --out t7 --dry-run
expect_contains "$WORK/err" "rule 'browse_no_buy': rules[0].where: items_viewed_unbought() needs item_id in the orders and the events"
expect_contains "$WORK/err" "set \"enabled\": false on rule 'browse_no_buy'"
# the seeds' browse rule, items_viewed_unbought(7, 5) >= 1 (SPEC 6), on a fixture: in the week
# before T, A viewed I1 five times without buying it (fires); B viewed I2 five times and bought
# it; C viewed I3 four times; D viewed I4 five times, one of them before the week.
cat > items_orders.csv <<'CSV'
customer_id,order_id,order_time,amount,item_id
A,1,2024-03-01,150,I9
B,2,2024-03-22,200,I2
C,3,2024-01-15,50,I9
D,4,2024-03-05,120,I9
CSV
{ echo customer_id,event_time,event_type,item_id
  for d in 19 20 21 22 23; do echo "A,2024-03-${d}T12:00,view,I1"; echo "B,2024-03-${d}T12:00,view,I2"; done
  for d in 19 20 21 22; do echo "C,2024-03-${d}T12:00,view,I3"; done
  for d in 17 20 21 22 23; do echo "D,2024-03-${d}T12:00,view,I4"; done
} > items_events.csv
expect_exit 0 -- "$PATRON" trigger run --orders items_orders.csv --customers customers.csv --events items_events.csv --rules example.json --db browse.db --as-of 2024-03-25T10:00 --out t8
got=$(cat t8/actions.csv t8/skipped.csv | grep -c browse_no_buy)
[ "$got" = 1 ] || fail "browse_no_buy should match A only: $(grep browse_no_buy t8/*.csv)"
grep -q '^[0-9a-f]*,browse_no_buy,browse_coupon,sms,A,' t8/actions.csv || fail "browse_no_buy for A: $(cat t8/actions.csv)"
finish
