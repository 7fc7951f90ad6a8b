# The store on a read-only file and in a read-only directory (SPEC section 10, docs/STORE.md):
# a writer fails with a clear message and exit 1 before any work (no output files, the store
# unchanged); readers still read. Runs patron as an unprivileged user (root writes anything):
# as `nobody` through setpriv when the test runs as root.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/python3 >/dev/null || exit 77
as_user=()
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || { echo "SKIP: root without setpriv"; exit 77; }
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chown -R 65534:65534 "$WORK"
  chmod 755 "$WORK"
fi
cd "$TEST_DATA/small" || exit 1
run() { expect_exit "$1" -- "${as_user[@]}" "$PATRON" "${@:2}"; }
mkdir "$WORK/st" && [ -z "${as_user[*]}" ] || chown 65534:65534 "$WORK/st"
db="$WORK/st/s.db"
run 0 analyze --orders orders.csv --customers customers.csv --out "$WORK/a" --db "$db" --quiet
as_of=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['as_of'])" "$WORK/a/summary.json")
cp "$db" "$WORK/before.db"
# a read-only file
chmod 444 "$db"
run 1 analyze --orders orders.csv --out "$WORK/b" --db "$db" --quiet --as-of 2023-06-01
expect_contains "$WORK/err" "s.db: the store is read-only"
[ ! -e "$WORK/b/profiles.csv" ] || fail "a run on a read-only store wrote its files"
run 0 snapshots --db "$db" --as-of "$as_of" --out "$WORK/back.csv"
expect_same "$WORK/back.csv" "$WORK/a/profiles.csv"
# a read-only directory (the store file itself writable), without -wal and -shm files
chmod 644 "$db"
rm -f "$db-wal" "$db-shm"
chmod 555 "$WORK/st"
run 1 analyze --orders orders.csv --out "$WORK/c" --db "$db" --quiet --as-of 2023-06-01
expect_contains "$WORK/err" "s.db: the store's directory $WORK/st is read-only"
[ ! -e "$WORK/c/profiles.csv" ] || fail "a run in a read-only directory wrote its files"
run 1 analyze --orders orders.csv --out "$WORK/c" --db "$WORK/st/new.db" --quiet
expect_contains "$WORK/err" "new.db: the store's directory"
[ ! -e "$WORK/st/new.db" ] || fail "a store was created in a read-only directory"
run 0 snapshots --db "$db"
expect_contains "$WORK/out" "$as_of"
run 0 snapshots --db "$db" --as-of "$as_of" --out "$WORK/back2.csv"
expect_same "$WORK/back2.csv" "$WORK/a/profiles.csv"
chmod 755 "$WORK/st"
cmp -s "$db" "$WORK/before.db" || fail "the store changed"
finish
