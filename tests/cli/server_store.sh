# patron serve --db STORE: the store's snapshots, segments and movements between them, the
# report figures of the latest, the action log (filtered by rule and day) and an experiment's
# arms, the actions and assignments written into the store with Python's sqlite3 (an
# independent writer); with INPUTS too, their profile is the latest snapshot.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
orders="$TEST_DATA/small/orders.csv"
db="$WORK/s.db"
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --as-of 2024-01-05 --db "$db" --out "$WORK/a1" --quiet
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --db "$db" --out "$WORK/a2" --quiet
/usr/bin/python3 - "$db" <<'PY' || fail "writing actions and assignments"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = [("a1", "winback", "coupon", "sms", "A", "treatment", 1704153600, 1704157200),
        ("a2", "winback", "coupon", "sms", "B", "holdout", 1704240000, 1704240000),
        ("a3", "welcome", "hello", "email", "C", "treatment", 1704931200, 1704931200)]
c.executemany("INSERT INTO actions (action_id, rule, campaign, channel, customer_id, arm,"
              " fired_at, send_at) VALUES (?,?,?,?,?,?,?,?)", rows)
c.executemany("INSERT INTO assignments VALUES (?,?,?,?,?,?)",
              [("promo", i, arm, 1, "promo", "2024-01-01") for i, arm in
               [("A", "control"), ("B", "treatment"), ("C", "treatment")]])
c.executemany("INSERT INTO assignments VALUES (?,?,?,?,?,?)",
              [("six", i, arm, 1, "six", "2024-01-01") for i, arm in
               [("A", "control"), ("B", "treatment"), ("C", "control"), ("D", "treatment"),
                ("E", "control"), ("F", "treatment")]])
c.commit()
PY
start_server --db "$db"
expect_status 200 viewer GET /api/v1/snapshots
expect_contains "$WORK/body" '{"snapshots":[{"as_of":"2024-01-05","customers":'
expect_contains "$WORK/body" "{\"as_of\":\"2024-01-12\",\"customers\":$(($(wc -l <"$WORK/a2/profiles.csv") - 1))}"
expect_status 200 viewer GET '/api/v1/segments?as_of=2024-01-05&segmentation=rfm_class'
expect_status 200 viewer GET /api/v1/customers/A
expect_contains "$WORK/body" '"customer_id":"A"'
expect_status 200 viewer GET '/api/v1/movements?from=2024-01-05&to=2024-01-12&by=lifecycle'
expect_contains "$WORK/body" '"from":"2024-01-05","to":"2024-01-12"'
expect_status 200 viewer GET /api/v1/report
expect_contains "$WORK/body" '"previous_as_of":"2024-01-05"'
expect_status 200 viewer GET '/api/v1/actions?rule=winback'
expect_contains "$WORK/body" '"count":2'
expect_contains "$WORK/body" '"fired_at":"2024-01-02T00:00:00Z"'
expect_status 200 viewer GET '/api/v1/actions?since=2024-01-05'
expect_contains "$WORK/body" '"count":1'
expect_contains "$WORK/body" '"rule":"welcome"'
expect_status 400 viewer GET '/api/v1/actions?since=soon'
expect_status 200 viewer GET /api/v1/experiments/promo
expect_contains "$WORK/body" '"customers":3'
expect_contains "$WORK/body" '"control":1'
expect_contains "$WORK/body" '"treatment":2'
expect_status 404 viewer GET /api/v1/experiments/nothing
stop_server
# INPUTS with the store: their profile replaces the store's snapshot of the same day; the
# order history, experiment verdicts and trigger rule verdicts equal the CLI's
cat >"$WORK/rules.json" <<'JSON'
{"rules": [{"name": "winback", "where": "recency_days > 3", "campaign": "coupon", "channel": "sms",
            "holdout_percent": 50},
           {"name": "welcome", "where": "frequency = 1", "campaign": "hello", "channel": "email",
            "holdout_percent": 10}]}
JSON
expect_exit 0 -- "$PATRON" experiment evaluate --db "$db" --name six --orders "$orders" \
  --start 2024-01-01 --window 10 --out "$WORK/ev"
expect_exit 0 -- "$PATRON" experiment evaluate --rules "$WORK/rules.json" --db "$db" \
  --orders "$orders" --as-of 2024-01-12 --window 1 --out "$WORK/rv"
start_server --db "$db" --orders "$orders" --customers "$TEST_DATA/small/customers.csv" \
  --rules "$WORK/rules.json"
expect_status 200 viewer GET /api/v1/snapshots
expect_contains "$WORK/body" '{"as_of":"2024-01-12","customers":7}'
expect_status 200 viewer GET '/api/v1/customers/A/orders?limit=2'
cp "$WORK/body" "$WORK/hist1.json"
expect_status 200 viewer GET '/api/v1/customers/A/orders?limit=2&offset=2'
cp "$WORK/body" "$WORK/hist2.json"
expect_status 200 viewer GET '/api/v1/customers/C/orders'
cp "$WORK/body" "$WORK/hist3.json"
expect_status 404 viewer GET '/api/v1/customers/nobody/orders'
expect_status 400 viewer GET '/api/v1/customers/A/orders?limit=0'
expect_status 401 none GET '/api/v1/customers/A/orders'
expect_status 200 viewer GET '/api/v1/experiments/six?start=2024-01-01&window=10'
cp "$WORK/body" "$WORK/six.json"
expect_status 400 viewer GET '/api/v1/experiments/six?start=soon'
expect_status 400 viewer GET '/api/v1/experiments/six?start=2024-01-01&alpha=2'
expect_status 200 viewer GET '/api/v1/rules?window=1'
cp "$WORK/body" "$WORK/rules_api.json"
/usr/bin/python3 - "$WORK" "$orders" <<'PY' || fail "history or verdicts differ from the CLI and the orders"
import csv, json, sys
w, orders = sys.argv[1], sys.argv[2]
# history: newest first, paged, from the orders file (pandas-free: the csv module)
rows = [r for r in csv.DictReader(open(orders, encoding="utf-8-sig")) if r["customer_id"] == "A"]
want = sorted(rows, key=lambda r: r["order_time"], reverse=True)
h1, h2 = json.load(open(f"{w}/hist1.json")), json.load(open(f"{w}/hist2.json"))
assert h1["count"] == 3 and h2["count"] == 3, (h1, h2)
got = h1["orders"] + h2["orders"]
assert [o["date"] for o in got] == [r["order_time"][:10] for r in want], got
assert [o["amount"] for o in got] == [float(r["amount"]) for r in want], got
assert [o["categories"] for o in got] == [[r["category"]] for r in want], got
assert got[0]["time"] == "2024-01-11T00:00:00Z" and got[0]["lines"] == 1, got[0]
h3 = json.load(open(f"{w}/hist3.json"))
assert [o["amount"] for o in h3["orders"]] == [-40, 40, 30, 30], h3
c2 = [r["category"] for r in csv.DictReader(open(orders, encoding="utf-8-sig", newline=""))
      if r["order_id"] == "c2"]
assert h3["orders"][2]["categories"] == c2, (h3, c2)
# experiment verdicts: the rows of results.csv
e = json.load(open(f"{w}/six.json"))["evaluation"]["results"]
ref = list(csv.DictReader(open(f"{w}/ev/results.csv")))
assert len(e) == len(ref) and len(ref) >= 3, (e, ref)
for g, r in zip(e, ref):
    assert (g["metric"], g["arm"], g["verdict"]) == (r["metric"], r["arm"], r["verdict"]), (g, r)
    for k in ("n", "control_n", "value", "diff", "diff_low", "diff_high", "p_value", "p_adjusted"):
        if r[k] == "":
            assert g[k] is None, (k, g, r)
        else:
            assert abs(float(g[k]) - float(r[k])) <= 1e-9 * max(1, abs(float(r[k]))), (k, g, r)
# rule verdicts: rule_verdicts.csv
rv = {r["rule"]: r for r in csv.DictReader(open(f"{w}/rv/rule_verdicts.csv"))}
api = json.load(open(f"{w}/rules_api.json"))
assert api["as_of"] == "2024-01-12" and api["window"] == 1, api
assert [r["rule"] for r in api["rules"]] == ["winback", "welcome"], api
for r in api["rules"]:
    ref = rv[r["rule"]]
    assert (r["verdict"], r["customers"], r["treatment"], r["holdout"]) == (
        ref["verdict"], int(ref["customers"]), int(ref["treatment"]), int(ref["holdout"])), (r, ref)
    assert r["enabled"] is True, r
PY
stop_server
# without the orders: no history, no verdicts
start_server --db "$db"
expect_status 404 viewer GET '/api/v1/customers/A/orders'
expect_status 404 viewer GET '/api/v1/experiments/six?start=2024-01-01'
expect_status 404 viewer GET '/api/v1/rules'
stop_server
expect_exit 1 -- "$PATRON" serve --db "$WORK/none.db" --tokens "$WORK/tokens"
finish
