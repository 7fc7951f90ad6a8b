# patron report: one self-contained HTML file whose embedded figures agree with an
# independent computation over analyze's profiles.csv (Debian's /usr/bin/python3 with pandas: purchasers, revenue, Gini
# of monetary over purchasers, segment shares); user text cannot end the data script early;
# usage errors exit 2.
. "$(dirname "$0")/lib.sh"
orders="$TEST_DATA/small/orders.csv"
customers="$TEST_DATA/small/customers.csv"
expect_exit 0 -- "$PATRON" report --orders "$orders" --customers "$customers" --out "$WORK/r.html"
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --customers "$customers" --out "$WORK/a" --quiet
h="$WORK/r.html"
expect_contains "$h" '<meta http-equiv="Content-Security-Policy" content="default-src '"'none'"
expect_contains "$h" '<html lang="en">'
size=$(stat -c %s "$h")
[ "$size" -lt 3000000 ] || fail "report is $size bytes (limit 3 MB)"
/usr/bin/python3 - "$h" "$WORK/a/profiles.csv" "$WORK/a/segments.csv" <<'PY' || fail "figures differ from the pandas reference"
import json, re, sys
import numpy as np, pandas as pd
html = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<script type="application/json" id="patron-data">(.*?)</script>', html, re.S)
data = json.loads(m.group(1))
markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
if re.search(r"\b(src|href|url)\s*[=(]", markup):
    print("report markup references an external resource"); sys.exit(1)
p = pd.read_csv(sys.argv[2])
buyers = p[p.frequency > 0]
x = np.sort(buyers.monetary.to_numpy())
n = len(x)
gini = 2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n
k = data["kpi"]
ok = True
def check(name, got, want, tol=1e-5):
    global ok
    if abs(got - want) > tol * max(1, abs(want)):
        print(f"{name}: report {got} reference {want}"); ok = False
check("customers", k["customers"], len(p))
check("purchasers", k["purchasers"], n)
check("revenue", k["revenue"], buyers.monetary.sum())
check("orders", k["orders"], buyers.frequency.sum())
check("gini", data["lorenz"]["gini"], gini)
check("lorenz end", data["lorenz"]["points"][-1][1], 1.0)
seg = pd.read_csv(sys.argv[3])
for s in data["segmentations"]:
    ref = seg[seg.segmentation == s["name"]].set_index("segment")
    for i, lab in enumerate(s["labels"]):
        check(f"{s['name']}/{lab} customers", s["customers"][i], ref.loc[lab, "customers"])
cells = {(c[0], c[1]): c[2] for c in data["rf_heatmap"]["cells"]}
for (r, f), g in buyers.groupby(["r_score", "f_score"]):
    check(f"rf {r},{f}", cells[(r, f)], g.monetary.mean())
sys.exit(0 if ok else 1)
PY
# --quiet: nothing on stdout
expect_exit 0 -- "$PATRON" report --orders "$orders" --quiet --out "$WORK/q.html"
[ ! -s "$WORK/out" ] || fail "report --quiet printed: $(head -2 "$WORK/out")"
# Chinese labels
expect_exit 0 -- "$PATRON" report --orders "$orders" --lang zh --out "$WORK/zh.html"
expect_contains "$WORK/zh.html" '<html lang="zh">'
# an id holding markup stays inside the data script (every '<' escaped)
printf 'customer_id,order_id,order_time,amount\n"</script><script>alert(1)</script>",o1,2024-01-01,10\nb"q,o2,2024-01-02,20\n' >"$WORK/x.csv"
expect_exit 0 -- "$PATRON" report --orders "$WORK/x.csv" --out "$WORK/x.html"
grep -c '</script>' "$WORK/x.html" | grep -qx 4 || fail "markup in an id ended a script element"
# from a store: the latest snapshot (or --as-of) and the one before it for the movements
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --customers "$customers" --as-of 2024-01-05 \
  --db "$WORK/s.db" --out "$WORK/s1" --quiet
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --customers "$customers" --db "$WORK/s.db" \
  --out "$WORK/s2" --quiet
expect_exit 0 -- "$PATRON" report --db "$WORK/s.db" --lang zh --out "$WORK/db.html"
expect_contains "$WORK/out" "as of 2024-01-12"
/usr/bin/python3 - "$WORK/db.html" "$WORK/s2/profiles.csv" <<'PY' || fail "report from the store"
import json, re, sys
import pandas as pd
html = open(sys.argv[1], encoding="utf-8").read()
d = json.loads(re.search(r'id="patron-data">(.*?)</script>', html, re.S).group(1))
p = pd.read_csv(sys.argv[2])
assert d["as_of"] == "2024-01-12" and d["previous_as_of"] == "2024-01-05", (d["as_of"], d["previous_as_of"])
assert d["kpi"]["customers"] == len(p) and d["kpi"]["purchasers"] == (p.frequency > 0).sum()
assert sum(l[2] for l in d["movements"]["links"]) == p.segment.notna().sum()
assert d["cohorts"] is None
PY
expect_exit 0 -- "$PATRON" report --db "$WORK/s.db" --as-of 2024-01-05 --out "$WORK/db1.html"
expect_contains "$WORK/out" "as of 2024-01-05"
expect_exit 1 -- "$PATRON" report --db "$WORK/s.db" --as-of 2023-01-01 --out "$WORK/db2.html"
expect_contains "$WORK/err" "s.db: no snapshot as of 2023-01-01 in the store"
expect_exit 2 -- "$PATRON" report --db "$WORK/s.db" --orders "$orders" --out "$WORK/db3.html"
expect_contains "$WORK/err" "give --db STORE or the inputs, not both"
# usage errors
expect_exit 2 -- "$PATRON" report --orders "$orders"
expect_contains "$WORK/err" "--out FILE is required"
expect_exit 2 -- "$PATRON" report --orders "$orders" --lang fr --out "$WORK/f.html"
expect_contains "$WORK/err" "--lang must be en or zh"
expect_exit 1 -- "$PATRON" report --orders "$orders" --out "$WORK/no/such/dir/r.html"
expect_contains "$WORK/err" "r.html: cannot create"
finish
