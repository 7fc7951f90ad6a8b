# Trigger rules with "recommend": K (SPEC 18): a hand-worked basket fixture (D bought X, which
# three baskets pair with Y: Y first, bought_with:X), the items and reasons of every action of a
# recommending rule equal to the first K rows of `patron recommend`'s recommendations.csv on
# generated data (pandas), the example rules of `trigger init` carrying items, SPEC's
# actions.csv header when no rule recommends, a bad "recommend" value, and data without items.
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "pandas missing: skipped"; exit 77; }
cd "$WORK" || exit 1
cat > orders.csv <<'CSV'
customer_id,order_id,order_time,amount,item_id
A,1,2025-12-01,10,X
A,1,2025-12-01,10,Y
B,2,2025-12-02,10,X
B,2,2025-12-02,10,Y
C,3,2025-12-03,10,X
C,3,2025-12-03,10,Y
C,4,2025-12-04,10,Z
D,5,2025-06-01,10,X
E,6,2025-06-01,10,Z
CSV
cat > rules.json <<'JSON'
{ "rules": [
    { "name": "lapsed", "where": "recency_days > 90", "campaign": "come_back",
      "channel": "app", "recommend": 2 },
    { "name": "recent", "where": "recency_days <= 90", "campaign": "thanks", "channel": "app" } ] }
JSON
expect_exit 0 -- "$PATRON" trigger run --orders orders.csv --rules rules.json --db s.db \
  --as-of 2026-01-01T10:00 --out t
expect_contains t/actions.csv "action_id,rule,campaign,channel,customer_id,arm,fired_at,send_at,items,reasons"
# D: Y is in every basket with X (3 of 3), X itself comes from D's segment's favourites; E's Z
# has no basket partner: its segment's favourites (X and Z, one buyer each, bytewise)
grep -q "^[0-9a-f]*,lapsed,come_back,app,D,treatment,2026-01-01T10:00,2026-01-01T10:00,Y|X,bought_with:X|popular:" t/actions.csv ||
  fail "D's items: $(grep ',D,' t/actions.csv)"
grep -q ",lapsed,come_back,app,E,treatment,.*,X|Z,popular:[a-z_]*|popular:[a-z_]*$" t/actions.csv ||
  fail "E's items: $(grep ',E,' t/actions.csv)"
[ "$(grep -c ',recent,.*,,$' t/actions.csv)" = 3 ] || fail "a rule without recommend has items"
# no rule recommends: exactly SPEC 11's columns
sed 's/, "recommend": 2//' rules.json > plain.json
expect_exit 0 -- "$PATRON" trigger run --orders orders.csv --rules plain.json --db s2.db \
  --as-of 2026-01-01T10:00 --out p
[ "$(head -1 p/actions.csv)" = "action_id,rule,campaign,channel,customer_id,arm,fired_at,send_at" ] ||
  fail "header without recommend: $(head -1 p/actions.csv)"
# a bad value names the member
sed 's/"recommend": 2/"recommend": 0/' rules.json > bad.json
expect_exit 1 -- "$PATRON" trigger run --orders orders.csv --rules bad.json --db s3.db \
  --as-of 2026-01-01T10:00 --out b
expect_contains "$WORK/err" "rules[0].recommend: expected a whole number from 1 to 100"
# order lines without item_id: a warning, empty items, the run goes on
cut -d, -f1-4 orders.csv > noitems.csv
expect_exit 0 -- "$PATRON" trigger run --orders noitems.csv --rules rules.json --db s4.db \
  --as-of 2026-01-01T10:00 --out n
expect_contains "$WORK/err" "warning: no recommendations"
[ "$(grep -c ',lapsed,.*,,$' n/actions.csv)" = 2 ] || fail "items without item_id"

# generated data, the example rules (browse_no_buy recommends 3): every action of the rule
# carries the first 3 rows of recommendations.csv as of T's day
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 7 --out d --quiet
IN=(--orders d/orders.csv --customers d/customers.csv --events d/events.csv)
expect_exit 0 -- "$PATRON" trigger init --out init.json
grep -q '"recommend": 3' init.json || fail "trigger init has no rule with recommend"
# a first dry run, before any store exists: every seed rule runs (level_warning included),
# nothing is created, and the real run then decides the same actions
expect_exit 0 -- "$PATRON" trigger run "${IN[@]}" --rules init.json --db g.db \
  --as-of 2026-01-01T10:00 --out g0 --dry-run
expect_contains "$WORK/out" "tier_downgrade_warning"
[ ! -e g.db ] || fail "a dry run created the store"
expect_exit 0 -- "$PATRON" trigger run "${IN[@]}" --rules init.json --db g.db \
  --as-of 2026-01-01T10:00 --out g
expect_contains "$WORK/out" "actions carry recommended items (actions.csv: items, reasons), e.g. browse_no_buy "
cmp g0/actions.csv g/actions.csv || fail "the dry run and the run decided differently"
expect_exit 0 -- "$PATRON" recommend "${IN[@]}" --as-of 2026-01-01 --out r
/usr/bin/python3 - g/actions.csv r/recommendations.csv <<'PY' || fail "items differ from recommendations.csv"
import sys, pandas as pd
a = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
r = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
top = {c: (list(x.value[:3]), list(x.reason[:3])) for c, x in r.groupby("customer_id", sort=False)}
b = a[a.rule == "browse_no_buy"]
assert len(b) >= 5, len(b)
for _, row in b.iterrows():
    v, why = top.get(row.customer_id, ([], []))
    assert row["items"] == "|".join(v), (row.customer_id, row["items"], v)
    assert row["reasons"] == "|".join(why), (row.customer_id, row["reasons"], why)
    assert row["items"].count("|") == 2, row["items"]
assert (a[a.rule != "browse_no_buy"]["items"] == "").all()
print("items agree for", len(b), "actions")
PY
finish
