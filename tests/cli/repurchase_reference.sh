# patron repurchase against an independent pandas reference (Debian's /usr/bin/python3):
# every per-customer and per-customer-category row and every category figure recomputed
# from the raw order lines, on generated data (two as-of dates, with and without
# --fallback) and on the UCI Online Retail file with StockCode as the category (skipped
# when ../shared/data is absent).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import pandas, numpy" 2>/dev/null || { echo "SKIP: $PY with pandas is not available"; exit 77; }
cat > "$WORK/ref.py" <<'PYEOF'
# Independent reference for patron repurchase (pandas): recomputes the three reports from
# the raw order lines and compares them with patron's files.
import sys, math
import numpy as np, pandas as pd

def load(path, kind):
    if kind == "gen":
        d = pd.read_csv(path, dtype=str, keep_default_na=False)
        amt = d["amount"].map(lambda s: round(float(s) * 10000))
        d = pd.DataFrame({"c": d["customer_id"], "o": d["order_id"], "t": d["order_time"],
                          "a": amt, "k": d["category"]})
    else:  # UCI online retail, category = StockCode
        d = pd.read_csv(path, dtype=str, keep_default_na=False)
        d = d[d["CustomerID"] != ""]
        q = d["Quantity"].astype(int)
        p = d["UnitPrice"].map(lambda s: round(float(s) * 10000))
        d = pd.DataFrame({"c": d["CustomerID"], "o": d["InvoiceNo"], "t": d["InvoiceDate"],
                          "a": q * p, "k": d["StockCode"]})
    d["day"] = (pd.to_datetime(d["t"]).values.astype("datetime64[D]").astype(np.int64))
    return d

def cycles(days_by_key):
    """key -> sorted distinct days -> (n, first, last, median, first_gap)"""
    out = {}
    for key, days in days_by_key.items():
        ds = sorted(set(days))
        gaps = np.diff(ds)
        med = float(np.median(gaps)) if len(gaps) else math.nan
        out[key] = (len(ds), ds[0], ds[-1], med, int(gaps[0]) if len(gaps) else 0)
    return out

def fmt_day(d):
    return str(np.datetime64(int(d), "D"))

def status(nxt, as_of, due):
    return "overdue" if nxt < as_of else ("due" if nxt - as_of < due else "not_due")

def rows(cyc, as_of, due, fallback):
    res = {}
    for key, (n, f, l, med, fg) in cyc.items():
        c = med if n >= 2 else fallback
        if math.isnan(c):
            res[key] = [str(n), fmt_day(f), fmt_day(l), "", "", "", "", "unknown"]
            continue
        nxt = l + math.ceil(c)
        s = status(nxt, as_of, due)
        res[key] = [str(n), fmt_day(f), fmt_day(l), "%.2f" % c, fmt_day(nxt), str(nxt - as_of),
                    "1" if s == "due" else "0", s]
    return res

def median_of(vals):
    return float(np.median(vals)) if len(vals) else math.nan

def check_table(path, ref, nkey, what):
    got = pd.read_csv(path, dtype=str, keep_default_na=False)
    bad = 0
    if len(got) != len(ref):
        print(f"{what}: {len(got)} rows, reference {len(ref)}"); return 1
    for row in got.itertuples(index=False):
        key = tuple(row[:nkey]) if nkey > 1 else row[0]
        want = ref.get(key)
        have = list(row[nkey:nkey + 8])
        if want != have:
            bad += 1
            if bad <= 5: print(f"{what} {key}: got {have}, want {want}")
    return bad

def main(path, kind, out, as_of, due, fallback):
    d = load(path, kind)
    d = d[d["day"] < as_of]
    o = d.groupby(["c", "o"], sort=False).agg(day=("day", "first"), v=("a", "sum")).reset_index()
    o = o[o["v"] > 0]
    cc = cycles(o.groupby("c")["day"].apply(list).to_dict())
    fb = median_of([v[3] for v in cc.values() if v[0] >= 2]) if fallback else math.nan
    bad = check_table(f"{out}/repurchase_customers.csv", rows(cc, as_of, due, fb), 1, "customer")
    l = d[(d["a"] > 0) & (d["k"] != "")]
    pc = cycles(l.groupby(["c", "k"])["day"].apply(list).to_dict())
    cat_med = {}
    for (c, k), v in pc.items():
        if v[0] >= 2: cat_med.setdefault(k, []).append(v[3])
    cat_med = {k: median_of(v) for k, v in cat_med.items()}
    pr = {}
    for key, v in pc.items():
        fbk = cat_med.get(key[1], math.nan) if fallback else math.nan
        pr.update(rows({key: v}, as_of, due, fbk))
    bad += check_table(f"{out}/repurchase_customer_categories.csv", pr, 2, "pair")
    rep = pd.read_csv(f"{out}/repurchase_categories.csv", dtype=str, keep_default_na=False)
    stats = {}
    for (c, k), v in pc.items():
        s = stats.setdefault(k, dict(b=0, r=0, fw=0, ob=0, ret=0, due=0, over=0))
        s["b"] += 1; s["r"] += v[0] >= 2
        cyc = cat_med.get(k, math.nan)
        if math.isnan(cyc): continue
        within = v[0] >= 2 and v[4] <= 2 * cyc
        s["fw"] += within
        if v[1] + 2 * cyc < as_of: s["ob"] += 1; s["ret"] += within
        st = pr[(c, k)][7]
        s["due"] += st == "due"; s["over"] += st == "overdue"
    if len(rep) != len(stats):
        print(f"categories: {len(rep)} rows, reference {len(stats)}"); bad += 1
    for row in rep.itertuples(index=False):
        s = stats[row.category]; cyc = cat_med.get(row.category, math.nan)
        ok = int(row.buyers) == s["b"] and int(row.repeat_buyers) == s["r"] and \
             int(row.due) == s["due"] and int(row.overdue) == s["over"]
        if math.isnan(cyc):
            ok = ok and row.median_cycle_days == "" and row.observed_buyers == ""
        else:
            ok = ok and row.median_cycle_days == "%.2f" % cyc and \
                 int(row.observed_buyers) == s["ob"] and int(row.returned_within_2x) == s["ret"] and \
                 abs(float(row.first_gap_within_2x_share) - s["fw"] / s["r"]) < 6e-5 and \
                 (s["ob"] == 0 or abs(float(row.returned_within_2x_share) - s["ret"] / s["ob"]) < 6e-5)
        if not ok:
            bad += 1
            if bad <= 5: print("category", row, s, cyc)
    print(f"customers {len(cc)}, pairs {len(pc)}, categories {len(stats)}, mismatches {bad}")
    return bad

if __name__ == "__main__":
    path, kind, out, as_of, due, fb = sys.argv[1:7]
    as_of = int(np.datetime64(as_of, "D").astype(np.int64))
    sys.exit(1 if main(path, kind, out, as_of, int(due), fb == "1") else 0)
PYEOF
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 5 --orders-only --quiet --out "$WORK/g"
for run in "2025-06-01 14 0" "2025-03-01 30 1"; do
  set -- $run
  fb=; [ "$3" = 1 ] && fb=--fallback
  expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/g/orders.csv" --as-of "$1" \
    --due-days "$2" $fb --quiet --out "$WORK/o"
  $PY "$WORK/ref.py" "$WORK/g/orders.csv" gen "$WORK/o" "$1" "$2" "$3" > "$WORK/ref.out" 2>&1 ||
    fail "generated data, as of $1: $(head -c 600 "$WORK/ref.out")"
done
data="$SHARED_DATA/online_retail/online_retail.csv"
if [ -r "$data" ]; then
  expect_exit 0 -- "$PATRON" repurchase --orders "$data" --map customer_id=CustomerID \
    --map order_id=InvoiceNo --map order_time=InvoiceDate --map quantity=Quantity \
    --map unit_price=UnitPrice --map category=StockCode --fallback --quiet --out "$WORK/or"
  $PY "$WORK/ref.py" "$data" retail "$WORK/or" 2011-12-10 14 1 > "$WORK/ref.out" 2>&1 ||
    fail "online retail: $(head -c 600 "$WORK/ref.out")"
  expect_contains "$WORK/ref.out" "customers 4338, pairs 266792, categories 3665, mismatches 0"
else
  echo "note: $data absent, online retail part skipped"
fi
finish
