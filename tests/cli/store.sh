# The store (SPEC section 10): analyze --db records a snapshot that reads back as the same
# profiles.csv, re-running an as-of replaces it, patron snapshots lists them, and bad stores
# (not SQLite, corrupt, foreign, newer, locked, missing) fail with a clear message, exit 1.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || command -v /usr/bin/python3 >/dev/null || exit 77
cd "$TEST_DATA/small" || exit 1
db="$WORK/s.db"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv --out "$WORK/a" --db "$db" --quiet
as_of=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['as_of'])" "$WORK/a/summary.json")
expect_exit 0 -- "$PATRON" snapshots --db "$db" --as-of "$as_of" --out "$WORK/back.csv"
expect_same "$WORK/back.csv" "$WORK/a/profiles.csv"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv --out "$WORK/b" --db "$db" --quiet
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out "$WORK/c" --db "$db" --quiet --as-of 2023-06-01
expect_exit 0 -- "$PATRON" snapshots --db "$db"
[ "$(grep -c '^20' "$WORK/out")" = 2 ] || fail "two snapshots expected: $(cat "$WORK/out")"
expect_contains "$WORK/out" "$as_of"
# the listed figures are those of summary.json
/usr/bin/python3 - "$WORK/out" "$WORK/a/summary.json" "$as_of" <<'PY' || fail "snapshots line differs from summary.json"
import json, sys
s = json.load(open(sys.argv[2]))
line = [l.split() for l in open(sys.argv[1]) if l.startswith(sys.argv[3])][0]
assert int(line[1]) == s["customers"] and int(line[2]) == s["purchasers"], line
assert abs(float(line[3]) - s["revenue"]) < 0.005, line
PY
expect_exit 1 -- "$PATRON" snapshots --db "$db" --as-of 2001-01-01 --out "$WORK/x.csv"
expect_contains "$WORK/err" "no snapshot as of 2001-01-01"
expect_exit 2 -- "$PATRON" snapshots
expect_contains "$WORK/err" "--db FILE is required"

# bad stores
expect_exit 1 -- "$PATRON" snapshots --db "$WORK/missing.db"
expect_contains "$WORK/err" "missing.db: no such store"
cp orders.csv "$WORK/text.db"
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out "$WORK/d" --db "$WORK/text.db" --quiet
expect_contains "$WORK/err" "text.db: not a SQLite database"
cmp -s orders.csv "$WORK/text.db" || fail "a file that is not a store was changed"
/usr/bin/python3 - "$WORK/foreign.db" "$WORK/newer.db" "$db" "$WORK/corrupt.db" <<'PY'
import shutil, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("create table t (x)"); c.commit(); c.close()
shutil.copy(sys.argv[3], sys.argv[2])
c = sqlite3.connect(sys.argv[2]); c.execute("pragma user_version = 7"); c.commit(); c.close()
data = bytearray(open(sys.argv[3], "rb").read())
for i in range(100, len(data), 97):
    data[i] ^= 0x5a
open(sys.argv[4], "wb").write(data)
PY
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out "$WORK/d" --db "$WORK/foreign.db" --quiet
expect_contains "$WORK/err" "foreign.db: a SQLite database, but not a Patron store"
expect_exit 1 -- "$PATRON" snapshots --db "$WORK/newer.db"
expect_contains "$WORK/err" "newer.db: the store has schema version 7, newer than this patron"
"$PATRON" snapshots --db "$WORK/corrupt.db" --as-of "$as_of" --out "$WORK/x.csv" >"$WORK/out" 2>"$WORK/err"
rc=$?
[ "$rc" = 1 ] || fail "a corrupt store: exit $rc (wanted 1)"
grep -qE "corrupt|not a SQLite database" "$WORK/err" || fail "corrupt store message: $(cat "$WORK/err")"
# locked: another process holds a write transaction
/usr/bin/python3 - "$db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("begin immediate"); open(sys.argv[1] + ".held", "w").close(); time.sleep(3)
c.execute("rollback")
PY
holder=$!
for _ in $(seq 50); do [ -e "$db.held" ] && break; sleep 0.1; done
PATRON_BUSY_TIMEOUT_MS=100 expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out "$WORK/e" --db "$db" --quiet
expect_contains "$WORK/err" "s.db: the store is locked by another run"
expect_exit 0 -- "$PATRON" snapshots --db "$db" # readers are not blocked
wait $holder
finish
