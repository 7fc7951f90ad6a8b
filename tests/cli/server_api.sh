# patron serve as a user and an attacker would use it: the real binary on a loopback
# ephemeral port, every endpoint, customers compared with analyze's profiles.csv (pandas),
# 400/401/403/404/405/413/501 JSON errors, malformed HTTP, a request log without tokens or
# query strings, graceful exit 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
gen="$WORK/gen"
expect_exit 0 -- "$PATRON" gen --customers 500 --out "$gen"
in=(--orders "$gen/orders.csv" --customers "$gen/customers.csv")
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --out "$WORK/a" --quiet
start_server "${in[@]}" --log "$WORK/log" --max-body 1000

expect_status 200 none GET /api/v1/health
expect_contains "$WORK/body" '"status":"ok"'
expect_status 200 none GET /api/v1/openapi.json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["openapi"].startswith("3.") and {"/customers/{id}/orders", "/rules", "/experiments/{name}"} <= set(d["paths"])' \
  "$WORK/body" || fail "openapi.json is not an OpenAPI 3 document"
expect_status 200 viewer GET /api/v1/snapshots
expect_contains "$WORK/body" '"snapshots":[{"as_of":'
expect_status 200 viewer GET '/api/v1/segments?segmentation=rfm_class'
expect_contains "$WORK/body" '"segment":"important_value"'
expect_status 200 viewer GET /api/v1/report
expect_contains "$WORK/body" '"kpi":{'
expect_status 200 viewer GET '/api/v1/movements?by=lifecycle'
expect_contains "$WORK/body" '"links":[['
expect_status 200 none GET /
expect_contains "$WORK/body" '<!DOCTYPE html>'
expect_status 200 none GET /assets/dashboard.js

# every customer of the profile, compared with profiles.csv
ids=$(cut -d, -f1 "$WORK/a/profiles.csv" | sed -n '2,40p')
for id in $ids; do
  api viewer GET "/api/v1/customers/$id"
  cp "$WORK/body" "$WORK/c_$id.json"
done
/usr/bin/python3 - "$WORK" $ids <<'PY' || fail "customer objects differ from profiles.csv"
import json, math, sys
import pandas as pd
work, ids = sys.argv[1], sys.argv[2:]
p = pd.read_csv(f"{work}/a/profiles.csv", dtype={"customer_id": str}, keep_default_na=False)
p = p.set_index("customer_id")
bad = 0
for i in ids:
    got = json.load(open(f"{work}/c_{i}.json"))
    for col, want in p.loc[i].items():
        g = got.get(col, "MISSING")
        if want == "":
            ok = g is None
        elif isinstance(g, (int, float)) and not isinstance(g, bool):
            decimals = len(want.split(".")[1]) if "." in want else 0  # CSV rounds
            ok = abs(g - float(want)) <= 0.5001 * 10 ** -decimals
        else:
            ok = str(g) == str(want)
        if not ok:
            print(i, col, "api", g, "csv", want); bad += 1
sys.exit(1 if bad else 0)
PY
first=$(echo "$ids" | head -1)
expect_status 200 analyst GET '/api/v1/customers?limit=2&offset=1'
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["rows"]) == 2 and d["count"] > 2' \
  "$WORK/body" || fail "customers page"

# errors
expect_status 401 none GET "/api/v1/customers/$first"
expect_contains "$WORK/body" '"error":{"code":"unauthorized"'
api none GET /api/v1/snapshots -H "Authorization: Bearer wrong-token"
[ "$STATUS" = 401 ] || fail "a wrong token gave $STATUS"
api none GET /api/v1/snapshots -H "Authorization: Basic dmlld2VyLXRva2Vu"
[ "$STATUS" = 401 ] || fail "basic auth gave $STATUS"
expect_status 403 viewer GET /api/v1/customers
expect_contains "$WORK/body" '"code":"forbidden"'
expect_status 403 viewer POST /api/v1/audiences -d '{"where":"frequency > 1"}'
expect_status 404 viewer GET /api/v1/customers/no-such-customer
expect_contains "$WORK/body" '"code":"not_found"'
expect_status 404 viewer GET /api/v1/nothing
expect_status 404 viewer GET '/api/v1/segments?as_of=1999-01-01'
expect_status 404 viewer GET '/api/v1/segments?segmentation=nope'
expect_status 404 viewer GET /api/v1/actions
expect_status 404 viewer GET /api/v1/experiments/x
expect_status 404 none GET /assets/../../etc/passwd
expect_status 400 viewer GET '/api/v1/segments?as_of=yesterday'
expect_contains "$WORK/body" 'as_of must be a date YYYY-MM-DD'
expect_status 400 analyst GET '/api/v1/customers?limit=-1'
expect_status 400 analyst GET '/api/v1/customers?limit=1x'
expect_status 400 viewer GET '/api/v1/customers/%zz'
expect_status 400 viewer GET '/api/v1/customers/a%00b'
expect_status 405 viewer DELETE /api/v1/snapshots
expect_status 400 analyst POST /api/v1/audiences -d '{"where": '
expect_contains "$WORK/body" 'body is not JSON'
expect_status 400 analyst POST /api/v1/audiences -d '[1,2]'
expect_status 400 analyst POST /api/v1/audiences -d '{"where":"x","where":"y"}'
expect_status 413 analyst POST /api/v1/audiences -d "{\"where\": \"$(head -c 2000 /dev/zero | tr '\0' a)\"}"
expect_contains "$WORK/body" '"code":"payload_too_large"'
# audiences and where: counts and rows against pandas over profiles.csv
expect_status 200 analyst POST /api/v1/audiences -d '{"where":"frequency > 1","limit":3,"order_by":"monetary:desc"}'
cp "$WORK/body" "$WORK/aud.json"
for i in 1 2 3; do # the same expression three ways: compiled once, counted once
  expect_status 200 analyst POST /api/v1/audiences -d "$(printf '{"where":"%s","limit":0}' \
    "$([ $i = 2 ] && echo ' frequency  >\t1 ' || echo 'frequency > 1')")"
  cp "$WORK/body" "$WORK/count$i.json"
done
expect_status 200 analyst GET '/api/v1/customers?where=frequency%20%3E%201%20and%20monetary%20%3E%20100&limit=2&offset=1'
cp "$WORK/body" "$WORK/where.json"
/usr/bin/python3 - "$WORK" <<'PY' || fail "audience counts differ from pandas"
import json, sys
import pandas as pd
w = sys.argv[1]
p = pd.read_csv(f"{w}/a/profiles.csv", dtype={"customer_id": str})
a = json.load(open(f"{w}/aud.json"))
sel = p[p.frequency > 1]
assert a["count"] == len(sel), (a["count"], len(sel))
top = sel.sort_values(["monetary", "customer_id"], ascending=[False, True]).customer_id.tolist()[:3]
assert [r["customer_id"] for r in a["rows"]] == top, ([r["customer_id"] for r in a["rows"]], top)
for name in ("count1", "count2", "count3"):  # limit 0: the count-only path, cached or not
    c = json.load(open(f"{w}/{name}.json"))
    assert c["count"] == len(sel) and c["rows"] == [], (name, c)
b = json.load(open(f"{w}/where.json"))
sel2 = p[(p.frequency > 1) & (p.monetary > 100)]
assert b["count"] == len(sel2) and [r["customer_id"] for r in b["rows"]] == sel2.customer_id.tolist()[1:3]
PY
expect_status 400 analyst POST /api/v1/audiences -d '{"where":"frequency >> 1"}'
expect_contains "$WORK/body" '"column":'
# an error's caret column is the text as sent, whatever blanks a cached twin had
expect_status 400 analyst POST /api/v1/audiences -d '{"where":"   frequency >> 1","limit":0}'
expect_contains "$WORK/body" '"column":15'
expect_status 400 analyst POST /api/v1/audiences -d '{"where":"frequency > 1","order_by":"nope"}'
expect_status 400 analyst GET '/api/v1/customers?where=frequncy%20%3E%201'
# malformed HTTP: refused (connection closed or 400/431/505), and the server keeps serving
/usr/bin/python3 - "$PORT" <<'PY' || fail "malformed HTTP"
import socket, sys
cases = [(b"GARBAGE\r\n\r\n", (b"", b"HTTP/1.1 400")),
         (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", (b"HTTP/1.1 400",)),
         (b"GET /api/v1/health HTTP/9.9\r\n\r\n", (b"HTTP/1.1 505",)),
         (b"GET /api/v1/health HTTP/1.1\r\nX-Long: " + b"a" * 100000 + b"\r\n\r\n", (b"HTTP/1.1 431",)),
         (b"POST /api/v1/audiences HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n", (b"", b"HTTP/1.1 400"))]
bad = 0
for req, want in cases:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.settimeout(5)
    try:
        s.sendall(req)
        got = s.recv(200)
    except (ConnectionResetError, BrokenPipeError):
        got = b""
    s.close()
    if not any(got.startswith(w) if w else got == b"" for w in want):
        print("request", req[:40], "answered", got[:40]); bad += 1
sys.exit(1 if bad else 0)
PY
expect_status 200 none GET /api/v1/health

stop_server
expect_contains "$WORK/serve.err" "SIGTERM, stopping"
# the log: one line per request with the token's name, never the token or the query
expect_contains "$WORK/log" " alice GET /api/v1/customers/$first 200 "
expect_contains "$WORK/log" " bob POST /api/v1/audiences 413 "
grep -q -- '-token' "$WORK/log" && fail "a token appears in the log"
grep -q 'limit=' "$WORK/log" && fail "a query string appears in the log"
# usage errors
expect_exit 2 -- "$PATRON" serve "${in[@]}"
expect_contains "$WORK/err" "--tokens FILE is required"
expect_exit 2 -- "$PATRON" serve "${in[@]}" --tokens "$WORK/tokens" --tls-cert x
printf 'abc viewer alice\n' >"$WORK/badtokens"
expect_exit 1 -- "$PATRON" serve "${in[@]}" --tokens "$WORK/badtokens"
expect_contains "$WORK/err" "badtokens:1: the first field must be 64 lowercase hex digits"
finish
