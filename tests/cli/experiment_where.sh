# patron experiment assign INPUTS --where EXPR (SPEC section 12): on a hand-worked fixture the
# customers the expression selects (by hand: frequency >= 2 and monetary > 100 is B and D),
# each arm and bucket from an independent GrowthBook hash in Python; on generated data the
# same file as assigning the ids `patron audience --where` writes; --map and --config; the
# store; usage errors.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
cat > orders.csv <<'CSV'
cid,oid,when,amount
A,1,2025-01-05,50
A,2,2025-02-05,40
B,3,2025-01-10,80
B,4,2025-03-10,90
C,5,2025-02-01,500
D,6,2025-01-01,60
D,7,2025-01-02,30
D,8,2025-03-01,20
E,9,2025-03-03,-10
E,10,2025-03-04,200
CSV
MAP=(--map customer_id=cid --map order_id=oid --map order_time=when)
expect_exit 0 -- "$PATRON" experiment assign --orders orders.csv "${MAP[@]}" \
  --where "frequency >= 2 and monetary > 100" --name promo --salt s1 --arms control:20,x:80 \
  --out where.csv
expect_contains "$WORK/out" "Experiment promo (salt 's1'): 2 customers assigned"
/usr/bin/python3 - where.csv <<'PY' || fail "assign --where differs from the hand-worked selection"
import csv, sys
def fnv(s):
    h, b = 2166136261, s.encode("utf-16-le")
    for i in range(0, len(b), 2):
        h = ((h ^ (b[i] | b[i + 1] << 8)) * 16777619) & 0xFFFFFFFF
    return h
got = list(csv.DictReader(open(sys.argv[1])))
assert [g["customer_id"] for g in got] == ["B", "D"], got
for g in got:
    n = fnv(str(fnv("s1" + g["customer_id"]))) % 10000
    assert int(g["bucket"]) == n and g["arm"] == ("control" if n < 2000 else "x"), (g, n)
PY
# the same through --config (SPEC 16)
cat > run.conf <<'CONF'
orders = orders.csv
map = customer_id=cid
map = order_id=oid
map = order_time=when
CONF
expect_exit 0 -- "$PATRON" experiment assign --config run.conf \
  --where "frequency >= 2 and monetary > 100" --name promo --salt s1 --arms control:20,x:80 \
  --out conf.csv
expect_same conf.csv where.csv

# generated data: equal to assigning the audience's ids; recorded in the store
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 11 --out d --quiet
IN=(--orders d/orders.csv --customers d/customers.csv --events d/events.csv)
WHERE="lifecycle in ('active', 'silent') and monetary > 200 and events('view', 30) >= 1"
expect_exit 0 -- "$PATRON" experiment assign "${IN[@]}" --where "$WHERE" --name spring \
  --arms control:50,a:25,b:25 --db store.db --out gw.csv
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --quiet --out aud.csv
expect_exit 0 -- "$PATRON" experiment assign --ids aud.csv --name spring \
  --arms control:50,a:25,b:25 --out gi.csv
expect_same gw.csv gi.csv
# --quiet: the same file, nothing on stdout
expect_exit 0 -- "$PATRON" experiment assign --ids aud.csv --name spring \
  --arms control:50,a:25,b:25 --quiet --out gq.csv
expect_same gi.csv gq.csv
[ ! -s "$WORK/out" ] || fail "experiment assign --quiet printed: $(head -2 "$WORK/out")"
[ "$(wc -l < gw.csv)" -gt 50 ] || fail "too few customers selected: $(wc -l < gw.csv)"
expect_exit 0 -- "$PATRON" experiment evaluate --db store.db --name spring --orders d/orders.csv \
  --start 2025-12-01 --quiet --out ev
expect_contains ev/results.csv "spring,conversion,a,"
# evaluate loads only the evaluated days, yet still knows where the data ends: a window after
# the latest order is partial, and says which day that is
last=$(cut -d, -f3 d/orders.csv | tail -n +2 | cut -c1-10 | sort | tail -1)
expect_exit 0 -- "$PATRON" experiment evaluate --db store.db --name spring --orders d/orders.csv \
  --start 2099-01-01 --quiet --out late
expect_contains "$WORK/err" "the window ends after the latest order ($last)"

# errors: both or neither form, inputs with --ids, a bad expression (caret, exit 2)
expect_exit 2 -- "$PATRON" experiment assign --name p --out x.csv
expect_contains "$WORK/err" "either --ids FILE or INPUTS --where EXPR"
expect_exit 2 -- "$PATRON" experiment assign --ids aud.csv --orders d/orders.csv --name p --out x.csv
expect_exit 2 -- "$PATRON" experiment assign --where "monetary > 1" --name p --out x.csv
expect_contains "$WORK/err" "--orders"
expect_exit 2 -- "$PATRON" experiment assign "${IN[@]}" --where "recency > 3" --name p --out x.csv
expect_contains "$WORK/err" "--where: unknown column 'recency' (did you mean recency_days?)"
finish
