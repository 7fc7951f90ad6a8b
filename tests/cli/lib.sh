# Helpers for CLI tests: each test script sources this, runs the real binary ($PATRON) and
# checks exit codes, files and messages. Exit 77 = skipped (CTest SKIP_RETURN_CODE).
set -u
export LC_ALL=C
: "${PATRON:?PATRON must point at the patron binary}"
: "${TEST_DATA:?TEST_DATA must point at tests/data}"
WORK=$(mktemp -d /tmp/patron-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_exit CODE -- command...: runs the command, keeps stdout/stderr in $WORK/out, $WORK/err
expect_exit() {
  local want=$1; shift; [ "$1" = "--" ] && shift
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  [ "$got" = "$want" ] || fail "exit $got (wanted $want): $* ; stderr: $(head -c 400 "$WORK/err")"
}

expect_contains() { # FILE TEXT
  grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 400 "$1")"
}

expect_same() { # GOT WANT
  cmp -s "$1" "$2" || { fail "$1 differs from $2"; diff "$1" "$2" | head -20; }
}

finish() {
  if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
  echo "all checks passed"
}

# Browser tests: skip (77) unless node, web/node_modules (npm ci) and Debian's chromium exist.
WEB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../web" && pwd)"
need_browser() {
  command -v node >/dev/null || { echo "SKIP: node is not installed (scripts/install-deps.sh)"; exit 77; }
  [ -d "$WEB_DIR/node_modules/playwright-core" ] ||
    { echo "SKIP: $WEB_DIR/node_modules is missing (run scripts/install-deps.sh: npm ci)"; exit 77; }
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
    { echo "SKIP: chromium is not installed (Debian package chromium)"; exit 77; }
}

# Server tests: start_server ARGS... runs `patron serve` on a loopback ephemeral port in the
# background; sets $PORT and $SERVER_PID (stderr in $WORK/serve.err). The tokens file
# $WORK/tokens holds viewer-token (alice), analyst-token (bob), admin-token (carol).
command -v sha256sum >/dev/null && {
  for r in viewer:alice analyst:bob admin:carol; do
    printf '%s %s %s\n' "$(printf '%s-token' "${r%%:*}" | sha256sum | cut -d' ' -f1)" "${r%%:*}" "${r#*:}"
  done >"$WORK/tokens"
}
start_server() {
  "$PATRON" serve --tokens "$WORK/tokens" --listen 127.0.0.1:0 "$@" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 1 300); do
    PORT=$(sed -n 's/.*listening on .*:\([0-9]*\)\/ .*/\1/p' "$WORK/serve.err")
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "server did not start: $(cat "$WORK/serve.err")"
  finish
}
stop_server() { # sends SIGTERM and checks the exit status is 0
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || fail "server exited with $? after SIGTERM"
}
# api ROLE METHOD PATH [curl args...]: body in $WORK/body, status in $STATUS
api() {
  local role=$1 method=$2 path=$3; shift 3
  local auth=()
  [ "$role" != none ] && auth=(-H "Authorization: Bearer $role-token")
  STATUS=$(curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" "${auth[@]}" "$@" \
    "${SCHEME:-http}://127.0.0.1:$PORT$path")
}
expect_status() { # WANT ROLE METHOD PATH [curl args...]
  local want=$1; shift
  api "$@"
  [ "$STATUS" = "$want" ] || fail "$2 $3 as $1: status $STATUS (wanted $want): $(head -c 300 "$WORK/body")"
}
