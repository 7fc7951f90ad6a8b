# The store on a full disk (SPEC section 10, docs/STORE.md): a store on a small tmpfs holds one
# snapshot; the disk is then filled, and analyze --db (a second as-of) and trigger run fail
# with "the disk is full", exit 1, leaving the store as it was (the first snapshot reads back
# byte for byte, no run or action logged) and no trigger files. The tmpfs is mounted in a
# private user and mount namespace (unshare -rm); skipped where that is not allowed.
if [ -z "${PATRON_IN_NAMESPACE:-}" ]; then
  unshare -rm true 2>/dev/null || { echo "SKIP: cannot mount a tmpfs (unshare -rm)"; exit 77; }
  PATRON_IN_NAMESPACE=1 exec unshare -rm bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/python3 >/dev/null || exit 77
mkdir "$WORK/disk"
mount -t tmpfs -o size=4m tmpfs "$WORK/disk" || { echo "SKIP: tmpfs mount refused"; exit 77; }
trap 'umount "$WORK/disk" 2>/dev/null; rm -rf "$WORK"' EXIT
"$PATRON" gen --customers 3000 --seed 3 --out "$WORK/data" >/dev/null || fail "gen"
in=(--orders "$WORK/data/orders.csv" --customers "$WORK/data/customers.csv"
    --events "$WORK/data/events.csv")
db="$WORK/disk/s.db"
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --as-of 2025-11-01 --db "$db" --out "$WORK/a" --quiet
count() { /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$1"; }
runs=$(count 'select count(*) from runs')
# fill the disk, leaving room to open the store (its -shm file) but not for a snapshot
dd if=/dev/zero of="$WORK/disk/fill" bs=4096 2>/dev/null
rm -f "$WORK/disk/fill"
avail=$(df -k --output=avail "$WORK/disk" | tail -1)
dd if=/dev/zero of="$WORK/disk/fill" bs=1024 count=$((avail - 160)) 2>/dev/null
expect_exit 1 -- "$PATRON" analyze "${in[@]}" --as-of 2025-12-01 --db "$db" --out "$WORK/b" --quiet
expect_contains "$WORK/err" "s.db: the disk is full"
expect_contains "$WORK/err" "the store is left as it was"
"$PATRON" trigger init --out "$WORK/rules.json" >/dev/null
expect_exit 1 -- "$PATRON" trigger run "${in[@]}" --rules "$WORK/rules.json" --db "$db" \
  --as-of 2025-12-01T10:00 --out "$WORK/t"
expect_contains "$WORK/err" "s.db: the disk is full"
[ ! -e "$WORK/t/actions.csv" ] || fail "a failed trigger run left actions.csv"
# the store is as it was (read with room for the readers' -shm file)
rm -f "$WORK/disk/fill"
[ "$(count 'select count(*) from snapshots')" = 1 ] || fail "snapshots: $(count 'select group_concat(as_of) from snapshots')"
[ "$(count 'select count(*) from runs')" = "$runs" ] || fail "a failed run was logged"
[ "$(count 'select count(*) from actions')" = 0 ] || fail "actions of a failed run were logged"
expect_exit 0 -- "$PATRON" snapshots --db "$db" --as-of 2025-11-01 --out "$WORK/back.csv"
expect_same "$WORK/back.csv" "$WORK/a/profiles.csv"
# with room again, the same run succeeds
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --as-of 2025-12-01 --db "$db" --out "$WORK/b" --quiet
[ "$(count 'select count(*) from snapshots')" = 2 ] || fail "the second snapshot after freeing space"
finish
