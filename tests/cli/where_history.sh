# previous(column) and moved(column) (SPEC 6, 10) wherever a --where selects customers:
# audience, portrait, lookalike --seed-where and experiment assign take --db STORE (read
# only) and select exactly the customers an independent reading of the two profiles gives
# (lifecycle worse than in the store's latest snapshot before the as-of, SPEC 10's order);
# without --db the message says what is missing.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
expect_exit 0 -- "$PATRON" gen --customers 800 --seed 3 --out w --quiet
IN=(--orders w/orders.csv --customers w/customers.csv --events w/events.csv)
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --as-of 2025-03-01 --db s.db --out a1 --quiet
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --as-of 2025-06-01 --out a2 --quiet
# the expected audience: lifecycle in a2 later in the order than in a1 (both present)
/usr/bin/python3 - a1/profiles.csv a2/profiles.csv > want.txt <<'PY'
import csv, sys
order = ["new", "active", "silent", "dormant", "churned"]
def life(path):
    with open(path, newline="") as f:
        return {r["customer_id"]: r["lifecycle"] for r in csv.DictReader(f)}
before, now = life(sys.argv[1]), life(sys.argv[2])
for c in sorted(now, key=lambda s: s.encode()):
    b, n = before.get(c), now[c]
    if b in order and n in order and order.index(n) > order.index(b):
        print(c)
PY
[ "$(wc -l < want.txt)" -gt 20 ] || fail "too few moves to test: $(wc -l < want.txt)"
W="moved(lifecycle) = 'down'"
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --as-of 2025-06-01 --db s.db --where "$W" \
  --columns level_warning --out au.csv
tail -n +2 au.csv | cut -d, -f1 > got.txt
expect_same got.txt want.txt
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --as-of 2025-06-01 --db s.db \
  --where "previous(lifecycle) = 'active' and lifecycle <> 'active'" --out au2.csv --quiet
/usr/bin/python3 - a1/profiles.csv a2/profiles.csv au2.csv <<'PY' || fail "previous() audience"
import csv, sys
rows = [{r["customer_id"]: r["lifecycle"] for r in csv.DictReader(open(p, newline=""))}
        for p in sys.argv[1:3]]
want = sorted((c for c, v in rows[1].items() if rows[0].get(c) == "active" and v != "active"),
              key=lambda s: s.encode())
got = [r["customer_id"] for r in csv.DictReader(open(sys.argv[3], newline=""))]
assert got == want, (len(got), len(want))
PY
n=$(wc -l < want.txt)
expect_exit 0 -- "$PATRON" portrait "${IN[@]}" --as-of 2025-06-01 --db s.db --where "$W" --out pt --quiet
expect_contains pt/stats.csv "$W,recency_days,$n,"
expect_exit 0 -- "$PATRON" experiment assign "${IN[@]}" --as-of 2025-06-01 --db s.db --where "$W" \
  --name e1 --arms a:50,b:50 --out ex.csv
tail -n +2 ex.csv | cut -d, -f1 > got_ex.txt
expect_same got_ex.txt want.txt
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" --as-of 2025-06-01 --db s.db --seed-where "$W" \
  --size 10 --out la.csv --quiet
tail -n +2 la.csv | cut -d, -f1 | sort > got_la.txt
[ -z "$(comm -12 got_la.txt <(sort want.txt))" ] || fail "a seed member in the lookalike audience"
# a store that does not exist yet: experiment assign creates it afterwards (previous() null)
expect_exit 0 -- "$PATRON" experiment assign "${IN[@]}" --db new.db --where "$W or true" \
  --name e2 --arms a:50,b:50 --out ex2.csv
[ "$(($(wc -l < ex2.csv) - 1))" = 800 ] || fail "experiment on a new store"
# audience reads a store; a missing one is an error, and no --db says what previous() needs
expect_exit 1 -- "$PATRON" audience "${IN[@]}" --db missing.db --where "$W" --out x.csv
expect_contains "$WORK/err" "missing.db: no such store"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "$W" --out x.csv
expect_contains "$WORK/err" "moved() reads the store's latest snapshot before the as-of: give --db STORE"
finish
