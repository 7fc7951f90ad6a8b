# Crash safety of trigger runs (SPEC section 11): kill -9 at random moments of `trigger run`
# never leaves a half-logged run, a duplicate action or an unreadable store, and a run's
# actions.csv exists only once its actions are logged. A bounded loop over days, then a clean
# run of every day again, which must add nothing (replays never send twice).
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] || exit 77
"$PATRON" gen --customers 20000 --seed 5 --out "$WORK/data" >/dev/null 2>&1 || { echo "gen failed"; exit 1; }
"$PATRON" trigger init --out "$WORK/rules.json" >/dev/null
db="$WORK/s.db"
in=(--orders "$WORK/data/orders.csv" --customers "$WORK/data/customers.csv"
    --events "$WORK/data/events.csv" --rules "$WORK/rules.json" --db "$db" --quiet)
check() {
  [ -e "$db" ] || return 0 # killed before the first run created the file
  /usr/bin/python3 - "$db" "$WORK" <<'PY' || fail "store check: see above"
import json, os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
if not c.execute("select 1 from sqlite_master where name = 'runs'").fetchone():
    sys.exit(0)  # killed before the schema's first commit: an empty store
for rid, as_of, detail in c.execute("select id, as_of, detail from runs where command = 'trigger'"):
    n = c.execute("select count(*) from actions where run_id = ?", (rid,)).fetchone()[0]
    want = json.loads(detail)["actions"]
    assert n == want, f"run {rid} ({as_of}) logged {n} actions, recorded {want}"
PY
}
days=(2025-11-01 2025-11-02 2025-11-03 2025-11-04 2025-11-05 2025-11-06)
for i in "${!days[@]}"; do
  "$PATRON" trigger run "${in[@]}" --as-of "${days[$i]}T10:00" --out "$WORK/t$i" &
  pid=$!
  sleep "0.$((RANDOM % 9))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check
  if [ -e "$WORK/t$i/actions.csv" ]; then
    n=$(($(wc -l <"$WORK/t$i/actions.csv") - 1))
    logged=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from actions where fired_at = strftime('%s', ?)\", (sys.argv[2],)).fetchone()[0])" "$db" "${days[$i]} 10:00")
    [ "$n" = "$logged" ] || fail "${days[$i]}: actions.csv has $n rows, the store $logged"
  fi
done
before=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from actions').fetchone()[0])" "$db")
for i in "${!days[@]}"; do # every day again: what a kill interrupted runs, nothing twice
  expect_exit 0 -- "$PATRON" trigger run "${in[@]}" --as-of "${days[$i]}T10:00" --out "$WORK/again$i"
done
check
/usr/bin/python3 - "$db" <<'PY' || fail "duplicate actions"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
dup = c.execute("select rule, customer_id, date(fired_at, 'unixepoch'), count(*) from actions group by 1, 2, 3 having count(*) > 1").fetchall()
assert not dup, dup[:5]
PY
echo "actions before the clean pass: $before"
finish
