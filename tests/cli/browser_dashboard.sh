# The dashboard in Debian's chromium (playwright-core) against the real server on a loopback
# port: overview charts drawn, every tab opened without a console error, a customer id
# holding <script> and quotes shown escaped, the audience builder's live count equal to the
# CLI's (once the expression language is built in; until then its error is shown), English
# and Chinese, no cookie. Screenshots go to $SCREENSHOT_DIR (default: build/tests).
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
start_server --orders "$gen/orders.csv" --customers "$gen/customers.csv"
(cd "$WEB_DIR" && node test/dashboard_check.js "http://127.0.0.1:$PORT/" admin-token \
  "$shots/dashboard" "$evil" "$where" "$count") || fail "dashboard in the browser"
stop_server
finish
