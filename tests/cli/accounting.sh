# Every command that reads input files accounts for every row the same way: rejects.csv
# and summary.json with rows read = used + rejected (issue 8, section 2 item 2). When every
# order row is rejected the run says so (file, top reasons, an example line, a hint),
# writes rejects.csv and exits 1 (item 3).
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
# rows_read = rows_used + rows_rejected, with the fixture's rejects (15 rows, 3 rejected)
check_summary() { # FILE
  python3 - "$1" <<'PY' || fail "$1: accounting"
import json, sys
s = json.load(open(sys.argv[1]))
o = s["inputs"]["orders"]
assert o["rows_read"] == o["rows_used"] + o["rows_rejected"], o
assert o["rows_rejected"] > 0, o
assert sum(o["rejected_by_reason"].values()) == o["rows_rejected"], o
PY
}
check_run() { # DIR: rejects.csv lists what summary.json counts
  [ -s "${3:-$1/rejects.csv}" ] || fail "${3:-$1/rejects.csv} missing"
  check_summary "${2:-$1/summary.json}"
  local want got
  want=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['inputs']['orders']['rows_rejected'])" "${2:-$1/summary.json}")
  got=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1]))))" "${3:-$1/rejects.csv}")
  [ "$want" = "$got" ] || fail "$1: summary counts $want rejects, rejects.csv $got"
}
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --as-of 2024-01-11 --out "$WORK/an" --quiet
check_run "$WORK/an"
expect_exit 0 -- "$PATRON" repurchase --orders orders.csv --as-of 2024-01-11 --out "$WORK/rp" --quiet
check_run "$WORK/rp"
expect_exit 0 -- "$PATRON" cluster --orders orders.csv --as-of 2024-01-11 --out "$WORK/cl" --quiet
check_run "$WORK/cl"
# churn / propensity train and score on a generated world with two bad rows appended
expect_exit 0 -- "$PATRON" gen --customers 300 --seed 5 --out "$WORK/w" --quiet
printf 'C9,O9,not a date,5,1,books,B,app,,0\n,O8,2025-01-01,5,1,books,B,app,,0\n' >> "$WORK/w/orders.csv"
for task in churn propensity; do
  expect_exit 0 -- "$PATRON" $task train --orders "$WORK/w/orders.csv" --cutoff 2025-09-01 \
    --learner logistic --quiet --out "$WORK/$task"
  check_run "$WORK/$task"
  expect_exit 0 -- "$PATRON" $task score --orders "$WORK/w/orders.csv" --model "$WORK/$task" \
    --quiet --out "$WORK/new/$task/scores.csv"
  check_run "$WORK/new/$task" "$WORK/new/$task/scores.summary.json" \
    "$WORK/new/$task/scores.rejects.csv"
done

# every row rejected: CDNOW-like dates without --date-format
printf 'customer_id,order_id,order_time,amount\n' > "$WORK/cd.csv"
for i in 1 2 3 4 5; do printf '0000%d,o%d,1997010%d,29.33\n' "$i" "$i" "$i" >> "$WORK/cd.csv"; done
for cmd in analyze repurchase cluster "clv fit" "churn train --cutoff 1997-01-03" \
  "propensity score --model $WORK/churn"; do
  rm -rf "$WORK/rej"
  # shellcheck disable=SC2086
  expect_exit 1 -- "$PATRON" $cmd --orders "$WORK/cd.csv" --out "$WORK/rej"
  expect_contains "$WORK/err" "cd.csv: every one of the 5 order rows was rejected (bad_date 5)"
  expect_contains "$WORK/err" "e.g. line 2, column 'order_time': 00001,o1,19970101,29.33"
  expect_contains "$WORK/err" "--date-format"
  case "$cmd" in
    propensity*) [ -s "$WORK/rej.rejects.csv" ] || fail "$cmd: no rejects file" ;;
    *) [ -s "$WORK/rej/rejects.csv" ] || fail "$cmd: no rejects.csv" ;;
  esac
done
finish
