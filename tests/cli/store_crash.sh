# Crash safety (SPEC section 10): kill -9 at random points of `analyze --db` never leaves a
# half snapshot or an unreadable store. A bounded loop: each round kills one run at a random
# moment, then checks that every listed snapshot reads back whole (its row count is the
# customers count recorded with it) and that the store still takes a new run.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/python3 >/dev/null || exit 77
"$PATRON" gen --customers 20000 --seed 3 --out "$WORK/data" >/dev/null 2>&1 || { echo "gen failed"; exit 1; }
db="$WORK/s.db"
in=(--orders "$WORK/data/orders.csv" --customers "$WORK/data/customers.csv" --quiet --no-clv)
check_store() {
  [ -e "$db" ] || return 0 # killed before the first run created the file
  "$PATRON" snapshots --db "$db" >"$WORK/list" 2>"$WORK/err" || { fail "store unreadable after kill: $(cat "$WORK/err")"; return; }
  while read -r as_of customers _; do
    case $as_of in 20*) ;; *) continue ;; esac
    "$PATRON" snapshots --db "$db" --as-of "$as_of" --out "$WORK/back.csv" 2>"$WORK/err" ||
      { fail "snapshot $as_of unreadable: $(cat "$WORK/err")"; continue; }
    rows=$(($(wc -l <"$WORK/back.csv") - 1))
    [ "$rows" = "$customers" ] || fail "snapshot $as_of has $rows rows, $customers recorded"
  done <"$WORK/list"
}
days=(2023-01-01 2023-02-01 2023-03-01 2023-04-01)
for round in $(seq 1 8); do
  day=${days[$((round % 4))]}
  "$PATRON" analyze "${in[@]}" --as-of "$day" --out "$WORK/o$round" --db "$db" &
  pid=$!
  sleep "0.$((RANDOM % 9))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check_store
done
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --as-of 2023-05-01 --out "$WORK/last" --db "$db"
check_store
expect_exit 0 -- "$PATRON" snapshots --db "$db" --as-of 2023-05-01 --out "$WORK/back.csv"
expect_same "$WORK/back.csv" "$WORK/last/profiles.csv"
finish
