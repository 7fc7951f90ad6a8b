#!/usr/bin/env bash
# analyze --mpi (SPEC section 15, docs/SCALE.md section 9): profiles.csv and segments.csv
# byte-identical to the single-process run, and summary.json equal apart from timings, for
# N ranks (oversubscribed; N = 1..8 for --spec-only, the model stages, the analyze default
# and the default with members and events, a few N for the rest), on generated orders with
# quoted ids, CRLF lines, blank lines, bad rows and no final line break (and gzip, no
# header, standard input); the shuffle is also run in many small rounds
# (PATRON_MPI_CHUNK_BYTES) to exercise the 64-bit-count path. Also: the built-in tags from
# inputs combined over the ranks, --cycle-fallback, rule files (member columns, behaviour
# functions), --churn-model (churn, propensity), --db (the store's rows), --validate-loyalty,
# and the usage errors left.
# The clusters are fitted over every rank's purchasers (centre sums combined by
# MPI_Allreduce), --k auto's scan included.
# Skipped (77) when the binary was built without MPI.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
if "$PATRON" analyze --mpi --orders x --out x 2>&1 | grep -q "built without MPI"; then
  echo "SKIP: this patron was built without MPI"; exit 77
fi
command -v mpirun >/dev/null || { echo "SKIP: mpirun is not installed"; exit 77; }
# CI runs as root. Under ASan: OpenMPI's own allocations are not ours to check, so
# LeakSanitizer suppresses stacks through MPI's libraries (mpi_lsan.supp); they are built
# without frame pointers, hence the slow unwinder, and plugins stay loaded to be named.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/mpi_lsan.supp:print_suppressions=0"

$PY - "$WORK/orders.csv" <<'PYEOF'
import random, sys
rng = random.Random(14)
out = open(sys.argv[1], "w", newline="")
out.write("customer_id,order_id,order_time,amount\n")
ids = ["C%05d" % i for i in range(1500)] + ['"Q,%d"' % i for i in range(40)] + ["\u5ba2%d" % i for i in range(30)]
for o in range(12000):
    c = ids[min(int(rng.paretovariate(1.2)) - 1, len(ids) - 1)] if rng.random() < 0.3 else rng.choice(ids)
    day = 1 + rng.randrange(700)
    amt = "%.2f" % (rng.lognormvariate(3, 1) * (-1 if rng.random() < 0.02 else 1))
    line = "%s,O%d,%s,%s" % (c, o, "2023-%02d-%02d" % (1 + day % 12, 1 + day % 28), amt)
    r = rng.random()
    if r < 0.01: line = "%s,O%d,not-a-date,1.00" % (c, o)
    elif r < 0.015: line = ""
    elif r < 0.02: line = ",O%d,2023-01-01,1.00" % o
    out.write(line + ("\r\n" if rng.random() < 0.1 else "\n"))
out.write("C00001,LAST,2024-01-01,5.00")
PYEOF

# expect_exit for mpirun: under ASan, LeakSanitizer's own tracer sometimes crashes while
# stopping OpenMPI's threads ("LeakSanitizer has encountered a fatal error", no leak
# report). Such a run is made again with the leak check on; when the tracer crashes again,
# once more with AddressSanitizer's other checks only (the same code is leak-checked by
# every other run of this test).
tracer_crashed() { grep -q "LeakSanitizer has encountered a fatal error" "$WORK/err"; }
mpi_exit() { # CODE -- command...
  local want=$1; shift; [ "$1" = "--" ] && shift
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" != "$want" ] && tracer_crashed; then
    echo "note: LeakSanitizer's tracer crashed (not a leak report): running again"
    "$@" >"$WORK/out" 2>"$WORK/err"
    got=$?
  fi
  if [ "$got" != "$want" ] && tracer_crashed; then
    echo "note: LeakSanitizer's tracer crashed again: running without the leak check"
    ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" "$@" >"$WORK/out" 2>"$WORK/err"
    got=$?
  fi
  [ "$got" = "$want" ] || fail "exit $got (wanted $want): $* ; stderr: $(head -c 400 "$WORK/err")"
}

run_single() { # DIR ARGS... (--spec-only unless ARGS start with --stages)
  local dir=$1; shift
  [ "${1:-}" = --stages ] || set -- --spec-only "$@"
  expect_exit 0 -- "$PATRON" analyze --orders "$WORK/orders.csv" --quiet --out "$dir" "$@"
}
run_mpi() { # N DIR ARGS... (--spec-only unless ARGS start with --stages)
  local n=$1 dir=$2; shift 2
  [ "${1:-}" = --stages ] || set -- --spec-only "$@"
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 \
    --orders "$WORK/orders.csv" --quiet --out "$dir" "$@"
}
same_outputs() { # GOT WANT
  expect_same "$1/profiles.csv" "$2/profiles.csv"
  expect_same "$1/segments.csv" "$2/segments.csv"
  $PY - "$1/summary.json" "$2/summary.json" <<'PYEOF' || fail "$1/summary.json differs from $2's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b): d.pop("timings_seconds")
sys.exit(a != b)
PYEOF
}

run_single "$WORK/one"
[ "$(wc -l <"$WORK/one/profiles.csv")" -gt 1500 ] || fail "too few profiles"
$PY -c "import json,sys; r=json.load(open(sys.argv[1]))['inputs']['orders']; sys.exit(not (r['rows_rejected'] > 0 and r['blank_lines'] > 0))" \
  "$WORK/one/summary.json" || fail "the fixture should have rejects and blank lines"
for n in 1 2 3 4 5 6 7 8; do
  run_mpi "$n" "$WORK/m$n"
  same_outputs "$WORK/m$n" "$WORK/one"
done
expect_contains "$WORK/err" "rejects.csv is not written under --mpi"
[ ! -e "$WORK/m8/rejects.csv" ] || fail "rejects.csv written under --mpi"

# the model stages: CLV (one fit on rank 0 from every rank's counts, predictions on the
# ranks), clusters, loyalty and the relationship stage, byte for byte for every N
models=(--stages clv,repurchase,cluster,tiers,loyalty,relationship_stage)
run_single "$WORK/mod" "${models[@]}"
head -1 "$WORK/mod/profiles.csv" | grep -q "p_alive,exp_purchases_90d,clv_365d,repurchase_cycle_days,.*,cluster,cluster_label,value_index,tier,member_level,loyalty_score,loyalty,stage" ||
  fail "the model columns are missing: $(head -1 "$WORK/mod/profiles.csv")"
$PY -c "import json,sys; c=json.load(open(sys.argv[1]))['clv']; sys.exit(not c)" "$WORK/mod/summary.json" ||
  fail "no CLV fit in summary.json"
for n in 1 2 3 4 5 6 7 8; do
  run_mpi "$n" "$WORK/mod$n" "${models[@]}"
  same_outputs "$WORK/mod$n" "$WORK/mod"
done
# the clusters: one fit over every rank's purchasers (exact sums, global k-means++ draws):
# --k auto with a silhouette sample smaller than the purchasers (drawn by global row), and
# features naming a column the ranks do not have (r_score: rank 0 fits on the merged rows)
clus=(--stages cluster --k auto --k-range 2..6 --silhouette-sample 300)
run_single "$WORK/clus" "${clus[@]}"
for n in 2 5 8; do
  run_mpi "$n" "$WORK/clus$n" "${clus[@]}"
  same_outputs "$WORK/clus$n" "$WORK/clus"
done
run_single "$WORK/clusr" --stages cluster --features "r_score,log1p(monetary)" --k 3
run_mpi 3 "$WORK/clusr3" --stages cluster --features "r_score,log1p(monetary)" --k 3
same_outputs "$WORK/clusr3" "$WORK/clusr"
# other model options, a purchase model the data cannot support (columns empty, the same
# warning), and the spend model off
run_single "$WORK/modopt" --stages clv,cluster --clv-model bgnbd --k 3 --as-of 2023-10-01
run_mpi 3 "$WORK/modopt3" --stages clv,cluster --clv-model bgnbd --k 3 --as-of 2023-10-01
same_outputs "$WORK/modopt3" "$WORK/modopt"
printf 'customer_id,order_id,order_time,amount\n' >"$WORK/once.csv"
for i in $(seq 1 60); do echo "C$i,O$i,2023-0$((1 + i % 9))-1$((i % 10)),$i.50"; done >>"$WORK/once.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/once.csv" --stages clv,cluster --k auto \
  --quiet --out "$WORK/once"
expect_contains "$WORK/once/summary.json" "CLV columns left empty"
mpi_exit 0 -- mpirun --oversubscribe -np 4 "$PATRON" analyze --mpi --orders "$WORK/once.csv" \
  --stages clv,cluster --k auto --quiet --out "$WORK/once4"
same_outputs "$WORK/once4" "$WORK/once"

# 64-bit counts travel in rounds: force many small ones
PATRON_MPI_CHUNK_BYTES=1000 run_mpi 4 "$WORK/chunked"
same_outputs "$WORK/chunked" "$WORK/one"

# options that change the global figures, and an as-of inside the data
run_single "$WORK/opt" --bins 4 --threshold median --abc 10,30 --as-of 2023-09-01
run_mpi 3 "$WORK/opt3" --bins 4 --threshold median --abc 10,30 --as-of 2023-09-01
same_outputs "$WORK/opt3" "$WORK/opt"

# gzip input (every rank reads the spooled text) and a file without a header
gzip -c "$WORK/orders.csv" >"$WORK/orders.csv.gz"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/orders.csv.gz" --spec-only --quiet --out "$WORK/gz"
mpi_exit 0 -- mpirun --oversubscribe -np 3 "$PATRON" analyze --mpi --threads 1 \
  --orders "$WORK/orders.csv.gz" --spec-only --quiet --out "$WORK/gz3"
same_outputs "$WORK/gz3" "$WORK/gz"
tail -n +2 "$WORK/orders.csv" >"$WORK/bare.csv"
bare=(--no-header --columns customer_id,order_id,order_time,amount --spec-only --quiet)
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/bare.csv" "${bare[@]}" --out "$WORK/bare"
mpi_exit 0 -- mpirun --oversubscribe -np 4 "$PATRON" analyze --mpi --threads 1 \
  --orders "$WORK/bare.csv" "${bare[@]}" --out "$WORK/bare4"
same_outputs "$WORK/bare4" "$WORK/bare"

# the default stage list (every model stage, the built-in tags included) on orders with
# lines: categories (non-ASCII, quoted), a brand on three rows only and a discount on a few
# (so most ranks see none: the tags' inputs and labels are combined over the ranks), and
# channels; then with a members file (birth dates, members without orders) and events
# (cart events, customers with events only, event categories no order has)
$PY - "$WORK" <<'PYEOF'
import random, sys
rng = random.Random(15)
d = sys.argv[1]
cats = ["toys", "\u4e66", '"a, b"', "food", ""]
ids = ["K%04d" % i for i in range(900)]
with open(d + "/rich.csv", "w") as out:
    out.write("customer_id,order_id,order_time,amount,category,brand,channel,discount\n")
    for o in range(5000):
        c = rng.choice(ids)
        t = "2023-%02d-%02d %02d:00" % (1 + rng.randrange(12), 1 + rng.randrange(28), rng.randrange(24))
        for line in range(1 + (rng.random() < 0.3)):
            brand = "B%d" % o if o in (17, 2500, 4999) else ""
            disc = "5" if rng.random() < 0.01 else ""
            ch = rng.choice(["online", "store", "app", ""])
            amt = "%.2f" % (rng.lognormvariate(3, 1) * (-1 if rng.random() < 0.02 else 1))
            out.write("%s,O%d,%s,%s,%s,%s,%s,%s\n" % (c, o, t, amt, rng.choice(cats), brand, ch, disc))
with open(d + "/members.csv", "w") as out:
    out.write("customer_id,birth_date,city,signup_date\n")
    for i in range(0, 1100, 3):
        birth = "19%02d-%02d-11" % (50 + rng.randrange(50), 1 + rng.randrange(12)) if rng.random() < 0.05 else ""
        out.write("K%04d,%s,%s,2022-01-01\n" % (i, birth, rng.choice(["X", "Y", "\u57ce"])))
    out.write(",1990-01-01,X,2022-01-01\n")
with open(d + "/events.csv", "w") as out:
    out.write("customer_id,event_time,event_type,category\n")
    for e in range(6000):
        c = "K%04d" % rng.randrange(1200)
        t = "2023-%02d-%02d %02d:00" % (1 + rng.randrange(12), 1 + rng.randrange(28), rng.randrange(24))
        out.write("%s,%s,%s,%s\n" % (c, t, rng.choice(["view", "cart", "visit"]), rng.choice(["toys", "ev%d" % (e % 7), ""])))
    out.write("K0001,not-a-time,view,x\n")
PYEOF
rich=(--orders "$WORK/rich.csv" --quiet)
expect_exit 0 -- "$PATRON" analyze "${rich[@]}" --out "$WORK/rich"
head -1 "$WORK/rich/profiles.csv" | grep -q "preferred_category,preferred_brand,preferred_channel,omnichannel,price_band,promo_share,promo_sensitivity,loyalty_score" ||
  fail "the tag columns are missing: $(head -1 "$WORK/rich/profiles.csv")"
for n in 1 2 3 4 5 6 7 8; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 "${rich[@]}" \
    --out "$WORK/rich$n"
  same_outputs "$WORK/rich$n" "$WORK/rich"
done

# with the members file and events: each shuffled to the customer's owner rank like the
# orders (members without orders and customers with events only are customers, as in one
# process), the files' reports summed, the cart events reaching the tiers
withfiles=("${rich[@]}" --customers "$WORK/members.csv" --events "$WORK/events.csv")
expect_exit 0 -- "$PATRON" analyze "${withfiles[@]}" --out "$WORK/all"
head -1 "$WORK/all/profiles.csv" | grep -q "age_band,events_30d,last_event_date" ||
  fail "the member and event tags are missing: $(head -1 "$WORK/all/profiles.csv")"
grep -q "^K1000,,," "$WORK/all/profiles.csv" || fail "no customer without orders in the fixture"
for n in 1 2 3 4 5 6 7 8; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 \
    "${withfiles[@]}" --out "$WORK/all$n"
  same_outputs "$WORK/all$n" "$WORK/all"
done
expect_contains "$WORK/err" "rows were rejected"
run_single "$WORK/allspec" --customers "$WORK/members.csv" --events "$WORK/events.csv" --as-of 2023-07-01
run_mpi 4 "$WORK/allspec4" --customers "$WORK/members.csv" --events "$WORK/events.csv" --as-of 2023-07-01
same_outputs "$WORK/allspec4" "$WORK/allspec"
# the parts have no extension to tell a .tsv by: files of two delimiters need --delimiter
tr , '\t' <"$WORK/members.csv" >"$WORK/members.tsv"
mpi_exit 2 -- mpirun --oversubscribe -np 2 "$PATRON" analyze --mpi "${rich[@]}" \
  --customers "$WORK/members.tsv" --out "$WORK/x"
expect_contains "$WORK/err" "give --delimiter"

# rule files (--tags, --segments): rank 0 sends every rank the columns it computed for
# that rank's customers, the ranks run the rules over their own data (profile columns,
# global ones included, member columns, age(), behaviour functions), rank 0 joins `tags`
# and reports the segmentation; a bad rule is one usage error, as in one process
printf '%s\n' '# rule tags' "big: monetary > 300 and r_score >= 3" \
  "vip: big and (segment = 'champions' or tier = 'high_value')" \
  "app_or_c2: preferred_channel = 'app' or cluster = 2 or events_30d > 0" \
  "city_x: city = 'X' or age() > 40" \
  "browse: events('view', 30) >= 1 or purchases(90, 'toys') >= 2 or cart_abandoned(72)" \
  >"$WORK/rules.txt"
printf '%s\n' "hot: stage = 'formation'" "lookers: events('cart', 60) > spend(60) / 100" \
  "mid: frequency between 2 and 4" >"$WORK/segs.txt"
expect_exit 0 -- "$PATRON" analyze "${withfiles[@]}" --tags "$WORK/rules.txt" \
  --segments "$WORK/segs.txt" --out "$WORK/rules"
head -1 "$WORK/rules/profiles.csv" | grep -q ",big,vip,app_or_c2,city_x,browse,tags,custom_segment$" ||
  fail "the rule columns are missing: $(head -1 "$WORK/rules/profiles.csv")"
for n in 1 3 8; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 \
    "${withfiles[@]}" --tags "$WORK/rules.txt" --segments "$WORK/segs.txt" --out "$WORK/rules$n"
  same_outputs "$WORK/rules$n" "$WORK/rules"
done
printf '%s\n' "x: recency > 3" >"$WORK/bad_rule.txt"
mpi_exit 2 -- mpirun --oversubscribe -np 3 "$PATRON" analyze --mpi "${withfiles[@]}" \
  --tags "$WORK/bad_rule.txt" --out "$WORK/x"
[ "$(grep -c "bad_rule.txt:1: x: unknown column 'recency'" "$WORK/err")" = 1 ] ||
  fail "the rule error should be printed once: $(cat "$WORK/err")"

# --churn-model: every rank scores its customers with the saved model; the features' RFM
# scores count over every rank's customers (churn with the logistic learner, purchase
# propensity with XGBoost)
expect_exit 0 -- "$PATRON" churn train "${withfiles[@]}" \
  --cutoff 2023-09-01 --horizon 60d --learner logistic --threads 1 --out "$WORK/churn"
expect_exit 0 -- "$PATRON" propensity train "${withfiles[@]}" \
  --cutoff 2023-09-01 --horizon 60d --rounds 20 --threads 1 --out "$WORK/prop"
for model in churn prop; do
  expect_exit 0 -- "$PATRON" analyze "${withfiles[@]}" --churn-model "$WORK/$model" \
    --out "$WORK/$model.one"
  for n in 1 3 8; do
    mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 \
      "${withfiles[@]}" --churn-model "$WORK/$model" --out "$WORK/$model$n"
    same_outputs "$WORK/$model$n" "$WORK/$model.one"
  done
done
head -1 "$WORK/prop.one/profiles.csv" | grep -q ",purchase_propensity$" || fail "no propensity column"
# one rank fails on its own before the features' exchanges (here: it reads a broken model):
# the others stop at their next exchange instead of waiting for it, and its message is printed
mkdir -p "$WORK/badmodel"
cp "$WORK/churn"/* "$WORK/badmodel/"
echo '{"schema": "patron.logistic"}' >"$WORK/badmodel/model.json"
cat >"$WORK/rank_model.sh" <<EOF
#!/bin/sh
m="$WORK/churn"; [ "\$OMPI_COMM_WORLD_RANK" = 1 ] && m="$WORK/badmodel"
exec "$PATRON" analyze --mpi --threads 1 ${withfiles[*]} --churn-model "\$m" --out "$WORK/rm"
EOF
chmod +x "$WORK/rank_model.sh"
mpi_exit 1 -- timeout 120 mpirun --oversubscribe -np 3 "$WORK/rank_model.sh"
expect_contains "$WORK/err" "bad churn model"

# --validate-loyalty: every rank's validation rows travel with its profile rows (hidden
# columns); rank 0 computes the AUCs over them in customer_id order, the single process's
expect_exit 0 -- "$PATRON" analyze "${withfiles[@]}" --validate-loyalty 2023-07-01 --out "$WORK/val"
expect_contains "$WORK/val/summary.json" '"auc_loyalty"'
for n in 1 3 8; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 \
    "${withfiles[@]}" --validate-loyalty 2023-07-01 --out "$WORK/val$n"
  same_outputs "$WORK/val$n" "$WORK/val"
done

# standard input (mpirun gives it to rank 0, which broadcasts it): orders, and gzip events
expect_exit 0 -- "$PATRON" analyze --orders - --quiet --out "$WORK/in" <"$WORK/rich.csv"
gzip -c "$WORK/events.csv" >"$WORK/events.csv.gz"
expect_exit 0 -- "$PATRON" analyze "${rich[@]}" --events - --out "$WORK/inev" <"$WORK/events.csv.gz"
for n in 1 3; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 --orders - \
    --quiet --out "$WORK/in$n" <"$WORK/rich.csv"
  same_outputs "$WORK/in$n" "$WORK/in"
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 "${rich[@]}" \
    --events - --out "$WORK/inev$n" <"$WORK/events.csv.gz"
  same_outputs "$WORK/inev$n" "$WORK/inev"
done

# --cycle-fallback: the median cycle over every customer, taken on rank 0 from the ranks'
# own cycles (with the default stages, and with --stages repurchase alone)
expect_exit 0 -- "$PATRON" analyze "${rich[@]}" --cycle-fallback --out "$WORK/fb"
grep -q ",fallback," "$WORK/fb/profiles.csv" || fail "no fallback cycle in the fixture"
run_single "$WORK/fbr" --stages repurchase --cycle-fallback
for n in 2 5 8; do
  mpi_exit 0 -- mpirun --oversubscribe -np "$n" "$PATRON" analyze --mpi --threads 1 "${rich[@]}" \
    --cycle-fallback --out "$WORK/fb$n"
  same_outputs "$WORK/fb$n" "$WORK/fb"
  run_mpi "$n" "$WORK/fbr$n" --stages repurchase --cycle-fallback
  same_outputs "$WORK/fbr$n" "$WORK/fbr"
done

# usage errors: what --mpi does not do yet
mpi_exit 2 -- mpirun -np 2 "$PATRON" analyze --mpi --orders - --customers - --out "$WORK/x" \
  <"$WORK/orders.csv"
expect_contains "$WORK/err" "only one input file can be standard input"
mpi_exit 2 -- mpirun -np 2 "$PATRON" analyze --mpi --stages clv,nosuchstage \
  --orders "$WORK/orders.csv" --out "$WORK/x"
expect_contains "$WORK/err" "unknown stage 'nosuchstage'"
# a record spanning lines cannot be cut into byte ranges: a clear error naming the line
printf 'customer_id,order_id,order_time,amount\nC1,O1,2023-01-01,1\nC1,O2,2023-01-02,"5\n.00"\n' \
  >"$WORK/multi.csv"
mpi_exit 1 -- mpirun --oversubscribe -np 2 "$PATRON" analyze --mpi --spec-only \
  --orders "$WORK/multi.csv" --out "$WORK/multi"
expect_contains "$WORK/err" "multi.csv:3: a quoted field runs past the end of the line"
finish
