# The dashboard in Debian's chromium (playwright-core) against the real server on a loopback
# port: overview charts drawn, every tab opened without a console error, a customer id
# holding <script> and quotes shown escaped, the audience builder's live count equal to the
# CLI's (once the expression language is built in; until then its error is shown), English
# and Chinese, no cookie; the customer page's order history as the orders file has it; the
# experiments page's verdicts (per arm and metric, per trigger rule) equal the CLI's
# results.csv and rule_verdicts.csv. Screenshots go to $SCREENSHOT_DIR (default: build/tests).
. "$(dirname "$0")/lib.sh"
need_browser
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
shots="${SCREENSHOT_DIR:-$PWD}"
gen="$WORK/gen"
expect_exit 0 -- "$PATRON" gen --customers 2000 --out "$gen"
evil='<script>alert("x")</script>'"'q"
pad=$(head -1 "$gen/orders.csv" | tr -cd , | cut -c5-) # the columns after quantity, empty
printf '"%s",X1,2025-06-01 10:00:00,42.00,1%s\n' "$(printf '%s' "$evil" | sed 's/"/""/g')" "$pad" \
  >>"$gen/orders.csv"
where='frequency >= 2 and recency_days <= 120'
expect_exit 0 -- "$PATRON" audience --orders "$gen/orders.csv" --customers "$gen/customers.csv" \
  --where "$where" --out "$WORK/aud.csv"
count=$(sed -n 's/^Audience: \([0-9]*\) customers.*/\1/p' "$WORK/out")
[ -n "$count" ] || fail "no count from patron audience: $(cat "$WORK/out")"
# a store with an experiment (assigned by the CLI) and a trigger rule's actions (half held
# out, fired 60 days before as-of): the experiments page must show the CLI's verdicts
db="$WORK/store.db"
in=(--orders "$gen/orders.csv" --customers "$gen/customers.csv")
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --db "$db" --out "$WORK/an" --quiet
read -r asof start < <(/usr/bin/python3 - "$gen/orders.csv" <<'PY'
import csv, datetime, sys
last = max(r["order_time"][:10] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")))
d = datetime.date.fromisoformat(last) + datetime.timedelta(days=1)
print(d, d - datetime.timedelta(days=60))
PY
)
expect_exit 0 -- "$PATRON" experiment assign --ids "$WORK/an/profiles.csv" --name promo \
  --arms control:50,treatment:50 --db "$db" --out "$WORK/assign.csv"
/usr/bin/python3 - "$db" "$WORK/an/profiles.csv" "$start" <<'PY' || fail "writing actions"
import csv, datetime, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ids = [r["customer_id"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))][:400]
t = int(datetime.datetime.fromisoformat(sys.argv[3] + "T10:00:00+00:00").timestamp())
c.executemany("INSERT INTO actions (action_id, rule, campaign, channel, customer_id, arm,"
              " fired_at, send_at) VALUES (?,?,?,?,?,?,?,?)",
              [(f"w{i}", "winback", "coupon", "sms", x, "holdout" if i % 2 else "treatment", t, t)
               for i, x in enumerate(ids)])
c.commit()
PY
printf '{"rules": [{"name": "winback", "where": "recency_days > 60", "campaign": "coupon", "channel": "sms", "holdout_percent": 50}]}\n' \
  >"$WORK/rules.json"
expect_exit 0 -- "$PATRON" experiment evaluate --db "$db" --name promo --orders "$gen/orders.csv" \
  --start "$start" --window 30 --out "$WORK/ev"
expect_exit 0 -- "$PATRON" experiment evaluate --rules "$WORK/rules.json" --db "$db" \
  --orders "$gen/orders.csv" --as-of "$asof" --window 30 --out "$WORK/rv"
export EXPERIMENT=promo EXP_START="$start" RULE_ASOF="$asof" HISTORY_FIRST="2025-06-01 10:00:00|42|1|||"
EXP_VERDICTS=$(tail -n +2 "$WORK/ev/results.csv" | awk -F, '{print $NF}' | paste -sd, -)
RULE_VERDICTS=$(tail -n +2 "$WORK/rv/rule_verdicts.csv" | awk -F, '{print $1 ":" $(NF-1)}' | paste -sd, -)
export EXP_VERDICTS RULE_VERDICTS
start_server --db "$db" "${in[@]}" --rules "$WORK/rules.json"
(cd "$WEB_DIR" && node test/dashboard_check.js "http://127.0.0.1:$PORT/" admin-token \
  "$shots/dashboard" "$evil" "$where" "$count") || fail "dashboard in the browser"
stop_server
finish
