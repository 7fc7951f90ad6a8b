# patron monitor over a store with two snapshots (patron analyze --db at two as-of dates; the
# second run's orders file has a planted data-quality problem: 8% of its rows unparsable):
# every metric of metrics.csv recomputed with pandas from the analyze outputs
# (profiles.csv, summary.json); one planted alert (reject_rate above 5%) and exit 3; exit 0
# when no rule fires; --since; defaults; errors (exit 1 and 2).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import pandas" 2>/dev/null || { echo "SKIP: $PY with pandas is not available"; exit 77; }
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 5 --out "$WORK/w"
store="$WORK/store.db"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/w/orders.csv" --customers "$WORK/w/customers.csv" \
  --as-of 2025-11-01 --db "$store" --out "$WORK/a1" --quiet
# the second snapshot: every 12th order row's date made unparsable
awk -F, 'NR > 1 && NR % 12 == 0 { $3 = "not-a-date" } { print }' OFS=, "$WORK/w/orders.csv" > "$WORK/orders2.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/orders2.csv" --customers "$WORK/w/customers.csv" \
  --as-of 2025-12-01 --db "$store" --out "$WORK/a2" --quiet
cat > "$WORK/rules.json" <<'JSON'
{"alerts": [{"metric": "reject_rate", "max": 0.05}, {"metric": "customers", "min": 1}]}
JSON
expect_exit 3 -- "$PATRON" monitor --db "$store" --rules "$WORK/rules.json" --out "$WORK/m"
expect_contains "$WORK/out" "1 alert"
expect_contains "$WORK/out" "ALERT 2025-12-01  reject_rate is"
[ "$(wc -l < "$WORK/m/alerts.csv")" = 2 ] || fail "expected exactly one alert: $(cat "$WORK/m/alerts.csv")"
expect_contains "$WORK/m/alerts.csv" "2025-12-01,reject_rate,"
expect_contains "$WORK/m/alerts.csv" ",max 0.05,"
$PY - "$WORK/m/metrics.csv" "$WORK/a1" "$WORK/a2" <<'PYEOF' || fail "metrics differ from pandas"
import sys, json, math
import pandas as pd
got = pd.read_csv(sys.argv[1], dtype={"as_of": str, "metric": str})
bad = 0
for d in sys.argv[2:4]:
    s = json.load(open(d + "/summary.json"))
    p = pd.read_csv(d + "/profiles.csv", dtype={"customer_id": str})
    b = p[p["frequency"] >= 1]
    want = {"customers": len(p), "purchasers": len(b), "revenue": b["monetary"].sum(),
            "aov": b["monetary"].sum() / b["frequency"].sum(),
            "repurchase_rate": (b["frequency"] >= 2).mean(),
            "recency_mean": b["recency_days"].mean(), "recency_median": b["recency_days"].median(),
            "frequency_mean": b["frequency"].mean(), "frequency_median": b["frequency"].median(),
            "monetary_mean": b["monetary"].mean(), "monetary_median": b["monetary"].median(),
            "active_share": b["lifecycle"].isin(["new", "active"]).mean(),
            "churned_share": (b["lifecycle"] == "churned").mean()}
    read = sum(f["rows_read"] for f in s["inputs"].values())
    want["reject_rate"] = sum(f["rows_rejected"] for f in s["inputs"].values()) / read
    for name, f in s["inputs"].items():
        want["rows_read:" + name] = f["rows_read"]
        for col, n in f["empty_cells"].items():
            want["empty_rate:%s.%s" % (name, col)] = n / f["rows_read"]
    g = got[got["as_of"] == s["as_of"]].set_index("metric")["value"]
    if set(g.index) != set(want):
        bad += 1; print("metric names differ:", sorted(set(g.index) ^ set(want)))
    for k, v in want.items():
        if k in g and not math.isclose(g[k], v, rel_tol=1e-9, abs_tol=1e-9):
            bad += 1; print(s["as_of"], k, "got", g[k], "want", v)
sys.exit(1 if bad else 0)
PYEOF
# no alert: exit 0; --since skips the bad snapshot's checks only when after it
echo '{"alerts": [{"metric": "customers", "min": 1}]}' > "$WORK/quiet.json"
expect_exit 0 -- "$PATRON" monitor --db "$store" --rules "$WORK/quiet.json" --out "$WORK/m0"
[ "$(wc -l < "$WORK/m0/alerts.csv")" = 1 ] || fail "alerts.csv should hold only its header"
expect_exit 0 -- "$PATRON" monitor --db "$store" --rules "$WORK/rules.json" --since 2025-12-02 --out "$WORK/m1"
# defaults: the 8% rejects exceed 5%
expect_exit 3 -- "$PATRON" monitor --db "$store" --out "$WORK/md"
expect_contains "$WORK/md/alerts.csv" "reject_rate"
# errors
echo '{"alerts": [{"metric": "aov", "maxx": 1}]}' > "$WORK/bad.json"
expect_exit 1 -- "$PATRON" monitor --db "$store" --rules "$WORK/bad.json" --out "$WORK/mb"
expect_contains "$WORK/err" "bad.json"
expect_contains "$WORK/err" "unknown key \"maxx\""
expect_exit 1 -- "$PATRON" monitor --db "$WORK/none.db" --out "$WORK/mn"
expect_exit 2 -- "$PATRON" monitor --db "$store"
finish
