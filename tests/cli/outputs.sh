# Output files (issue 8, 3.2 / 3.5 / 3.7 and the Excel option): --excel writes a UTF-8
# byte-order mark and guards formula-looking cells (OWASP CSV injection), the guard alone,
# outputs replace earlier files only when complete (a run killed mid-write by the file-size
# limit leaves the previous run's files intact), an --out that would overwrite an input is
# refused, a too-long output path is an error, a non-UTF-8 input name still gives valid
# summary.json with a warning.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
inject='=cmd|'"'"' /C calc'"'"'!A0'
{ head -1 orders.csv; echo "$inject,x1,2024-01-02,10,"; echo "@SUM(A1),x2,2024-01-03,20,"
  echo "-5,x3,2024-01-04,30,"; tail -n +2 orders.csv; } > "$WORK/orders.csv"
run() { "$PATRON" analyze --orders "$WORK/orders.csv" --as-of 2024-01-11 --quiet "$@"; }

# default: plain CSV, cells verbatim (SPEC section 4)
expect_exit 0 -- run --out "$WORK/plain"
[ "$(head -c 3 "$WORK/plain/profiles.csv")" = "cus" ] || fail "plain CSV starts with a BOM"
expect_contains "$WORK/plain/profiles.csv" "$inject,"
# --excel: BOM on every CSV, guarded cells; numbers untouched
expect_exit 0 -- run --excel --out "$WORK/excel"
for f in profiles.csv segments.csv; do
  [ "$(head -c 3 "$WORK/excel/$f" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] ||
    fail "--excel: $f lacks the UTF-8 byte-order mark"
done
expect_contains "$WORK/excel/profiles.csv" "'$inject,"
expect_contains "$WORK/excel/profiles.csv" "'@SUM(A1),"
expect_contains "$WORK/excel/profiles.csv" "'-5,"
grep -q "^'" "$WORK/excel/segments.csv" && fail "--excel guarded a segment name"
/usr/bin/python3 - "$WORK/excel/profiles.csv" <<'PY' || fail "--excel profiles.csv is not the plain file plus the guard"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
ids = [r[0] for r in rows[1:]]
assert "'" + "=cmd|' /C calc'!A0" in ids and "'-5" in ids, ids
assert all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r if c and not c[0].isdigit()), rows
PY
# the guard alone: no BOM
expect_exit 0 -- run --csv-formula-guard --out "$WORK/guard"
[ "$(head -c 3 "$WORK/guard/profiles.csv")" = "cus" ] || fail "--csv-formula-guard wrote a BOM"
expect_contains "$WORK/guard/profiles.csv" "'@SUM(A1),"

# cluster honours --excel on each of its files
expect_exit 0 -- "$PATRON" cluster --orders "$WORK/orders.csv" --k 2 --excel --quiet --out "$WORK/cl"
for f in assignments.csv report.csv centroids.csv k_scan.csv; do
  [ "$(head -c 3 "$WORK/cl/$f" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] ||
    fail "cluster --excel: $f lacks the UTF-8 byte-order mark"
done
expect_contains "$WORK/cl/assignments.csv" "'@SUM(A1),"

# the marketers' files honour it too: trigger run, plan, portrait, recommend, lookalike
bom() { [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] || fail "--excel: $1 lacks the BOM"; }
"$PATRON" gen --customers 400 --seed 2 --out "$WORK/xw" >/dev/null 2>&1 || fail "gen failed"
XIN=(--orders "$WORK/xw/orders.csv" --customers "$WORK/xw/customers.csv" --events "$WORK/xw/events.csv")
cat > "$WORK/xrules.json" <<'JSON'
{ "rules": [ { "name": "r", "where": "frequency >= 1", "campaign": "@c", "channel": "app" } ] }
JSON
expect_exit 0 -- "$PATRON" trigger run "${XIN[@]}" --rules "$WORK/xrules.json" --db "$WORK/x.db" \
  --as-of 2026-01-01T10:00 --excel --quiet --out "$WORK/xt"
bom "$WORK/xt/actions.csv"; bom "$WORK/xt/skipped.csv"
expect_contains "$WORK/xt/actions.csv" ",r,'@c,app,"
"$PATRON" plan init --out "$WORK/matrix.json" >/dev/null || fail "plan init"
expect_exit 0 -- "$PATRON" plan "${XIN[@]}" --matrix "$WORK/matrix.json" --excel --quiet --out "$WORK/xp"
bom "$WORK/xp/plan.csv"; bom "$WORK/xp/plan_summary.csv"
expect_exit 0 -- "$PATRON" portrait "${XIN[@]}" --by lifecycle --excel --quiet --out "$WORK/xo"
bom "$WORK/xo/portrait.csv"; bom "$WORK/xo/affinity.csv"; bom "$WORK/xo/stats.csv"
expect_exit 0 -- "$PATRON" recommend "${XIN[@]}" --excel --quiet --out "$WORK/xr"
bom "$WORK/xr/recommendations.csv"; bom "$WORK/xr/similar.csv"
expect_exit 0 -- "$PATRON" lookalike "${XIN[@]}" --seed-where "lifecycle = 'active'" --size 5 \
  --excel --quiet --out "$WORK/xl.csv"
bom "$WORK/xl.csv"
expect_exit 0 -- "$PATRON" plan "${XIN[@]}" --matrix "$WORK/matrix.json" --quiet --out "$WORK/xp0"
[ "$(head -c 3 "$WORK/xp0/plan.csv")" = "cus" ] || fail "plan.csv without --excel starts with a BOM"

# atomic outputs: a run killed while writing (file-size limit: SIGXFSZ) keeps the earlier
# run's profiles.csv whole, beside its own summary.json
"$PATRON" gen --customers 3000 --seed 1 --out "$WORK/gen" >/dev/null 2>&1 || fail "gen failed"
"$PATRON" analyze --orders "$WORK/gen/orders.csv" --quiet --no-clv --out "$WORK/big" ||
  fail "first analyze failed"
cp "$WORK/big/profiles.csv" "$WORK/profiles.before"
( ulimit -f 64; exec "$PATRON" analyze --orders "$WORK/gen/orders.csv" --quiet --no-clv \
    --bins 4 --out "$WORK/big" ) >/dev/null 2>&1
expect_same "$WORK/big/profiles.csv" "$WORK/profiles.before"
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/big/summary.json" ||
  fail "summary.json unreadable after a killed run"

# --out over an input is refused, the input is left as it was
mkdir -p "$WORK/same" && cp "$WORK/orders.csv" "$WORK/same/profiles.csv"
expect_exit 2 -- "$PATRON" analyze --orders "$WORK/same/profiles.csv" --quiet --out "$WORK/same"
expect_contains "$WORK/err" "is the input file"
expect_same "$WORK/same/profiles.csv" "$WORK/orders.csv"

# an output path longer than the system's limit is an error, never a truncated name
long="$WORK/l"; while [ ${#long} -lt 4070 ]; do long="$long/$(printf 'd%.0s' $(seq 200))"; done
long=${long:0:4080}
mkdir -p "$long" 2>/dev/null || { echo "cannot make a long path here"; finish; exit $?; }
expect_exit 1 -- run --out "$long"
expect_contains "$WORK/err" "too long"

# an input file name that is not UTF-8: summary.json stays valid JSON, names it repaired
bad=$(printf 'orders\377.csv')
cp "$WORK/orders.csv" "$WORK/$bad"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/$bad" --as-of 2024-01-11 --out "$WORK/u8"
/usr/bin/python3 - "$WORK/u8/summary.json" <<'PY' || fail "summary.json with a non-UTF-8 input name"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
assert "\ufffd" in s["inputs"]["orders"]["path"], s["inputs"]
assert any("UTF-8" in w for w in s["warnings"]), s["warnings"]
PY
expect_contains "$WORK/err" "warning: summary.json"

# repurchase: --excel, and a run without categories removes the earlier category files
expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/gen/orders.csv" --quiet --out "$WORK/rp"
[ -f "$WORK/rp/repurchase_categories.csv" ] || fail "repurchase wrote no category file"
expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/gen/orders.csv" --no-categories --excel \
  --quiet --out "$WORK/rp"
[ -f "$WORK/rp/repurchase_categories.csv" ] && fail "stale repurchase_categories.csv left"
[ "$(head -c 3 "$WORK/rp/repurchase_customers.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] ||
  fail "repurchase --excel: no byte-order mark"

# clv: a run without a holdout removes the evaluation files of an earlier run with one;
# its summary.json stays valid JSON with a non-UTF-8 input name
"$PATRON" gen --customers 300 --seed 2 --out "$WORK/g2" >/dev/null 2>&1 || fail "gen failed"
expect_exit 0 -- "$PATRON" clv fit --orders "$WORK/g2/orders.csv" --calibration-end 2025-06-30 \
  --holdout-end 2025-12-31 --quiet --out "$WORK/clv"
for f in evaluation.json conditional.csv tracking.csv; do
  [ -f "$WORK/clv/$f" ] || fail "clv fit with a holdout did not write $f"
done
cp "$WORK/g2/orders.csv" "$WORK/$bad"
expect_exit 0 -- "$PATRON" clv fit --orders "$WORK/$bad" --quiet --out "$WORK/clv"
for f in evaluation.json conditional.csv tracking.csv; do
  [ -f "$WORK/clv/$f" ] && fail "stale $f of the earlier clv run left beside new predictions"
done
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' \
  "$WORK/clv/summary.json" || fail "clv summary.json is not valid UTF-8 JSON"
expect_contains "$WORK/err" "U+FFFD"
ls -a "$WORK/clv" | grep -q '\.tmp-' && fail "temporary files left in $WORK/clv"
finish
