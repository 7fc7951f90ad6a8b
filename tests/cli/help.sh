# The command table, `patron --help`, every command's --help and the README agree.
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" --version
expect_contains "$WORK/out" "patron "
expect_exit 0 -- "$PATRON" --help
cp "$WORK/out" "$WORK/overview"
commands=$(awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}' "$WORK/overview")
[ -n "$commands" ] || fail "no commands listed by --help"
for c in $commands; do
  expect_exit 0 -- "$PATRON" "$c" --help
  expect_contains "$WORK/out" "Usage: patron $c"
  grep -q "patron $c" "$README" || fail "README does not mention 'patron $c'"
done
expect_exit 2 -- "$PATRON"
finish
