# Bad input and bad usage: clear messages naming file, line or flag; exit 1 or 2 (SPEC 5).
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
expect_exit 2 -- "$PATRON" analyze --out "$WORK/o"
expect_contains "$WORK/err" "--orders FILE is required"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv
expect_contains "$WORK/err" "--out DIR is required"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --bogus
expect_contains "$WORK/err" "unknown option '--bogus'"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --ouput "$WORK/o"
expect_contains "$WORK/err" "unknown option '--ouput' (did you mean '--out'?)"
expect_exit 2 -- "$PATRON" trigger run --rulez r.json
expect_contains "$WORK/err" "(did you mean '--rules'?)"
expect_exit 2 -- "$PATRON" gen --out
expect_contains "$WORK/err" "missing value for '--out'"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --as-of 2024-02-30
expect_contains "$WORK/err" "--as-of expects a date YYYY-MM-DD"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map amountt=Total
expect_contains "$WORK/err" "unknown column name; did you mean 'amount'?"
expect_contains "$WORK/err" "  ^"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --map product_id=SKU
expect_contains "$WORK/err" "the orders' columns are customer_id, order_id, order_time, amount"
expect_contains "$WORK/err" "item_id)"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --date-format '%d.%q'
expect_contains "$WORK/err" "unsupported conversion"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --spec-only --stages clv
expect_contains "$WORK/err" "--spec-only runs no model stage: drop --stages or --spec-only"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --bins 12
expect_contains "$WORK/err" "--bins expects a whole number from 2 to 9"
expect_exit 1 -- "$PATRON" analyze --orders /nonexistent.csv --out "$WORK/o"
expect_contains "$WORK/err" "/nonexistent.csv: cannot open"
: > "$WORK/empty.csv"
expect_exit 1 -- "$PATRON" analyze --orders "$WORK/empty.csv" --out "$WORK/o"
expect_contains "$WORK/err" "empty.csv: file is empty; expected a header row"
printf '\357\273\277' > "$WORK/bom.csv" # a byte-order mark and nothing else
expect_exit 1 -- "$PATRON" analyze --orders "$WORK/bom.csv" --out "$WORK/o"
expect_contains "$WORK/err" "bom.csv: file is empty; expected a header row"
printf 'customer_id,order_id,amount\nA,1,2\n' > "$WORK/nocol.csv"
expect_exit 1 -- "$PATRON" analyze --orders "$WORK/nocol.csv" --out "$WORK/o"
expect_contains "$WORK/err" "nocol.csv:1: missing required column 'order_time'"
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out "$WORK/o" --strict
expect_contains "$WORK/err" "orders.csv:15: empty_customer_id in column 'customer_id'"
expect_exit 1 -- "$PATRON" analyze --orders orders.csv --out /proc/forbidden/dir
expect_contains "$WORK/err" "cannot create directory"
expect_exit 2 -- "$PATRON" frobnicate
expect_contains "$WORK/err" "unknown command 'frobnicate'"
finish
