# patron serve --db STORE: the store's snapshots, segments and movements between them, the
# report figures of the latest, the action log (filtered by rule and day) and an experiment's
# arms, the actions and assignments written into the store with Python's sqlite3 (an
# independent writer); with INPUTS too, their profile is the latest snapshot.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
orders="$TEST_DATA/small/orders.csv"
db="$WORK/s.db"
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --as-of 2024-01-05 --db "$db" --out "$WORK/a1" --quiet
expect_exit 0 -- "$PATRON" analyze --orders "$orders" --db "$db" --out "$WORK/a2" --quiet
/usr/bin/python3 - "$db" <<'PY' || fail "writing actions and assignments"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = [("a1", "winback", "coupon", "sms", "A", "treatment", 1704153600, 1704157200),
        ("a2", "winback", "coupon", "sms", "B", "holdout", 1704240000, 1704240000),
        ("a3", "welcome", "hello", "email", "C", "treatment", 1704931200, 1704931200)]
c.executemany("INSERT INTO actions (action_id, rule, campaign, channel, customer_id, arm,"
              " fired_at, send_at) VALUES (?,?,?,?,?,?,?,?)", rows)
c.executemany("INSERT INTO assignments VALUES (?,?,?,?,?,?)",
              [("promo", i, arm, 1, "promo", "2024-01-01") for i, arm in
               [("A", "control"), ("B", "treatment"), ("C", "treatment")]])
c.commit()
PY
start_server --db "$db"
expect_status 200 viewer GET /api/v1/snapshots
expect_contains "$WORK/body" '{"snapshots":[{"as_of":"2024-01-05","customers":'
expect_contains "$WORK/body" "{\"as_of\":\"2024-01-12\",\"customers\":$(($(wc -l <"$WORK/a2/profiles.csv") - 1))}"
expect_status 200 viewer GET '/api/v1/segments?as_of=2024-01-05&segmentation=rfm_class'
expect_status 200 viewer GET /api/v1/customers/A
expect_contains "$WORK/body" '"customer_id":"A"'
expect_status 200 viewer GET '/api/v1/movements?from=2024-01-05&to=2024-01-12&by=lifecycle'
expect_contains "$WORK/body" '"from":"2024-01-05","to":"2024-01-12"'
expect_status 200 viewer GET /api/v1/report
expect_contains "$WORK/body" '"previous_as_of":"2024-01-05"'
expect_status 200 viewer GET '/api/v1/actions?rule=winback'
expect_contains "$WORK/body" '"count":2'
expect_contains "$WORK/body" '"fired_at":"2024-01-02T00:00:00Z"'
expect_status 200 viewer GET '/api/v1/actions?since=2024-01-05'
expect_contains "$WORK/body" '"count":1'
expect_contains "$WORK/body" '"rule":"welcome"'
expect_status 400 viewer GET '/api/v1/actions?since=soon'
expect_status 200 viewer GET /api/v1/experiments/promo
expect_contains "$WORK/body" '"customers":3'
expect_contains "$WORK/body" '"control":1'
expect_contains "$WORK/body" '"treatment":2'
expect_status 404 viewer GET /api/v1/experiments/nothing
stop_server
# INPUTS with the store: their profile replaces the store's snapshot of the same day
start_server --db "$db" --orders "$orders" --customers "$TEST_DATA/small/customers.csv"
expect_status 200 viewer GET /api/v1/snapshots
expect_contains "$WORK/body" '{"as_of":"2024-01-12","customers":7}'
stop_server
expect_exit 1 -- "$PATRON" serve --db "$WORK/none.db" --tokens "$WORK/tokens"
finish
