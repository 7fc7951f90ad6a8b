# The stage and loyalty columns of SPEC 17 through `patron analyze` on the small fixture (as
# of 2024-01-11): C bought 2023-06-01, 07-01, 08-01 (and a refund 08-05), tenure 224.
#   --stage-days 180: recent [2023-07-15, ..) = 1 (08-01), prior = 2 -> decline
#   --stage-days 200: recent [2023-06-25, ..) = 2, prior [2022-12-07, 2023-06-25) = 1
#                     -> formation
# The rows appear in segments.csv and the printed report, and rules can read the column.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
printf 'declining: stage = '"'"'decline'"'"'\n' > "$WORK/segs.txt"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --segments "$WORK/segs.txt" --out "$WORK/a"
grep -q '^C,.*,decline,declining$' "$WORK/a/profiles.csv" || fail "C: $(grep ^C, "$WORK/a/profiles.csv")"
expect_contains "$WORK/a/segments.csv" 'stage,decline,1,'
expect_contains "$WORK/a/segments.csv" 'loyalty,one_time,3,'
expect_contains "$WORK/out" '退化期'
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --stage-days 200 --out "$WORK/b"
grep -q '^C,.*,formation$' "$WORK/b/profiles.csv" || fail "C: $(grep ^C, "$WORK/b/profiles.csv")"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --stage-days 0 --out "$WORK/c"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --validate-loyalty 2024-13-01 --out "$WORK/c"
expect_contains "$WORK/err" 'validate-loyalty'
echo PASS
