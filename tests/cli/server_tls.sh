# patron serve over HTTPS (libmicrohttpd with GnuTLS): a self-signed certificate made with
# openssl; the API answers over TLS, plain HTTP on the same port does not get an answer, an
# unreadable key is a clear error.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl req"
in=(--orders "$TEST_DATA/small/orders.csv")
start_server "${in[@]}" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
expect_contains "$WORK/serve.err" "listening on https://127.0.0.1:"
SCHEME=https expect_status 200 viewer GET /api/v1/snapshots --cacert "$WORK/cert.pem"
expect_contains "$WORK/body" '"snapshots"'
SCHEME=https expect_status 401 none GET /api/v1/snapshots --cacert "$WORK/cert.pem"
api viewer GET /api/v1/snapshots --max-time 5
[ "$STATUS" = 200 ] && fail "plain HTTP was answered on the HTTPS port"
stop_server
expect_exit 1 -- "$PATRON" serve "${in[@]}" --tokens "$WORK/tokens" --listen 127.0.0.1:0 \
  --tls-cert "$WORK/cert.pem" --tls-key "$WORK/missing.pem"
expect_contains "$WORK/err" "missing.pem: cannot read"
finish
