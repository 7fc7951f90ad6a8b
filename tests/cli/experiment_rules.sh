# patron experiment evaluate --rules: trigger rules as experiments over the store's action
# log. Actions of two rules are logged in a store (written with Python's sqlite3 in the
# store's documented actions table, docs/STORE.md), with planted purchases: browse_no_buy's
# treatment customers buy more than its holdout (effective), winback's holdout buys more
# (harmful). Checks the printed verdicts, rule_verdicts.csv, --apply disabling winback only
# (rule_state in the store), and that each rule's rows equal `experiment evaluate
# --assignments` on the same customers (actions fired at 00:00, so the windows coincide).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import sqlite3" 2>/dev/null || { echo "SKIP: $PY with sqlite3 is not available"; exit 77; }
expect_exit 0 -- "$PATRON" gen --customers 2000 --seed 11 --out "$WORK/w"
store="$WORK/store.db"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/w/orders.csv" --as-of 2025-10-01 --db "$store" \
  --out "$WORK/a" --quiet
$PY - "$WORK" "$store" <<'PYEOF' || fail "cannot set up the action log"
import csv, sqlite3, sys, calendar
work, db = sys.argv[1:3]
ids = [r["customer_id"] for r in csv.DictReader(open(work + "/w/customers.csv"))][:1200]
fired = calendar.timegm((2025, 10, 1, 0, 0, 0))
con = sqlite3.connect(db)
rows, extra = [], []
for i, cid in enumerate(ids):
    rule = "browse_no_buy" if i < 600 else "winback"
    arm = "treatment" if i % 2 else "holdout"
    rows.append(("%016x" % i, rule, "c", "app", cid, arm, fired, fired))
    buys = (rule == "browse_no_buy") == (arm == "treatment")
    if buys and i % 5 < 3:
        extra.append("%s,PLANT%d,2025-10-%02d 12:00:00,45.00" % (cid, i, 2 + i % 25))
con.executemany("INSERT INTO actions (action_id, rule, campaign, channel, customer_id, arm,"
                " fired_at, send_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
con.commit()
with open(work + "/w/orders.csv") as f, open(work + "/orders2.csv", "w") as g:
    header = f.readline()
    g.write(header)
    g.writelines(f)
    pad = "," * (header.count(","))
    g.writelines(e + pad[3:] + "\n" for e in extra)
with open(work + "/assign_browse.csv", "w") as f:
    f.write("customer_id,arm\n")
    f.writelines("%s,%s\n" % (r[4], r[5]) for r in rows if r[1] == "browse_no_buy")
PYEOF
cat > "$WORK/rules.json" <<'JSON'
{"rules": [
 {"name": "browse_no_buy", "where": "frequency >= 0", "campaign": "c", "channel": "app", "holdout_percent": 50},
 {"name": "winback", "where": "frequency >= 0", "campaign": "c", "channel": "app", "holdout_percent": 50},
 {"name": "birthday", "where": "frequency >= 0", "campaign": "c", "channel": "app", "holdout_percent": 10}]}
JSON
expect_exit 0 -- "$PATRON" experiment evaluate --rules "$WORK/rules.json" --db "$store" \
  --orders "$WORK/orders2.csv" --as-of 2025-12-01 --out "$WORK/r"
grep -Eq '^browse_no_buy: \+[0-9.]+ pp conversion \[[0-9.]+, [0-9.]+\], effective$' "$WORK/out" ||
  fail "browse_no_buy is not effective: $(cat "$WORK/out")"
grep -Eq '^winback: -[0-9.]+ pp conversion .*, harmful \(--apply disables it\)$' "$WORK/out" ||
  fail "winback is not harmful: $(cat "$WORK/out")"
expect_contains "$WORK/out" "birthday: not enough customers yet"
expect_contains "$WORK/r/rule_verdicts.csv" "winback,600,300,300,"
expect_contains "$WORK/r/rule_verdicts.csv" ",harmful,disable (use --apply)"
# the same customers evaluated as an ordinary experiment give the same rows
expect_exit 0 -- "$PATRON" experiment evaluate --assignments "$WORK/assign_browse.csv" \
  --arms holdout:50,treatment:50 --name browse_no_buy --orders "$WORK/orders2.csv" \
  --as-of 2025-12-01 --start 2025-10-01 --out "$WORK/plain" --quiet
grep '^browse_no_buy,' "$WORK/r/results.csv" > "$WORK/rule_rows.csv"
tail -n +2 "$WORK/plain/results.csv" > "$WORK/plain_rows.csv"
expect_same "$WORK/rule_rows.csv" "$WORK/plain_rows.csv"
# --apply: winback disabled in the store, browse_no_buy not
expect_exit 0 -- "$PATRON" experiment evaluate --rules "$WORK/rules.json" --db "$store" \
  --orders "$WORK/orders2.csv" --as-of 2025-12-01 --out "$WORK/r2" --apply
expect_contains "$WORK/out" "winback"
expect_contains "$WORK/out" "-> disabled"
expect_contains "$WORK/out" "1 rule disabled"
$PY - "$store" <<'PYEOF' || fail "rule_state does not show winback disabled"
import sqlite3, sys
state = dict(sqlite3.connect(sys.argv[1]).execute("SELECT rule, enabled FROM rule_state"))
assert state.get("winback") == 0 and state.get("browse_no_buy", 1) == 1, state
PYEOF
expect_exit 2 -- "$PATRON" experiment evaluate --rules "$WORK/rules.json" --orders "$WORK/orders2.csv" --out "$WORK/x"
finish
