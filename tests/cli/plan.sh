# patron plan (SPEC section 11) on a hand-worked fixture: the highest fit >= 1 for the
# customer's lifecycle (ties: file order), the first reachable channel (contact and consent),
# `none` when no channel, an empty campaign with fit 0 when no fit >= 1; plan init.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
# As of 2024-03-01: A active (recency 20), B active, C dormant (recency 243), D churned,
# E a member without orders (prospect).
cat > orders.csv <<'CSV'
customer_id,order_id,order_time,amount
A,1,2023-06-01,10
A,2,2024-02-10,20
B,3,2023-05-01,10
B,4,2024-02-20,30
C,5,2023-07-02,50
D,6,2022-01-01,70
CSV
# A: sms consent 0 but email ok. B: phone with consent unknown. C: only wechat. D: nothing.
cat > customers.csv <<'CSV'
customer_id,phone,email,wechat_id,consent_sms,consent_email,consent_wechat
A,13800000001,a@example.com,,0,1,
B,13800000002,,,,,
C,,,wx_c,,,1
D,,,,,,
E,13800000005,,,1,,
CSV
cat > matrix.json <<'JSON'
{ "rows": "lifecycle",
  "campaigns": [
    { "name": "first", "group": "item", "channels": ["sms", "edm"],
      "fit": { "active": 3, "dormant": 2 } },
    { "name": "tie", "group": "item", "channels": ["wechat"], "fit": { "active": 3 } },
    { "name": "winback", "group": "brand", "channels": ["wechat", "sms"],
      "fit": { "dormant": 4, "churned": 0.5 } } ] }
JSON
expect_exit 0 -- "$PATRON" plan --orders orders.csv --customers customers.csv --as-of 2024-03-01 --matrix matrix.json --out p1
# A: active -> first (3; the tie with 'tie' goes to file order); sms refused, edm via email.
# B: active -> first; sms with unknown consent. C: dormant -> winback (4) by wechat.
# D: churned: best fit 0.5 < 1 -> no campaign. E: prospect -> no campaign.
cat > want.csv <<'CSV'
customer_id,row,campaign,fit,channel
A,active,first,3,edm
B,active,first,3,sms
C,dormant,winback,4,wechat
D,churned,,0,none
E,prospect,,0,none
CSV
expect_same p1/plan.csv want.csv
cat > want_summary.csv <<'CSV'
row,campaign,customers
active,first,2
dormant,winback,1
churned,,1
prospect,,1
CSV
expect_same p1/plan_summary.csv want_summary.csv
expect_contains "$WORK/out" "Campaign matrix (rows: lifecycle"
expect_exit 0 -- "$PATRON" plan init --out default.json
/usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['rows']=='lifecycle' and len(m['campaigns'])>=10" default.json || fail "default matrix"
expect_exit 0 -- "$PATRON" plan --orders orders.csv --customers customers.csv --matrix default.json --out out2 --quiet
# an as-of before every order: nobody to plan, both files hold their header only
expect_exit 0 -- "$PATRON" plan --orders orders.csv --as-of 1990-01-01 --matrix default.json --out empty --quiet
[ "$(cat empty/plan_summary.csv)" = "row,campaign,customers" ] || fail "empty plan_summary: $(cat empty/plan_summary.csv)"
printf '{"rows": "lifecycle",\n "campaigns": [{"name": "x", "channels": "sms"}]}' > bad.json
expect_exit 1 -- "$PATRON" plan --orders orders.csv --matrix bad.json --out out3
expect_contains "$WORK/err" "bad.json: campaigns[0]: channels: expected a non-empty array of texts"
printf '{"rows": "lifecycle",\n "campaigns": [,]}' > syntax.json
expect_exit 1 -- "$PATRON" plan --orders orders.csv --matrix syntax.json --out out3
expect_contains "$WORK/err" "syntax.json:2:"
printf '{"rows": "monetary", "campaigns": []}' > num.json
expect_exit 1 -- "$PATRON" plan --orders orders.csv --matrix num.json --out out3
expect_contains "$WORK/err" "must be a segmentation or text column"
expect_exit 2 -- "$PATRON" plan --orders orders.csv --out out3
expect_contains "$WORK/err" "--matrix FILE is required"
finish
