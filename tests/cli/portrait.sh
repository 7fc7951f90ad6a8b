# patron portrait (SPEC 17) against an independent pandas computation (Debian's
# /usr/bin/python3) on generated data: portrait.csv (counts, shares, TGI per dimension and
# value), affinity.csv (category and brand spend in the tag window) and stats.csv (mean and
# quartiles by linear interpolation) for a --by and a --where portrait, recomputed from
# analyze's profiles.csv and the raw customers and orders files; then --config and bad input.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import pandas, numpy" 2>/dev/null ||
  { echo "SKIP: $PY with pandas is not available"; exit 77; }
G="$WORK/gen"
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 11 --out "$G"
IN=(--orders "$G/orders.csv" --customers "$G/customers.csv" --as-of 2025-11-01)
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --out "$WORK/a" --quiet
expect_exit 0 -- "$PATRON" portrait "${IN[@]}" --by rfm_class --out "$WORK/by"
expect_contains "$WORK/out" "important_value:"
expect_contains "$WORK/out" "TGI"
WHERE="frequency >= 3 and monetary > 1000"
expect_exit 0 -- "$PATRON" portrait "${IN[@]}" --where "$WHERE" --name big --out "$WORK/where"
expect_contains "$WORK/out" "big:"
expect_exit 0 -- "$PATRON" portrait "${IN[@]}" --by tier --lang zh --out "$WORK/zh"
expect_contains "$WORK/out" "性别"
expect_contains "$WORK/out" "高价值客户"

cat >"$WORK/ref.py" <<'PYEOF'
import sys
import numpy as np, pandas as pd

a, gen, out, mode, arg = sys.argv[1:6]
as_of = pd.Timestamp("2025-11-01")
prof = pd.read_csv(f"{a}/profiles.csv", dtype=str, keep_default_na=False)
cust = pd.read_csv(f"{gen}/customers.csv", dtype=str, keep_default_na=False)
prof = prof.merge(cust[["customer_id", "gender", "city", "level", "birth_date"]],
                  on="customer_id", how="left").fillna("")
num = lambda c: pd.to_numeric(prof[c].replace("", np.nan))
if mode == "by":
    prof["group"] = prof[arg]
else:  # frequency >= 3 and monetary > 1000
    prof["group"] = np.where((num("frequency") >= 3) & (num("monetary") > 1000), arg, "")
groups = [g for g in prof.group.unique() if g != ""]
fails = []

def close(what, got, want, tol):
    if not (abs(got - want) <= tol):
        fails.append(f"{what}: got {got}, want {want}")

dims = ["gender", "age_band", "city", "level", "lifecycle", "rfm_class", "tier",
        "member_level", "price_band", "preferred_category", "preferred_brand",
        "preferred_channel", "promo_sensitivity", "loyalty", "stage"]
got = pd.read_csv(f"{out}/portrait.csv", dtype={"group": str, "value": str},
                  keep_default_na=False)
want_rows = 0
for d in [d for d in dims if d in prof.columns]:
    v = prof[prof[d] != ""]
    base = v[d].value_counts()
    for g in groups:
        gv = v[v.group == g]
        if len(gv) == 0:
            continue
        cnt = gv[d].value_counts()
        for val, bc in base.items():
            want_rows += 1
            row = got[(got.group == g) & (got.dimension == d) & (got.value == val)]
            if len(row) != 1:
                fails.append(f"portrait {g} {d} {val}: {len(row)} rows")
                continue
            r = row.iloc[0]
            gc = int(cnt.get(val, 0))
            share, bshare = gc / len(gv), bc / len(v)
            if r.customers != gc or r.base_customers != bc:
                fails.append(f"portrait {g} {d} {val}: counts {r.customers},{r.base_customers} "
                             f"want {gc},{bc}")
            close(f"share {g} {d} {val}", r.share, share, 5.01e-5)
            close(f"base_share {g} {d} {val}", r.base_share, bshare, 5.01e-5)
            close(f"tgi {g} {d} {val}", r.tgi, 100 * share / bshare, 0.0501)
if len(got) != want_rows:
    fails.append(f"portrait.csv has {len(got)} rows, want {want_rows}")

lines = pd.read_csv(f"{gen}/orders.csv", dtype=str, keep_default_na=False)
lines["t"] = pd.to_datetime(lines.order_time)
lines["amount"] = lines.amount.astype(float)
w = lines[(lines.t < as_of) & (lines.t >= as_of - pd.Timedelta(days=365)) & (lines.amount > 0)]
w = w.merge(prof[["customer_id", "group"]], on="customer_id")
aff = pd.read_csv(f"{out}/affinity.csv", dtype={"group": str, "value": str},
                  keep_default_na=False)
want_rows = 0
for level in ["category", "brand"]:
    lv = w[w[level] != ""]
    base = lv.groupby(level).amount.sum()
    for g in groups:
        gl = lv[lv.group == g]
        if len(gl) == 0:
            continue
        spend = gl.groupby(level).amount.sum()
        for val, bs in base.items():
            want_rows += 1
            row = aff[(aff.group == g) & (aff.level == level) & (aff.value == val)]
            if len(row) != 1:
                fails.append(f"affinity {g} {level} {val}: {len(row)} rows")
                continue
            r = row.iloc[0]
            s = float(spend.get(val, 0.0))
            share, bshare = s / gl.amount.sum(), bs / lv.amount.sum()
            close(f"spend {g} {level} {val}", r.spend, s, 0.006)
            close(f"spend_share {g} {level} {val}", r.spend_share, share, 5.01e-5)
            close(f"base_spend_share {g} {level} {val}", r.base_spend_share, bshare, 5.01e-5)
            close(f"affinity tgi {g} {level} {val}", r.tgi, 100 * share / bshare, 0.0501)
if len(aff) != want_rows:
    fails.append(f"affinity.csv has {len(aff)} rows, want {want_rows}")

bd = pd.to_datetime(prof.birth_date.replace("", None))
age = as_of.year - bd.dt.year - ((bd.dt.month > as_of.month) |
                                 ((bd.dt.month == as_of.month) & (bd.dt.day > as_of.day)))
prof["age"] = age.map(lambda v: "" if pd.isna(v) else str(int(v)))
st = pd.read_csv(f"{out}/stats.csv", dtype={"group": str}, keep_default_na=False)
metrics = ["recency_days", "frequency", "monetary", "avg_order_value", "clv_365d", "p_alive",
           "age"]
want_rows = 0
for g in ["(all)"] + groups:
    sel = prof if g == "(all)" else prof[prof.group == g]
    for m in metrics:
        want_rows += 1
        x = pd.to_numeric(sel[m].replace("", np.nan)).dropna()
        row = st[(st.group == g) & (st.metric == m)]
        if len(row) != 1:
            fails.append(f"stats {g} {m}: {len(row)} rows")
            continue
        r = row.iloc[0]
        if r.customers != len(x):
            fails.append(f"stats {g} {m}: customers {r.customers} want {len(x)}")
        if len(x) == 0:
            continue
        tol = 1.01e-4 if m == "p_alive" else 0.0051 if m == "clv_365d" else 5.01e-5
        if m == "avg_order_value":
            tol = 0.0051  # the profile prints the quotient to 2 decimals
        for col, q in [("p25", 0.25), ("median", 0.5), ("p75", 0.75)]:
            close(f"stats {g} {m} {col}", float(r[col]), x.quantile(q), tol)
        close(f"stats {g} {m} mean", float(r["mean"]), x.mean(), tol)
if len(st) != want_rows:
    fails.append(f"stats.csv has {len(st)} rows, want {want_rows}")
for f in fails[:20]:
    print("FAIL:", f)
print(f"{mode}: {len(got)} portrait, {len(aff)} affinity, {len(st)} stats rows checked;"
      f" {len(fails)} failures")
sys.exit(1 if fails else 0)
PYEOF
$PY "$WORK/ref.py" "$WORK/a" "$G" "$WORK/by" by rfm_class || fail "--by rfm_class differs from pandas"
$PY "$WORK/ref.py" "$WORK/a" "$G" "$WORK/where" where big || fail "--where differs from pandas"

# --config gives the same files
cat >"$WORK/p.conf" <<EOF
orders = $G/orders.csv
customers = $G/customers.csv
as-of = 2025-11-01
by = rfm_class
out = $WORK/conf
EOF
expect_exit 0 -- "$PATRON" portrait --config "$WORK/p.conf" --quiet
for f in portrait affinity stats; do expect_same "$WORK/conf/$f.csv" "$WORK/by/$f.csv"; done

# bad input: expression errors with the caret, unknown or non-segmentation --by (exit 2)
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --where "frequency >> 2" --out "$WORK/bad"
expect_contains "$WORK/err" "--where"
expect_contains "$WORK/err" "^"
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --where "recency > 3" --out "$WORK/bad"
expect_contains "$WORK/err" "did you mean recency_days"
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --by rfm_clas --out "$WORK/bad"
expect_contains "$WORK/err" "unknown segmentation 'rfm_clas' (did you mean rfm_class?)"
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --by monetary --out "$WORK/bad"
expect_contains "$WORK/err" "not a segmentation"
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --by tier --where "frequency > 1" --out "$WORK/bad"
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --by tier
expect_exit 2 -- "$PATRON" portrait "${IN[@]}" --by tier --lang fr --out "$WORK/bad"
expect_exit 1 -- "$PATRON" portrait --orders "$WORK/missing.csv" --by tier --out "$WORK/bad"
[ ! -e "$WORK/bad" ] || fail "a failed portrait wrote $WORK/bad"
finish
