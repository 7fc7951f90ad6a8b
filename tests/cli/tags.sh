# patron analyze with --tags / --segments (SPEC section 7): rule columns, the tags column,
# custom_segment rows in segments.csv and the printed report; FILE:LINE errors exit 2.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
printf '# tags\nbig: monetary >= 200\nrecent: recency_days <= 10\n' > "$WORK/tags.txt"
printf 'vip: big and recent\nbooks: preferred_category = '"'"'books'"'"'\n' > "$WORK/segs.txt"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --tags "$WORK/tags.txt" --segments "$WORK/segs.txt" \
  --segments-name my_segment --out "$WORK/o"
head -1 "$WORK/o/profiles.csv" | grep -q ',big,recent,tags,my_segment$' ||
  fail "columns: $(head -1 "$WORK/o/profiles.csv")"
# A: 150, recency 1 -> recent, books; B: 200, recency 10 -> big, recent -> vip; D: 500 -> big
expect_contains "$WORK/o/profiles.csv" ',0,1,recent,books'
expect_contains "$WORK/o/profiles.csv" ',1,1,big|recent,vip'
expect_contains "$WORK/o/profiles.csv" ',1,0,big,others'
expect_contains "$WORK/o/segments.csv" 'my_segment,vip,1,'
expect_contains "$WORK/o/segments.csv" 'big,1,2,'
expect_contains "$WORK/o/segments.csv" 'big,0,'
expect_contains "$WORK/out" 'my_segment'
# errors: FILE:LINE with the caret, exit 2
printf 'ok: true\nbad: recency > 3\n' > "$WORK/bad.txt"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --as-of 2024-01-11 --tags "$WORK/bad.txt" \
  --out "$WORK/o2"
expect_contains "$WORK/err" "bad.txt:2: bad: unknown column 'recency' (did you mean recency_days?) at offset 0"
expect_contains "$WORK/err" "  ^"
printf 'frequency: true\n' > "$WORK/shadow.txt"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --segments "$WORK/shadow.txt" --out "$WORK/o3"
expect_contains "$WORK/err" "shadow.txt:1: rule 'frequency' would shadow the profile column"
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --tags "$WORK/missing.txt" --out "$WORK/o4"
expect_contains "$WORK/err" "missing.txt"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --price-bands 5,1 --out "$WORK/o5"
expect_contains "$WORK/err" "--price-bands"
finish
