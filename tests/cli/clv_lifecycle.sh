# analyze's default CLV model gives a P(alive) that falls with lifecycle on real data
# (issue 8, section 2 item 6): mean p_alive of active > silent > dormant > churned on CDNOW
# and Online Retail, and no churned customer at P(alive) = 1 (the default BG/NBD gave 1.0 to
# 11,988 of CDNOW's 15,170 churned customers). Skipped when ../shared/data is absent.
. "$(dirname "$0")/lib.sh"
D="${SHARED_DATA:-}"
[ -r "$D/cdnow/CDNOW_master.txt" ] && [ -r "$D/online_retail/online_retail.csv" ] ||
  { echo "SKIP: $D (cdnow, online_retail) absent"; exit 77; }
check() { # NAME PROFILES
  python3 - "$1" "$2" <<'PY' || fail "$1: p_alive does not fall with lifecycle"
import csv, sys, collections
s = collections.defaultdict(list)
for r in csv.DictReader(open(sys.argv[2])):
    if r["p_alive"]:
        s[r["lifecycle"]].append(float(r["p_alive"]))
m = {k: sum(v) / len(v) for k, v in s.items()}
print(sys.argv[1], {k: round(v, 4) for k, v in sorted(m.items())})
assert m["active"] > m["silent"] > m["dormant"] > m["churned"], m
assert not any(p >= 0.9999 for p in s["churned"]), "churned customers at P(alive) = 1"
PY
}
expect_exit 0 -- "$PATRON" analyze --orders "$D/cdnow/CDNOW_master.txt" --delimiter whitespace \
  --no-header --date-format %Y%m%d --columns customer_id,order_time,quantity,amount \
  --order-per-row --k 2 --quiet --out "$WORK/cd"
check cdnow "$WORK/cd/profiles.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$D/online_retail/online_retail.csv" \
  --map customer_id=CustomerID --map order_id=InvoiceNo --map order_time=InvoiceDate \
  --map quantity=Quantity --map unit_price=UnitPrice --k 2 --quiet --out "$WORK/or"
check online_retail "$WORK/or/profiles.csv"
expect_contains "$WORK/or/summary.json" '"model": "mbgnbd"'
finish
