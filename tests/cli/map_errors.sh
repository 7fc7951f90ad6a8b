# --map mistakes are errors, not silent fallbacks (issue 8, section 2 item 4): a map to a
# header the file lacks, the same column mapped twice; a missing required column lists the
# headers found and hints at the delimiter or the encoding.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
# the header has no 'Total': the default 'amount' column must not be used silently
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map amount=Total
expect_contains "$WORK/err" "orders.csv:1: --map amount=Total: the orders file has no column 'Total'"
expect_contains "$WORK/err" "its columns: 'customer_id', 'order_id', 'order_time', 'amount', 'category'"
expect_exit 1 -- "$PATRON" repurchase --orders orders.csv --out "$WORK/o" --map orders.amount=Total
expect_contains "$WORK/err" "--map orders.amount=Total: the orders file has no column 'Total'"
# a mapped header that exists still works, case-insensitively
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map amount=AMOUNT --quiet
# the same column twice
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map amount=amount \
  --map amount=category
expect_contains "$WORK/err" "already mapped by an earlier --map"
expect_exit 2 -- "$PATRON" cluster --orders orders.csv --out "$WORK/o" --map orders.amount=amount \
  --map orders.amount=category
expect_contains "$WORK/err" "already mapped by an earlier --map"
# a generic and a file-specific map of one name are not a repetition
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map amount=amount \
  --map orders.amount=amount --quiet
# semicolon-separated file read with commas: one column; the message shows it and hints
printf 'customer_id;order_id;order_time;amount\nA;1;2024-01-01;5\n' > "$WORK/semi.csv"
expect_exit 1 -- "$PATRON" analyze --orders "$WORK/semi.csv" --out "$WORK/o"
expect_contains "$WORK/err" "missing required column 'customer_id'"
expect_contains "$WORK/err" "its columns: 'customer_id;order_id;order_time;amount'"
expect_contains "$WORK/err" "--delimiter"
# a GBK header: not UTF-8, say so
printf 'customer_id,order_id,\xbd\xf0\xb6\xee\n' > "$WORK/gbk.csv"
expect_exit 1 -- "$PATRON" analyze --orders "$WORK/gbk.csv" --out "$WORK/o"
expect_contains "$WORK/err" "missing required column 'order_time'"
expect_contains "$WORK/err" "not UTF-8"
finish
