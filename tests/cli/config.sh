# --config FILE (SPEC 16): options from the file, relative paths relative to the file, the
# command line overriding the file, repeatable options, unknown options naming FILE:LINE.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/cfg"
cp "$TEST_DATA/small/orders.csv" "$TEST_DATA/small/customers.csv" "$WORK/cfg/"
cat > "$WORK/cfg/run.conf" <<'CONF'
# analyze the small fixture
orders = orders.csv
customers = customers.csv   # relative to this file
as-of = 2024-01-11
map = customer_id=customer_id
map = amount=amount
quiet = true
strict = false
CONF
cd "$WORK" || exit 1
expect_exit 0 -- "$PATRON" analyze --config cfg/run.conf --out "$WORK/o1"
expect_same "$WORK/o1/profiles.csv" "$TEST_DATA/small/expected/profiles.csv"
[ -s "$WORK/out" ] && fail "quiet = true printed a report"
# the command line overrides the file
expect_exit 0 -- "$PATRON" analyze --config cfg/run.conf --as-of 2024-01-12 --out "$WORK/o2"
expect_contains "$WORK/o2/summary.json" '"as_of": "2024-01-12"'
expect_exit 0 -- "$PATRON" audience --config=cfg/run.conf --where "monetary > 300" --out "$WORK/a.csv"
[ "$(cat "$WORK/a.csv")" = "$(printf 'customer_id\nD')" ] || fail "audience via config: $(cat "$WORK/a.csv")"
# errors
printf 'orders = orders.csv\n\nnot-an-option = 3\n' > "$WORK/cfg/bad.conf"
expect_exit 2 -- "$PATRON" analyze --config cfg/bad.conf --out "$WORK/o3"
expect_contains "$WORK/err" "cfg/bad.conf:3: unknown option 'not-an-option'"
expect_exit 1 -- "$PATRON" analyze --config cfg/missing.conf --out "$WORK/o4"
expect_contains "$WORK/err" "missing.conf"
expect_exit 2 -- "$PATRON" analyze --out "$WORK/o5" --config
finish
