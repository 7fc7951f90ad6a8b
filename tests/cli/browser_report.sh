# The report opened in Debian's chromium (playwright-core) with every network request
# blocked: no request attempted, no console error, every chart drawn, no markup injected by a
# customer id holding <script>; English and Chinese. Screenshots go to $SCREENSHOT_DIR (default:
# the test's working directory, build/tests) and their paths are printed in the test log.
. "$(dirname "$0")/lib.sh"
need_browser
shots="${SCREENSHOT_DIR:-$PWD}"
gen="$WORK/gen"
expect_exit 0 -- "$PATRON" gen --customers 3000 --out "$gen"
# one customer whose id is markup, to prove it is shown escaped
printf 'C<script>alert(1)</script>"q,X1,2025-06-01 10:00:00,5000000\n' >>"$gen/orders.csv"
for lang in en zh; do
  expect_exit 0 -- "$PATRON" report --orders "$gen/orders.csv" --customers "$gen/customers.csv" \
    --events "$gen/events.csv" --lang "$lang" --out "$WORK/report_$lang.html"
done
(cd "$WEB_DIR" && node test/report_check.js "$WORK/report_en.html" "$shots/report_en.png" \
  "Revenue concentration" "Cohort retention" "Portrait by RFM class" "important_value (") ||
  fail "English report in the browser"
(cd "$WEB_DIR" && node test/report_check.js "$WORK/report_zh.html" "$shots/report_zh.png" \
  "客户数" "同期群" "按RFM分类的用户画像" "重要价值客户 (") || fail "Chinese report in the browser"
finish
