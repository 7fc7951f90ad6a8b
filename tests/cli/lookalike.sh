# patron lookalike (SPEC 9) on data with a planted lookalike group: a tenth of the customers
# (group G) buy garden items on the app, live in one city and browse more; the seed is
# part of G plus ids that are no customer. The held-out AUC must be well above 0.5, the
# written audience must be rich in the rest of G, the printed and lookalike.json AUC must
# equal scikit-learn's roc_auc_score on the evaluation scores, --top must follow
# floor(PCT/100 x n + 0.5), runs must be deterministic per --rng-seed, and bad input must
# give the SPEC's exit codes and messages.
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import sklearn, pandas' 2>/dev/null || { echo "scikit-learn missing: skipped"; exit 77; }
/usr/bin/python3 - "$WORK" <<'PY'
import random, sys
w = sys.argv[1]
rng = random.Random(11)
n = 3000
cats, cities, chans = ["grocery", "beauty", "books", "toys", "home"], ["Beijing", "Shanghai", "Wuhan", "Xian"], ["online", "offline"]
group = set(rng.sample(range(n), n // 10))
with open(f"{w}/orders.csv", "w") as o, open(f"{w}/customers.csv", "w") as c, open(f"{w}/events.csv", "w") as e:
    o.write("customer_id,order_id,order_time,amount,category,channel\n")
    c.write("customer_id,gender,city,signup_date\n")
    e.write("customer_id,event_time,event_type,category\n")
    k = 0
    for i in range(n):
        cid = f"C{i:05d}"
        g = i in group
        city = "Chengdu" if g and rng.random() < 0.8 else rng.choice(cities)
        c.write(f"{cid},{rng.choice('FM')},{city},2023-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n")
        if rng.random() < 0.05:
            continue  # a prospect
        for _ in range(rng.randint(1, 8)):
            k += 1
            cat = "garden" if g and rng.random() < 0.7 else rng.choice(cats)
            ch = "app" if g and rng.random() < 0.7 else rng.choice(chans)
            o.write(f"{cid},O{k},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00:00,"
                    f"{rng.uniform(10, 300):.2f},{cat},{ch}\n")
        for _ in range(rng.randint(0, 6) + (8 if g else 0)):
            e.write(f"{cid},2024-12-{rng.randint(1, 28):02d} 09:00:00,view,{rng.choice(cats)}\n")
group = sorted(group)
seed = group[: int(len(group) * 0.6)]
with open(f"{w}/seed.csv", "w") as s:
    s.write("customer_id,note\n")
    s.writelines(f"C{i:05d},x\n" for i in seed)
    s.write("NOBODY1,x\nNOBODY2,x\n")
with open(f"{w}/rest_of_group.txt", "w") as r:
    r.writelines(f"C{i:05d}\n" for i in group[len(seed):])
PY
IN=(--orders "$WORK/orders.csv" --customers "$WORK/customers.csv" --events "$WORK/events.csv"
    --as-of 2025-01-01)
mkdir -p "$WORK/la"
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --size 150 \
  --out "$WORK/la/aud.csv" --eval-out "$WORK/eval.csv" --rng-seed 3
cp "$WORK/out" "$WORK/report.txt"
expect_contains "$WORK/report.txt" "Seed:      180 customers (2 ids are no customer: ignored)"
expect_contains "$WORK/report.txt" "Scored:    2820 non-seed customers"
expect_contains "$WORK/report.txt" "36 seed members (20%) hidden"
/usr/bin/python3 - "$WORK" <<'PY' || fail "lookalike checks against scikit-learn / the planted group"
import json, sys, pandas as pd
from sklearn.metrics import roc_auc_score
w = sys.argv[1]
j = json.load(open(f"{w}/la/lookalike.json"))
ev = pd.read_csv(f"{w}/eval.csv", dtype={"customer_id": str})
auc = roc_auc_score(ev.hidden, ev.score)
assert abs(auc - j["evaluation"]["auc"]) < 1e-8, (auc, j["evaluation"]["auc"])
assert f"{j['evaluation']['auc']:.4f}" in open(f"{w}/report.txt").read()
assert j["evaluation"]["auc"] > 0.8, j["evaluation"]
assert j["seed"] == 180 and j["unknown_seed_ids"] == 2 and j["candidates"] == 2820
assert j["evaluation"]["hidden"] == 36 and len(ev) == 2820 + 36 and ev.hidden.sum() == 36
# recall and lift among the best k = 150 of the 2856 ranked rows (ties by customer_id)
ev = ev.sort_values(["score", "customer_id"], ascending=[False, True])
recall = ev.hidden.head(150).sum() / 36
assert abs(recall - j["evaluation"]["recall"]) < 1e-9, (recall, j["evaluation"])
assert abs(j["evaluation"]["lift"] - recall * 2856 / 150) < 1e-7
aud = pd.read_csv(f"{w}/la/aud.csv", dtype={"customer_id": str})
assert list(aud.columns) == ["customer_id", "score", "rank"] and len(aud) == 150
assert list(aud["rank"]) == list(range(1, 151))
assert (aud.score.diff().dropna() <= 0).all() and aud.score.between(0, 1).all()
seed = set(pd.read_csv(f"{w}/seed.csv", dtype=str).customer_id)
assert not seed & set(aud.customer_id)
rest = set(open(f"{w}/rest_of_group.txt").read().split())
hit = len(rest & set(aud.customer_id)) / len(aud)
assert hit > 0.3, hit  # the base rate of the rest of G among non-seed customers is 4%
print("AUC", auc, "recall", recall, "share of the planted group in the audience", hit)
PY
# deterministic per --rng-seed; another seed draws another holdout
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --size 150 \
  --out "$WORK/again.csv" --rng-seed 3 --quiet
expect_same "$WORK/again.csv" "$WORK/la/aud.csv"
cp "$WORK/lookalike.json" "$WORK/json3"
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --size 150 \
  --out "$WORK/again.csv" --rng-seed 3 --quiet
expect_same "$WORK/lookalike.json" "$WORK/json3"
# --top: floor(2.5/100 x 2820 + 0.5) = 71 rows; --seed-where; --holdout 0
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" --seed-where "city = 'Chengdu' and frequency >= 3" \
  --top 2.5 --holdout 0 --out "$WORK/top.csv"
expect_contains "$WORK/out" "Evaluation: none (--holdout 0)"
[ "$(($(wc -l <"$WORK/top.csv") - 1))" = 71 ] || fail "--top 2.5 wrote $(wc -l <"$WORK/top.csv") lines"
# with an evaluation, a seed chosen by a condition gets the note naming its columns, once each
expect_exit 0 -- "$PATRON" lookalike "${IN[@]}" \
  --seed-where "frequency >= 3 and (city = 'Chengdu' or frequency >= 9)" --size 10 \
  --out "$WORK/where.csv"
expect_contains "$WORK/out" "Note: the seed is chosen by a condition on frequency, city, which the model"
# --config
printf 'orders = orders.csv\ncustomers = customers.csv\nas-of = 2025-01-01\nseed = seed.csv\nsize = 150\nrng-seed = 3\nout = cfg.csv\nquiet = true\n' >"$WORK/la.conf"
expect_exit 0 -- "$PATRON" lookalike --config "$WORK/la.conf"
[ -s "$WORK/cfg.csv" ] || fail "--config run wrote no file"
# bad input
expect_exit 2 -- "$PATRON" lookalike "${IN[@]}" --size 10 --out "$WORK/x.csv"
expect_contains "$WORK/err" "give one of --seed FILE or --seed-where EXPR"
expect_exit 2 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --out "$WORK/x.csv"
expect_contains "$WORK/err" "give one of --size N or --top PCT"
expect_exit 2 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --top 0 --out "$WORK/x.csv"
expect_contains "$WORK/err" "--top expects a percentage in (0, 100]"
expect_exit 2 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/seed.csv" --size 5 --holdout 100 --out "$WORK/x.csv"
expect_exit 2 -- "$PATRON" lookalike "${IN[@]}" --seed-where "frequncy > 2" --size 5 --out "$WORK/x.csv"
expect_contains "$WORK/err" "--seed-where: unknown column 'frequncy' (did you mean frequency?) at offset 0"
expect_contains "$WORK/err" "^"
expect_exit 1 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/missing.csv" --size 5 --out "$WORK/x.csv"
expect_contains "$WORK/err" "missing.csv"
printf 'customer_id\nC00001\n"",x\n' >"$WORK/badseed.csv"
expect_exit 1 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/badseed.csv" --size 5 --out "$WORK/x.csv"
expect_contains "$WORK/err" "badseed.csv:3"
printf 'customer_id\nNOBODY\n' >"$WORK/noseed.csv"
expect_exit 1 -- "$PATRON" lookalike "${IN[@]}" --seed "$WORK/noseed.csv" --size 5 --out "$WORK/x.csv"
expect_contains "$WORK/err" "the seed holds no customer"
finish
